//! GraphQL: smart comments, the case-insensitive filter operators, automatic persisted queries,
//! retried serialization failures and GraphiQL behind a path prefix.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApi;
use serde_json::{Value, json};

async fn graphql(api: &TestApi, query: &str) -> Value {
    post(api, &json!({"query": query})).await
}

/// The response to a POST of `body`.
async fn post(api: &TestApi, body: &Value) -> Value {
    let headers = [("content-type", "application/json")];
    let response = api
        .request(Method::POST, "/graphql", &headers, &body.to_string())
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// The first error's message of `response`.
fn error(response: &Value) -> &str {
    response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
}

/// Tables, columns, a foreign key and functions with PostGraphile's smart comments (the
/// fixture PostGraphile 5's V4 preset was compared with).
const SMART: &str = r#"
CREATE TABLE api.original_table (
  id serial PRIMARY KEY,
  col1 int,
  secret text,
  created_at timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00',
  rank int,
  note text
);
COMMENT ON TABLE api.original_table IS E'@name renamed_table\nA renamed table.';
COMMENT ON COLUMN api.original_table.col1 IS E'@name col_a\nColumn A.';
COMMENT ON COLUMN api.original_table.secret IS '@omit';
COMMENT ON COLUMN api.original_table.created_at IS E'@omit create,update\nSet by the database.';
COMMENT ON COLUMN api.original_table.rank IS '@omit order,filter';
COMMENT ON COLUMN api.original_table.note IS '@omit read';
CREATE TABLE api.children (
  id serial PRIMARY KEY,
  parent_id int NOT NULL REFERENCES api.original_table,
  name text
);
COMMENT ON CONSTRAINT children_parent_id_fkey ON api.children
  IS E'@fieldName parent\n@foreignFieldName kids';
CREATE TABLE api.logs (id serial PRIMARY KEY, parent_id int REFERENCES api.original_table, msg text);
COMMENT ON TABLE api.logs IS E'@omit create,update,delete,all,many,filter,order\nRead-only log.';
CREATE TABLE api.notes (id serial PRIMARY KEY, parent_id int REFERENCES api.original_table, body text);
COMMENT ON CONSTRAINT notes_parent_id_fkey ON api.notes IS '@omit';
CREATE TABLE api.hidden (id int PRIMARY KEY);
COMMENT ON TABLE api.hidden IS '@omit';
CREATE TABLE api.lookups (id int PRIMARY KEY, label text);
COMMENT ON TABLE api.lookups IS '@omit read,all,many,create,update,delete';
CREATE FUNCTION api.double_it(x int) RETURNS int LANGUAGE sql STABLE AS 'SELECT x * 2';
COMMENT ON FUNCTION api.double_it(int) IS E'@name twice\nDoubles.';
CREATE FUNCTION api.secret_fn() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';
COMMENT ON FUNCTION api.secret_fn() IS '@omit';
CREATE FUNCTION api.original_table_label(t api.original_table) RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT 'L' || t.id $$;
COMMENT ON FUNCTION api.original_table_label(api.original_table) IS E'@fieldName tag\nA label.';
CREATE FUNCTION api.original_table_hidden(t api.original_table) RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT 'H' $$;
COMMENT ON FUNCTION api.original_table_hidden(api.original_table) IS '@omit';
CREATE FUNCTION api.bump_it(x int) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT x + 1';
COMMENT ON FUNCTION api.bump_it(int) IS E'@name bump\nBumps.';
GRANT ALL ON api.original_table, api.children, api.logs, api.notes, api.hidden, api.lookups
  TO web_anon;
GRANT ALL ON ALL SEQUENCES IN SCHEMA api TO web_anon;
INSERT INTO api.original_table (col1, secret, rank, note) VALUES (1, 's', 5, 'Hello'), (2, 't', 3, 'world');
INSERT INTO api.children (parent_id, name) VALUES (1, 'a'), (1, 'b'), (2, 'c');
INSERT INTO api.logs (parent_id, msg) VALUES (1, 'x');
"#;

async fn smart_api() -> TestApi {
    TestApi::new().await.with_sql(SMART).await
}

/// The same query and answer as PostGraphile's (its global ids are named after the table's own
/// name).
#[tokio::test]
async fn smart_comments_rename_tables_columns_relations_and_functions() {
    let api = smart_api().await;
    let query = r#"{
      allRenamedTables(orderBy: COL_A_DESC, filter: {kids: {some: {name: {equalTo: "a"}}}}) {
        nodes { nodeId id colA kids { nodes { name parent { colA } } } }
      }
      twice(x: 21)
      logById(id: 1) { msg renamedTableByParentId { id } }
      renamedTableById(id: 2) { tag }
    }"#;
    assert_eq!(
        graphql(&api, query).await,
        json!({"data": {
            "allRenamedTables": {"nodes": [{
                "nodeId": "WyJvcmlnaW5hbF90YWJsZXMiLDFd", "id": 1, "colA": 1,
                "kids": {"nodes": [
                    {"name": "a", "parent": {"colA": 1}},
                    {"name": "b", "parent": {"colA": 1}}
                ]}
            }]},
            "twice": 42,
            "logById": {"msg": "x", "renamedTableByParentId": {"id": 1}},
            "renamedTableById": {"tag": "L2"}
        }})
    );
    let created = r#"mutation {
      createRenamedTable(input: {renamedTable: {colA: 7, note: "n", rank: 1}}) {
        renamedTable { id colA }
      }
      deleteRenamedTableById(input: {id: 3}) { deletedOriginalTableId }
      bump(input: {x: 1}) { integer }
    }"#;
    assert_eq!(
        graphql(&api, created).await,
        json!({"data": {
            "createRenamedTable": {"renamedTable": {"id": 3, "colA": 7}},
            "deleteRenamedTableById": {"deletedOriginalTableId": "WyJvcmlnaW5hbF90YWJsZXMiLDNd"},
            "bump": {"integer": 2}
        }})
    );
}

