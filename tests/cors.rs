//! CORS as PostgREST answers it.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApi;

#[tokio::test]
async fn preflight_and_actual_requests() {
    let api = TestApi::new().await;
    let preflight = [
        ("origin", "http://app.example"),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "content-type,prefer"),
    ];
    let response = api
        .request(Method::OPTIONS, "/people", &preflight, "")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        response.header("access-control-allow-methods"),
        Some("GET,POST,PATCH,PUT,DELETE,OPTIONS,HEAD")
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("content-type,prefer")
    );
    assert_eq!(response.header("access-control-max-age"), Some("86400"));

    let response = api
        .request(
            Method::GET,
            "/people?limit=1",
            &[("origin", "http://app.example")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    let exposed = response.header("access-control-expose-headers").unwrap();
    assert!(
        exposed.contains("content-range") && exposed.contains("content-location"),
        "{exposed}"
    );
}

#[tokio::test]
async fn allowed_origins_restrict() {
    let api =
        TestApi::with_settings(&[("server-cors-allowed-origins", "http://good.example")]).await;
    let good = api
        .request(
            Method::GET,
            "/people?limit=1",
            &[("origin", "http://good.example")],
            "",
        )
        .await;
    assert_eq!(
        good.header("access-control-allow-origin"),
        Some("http://good.example")
    );
    let bad = api
        .request(
            Method::GET,
            "/people?limit=1",
            &[("origin", "http://evil.example")],
            "",
        )
        .await;
    assert_eq!(bad.header("access-control-allow-origin"), None);
}
