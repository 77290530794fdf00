//! GraphQL functions beyond query fields: VOLATILE functions as mutations (PostGraphile's custom
//! mutations) and computed columns, against the example database and the functions of
//! [`FIXTURE`].

mod common;

use axum::http::{Method, StatusCode};
use common::statements::{StatementLog, kinds};
use common::{TestApi, bearer};
use serde_json::{Value, json};

/// Functions besides the example's `people_initials` and `add_person`.
const FIXTURE: &str = r#"
CREATE FUNCTION api.people_greeting(p api.people, greeting text, punctuation text DEFAULT '!')
    RETURNS text LANGUAGE sql STABLE AS $$ SELECT greeting || ', ' || p.name || punctuation $$;
CREATE FUNCTION api.people_tags(p api.people) RETURNS text[] LANGUAGE sql IMMUTABLE
    AS $$ SELECT ARRAY[lower(p.name), CASE WHEN p.student THEN 'student' ELSE 'other' END] $$;
CREATE FUNCTION api.people_per_decade(p api.people) RETURNS int LANGUAGE sql STABLE
    AS $$ SELECT 100 / (p.age / 20) $$;
CREATE FUNCTION api.clients_open_tasks(c api.clients) RETURNS SETOF api.tasks LANGUAGE sql STABLE AS $$
    SELECT t.* FROM api.tasks t JOIN api.projects p ON p.id = t.project_id
    WHERE p.client_id = c.id AND NOT t.done ORDER BY t.id DESC
$$;
COMMENT ON FUNCTION api.clients_open_tasks(api.clients) IS 'Tasks not done yet';
CREATE FUNCTION api.tasks_client(t api.tasks) RETURNS api.clients LANGUAGE sql STABLE AS $$
    SELECT c.* FROM api.clients c JOIN api.projects p ON p.client_id = c.id WHERE p.id = t.project_id
$$;
CREATE FUNCTION api.add_people(names text[]) RETURNS SETOF api.people LANGUAGE sql VOLATILE AS $$
    INSERT INTO api.people (name) SELECT unnest(names) RETURNING *
$$;
CREATE FUNCTION api.add_task(name text, project_id int) RETURNS api.tasks LANGUAGE sql VOLATILE AS $$
    INSERT INTO api.tasks (id, name, project_id)
    VALUES ((SELECT max(id) + 1 FROM api.tasks), add_task.name, add_task.project_id) RETURNING *
$$;
CREATE SEQUENCE api.tickets;
GRANT USAGE ON SEQUENCE api.tickets TO web_anon;
CREATE FUNCTION api.next_ticket(step int) RETURNS bigint LANGUAGE sql VOLATILE
    AS $$ SELECT nextval('api.tickets') * step $$;
CREATE FUNCTION api.next_tickets(n int) RETURNS SETOF int LANGUAGE sql VOLATILE
    AS $$ SELECT generate_series(1, n) $$;
CREATE FUNCTION api.describe(a int, b text, c int[] DEFAULT '{0}', j jsonb DEFAULT '{}')
    RETURNS text LANGUAGE sql VOLATILE
    AS $$ SELECT concat_ws(' ', coalesce(a::text, 'null'), coalesce(b, 'null'), c::text, j::text) $$;
CREATE FUNCTION api.strict_sum(a int, b int DEFAULT 2) RETURNS int LANGUAGE sql VOLATILE STRICT
    AS $$ SELECT a + b $$;
CREATE FUNCTION api.touch() RETURNS void LANGUAGE sql VOLATILE AS $$ SELECT $$;
CREATE FUNCTION api.fail(message text) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN RAISE EXCEPTION USING MESSAGE = message, ERRCODE = 'P0042'; END $$;
"#;

async fn api() -> TestApi {
    TestApi::new().await.with_sql(FIXTURE).await
}

async fn graphql(api: &TestApi, query: &str) -> Value {
    graphql_as(api, query, &[]).await
}

