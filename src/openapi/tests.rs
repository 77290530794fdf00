//! The document of the example database, and the Swagger UI routes.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use sqlx::{Connection as _, PgConnection};
use tower::ServiceExt as _;

use super::{Options, Privileges, Scope, document, swagger_ui};
use crate::embedded::{self, Cluster};

/// Types, defaults, functions and names the example database does not have.
const EXTRA: &str = r#"
CREATE SCHEMA extra;
CREATE TYPE extra.mood AS ENUM ('sad', 'happy');
CREATE DOMAIN extra.positive AS int CHECK (VALUE > 0);
CREATE TABLE extra.things (
    id    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    label varchar(20) NOT NULL DEFAULT 'it''s',
    tags  text[],
    mood  extra.mood,
    data  jsonb DEFAULT '{"a": 1}',
    at    timestamptz NOT NULL DEFAULT now(),
    price numeric(10,2) DEFAULT 1.5,
    size  extra.positive
);
CREATE TABLE extra."odd/name ~" (x int);
CREATE FUNCTION extra.echo(json) RETURNS json LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION extra.nothing() RETURNS void LANGUAGE sql AS '';
CREATE FUNCTION extra.add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
"#;

async fn example_document(jwt_security: bool) -> Value {
    load_document("api", jwt_security).await
}

async fn load_document(schema: &str, jwt_security: bool) -> Value {
    let cache = load_cache(schema).await;
    to_value(&cache, schema, jwt_security, Scope::Everything)
}

/// The cache of the example database (with [`EXTRA`]) exposing `schema`.
async fn load_cache(schema: &str) -> crate::schema::Cache {
    let cluster = tokio::task::spawn_blocking(Cluster::start)
        .await
        .expect("join")
        .expect("start a cluster");
    embedded::load_example(&cluster, "openapi")
        .await
        .expect("load the example");
    let mut conn = PgConnection::connect(&cluster.url("postgres", "openapi"))
        .await
        .expect("connect");
    sqlx::raw_sql(EXTRA)
        .execute(&mut conn)
        .await
        .expect("create the extra schema");
    crate::schema::load(&mut conn, &[schema.to_owned()])
        .await
        .expect("load the cache")
}

fn to_value(cache: &crate::schema::Cache, schema: &str, jwt_security: bool, scope: Scope) -> Value {
    let schema = cache.schema(schema).expect("exposed");
    let options = Options {
        default_title: "pgway API".to_owned(),
        server_url: "http://127.0.0.1:3000".to_owned(),
        jwt_security,
    };
    let document = document(cache, schema, &options, scope);
    serde_json::to_value(document).expect("serializable")
}

fn methods(doc: &Value, path: &str) -> Vec<String> {
    let item = doc["paths"][path]
        .as_object()
        .unwrap_or_else(|| panic!("no path {path}"));
    let mut methods: Vec<String> = item.keys().cloned().collect();
    methods.sort();
    methods
}

