//! The per-request log line, in a test binary of its own: `tracing`'s thread-local default
//! subscriber is not reliable while other tests log from other threads of the same process.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::Method;
use common::TestApi;
use serde_json::json;

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_request_line_names_the_role_and_no_token() {
    let api = TestApi::new().await;
    let log = Log::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let log = log.clone();
            move || log.clone()
        })
        .with_ansi(false)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let token = common::bearer(json!({"role": "mgr_alice"}));
    api.request(
        Method::GET,
        "/people?select=id",
        &[("Authorization", &token)],
        "",
    )
    .await;
    api.get("/clients?select=id").await;
    api.request(
        Method::GET,
        "/people",
        &[("Authorization", "Bearer bad")],
        "",
    )
    .await;
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.contains(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in\n{text}"))
            .to_owned()
    };
    assert!(
        line("GET /people 200 ").contains(" ms mgr_alice "),
        "{text}"
    );
    assert!(
        line("GET /clients 200 ").contains(" ms web_anon "),
        "{text}"
    );
    // A token that does not verify: no role.
    assert!(line("GET /people 401 ").contains(" ms - "), "{text}");
    let secret = token.strip_prefix("Bearer ").unwrap();
    assert!(!text.contains(secret) && !text.contains("bad"), "{text}");
}
