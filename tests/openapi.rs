//! The OpenAPI document, Swagger UI and GraphiQL as served over HTTP: the document is valid
//! OpenAPI 3.1, the server's answers match it, and `openapi-mode` decides what it shows.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use common::{TestApi, bearer};
use serde_json::{Value, json};

/// The OpenAPI Initiative's schema of OpenAPI 3.1 documents (see tests/openapi/README.md).
const OAS_31: &str = include_str!("openapi/schema-3.1.json");

/// The document `headers` get from `GET /openapi.json`.
async fn document(api: &TestApi, headers: &[(&str, &str)]) -> Value {
    let response = api.request(Method::GET, "/openapi.json", headers, "").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

fn mgr_alice() -> String {
    bearer(json!({"role": "mgr_alice"}))
}

/// Each path with its operations' methods, sorted.
fn operations(document: &Value) -> BTreeMap<String, Vec<String>> {
    document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let mut methods: Vec<String> = item
                .as_object()
                .expect("path item")
                .keys()
                .cloned()
                .collect();
            methods.sort();
            (path.clone(), methods)
        })
        .collect()
}

fn owned(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(path, methods)| {
            let methods = methods.iter().map(|m| m.to_string()).collect();
            (path.to_string(), methods)
        })
        .collect()
}

/// Checks what a strict validator checks, and panics with every violation.
fn assert_valid_openapi_31(document: &Value) {
    let oas: Value = serde_json::from_str(OAS_31).expect("the OAS 3.1 schema is JSON");
    let mut errors: Vec<String> = validate(&oas, "", document, true)
        .err()
        .into_iter()
        .collect();
    schema_objects(document, "", &mut |pointer| {
        // Compiling checks a schema against the JSON Schema 2020-12 meta-schema.
        if let Err(e) = compile(document, pointer, false) {
            errors.push(format!("{pointer}: {e}"));
        }
    });
    references(document, "", &mut |pointer, reference| {
        let target = reference
            .strip_prefix('#')
            .and_then(|p| document.pointer(&percent_decode(p)));
        if target.is_none() {
            errors.push(format!("{pointer}: $ref {reference} does not resolve"));
        }
    });
    let mut operation_ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let id = operation["operationId"].as_str().unwrap_or_default();
            if !operation_ids.insert(id.to_owned()) {
                errors.push(format!("{method} {path}: operationId {id} is not unique"));
            }
            let mut parameters = BTreeSet::new();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let parameter = resolve(document, parameter);
                let key = (parameter["name"].to_string(), parameter["in"].to_string());
                if !parameters.insert(key.clone()) {
                    errors.push(format!("{method} {path}: parameter {key:?} twice"));
                }
            }
        }
    }
    assert!(
        errors.is_empty(),
        "invalid OpenAPI 3.1:\n{}",
        errors.join("\n")
    );
}

/// Where `document` is registered, so that its `$ref`s resolve within it.
const DOCUMENT: &str = "urn:pgway:document";

/// The schema at `pointer` in `document` (JSON Schema 2020-12), compiled.
fn compile(
    document: &Value,
    pointer: &str,
    formats: bool,
) -> Result<(boon::Schemas, boon::SchemaIndex), String> {
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V2020_12);
    if formats {
        compiler.enable_format_assertions();
    }
    compiler
        .add_resource(DOCUMENT, document.clone())
        .map_err(|e| format!("{e:#}"))?;
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&format!("{DOCUMENT}#{pointer}"), &mut schemas)
        .map_err(|e| format!("{e:#}"))?;
    Ok((schemas, index))
}

/// Validates `instance` against the schema at `pointer` in `document`.
fn validate(
    document: &Value,
    pointer: &str,
    instance: &Value,
    formats: bool,
) -> Result<(), String> {
    let (schemas, index) = compile(document, pointer, formats)?;
    schemas
        .validate(instance, index)
        .map_err(|e| format!("{e:#}"))
}

/// Calls `visit` with the JSON pointer of every Schema Object of the document (not descending
/// into them).
fn schema_objects(value: &Value, pointer: &str, visit: &mut impl FnMut(&str)) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(object) => object.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (key, child) in children {
        let child_pointer = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        if key == "schema" || pointer == "/components/schemas" {
            visit(&child_pointer);
        } else {
            schema_objects(child, &child_pointer, visit);
        }
    }
}

/// Calls `visit` with every `$ref` of the document.
fn references(value: &Value, pointer: &str, visit: &mut impl FnMut(&str, &str)) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => visit(pointer, reference),
                    _ => references(child, &format!("{pointer}/{key}"), visit),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                references(item, &format!("{pointer}/{i}"), visit);
            }
        }
        _ => {}
    }
}

/// The object a `$ref` names, or `value` itself.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => document.pointer(pointer).expect("$ref resolves"),
        None => value,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The JSON pointer of a path's key: `/people` is `~1people`.
