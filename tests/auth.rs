//! JWT roles and row level security, through REST and GraphQL alike.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use common::{TestApi, bearer};
use serde_json::{Value, json};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn companies(api: &TestApi, authorization: Option<&str>) -> (StatusCode, Value) {
    let headers: Vec<(&str, &str)> = authorization
        .map(|a| ("authorization", a))
        .into_iter()
        .collect();
    let response = api
        .request(
            Method::GET,
            "/accounts?select=company&order=company",
            &headers,
            "",
        )
        .await;
    (response.status, response.json())
}

#[tokio::test]
async fn row_level_security_gives_each_manager_their_rows() {
    let api = TestApi::new().await;
    let alice = bearer(json!({"role": "mgr_alice"}));
    let bob = bearer(json!({"role": "mgr_bob"}));
    assert_eq!(
        companies(&api, Some(&alice)).await,
        (
            StatusCode::OK,
            json!([{"company": "Acme"}, {"company": "Initech"}])
        )
    );
    assert_eq!(
        companies(&api, Some(&bob)).await,
        (StatusCode::OK, json!([{"company": "Globex"}]))
    );
}

#[tokio::test]
async fn anonymous_is_denied_with_401_and_a_signed_in_role_with_403() {
    let api = TestApi::new().await;
    let response = api.get("/accounts").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        response.json(),
        json!({"code": "42501", "details": null, "hint": null, "message": "permission denied for table accounts"})
    );
    // web_anon is a real role a token may name: signed in, so 403.
    let anon_token = bearer(json!({"role": "web_anon"}));
    let response = api
        .request(
            Method::GET,
            "/accounts",
            &[("authorization", &anon_token)],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.header("www-authenticate"), None);
}

#[tokio::test]
async fn bad_tokens_are_401_with_postgrest_codes() {
    let api = TestApi::new().await;
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"role": "mgr_alice"}),
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-secret-not-the-secret-not-the-secret"),
    )
    .unwrap();
    let cases = [
        (
            format!("Bearer {forged}"),
            "PGRST301",
            "No suitable key or wrong key type",
            json!("None of the keys was able to decode the JWT"),
        ),
        (
            "Bearer ".to_owned(),
            "PGRST301",
            "Empty JWT is sent in Authorization header",
            json!(null),
        ),
        (
            "Bearer garbage".to_owned(),
            "PGRST301",
            "Expected 3 parts in JWT; got 1",
            json!(null),
        ),
        (
            "Bearer quifquirndsjagnrgniur.fonvoienqhhdj.iuqvnvhojah".to_owned(),
            "PGRST301",
            "JWT cryptographic operation failed",
            json!(null),
        ),
        (
            bearer(json!({"role": "mgr_alice", "exp": now() - 3600})),
            "PGRST303",
            "JWT expired",
            json!(null),
        ),
        (
            "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoibWdyX2FsaWNlIn0.".to_owned(),
            "PGRST301",
            "Wrong or unsupported encoding algorithm",
            json!("JWT is unsecured but expected 'alg' was not 'none'"),
        ),
    ];
    for (authorization, code, message, details) in cases {
        let response = api
            .request(
                Method::GET,
                "/accounts",
                &[("authorization", &authorization)],
                "",
            )
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{authorization}");
        assert_eq!(
            response.json(),
            json!({"code": code, "details": details, "hint": null, "message": message}),
            "{authorization}"
        );
        assert_eq!(
            response.header("www-authenticate"),
            Some(
                format!("Bearer error=\"invalid_token\", error_description=\"{message}\"").as_str()
            )
        );
    }
}

#[tokio::test]
async fn claims_and_request_settings_reach_postgres() {
    // The view is created after start-up; `with_sql` serves it with a fresh schema cache.
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE VIEW api.whoami AS SELECT current_user::text AS role,
                current_setting('request.jwt.claims', true)::json->>'sub' AS sub,
                current_setting('request.method', true) AS method,
                current_setting('request.path', true) AS path;
         GRANT SELECT ON api.whoami TO web_anon, managers;",
        )
        .await;
    let alice = bearer(json!({"role": "mgr_alice", "sub": "alice@example.com"}));
    let response = api
        .request(Method::GET, "/whoami", &[("authorization", &alice)], "")
        .await;
    assert_eq!(
        response.json(),
        json!([{"role": "mgr_alice", "sub": "alice@example.com", "method": "GET", "path": "/whoami"}])
    );
    // Anonymous requests get their claims set too, so nothing of the previous request remains.
    let response = api.get("/whoami").await;
    assert_eq!(
        response.json(),
        json!([{"role": "web_anon", "sub": null, "method": "GET", "path": "/whoami"}])
    );
}

