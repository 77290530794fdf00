//! A throwaway PostgreSQL cluster built from the installed server binaries, and the example database.
//!
//! This module owns starting a private cluster (`initdb` + `pg_ctl start` in a fresh temporary
//! directory, on a free loopback port, with trust auth and durability switched off), stopping it and
//! removing its directory, and loading the example schema from `migrations/` into it. `pgway demo` and
//! the tests use it; a production deployment never needs it, since it points pgway at its own server.
//!
//! `initdb` and `postgres` refuse to run as root, so when this process is root every server command
//! runs as the `postgres` user through `runuser -u postgres --`, and the directory is chowned to it.
//! Only the cluster's own data directory is ever stopped.

use std::fs::{self, File};
use std::io;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions as _, Connection as _};

/// How many times `pg_ctl start` is tried with a new port when the chosen one was taken meanwhile.
const START_ATTEMPTS: usize = 3;
/// How many lines of a log an error message quotes.
const LOG_TAIL_LINES: usize = 20;

/// A running throwaway cluster. Stopped, and its directory removed, by [`Cluster::stop`] or on drop.
#[derive(Debug)]
pub struct Cluster {
    /// The private directory holding `data/`, the logs and the unix socket; `None` once stopped.
    dir: Option<PathBuf>,
    port: u16,
    bin: Binaries,
}

/// Why a throwaway cluster could not be started or loaded.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (looked for initdb, pg_ctl and postgres via pg_config --bindir, PATH and /usr/lib/postgresql/*/bin); install them, e.g. `apt-get install -y postgresql`"
    )]
    NotInstalled,
    #[error(
        "running as root, which initdb refuses, and there is no `postgres` user to run the server as; create one (e.g. `useradd --system postgres`) or run as a normal user"
    )]
    NoPostgresUser,
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
    #[error("{command} failed ({status}); last lines of its output:\n{log_tail}")]
    CommandFailed {
        command: String,
        status: ExitStatus,
        log_tail: String,
    },
    #[error("{context}: {source}")]
    Sql {
        context: String,
        source: sqlx::Error,
    },
    #[error("applying the example migrations to database {database:?}: {source}")]
    Migrate {
        database: String,
        source: sqlx::migrate::MigrateError,
    },
}

impl Cluster {
    /// Starts a fresh cluster on a free loopback port (blocking; ~1 s). Superuser `postgres`, trust auth,
    /// unix socket inside the private temp dir, fsync/synchronous_commit/full_page_writes off.
    pub fn start() -> Result<Cluster, EmbeddedError> {
        let bin = Binaries::find()?;
        let owner = if bin.as_postgres {
            Some(postgres_ids()?)
        } else {
            None
        };

        // Under /tmp whatever TMPDIR says: the unix socket path must stay under 107 bytes.
        let dir = tempfile::Builder::new()
            .prefix("pgway-pg.")
            .tempdir_in("/tmp")
            .map_err(io_context("creating a temporary directory under /tmp"))?
            .keep();
        // From here on, dropping `cluster` (on any error below) removes the directory again.
        let mut cluster = Cluster {
            dir: Some(dir.clone()),
            port: 0,
            bin,
        };
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(io_context(format!(
                "chowning {} to postgres",
                dir.display()
            )))?;
        }

        let initdb_log = dir.join("initdb.log");
        let mut initdb = cluster.bin.command("initdb", &dir);
        initdb
            .arg("-D")
            .arg(dir.join("data"))
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .args(["--no-sync", "--no-instructions"]);
        let status = run_logged(&mut initdb, "initdb", &initdb_log)?;
        if !status.success() {
            return Err(EmbeddedError::CommandFailed {
                command: "initdb".into(),
                status,
                log_tail: log_tail(&initdb_log),
            });
        }

