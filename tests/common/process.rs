//! The `pgway` binary as a child process, for what only a process shows: signals, start-up
//! against an unreachable database, exit codes.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const PGWAY: &str = env!("CARGO_BIN_EXE_pgway");

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `pgway serve`, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Pgway {
    child: Child,
    pub port: u16,
    pub admin_port: u16,
    log: tempfile::NamedTempFile,
    pub client: reqwest::Client,
}

impl Pgway {
    /// Serves `db_uri` (schema `api`, anonymous `web_anon`) on loopback ports of its own, with
    /// an admin server, and more settings as flags; `config_file` first if given.
    pub fn spawn(db_uri: &str, settings: &[(&str, &str)], config_file: Option<&Path>) -> Pgway {
        let port = free_port();
        let admin_port = free_port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut command = Command::new(PGWAY);
        command.arg("serve");
        if let Some(file) = config_file {
            command.arg(file);
        }
        let defaults = [
            ("db-uri", db_uri.to_owned()),
            ("db-schemas", "api".into()),
            ("db-anon-role", "web_anon".into()),
            ("jwt-secret", super::SECRET.into()),
            ("server-host", "127.0.0.1".into()),
            ("server-port", port.to_string()),
            ("admin-server-port", admin_port.to_string()),
        ];
        for (key, value) in defaults
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(settings.iter().copied())
        {
            command.arg(format!("--{key}")).arg(value);
        }
        let child = command
            .env("RUST_LOG", "pgway=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap();
        Pgway {
            child,
            port,
            admin_port,
            log,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.admin_port)
    }

    /// The status of a GET, or `None` when the server does not answer.
    pub async fn status(&self, url: &str) -> Option<u16> {
        let response = self.client.get(url).send().await.ok()?;
        Some(response.status().as_u16())
    }

    /// Waits until `GET url` answers `status`, and says how long that took.
    pub async fn wait_for(&self, url: &str, status: u16, within: Duration) -> Duration {
        let started = Instant::now();
        while self.status(url).await != Some(status) {
            assert!(
                started.elapsed() < within,
                "GET {url} did not answer {status} within {within:?}; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        started.elapsed()
    }

    /// Sends a signal (`TERM`, `USR1`, …).
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for the process to exit.
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < within,
                "pgway did not exit; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the process logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Pgway {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