/// The response to `query` sent with `headers` (besides the content type).
async fn graphql_as(api: &TestApi, query: &str, headers: &[(&str, &str)]) -> Value {
    let body = json!({"query": query}).to_string();
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    let response = api.request(Method::POST, "/graphql", &all, &body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// The `Authorization` header of manager alice, who may write.
fn alice() -> String {
    bearer(json!({"role": "mgr_alice"}))
}

async fn count_people(api: &TestApi) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM api.people")
        .fetch_one(&mut api.admin().await)
        .await
        .unwrap()
}

/// The fields of a type (or input type), with their arguments and types, as introspection
/// lists them: `["greeting(greeting: String, punctuation: String): String", …]`.
async fn fields_of(api: &TestApi, type_name: &str) -> Value {
    let query = format!(
        "{{ __type(name: \"{type_name}\") {{ fields {{ name args {{ name type {{ ...T }} }} \
         type {{ ...T }} }} inputFields {{ name type {{ ...T }} }} }} }} \
         fragment T on __Type {{ kind name ofType {{ kind name ofType {{ kind name ofType {{ name }} }} }} }}"
    );
    let response = graphql(api, &query).await;
    let ty = &response["data"]["__type"];
    let fields = ty["fields"].as_array().or(ty["inputFields"].as_array());
    let describe = |field: &Value| {
        let args: Vec<String> = field["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| format!("{}: {}", a["name"].as_str().unwrap(), type_text(&a["type"])))
            .collect();
        let name = field["name"].as_str().unwrap();
        let signature = match args.is_empty() {
            true => name.to_owned(),
            false => format!("{name}({})", args.join(", ")),
        };
        json!(format!("{signature}: {}", type_text(&field["type"])))
    };
    Value::Array(fields.unwrap().iter().map(describe).collect())
}

/// `[Int!]!` and the like.
fn type_text(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_text(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_text(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or_default().to_owned(),
    }
}

/// The shapes PostGraphile (5, V4 preset) gives the same functions: custom mutations take one
/// input with the arguments (nullable unless the function is STRICT and the parameter has no
/// default) and answer a payload whose result is named after its type; computed columns are
/// fields of their table's type, with their other parameters as arguments, and no root fields.
#[tokio::test]
async fn shapes_match_postgraphile() {
    let api = api().await;
    assert_eq!(
        fields_of(&api, "AddPersonInput").await,
        json!(["clientMutationId: String", "name: String", "age: Int"])
    );
    assert_eq!(
        fields_of(&api, "AddPersonPayload").await,
        json!([
            "clientMutationId: String",
            "query: Query",
            "person: Person",
            "personEdge(orderBy: [PeopleOrderBy!]!): PeopleEdge"
        ])
    );
    assert_eq!(
        fields_of(&api, "AddTaskPayload").await,
        json!([
            "clientMutationId: String",
            "query: Query",
            "task: Task",
            "taskEdge(orderBy: [TasksOrderBy!]!): TasksEdge",
            "projectByProjectId: Project"
        ])
    );
    assert_eq!(
        fields_of(&api, "AddPeoplePayload").await,
        json!([
            "clientMutationId: String",
            "query: Query",
            "people: [Person]"
        ])
    );
    assert_eq!(
        fields_of(&api, "NextTicketPayload").await,
        json!(["clientMutationId: String", "query: Query", "bigInt: BigInt"])
    );
    assert_eq!(
        fields_of(&api, "NextTicketsPayload").await,
        json!([
            "clientMutationId: String",
            "query: Query",
            "integers: [Int]"
        ])
    );
    assert_eq!(
        fields_of(&api, "TouchPayload").await,
        json!(["clientMutationId: String", "query: Query"])
    );
    assert_eq!(
        fields_of(&api, "StrictSumInput").await,
        json!(["clientMutationId: String", "a: Int!", "b: Int"])
    );
    assert_eq!(
        fields_of(&api, "Person").await,
        json!([
            "nodeId: ID!",
            "id: Int!",
            "name: String!",
            "age: Int",
            "height: Int",
            "student: Boolean",
            "greeting(greeting: String, punctuation: String): String",
            "initials: String",
            "perDecade: Int",
            "tags: [String]"
        ])
    );
    assert_eq!(
        fields_of(&api, "Task").await,
        json!([
            "nodeId: ID!",
            "id: Int!",
            "name: String!",
            "done: Boolean!",
            "projectId: Int",
            "projectByProjectId: Project",
            "client: Client"
        ])
    );
    let clients = fields_of(&api, "Client").await;
    assert_eq!(
        clients[clients.as_array().unwrap().len() - 1],
        "openTasks(first: Int, last: Int, offset: Int, before: Cursor, after: Cursor, \
         filter: TaskFilter): TasksConnection!"
    );
    let filter = fields_of(&api, "PersonFilter").await;
    for field in [
        "initials: StringFilter",
        "tags: StringListFilter",
        "perDecade: IntFilter",
    ] {
        assert!(
            filter.as_array().unwrap().contains(&json!(field)),
            "{filter}"
        );
    }
    // Computed columns and mutations are no query fields.
    let query = fields_of(&api, "Query").await.to_string();
    for name in ["peopleInitials", "clientsOpenTasks", "addPerson", "touch"] {
        assert!(!query.contains(&format!("\"{name}")), "{query}");
    }
    let mutation = fields_of(&api, "Mutation").await;
    for field in [
        "addPerson(input: AddPersonInput!): AddPersonPayload",
        "addPeople(input: AddPeopleInput!): AddPeoplePayload",
        "touch(input: TouchInput!): TouchPayload",
    ] {
        assert!(
            mutation.as_array().unwrap().contains(&json!(field)),
            "{mutation}"
        );
    }
}

/// `addPerson` returns the new row as `createPerson` does: the row with its computed columns,
/// its edge, the caller's `clientMutationId`, and `query`, reading in the same transaction.
#[tokio::test]
async fn volatile_function_returning_a_row() {
    let api = api().await;
    let response = graphql_as(
        &api,
        "mutation { addPerson(input: {clientMutationId: \"m1\", name: \"Zoe Quinn\", age: 33}) { \
         clientMutationId person { id nodeId name age initials } \
         personEdge(orderBy: NAME_ASC) { cursor node { name } } \
         query { allPeople(condition: {age: 33}) { totalCount } } } }",
        &[("authorization", &alice())],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"addPerson": {
            "clientMutationId": "m1",
            "person": {"id": 8, "nodeId": "WyJwZW9wbGUiLDhd", "name": "Zoe Quinn", "age": 33, "initials": "ZQ"},
            "personEdge": {"cursor": "WyJOQU1FX0FTQyxJRF9BU0MiLCJab2UgUXVpbm4iLDhd", "node": {"name": "Zoe Quinn"}},
            "query": {"allPeople": {"totalCount": 1}}
        }}})
    );
    assert_eq!(count_people(&api).await, 8);
}

