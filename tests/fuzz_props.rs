//! Hostile requests at the whole REST router, in process, against the example database: random
//! methods, paths, query strings, `Prefer`, `Range`, `Accept`, `Content-Type` and
//! `Authorization` headers, and JSON, CSV or random bodies. Whatever comes in, pgway must not
//! panic, must not answer 5xx (but for the database's own errors listed in [`DB_SIDE`]), and must
//! answer every 4xx with PostgREST's error JSON. GraphQL gets random documents, from token soup
//! to well-shaped queries and mutations with hostile arguments, and must answer GraphQL's JSON,
//! never a 5xx.
//!
//! `PROPTEST_CASES` sets the number of requests per test (default 2 000, a few seconds):
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz_props -- --nocapture` runs longer.
//! Requests run in transactions that roll back (`db-tx-end = rollback-allow-override`), so the
//! database stays the same unless a request asks for `Prefer: tx=commit`.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::TestApi;
use http_body_util::BodyExt as _;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// 5xx answers that are the database's verdict on a request, not pgway failing: what PostgREST
/// answers 500 for too.
const DB_SIDE: &[&str] = &[
    // statement_timeout, or a cancelled statement
    "57014", // stack depth limit exceeded (a deeply nested filter)
    "54001", // program limit exceeded (e.g. too many arguments)
    "54000", "54023",
];

const DEFAULT_CASES: u32 = 2000;

#[derive(Debug, Clone)]
struct Hostile {
    method: Method,
    path: &'static str,
    query: String,
    headers: Vec<(&'static str, String)>,
    body: String,
}

const PATHS: &[&str] = &[
    "/people",
    "/clients",
    "/projects",
    "/tasks",
    "/adults",
    "/accounts",
    "/users",
    "/post",
    "/rpc/people_over",
    "/rpc/nope",
    "/nope",
    "/people/1",
    "/rpc",
];

/// Names the schema has, the grammar's pieces, and noise.
const WORDS: &[&str] = &[
    "id",
    "name",
    "age",
    "height",
    "student",
    "clients",
    "projects",
    "tasks",
    "client_id",
    "project_id",
    "people",
    "manager",
    "company",
    "min_age",
    "author_id",
    "users",
    "post",
    "*",
    "select=",
    "order=",
    "or=",
    "and=",
    "not.or=",
    "limit=",
    "offset=",
    "columns=",
    "on_conflict=",
    "=",
    "&",
    ".",
    ",",
    "(",
    ")",
    "!inner",
    "!left",
    "...",
    "::",
    "->",
    "->>",
    "eq.",
    "neq.",
    "gt.",
    "lte.",
    "in.(",
    "is.",
    "null",
    "true",
    "not.",
    "like.",
    "ilike.",
    "fts.",
    "cs.{",
    "cd.",
    "ov.",
    "sl.",
    "isdistinct.",
    "(any)",
    "(all)",
    "asc",
    "desc",
    "nullsfirst",
    "count()",
    "sum()",
    "avg()",
    "\"",
    "\\",
    "%",
    "%00",
    "%FF",
    "%22",
    "%2C",
    "-1",
    "0",
    "1",
    "99999999999999999999",
    "1e400",
    "NaN",
    "2024-13-45",
    "é",
    "😀",
    " ",
    "x",
];

const PREFER: &[&str] = &[
    "return=representation",
    "return=minimal",
    "return=headers-only",
    "count=exact",
    "count=planned",
    "count=estimated",
    "resolution=merge-duplicates",
    "resolution=ignore-duplicates",
    "missing=default",
    "handling=strict",
    "handling=lenient",
    "tx=commit",
    "tx=rollback",
    "max-affected=1",
    "max-affected=-5",
    "timezone=America/Los_Angeles",
    "timezone=Not/AZone",
    "params=single-object",
    "return=",
    "nonsense",
    "=",
    ",",
];

const ACCEPT: &[&str] = &[
    "application/json",
    "text/csv",
    "application/vnd.pgrst.object+json",
    "application/vnd.pgrst.object+json;nulls=stripped",
    "application/vnd.pgrst.array+json;nulls=stripped",
    "application/geo+json",
    "application/vnd.pgrst.plan+json",
    "application/vnd.pgrst.plan+text; for=\"application/json\"; options=analyze|verbose",
    "text/plain",
    "application/octet-stream",
    "*/*",
    "*/*;q=0",
    "image/png",
    "garbage",
    "application/json;q=abc",
    "",
];

const CONTENT_TYPE: &[&str] = &[
    "application/json",
    "text/csv",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/octet-stream",
    "application/vnd.pgrst.object+json",
    "multipart/form-data",
    "garbage",
    "",
];

fn word_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..max).prop_map(|words| words.concat())
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        word_string(16),
        // key=value pairs with percent-encoded random values
        prop::collection::vec(
            (prop::sample::select(WORDS), word_string(8), any::<bool>()),
            0..5
        )
        .prop_map(|pairs| {
            pairs
                .iter()
                .map(|(key, value, encode)| {
                    let value = if *encode {
                        value.bytes().map(|b| format!("%{b:02X}")).collect()
                    } else {
                        value.clone()
                    };
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join("&")
        }),
        prop::collection::vec(any::<u8>(), 0..32)
            .prop_map(|bytes| bytes.iter().map(|b| format!("%{b:02X}")).collect()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        word_string(4).prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(WORDS), inner), 0..5).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        json_value().prop_map(|value| value.to_string()),
        // rows of the right shape with random values
        prop::collection::vec(
            (json_value(), json_value()).prop_map(|(name, age)| json!({"name": name, "age": age})),
            0..4
        )
        .prop_map(|rows| Value::Array(rows).to_string()),
        // CSV
        prop::collection::vec(word_string(3), 0..12).prop_map(|cells| {
            cells
                .chunks(3)
                .map(|row| row.join(","))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        prop::collection::vec(any::<char>(), 0..32).prop_map(String::from_iter),
    ]
}

fn authorization() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(None),
        4 => Just(Some(common::bearer(json!({"role": "mgr_alice"})))),
        1 => Just(Some(common::bearer(json!({"role": "web_anon", "exp": 1})))),
        1 => Just(Some(common::bearer(json!({"role": "no_such_role"})))),
        1 => Just(Some(common::bearer(json!({"role": 42})))),
        1 => Just(Some("Bearer not.a.jwt".to_owned())),
        1 => Just(Some("Basic YTpi".to_owned())),
        1 => Just(Some("Bearer".to_owned())),
    ]
}

fn range() -> impl Strategy<Value = Option<String>> {
    let bound = prop_oneof![Just(String::new()), (0u64..20).prop_map(|n| n.to_string())];
    prop_oneof![
        Just(None),
        (bound.clone(), bound).prop_map(|(a, b)| Some(format!("{a}-{b}"))),
        word_string(3).prop_map(Some),
        Just(Some("items=0-1".to_owned())),
        Just(Some("-1".to_owned())),
    ]
}

fn hostile() -> impl Strategy<Value = Hostile> {
    let method = prop::sample::select(vec![
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PATCH,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ]);
    let prefer = prop::collection::vec(prop::sample::select(PREFER), 0..4);
    let accept = prop::option::weighted(0.3, prop::sample::select(ACCEPT));
    let content_type = prop::option::weighted(0.8, prop::sample::select(CONTENT_TYPE));
    let profile = prop::option::weighted(0.1, prop::sample::select(vec!["api", "nope", ""]));
    (
        (method, prop::sample::select(PATHS), query(), body()),
        (
            prefer,
            accept,
            content_type,
            profile,
            authorization(),
            range(),
        ),
    )
        .prop_map(
            |(
                (method, path, query, body),
                (prefer, accept, content_type, profile, authorization, range),
            )| {
                let mut headers = Vec::new();
                if !prefer.is_empty() {
                    headers.push(("Prefer", prefer.join(", ")));
                }
                let optional = [
                    ("Accept", accept.map(str::to_owned)),
                    ("Content-Type", content_type.map(str::to_owned)),
                    ("Accept-Profile", profile.map(str::to_owned)),
                    ("Content-Profile", profile.map(str::to_owned)),
                    ("Authorization", authorization),
                    ("Range", range),
                ];
                headers.extend(
                    optional
                        .into_iter()
                        .filter_map(|(name, value)| Some((name, value?))),
                );
                Hostile {
                    method,
                    path,
                    query,
                    headers,
                    body,
                }
            },
        )
}

/// Characters a client must percent-encode in a query string, as curl or a browser does.
fn encode_query(query: &str) -> String {
    let mut encoded = String::new();
    for byte in query.bytes() {
        if byte.is_ascii_graphic() && !b"\"#<>\\^`{|}".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Sends the request and checks the answer, returning its status for the summary; a request
