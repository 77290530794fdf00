//! REST writes against the example database: PATCH, DELETE, upserts, PUT, bodies, `Prefer`
//! handling, transactions and the guarantee that a rejected write leaves nothing behind.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApi, TestResponse, bearer};
use serde_json::{Value, json};

/// A write as manager `mgr_alice` (who may write every table of the example).
async fn write(api: &TestApi, method: Method, uri: &str, prefer: &str, body: &str) -> TestResponse {
    write_as(api, method, uri, &[("prefer", prefer)], body).await
}

async fn write_as(
    api: &TestApi,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> TestResponse {
    let manager = bearer(json!({"role": "mgr_alice"}));
    let mut all = vec![("authorization", manager.as_str())];
    all.extend_from_slice(headers);
    api.request(method, uri, &all, body).await
}

fn error_code(response: &TestResponse) -> Value {
    response.json()["code"].clone()
}

#[tokio::test]
async fn patch_updates_the_filtered_rows() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::PATCH,
        "/people?age=lt.18",
        "",
        r#"{"student":false}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    assert_eq!(response.body, "");
    assert_eq!(response.header("content-range"), Some("0-1/*"));
    assert_eq!(
        api.ok("/people?student=eq.false&select=id&order=id").await,
        json!([{"id": 1}, {"id": 2}, {"id": 4}, {"id": 6}])
    );
}

#[tokio::test]
async fn patch_returns_the_changed_rows_with_their_embeds() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::PATCH,
        "/projects?id=in.(1,3)&select=id,name,clients(name)&order=id",
        "return=representation",
        r#"{"name":"Renamed"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header("content-range"), Some("0-1/*"));
    assert_eq!(
        response.header("preference-applied"),
        Some("return=representation")
    );
    assert_eq!(
        response.json(),
        json!([
            {"id": 1, "name": "Renamed", "clients": {"name": "Microsoft"}},
            {"id": 3, "name": "Renamed", "clients": {"name": "Apple"}}
        ])
    );
}

#[tokio::test]
async fn patch_with_an_empty_object_changes_nothing() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::PATCH,
        "/people",
        "return=representation",
        "{}",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json(), json!([]));
    assert_eq!(response.header("content-range"), Some("*/*"));
}

#[tokio::test]
async fn patch_rejects_unknown_columns_and_bad_values() {
    let api = TestApi::new().await;
    let response = write(&api, Method::PATCH, "/people?id=eq.1", "", r#"{"nope":1}"#).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST204",
            "message": "Could not find the 'nope' column of 'people' in the schema cache",
            "details": null,
            "hint": null
        })
    );
    let response = write(
        &api,
        Method::PATCH,
        "/people?id=eq.1",
        "",
        r#"{"age":"old"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&response), "22P02");
    assert_eq!(
        api.ok("/people?id=eq.1&select=age").await,
        json!([{"age": 30}])
    );
}

#[tokio::test]
async fn delete_with_count_and_representation() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::DELETE,
        "/tasks?or=(done.eq.true,name.like.*IOS)&select=id",
        "return=representation, count=exact",
        "",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header("content-range"), Some("0-4/5"));
    assert_eq!(
        response.header("preference-applied"),
        Some("return=representation, count=exact")
    );
    let mut ids: Vec<i64> = response
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 5, 6, 7]);
    assert_eq!(
        api.ok("/tasks?select=id&order=id").await,
        json!([{"id": 3}, {"id": 4}, {"id": 8}])
    );
}

#[tokio::test]
async fn delete_through_an_inner_embed_filter_deletes_what_get_shows() {
    let api = TestApi::new().await;
    let selection =
        "/tasks?select=id,projects!inner(clients!inner(name))&projects.clients.name=eq.Apple";
    let shown = api.ok(&format!("{selection}&order=id")).await;
    assert_eq!(shown.as_array().unwrap().len(), 4);
    let response = write(&api, Method::DELETE, selection, "count=exact", "").await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    assert_eq!(response.header("content-range"), Some("0-3/4"));
    assert_eq!(
        api.ok("/tasks?select=id&order=id").await,
        json!([{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}])
    );
}