/// Descriptions are what follows the tags; a comment of tags only is no description.
#[tokio::test]
async fn smart_comment_tags_are_not_descriptions() {
    let api = smart_api().await;
    let query = r#"{
      table: __type(name: "RenamedTable") { description fields { name description } }
      query: __type(name: "Query") { fields { name description } }
    }"#;
    let response = graphql(&api, query).await;
    assert_eq!(response["data"]["table"]["description"], "A renamed table.");
    assert_eq!(
        response["data"]["table"]["fields"],
        json!([
            {"name": "nodeId", "description": "A globally unique identifier. Can be used in various places throughout the system to identify this single value."},
            {"name": "id", "description": null},
            {"name": "colA", "description": "Column A."},
            {"name": "createdAt", "description": "Set by the database."},
            {"name": "rank", "description": null},
            {"name": "kids", "description": "Reads and enables pagination through a set of `Child`."},
            {"name": "tag", "description": "A label."}
        ])
    );
    let twice = response["data"]["query"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "twice")
        .cloned();
    assert_eq!(
        twice,
        Some(json!({"name": "twice", "description": "Doubles."}))
    );
}

/// What `@omit` leaves out, as PostGraphile 4 documents its actions.
#[tokio::test]
async fn smart_comments_omit() {
    let api = smart_api().await;
    let names = |response: &Value, key: &str| -> Vec<String> {
        let list = &response["data"][key];
        let items = list["fields"].as_array().or(list["inputFields"].as_array());
        let items = items.or(list["enumValues"].as_array()).unwrap();
        items
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let query = r#"{
      input: __type(name: "RenamedTableInput") { inputFields { name } }
      patch: __type(name: "RenamedTablePatch") { inputFields { name } }
      condition: __type(name: "RenamedTableCondition") { inputFields { name } }
      filter: __type(name: "RenamedTableFilter") { inputFields { name } }
      order: __type(name: "RenamedTablesOrderBy") { enumValues { name } }
      note: __type(name: "Note") { fields { name } }
      log: __type(name: "Log") { fields { name } }
      query: __type(name: "Query") { fields { name } }
      mutation: __type(name: "Mutation") { fields { name } }
      hidden: __type(name: "Hidden") { name }
      lookup: __type(name: "Lookup") { name }
      logs: __type(name: "LogsConnection") { name }
      logFilter: __type(name: "LogFilter") { name }
      logsOrder: __type(name: "LogsOrderBy") { name }
    }"#;
    let response = graphql(&api, query).await;
    // `secret` (@omit) is nowhere; `createdAt` (@omit create,update) is not in the input or
    // patch; `rank` (@omit order,filter) not in the condition, filter and order; `note`
    // (@omit read) only not in the row type.
    // `kids` creates children with the row, named after the key's `@foreignFieldName` as
    // postgraphile-plugin-nested-mutations names it.
    assert_eq!(
        names(&response, "input"),
        ["id", "colA", "rank", "note", "kids"]
    );
    assert_eq!(names(&response, "patch"), ["id", "colA", "rank", "note"]);
    assert_eq!(
        names(&response, "condition"),
        ["id", "colA", "createdAt", "note"]
    );
    assert_eq!(
        names(&response, "filter"),
        [
            "id",
            "colA",
            "createdAt",
            "note",
            "tag",
            "kids",
            "kidsExist",
            "and",
            "or",
            "not"
        ]
    );
    assert_eq!(
        names(&response, "order"),
        [
            "NATURAL",
            "ID_ASC",
            "ID_DESC",
            "COL_A_ASC",
            "COL_A_DESC",
            "CREATED_AT_ASC",
            "CREATED_AT_DESC",
            "NOTE_ASC",
            "NOTE_DESC",
            "PRIMARY_KEY_ASC",
            "PRIMARY_KEY_DESC"
        ]
    );
    // The foreign key tagged @omit is no relation either way; logs (@omit many) are no
    // connection of renamed tables, though a log still has its renamed table.
    assert_eq!(
        names(&response, "note"),
        ["nodeId", "id", "parentId", "body"]
    );
    assert_eq!(
        names(&response, "log"),
        ["nodeId", "id", "parentId", "msg", "renamedTableByParentId"]
    );
    let query_fields = names(&response, "query");
    for field in [
        "allLogs",
        "allHiddens",
        "allLookups",
        "lookupById",
        "secretFn",
    ] {
        assert!(!query_fields.iter().any(|f| f == field), "{field}");
    }
    for field in [
        "logById",
        "log",
        "twice",
        "allRenamedTables",
        "renamedTableById",
    ] {
        assert!(query_fields.iter().any(|f| f == field), "{field}");
    }
    let mutations = names(&response, "mutation");
    assert!(
        !mutations.iter().any(|f| f.contains("Log")),
        "{mutations:?}"
    );
    // Nothing reads logs as a connection, so they have no connection types (as in PostGraphile).
    for unused in ["hidden", "lookup", "logs", "logFilter", "logsOrder"] {
        assert_eq!(response["data"][unused], Value::Null, "{unused}");
    }
    let omitted = graphql(
        &api,
        "{ allRenamedTables(filter: {rank: {equalTo: 5}}) { totalCount } }",
    )
    .await;
    assert_eq!(
        error(&omitted),
        "Invalid value for argument \"filter\", unknown field \"rank\" of type \"RenamedTableFilter\""
    );
}

