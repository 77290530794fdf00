//! What every request tells Postgres: headers, cookies, app.settings.*, jwt.claims.*, and the
//! db-pre-request function, through REST and GraphQL alike.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApi, bearer};
use serde_json::json;

const FIXTURES: &str = "
    CREATE VIEW api.request_info AS SELECT
        current_setting('request.headers', true)::json->>'x-tenant' AS tenant,
        current_setting('request.cookies', true)::json->>'session' AS session,
        current_setting('app.settings.region', true) AS region,
        current_setting('jwt.claims.sub', true) AS sub;
    GRANT SELECT ON api.request_info TO web_anon, managers;
    CREATE FUNCTION api.check_request() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('request.headers', true)::json->>'x-block' = 'yes' THEN
            RAISE EXCEPTION 'blocked by db-pre-request' USING HINT = 'drop the x-block header';
        END IF;
    END $$;
    GRANT EXECUTE ON FUNCTION api.check_request() TO web_anon, managers;";

async fn api() -> TestApi {
    TestApi::with_settings(&[
        ("app.settings.region", "eu-north"),
        ("jwt-claims-as-settings", "true"),
        ("db-pre-request", "api.check_request"),
    ])
    .await
    .with_sql(FIXTURES)
    .await
}

#[tokio::test]
async fn headers_cookies_app_settings_and_claims_reach_postgres() {
    let api = api().await;
    let alice = bearer(json!({"role": "mgr_alice", "sub": "alice"}));
    let headers = [
        ("authorization", alice.as_str()),
        ("x-tenant", "t1"),
        ("cookie", "session=s42; theme=dark"),
    ];
    let response = api
        .request(Method::GET, "/request_info", &headers, "")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"tenant": "t1", "session": "s42", "region": "eu-north", "sub": "alice"}])
    );
    // Nothing of that request is left for the next one on the pooled connection.
    assert_eq!(
        api.ok("/request_info").await,
        json!([{"tenant": null, "session": null, "region": "eu-north", "sub": null}])
    );
}

#[tokio::test]
async fn graphql_requests_carry_the_same_settings() {
    let api = api().await;
    let body = json!({"query": "{ allRequestInfos { nodes { tenant region } } }"}).to_string();
    let headers = [("content-type", "application/json"), ("x-tenant", "t2")];
    let response = api.request(Method::POST, "/graphql", &headers, &body).await;
    assert_eq!(
        response.json(),
        json!({"data": {"allRequestInfos": {"nodes": [{"tenant": "t2", "region": "eu-north"}]}}})
    );
}

#[tokio::test]
async fn the_pre_request_function_runs_before_every_statement() {
    let api = api().await;
    let response = api
        .request(
            Method::GET,
            "/people?select=id&limit=1",
            &[("x-block", "yes")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({"code": "P0001", "details": null, "hint": "drop the x-block header", "message": "blocked by db-pre-request"})
    );
    assert_eq!(
        api.ok("/people?select=id&limit=1").await,
        json!([{"id": 1}])
    );
}