#[tokio::test]
async fn delete_with_order_and_limit_deletes_that_page() {
    let api = TestApi::new().await;
    let response = write(&api, Method::DELETE, "/tasks?order=id.desc&limit=2", "", "").await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    assert_eq!(response.header("content-range"), Some("0-1/*"));
    assert_eq!(
        api.ok("/tasks?select=id&order=id.desc&limit=1").await,
        json!([{"id": 6}])
    );
}

#[tokio::test]
async fn writes_obey_row_level_security() {
    let api = TestApi::new().await;
    let bob = bearer(json!({"role": "mgr_bob"}));
    let response = api
        .request(
            Method::PATCH,
            "/accounts",
            &[("authorization", &bob), ("prefer", "count=exact")],
            r#"{"contact_email":"new@bob.test"}"#,
        )
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    assert_eq!(response.header("content-range"), Some("0-0/1"));
    let response = api
        .request(
            Method::DELETE,
            "/accounts?company=eq.Acme",
            &[("authorization", &bob)],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(response.header("content-range"), Some("*/*"));
    let anonymous = api
        .request(Method::DELETE, "/people?id=eq.1", &[], "")
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&anonymous), "42501");
    let mut admin = api.admin().await;
    let emails: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT company, contact_email FROM api.accounts ORDER BY company")
            .fetch_all(&mut admin)
            .await
            .unwrap();
    assert_eq!(
        emails,
        [
            ("Acme".to_owned(), Some("ceo@acme.test".to_owned())),
            ("Globex".to_owned(), Some("new@bob.test".to_owned())),
            ("Initech".to_owned(), Some("it@initech.test".to_owned())),
        ]
    );
}

#[tokio::test]
async fn upsert_merges_duplicates_and_answers_200_when_nothing_was_inserted() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::POST,
        "/clients",
        "resolution=merge-duplicates, return=representation",
        r#"[{"id":1,"name":"Microsoft Corp"},{"id":3,"name":"Google"}]"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.header("preference-applied"),
        Some("resolution=merge-duplicates, return=representation")
    );
    assert_eq!(
        response.json(),
        json!([{"id": 1, "name": "Microsoft Corp"}, {"id": 3, "name": "Google"}])
    );
    let response = write(
        &api,
        Method::POST,
        "/clients",
        "resolution=merge-duplicates",
        r#"{"id":2,"name":"Apple Inc"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        api.ok("/clients?order=id").await,
        json!([
            {"id": 1, "name": "Microsoft Corp"},
            {"id": 2, "name": "Apple Inc"},
            {"id": 3, "name": "Google"}
        ])
    );
}

#[tokio::test]
async fn upsert_ignoring_duplicates_returns_only_inserted_rows() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::POST,
        "/clients",
        "resolution=ignore-duplicates, return=representation",
        r#"[{"id":1,"name":"Ignored"},{"id":3,"name":"Google"}]"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(response.json(), json!([{"id": 3, "name": "Google"}]));
    assert_eq!(
        api.ok("/clients?id=eq.1").await,
        json!([{"id": 1, "name": "Microsoft"}])
    );
}

#[tokio::test]
async fn upsert_on_a_unique_constraint_with_on_conflict() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE TABLE api.emails (id serial PRIMARY KEY, address text UNIQUE NOT NULL, name text);
             GRANT ALL ON api.emails TO managers; GRANT USAGE ON api.emails_id_seq TO managers;
             INSERT INTO api.emails (address, name) VALUES ('a@x.test', 'A');",
        )
        .await;
    let response = write(
        &api,
        Method::POST,
        "/emails?on_conflict=address&select=id,address,name",
        "resolution=merge-duplicates, return=representation",
        r#"[{"address":"a@x.test","name":"Changed"},{"address":"b@x.test","name":"B"}]"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([
            {"id": 1, "address": "a@x.test", "name": "Changed"},
            {"id": 3, "address": "b@x.test", "name": "B"}
        ])
    );
    let response = write(
        &api,
        Method::POST,
        "/emails?on_conflict=nope",
        "resolution=merge-duplicates",
        r#"{"address":"c"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&response), "42703");
}

