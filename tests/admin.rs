//! The admin server (/live, /ready, /metrics, /schema_cache), request ids, and the body limit.

mod common;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use common::TestApi;
use http_body_util::BodyExt as _;
use http_body_util::channel::Channel;
use pgway::server::{Slot, admin};
use serde_json::{Value, json};
use tower::ServiceExt as _;

async fn get(router: &Router, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn before_start_only_live_says_yes_and_the_api_answers_pgrst002() {
    let slot = Slot::default();
    let admin = admin::router(slot.clone());
    assert_eq!(get(&admin, "/live").await, (StatusCode::OK, String::new()));
    assert_eq!(
        get(&admin, "/ready").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(&admin, "/metrics").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(&admin, "/schema_cache").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(get(&admin, "/config").await.0, StatusCode::NOT_FOUND);
    let (status, body) = get(&slot.router(), "/people").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"code": "PGRST002", "details": null, "hint": null,
               "message": "Could not query the database for the schema cache. Retrying."})
    );
}

#[tokio::test]
async fn once_started_it_is_ready_and_dumps_the_schema_cache() {
    let api = TestApi::new().await;
    let slot = Slot::default();
    slot.fill(api.app.clone());
    let admin = admin::router(slot.clone());
    assert_eq!(get(&admin, "/ready").await, (StatusCode::OK, String::new()));
    let (status, body) = get(&slot.router(), "/people?select=name&id=eq.1").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"[{"name":"Alice"}]"#)
    );

    let (status, body) = get(&admin, "/schema_cache").await;
    assert_eq!(status, StatusCode::OK);
    let cache: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(cache["schemas"], json!(["api"]));
    let people = &cache["relations"]["api.people"];
    assert_eq!(people["kind"], "table");
    assert_eq!(people["primary_key"], json!(["id"]));
    assert_eq!(
        people["columns"][1],
        json!({"name": "name", "sql_type": "text", "value_type": "text", "type_name": "text", "element_type": null,
               "enum_values": [], "max_length": null, "nullable": false, "default": null,
               "comment": "Full name", "default_expr": null, "domain": null})
    );
    let to_clients = cache["relationships"]["api.projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"] == "api.clients")
        .unwrap();
    assert_eq!(to_clients["cardinality"], "many-to-one");
}

#[tokio::test]
async fn metrics_count_requests_and_report_the_pool_and_the_cache() {
    let api = TestApi::new().await;
    api.get("/people?select=id").await;
    api.get("/people?select=id").await;
    api.get("/nope").await;
    let slot = Slot::default();
    slot.fill(api.app.clone());
    let (status, text) = get(&admin::router(slot), "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let has = |line: &str| text.lines().any(|l| l == line);
    for line in [
        r#"pgway_requests_total{route="relation",status="200"} 2"#,
        r#"pgway_requests_total{route="relation",status="404"} 1"#,
        r#"pgway_request_duration_seconds_count{route="relation"} 3"#,
        "pgway_db_pool_max_connections 4",
        "pgway_db_pool_waiting 0",
        "pgway_db_up 1",
        "# TYPE pgway_db_pool_connections gauge",
        "# TYPE pgway_schema_cache_load_duration_seconds gauge",
        "# TYPE pgway_request_duration_seconds histogram",
    ] {
        assert!(has(line), "no line {line:?} in\n{text}");
    }
    let relations = text
        .lines()
        .find_map(|l| l.strip_prefix("pgway_schema_cache_relations "))
        .unwrap();
    assert_eq!(relations, api.app.api().cache.relations.len().to_string());
}

#[tokio::test]
async fn metrics_count_jwt_cache_hits_and_misses() {
    let api = TestApi::new().await;
    let alice = common::bearer(json!({"role": "mgr_alice"}));
    let bob = common::bearer(json!({"role": "mgr_bob"}));
    for token in [&alice, &alice, &bob] {
        let response = api
            .request(
                Method::GET,
                "/people?select=id",
                &[("Authorization", token)],
                "",
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    }
    // Anonymous requests do not touch the cache.
    api.get("/people?select=id").await;
    let slot = Slot::default();
    slot.fill(api.app.clone());
    let (_, text) = get(&admin::router(slot), "/metrics").await;
    for line in [
        "# TYPE pgway_jwt_cache_hits_total counter",
        "pgway_jwt_cache_hits_total 1",
        "pgway_jwt_cache_misses_total 2",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in\n{text}"
        );
    }
}

#[tokio::test]
async fn a_request_id_is_echoed_or_made_up() {
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::GET,
            "/people?select=id",
            &[("x-request-id", "abc-123")],
            "",
        )
        .await;
    assert_eq!(response.header("x-request-id"), Some("abc-123"));
    let made_up = api.get("/people?select=id").await;
    let id = made_up.header("x-request-id").unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    assert_ne!(Some(id), api.get("/nope").await.header("x-request-id"));

    let api = TestApi::with_settings(&[("server-trace-header", "Trace-Id")]).await;
    let response = api
        .request(Method::GET, "/people?select=id", &[("trace-id", "t1")], "")
        .await;
    assert_eq!(response.header("trace-id"), Some("t1"));
}

