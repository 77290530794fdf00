//! `/rpc/{function}`: PostgREST's functions as RPC, against the example database and the
//! functions below.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApi, TestResponse, bearer};
use serde_json::{Value, json};

const FUNCTIONS: &str = r#"
CREATE FUNCTION api.add_them(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE FUNCTION api.greet(name text DEFAULT 'world', punct text DEFAULT '!') RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT 'Hello, ' || name || punct $$;
CREATE FUNCTION api.sum_all(VARIADIC v int[]) RETURNS int
    LANGUAGE sql IMMUTABLE AS 'SELECT sum(x)::int FROM unnest(v) x';
CREATE FUNCTION api.array_len(a int[]) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT cardinality(a)';
CREATE FUNCTION api.echo(json) RETURNS json LANGUAGE sql IMMUTABLE AS 'SELECT $1';
CREATE FUNCTION api.shout(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper($1)';
CREATE FUNCTION api.root_name(xml) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT (xpath('name(/*)', $1))[1]::text $$;
CREATE FUNCTION api.byte_count(bytea) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT length($1)';
CREATE FUNCTION api.twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
CREATE FUNCTION api.twice(x text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT x || x';
CREATE FUNCTION api.twice(s text, n int) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT repeat(s, n)';
CREATE FUNCTION api.person(pid int) RETURNS api.people
    LANGUAGE sql STABLE AS 'SELECT * FROM api.people WHERE id = pid';
CREATE FUNCTION api.names() RETURNS SETOF text
    LANGUAGE sql STABLE AS 'SELECT name FROM api.people ORDER BY id';
CREATE FUNCTION api.stats(OUT total bigint, OUT oldest int)
    LANGUAGE sql STABLE AS 'SELECT count(*), max(age) FROM api.people';
CREATE FUNCTION api.head_count(OUT total bigint)
    LANGUAGE sql STABLE AS 'SELECT count(*) FROM api.people';
CREATE FUNCTION api.inc(INOUT n int) LANGUAGE sql IMMUTABLE AS 'SELECT n + 1';
CREATE FUNCTION api.project_names(min_id int DEFAULT 0) RETURNS TABLE (id int, name text)
    LANGUAGE sql STABLE AS 'SELECT id, name FROM api.projects WHERE id >= min_id ORDER BY id';
CREATE TYPE api.pair AS (a int, b text);
CREATE FUNCTION api.pair() RETURNS api.pair LANGUAGE sql IMMUTABLE AS $$ SELECT 1, 'x' $$;
CREATE FUNCTION api.all_projects() RETURNS SETOF api.projects
    LANGUAGE sql STABLE AS 'SELECT * FROM api.projects';
CREATE FUNCTION api.initial(api.people) RETURNS text LANGUAGE sql STABLE AS 'SELECT left($1.name, 1)';
CREATE FUNCTION api.numbers() RETURNS SETOF int LANGUAGE plpgsql STABLE ROWS 42 AS $$
BEGIN
    RETURN QUERY SELECT generate_series(1, 3);
END $$;
CREATE FUNCTION api.noop() RETURNS void LANGUAGE sql VOLATILE AS '';
CREATE FUNCTION api.new_client(id int, name text) RETURNS api.clients
    LANGUAGE sql VOLATILE AS 'INSERT INTO api.clients VALUES (id, name) RETURNING *';
CREATE TABLE api.calls (id serial PRIMARY KEY);
GRANT SELECT, INSERT ON api.calls TO web_anon;
GRANT USAGE ON SEQUENCE api.calls_id_seq TO web_anon;
CREATE FUNCTION api.record_call() RETURNS SETOF api.calls
    LANGUAGE sql VOLATILE AS 'INSERT INTO api.calls DEFAULT VALUES RETURNING *';
CREATE FUNCTION api.dice() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 4';
CREATE FUNCTION api.my_accounts() RETURNS SETOF api.accounts
    LANGUAGE sql STABLE AS 'SELECT * FROM api.accounts ORDER BY company';
CREATE FUNCTION api.teapot() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('response.status', '418', true);
    PERFORM set_config('response.headers',
        '[{"X-Tea": "green"}, {"Cache-Control": "no-cache"}, {"Set-Cookie": "a=1"}, {"Set-Cookie": "b=2"}]', true);
    RETURN 'short and stout';
END $$;
CREATE FUNCTION api.set_setting(name text, value text) RETURNS void
    LANGUAGE sql VOLATILE AS 'SELECT set_config(name, value, true)';
CREATE FUNCTION api.created_later() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('response.status', '202', true);
    PERFORM set_config('response.headers', '[{"Location": "/later"}]', true);
    RETURN NEW;
END $$;
CREATE TRIGGER created_later BEFORE INSERT OR UPDATE ON api.users
    FOR EACH ROW EXECUTE FUNCTION api.created_later();
GRANT INSERT, UPDATE ON api.users TO web_anon;
"#;

async fn api() -> TestApi {
    TestApi::new().await.with_sql(FUNCTIONS).await
}

async fn post(api: &TestApi, uri: &str, body: &str) -> TestResponse {
    api.request(Method::POST, uri, &[], body).await
}

fn error(response: &TestResponse) -> Value {
    let body = response.json();
    json!([body["code"], body["message"], body["details"], body["hint"]])
}

#[tokio::test]
async fn the_example_function() {
    let api = TestApi::new().await;
    assert_eq!(
        api.ok("/rpc/people_over?min_age=20&select=name&order=name.desc")
            .await,
        json!([{"name": "Dan"}, {"name": "Carol"}, {"name": "Alice"}])
    );
    let response = post(&api, "/rpc/people_over", r#"{"min_age": 40}"#).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-range"), Some("0-0/*"));
    assert_eq!(
        response.json(),
        json!([{"id": 4, "name": "Dan", "age": 45, "height": 181, "student": false}])
    );
}

#[tokio::test]
async fn named_arguments_by_post_and_get() {
    let api = api().await;
    let response = post(&api, "/rpc/add_them", r#"{"a": 1, "b": 2}"#).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(response.header("content-range"), Some("0-0/*"));
    assert_eq!(response.body, "3");
    // JSON strings are parsed by the parameter's type, as by json_to_record.
    assert_eq!(
        post(&api, "/rpc/add_them", r#"{"a": "40", "b": 2}"#)
            .await
            .body,
        "42"
    );
    // Of an array, the first object is the arguments.
    assert_eq!(
        post(
            &api,
            "/rpc/add_them",
            r#"[{"a": 5, "b": 5}, {"a": 1, "b": 1}]"#
        )
        .await
        .body,
        "10"
    );

    let response = api.get("/rpc/add_them?a=1&b=41").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body, "42");
    // The last of repeated values counts; HEAD answers the headers only.
    assert_eq!(api.get("/rpc/add_them?a=1&b=2&b=3").await.body, "4");
    let head = api
        .request(Method::HEAD, "/rpc/add_them?a=1&b=2", &[], "")
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-range"), Some("0-0/*"));
    assert_eq!(head.body, "");

    // A form body works as a query string does.
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let response = api
        .request(Method::POST, "/rpc/add_them", &form, "a=5&b=6")
        .await;
    assert_eq!(response.body, "11");

    // A value the parameter's type does not parse is Postgres' 22P02.
    let response = api.get("/rpc/add_them?a=x&b=1").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&response),
        json!([
            "22P02",
            "invalid input syntax for type integer: \"x\"",
            null,
            null
        ])
    );
    let response = post(&api, "/rpc/add_them", r#"{"a": "x", "b": 1}"#).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "22P02");
    let response = post(&api, "/rpc/add_them", "{").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&response),
        json!(["PGRST102", "Empty or invalid json", null, null])
    );
}

#[tokio::test]
async fn defaults_and_variadic_arguments() {
    let api = api().await;
    assert_eq!(api.get("/rpc/greet").await.body, r#""Hello, world!""#);
    assert_eq!(
        api.get("/rpc/greet?name=Ann").await.body,
        r#""Hello, Ann!""#
    );
    assert_eq!(
        post(&api, "/rpc/greet", r#"{"punct": "?"}"#).await.body,
        r#""Hello, world?""#
    );
    // An empty body is `{}`.
    assert_eq!(
        post(&api, "/rpc/greet", "").await.body,
        r#""Hello, world!""#
    );

    // Repeated query parameters fill a VARIADIC parameter; a JSON array does too.
    assert_eq!(api.get("/rpc/sum_all?v=1&v=2&v=3").await.body, "6");
    assert_eq!(api.get("/rpc/sum_all?v=5").await.body, "5");
    assert_eq!(
        post(&api, "/rpc/sum_all", r#"{"v": [1, 2, 3, 4]}"#)
            .await
            .body,
        "10"
    );
    // An array parameter takes a Postgres literal in the query string, a JSON array in a body.
    assert_eq!(api.get("/rpc/array_len?a={1,2,3}").await.body, "3");
    assert_eq!(
        post(&api, "/rpc/array_len", r#"{"a": [1, 2]}"#).await.body,
        "2"
    );
}

#[tokio::test]
async fn a_single_parameter_takes_the_whole_body() {
    let api = api().await;
    let response = post(&api, "/rpc/echo", r#"{"any": ["json", 1]}"#).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json(), json!({"any": ["json", 1]}));
    assert_eq!(
        post(&api, "/rpc/echo", "[1, 2]").await.json(),
        json!([1, 2])
    );

    let raw = |content_type: &'static str, body: &'static str, uri: &'static str| {
        let api = &api;
        async move {
            api.request(Method::POST, uri, &[("content-type", content_type)], body)
                .await
        }
    };
    let response = raw("text/plain", "psst", "/rpc/shout").await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (StatusCode::OK, r#""PSST""#)
    );
    let response = raw("text/xml", "<doc><a/></doc>", "/rpc/root_name").await;
    assert_eq!(response.body, r#""doc""#);
    let response = raw(
        "application/octet-stream",
        "\u{1}\u{2}\u{3}",
        "/rpc/byte_count",
    )
    .await;
    assert_eq!(response.body, "3");

    // Only a function of one parameter of the body's type takes a raw body.
    let response = raw("text/plain", "psst", "/rpc/byte_count").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(
        error(&response),
        json!([
            "PGRST202",
            "Could not find the function api.byte_count in the schema cache",
            "Searched for the function api.byte_count with a single unnamed text parameter, but no matches were found in the schema cache.",
            null
        ])
    );
    let response = raw("application/pdf", "x", "/rpc/echo").await;
    assert_eq!(
        error(&response),
        json!([
            "PGRST102",
            "Content-Type not acceptable: application/pdf",
            null,
            null
        ])
    );
}

#[tokio::test]
async fn overloads_are_chosen_by_argument_names() {
    let api = api().await;
    assert_eq!(api.get("/rpc/twice?s=ab&n=3").await.body, r#""ababab""#);
    let response = api.get("/rpc/twice?x=2").await;
    assert_eq!(response.status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(
        error(&response),
        json!([
            "PGRST203",
            "Could not choose the best candidate function between: api.twice(x => integer), api.twice(x => text)",
            null,
            "Try renaming the parameters or the function itself in the database so function overloading can be resolved"
        ])
    );

    // No overload fits: the closest parameter list is the hint.
    let response = api.get("/rpc/twice?s=ab&m=2").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(
        error(&response),
        json!([
            "PGRST202",
            "Could not find the function api.twice(m, s) in the schema cache",
            "Searched for the function api.twice with parameters m, s, but no matches were found in the schema cache.",
            "Perhaps you meant to call the function api.twice(n, s)"
        ])
    );
    let response = api.get("/rpc/twice?s=ab").await;
    assert_eq!(
        response.json()["details"],
        "Searched for the function api.twice with parameter s, but no matches were found in the schema cache."
    );
    // Unknown keys fit no function; a JSON POST could also have gone to a json parameter.
    let response = post(&api, "/rpc/add_them", r#"{"a": 1, "b": 2, "c": 3}"#).await;
    assert_eq!(
        error(&response),
        json!([
            "PGRST202",
            "Could not find the function api.add_them(a, b, c) in the schema cache",
            "Searched for the function api.add_them with parameters a, b, c or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
            "Perhaps you meant to call the function api.add_them(a, b)"
        ])
    );
    // A missing function: a close name is the hint.
    let response = post(&api, "/rpc/add_them_up", "{}").await;
    assert_eq!(
        error(&response),
        json!([
            "PGRST202",
            "Could not find the function api.add_them_up without parameters in the schema cache",
            "Searched for the function api.add_them_up without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
            "Perhaps you meant to call the function api.add_them"
        ])
    );
    let response = api.get("/rpc/nothing_like_it?q=1").await;
    assert_eq!(response.json()["hint"], Value::Null);
}

#[tokio::test]
async fn scalar_composite_and_set_results() {
    let api = api().await;
    let person = json!({"id": 2, "name": "Bob", "age": 17, "height": 172, "student": true});
    // A row type: the object; a filter that removes it leaves null.
    assert_eq!(api.ok("/rpc/person?pid=2").await, person);
    assert_eq!(api.get("/rpc/person?pid=2&age=gt.20").await.body, "null");
    assert_eq!(
        api.ok("/rpc/person?pid=2&select=name").await,
        json!({"name": "Bob"})
    );
    assert_eq!(api.ok("/rpc/pair").await, json!({"a": 1, "b": "x"}));
    // SETOF a scalar: an array of values.
    let response = api.get("/rpc/names").await;
    assert_eq!(response.header("content-range"), Some("0-6/*"));
    assert_eq!(
        response.json(),
        json!(["Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace"])
    );
    assert_eq!(
        api.ok("/rpc/names?limit=2&offset=1").await,
        json!(["Bob", "Carol"])
    );
    // OUT parameters: an object, even for a single one; INOUT too.
    assert_eq!(
        api.ok("/rpc/stats").await,
        json!({"total": 7, "oldest": 45})
    );
    assert_eq!(api.ok("/rpc/head_count").await, json!({"total": 7}));
    assert_eq!(api.ok("/rpc/inc?n=1").await, json!({"n": 2}));
    // RETURNS TABLE: an array of objects.
    assert_eq!(
        api.ok("/rpc/project_names?min_id=4").await,
        json!([{"id": 4, "name": "OSX"}, {"id": 5, "name": "Orphan"}])
    );

    // void: 204 without a body or Content-Type.
    let response = post(&api, "/rpc/noop", "").await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(response.header("content-type"), None);
    assert_eq!(response.body, "");
}

#[tokio::test]
async fn table_results_read_like_relations() {
    let api = api().await;
    let response = api
        .request(
            Method::GET,
            "/rpc/all_projects?select=name,client:clients(name)&client_id=not.is.null&order=name.desc&limit=2&offset=1",
            &[("prefer", "count=exact")],
            "",
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::PARTIAL_CONTENT,
        "{}",
        response.body
    );
    assert_eq!(response.header("content-range"), Some("1-2/4"));
    assert_eq!(response.header("preference-applied"), Some("count=exact"));
    assert_eq!(
        response.json(),
        json!([
            {"name": "Windows 10", "client": {"name": "Microsoft"}},
            {"name": "OSX", "client": {"name": "Apple"}}
        ])
    );
    // Arguments and filters together; a POST takes its filters from the query string.
    assert_eq!(
        api.ok("/rpc/project_names?min_id=2&name=like.*OS*&select=name")
            .await,
        json!([{"name": "IOS"}, {"name": "OSX"}])
    );
    let response = post(
        &api,
        "/rpc/project_names?id=lt.3&order=id.desc",
        r#"{"min_id": 1}"#,
    )
    .await;
    assert_eq!(
        response.json(),
        json!([{"id": 2, "name": "Windows 10"}, {"id": 1, "name": "Windows 7"}])
    );
    // A Range header counts for GET.
    let response = api
        .request(Method::GET, "/rpc/names", &[("range", "5-")], "")
        .await;
    assert_eq!(response.json(), json!(["Frank", "Grace"]));
    assert_eq!(response.header("content-range"), Some("5-6/*"));
    // Computed columns, and filters on a scalar set (its column is `pgrst_scalar`).
    assert_eq!(
        api.ok("/rpc/person?pid=3&select=name,initial").await,
        json!({"name": "Carol", "initial": "C"})
    );
    assert_eq!(
        api.ok("/rpc/names?pgrst_scalar=like.*a*&order=pgrst_scalar.desc")
            .await,
        json!(["Grace", "Frank", "Dan", "Carol"])
    );
    // The planner's count is the function's ROWS.
    let response = api
        .request(
            Method::GET,
            "/rpc/numbers",
            &[("prefer", "count=planned")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.header("content-range"), Some("0-2/42"));
    assert_eq!(response.json(), json!([1, 2, 3]));
    // CSV, and an unknown column.
    let response = api
        .request(
            Method::GET,
            "/rpc/project_names?min_id=4",
            &[("accept", "text/csv")],
            "",
        )
        .await;
    assert_eq!(response.body, "id,name\n4,OSX\n5,Orphan");
    let response = api.get("/rpc/project_names?select=nope").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&response),
        json!([
            "42703",
            "column project_names.nope does not exist",
            null,
            null
        ])
    );
}

#[tokio::test]
async fn one_object_is_asked_for() {
    let api = api().await;
    let object = [("accept", "application/vnd.pgrst.object+json")];
    let response = api
        .request(Method::GET, "/rpc/all_projects?id=eq.3", &object, "")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/vnd.pgrst.object+json; charset=utf-8")
    );
    assert_eq!(
        response.json(),
        json!({"id": 3, "name": "IOS", "client_id": 2})
    );
    let response = api
        .request(Method::GET, "/rpc/all_projects?id=gt.3", &object, "")
        .await;
    assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(
        error(&response),
        json!([
            "PGRST116",
            "Cannot coerce the result to a single JSON object",
            "The result contains 2 rows",
            null
        ])
    );
    // A scalar is one value.
    let response = api
        .request(Method::GET, "/rpc/add_them?a=1&b=1", &object, "")
        .await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (StatusCode::OK, "2")
    );
}

#[tokio::test]
async fn volatility_decides_the_transaction() {
    let api = api().await;
    let manager = bearer(json!({"role": "mgr_alice"}));
    let auth = [("authorization", manager.as_str())];
    // A VOLATILE function writes through POST.
    let response = api
        .request(
            Method::POST,
            "/rpc/new_client",
            &auth,
            r#"{"id": 3, "name": "Initech"}"#,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json(), json!({"id": 3, "name": "Initech"}));
    // GET runs read-only: a function that writes gets Postgres' 25006, 405.
    let response = api
        .request(Method::GET, "/rpc/new_client?id=4&name=Hooli", &auth, "")
        .await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        error(&response),
        json!([
            "25006",
            "cannot execute INSERT in a read-only transaction",
            null,
            null
        ])
    );
    // Counted, a VOLATILE call still runs once.
    let response = api
        .request(
            Method::POST,
            "/rpc/record_call",
            &[("prefer", "count=exact")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header("content-range"), Some("0-0/1"));
    assert_eq!(response.json(), json!([{"id": 1}]));
    let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM api.calls")
        .fetch_one(&mut api.admin().await)
        .await
        .unwrap();
    assert_eq!(calls, 1);
    // A VOLATILE function that does not write can be read (PostgREST's access modes).
    assert_eq!(api.get("/rpc/dice").await.body, "4");
    let clients: i64 = sqlx::query_scalar("SELECT count(*) FROM api.clients")
        .fetch_one(&mut api.admin().await)
        .await
        .unwrap();
    assert_eq!(clients, 3);

    // Other methods.
    for method in [Method::DELETE, Method::PATCH, Method::PUT] {
        let response = api.request(method.clone(), "/rpc/dice", &[], "").await;
        assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            error(&response),
            json!([
                "PGRST101",
                format!("Cannot use the {method} method on RPC"),
                null,
                null
            ])
        );
    }
}

#[tokio::test]
async fn row_level_security_applies() {
    let api = api().await;
    let alice = bearer(json!({"role": "mgr_alice"}));
    let response = api
        .request(
            Method::GET,
            "/rpc/my_accounts?select=company",
            &[("authorization", alice.as_str())],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"company": "Acme"}, {"company": "Initech"}])
    );
    // Anonymous callers may not read the table the function reads.
    let response = api.get("/rpc/my_accounts").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.json()["code"], "42501");
}

#[tokio::test]
async fn response_settings_change_status_and_headers() {
    let api = api().await;
    let response = post(&api, "/rpc/teapot", "").await;
    assert_eq!(response.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(response.body, r#""short and stout""#);
    assert_eq!(response.header("x-tea"), Some("green"));
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    let cookies: Vec<&str> = response
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies, ["a=1", "b=2"]);

    // A setting's header replaces pgway's; a status counts for void too.
    let set = |name: &str, value: &str| json!({"name": name, "value": value}).to_string();
    let response = post(&api, "/rpc/set_setting", &set("response.status", "201")).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let headers = set("response.headers", r#"[{"Content-Range": "custom"}]"#);
    let response = post(&api, "/rpc/set_setting", &headers).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(response.header("content-range"), Some("custom"));

    // Invalid settings are PostgREST's 500s.
    let response = post(&api, "/rpc/set_setting", &set("response.status", "teapot")).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        error(&response),
        json!([
            "PGRST112",
            "response.status guc must be a valid status code",
            null,
            null
        ])
    );
    let response = post(
        &api,
        "/rpc/set_setting",
        &set("response.headers", r#"{"a": "b"}"#),
    )
    .await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        error(&response),
        json!([
            "PGRST111",
            "response.headers guc must be a JSON array composed of objects with a single key and a string value",
            null,
            null
        ])
    );

    // Writes honour them too (here set by a trigger).
    let response = post(&api, "/users", r#"{"id": 3, "name": "Cleo"}"#).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    assert_eq!(response.header("location"), Some("/later"));
    let response = api
        .request(
            Method::PATCH,
            "/users?id=eq.3",
            &[],
            r#"{"name": "Cleo B"}"#,
        )
        .await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    assert_eq!(response.header("location"), Some("/later"));
}

#[tokio::test]
async fn reads_honour_settings_of_db_pre_request() {
    let api = TestApi::with_settings(&[("db-pre-request", "api.pre_request")])
        .await
        .with_sql(
            r#"CREATE FUNCTION api.pre_request() RETURNS void LANGUAGE sql AS $$
                SELECT set_config('response.headers', '[{"X-Pre": "yes"}]', true),
                       set_config('response.status', '203', true) $$;"#,
        )
        .await;
    let response = api.get("/people?id=eq.1&select=name").await;
    assert_eq!(response.status, StatusCode::NON_AUTHORITATIVE_INFORMATION);
    assert_eq!(response.header("x-pre"), Some("yes"));
    assert_eq!(response.json(), json!([{"name": "Alice"}]));
}

#[tokio::test]
async fn the_schema_is_the_profile() {
    let api = TestApi::with_settings(&[("db-schemas", "api, extra")])
        .await
        .with_sql(
            "CREATE SCHEMA extra; GRANT USAGE ON SCHEMA extra TO web_anon;
             CREATE FUNCTION extra.schema_here() RETURNS text LANGUAGE sql STABLE
                 AS $$ SELECT current_schema() $$;",
        )
        .await;
    let response = api
        .request(
            Method::GET,
            "/rpc/schema_here",
            &[("accept-profile", "extra")],
            "",
        )
        .await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (StatusCode::OK, r#""extra""#)
    );
    let response = api
        .request(
            Method::POST,
            "/rpc/schema_here",
            &[("content-profile", "extra")],
            "",
        )
        .await;
    assert_eq!(response.body, r#""extra""#);
    // Without a profile, the first schema: `api` has no such function.
    let response = api.get("/rpc/schema_here").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(
        response.json()["message"],
        "Could not find the function api.schema_here without parameters in the schema cache"
    );
}

#[tokio::test]
async fn options_lists_the_methods_the_function_allows() {
    let api = api().await;
    let response = api.request(Method::OPTIONS, "/rpc/dice", &[], "").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("allow"), Some("OPTIONS,POST"));
    let response = api.request(Method::OPTIONS, "/rpc/names", &[], "").await;
    assert_eq!(response.header("allow"), Some("OPTIONS,GET,HEAD,POST"));
    // As PostgREST, the function is found by the query string's arguments.
    let response = api.request(Method::OPTIONS, "/rpc/add_them", &[], "").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    let response = api
        .request(Method::OPTIONS, "/rpc/add_them?a=1&b=2", &[], "")
        .await;
    assert_eq!(response.header("allow"), Some("OPTIONS,GET,HEAD,POST"));
}

#[tokio::test]
async fn checks_roll_a_call_back() {
    let api = TestApi::with_settings(&[("db-tx-end", "commit-allow-override")])
        .await
        .with_sql(FUNCTIONS)
        .await;
    let calls = || async {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api.calls")
            .fetch_one(&mut api.admin().await)
            .await
            .unwrap();
        count
    };
    // A result that is not one object when one was asked for: 406, and nothing kept.
    let object = ("accept", "application/vnd.pgrst.object+json");
    let response = api
        .request(Method::POST, "/rpc/record_call?id=lt.0", &[object], "")
        .await;
    assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(calls().await, 0);
    // max-affected counts the rows returned, with handling=strict; a non-set function is PGRST128.
    let strict = ("prefer", "handling=strict, max-affected=0");
    let response = api
        .request(Method::POST, "/rpc/record_call", &[strict], "")
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&response),
        json!([
            "PGRST124",
            "Query result exceeds max-affected preference constraint",
            "The query affects 1 rows",
            null
        ])
    );
    assert_eq!(calls().await, 0);
    let response = api.request(Method::POST, "/rpc/dice", &[strict], "").await;
    assert_eq!(
        error(&response),
        json!([
            "PGRST128",
            "Function must return SETOF or TABLE when max-affected preference is used with handling=strict",
            null,
            null
        ])
    );
    // tx=rollback answers as if committed.
    let response = api
        .request(
            Method::POST,
            "/rpc/record_call",
            &[("prefer", "tx=rollback")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("preference-applied"), Some("tx=rollback"));
    assert_eq!(calls().await, 0);
    let response = post(&api, "/rpc/record_call", "").await;
    assert_eq!(response.json(), json!([{"id": 4}]));
    assert_eq!(calls().await, 1);
    // handling=strict rejects what it does not know; return= is not a call's, so not echoed.
    let response = api
        .request(
            Method::GET,
            "/rpc/names",
            &[("prefer", "handling=strict, nope")],
            "",
        )
        .await;
    assert_eq!(response.json()["code"], "PGRST122");
    let response = api
        .request(
            Method::GET,
            "/rpc/names?limit=1",
            &[("prefer", "return=representation, count=exact")],
            "",
        )
        .await;
    assert_eq!(response.header("preference-applied"), Some("count=exact"));
}

#[tokio::test]
async fn csv_bodies_give_the_first_row_as_arguments() {
    let api = api().await;
    let response = api
        .request(
            Method::POST,
            "/rpc/add_them",
            &[("content-type", "text/csv")],
            "a,b\n20,22\n1,1",
        )
        .await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (StatusCode::OK, "42")
    );
}