#[tokio::test]
async fn columns_a_body_leaves_out_are_not_read_from_it() {
    // A NOT NULL domain: reading the relation's whole row type from the body would check the
    // domain against the NULL of every key the body leaves out.
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE DOMAIN api.code AS text NOT NULL DEFAULT 'none';
             CREATE TABLE api.tickets (id serial PRIMARY KEY, code api.code, title text);
             GRANT ALL ON api.tickets TO managers; GRANT USAGE ON api.tickets_id_seq TO managers;",
        )
        .await;
    let response = write(
        &api,
        Method::POST,
        "/tickets?select=id,code,title",
        "return=representation",
        r#"{"title":"first"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"id": 1, "code": "none", "title": "first"}])
    );
    let response = write(
        &api,
        Method::POST,
        "/tickets?columns=title,code&select=code,title",
        "return=representation, missing=default",
        r#"[{"title":"a"},{"title":"b","code":"x"}]"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"code": "none", "title": "a"}, {"code": "x", "title": "b"}])
    );
    let response = write(
        &api,
        Method::PATCH,
        "/tickets?id=eq.1&select=code,title",
        "return=representation",
        r#"{"title":"renamed"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"code": "none", "title": "renamed"}])
    );
    let response = write(
        &api,
        Method::POST,
        "/tickets",
        "",
        r#"{"title":"null code","code":null}"#,
    )
    .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    assert_eq!(error_code(&response), "23502");

    let response = write(
        &api,
        Method::POST,
        "/graphql",
        "",
        r#"{"query":"mutation { updateTicketById(input: {id: 1, ticketPatch: {title: \"gql\"}}) { ticket { code title } } }"}"#,
    )
    .await;
    assert_eq!(
        response.json(),
        json!({"data": {"updateTicketById": {"ticket": {"code": "none", "title": "gql"}}}})
    );
}

#[tokio::test]
async fn put_inserts_or_replaces_the_row_the_url_names() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::PUT,
        "/clients?id=eq.3",
        "return=representation",
        r#"{"id":3,"name":"Google"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(response.json(), json!([{"id": 3, "name": "Google"}]));
    let response = write(
        &api,
        Method::PUT,
        "/clients?id=eq.3",
        "return=representation",
        r#"{"id":3,"name":"Alphabet"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json(), json!([{"id": 3, "name": "Alphabet"}]));
    let response = write(
        &api,
        Method::PUT,
        "/clients?id=eq.1",
        "",
        r#"{"id":1,"name":"MS"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    assert_eq!(
        api.ok("/clients?id=eq.1&select=name").await,
        json!([{"name": "MS"}])
    );
}

#[tokio::test]
async fn put_errors_are_postgrests() {
    let api = TestApi::new().await;
    let cases = [
        (
            "/clients?name=eq.x",
            r#"{"id":1,"name":"x"}"#,
            StatusCode::METHOD_NOT_ALLOWED,
            "PGRST105",
            "Filters must include all and only primary key columns with 'eq' operators",
        ),
        (
            "/clients?id=gt.1",
            r#"{"id":1,"name":"x"}"#,
            StatusCode::METHOD_NOT_ALLOWED,
            "PGRST105",
            "Filters must include all and only primary key columns with 'eq' operators",
        ),
        (
            "/clients?id=eq.1&limit=1",
            r#"{"id":1,"name":"x"}"#,
            StatusCode::BAD_REQUEST,
            "PGRST114",
            "limit/offset querystring parameters are not allowed for PUT",
        ),
        (
            "/clients?id=eq.1",
            r#"{"id":2,"name":"x"}"#,
            StatusCode::BAD_REQUEST,
            "PGRST115",
            "Payload values do not match URL in primary key column(s)",
        ),
        (
            "/accounts?manager=eq.x",
            r#"{"manager":"x"}"#,
            StatusCode::METHOD_NOT_ALLOWED,
            "PGRST105",
            "Filters must include all and only primary key columns with 'eq' operators",
        ),
    ];
    for (uri, body, status, code, message) in cases {
        let response = write(&api, Method::PUT, uri, "", body).await;
        assert_eq!(response.status, status, "{uri}: {}", response.body);
        assert_eq!(response.json()["code"], code, "{uri}");
        assert_eq!(response.json()["message"], message, "{uri}");
    }
    assert_eq!(
        api.ok("/clients?select=name&order=id").await,
        json!([{"name": "Microsoft"}, {"name": "Apple"}])
    );
}