fn path_key(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

#[tokio::test]
async fn root_serves_a_valid_openapi_31_document() {
    let api = TestApi::with_settings(&[("openapi-mode", "ignore-privileges")]).await;
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
    let document = document(&api, &[]).await;
    assert_valid_openapi_31(&document);
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "pgway example API");
    assert_eq!(
        document["info"]["description"],
        "People, clients with their projects and tasks, users and their posts, and managers' accounts."
    );
    assert_eq!(document["servers"], json!([{"url": "/"}]));
    let people = &document["components"]["schemas"]["people"];
    let columns: Vec<&String> = people["properties"].as_object().unwrap().keys().collect();
    assert_eq!(columns, ["id", "name", "age", "height", "student"]);
    assert_eq!(people["required"], json!(["name"]));
}

#[tokio::test]
async fn the_validator_catches_what_is_invalid() {
    let api = TestApi::with_settings(&[("openapi-mode", "ignore-privileges")]).await;
    let valid = document(&api, &[]).await;
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut document = valid.clone();
        change(&mut document);
        std::panic::catch_unwind(|| assert_valid_openapi_31(&document)).is_err()
    };
    let people = "/components/schemas/people";
    let row = json!({"id": 1, "name": "Alice", "age": null});
    assert_eq!(validate(&valid, people, &row, true), Ok(()));
    for row in [json!({"id": "1", "name": "Alice"}), json!({"id": 1})] {
        assert!(validate(&valid, people, &row, true).is_err(), "{row}");
    }
    assert!(broken(&|d| d["openapi"] = json!("3.0.3")));
    assert!(broken(
        &|d| d["paths"]["/people"]["get"]["responses"] = json!([])
    ));
    assert!(broken(
        &|d| d["components"]["schemas"]["people"]["type"] = json!("row")
    ));
    assert!(broken(&|d| {
        d["paths"]["/people"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/schemas/persons"})
    }));
    assert!(broken(&|d| {
        d["paths"]["/users"]["get"]["operationId"] = json!("get_people")
    }));
    assert!(broken(&|d| {
        let select = json!({"$ref": "#/components/parameters/select"});
        let parameters = d["paths"]["/people"]["get"]["parameters"]
            .as_array_mut()
            .unwrap();
        parameters.push(select);
    }));
}

/// Every GET the document lists, answered by the server, matches the documented response of
/// its status (its own, or `default` for errors).
#[tokio::test]
async fn answers_match_the_documented_responses() {
    let api = TestApi::new().await;
    let token = mgr_alice();
    let auth = [("authorization", token.as_str())];
    let document = document(&api, &auth).await;
    let requests = [
        ("/", "/"),
        ("/people", "/people?age=gte.18&order=id"),
        ("/people", "/people?select=name,age&limit=2"),
        ("/people", "/people?id=eq.not-a-number"),
        ("/adults", "/adults"),
        ("/clients", "/clients"),
        ("/projects", "/projects"),
        ("/tasks", "/tasks"),
        ("/users", "/users"),
        ("/post", "/post"),
        ("/accounts", "/accounts"),
        ("/rpc/people_over", "/rpc/people_over?min_age=18"),
        (
            "/rpc/people_initials",
            "/rpc/people_initials?p=(1,Ann,30,160,false)",
        ),
    ];
    let listed: BTreeSet<String> = operations(&document)
        .into_iter()
        .filter(|(_, methods)| methods.iter().any(|m| m == "get"))
        .map(|(path, _)| path)
        .collect();
    let requested: BTreeSet<String> = requests.iter().map(|(path, _)| path.to_string()).collect();
    assert_eq!(listed, requested, "every GET is requested");
    for (path, uri) in requests {
        let response = api.request(Method::GET, uri, &auth, "").await;
        let responses = &document["paths"][path]["get"]["responses"];
        let status = response.status.as_str();
        let code = if responses.get(status).is_some() {
            status
        } else {
            "default"
        };
        let documented = resolve(&document, &responses[code]);
        let media = if path == "/" {
            "application/openapi+json"
        } else {
            "application/json"
        };
        assert!(
            documented["content"][media]["schema"].is_object(),
            "{uri}: {status} has no documented {media} body"
        );
        let pointer = match responses[code]["$ref"].as_str() {
            Some(reference) => reference.trim_start_matches('#').to_owned(),
            None => format!("/paths/{}/get/responses/{code}", path_key(path)),
        };
        let schema = format!("{pointer}/content/{}/schema", path_key(media));
        let body = response.json();
        let errors = validate(&document, &schema, &body, true).err();
        assert!(errors.is_none(), "{uri} ({status}): {errors:?}\n{body}");
    }
}

