//! The OpenAPI document, Swagger UI and GraphiQL as served over HTTP.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApi;

#[tokio::test]
async fn root_serves_a_valid_openapi_31_document() {
    let api = TestApi::new().await;
    for accept in ["application/openapi+json", "application/json", "*/*"] {
        let response = api
            .request(Method::GET, "/", &[("accept", accept)], "")
            .await;
        assert_eq!(response.status, StatusCode::OK, "{accept}");
        assert_eq!(
            response.header("content-type"),
            Some("application/openapi+json; charset=utf-8")
        );
    }
    let response = api.get("/openapi.json").await;
    let spec = oas3::from_json(&response.body).expect("a valid OpenAPI 3.1 document");
    assert_eq!(spec.openapi, "3.1.0");
    assert_eq!(spec.info.title, "pgway example API");
    let paths = spec.paths.expect("paths");
    for table in [
        "/people",
        "/clients",
        "/projects",
        "/tasks",
        "/users",
        "/post",
        "/accounts",
    ] {
        let item = paths
            .get(table)
            .unwrap_or_else(|| panic!("{table} is documented"));
        assert!(
            item.get.is_some() && item.post.is_some(),
            "{table} has GET and POST"
        );
    }
    assert!(paths.get("/adults").and_then(|p| p.get.as_ref()).is_some());
    let people = &spec.components.expect("components").schemas["people"];
    let people = serde_json::to_value(people).unwrap();
    let columns: Vec<&str> = people["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(columns.len(), 5);
    for column in ["id", "name", "age", "height", "student"] {
        assert!(columns.contains(&column), "{column}");
    }
    assert_eq!(people["required"], serde_json::json!(["name"]));
}

#[tokio::test]
async fn root_refuses_media_types_it_cannot_serve() {
    let api = TestApi::new().await;
    let response = api
        .request(Method::GET, "/", &[("accept", "text/csv")], "")
        .await;
    assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(response.json()["code"], "PGRST107");
}

#[tokio::test]
async fn swagger_ui_and_graphiql_are_served_from_the_binary() {
    let api = TestApi::new().await;
    let response = api.get("/docs/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.body.contains("swagger-ui"));
    let response = api
        .request(Method::GET, "/graphql", &[("accept", "text/html")], "")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.body.contains("graphiql"));
    assert!(
        !response.body.contains("unpkg.com") && !response.body.contains("cdn"),
        "no CDN"
    );
}

#[tokio::test]
async fn a_ui_path_that_hides_a_table_stops_start_up() {
    assert_eq!(
        TestApi::start_error(&[("docs-path", "/people")]).await,
        "the exposed relation 'api.people' has the same path as Swagger UI; set docs-path to another path"
    );
    assert_eq!(
        TestApi::start_error(&[("graphql-path", "/post")]).await,
        "the exposed relation 'api.post' has the same path as the GraphQL endpoint; set graphql-path to another path"
    );
    let api = TestApi::with_settings(&[("graphql-path", "/gql"), ("docs-path", "/swagger")]).await;
    assert_eq!(api.get("/swagger/").await.status, StatusCode::OK);
    let response = api
        .request(
            Method::POST,
            "/gql",
            &[("content-type", "application/json")],
            r#"{"query":"{ personById(id: 1) { name } }"}"#,
        )
        .await;
    assert_eq!(
        response.json(),
        serde_json::json!({"data": {"personById": {"name": "Alice"}}})
    );
}