#[tokio::test]
async fn strict_handling_rejects_unknown_preferences() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::DELETE,
        "/tasks",
        "handling=strict, foo=bar, return=minimal, bar",
        "",
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST122",
            "message": "Invalid preferences given with handling=strict",
            "details": "Invalid preferences: foo=bar, bar",
            "hint": null
        })
    );
    // Lenient handling ignores them.
    let response = write(&api, Method::DELETE, "/tasks?id=eq.1", "foo=bar", "").await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn max_affected_rolls_back_a_write_that_changes_too_many_rows() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::DELETE,
        "/tasks?done=eq.true",
        "handling=strict, max-affected=2",
        "",
    )
    .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST124",
            "message": "Query result exceeds max-affected preference constraint",
            "details": "The query affects 3 rows",
            "hint": null
        })
    );
    assert_eq!(
        api.ok("/tasks?done=eq.true&select=id")
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let response = write(
        &api,
        Method::PATCH,
        "/tasks?id=eq.1",
        "handling=strict, max-affected=1",
        r#"{"done":false}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    assert_eq!(
        response.header("preference-applied"),
        Some("handling=strict, max-affected=1")
    );
    // Without strict handling the limit is not enforced.
    let response = write(
        &api,
        Method::DELETE,
        "/tasks?done=eq.true",
        "max-affected=1",
        "",
    )
    .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(response.header("content-range"), Some("0-1/*"));
}

