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

#[tokio::test]
async fn relations_filters_and_counts() {
    let api = TestApi::new().await;
    assert_eq!(
        graphql(
            &api,
            "{ allProjects(filter: {clientByClientId: {name: {startsWith: \"Micro\"}}}, first: 1) { \
             totalCount pageInfo { hasNextPage hasPreviousPage } \
             nodes { name clientByClientId { name } \
             tasksByProjectId(filter: {done: {equalTo: true}}, orderBy: NAME_DESC) { nodes { name } } } } \
             orphan: allProjects(filter: {clientByClientIdExists: false}) { nodes { name clientByClientId { name } } } }"
        )
        .await,
        json!({"data": {
            "allProjects": {
                "totalCount": 2,
                "pageInfo": {"hasNextPage": true, "hasPreviousPage": false},
                "nodes": [{
                    "name": "Windows 7",
                    "clientByClientId": {"name": "Microsoft"},
                    "tasksByProjectId": {"nodes": [{"name": "Design w7"}, {"name": "Code w7"}]}
                }]
            },
            "orphan": {"nodes": [{"name": "Orphan", "clientByClientId": null}]}
        }})
    );
}

/// The example in the README's GraphQL section answers as shown here.
#[tokio::test]
async fn readme_example() {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("## GraphQL").unwrap()..];
    let start = section.find("```graphql\n").unwrap() + "```graphql\n".len();
    let query = &section[start..start + section[start..].find("```").unwrap()];
    let api = TestApi::new().await;
    assert_eq!(
        graphql(&api, query).await,
        json!({"data": {
            "allPeople": {"nodes": [{"name": "Carol", "age": 22}, {"name": "Erin", "age": 19}]},
            "personById": {"name": "Carol", "student": true},
            "allClients": {
                "totalCount": 1,
                "pageInfo": {"hasNextPage": false, "hasPreviousPage": false},
                "nodes": [{"name": "Microsoft", "projectsByClientId": {"nodes": [{
                    "name": "Windows 7",
                    "clientByClientId": {"name": "Microsoft"},
                    "tasksByProjectId": {"nodes": [{"name": "Code w7"}]}
                }]}}]
            }
        }})
    );
}
