//! GraphQL over HTTP against the example database.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApi;
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

#[tokio::test]
async fn connection_with_condition() {
    let api = TestApi::new().await;
    assert_eq!(
        graphql(
            &api,
            "{ allPeople(first: 2, condition: {student: true}) { nodes { name age } } }"
        )
        .await,
        json!({"data": {"allPeople": {"nodes": [{"name": "Bob", "age": 17}, {"name": "Carol", "age": 22}]}}})
    );
}

#[tokio::test]
async fn lookup_by_primary_key() {
    let api = TestApi::new().await;
    assert_eq!(
        graphql(
            &api,
            "{ personById(id: 3) { id name student } nobody: personById(id: 99) { name } }"
        )
        .await,
        json!({"data": {"personById": {"id": 3, "name": "Carol", "student": true}, "nobody": null}})
    );
}

#[tokio::test]
async fn invalid_queries_are_graphql_errors() {
    let api = TestApi::new().await;
    let response = graphql(&api, "{ allPeople { nodes { nope } } }").await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope"),
        "{response}"
    );
    let response = api
        .request(
            Method::POST,
            "/graphql",
            &[("content-type", "application/json")],
            "{not json",
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.json()["errors"][0]["message"].is_string());
}