/// HTTP itself could not carry (a header value with a control character) is skipped, as a server
/// never receives it.
async fn check(api: &TestApi, hostile: &Hostile) -> Result<String, TestCaseError> {
    let uri = if hostile.query.is_empty() {
        hostile.path.to_owned()
    } else {
        format!("{}?{}", hostile.path, encode_query(&hostile.query))
    };
    let mut builder = Request::builder().method(hostile.method.clone()).uri(uri);
    for (name, value) in &hostile.headers {
        builder = builder.header(*name, value);
    }
    let Ok(request) = builder.body(Body::from(hostile.body.clone())) else {
        return Ok("skipped".to_owned());
    };
    let response = api.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&bytes);
    if status.is_server_error() {
        let code = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|error| error["code"].as_str().map(str::to_owned));
        prop_assert!(
            code.as_deref().is_some_and(|code| DB_SIDE.contains(&code)),
            "{status}: {body}"
        );
    }
    if status.is_client_error() && hostile.method != Method::HEAD {
        let error: Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{status}, not JSON ({e}): {body}")))?;
        let keys: Vec<&str> = error
            .as_object()
            .map(|object| object.keys().map(String::as_str).collect())
            .unwrap_or_default();
        prop_assert_eq!(
            keys,
            ["code", "details", "hint", "message"],
            "{}: {}",
            status,
            body
        );
        prop_assert!(
            error["code"].is_string() && error["message"].is_string(),
            "{body}"
        );
    }
    Ok(status.as_str().to_owned())
}