/// A returned row reads its relations and computed columns to any depth, and the payload has
/// the row's to-one relations, as a create's payload. Being one statement with the call, those
/// reads see the tables as they were before it (`Ship` is no open task of Apple's yet), as
/// Postgres has it for a statement's writes; `query` reads after it.
#[tokio::test]
async fn volatile_function_row_with_nested_selection() {
    let api = api().await;
    let response = graphql_as(
        &api,
        "mutation { addTask(input: {name: \"Ship\", projectId: 3}) { \
         task { id name done client { name openTasks(first: 1) { totalCount nodes { name } } } \
         projectByProjectId { name clientByClientId { name } } } \
         projectByProjectId { name } } }",
        &[("authorization", &alice())],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"addTask": {
            "task": {
                "id": 9, "name": "Ship", "done": false,
                "client": {"name": "Apple", "openTasks": {"totalCount": 3, "nodes": [{"name": "Code OSX"}]}},
                "projectByProjectId": {"name": "IOS", "clientByClientId": {"name": "Apple"}}
            },
            "projectByProjectId": {"name": "IOS"}
        }}})
    );
}

/// A set of rows is a list named after the table (`people: [Person]`).
#[tokio::test]
async fn volatile_function_returning_rows() {
    let api = api().await;
    let response = graphql_as(
        &api,
        "mutation { addPeople(input: {names: [\"Ann Lee\", \"Bo\"]}) { \
         clientMutationId people { id name initials tags } } }",
        &[("authorization", &alice())],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"addPeople": {"clientMutationId": null, "people": [
            {"id": 8, "name": "Ann Lee", "initials": "AL", "tags": ["ann lee", "other"]},
            {"id": 9, "name": "Bo", "initials": "B", "tags": ["bo", "other"]}
        ]}}})
    );
    assert_eq!(count_people(&api).await, 9);
}

