//! Schema cache and configuration reloads: NOTIFY, signals, debouncing, a lost LISTEN
//! connection, and statements cached before the DDL.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::TestApi;
use common::process::Pgway;
use pgway::config::{Config, Sources};
use pgway::reload::{Hooks, Reloader};
use serde_json::{Value, json};

async fn graphql(api: &TestApi, query: &str) -> Value {
    let body = json!({"query": query}).to_string();
    let response = api
        .request(
            Method::POST,
            "/graphql",
            &[("content-type", "application/json")],
            &body,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// Waits until `GET uri` answers 200.
async fn until_ok(api: &TestApi, uri: &str) {
    let started = Instant::now();
    while api.get(uri).await.status != StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "GET {uri} never answered 200"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The number of successful reloads, as `/metrics` says.
fn reloads(api: &TestApi) -> u64 {
    let metrics = api.app.metrics.render(&api.app);
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("pgway_schema_cache_reloads_total{result=\"ok\"} "))
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn notify_reload_schema_serves_a_new_column_in_rest_and_graphql() {
    let api = TestApi::new().await;
    let _reloader = Reloader::spawn(api.app.clone(), Some("pgrst".into()), Hooks::default());
    // Cache `select=*` on the pooled connections before the DDL.
    for _ in 0..4 {
        assert_eq!(
            api.ok("/people?select=*&id=eq.1").await,
            json!([{"id": 1, "name": "Alice", "age": 30, "height": 165, "student": false}])
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // the listener is connected
    api.execute(
        "ALTER TABLE api.people ADD COLUMN nickname text DEFAULT 'Al'; \
         NOTIFY pgrst, 'reload schema';",
    )
    .await;
    until_ok(&api, "/people?select=nickname&id=eq.1").await;
    for _ in 0..4 {
        assert_eq!(
            api.ok("/people?select=*&id=eq.1").await,
            json!([{"id": 1, "name": "Alice", "age": 30, "height": 165, "student": false, "nickname": "Al"}])
        );
    }
    assert_eq!(
        graphql(&api, "{ allPeople(first: 1) { nodes { name nickname } } }").await,
        json!({"data": {"allPeople": {"nodes": [{"name": "Alice", "nickname": "Al"}]}}})
    );
}

#[tokio::test]
async fn a_burst_of_notifications_makes_at_most_two_reloads() {
    let api = TestApi::new().await;
    let _reloader = Reloader::spawn(api.app.clone(), Some("pgrst".into()), Hooks::default());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut admin = api.admin().await;
    for _ in 0..20 {
        sqlx::raw_sql("NOTIFY pgrst, 'reload schema'")
            .execute(&mut admin)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let reloads = reloads(&api);
    assert!((1..=2).contains(&reloads), "{reloads} reloads");
}

#[tokio::test]
async fn the_listener_reconnects_after_losing_its_connection() {
    let api = TestApi::new().await;
    let _reloader = Reloader::spawn(api.app.clone(), Some("pgrst".into()), Hooks::default());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let loaded = api.app.api().loaded.at;
    api.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .await;
    // Reconnected, it reloads (notifications may have been missed).
    let started = Instant::now();
    while api.app.api().loaded.at == loaded {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no reload after reconnecting"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    api.execute("ALTER TABLE api.people ADD COLUMN nickname text; NOTIFY pgrst, 'reload schema';")
        .await;
    until_ok(&api, "/people?select=nickname").await;
}

#[tokio::test]
async fn notify_reload_config_applies_the_live_settings() {
    let api = TestApi::new().await;
    let proxy = Arc::new(Mutex::new("http://one.example".to_owned()));
    let db_uri = api.db_uri();
    let read_config = {
        let proxy = proxy.clone();
        move || {
            let mut sources = Sources::default();
            sources.set("db-uri", &db_uri)?.set("db-schemas", "api")?;
            sources.set("openapi-server-proxy-uri", &proxy.lock().unwrap())?;
            Config::from_sources(&sources)
        }
    };
    let _reloader = Reloader::spawn(
        api.app.clone(),
        Some("pgrst".into()),
        Hooks {
            read_config: Some(Box::new(read_config)),
            set_log_level: None,
        },
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    *proxy.lock().unwrap() = "http://two.example".to_owned();
    api.execute("NOTIFY pgrst, 'reload config'").await;
    let started = Instant::now();
    while api.ok("/openapi.json").await["servers"][0]["url"] != "http://two.example" {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the new setting never applied"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn sigusr1_reloads_the_schema_and_sigusr2_the_config_file() {
    let api = TestApi::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pgway.conf");
    std::fs::write(&file, "openapi-server-proxy-uri = \"http://one.example\"\n").unwrap();
    // No LISTEN: only the signals reload.
    let pgway = Pgway::spawn(
        &api.db_uri(),
        &[("db-channel-enabled", "false")],
        Some(&file),
    );
    pgway
        .wait_for(&pgway.admin_url("/ready"), 200, Duration::from_secs(10))
        .await;

    api.execute("ALTER TABLE api.people ADD COLUMN nickname text")
        .await;
    assert_eq!(
        pgway.status(&pgway.url("/people?select=nickname")).await,
        Some(400)
    );
    pgway.signal("USR1");
    pgway
        .wait_for(
            &pgway.url("/people?select=nickname"),
            200,
            Duration::from_secs(5),
        )
        .await;

    std::fs::write(&file, "openapi-server-proxy-uri = \"http://two.example\"\n").unwrap();
    pgway.signal("USR2");
    let started = Instant::now();
    loop {
        let response = pgway.client.get(pgway.url("/openapi.json")).send().await;
        let document: Value =
            serde_json::from_str(&response.unwrap().text().await.unwrap()).unwrap();
        if document["servers"][0]["url"] == "http://two.example" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{}",
            pgway.log()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        pgway.log().contains("configuration read again"),
        "{}",
        pgway.log()
    );
}

#[tokio::test]
async fn statements_prepared_before_a_reload_are_not_reused_after_it() {
    let api = TestApi::with_settings(&[("db-pool", "1"), ("db-pre-request", "api.pre")])
        .await
        .with_sql(
            "CREATE FUNCTION api.pre() RETURNS void LANGUAGE sql AS ''; \
             GRANT EXECUTE ON FUNCTION api.pre() TO web_anon;",
        )
        .await;
    let _reloader = Reloader::spawn(api.app.clone(), Some("pgrst".into()), Hooks::default());
    // The pooled connection prepares `SELECT "api"."pre"()`, whose result type is void.
    assert_eq!(
        api.ok("/people?select=id&id=eq.1").await,
        json!([{"id": 1}])
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let loaded = api.app.api().loaded.at;
    api.execute(
        "DROP FUNCTION api.pre(); \
         CREATE FUNCTION api.pre() RETURNS integer LANGUAGE sql AS 'SELECT 1'; \
         GRANT EXECUTE ON FUNCTION api.pre() TO web_anon; \
         NOTIFY pgrst, 'reload schema';",
    )
    .await;
    let started = Instant::now();
    while api.app.api().loaded.at == loaded {
        assert!(started.elapsed() < Duration::from_secs(5), "no reload");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        api.ok("/people?select=id&id=eq.1").await,
        json!([{"id": 1}])
    );
}