#[tokio::test]
async fn singular_representation_of_several_rows_is_406_and_rolled_back() {
    let api = TestApi::new().await;
    let response = write_as(
        &api,
        Method::PATCH,
        "/people?age=gt.20",
        &[
            ("prefer", "return=representation"),
            ("accept", "application/vnd.pgrst.object+json"),
        ],
        r#"{"name":"Same"}"#,
    )
    .await;
    assert_eq!(
        response.status,
        StatusCode::NOT_ACCEPTABLE,
        "{}",
        response.body
    );
    assert_eq!(response.json()["code"], "PGRST116");
    assert_eq!(response.json()["details"], "The result contains 3 rows");
    assert!(
        api.ok("/people?name=eq.Same")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let response = write_as(
        &api,
        Method::PATCH,
        "/people?id=eq.1&select=id,name",
        &[
            ("prefer", "return=representation"),
            ("accept", "application/vnd.pgrst.object+json"),
        ],
        r#"{"name":"Alicia"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json(), json!({"id": 1, "name": "Alicia"}));
}

#[tokio::test]
async fn tx_rollback_returns_the_representation_and_keeps_nothing() {
    let api = TestApi::with_settings(&[("db-tx-end", "commit-allow-override")]).await;
    let response = write(
        &api,
        Method::POST,
        "/clients",
        "return=representation, tx=rollback",
        r#"{"id":9,"name":"Ghost"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(response.json(), json!([{"id": 9, "name": "Ghost"}]));
    assert_eq!(
        response.header("preference-applied"),
        Some("return=representation, tx=rollback")
    );
    assert_eq!(api.ok("/clients?id=eq.9").await, json!([]));

    // Where the configuration does not allow an override, the preference is ignored.
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::POST,
        "/clients",
        "tx=rollback",
        r#"{"id":9,"name":"Kept"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.header("preference-applied"), None);
    assert_eq!(
        api.ok("/clients?id=eq.9&select=name").await,
        json!([{"name": "Kept"}])
    );
}

#[tokio::test]
async fn db_tx_end_rollback_rolls_every_write_back() {
    let api = TestApi::with_settings(&[("db-tx-end", "rollback")]).await;
    let response = write(&api, Method::DELETE, "/tasks", "count=exact", "").await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(response.header("content-range"), Some("0-7/8"));
    assert_eq!(
        api.ok("/tasks?select=id").await.as_array().unwrap().len(),
        8
    );
}

#[tokio::test]
async fn csv_and_form_bodies_insert_rows() {
    let api = TestApi::new().await;
    let response = write_as(
        &api,
        Method::POST,
        "/people?select=name,age,student",
        &[
            ("content-type", "text/csv"),
            ("prefer", "return=representation"),
        ],
        "name,age,student\nZed,40,true\n\"Doe, Jo\",NULL,NULL\n",
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([
            {"name": "Zed", "age": 40, "student": true},
            {"name": "Doe, Jo", "age": null, "student": null}
        ])
    );
    let response = write_as(
        &api,
        Method::POST,
        "/people",
        &[("content-type", "text/csv")],
        "name,age\nRagged\n",
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json()["message"],
        "All lines must have same number of fields"
    );
    let response = write_as(
        &api,
        Method::POST,
        "/clients?select=id,name",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("prefer", "return=representation"),
        ],
        "id=7&name=Form+Co",
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(response.json(), json!([{"id": 7, "name": "Form Co"}]));
    let response = write_as(
        &api,
        Method::POST,
        "/clients",
        &[("content-type", "text/xml")],
        "<a/>",
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json()["message"],
        "Content-Type not acceptable: text/xml"
    );
}

#[tokio::test]
async fn a_failing_bulk_insert_writes_nothing() {
    let api = TestApi::new().await;
    let mut rows: Vec<Value> = (0..1000)
        .map(|i| json!({"id": 100 + i, "name": format!("c{i}")}))
        .collect();
    rows[999] = json!({"id": 1, "name": "duplicate"});
    let response = write(
        &api,
        Method::POST,
        "/clients",
        "",
        &Value::Array(rows).to_string(),
    )
    .await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.body);
    assert_eq!(
        response.json(),
        json!({
            "code": "23505",
            "message": "duplicate key value violates unique constraint \"clients_pkey\"",
            "details": "Key (id)=(1) already exists.",
            "hint": null
        })
    );
    assert_eq!(
        api.ok("/clients?select=id").await,
        json!([{"id": 1}, {"id": 2}])
    );
}

#[tokio::test]
async fn headers_only_returns_the_location_of_the_new_row() {
    let api = TestApi::new().await;
    let response = write(
        &api,
        Method::POST,
        "/clients",
        "return=headers-only",
        r#"{"id":42,"name":"X"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(response.header("location"), Some("/clients?id=eq.42"));
    assert_eq!(
        response.header("preference-applied"),
        Some("return=headers-only")
    );
    assert_eq!(response.body, "");
}

#[tokio::test]
async fn options_lists_what_a_relation_can_do() {
    let api = TestApi::new()
        .await
        .with_sql("CREATE VIEW api.client_names AS SELECT DISTINCT name FROM api.clients;")
        .await;
    let allow = |response: TestResponse| {
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.header("allow").unwrap().to_owned()
    };
    assert_eq!(
        allow(api.request(Method::OPTIONS, "/people", &[], "").await),
        "OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE"
    );
    assert_eq!(
        allow(api.request(Method::OPTIONS, "/accounts", &[], "").await),
        "OPTIONS,GET,HEAD,POST,PATCH,DELETE"
    );
    assert_eq!(
        allow(api.request(Method::OPTIONS, "/adults", &[], "").await),
        "OPTIONS,GET,HEAD,POST,PATCH,DELETE"
    );
    assert_eq!(
        allow(api.request(Method::OPTIONS, "/client_names", &[], "").await),
        "OPTIONS,GET,HEAD"
    );
}

#[tokio::test]
async fn serialization_failures_are_retried() {
    let api = TestApi::with_settings(&[("db-pre-request", "api.flaky")])
        .await
        .with_sql(
            "CREATE SEQUENCE api.attempts;
             GRANT USAGE ON SEQUENCE api.attempts TO web_anon, managers;
             CREATE FUNCTION api.flaky() RETURNS void LANGUAGE plpgsql AS $$
             BEGIN
               IF current_setting('request.method') = 'PATCH' AND nextval('api.attempts') < 3 THEN
                 RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure';
               END IF;
             END $$;",
        )
        .await;
    let response = write(&api, Method::PATCH, "/people?id=eq.1", "", r#"{"age":31}"#).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    let mut admin = api.admin().await;
    let (attempts,): (i64,) = sqlx::query_as("SELECT last_value FROM api.attempts")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(attempts, 3);
    assert_eq!(
        api.ok("/people?id=eq.1&select=age").await,
        json!([{"age": 31}])
    );
}

#[tokio::test]
async fn functions_and_triggers_can_raise_any_http_error() {
    let api = TestApi::new()
        .await
        .with_sql(
            r#"CREATE FUNCTION api.guard() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                 IF NEW.name = 'pay' THEN
                   RAISE SQLSTATE 'PGRST' USING
                     message = '{"code":"123","message":"Payment Required","details":"Quota exceeded","hint":"Upgrade your plan"}',
                     detail = '{"status":402,"headers":{"X-Powered-By":"Nerd Rage"}}';
                 ELSIF NEW.name = 'broken' THEN
                   RAISE SQLSTATE 'PGRST' USING message = 'not json', detail = '{}';
                 ELSIF NEW.name = 'teapot' THEN
                   RAISE SQLSTATE 'PT418' USING message = 'I am a teapot';
                 ELSIF NEW.name = 'plain' THEN
                   RAISE EXCEPTION 'no, thanks' USING DETAIL = 'plain raise', HINT = 'try another name';
                 END IF;
                 RETURN NEW;
               END $$;
               CREATE TRIGGER guard BEFORE INSERT ON api.clients FOR EACH ROW EXECUTE FUNCTION api.guard();"#,
        )
        .await;
    let insert = |name: &'static str| {
        let body = json!({"id": 50, "name": name}).to_string();
        let api = &api;
        async move { write(api, Method::POST, "/clients", "", &body).await }
    };
    let response = insert("pay").await;
    assert_eq!(response.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(response.header("x-powered-by"), Some("Nerd Rage"));
    assert_eq!(
        response.json(),
        json!({"code": "123", "message": "Payment Required", "details": "Quota exceeded", "hint": "Upgrade your plan"})
    );
    let response = insert("broken").await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.json()["code"], "PGRST121");
    let response = insert("teapot").await;
    assert_eq!(response.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(response.json()["message"], "I am a teapot");
    let response = insert("plain").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({"code": "P0001", "message": "no, thanks", "details": "plain raise", "hint": "try another name"})
    );
    assert_eq!(api.ok("/clients?id=eq.50").await, json!([]));
}

#[tokio::test]
async fn views_are_written_through() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE VIEW api.client_list AS SELECT id, upper(name) AS name FROM api.clients;
             CREATE FUNCTION api.client_list_insert() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO api.clients VALUES (NEW.id, lower(NEW.name)); RETURN NEW; END $$;
             CREATE TRIGGER client_list_insert INSTEAD OF INSERT ON api.client_list
               FOR EACH ROW EXECUTE FUNCTION api.client_list_insert();
             GRANT SELECT, INSERT ON api.client_list TO managers;
             GRANT SELECT, UPDATE, DELETE ON api.adults TO managers;",
        )
        .await;
    // An auto-updatable view.
    let response = write(
        &api,
        Method::PATCH,
        "/adults?name=eq.Dan&select=name,age",
        "return=representation",
        r#"{"age":46}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json(), json!([{"name": "Dan", "age": 46}]));
    let response = write(&api, Method::DELETE, "/adults?age=eq.46", "count=exact", "").await;
    assert_eq!(response.header("content-range"), Some("0-0/1"));
    assert_eq!(api.ok("/people?name=eq.Dan").await, json!([]));
    // A view with an INSTEAD OF trigger.
    let response = write(
        &api,
        Method::POST,
        "/client_list",
        "",
        r#"{"id":5,"name":"NEW CO"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        api.ok("/clients?id=eq.5").await,
        json!([{"id": 5, "name": "new co"}])
    );
    let allow = api.request(Method::OPTIONS, "/client_list", &[], "").await;
    // Its `id` column is still auto-updatable, so are UPDATE and DELETE.
    assert_eq!(
        allow.header("allow"),
        Some("OPTIONS,GET,HEAD,POST,PATCH,DELETE")
    );
}

#[tokio::test]
async fn foreign_tables_are_written_through_postgres_fdw() {
    let api = TestApi::new().await;
    let mut admin = api.admin().await;
    let (port,): (String,) = sqlx::query_as("SELECT current_setting('port')")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let setup = format!(
        "CREATE EXTENSION postgres_fdw;
         CREATE SERVER loopback FOREIGN DATA WRAPPER postgres_fdw
           OPTIONS (host '127.0.0.1', port '{port}', dbname '{database}');
         CREATE USER MAPPING FOR PUBLIC SERVER loopback
           OPTIONS (user 'postgres', password_required 'false');
         CREATE SCHEMA private;
         CREATE TABLE private.notes (id int PRIMARY KEY, body text);
         CREATE FOREIGN TABLE api.notes (id int, body text)
           SERVER loopback OPTIONS (schema_name 'private', table_name 'notes');
         GRANT ALL ON api.notes TO managers; GRANT SELECT ON api.notes TO web_anon;",
        database = api.database
    );
    let api = api.with_sql(&setup).await;
    let response = write(
        &api,
        Method::POST,
        "/notes",
        "return=representation",
        r#"[{"id":1,"body":"a"},{"id":2,"body":"b"}]"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"id": 1, "body": "a"}, {"id": 2, "body": "b"}])
    );
    let response = write(
        &api,
        Method::PATCH,
        "/notes?id=eq.2",
        "",
        r#"{"body":"changed"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    let response = write(&api, Method::DELETE, "/notes?id=eq.1", "", "").await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    assert_eq!(
        api.ok("/notes").await,
        json!([{"id": 2, "body": "changed"}])
    );
}

#[tokio::test]
async fn missing_keys_take_column_identity_and_domain_defaults() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE DOMAIN api.positive AS int DEFAULT 1 CHECK (VALUE > 0);
             CREATE TABLE api.items (
               id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
               name text NOT NULL DEFAULT 'unnamed',
               quantity api.positive,
               weight api.positive DEFAULT 10,
               note text);
             GRANT ALL ON api.items TO managers; GRANT USAGE ON api.items_id_seq TO managers;",
        )
        .await;
    // postgrest-js quotes the union of the objects' keys in `columns`.
    let uri = "/items?columns=%22id%22,%22name%22,%22quantity%22,%22weight%22,%22note%22";
    let response = write(
        &api,
        Method::POST,
        uri,
        "missing=default, return=representation",
        r#"[{"name":"a"},{"quantity":5,"note":null},{"id":50,"weight":2}]"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.header("preference-applied"),
        Some("missing=default, return=representation")
    );
    assert_eq!(
        response.json(),
        json!([
            {"id": 1, "name": "a", "quantity": 1, "weight": 10, "note": null},
            {"id": 2, "name": "unnamed", "quantity": 5, "weight": 10, "note": null},
            {"id": 50, "name": "unnamed", "quantity": 1, "weight": 2, "note": null}
        ])
    );
    // Without the preference a missing key is NULL.
    let response = write(
        &api,
        Method::POST,
        "/items?columns=id,name",
        "",
        r#"{"id":60}"#,
    )
    .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    assert_eq!(response.json()["code"], "23502");
    // PATCH resets the columns of `columns=` the body leaves out.
    let response = write(
        &api,
        Method::PATCH,
        "/items?id=eq.50&columns=name,weight",
        "missing=default, return=representation",
        r#"{"name":"renamed"}"#,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"id": 50, "name": "renamed", "quantity": 1, "weight": 10, "note": null}])
    );
}