        let mut attempt = 1;
        loop {
            cluster.port = free_port()?;
            let status = cluster.pg_ctl_start(&dir)?;
            if status.success() {
                return Ok(cluster);
            }
            let server_output = fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            let port_taken = server_output.contains("could not bind")
                || server_output.contains("could not create any TCP/IP sockets");
            if !port_taken || attempt == START_ATTEMPTS {
                return Err(cluster.start_failed(&dir, status));
            }
            attempt += 1;
        }
    }

    /// `pg_ctl start` on this cluster's port, waiting until it accepts connections.
    fn pg_ctl_start(&self, dir: &Path) -> Result<ExitStatus, EmbeddedError> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k '{}' -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            self.port,
            // pg_ctl hands -o to a shell; tempfile names are alphanumeric, so quoting is enough.
            dir.display()
        );
        let mut start = self.bin.command("pg_ctl", dir);
        start
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-s", "-o", &options, "start"]);
        run_logged(&mut start, "pg_ctl start", &dir.join("pg_ctl.log"))
    }

    fn start_failed(&self, dir: &Path, status: ExitStatus) -> EmbeddedError {
        EmbeddedError::CommandFailed {
            command: format!("pg_ctl start (port {})", self.port),
            status,
            log_tail: format!(
                "{}\n{}",
                log_tail(&dir.join("pg_ctl.log")),
                log_tail(&dir.join("server.log"))
            ),
        }
    }

    /// Stops the server (`pg_ctl stop -m fast`, which ends every session) and keeps its data,
    /// to [`Cluster::resume`] it later: an outage, for tests.
    pub fn pause(&self) -> Result<(), EmbeddedError> {
        let dir = self.running_dir()?;
        let log = dir.join("pg_ctl.log");
        let mut stop = self.bin.command("pg_ctl", dir);
        stop.arg("-D")
            .arg(dir.join("data"))
            .args(["-m", "fast", "-w", "-s", "stop"]);
        let status = run_logged(&mut stop, "pg_ctl stop", &log)?;
        if !status.success() {
            return Err(EmbeddedError::CommandFailed {
                command: "pg_ctl stop".into(),
                status,
                log_tail: log_tail(&log),
            });
        }
        Ok(())
    }

    /// Starts a [`Cluster::pause`]d server again, on the same port.
    pub fn resume(&self) -> Result<(), EmbeddedError> {
        let dir = self.running_dir()?;
        let status = self.pg_ctl_start(dir)?;
        if !status.success() {
            return Err(self.start_failed(dir, status));
        }
        Ok(())
    }

    fn running_dir(&self) -> Result<&Path, EmbeddedError> {
        self.dir.as_deref().ok_or_else(|| EmbeddedError::Io {
            context: "the cluster was stopped for good".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// postgres://{user}@127.0.0.1:{port}/{database}
    pub fn url(&self, user: &str, database: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server (pg_ctl stop -m fast) and removes the directory; idempotent. Drop calls it.
    ///
    /// Failures are logged as warnings, not returned: there is nothing a caller could do about them.
    pub fn stop(&mut self) {
        let Some(dir) = self.dir.take() else { return };
        let data = dir.join("data");
        // No lock file: the server never started (or already exited), so there is nothing to stop.
        if data.join("postmaster.pid").exists() {
            let log = dir.join("pg_ctl.log");
            let stopped = ["fast", "immediate"].into_iter().any(|mode| {
                let mut stop = self.bin.command("pg_ctl", &dir);
                stop.arg("-D")
                    .arg(&data)
                    .args(["-m", mode, "-w", "-s", "stop"]);
                match run_logged(&mut stop, "pg_ctl stop", &log) {
                    Ok(status) if status.success() => true,
                    Ok(status) => {
                        tracing::warn!(
                            "pg_ctl stop -m {mode} of {} failed ({status}): {}",
                            data.display(),
                            log_tail(&log)
                        );
                        false
                    }
                    Err(err) => {
                        tracing::warn!("{err}");
                        false
                    }
                }
            });
            if !stopped {
                // The postmaster notices its lock file is gone within a minute and shuts down.
                tracing::warn!(
                    "removing {} with its server possibly still running",
                    dir.display()
                );
            }
        }
        if let Err(err) = fs::remove_dir_all(&dir) {
            tracing::warn!("could not remove {}: {err}", dir.display());
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Creates `database` (if it does not exist) and applies the example migrations in `migrations/`
/// (embedded at compile time with `sqlx::migrate!()`) as the superuser.
pub async fn load_example(cluster: &Cluster, database: &str) -> Result<(), EmbeddedError> {
    let superuser = PgConnectOptions::new()
        .host("127.0.0.1")
        .port(cluster.port)
        .username("postgres");

    let mut admin = superuser
        .clone()
        .database("postgres")
        .connect()
        .await
        .map_err(sql_context(format!(
            "connecting to {}",
            cluster.url("postgres", "postgres")
        )))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&mut admin)
            .await
            .map_err(sql_context(format!("looking up database {database:?}")))?;
    if !exists {
        let create = format!("CREATE DATABASE {}", quote_ident(database));
        match sqlx::raw_sql(AssertSqlSafe(create))
            .execute(&mut admin)
            .await
        {
            Ok(_) => {}
            // duplicate_database: created concurrently by another caller, which is as good.
            Err(err)
                if err.as_database_error().and_then(|e| e.code()).as_deref() == Some("42P04") => {}
            Err(err) => return Err(sql_context(format!("creating database {database:?}"))(err)),
        }
    }
    admin
        .close()
        .await
        .map_err(sql_context("closing the postgres connection"))?;

    let mut conn = superuser
        .database(database)
        .connect()
        .await
        .map_err(sql_context(format!("connecting to database {database:?}")))?;
    sqlx::migrate!("./migrations")
        .run(&mut conn)
        .await
        .map_err(|source| EmbeddedError::Migrate {
            database: database.to_owned(),
            source,
        })?;
    conn.close().await.map_err(sql_context(format!(
        "closing the connection to {database:?}"
    )))
}

/// The directory holding the server binaries, and whether they must run as the `postgres` user.
#[derive(Debug)]
struct Binaries {
    dir: PathBuf,
    as_postgres: bool,
}

impl Binaries {
    /// `pg_config --bindir`, then the directory of `initdb` on PATH (symlinks followed), then the
    /// newest `/usr/lib/postgresql/*/bin`: the first that holds initdb, pg_ctl and postgres.
    fn find() -> Result<Binaries, EmbeddedError> {
        let dir = pg_config_bindir()
            .into_iter()
            .chain(initdb_on_path())
            .chain(debian_bindirs())
            .find(|dir| {
                ["initdb", "pg_ctl", "postgres"]
                    .iter()
                    .all(|b| dir.join(b).is_file())
            })
            .ok_or(EmbeddedError::NotInstalled)?;
        Ok(Binaries {
            dir,
            as_postgres: running_as_root(),
        })
    }

    /// A command running `program` from the binaries directory in `cwd` (which the `postgres`
    /// user can enter, unlike root's home), as `postgres` when needed.
    fn command(&self, program: &str, cwd: &Path) -> Command {
        let exe = self.dir.join(program);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(exe);
            cmd
        } else {
            Command::new(exe)
        };
        cmd.current_dir(cwd).stdin(Stdio::null());
        cmd
    }
}

fn pg_config_bindir() -> Option<PathBuf> {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !dir.trim().is_empty()).then(|| PathBuf::from(dir.trim()))
}

fn initdb_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let initdb = std::env::split_paths(&path)
        .map(|dir| dir.join("initdb"))
        .find(|f| f.is_file())?;
    Some(fs::canonicalize(initdb).ok()?.parent()?.to_path_buf())
}

/// `/usr/lib/postgresql/*/bin`, newest version first (compared numerically, so 9.6 < 10 < 15).
fn debian_bindirs() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir("/usr/lib/postgresql") else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name
                .split('.')
                .map(str::parse)
                .collect::<Result<Vec<u32>, _>>()
                .ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

fn running_as_root() -> bool {
    match fs::metadata("/proc/self") {
        Ok(meta) => meta.uid() == 0,
        Err(_) => id(&["-u"]) == Some(0),
    }
}

/// The uid and gid of the `postgres` user.
fn postgres_ids() -> Result<(u32, u32), EmbeddedError> {
    id(&["-u", "postgres"])
        .zip(id(&["-g", "postgres"]))
        .ok_or(EmbeddedError::NoPostgresUser)
}

/// Runs `id <args>` and parses its number.
fn id(args: &[&str]) -> Option<u32> {
    let out = Command::new("id")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

fn free_port() -> Result<u16, EmbeddedError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(io_context("binding a free port on 127.0.0.1"))?;
    let addr = listener
        .local_addr()
        .map_err(io_context("reading the bound port"))?;
    Ok(addr.port())
}

/// Runs `cmd` with stdout and stderr appended to `log`, and returns its exit status.
fn run_logged(cmd: &mut Command, name: &str, log: &Path) -> Result<ExitStatus, EmbeddedError> {
    let out = File::options()
        .create(true)
        .append(true)
        .open(log)
        .map_err(io_context(format!("opening {}", log.display())))?;
    let err = out
        .try_clone()
        .map_err(io_context(format!("opening {}", log.display())))?;
    cmd.stdout(out)
        .stderr(err)
        .status()
        .map_err(io_context(format!("running {name} ({cmd:?})")))
}

/// The last lines of a log file, for error messages.
fn log_tail(log: &Path) -> String {
    match fs::read(log) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
        }
        Err(err) => format!("({} unreadable: {err})", log.display()),
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn io_context(context: impl Into<String>) -> impl FnOnce(io::Error) -> EmbeddedError {
    let context = context.into();
    move |source| EmbeddedError::Io { context, source }
}

fn sql_context(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> EmbeddedError {
    let context = context.into();
    move |source| EmbeddedError::Sql { context, source }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgConnection;

    async fn count_people(cluster: &Cluster, database: &str) -> i64 {
        let mut conn = PgConnection::connect(&cluster.url("postgres", database))
            .await
            .unwrap();
        let count = sqlx::query_scalar("select count(*) from api.people")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        count
    }

    #[tokio::test]
    async fn starts_loads_and_stops() {
        let mut cluster = Cluster::start().unwrap();
        let dir = cluster.dir.clone().unwrap();
        assert!(dir.join("data/postmaster.pid").exists());

        load_example(&cluster, "example").await.unwrap();
        assert_eq!(count_people(&cluster, "example").await, 7);

        // The login role can switch to the example roles, and row level security applies.
        let mut conn = PgConnection::connect(&cluster.url("authenticator", "example"))
            .await
            .unwrap();
        let mut tx = conn.begin().await.unwrap();
        sqlx::raw_sql("set local role mgr_alice")
            .execute(&mut *tx)
            .await
            .unwrap();
        let companies: Vec<String> =
            sqlx::query_scalar("select company from api.accounts order by company")
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        assert_eq!(companies, ["Acme", "Initech"]);
        tx.rollback().await.unwrap();
        conn.close().await.unwrap();

        cluster.stop();
        assert!(!dir.exists(), "{} still exists", dir.display());
        cluster.stop(); // idempotent
    }

    #[tokio::test]
    async fn loads_into_several_databases_of_one_cluster() {
        let cluster = Cluster::start().unwrap();
        let dir = cluster.dir.clone().unwrap();

        load_example(&cluster, "first").await.unwrap();
        load_example(&cluster, "second").await.unwrap();
        // Again into an existing, loaded database: nothing to do.
        load_example(&cluster, "first").await.unwrap();
        // Concurrently, so the roles race; a quote in the name must be quoted.
        let (a, b, c) = tokio::join!(
            load_example(&cluster, "third"),
            load_example(&cluster, "fourth \"4\""),
            load_example(&cluster, "fifth"),
        );
        a.unwrap();
        b.unwrap();
        c.unwrap();

        for database in ["first", "second", "third", "fifth"] {
            assert_eq!(count_people(&cluster, database).await, 7, "in {database}");
        }
        drop(cluster);
        assert!(!dir.exists(), "{} still exists after drop", dir.display());
    }
}
