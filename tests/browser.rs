//! Swagger UI and GraphiQL in a real browser: `pgway demo` served to headless Chromium, driven
//! by `tests/browser/ui.mjs` (Node, no npm packages) the way a person uses them.
//!
//! Skipped, saying why, where Chromium or Node is missing, except under CI (`CI` set), where
//! `.ci/run` installs them and a missing one fails. `PGWAY_BLESS=1` saves the screenshots
//! into `docs/img/` (the README shows them); otherwise they go to a temporary directory.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

const PGWAY: &str = env!("CARGO_BIN_EXE_pgway");
const SCREENSHOTS: [&str; 3] = [
    "swagger-ui.png",
    "swagger-ui-try-it-out.png",
    "graphiql.png",
];

/// The browser: `CHROMIUM`, else Debian's.
fn chromium() -> Option<PathBuf> {
    let path =
        std::env::var_os("CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from);
    path.is_file().then_some(path)
}

fn node_runs() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Says why the test does not run, past the test harness's capture so that `cargo test` shows
/// it; under CI a missing browser is a failure.
fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI must have it (.ci/run installs it)"
    );
    let message = format!("tests/browser.rs skipped: {reason}\n");
    std::io::stderr().write_all(message.as_bytes()).unwrap();
}

/// `pgway demo` on a free port, interrupted (like Ctrl-C, so it removes its cluster) when
/// dropped, even by a failed assertion.
struct Demo {
    child: Child,
    /// Kept open, so the demo never writes to a closed pipe.
    stdout: BufReader<ChildStdout>,
}

impl Demo {
    /// Starts the demo and waits for its banner: it is serving then.
    fn start() -> (Demo, String) {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(PGWAY)
            .args(["demo", "--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut demo = Demo { child, stdout };
        let started = (&mut demo.stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.starts_with("Ctrl-C stops"));
        assert!(started, "pgway demo did not start");
        (demo, format!("http://127.0.0.1:{port}"))
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-INT", &self.child.id().to_string()])
                .status();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn swagger_ui_and_graphiql_work_in_chromium() {
    let Some(chromium) = chromium() else {
        return skip("no Chromium at /usr/bin/chromium (apt-get install chromium) or $CHROMIUM");
    };
    if !node_runs() {
        return skip("no node on PATH (Node 18 or later)");
    }
    let bless = std::env::var_os("PGWAY_BLESS").is_some();
    let temporary = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let screenshots = if bless {
        root.join("docs/img")
    } else {
        temporary.path().to_owned()
    };
    std::fs::create_dir_all(&screenshots).unwrap();

    let (demo, base) = Demo::start();
    let output = Command::new("node")
        .arg(root.join("tests/browser/ui.mjs"))
        .args([base.as_str(), screenshots.to_str().unwrap()])
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    drop(demo);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser scenario failed:\n{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the scenario printed no report ({e}):\n{stderr}"));

    // Anonymous callers see the tables web_anon may read (follow-privileges), not accounts.
    let swagger = &report["swagger"];
    assert_eq!(swagger["title"], "pgway example API");
    assert_eq!(
        swagger["tags"],
        json!([
            "Introspection",
            "adults",
            "clients",
            "people",
            "post",
            "projects",
            "(rpc) people_initials",
            "(rpc) people_over",
            "tasks",
            "users"
        ])
    );
    // "Try it out" on GET /people with age=gte.18 and order=age.desc, then "Execute".
    assert_eq!(
        swagger["requestUrl"],
        format!("{base}/people?select=%2A&order=age.desc&age=gte.18")
    );
    assert_eq!(swagger["status"], "200");
    assert_eq!(
        swagger["body"],
        json!([
            {"id": 4, "name": "Dan", "age": 45, "height": 181, "student": false},
            {"id": 1, "name": "Alice", "age": 30, "height": 165, "student": false},
            {"id": 3, "name": "Carol", "age": 22, "height": 160, "student": true},
            {"id": 5, "name": "Erin", "age": 19, "height": 158, "student": true}
        ])
    );
    assert_eq!(
        report["graphiql"]["result"],
        json!({"data": {"allClients": {"nodes": [
            {"name": "Apple", "projectsByClientId": {"nodes": [{"name": "IOS"}, {"name": "OSX"}]}},
            {"name": "Microsoft", "projectsByClientId": {"nodes": [{"name": "Windows 10"}, {"name": "Windows 7"}]}}
        ]}}})
    );
    assert_eq!(report["offsite"], json!([]), "everything comes from pgway");
    assert_eq!(report["exceptions"], json!([]), "no script errors");
    for name in SCREENSHOTS {
        let png = std::fs::read(screenshots.join(name)).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is a PNG");
    }
}