#[tokio::test]
async fn follow_privileges_documents_what_the_role_may_use() {
    let api = TestApi::new().await;
    let anonymous = document(&api, &[]).await;
    assert_valid_openapi_31(&anonymous);
    let read = ["get"].as_slice();
    let write = ["delete", "get", "patch", "post", "put"].as_slice();
    let rpc = ["get", "post"].as_slice();
    assert_eq!(
        operations(&anonymous),
        owned(&[
            ("/", read),
            ("/adults", read),
            ("/clients", read),
            ("/people", read),
            ("/post", read),
            ("/projects", read),
            ("/rpc/people_initials", rpc),
            ("/rpc/people_over", rpc),
            ("/tasks", read),
            ("/users", read),
        ])
    );
    assert!(anonymous["components"]["schemas"].get("accounts").is_none());

    let token = mgr_alice();
    let manager = document(&api, &[("authorization", &token)]).await;
    assert_valid_openapi_31(&manager);
    assert_eq!(
        operations(&manager),
        owned(&[
            ("/", read),
            ("/accounts", &["delete", "get", "patch", "post"]),
            ("/adults", read),
            ("/clients", write),
            ("/people", write),
            ("/post", write),
            ("/projects", write),
            ("/rpc/add_person", &["post"]),
            ("/rpc/people_initials", rpc),
            ("/rpc/people_over", rpc),
            ("/tasks", write),
            ("/users", write),
        ])
    );

    let bad = "Bearer not.a.jwt";
    let response = api
        .request(Method::GET, "/openapi.json", &[("authorization", bad)], "")
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn follow_privileges_sees_column_grants_and_revokes_at_once() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE ROLE col_reader NOLOGIN;
             GRANT col_reader TO authenticator;
             GRANT USAGE ON SCHEMA api TO col_reader;
             GRANT SELECT (id, name) ON api.people TO col_reader;
             REVOKE EXECUTE ON FUNCTION api.people_over(int) FROM PUBLIC;
             REVOKE EXECUTE ON FUNCTION api.people_initials(api.people) FROM PUBLIC;",
        )
        .await;
    let token = bearer(json!({"role": "col_reader"}));
    let reader = document(&api, &[("authorization", &token)]).await;
    assert_valid_openapi_31(&reader);
    assert_eq!(
        operations(&reader),
        owned(&[("/", &["get"]), ("/people", &["get"])])
    );
    let people = &reader["components"]["schemas"]["people"];
    let columns: Vec<&String> = people["properties"].as_object().unwrap().keys().collect();
    assert_eq!(columns, ["id", "name"]);
    let filters: Vec<&str> = reader["paths"]["/people"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(filters, ["id", "name"]);

    // No schema reload: the next request asks Postgres again.
    let mut admin = api.admin().await;
    sqlx::raw_sql("REVOKE SELECT ON api.users FROM web_anon")
        .execute(&mut admin)
        .await
        .unwrap();
    let anonymous = document(&api, &[]).await;
    assert!(anonymous["paths"].get("/users").is_none());
    assert!(anonymous["paths"].get("/post").is_some());
    assert!(anonymous["components"]["schemas"].get("users").is_none());
}

#[tokio::test]
async fn ignore_privileges_documents_everything_for_anyone() {
    let api = TestApi::with_settings(&[("openapi-mode", "ignore-privileges")]).await;
    let anonymous = document(&api, &[]).await;
    let token = mgr_alice();
    let manager = document(&api, &[("authorization", &token)]).await;
    assert_eq!(anonymous, manager);
    assert_eq!(
        operations(&anonymous)["/accounts"],
        ["delete", "get", "patch", "post"]
    );
}

#[tokio::test]
async fn disabled_mode_answers_404_pgrst126() {
    let api = TestApi::with_settings(&[("openapi-mode", "disabled")]).await;
    for uri in ["/", "/openapi.json"] {
        let response = api.get(uri).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(
            response.json(),
            json!({"code": "PGRST126", "details": null, "hint": null,
                   "message": "Root endpoint metadata is disabled"})
        );
    }
    assert_eq!(
        api.get("/people?select=id&id=eq.1").await.body,
        r#"[{"id":1}]"#
    );
}

#[tokio::test]
async fn the_proxy_uri_is_the_server() {
    let api =
        TestApi::with_settings(&[("openapi-server-proxy-uri", "https://example.com/api/v1")]).await;
    let document = document(&api, &[]).await;
    assert_eq!(
        document["servers"],
        json!([{"url": "https://example.com/api/v1"}])
    );
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

/// Schemathesis' property-based requests against `pgway demo` (examples/schemathesis.sh): no
/// 5xx, and every answer as documented. About a minute, so only with `PGWAY_SCHEMATHESIS` set,
/// as `.ci/run` does.
#[test]
fn schemathesis_finds_no_failure() {
    if std::env::var_os("PGWAY_SCHEMATHESIS").is_none() {
        let message = "tests/openapi.rs: schemathesis_finds_no_failure skipped: set \
                       PGWAY_SCHEMATHESIS=1 (needs `pip install schemathesis`)\n";
        std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes()).unwrap();
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/schemathesis.sh");
    let output = std::process::Command::new(script)
        .env("PGWAY", env!("CARGO_BIN_EXE_pgway"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Every operation of the document was exercised.
    let count = |label: &str| {
        stdout
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(str::to_owned)
    };
    let tested = count("Tested: ").expect("a summary");
    assert_eq!(
        count("Selected: "),
        Some(format!("{tested}/{tested}")),
        "{stdout}"
    );
}