#[tokio::test]
async fn documents_the_example_database() {
    let doc = example_document(true).await;

    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "pgway example API");
    assert_eq!(doc["servers"], json!([{"url": "http://127.0.0.1:3000"}]));
    assert_eq!(doc["security"], json!([{}, {"jwt": []}]));
    assert_eq!(
        doc["components"]["securitySchemes"]["jwt"]["scheme"],
        "bearer"
    );

    assert_eq!(
        methods(&doc, "/people"),
        ["delete", "get", "patch", "post", "put"]
    );
    assert_eq!(methods(&doc, "/rpc/people_over"), ["get", "post"]);
    assert!(methods(&doc, "/adults").contains(&"get".to_owned()));
    assert_eq!(doc["paths"]["/people"]["get"]["operationId"], "get_people");
    assert_eq!(doc["paths"]["/people"]["get"]["summary"], "People we know");

    let people = &doc["components"]["schemas"]["people"];
    assert_eq!(people["required"], json!(["name"]));
    let id = &people["properties"]["id"];
    assert!(
        id["description"]
            .as_str()
            .is_some_and(|d| d.contains("Primary Key")),
        "{id}"
    );
    assert_eq!(
        people["properties"]["age"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(people["properties"]["age"]["description"], "Age in years");
    let client_id =
        doc["components"]["schemas"]["projects"]["properties"]["client_id"]["description"].as_str();
    assert!(
        client_id.is_some_and(|d| d.contains("Foreign Key to `clients.id`")),
        "{client_id:?}"
    );
    assert_eq!(
        doc["components"]["schemas"]["tasks"]["properties"]["done"]["default"],
        false
    );
}

#[tokio::test]
async fn a_role_sees_what_its_privileges_allow() {
    let cache = load_cache("api").await;
    let privileges = |relations: Value| -> Privileges {
        serde_json::from_value(json!({"relations": relations, "functions": ["people_over"]}))
            .expect("privileges")
    };
    let none =
        json!({"select": false, "insert": false, "update": false, "delete": false, "hidden": []});
    let adults = json!({"select": true, "insert": false, "update": false, "delete": false, "hidden": ["age"]});
    let people =
        json!({"select": false, "insert": true, "update": true, "delete": false, "hidden": ["id"]});

    let grants = privileges(json!({"adults": adults, "people": people, "users": none}));
    let doc = to_value(&cache, "api", false, Scope::Granted(&grants));
    let paths: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    assert_eq!(paths, ["/", "/adults", "/people", "/rpc/people_over"]);
    assert_eq!(methods(&doc, "/adults"), ["get"]);
    // No PUT: the primary key column is hidden.
    assert_eq!(methods(&doc, "/people"), ["patch", "post"]);
    let schemas: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert_eq!(schemas, ["Error", "adults", "people"]);
    let columns = |name: &str| -> Vec<String> {
        let properties = doc["components"]["schemas"][name]["properties"].as_object();
        properties.expect("properties").keys().cloned().collect()
    };
    assert_eq!(columns("adults"), ["id", "name"]);
    assert_eq!(columns("people"), ["name", "age", "height", "student"]);
    let result = &doc["paths"]["/rpc/people_over"]["post"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        result,
        &json!({"type": "array", "items": {"$ref": "#/components/schemas/people"}})
    );

    // Rows of a relation the role cannot see are objects, not a dangling `$ref`.
    let grants = privileges(json!({"adults": adults}));
    let doc = to_value(&cache, "api", false, Scope::Granted(&grants));
    let result = &doc["paths"]["/rpc/people_over"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        result,
        &json!({"type": "array", "items": {"type": "object"}})
    );
    let parameters = doc["paths"]["/rpc/people_over"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    assert_eq!(
        parameters.len(),
        1,
        "no select/order/limit/offset: {parameters:?}"
    );
}

#[tokio::test]
async fn rpc_takes_named_arguments_and_returns_rows() {
    let doc = example_document(false).await;
    let post = &doc["paths"]["/rpc/people_over"]["post"];
    let body = &post["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"], json!(["min_age"]));
    assert_eq!(
        body["properties"]["min_age"]["type"],
        json!(["integer", "null"])
    );
    let result = &post["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(
        result,
        &json!({"type": "array", "items": {"$ref": "#/components/schemas/people"}})
    );
    let parameters = doc["paths"]["/rpc/people_over"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let min_age = parameters
        .iter()
        .find(|p| p["name"] == "min_age")
        .expect("min_age parameter");
    assert_eq!(
        (&min_age["in"], &min_age["required"]),
        (&json!("query"), &json!(true))
    );
    assert!(doc.get("security").is_none());
}

#[tokio::test]
async fn maps_types_defaults_and_names() {
    let doc = load_document("extra", false).await;
    assert_eq!(doc["info"]["title"], "pgway API");
    let things = &doc["components"]["schemas"]["things"]["properties"];
    assert_eq!(things["id"]["format"], "uuid");
    assert_eq!(
        things["label"],
        json!({"type": "string", "format": "character varying", "default": "it's", "maxLength": 20})
    );
    assert_eq!(
        things["tags"],
        json!({"type": ["array", "null"], "items": {"type": "string", "format": "text"}})
    );
    assert_eq!(things["mood"]["enum"], json!(["sad", "happy", null]));
    assert_eq!(things["data"], json!({"default": {"a": 1}}));
    assert_eq!(things["at"]["format"], "date-time");
    assert_eq!(things["at"]["description"], "Default: `now()`");
    assert_eq!(things["price"]["default"], 1.5);
    assert_eq!(things["size"]["type"], json!(["integer", "null"]));
    // Every NOT NULL column has a default.
    assert!(
        doc["components"]["schemas"]["things"]
            .get("required")
            .is_none()
    );

    let odd = &doc["paths"]["/odd%2Fname%20~"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        odd["items"]["$ref"],
        "#/components/schemas/-odd-2Fname-20-7E"
    );
    assert_eq!(
        doc["components"]["schemas"]["-odd-2Fname-20-7E"]["title"],
        "odd/name ~"
    );

    assert_eq!(methods(&doc, "/rpc/echo"), ["post"]);
    let echo =
        &doc["paths"]["/rpc/echo"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(echo, &json!({}));
    assert!(doc["paths"]["/rpc/nothing"]["post"]["responses"]["204"].is_object());
    let add = &doc["paths"]["/rpc/add"]["get"]["parameters"];
    assert_eq!(
        add[1],
        json!({"name": "b", "in": "query", "description": "`integer`", "required": false, "schema": {"type": "integer", "format": "int32"}})
    );
}

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, Option<String>, String) {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn swagger_ui_reads_our_spec() {
    let router: axum::Router = swagger_ui("/docs", "/openapi.json");
    let (status, location, _) = get(&router, "/docs").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/docs/"))
    );
    let (status, _, page) = get(&router, "/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("swagger-ui"));
    let (status, _, script) = get(&router, "/docs/swagger-initializer.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(script.contains("\"../openapi.json\""), "{script}");
}