/// REST and OpenAPI keep the comment whole, as PostgREST does.
#[tokio::test]
async fn smart_comments_stay_whole_in_rest() {
    let api = smart_api().await;
    let document = api.ok("/openapi.json").await;
    assert_eq!(
        document["components"]["schemas"]["original_table"]["description"],
        "@name renamed_table\nA renamed table."
    );
}

/// The same query and answer as PostGraphile's with postgraphile-plugin-connection-filter 4.0.1.
#[tokio::test]
async fn case_insensitive_filter_operators() {
    let api = TestApi::new().await;
    let query = r#"{
      a: allPeople(filter: {name: {equalToInsensitive: "ALICE"}}) { nodes { id name } }
      b: allPeople(filter: {name: {inInsensitive: ["bob", "CAROL"]}}) { nodes { name } }
      c: allPeople(filter: {name: {notInInsensitive: ["bob", "CAROL"], lessThanInsensitive: "D"}}) {
        nodes { name }
      }
      d: allPeople(filter: {name: {greaterThanOrEqualToInsensitive: "d"}}) { nodes { name } }
      e: allPeople(filter: {name: {
        notEqualToInsensitive: "alice", distinctFromInsensitive: "BOB", notDistinctFromInsensitive: "cArOl"
      }}) { nodes { name } }
      f: allPeople(filter: {name: {lessThanOrEqualToInsensitive: "BOB", greaterThanInsensitive: "ALICE"}}) {
        nodes { name }
      }
    }"#;
    assert_eq!(
        graphql(&api, query).await,
        json!({"data": {
            "a": {"nodes": [{"id": 1, "name": "Alice"}]},
            "b": {"nodes": [{"name": "Bob"}, {"name": "Carol"}]},
            "c": {"nodes": [{"name": "Alice"}]},
            "d": {"nodes": [{"name": "Dan"}, {"name": "Erin"}, {"name": "Frank"}, {"name": "Grace"}]},
            "e": {"nodes": [{"name": "Carol"}]},
            "f": {"nodes": [{"name": "Bob"}]}
        }})
    );
    let int = graphql(
        &api,
        "{ allPeople(filter: {age: {equalToInsensitive: 3}}) { totalCount } }",
    )
    .await;
    assert_eq!(
        error(&int),
        "Invalid value for argument \"filter.age\", unknown field \"equalToInsensitive\" of type \"IntFilter\""
    );
}

