//! Counts, `Range`, `Content-Range`, 206 and 416, HEAD, and media types.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApi;
use serde_json::json;

#[tokio::test]
async fn exact_counts_and_partial_content() {
    let api = TestApi::new().await;
    let count = [("prefer", "count=exact")];
    let response = api
        .request(
            Method::GET,
            "/people?select=id&limit=2&order=id",
            &count,
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.header("content-range"), Some("0-1/7"));
    assert_eq!(response.header("preference-applied"), Some("count=exact"));
    assert_eq!(response.json(), json!([{"id": 1}, {"id": 2}]));

    let response = api
        .request(Method::GET, "/people?select=id&age=gte.18", &count, "")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-range"), Some("0-3/4"));

    let response = api
        .request(Method::GET, "/people?age=gt.100", &count, "")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-range"), Some("*/0"));

    // PostgREST's rule: 206 whenever the page has fewer rows than the total, even none.
    let response = api
        .request(Method::GET, "/people?offset=7", &count, "")
        .await;
    assert_eq!(
        response.status,
        StatusCode::PARTIAL_CONTENT,
        "offset == total is an empty page"
    );
    assert_eq!(response.header("content-range"), Some("*/7"));

    let response = api
        .request(Method::GET, "/people?offset=100", &count, "")
        .await;
    assert_eq!(response.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(response.header("content-range"), Some("*/7"));
    assert_eq!(
        response.json(),
        json!({"code": "PGRST103", "details": "An offset of 100 was requested, but there are only 7 rows.",
               "hint": null, "message": "Requested range not satisfiable"})
    );
    // Without a count, an offset past the end is just an empty page.
    let response = api.get("/people?offset=100").await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (StatusCode::OK, "[]")
    );
}

#[tokio::test]
async fn counts_respect_embedded_inner_joins() {
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::GET,
            "/clients?select=name,projects!inner(name)&projects.name=eq.IOS",
            &[("prefer", "count=exact")],
            "",
        )
        .await;
    assert_eq!(response.header("content-range"), Some("0-0/1"));
    let count = [("prefer", "count=exact")];
    // A null test on an embed filters the counted rows too.
    let response = api
        .request(
            Method::GET,
            "/projects?select=name,clients()&clients=is.null",
            &count,
            "",
        )
        .await;
    assert_eq!(response.header("content-range"), Some("0-0/1"));
    // A left-joined embed with its own filter keeps every parent row.
    let response = api
        .request(
            Method::GET,
            "/clients?select=name,projects(name)&projects.name=eq.IOS",
            &count,
            "",
        )
        .await;
    assert_eq!(response.header("content-range"), Some("0-1/2"));
}

#[tokio::test]
async fn range_headers_page_like_limit_and_offset() {
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::GET,
            "/people?select=id&order=id",
            &[("range", "2-3")],
            "",
        )
        .await;
    assert_eq!(response.header("content-range"), Some("2-3/*"));
    assert_eq!(response.json(), json!([{"id": 3}, {"id": 4}]));
    let headers = [
        ("range", "5-"),
        ("range-unit", "items"),
        ("prefer", "count=exact"),
    ];
    let response = api
        .request(Method::GET, "/people?select=id&order=id", &headers, "")
        .await;
    assert_eq!(response.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.header("content-range"), Some("5-6/7"));
    let response = api
        .request(Method::GET, "/people", &[("range", "1-0")], "")
        .await;
    assert_eq!(response.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        response.json()["message"],
        "Requested range not satisfiable"
    );
}

#[tokio::test]
async fn head_has_the_headers_without_the_body() {
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::HEAD,
            "/people?limit=2",
            &[("prefer", "count=exact")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.header("content-range"), Some("0-1/7"));
    assert_eq!(response.body, "");
}

#[tokio::test]
async fn response_headers() {
    let api = TestApi::new().await;
    let response = api.get("/people?select=name&age=gte.18").await;
    assert_eq!(
        response.header("content-location"),
        Some("/people?age=gte.18&select=name")
    );
    assert_eq!(response.header("vary"), Some("Accept, Prefer, Range"));
}

#[tokio::test]
async fn csv() {
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::GET,
            "/people?select=id,name,age&id=in.(1,7)&order=id",
            &[("accept", "text/csv")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(response.body, "id,name,age\n1,Alice,30\n7,Grace,");
    let response = api
        .request(
            Method::GET,
            "/clients?select=name&id=eq.1",
            &[("accept", "text/csv, application/json")],
            "",
        )
        .await;
    assert_eq!(response.body, "name\nMicrosoft");
}

#[tokio::test]
async fn single_objects() {
    let api = TestApi::new().await;
    let object = [("accept", "application/vnd.pgrst.object+json")];
    let response = api
        .request(Method::GET, "/people?select=name,age&id=eq.1", &object, "")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/vnd.pgrst.object+json; charset=utf-8")
    );
    assert_eq!(response.json(), json!({"name": "Alice", "age": 30}));
    for (uri, rows) in [("/people?id=eq.99", 0), ("/people?age=gte.18", 4)] {
        let response = api.request(Method::GET, uri, &object, "").await;
        assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
        assert_eq!(
            response.json(),
            json!({"code": "PGRST116", "details": format!("The result contains {rows} rows"), "hint": null,
                   "message": "Cannot coerce the result to a single JSON object"})
        );
    }
    let stripped = [("accept", "application/vnd.pgrst.object+json;nulls=stripped")];
    let response = api
        .request(
            Method::GET,
            "/people?select=name,age&id=eq.7",
            &stripped,
            "",
        )
        .await;
    assert_eq!(response.json(), json!({"name": "Grace"}));
    let stripped = [("accept", "application/vnd.pgrst.array+json;nulls=stripped")];
    let response = api
        .request(
            Method::GET,
            "/people?select=name,age&id=in.(6,7)&order=id",
            &stripped,
            "",
        )
        .await;
    assert_eq!(
        response.json(),
        json!([{"name": "Frank", "age": 12}, {"name": "Grace"}])
    );
}

#[tokio::test]
async fn unavailable_media_types_are_406() {
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::GET,
            "/people",
            &[("accept", "text/unknowntype")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(
        response.json(),
        json!({"code": "PGRST107", "details": null, "hint": null,
               "message": "None of these media types are available: text/unknowntype"})
    );
}

#[tokio::test]
async fn planned_and_estimated_counts() {
    // Analysed, the planner knows the table's size exactly.
    let api = TestApi::new().await.with_sql("ANALYZE api.people;").await;
    let planned = [("prefer", "count=planned")];
    let response = api
        .request(Method::GET, "/people?select=id&limit=2", &planned, "")
        .await;
    assert_eq!(response.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.header("content-range"), Some("0-1/7"));
    assert_eq!(response.header("preference-applied"), Some("count=planned"));
    // Estimated: the planner's number above db-max-rows, the exact count up to it.
    let capped = TestApi::with_settings(&[("db-max-rows", "3")])
        .await
        .with_sql("ANALYZE api.people;")
        .await;
    let estimated = [("prefer", "count=estimated")];
    let response = capped
        .request(Method::GET, "/people?select=id", &estimated, "")
        .await;
    assert_eq!(response.header("content-range"), Some("0-2/7"));
    let response = capped
        .request(Method::GET, "/people?select=id&id=lte.2", &estimated, "")
        .await;
    assert_eq!(response.header("content-range"), Some("0-1/2"));
}
