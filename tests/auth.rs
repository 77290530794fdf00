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

/// A policy on the token's `sub` claim, instead of the role, holds for every way in.
#[tokio::test]
async fn a_policy_on_the_sub_claim_holds_for_every_way_in() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE TABLE api.notes (id int PRIMARY KEY, owner text NOT NULL, body text,
                                     client_id int REFERENCES api.clients);
             ALTER TABLE api.notes ENABLE ROW LEVEL SECURITY;
             CREATE POLICY own_notes ON api.notes TO managers
               USING (owner = current_setting('request.jwt.claims', true)::json->>'sub');
             INSERT INTO api.notes VALUES (1, 'ann', 'a1', 1), (2, 'ann', 'a2', 2), (3, 'bob', 'b1', 1);
             GRANT SELECT, UPDATE, DELETE ON api.notes TO managers;
             GRANT SELECT ON api.clients TO managers;
             CREATE FUNCTION api.my_notes() RETURNS SETOF api.notes LANGUAGE sql STABLE
               AS $$ SELECT * FROM api.notes ORDER BY id $$;",
        )
        .await;
    let ann = bearer(json!({"role": "mgr_alice", "sub": "ann"}));
    let bob = bearer(json!({"role": "mgr_alice", "sub": "bob"}));
    let as_ = |token: &str| vec![("authorization", token.to_owned())];
    let request = |method: Method, uri: &'static str, token: &str, body: &'static str| {
        let headers = as_(token);
        let api = &api;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.request(method, uri, &headers, body).await
        }
    };
    // REST read, embedding through a client, RPC.
    let response = request(Method::GET, "/notes?select=id&order=id", &ann, "").await;
    assert_eq!(response.json(), json!([{"id": 1}, {"id": 2}]));
    let response = request(
        Method::GET,
        "/clients?select=id,notes(id)&order=id",
        &bob,
        "",
    )
    .await;
    assert_eq!(
        response.json(),
        json!([{"id": 1, "notes": [{"id": 3}]}, {"id": 2, "notes": []}])
    );
    let response = request(Method::GET, "/rpc/my_notes?select=id", &bob, "").await;
    assert_eq!(response.json(), json!([{"id": 3}]));
    // Writes change only the caller's rows.
    let response = request(Method::PATCH, "/notes", &bob, r#"{"body":"x"}"#).await;
    assert_eq!(response.header("content-range"), Some("0-0/*"));
    let response = request(Method::DELETE, "/notes?id=eq.1", &bob, "").await;
    assert_eq!(response.header("content-range"), Some("*/*"));
    // GraphQL.
    let response = request(
        Method::POST,
        "/graphql",
        &ann,
        r#"{"query":"{ allNotes(orderBy: ID_ASC) { nodes { id body } } }"}"#,
    )
    .await;
    assert_eq!(
        response.json()["data"]["allNotes"]["nodes"],
        json!([{"id": 1, "body": "a1"}, {"id": 2, "body": "a2"}])
    );
    // No token: the anonymous role has no grant at all.
    let response = api.get("/notes").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn hostile_text_in_rpc_and_graphql_arguments_never_reaches_sql() {
    let api = TestApi::new().await;
    let drop = "1); DROP TABLE api.people; --";
    let encoded = "1%29%3B%20DROP%20TABLE%20api.people%3B%20--";
    // RPC argument values and names.
    for uri in [
        format!("/rpc/people_over?min_age={encoded}"),
        format!("/rpc/people_over?{encoded}=1"),
        format!("/rpc/people_over?min_age=1&select={encoded}"),
    ] {
        let response = api.get(&uri).await;
        assert!(
            response.status.is_client_error(),
            "{uri}: {} {}",
            response.status,
            response.body
        );
    }
    let response = api
        .request(
            Method::POST,
            "/rpc/people_over",
            &[("content-type", "application/json")],
            &json!({ "min_age": drop }).to_string(),
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "22P02");
    // GraphQL arguments are values too: a filter, a condition, a cursor, a node id.
    let queries = [
        json!({"query": "query($n: String!) { allPeople(filter: {name: {equalTo: $n}}) { totalCount } }", "variables": {"n": drop}}),
        json!({"query": "query($n: String!) { allPeople(condition: {name: $n}) { totalCount } }", "variables": {"n": drop}}),
        json!({"query": "query($c: Cursor!) { allPeople(after: $c) { totalCount } }", "variables": {"c": drop}}),
        json!({"query": "query($id: ID!) { node(nodeId: $id) { nodeId } }", "variables": {"id": drop}}),
    ];
    for query in queries {
        let response = api
            .request(
                Method::POST,
                "/graphql",
                &[("content-type", "application/json")],
                &query.to_string(),
            )
            .await;
        assert!(
            !response.status.is_server_error(),
            "{query}: {}",
            response.body
        );
        let body = response.json();
        let harmless =
            body["errors"].is_array() || body["data"]["allPeople"]["totalCount"] == json!(0);
        assert!(harmless, "{query}: {body}");
    }
    assert_eq!(
        api.ok("/people?select=id").await.as_array().unwrap().len(),
        7
    );
}
