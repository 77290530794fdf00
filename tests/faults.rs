//! pgway under faults: a full pool, a database that goes away and comes back (or is not up yet),
//! statements that time out, clients that leave, and shutdown with a request in flight.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::TestApi;
use common::process::Pgway;
use pgway::reload::{Hooks, Reloader};
use serde_json::json;
use sqlx::Connection as _;
use tower::ServiceExt as _;

/// A view whose every read sleeps `seconds`.
fn slow_view(seconds: f64) -> String {
    format!(
        "CREATE VIEW api.slow AS SELECT pg_sleep({seconds})::text AS slept; \
         GRANT SELECT ON api.slow TO web_anon;"
    )
}

#[tokio::test]
async fn a_request_waiting_past_the_acquisition_timeout_gets_504() {
    let api = TestApi::with_settings(&[("db-pool", "2"), ("db-pool-acquisition-timeout", "1")])
        .await
        .with_sql(&slow_view(2.5))
        .await;
    let slow = || api.get("/slow");
    let third = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        (api.get("/people?select=id").await, started.elapsed())
    };
    let (first, second, (third, waited)) = tokio::join!(slow(), slow(), third);
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(third.status, StatusCode::GATEWAY_TIMEOUT, "{}", third.body);
    assert_eq!(
        third.json(),
        json!({"code": "PGRST003", "details": null, "hint": null,
               "message": "Timed out acquiring connection from connection pool."})
    );
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_millis(1800),
        "answered after {waited:?}, not about the 1 s timeout"
    );
}