const PERSON: &str = "{ personById(id: 1) { name } }";
const PERSON_HASH: &str = "7e87db8d9a08802b4c6c381490d154512a093c2379e7a25c30e7eb38c19fcced";

fn persisted(query: Option<&str>) -> Value {
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": PERSON_HASH}});
    match query {
        Some(query) => json!({"query": query, "extensions": extensions}),
        None => json!({"extensions": extensions}),
    }
}

/// A GET of `/graphql` with `params` (URL-encoded here).
async fn get(api: &TestApi, params: &[(&str, &str)]) -> (StatusCode, Value) {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let response = api.get(&format!("/graphql?{query}")).await;
    (response.status, response.json())
}

/// Apollo's protocol: the hash alone is unknown until the client sends it with its text; from
/// then on the hash alone runs the query, over POST and GET.
#[tokio::test]
async fn automatic_persisted_queries() {
    let api = TestApi::with_settings(&[("graphql-persisted-queries", "100")]).await;
    let not_found = json!({"errors": [{
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}
    }]});
    assert_eq!(post(&api, &persisted(None)).await, not_found);
    let extensions = persisted(None)["extensions"].to_string();
    assert_eq!(
        get(&api, &[("extensions", &extensions)]).await,
        (StatusCode::OK, not_found)
    );
    let alice = json!({"data": {"personById": {"name": "Alice"}}});
    assert_eq!(post(&api, &persisted(Some(PERSON))).await, alice);
    assert_eq!(post(&api, &persisted(None)).await, alice);
    assert_eq!(
        get(&api, &[("extensions", &extensions)]).await,
        (StatusCode::OK, alice)
    );
    assert_eq!(
        post(&api, &persisted(Some("{ personById(id: 2) { name } }"))).await,
        json!({"errors": [{
            "message": "provided sha does not match query",
            "extensions": {"code": "BAD_REQUEST"}
        }]})
    );
}

/// Off by default: a hash alone is refused as Apollo's servers refuse it, so that clients send
/// the text again; a text with a hash runs.
#[tokio::test]
async fn persisted_queries_are_off_by_default() {
    let api = TestApi::new().await;
    assert_eq!(
        post(&api, &persisted(None)).await,
        json!({"errors": [{
            "message": "PersistedQueryNotSupported",
            "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"}
        }]})
    );
    assert_eq!(
        post(&api, &persisted(Some(PERSON))).await,
        json!({"data": {"personById": {"name": "Alice"}}})
    );
}