/// The phase names of a `Server-Timing` value, each with a duration in ms.
fn phases(timing: &str) -> Vec<&str> {
    timing
        .split(", ")
        .map(|entry| {
            let (name, duration) = entry.split_once(";dur=").unwrap();
            assert!(duration.parse::<f64>().unwrap() >= 0.0, "{timing}");
            name
        })
        .collect()
}

#[tokio::test]
async fn server_timing_when_enabled() {
    let api = TestApi::new().await;
    assert_eq!(
        api.get("/people?select=id").await.header("server-timing"),
        None
    );

    let api = TestApi::with_settings(&[("server-timing-enabled", "true")]).await;
    let read = api.get("/people?select=id&id=eq.1").await;
    assert_eq!(read.status, StatusCode::OK);
    let all = ["jwt", "parse", "plan", "transaction", "response"];
    assert_eq!(phases(read.header("server-timing").unwrap()), all);
    let token = common::bearer(json!({"role": "mgr_alice"}));
    let write = api
        .request(
            Method::POST,
            "/people",
            &[
                ("Authorization", &token),
                ("Content-Type", "application/json"),
            ],
            r#"{"name": "Zoe"}"#,
        )
        .await;
    assert_eq!(write.status, StatusCode::CREATED, "{}", write.body);
    assert_eq!(phases(write.header("server-timing").unwrap()), all);
    let call = api.get("/rpc/people_over?min_age=30").await;
    assert_eq!(call.status, StatusCode::OK, "{}", call.body);
    assert_eq!(phases(call.header("server-timing").unwrap()), all);
    // Failing in planning: what was timed so far.
    let missing = api.get("/people?select=nope").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        phases(missing.header("server-timing").unwrap()),
        ["jwt", "parse", "response"]
    );
    // Never authenticated: not timed.
    let unauthenticated = api
        .request(
            Method::GET,
            "/people",
            &[("Authorization", "Bearer bad")],
            "",
        )
        .await;
    assert_eq!(unauthenticated.header("server-timing"), None);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let api = TestApi::with_settings(&[("server-max-body-size", "64")]).await;
    let small = r#"[{"name":"Zoe"}]"#;
    let large = format!(r#"[{{"name":"{}"}}]"#, "z".repeat(100));
    let expected = json!({"code": "PGWAY413", "hint": null,
        "message": "The request body is too large",
        "details": "The limit is 64 bytes; server-max-body-size sets it."});
    let token = common::bearer(json!({"role": "mgr_alice"}));
    let json = [
        ("content-type", "application/json"),
        ("authorization", token.as_str()),
    ];
    let response = api.request(Method::POST, "/people", &json, small).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let response = api.request(Method::POST, "/people", &json, &large).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.json(), expected);

    // Chunked, with no Content-Length to go by.
    let (mut sender, body) = Channel::<Bytes>::new(4);
    tokio::spawn(async move {
        for chunk in large.into_bytes().chunks(10) {
            if sender
                .send_data(Bytes::copy_from_slice(chunk))
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let request = Request::post("/people")
        .header("content-type", "application/json")
        .header("authorization", &token)
        .body(Body::new(body))
        .unwrap();
    let response = api.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), expected);
}