#[tokio::test]
async fn an_outage_is_503_at_once_and_pgway_recovers_by_itself() {
    let api = TestApi::private(&[("db-pool-acquisition-timeout", "3")]).await;
    let _reloader = Reloader::spawn(api.app.clone(), Some("pgrst".into()), Hooks::default());
    assert_eq!(
        api.get("/people?select=id&id=eq.1").await.status,
        StatusCode::OK
    );
    let loaded = api.app.api().loaded.at;

    api.cluster().pause().unwrap();
    let started = Instant::now();
    let response = api.get("/people?select=id&id=eq.1").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.body
    );
    let code = response.json()["code"].as_str().unwrap().to_owned();
    assert!(
        code == "PGRST000" || code == "PGRST001",
        "{}",
        response.body
    );
    while api.app.is_ready() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the outage went unnoticed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..3 {
        let started = Instant::now();
        let response = api.get("/people?select=id&id=eq.1").await;
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.json(),
            json!({"code": "PGRST000", "hint": null,
                   "message": "Database connection error. Retrying the connection.",
                   "details": "the database is not reachable"})
        );
    }

    api.cluster().resume().unwrap();
    let started = Instant::now();
    loop {
        let response = api.get("/people?select=id&id=eq.1").await;
        if response.status == StatusCode::OK {
            assert_eq!(response.body, r#"[{"id":1}]"#);
            break;
        }
        assert_eq!(
            response.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            response.body
        );
        assert!(started.elapsed() < Duration::from_secs(10), "no recovery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(api.app.is_ready());
    while api.app.api().loaded.at == loaded {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no reload after the outage"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn serve_waits_for_a_database_that_is_not_up_yet() {
    let api = TestApi::private(&[]).await;
    api.cluster().pause().unwrap();
    let pgway = Pgway::spawn(&api.db_uri(), &[], None);
    pgway
        .wait_for(&pgway.admin_url("/live"), 200, Duration::from_secs(10))
        .await;
    assert_eq!(pgway.status(&pgway.admin_url("/ready")).await, Some(503));
    let response = pgway.client.get(pgway.url("/people")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&response.text().await.unwrap()).unwrap(),
        json!({"code": "PGRST002", "details": null, "hint": null,
               "message": "Could not query the database for the schema cache. Retrying."})
    );

    api.cluster().resume().unwrap();
    pgway
        .wait_for(&pgway.admin_url("/ready"), 200, Duration::from_secs(10))
        .await;
    let response = pgway
        .client
        .get(pgway.url("/people?select=id&id=eq.2"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"[{"id":2}]"#);
    assert!(pgway.log().contains("retrying in"), "{}", pgway.log());
}

#[tokio::test]
async fn a_role_statement_timeout_applies_and_is_a_500_with_postgres_error() {
    let api = TestApi::new().await;
    let sql = format!(
        "{} GRANT SELECT ON api.slow TO mgr_alice; \
         ALTER ROLE web_anon IN DATABASE {} SET statement_timeout = '200ms';",
        slow_view(1.0),
        api.database
    );
    let api = api.with_sql(&sql).await;
    let started = Instant::now();
    let response = api.get("/slow").await;
    assert!(started.elapsed() < Duration::from_millis(900));
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.json(),
        json!({"code": "57014", "details": null, "hint": null,
               "message": "canceling statement due to statement timeout"})
    );
    // Another role has no timeout.
    let token = common::bearer(json!({"role": "mgr_alice"}));
    let response = api
        .request(Method::GET, "/slow", &[("authorization", &token)], "")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

/// Backends of this test's database sleeping in `pg_sleep`.
async fn sleeping(api: &TestApi) -> i64 {
    let mut admin = api.admin().await;
    let count = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event = 'PgSleep'",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();
    count
}

#[tokio::test]
async fn a_client_that_leaves_does_not_leave_its_statement_running() {
    let api = TestApi::with_settings(&[("db-pool", "1")])
        .await
        .with_sql(&slow_view(30.0))
        .await;
    let request = Request::get("/slow").body(Body::empty()).unwrap();
    let abandoned = tokio::time::timeout(
        Duration::from_millis(500),
        api.router.clone().oneshot(request),
    )
    .await;
    assert!(abandoned.is_err(), "the request should still be running");
    assert_eq!(sleeping(&api).await, 1, "the statement was running");

    let started = Instant::now();
    while sleeping(&api).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the abandoned statement is still running"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The only pooled connection is free again.
    assert_eq!(
        api.get("/people?select=id&id=eq.1").await.body,
        r#"[{"id":1}]"#
    );
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let api = TestApi::new().await.with_sql(&slow_view(1.5)).await;
    let mut pgway = Pgway::spawn(&api.db_uri(), &[], None);
    pgway
        .wait_for(&pgway.admin_url("/ready"), 200, Duration::from_secs(10))
        .await;
    let in_flight = tokio::spawn({
        let client = pgway.client.clone();
        let url = pgway.url("/slow");
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    pgway.signal("TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        pgway.client.get(pgway.url("/people")).send().await.is_err(),
        "no new connections after SIGTERM"
    );
    assert_eq!(
        in_flight.await.unwrap(),
        (200, r#"[{"slept":""}]"#.to_owned())
    );
    let log = pgway.log();
    let status = tokio::task::spawn_blocking(move || pgway.wait(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        log.contains("GET /slow 200"),
        "one line per request:\n{log}"
    );
}

#[tokio::test]
async fn a_request_longer_than_the_grace_period_is_cut_short() {
    let api = TestApi::new().await.with_sql(&slow_view(30.0)).await;
    let mut pgway = Pgway::spawn(
        &api.db_uri(),
        &[("server-shutdown-grace-period", "1")],
        None,
    );
    pgway
        .wait_for(&pgway.admin_url("/ready"), 200, Duration::from_secs(10))
        .await;
    let in_flight = tokio::spawn(pgway.client.get(pgway.url("/slow")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    pgway.signal("TERM");
    let (status, log) = tokio::task::spawn_blocking(move || {
        let status = pgway.wait(Duration::from_secs(10));
        (status, pgway.log())
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "exited after {took:?}:\n{log}"
    );
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&response.text().await.unwrap()).unwrap(),
        json!({"code": "PGWAY503", "hint": null, "message": "The server is shutting down",
               "details": "The request took longer than server-shutdown-grace-period."})
    );
    let started = Instant::now();
    while sleeping(&api).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "its statement still runs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_max_idle_time() {
    let api = TestApi::with_settings(&[("db-pool-max-idletime", "1")]).await;
    assert_eq!(
        api.get("/people?select=id&id=eq.1").await.status,
        StatusCode::OK
    );
    assert!(api.app.db.stats().open > 0);
    let started = Instant::now();
    while api.app.db.stats().open > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            api.app.db.stats()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