/// GET runs queries from the URL, never mutations; without an operation it is GraphiQL.
#[tokio::test]
async fn queries_over_get() {
    let api = TestApi::new().await;
    assert_eq!(
        get(
            &api,
            &[
                (
                    "query",
                    "query P($id: Int!) { personById(id: $id) { name } }"
                ),
                ("variables", r#"{"id": 2}"#),
                ("operationName", "P")
            ]
        )
        .await,
        (
            StatusCode::OK,
            json!({"data": {"personById": {"name": "Bob"}}})
        )
    );
    let mutation = "mutation { deletePersonById(input: {id: 1}) { deletedPersonId } }";
    let url: String = form_urlencoded::Serializer::new("/graphql?".to_owned())
        .append_pair("query", mutation)
        .finish();
    let response = api.get(&url).await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("POST"));
    assert_eq!(
        response.json(),
        json!({"errors": [{
            "message": "Mutations are only run for POST requests",
            "extensions": {"code": "PGRST117"}
        }]})
    );
    let page = api.get("/graphql").await;
    assert!(page.body.contains("<title>"), "{}", page.body);
}

/// A table whose inserts fail with a serialization failure while `api.attempts` counts no more
/// than `api.failures` attempts (a sequence, which no rollback resets).
const FLAKY: &str = r#"
CREATE SEQUENCE api.attempts;
CREATE TABLE api.failures (n int);
CREATE TABLE api.flaky (id int PRIMARY KEY);
CREATE FUNCTION api.fail_at_first() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('api.attempts') <= (SELECT n FROM api.failures) THEN
    RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER fail_at_first BEFORE INSERT ON api.flaky FOR EACH ROW EXECUTE FUNCTION api.fail_at_first();
GRANT ALL ON api.flaky TO web_anon;
GRANT USAGE ON SEQUENCE api.attempts TO web_anon;
GRANT SELECT ON api.failures TO web_anon;
"#;

/// An operation whose transaction failed with 40001 runs again, whole, in a new transaction.
#[tokio::test]
async fn serialization_failures_are_retried() {
    let api = TestApi::new().await.with_sql(FLAKY).await;
    api.execute("INSERT INTO api.failures VALUES (2)").await;
    let create = r#"mutation {
      a: createFlaky(input: {flaky: {id: 1}}) { flaky { id } }
      b: createFlaky(input: {flaky: {id: 2}}) { flaky { id } }
    }"#;
    assert_eq!(
        graphql(&api, create).await,
        json!({"data": {"a": {"flaky": {"id": 1}}, "b": {"flaky": {"id": 2}}}})
    );
    let attempts = "SELECT last_value FROM api.attempts";
    let count = async |sql: &'static str| -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&mut api.admin().await)
            .await
            .unwrap()
    };
    // Two failed attempts, then one whose two inserts succeeded.
    assert_eq!(count(attempts).await, 4);

    // Given up after three retries: the error of the fourth attempt.
    api.execute("UPDATE api.failures SET n = 100").await;
    assert_eq!(
        graphql(
            &api,
            "mutation { createFlaky(input: {flaky: {id: 3}}) { flaky { id } } }"
        )
        .await,
        json!({"data": null, "errors": [{
            "message": "could not serialize access",
            "locations": [{"line": 1, "column": 12}],
            "path": ["createFlaky"],
            "extensions": {"code": "40001"}
        }]})
    );
    assert_eq!(count(attempts).await, 8);
    assert_eq!(count("SELECT count(*) FROM api.flaky").await, 2);
}

/// `url` (relative, as the page links it) resolved against the page at `page`.
fn resolve(url: &str, page: &str) -> String {
    let mut path: Vec<&str> = page.split('/').collect();
    path.pop();
    for segment in url.split('/') {
        match segment {
            "." => {}
            ".." => {
                path.pop();
            }
            segment => path.push(segment),
        }
    }
    path.join("/")
}

