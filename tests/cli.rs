//! The `pgway` binary: `pgway demo` end to end, and configuration errors.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PGWAY: &str = env!("CARGO_BIN_EXE_pgway");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.1 GET: the status line and the body.
fn http_get(port: u16, path: &str, authorization: Option<&str>) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = authorization
        .map(|a| format!("Authorization: Bearer {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// The demo process, interrupted (like Ctrl-C) when the test ends, even by a failed assertion,
/// so that it removes its cluster.
struct Demo(Child);

impl Demo {
    fn interrupt(&mut self) -> std::process::ExitStatus {
        if let Ok(Some(status)) = self.0.try_wait() {
            return status;
        }
        Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status()
            .unwrap();
        self.0.wait().unwrap()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.interrupt();
    }
}

#[test]
fn demo_serves_the_example_and_cleans_up_on_ctrl_c() {
    let port = free_port();
    let mut demo = Demo(
        Command::new(PGWAY)
            .args(["demo", "--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut banner = Vec::new();
    let mut lines = BufReader::new(demo.0.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Ctrl-C stops");
        banner.push(line);
        if done {
            break;
        }
    }
    let token = banner[banner
        .iter()
        .position(|l| l.starts_with("A JWT for"))
        .unwrap()
        + 2]
    .trim()
    .to_owned();
    let pg_port: u16 = banner[0].rsplit(' ').next().unwrap().parse().unwrap();

    let (status, body) = http_get(port, "/people?age=gte.18&student=is.true&select=name", None);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        body, "[{\"name\":\"Carol\"}, \n {\"name\":\"Erin\"}]",
        "json_agg's separator, byte for byte what PostgREST sends"
    );
    let (status, _) = http_get(port, "/accounts", None);
    assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    let (status, body) = http_get(port, "/accounts?select=company&order=company", Some(&token));
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        body,
        "[{\"company\":\"Acme\"}, \n {\"company\":\"Initech\"}]"
    );
    let (status, body) = http_get(
        port,
        "/graphql?query=%7BallPeople%7Baggregates%7Bmax%7Bage%7D%7D%7D%7D",
        None,
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        body, r#"{"data":{"allPeople":{"aggregates":{"max":{"age":45}}}}}"#,
        "the demo turns aggregates on"
    );
    print_schemas(&format!(
        "postgres://authenticator@127.0.0.1:{pg_port}/pgway_demo"
    ));

    let exit = demo.interrupt();
    assert!(exit.success(), "{exit}");
    assert!(
        TcpStream::connect(("127.0.0.1", pg_port)).is_err(),
        "the cluster is stopped"
    );
}

/// `pgway schema [--graphql | --openapi]` against the demo's database.
fn print_schemas(db_uri: &str) {
    let schema = |flags: &[&str]| {
        Command::new(PGWAY)
            .arg("schema")
            .args(flags)
            .args(["--db-uri", db_uri, "--db-schemas", "api"])
            .args(["--db-anon-role", "web_anon"])
            .output()
            .unwrap()
    };
    let sdl = schema(&[]);
    assert!(sdl.status.success(), "{sdl:?}");
    let sdl = String::from_utf8(sdl.stdout).unwrap();
    assert!(sdl.contains("allPeople("), "{sdl}");
    assert_eq!(
        String::from_utf8(schema(&["--graphql"]).stdout).unwrap(),
        sdl
    );

    let openapi = schema(&["--openapi"]);
    assert!(openapi.status.success(), "{openapi:?}");
    let document: serde_json::Value = serde_json::from_slice(&openapi.stdout).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/people"].is_object());

    let both = schema(&["--graphql", "--openapi"]);
    assert_eq!(both.status.code(), Some(2), "clap refuses both");
}

#[test]
fn a_bad_setting_is_one_line_and_exit_code_1() {
    let output = Command::new(PGWAY)
        .args(["--server-port", "http"])
        .env_remove("PGRST_SERVER_PORT")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "pgway: invalid value for server-port: invalid digit found in string\n"
    );
    let output = Command::new(PGWAY)
        .env("PGRST_JWT_SECRET", "short")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "pgway: invalid value for jwt-secret: must be at least 32 characters long\n"
    );
}