/// Values are named after their type (`bigInt`, `integers`, `string`); `void` has only
/// `clientMutationId` and `query`. Arguments left out or null are null, unless their parameter
/// has a default; a STRICT function's arguments without default are required.
#[tokio::test]
async fn volatile_functions_returning_values() {
    let api = api().await;
    let response = graphql(
        &api,
        "mutation { \
         a: nextTicket(input: {step: 10}) { bigInt again: bigInt } \
         b: nextTicket(input: {step: 10}) { bigInt } \
         c: nextTickets(input: {n: 3}) { integers } \
         d: touch(input: {clientMutationId: \"t\"}) { clientMutationId } \
         e: describe(input: {a: 1}) { string } \
         f: describe(input: {a: null, b: \"x\", c: [1, 2], j: \"{\\\"k\\\": [true]}\"}) { string } \
         g: strictSum(input: {a: 40}) { integer } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {
            "a": {"bigInt": "10", "again": "10"},
            "b": {"bigInt": "20"},
            "c": {"integers": [1, 2, 3]},
            "d": {"clientMutationId": "t"},
            "e": {"string": "1 null {0} {}"},
            "f": {"string": "null x {1,2} {\"k\": [true]}"},
            "g": {"integer": 42}
        }})
    );
    let response = graphql(&api, "mutation { strictSum(input: {}) { integer } }").await;
    assert_eq!(response["data"], Value::Null, "{response}");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"a\""),
        "{response}"
    );
}

/// Function mutations commit with the operation's other fields or not at all: an error raised
/// by one is a GraphQL error with its SQLSTATE, and the rows added before it are gone.
#[tokio::test]
async fn failing_function_rolls_the_mutation_back() {
    let api = api().await;
    let response = graphql_as(
        &api,
        "mutation { a: addPerson(input: {name: \"Kept?\"}) { person { id } } \
         b: createPerson(input: {person: {name: \"Also?\"}}) { person { id } } \
         c: fail(input: {message: \"no way\"}) { integer } }",
        &[("authorization", &alice())],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": null, "errors": [{
            "message": "no way",
            "locations": [{"line": 1, "column": 135}],
            "path": ["c"],
            "extensions": {"code": "P0042"}
        }]})
    );
    assert_eq!(count_people(&api).await, 7);

    // The anonymous role may not call it (the example grants it to managers only).
    let response = graphql(
        &api,
        "mutation { addPerson(input: {name: \"Anon\"}) { person { id } } }",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "42501",
        "{response}"
    );
}

/// Computed columns answer in their row's statement: a value from the row alone, with
/// arguments (a parameter with a default may be left out, one without is null when left out),
/// and arrays.
#[tokio::test]
async fn computed_columns() {
    let api = api().await;
    let response = graphql(
        &api,
        "{ allPeople(first: 3) { nodes { name initials tags \
         hi: greeting(greeting: \"Hi\") q: greeting(greeting: \"Yo\", punctuation: \"?\") \
         none: greeting } } \
         personById(id: 2) { greeting(greeting: \"Hey\") } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {
            "allPeople": {"nodes": [
                {"name": "Alice", "initials": "A", "tags": ["alice", "other"], "hi": "Hi, Alice!", "q": "Yo, Alice?", "none": null},
                {"name": "Bob", "initials": "B", "tags": ["bob", "student"], "hi": "Hi, Bob!", "q": "Yo, Bob?", "none": null},
                {"name": "Carol", "initials": "C", "tags": ["carol", "student"], "hi": "Hi, Carol!", "q": "Yo, Carol?", "none": null}
            ]},
            "personById": {"greeting": "Hey, Bob!"}
        }})
    );
}