/// Behind a proxy that serves pgway under `/api/` (and strips the prefix), the page's assets and
/// endpoint, resolved as a browser resolves them against `/api/graphql`, are pgway's.
#[tokio::test]
async fn graphiql_links_resolve_under_a_path_prefix() {
    let api = TestApi::new().await;
    let page = api.get("/graphql").await.body;
    let mut linked = Vec::new();
    for attribute in ["src=\"", "href=\"", "data-endpoint=\""] {
        for (at, _) in page.match_indices(attribute) {
            let rest = &page[at + attribute.len()..];
            linked.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    linked.retain(|url| !url.starts_with("data:"));
    assert_eq!(linked.len(), 5, "{linked:?}");
    for url in linked {
        assert!(url.starts_with("./"), "{url}");
        let public = resolve(&url, "/api/graphql");
        let upstream = public.strip_prefix("/api").unwrap();
        let response = match upstream {
            "/graphql" => {
                let body = json!({"query": "{ __typename }"});
                post(&api, &body).await.to_string()
            }
            asset => {
                let response = api.get(asset).await;
                assert_eq!(response.status, StatusCode::OK, "{public}");
                response.body
            }
        };
        assert!(!response.is_empty(), "{public}");
    }
}

/// Rows whose update by `web_anon` counts itself in `api.updates` and then holds the row for
/// half a second, so that another transaction can run into it.
const COUNTERS: &str = r#"
CREATE SEQUENCE api.updates;
CREATE TABLE api.counters (id int PRIMARY KEY, n int);
INSERT INTO api.counters VALUES (1, 0), (2, 0);
CREATE FUNCTION api.hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = 'web_anon' AND NEW.id = 1 THEN
    PERFORM nextval('api.updates');
    PERFORM pg_sleep(0.5);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER hold AFTER UPDATE ON api.counters FOR EACH ROW EXECUTE FUNCTION api.hold();
GRANT ALL ON api.counters TO web_anon;
GRANT USAGE ON SEQUENCE api.updates TO web_anon;
"#;

/// A real deadlock: the operation locks row 1 (and holds it), another transaction that holds
/// row 2 waits for row 1, and the operation's second field then waits for row 2. Postgres
/// cancels the operation's transaction (the other one waits longer before it looks for
/// deadlocks); the operation runs again once the other transaction committed, and succeeds.
#[tokio::test]
async fn deadlocks_are_retried() {
    let api = TestApi::new().await.with_sql(COUNTERS).await;
    let mut other = api.admin().await;
    sqlx::raw_sql(
        "SET deadlock_timeout = '20s'; BEGIN; UPDATE api.counters SET n = 2 WHERE id = 2",
    )
    .execute(&mut other)
    .await
    .unwrap();
    let mut watch = api.admin().await;
    let other = tokio::spawn(async move {
        // Once the operation holds row 1.
        let holding = "SELECT count(*) FROM pg_stat_activity \
                       WHERE wait_event = 'PgSleep' AND datname = current_database()";
        while sqlx::query_scalar::<_, i64>(holding)
            .fetch_one(&mut watch)
            .await
            .unwrap()
            == 0
        {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        sqlx::raw_sql("UPDATE api.counters SET n = 1 WHERE id = 1; COMMIT")
            .execute(&mut other)
            .await
    });
    let update = r#"mutation {
      a: updateCounterById(input: {id: 1, counterPatch: {n: 10}}) { counter { n } }
      b: updateCounterById(input: {id: 2, counterPatch: {n: 20}}) { counter { n } }
    }"#;
    assert_eq!(
        graphql(&api, update).await,
        json!({"data": {"a": {"counter": {"n": 10}}, "b": {"counter": {"n": 20}}}})
    );
    other.await.unwrap().unwrap();
    let value = async |sql: &'static str| -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&mut api.admin().await)
            .await
            .unwrap()
    };
    assert_eq!(value("SELECT last_value FROM api.updates").await, 2);
    assert_eq!(value("SELECT sum(n)::int8 FROM api.counters").await, 30);
}