/// GraphQL's pieces and the example's names.
const GRAPHQL: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    ":",
    ",",
    "[",
    "]",
    "allPeople",
    "allClients",
    "allProjects",
    "allTasks",
    "personById",
    "peopleOver",
    "nodes",
    "edges",
    "node",
    "cursor",
    "pageInfo",
    "hasNextPage",
    "endCursor",
    "totalCount",
    "id",
    "name",
    "age",
    "first",
    "last",
    "offset",
    "after",
    "before",
    "condition",
    "filter",
    "orderBy",
    "ID_ASC",
    "NAME_DESC",
    "equalTo",
    "in",
    "startsWith",
    "lessThan",
    "isNull",
    "and",
    "or",
    "not",
    "clientByClientId",
    "projectsByClientId",
    "tasksByProjectId",
    "1",
    "-1",
    "99999999999999999999",
    "1.5",
    "\"x\"",
    "\"\"",
    "true",
    "null",
    "$v",
    "query",
    "mutation",
    "subscription",
    "fragment",
    "...",
    "on",
    "Person",
    "__typename",
    "__schema",
    "@skip(if: true)",
    "#",
    " ",
    "\n",
    "é",
];

const ARGUMENTS: &[&str] = &[
    "first: 2",
    "first: -1",
    "first: 99999999999",
    "last: 1",
    "offset: 3",
    "offset: -3",
    "after: \"garbage\"",
    "before: \"WyJuYXR1cmFsIiwxXQ==\"",
    "condition: {name: \"Alice\"}",
    "condition: {age: null}",
    "condition: {nope: 1}",
    "filter: {age: {lessThan: 30}}",
    "filter: {name: {startsWith: \"%\"}}",
    "filter: {or: [{age: {isNull: true}}, {not: {id: {in: [1, 2]}}}]}",
    "filter: {and: []}",
    "orderBy: NAME_DESC",
    "orderBy: [AGE_DESC, ID_ASC]",
    "orderBy: NOPE",
    "id: 1",
    "id: \"x\"",
    "minAge: 20",
];

/// Fields of people, clients and projects, some of them wrong for the type at hand.
const FIELDS: &[&str] = &[
    "name",
    "age",
    "__typename",
    "clientByClientId { name }",
    "projectsByClientId(first: 1) { nodes { name tasksByProjectId { totalCount } } }",
    "projectsByClientId(filter: {name: {startsWith: \"W\"}}) { totalCount }",
    "nope",
];

/// Literals for mutation inputs, of every type and none.
const LITERALS: &[&str] = &[
    "1",
    "-1",
    "0",
    "99999999999",
    "1.5",
    "\"x\"",
    "\"\"",
    "null",
    "true",
    "[]",
    "{}",
    "\"WyJwZW9wbGUiLDdd\"",
    "\"garbage\"",
    "NAME_DESC",
];

/// Mutations with `{}` holes for literals.
const MUTATIONS: &[&str] = &[
    "createPerson(input: {person: {name: {}, age: {}}}) { person { id name } }",
    "updatePersonById(input: {id: {}, personPatch: {age: {}}}) { person { id age } }",
    "deletePerson(input: {nodeId: {}}) { person { id } }",
    "createProject(input: {project: {id: {}, name: {}, clientId: {}}}) { project { id } }",
];