/// A computed column of one row is a nullable object, of a set of rows a connection paged in
/// the function's order, with `totalCount`, `pageInfo`, cursors and `filter`, nested to any depth.
#[tokio::test]
async fn computed_rows() {
    let api = api().await;
    let response = graphql(
        &api,
        "{ allClients { nodes { name \
         openTasks(first: 2, filter: {name: {startsWith: \"Code\"}}) { \
         totalCount pageInfo { hasNextPage } \
         edges { node { id name client { name } projectByProjectId { name } } } } } } \
         taskById(id: 7) { client { name openTasks { nodes { id } } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {
            "allClients": {"nodes": [
                {"name": "Microsoft", "openTasks": {"totalCount": 1, "pageInfo": {"hasNextPage": false}, "edges": [
                    {"node": {"id": 4, "name": "Code w10", "client": {"name": "Microsoft"}, "projectByProjectId": {"name": "Windows 10"}}}
                ]}},
                {"name": "Apple", "openTasks": {"totalCount": 2, "pageInfo": {"hasNextPage": false}, "edges": [
                    {"node": {"id": 8, "name": "Code OSX", "client": {"name": "Apple"}, "projectByProjectId": {"name": "OSX"}}},
                    {"node": {"id": 6, "name": "Code IOS", "client": {"name": "Apple"}, "projectByProjectId": {"name": "IOS"}}}
                ]}}
            ]},
            "taskById": {"client": {"name": "Apple", "openTasks": {"nodes": [{"id": 8}, {"id": 6}, {"id": 5}]}}}
        }})
    );
    let response = graphql(
        &api,
        "{ clientById(id: 2) { openTasks(first: 1, offset: 1) { pageInfo { hasNextPage hasPreviousPage } nodes { id } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"clientById": {"openTasks": {
            "pageInfo": {"hasNextPage": true, "hasPreviousPage": true}, "nodes": [{"id": 6}]
        }}}})
    );
}

/// A computed column computed from the row alone can be filtered on, as with
/// postgraphile-plugin-connection-filter.
#[tokio::test]
async fn filter_on_computed_columns() {
    let api = api().await;
    let response = graphql(
        &api,
        "{ allPeople(filter: {or: [{initials: {in: [\"D\", \"E\"]}}, {tags: {contains: [\"frank\"]}}]}) { \
         totalCount nodes { name } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"allPeople": {"totalCount": 3, "nodes": [
            {"name": "Dan"}, {"name": "Erin"}, {"name": "Frank"}
        ]}}})
    );
}

/// An error raised computing a column is the field's GraphQL error, with Postgres' SQLSTATE.
#[tokio::test]
async fn computed_column_errors() {
    let api = api().await;
    let response = graphql(&api, "{ personById(id: 6) { name perDecade } }").await;
    assert_eq!(
        response,
        json!({"data": {"personById": null}, "errors": [{
            "message": "division by zero",
            "locations": [{"line": 1, "column": 3}],
            "path": ["personById"],
            "extensions": {"code": "22012"}
        }]})
    );
}

/// Computed columns are read in their row's statement, however deep: a query of two root
/// fields with computed values, computed connections (with `totalCount`) and computed rows is
/// two statements; two function mutations are two statements in one transaction.
#[tokio::test]
async fn one_statement_per_root_field() {
    let log = StatementLog::new(api().await).await;
    let (response, statements) = log
        .during(graphql(
            &log.api,
            "{ allClients { nodes { name openTasks(first: 1) { totalCount \
             nodes { name client { name openTasks { totalCount } } } } } } \
             allPeople(first: 2, filter: {initials: {equalTo: \"B\"}}) { nodes { initials greeting(greeting: \"Hi\") } } }",
        ))
        .await;
    assert_eq!(
        response,
        json!({"data": {
            "allClients": {"nodes": [
                {"name": "Microsoft", "openTasks": {"totalCount": 2, "nodes": [
                    {"name": "Code w10", "client": {"name": "Microsoft", "openTasks": {"totalCount": 2}}}
                ]}},
                {"name": "Apple", "openTasks": {"totalCount": 3, "nodes": [
                    {"name": "Code OSX", "client": {"name": "Apple", "openTasks": {"totalCount": 3}}}
                ]}}
            ]},
            "allPeople": {"nodes": [{"initials": "B", "greeting": "Hi, Bob!"}]}
        }})
    );
    assert_eq!(
        kinds(&statements),
        ["begin", "settings", "statement", "statement", "commit"]
    );

    let (response, statements) = log
        .during(graphql_as(
            &log.api,
            "mutation { addPerson(input: {name: \"Zoe\"}) { person { initials } } \
             addPeople(input: {names: [\"Yan\"]}) { people { id } } }",
            &[("authorization", &alice())],
        ))
        .await;
    assert_eq!(
        response,
        json!({"data": {"addPerson": {"person": {"initials": "Z"}}, "addPeople": {"people": [{"id": 9}]}}})
    );
    assert_eq!(
        kinds(&statements),
        ["begin", "settings", "statement", "statement", "commit"]
    );
}
