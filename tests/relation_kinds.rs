//! Every kind of relation reads the same: partitioned tables, foreign tables, materialized views.

mod common;

use axum::http::StatusCode;
use common::TestApi;
use serde_json::json;

#[tokio::test]
async fn partitioned_foreign_and_materialized_relations_are_readable() {
    let api = TestApi::new().await;
    let csv = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(csv.path(), "name,population\nOslo,709000\nLima,10000000\n").unwrap();
    let mut permissions = std::fs::metadata(csv.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o644);
    std::fs::set_permissions(csv.path(), permissions).unwrap();
    let setup = format!(
        "CREATE TABLE api.measurements (day date NOT NULL, value int) PARTITION BY RANGE (day);
         CREATE TABLE api.measurements_2026 PARTITION OF api.measurements
             FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         INSERT INTO api.measurements VALUES ('2026-03-01', 7), ('2026-04-01', 9);
         CREATE EXTENSION file_fdw;
         CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
         CREATE FOREIGN TABLE api.cities (name text, population int) SERVER files
             OPTIONS (filename '{}', format 'csv', header 'true');
         CREATE MATERIALIZED VIEW api.client_names AS SELECT name FROM api.clients;
         GRANT SELECT ON api.measurements, api.cities, api.client_names TO web_anon;",
        csv.path().display()
    );
    let api = api.with_sql(&setup).await;
    let cases = [
        (
            "/measurements?value=gt.8",
            json!([{"day": "2026-04-01", "value": 9}]),
        ),
        (
            "/cities?population=gt.1000000&select=name",
            json!([{"name": "Lima"}]),
        ),
        (
            "/client_names?order=name",
            json!([{"name": "Apple"}, {"name": "Microsoft"}]),
        ),
    ];
    for (uri, expected) in cases {
        let response = api.get(uri).await;
        assert_eq!(response.status, StatusCode::OK, "{uri}: {}", response.body);
        assert_eq!(response.json(), expected, "{uri}");
    }
    // A partition is reached through its parent, not as a path of its own.
    assert_eq!(
        api.get("/measurements_2026").await.status,
        StatusCode::NOT_FOUND
    );
}