fn graphql_mutation() -> impl Strategy<Value = String> {
    let literals = prop::collection::vec(prop::sample::select(LITERALS), 3);
    (prop::sample::select(MUTATIONS), literals).prop_map(|(template, literals)| {
        let mut mutation = template.to_owned();
        for literal in literals {
            mutation = mutation.replacen("{}", literal, 1);
        }
        format!("mutation {{ {mutation} }}")
    })
}

fn graphql_document() -> impl Strategy<Value = String> {
    let soup = prop::collection::vec(prop::sample::select(GRAPHQL), 0..40)
        .prop_map(|tokens| tokens.join(" "));
    let root = prop::sample::select(vec![
        "allPeople",
        "allClients",
        "allProjects",
        "personById",
        "allAdults",
        "nope",
    ]);
    let arguments = prop::collection::vec(prop::sample::select(ARGUMENTS), 0..3);
    let fields = prop::collection::vec(prop::sample::select(FIELDS), 0..4);
    let shaped = (root, arguments, fields, -2i64..10).prop_map(|(root, arguments, fields, id)| {
        let arguments = if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        };
        let fields = fields.join(" ");
        if root == "personById" {
            format!("{{ {root}(id: {id}) {{ id {fields} }} }}")
        } else {
            format!("{{ {root}{arguments} {{ totalCount nodes {{ id {fields} }} }} }}")
        }
    });
    prop_oneof![1 => soup, 2 => shaped, 1 => graphql_mutation()]
}

fn graphql_request() -> impl Strategy<Value = (String, Option<String>)> {
    let variables = prop_oneof![
        4 => Just(json!({})),
        1 => json_value(),
    ];
    let body = (graphql_document(), variables)
        .prop_map(|(query, variables)| json!({"query": query, "variables": variables}).to_string());
    (prop_oneof![9 => body, 1 => self::body()], authorization())
}

/// Sends a GraphQL request and checks the answer is GraphQL's JSON, never a 5xx; returns its
/// status and whether it had data or only errors.
async fn check_graphql(
    api: &TestApi,
    (body, authorization): &(String, Option<String>),
) -> Result<String, TestCaseError> {
    let mut builder = Request::post("/graphql").header("Content-Type", "application/json");
    if let Some(authorization) = authorization {
        builder = builder.header("Authorization", authorization);
    }
    let request = builder.body(Body::from(body.clone())).unwrap();
    let response = api.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    prop_assert!(!status.is_server_error(), "{}: {}", status, text);
    let answer: Value = serde_json::from_slice(&bytes)
        .map_err(|e| TestCaseError::fail(format!("{status}, not JSON ({e}): {text}")))?;
    prop_assert!(
        answer.get("data").is_some() || answer.get("errors").is_some(),
        "{text}"
    );
    if let Some(errors) = answer.get("errors") {
        let messages = errors.as_array().map(|errors| {
            errors
                .iter()
                .all(|error| error["message"].as_str().is_some_and(|m| !m.is_empty()))
        });
        prop_assert_eq!(messages, Some(true), "{}", text);
    }
    let data = answer.get("data").is_some_and(|data| !data.is_null());
    Ok(format!(
        "{} {}",
        status.as_str(),
        if data { "data" } else { "errors" }
    ))
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs `check` on `cases()` values of `strategy` against one test database, in a runtime of
/// its own (proptest's runner is synchronous).
fn run<S: Strategy>(
    what: &str,
    strategy: S,
    check: impl AsyncFn(&TestApi, &S::Value) -> Result<String, TestCaseError>,
) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = runtime.block_on(TestApi::with_settings(&[
        ("db-tx-end", "rollback-allow-override"),
        ("db-plan-enabled", "true"),
        ("db-aggregates-enabled", "true"),
    ]));
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<String, u32>::new());
    let result = TestRunner::new(config).run(&strategy, |value| {
        let outcome = runtime.block_on(check(&api, &value))?;
        *seen.lock().unwrap().entry(outcome).or_default() += 1;
        Ok(())
    });
    eprintln!(
        "{what} in {:.1} s, by outcome: {:?}",
        started.elapsed().as_secs_f64(),
        seen.lock().unwrap()
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn hostile_rest_requests_get_answers_not_panics() {
    run("REST requests", hostile(), check);
}

#[test]
fn hostile_graphql_documents_get_graphql_answers() {
    run("GraphQL requests", graphql_request(), check_graphql);
}
