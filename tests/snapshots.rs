//! The API of the example database, committed so that every change to it shows in review:
//! `openapi/example.json` and `docs/graphql/example.graphql`.
//!
//! After an intended change, regenerate them with `PGWAY_BLESS=1 cargo test --test snapshots`.

mod common;

use std::path::Path;

use common::TestApi;

fn check(path: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("PGWAY_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} is out of date; if the change is intended, run `PGWAY_BLESS=1 cargo test --test snapshots`\n\
         --- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// The whole document: what every role may use together.
#[tokio::test]
async fn openapi_document_of_the_example() {
    let api = TestApi::with_settings(&[("openapi-mode", "ignore-privileges")]).await;
    let document: serde_json::Value = api.get("/openapi.json").await.json();
    check(
        "openapi/example.json",
        &(serde_json::to_string_pretty(&document).unwrap() + "\n"),
    );
}

#[tokio::test]
async fn graphql_schema_of_the_example() {
    let api = TestApi::new().await;
    check("docs/graphql/example.graphql", &api.app.api().graphql.sdl());
}