#[tokio::test]
async fn timezone_preference_sets_the_transactions_time_zone() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE TABLE api.events (id int PRIMARY KEY, at timestamptz);
             INSERT INTO api.events VALUES (1, '2026-01-01 12:00:00+00');
             GRANT SELECT ON api.events TO web_anon;",
        )
        .await;
    let response = api
        .request(
            Method::GET,
            "/events",
            &[("prefer", "timezone=Asia/Tokyo")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.header("preference-applied"),
        Some("timezone=Asia/Tokyo")
    );
    assert_eq!(
        response.json(),
        json!([{"id": 1, "at": "2026-01-01T21:00:00+09:00"}])
    );
    let response = api
        .request(
            Method::GET,
            "/events",
            &[("prefer", "timezone=Mars/Olympus")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "22023");
    let response = api
        .request(
            Method::GET,
            "/events",
            &[("prefer", "handling=strict, tx=maybe")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "PGRST122");
}

/// Method, URI, headers and body of a write.
type HostileWrite = (Method, String, Vec<(&'static str, &'static str)>, String);

#[tokio::test]
async fn hostile_text_in_writes_never_reaches_sql() {
    let api = TestApi::new().await;
    let drop = "x\"; DROP TABLE api.people; --";
    let encoded = "x%22%3B%20DROP%20TABLE%20api.people%3B%20--";
    let cases: Vec<HostileWrite> = vec![
        (
            Method::POST,
            format!("/clients?columns=id,{encoded}"),
            vec![],
            r#"{"id":9}"#.into(),
        ),
        (
            Method::POST,
            format!("/clients?on_conflict={encoded}"),
            vec![("prefer", "resolution=merge-duplicates")],
            r#"{"id":1,"name":"a"}"#.into(),
        ),
        (
            Method::POST,
            "/clients".into(),
            vec![],
            json!({"id": 9, drop: 1}).to_string(),
        ),
        (
            Method::POST,
            "/clients".into(),
            vec![("content-type", "text/csv")],
            format!("id,\"{}\"\n9,a\n", drop.replace('"', "\"\"")),
        ),
        (
            Method::PATCH,
            "/clients?id=eq.1".into(),
            vec![],
            json!({drop: "a"}).to_string(),
        ),
        (
            Method::PATCH,
            format!("/clients?{encoded}=eq.1"),
            vec![],
            r#"{"name":"a"}"#.into(),
        ),
        (
            Method::DELETE,
            format!("/clients?order={encoded}&limit=1"),
            vec![],
            String::new(),
        ),
        (
            Method::DELETE,
            "/clients?id=eq.1".into(),
            vec![("content-profile", "pg_catalog")],
            String::new(),
        ),
        (Method::DELETE, "/pg_authid".into(), vec![], String::new()),
        (
            Method::POST,
            "/clients".into(),
            vec![("prefer", "timezone=UTC'; DROP TABLE api.people; --")],
            r#"{"id":9,"name":"a"}"#.into(),
        ),
    ];
    for (method, uri, headers, body) in cases {
        let response = write_as(&api, method.clone(), &uri, &headers, &body).await;
        assert!(
            response.status.is_client_error(),
            "{method} {uri}: {} {}",
            response.status,
            response.body
        );
    }
    // A hostile value is only a value.
    let response = write(
        &api,
        Method::PATCH,
        "/clients?id=eq.1",
        "return=representation",
        &json!({"name": drop}).to_string(),
    )
    .await;
    assert_eq!(response.json(), json!([{"id": 1, "name": drop}]));
    assert_eq!(
        api.ok("/people?select=id").await.as_array().unwrap().len(),
        7
    );
    assert_eq!(
        api.ok("/clients?select=id&order=id").await,
        json!([{"id": 1}, {"id": 2}])
    );
}