#[tokio::test]
async fn pooled_connections_never_keep_a_role() {
    let api = TestApi::with_settings(&[("db-pool", "1")]).await;
    let alice = bearer(json!({"role": "mgr_alice"}));
    for _ in 0..3 {
        let (status, _) = companies(&api, Some(&alice)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = companies(&api, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn parallel_callers_see_only_their_rows() {
    let api = TestApi::new().await;
    let alice = bearer(json!({"role": "mgr_alice"}));
    let bob = bearer(json!({"role": "mgr_bob"}));
    let requests = (0..40).map(|i| {
        let (api, alice, bob) = (&api, &alice, &bob);
        async move {
            if i % 2 == 0 {
                companies(api, Some(alice)).await
                    == (
                        StatusCode::OK,
                        json!([{"company": "Acme"}, {"company": "Initech"}]),
                    )
            } else {
                companies(api, Some(bob)).await == (StatusCode::OK, json!([{"company": "Globex"}]))
            }
        }
    });
    let results = async_graphql::futures_util::future::join_all(requests).await;
    assert!(results.into_iter().all(|ok| ok));
}

#[tokio::test]
async fn graphql_runs_under_the_same_role_and_policies() {
    let api = TestApi::new().await;
    let query = r#"{"query":"{ allAccounts(orderBy: COMPANY_ASC) { nodes { company } } }"}"#;
    let alice = bearer(json!({"role": "mgr_alice"}));
    let headers = [
        ("authorization", alice.as_str()),
        ("content-type", "application/json"),
    ];
    let response = api.request(Method::POST, "/graphql", &headers, query).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.json(),
        json!({"data": {"allAccounts": {"nodes": [{"company": "Acme"}, {"company": "Initech"}]}}})
    );
    let response = api
        .request(
            Method::POST,
            "/graphql",
            &[("content-type", "application/json")],
            query,
        )
        .await;
    let body = response.json();
    assert_eq!(
        body["errors"][0]["message"],
        "permission denied for table accounts"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "42501");
    let expired = bearer(json!({"role": "mgr_alice", "exp": now() - 3600}));
    let response = api
        .request(
            Method::POST,
            "/graphql",
            &[("authorization", &expired)],
            query,
        )
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.json()["errors"][0]["extensions"]["code"],
        "PGRST303"
    );
}

#[tokio::test]
async fn nothing_outside_the_exposed_schemas_is_reachable() {
    let api = TestApi::new().await;
    let manager = bearer(json!({"role": "mgr_alice"}));
    let auth = [("authorization", manager.as_str())];
    let cases = [
        (Method::GET, "/pg_authid", "PGRST205"),
        (Method::GET, "/pg_catalog.pg_authid", "PGRST205"),
        (Method::GET, "/people?select=*,pg_authid(*)", "PGRST200"),
        (
            Method::GET,
            "/people?select=*,pg_catalog.pg_roles(*)",
            "PGRST100",
        ),
        (
            Method::GET,
            "/people?pg_catalog.pg_authid.rolpassword=is.null",
            "PGRST108",
        ),
        (
            Method::GET,
            "/rpc/pg_read_file?filename=/etc/passwd",
            "PGRST202",
        ),
        (Method::POST, "/rpc/pg_sleep", "PGRST202"),
        (Method::GET, "/rpc/version", "PGRST202"),
        (Method::GET, "/tables", "PGRST205"),
    ];
    for (method, uri, code) in cases {
        let response = api.request(method.clone(), uri, &auth, "{}").await;
        assert!(
            response.status.is_client_error(),
            "{method} {uri}: {} {}",
            response.status,
            response.body
        );
        assert_eq!(response.json()["code"], code, "{method} {uri}");
    }
    for profile in ["pg_catalog", "information_schema", "public"] {
        let response = api
            .request(Method::GET, "/pg_roles", &[("accept-profile", profile)], "")
            .await;
        assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE, "{profile}");
        assert_eq!(response.json()["code"], "PGRST106");
    }
    // GraphQL offers only the exposed schema's types.
    let response = api
        .request(
            Method::POST,
            "/graphql",
            &[("content-type", "application/json")],
            r#"{"query":"{ allPgRoles { nodes { rolname } } }"}"#,
        )
        .await;
    assert!(
        response.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("allPgRoles")
    );
}
