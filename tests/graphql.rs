//! GraphQL over HTTP against the example database.

mod common;

use axum::http::{Method, StatusCode};
use common::statements::{StatementLog, kinds};
use common::{TestApi, bearer};
use serde_json::{Value, json};

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

/// One value of the test database, read by the superuser.
async fn scalar<T>(api: &TestApi, sql: &'static str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql)
        .fetch_one(&mut api.admin().await)
        .await
        .unwrap()
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

/// The `n`th GraphQL example of the README's GraphQL section.
fn readme_example_query(n: usize) -> &'static str {
    let readme = include_str!("../README.md");
    let mut section = &readme[readme.find("## GraphQL").unwrap()..];
    for _ in 0..n {
        section = &section[section.find("```graphql\n").unwrap() + 1..];
    }
    let start = section.find("```graphql\n").unwrap() + "```graphql\n".len();
    &section[start..start + section[start..].find("```").unwrap()]
}

/// The mutation example in the README's GraphQL section answers as shown here.
#[tokio::test]
async fn readme_mutation_example() {
    let api = TestApi::new().await;
    assert_eq!(
        graphql_as(
            &api,
            readme_example_query(1),
            &[("authorization", &alice())]
        )
        .await,
        json!({"data": {
            "createProject": {"project": {
                "nodeId": "WyJwcm9qZWN0cyIsMTBd",
                "name": "Surface",
                "clientByClientId": {"name": "Microsoft"}
            }},
            "updatePersonById": {"person": {"name": "Bob", "age": 18}},
            "deletePerson": {"deletedPersonId": "WyJwZW9wbGUiLDdd"}
        }})
    );
}

/// The example in the README's GraphQL section answers as shown here.
#[tokio::test]
async fn readme_example() {
    let query = readme_example_query(0);
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

/// A request runs one transaction, with one statement per root field whatever the depth: two root
/// fields, one three levels deep with a relation filter and `totalCount`, are `BEGIN`, the
/// request's settings, two statements and `COMMIT`, and nothing else reaches the database.
#[tokio::test]
async fn one_transaction_one_statement_per_root_field() {
    let log = StatementLog::new(TestApi::new().await).await;
    let (response, statements) = log
        .during(graphql(
            &log.api,
            "{ allClients(orderBy: ID_ASC, filter: {projectsByClientId: {some: {name: {includes: \"O\"}}}}) { \
             totalCount nodes { name projectsByClientId { nodes { name \
             tasksByProjectId(first: 1) { nodes { name projectByProjectId { name } } } } } } } \
             personById(id: 2) { name } }",
        ))
        .await;
    assert_eq!(
        response,
        json!({"data": {
            "allClients": {"totalCount": 1, "nodes": [{"name": "Apple", "projectsByClientId": {"nodes": [
                {"name": "IOS", "tasksByProjectId": {"nodes": [
                    {"name": "Design IOS", "projectByProjectId": {"name": "IOS"}}
                ]}},
                {"name": "OSX", "tasksByProjectId": {"nodes": [
                    {"name": "Design OSX", "projectByProjectId": {"name": "OSX"}}
                ]}}
            ]}}]},
            "personById": {"name": "Bob"}
        }})
    );
    assert_eq!(
        kinds(&statements),
        ["begin", "settings", "statement", "statement", "commit"],
        "{statements:#?}"
    );
    assert!(statements[0].starts_with("BEGIN READ ONLY"));
}

/// A failed root field of a query leaves the others answering from the same snapshot: only a
/// statement with statements before and after it runs behind a savepoint, and a first statement
/// that fails takes its transaction with it.
#[tokio::test]
async fn failed_query_fields_leave_the_others_answering() {
    let log = StatementLog::new(TestApi::new().await).await;
    let (response, statements) = log
        .during(graphql(
            &log.api,
            "{ a: personById(id: 1) { name } b: allAccounts { totalCount } c: userById(id: 2) { name } }",
        ))
        .await;
    assert_eq!(
        response["data"],
        json!({"a": {"name": "Alice"}, "b": null, "c": {"name": "Bert"}})
    );
    assert_eq!(response["errors"][0]["extensions"]["code"], "42501");
    assert_eq!(response["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        kinds(&statements),
        [
            "begin",
            "settings",
            "statement",
            "savepoint",
            "statement",
            "rollback to savepoint",
            "statement",
            "commit"
        ],
        "{statements:#?}"
    );

    let (response, statements) = log
        .during(graphql(
            &log.api,
            "{ b: allAccounts { totalCount } a: personById(id: 1) { name } }",
        ))
        .await;
    assert_eq!(response["data"], json!({"b": null, "a": {"name": "Alice"}}));
    // The failed transaction's ROLLBACK runs when its connection is next used, which may be
    // after the fresh transaction began on another connection.
    let kinds = kinds(&statements);
    let (rollbacks, others): (Vec<&str>, Vec<&str>) =
        kinds.iter().partition(|kind| **kind == "rollback");
    assert_eq!(rollbacks, ["rollback"], "{statements:#?}");
    assert_eq!(
        others,
        [
            "begin",
            "settings",
            "statement",
            "begin",
            "settings",
            "statement",
            "commit"
        ],
        "{statements:#?}"
    );
}

/// All root fields read one snapshot: the transaction's start time is the same for each.
#[tokio::test]
async fn root_fields_share_one_snapshot() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE VIEW api.clock AS SELECT now()::text AS started, pg_backend_pid() AS pid; \
             GRANT SELECT ON api.clock TO web_anon",
        )
        .await;
    let response = graphql(
        &api,
        "{ a: allClocks { nodes { started pid } } b: allClocks { nodes { started pid } } }",
    )
    .await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(response["data"]["a"], response["data"]["b"]);
}
/// The fields of a mutation commit together or not at all; a failed one leaves `data` null.
#[tokio::test]
async fn mutations_are_atomic() {
    let api = TestApi::new().await;
    let alice = alice();
    let response = graphql_as(
        &api,
        "mutation { a: createPerson(input: {person: {name: \"Zoe\"}}) { person { name } } \
         b: createClient(input: {client: {id: 1, name: \"Dup\"}}) { client { name } } \
         c: createPerson(input: {person: {name: \"Yan\"}}) { person { name } } }",
        &[("authorization", &alice)],
    )
    .await;
    assert_eq!(response["data"], Value::Null, "{response}");
    let errors = response["errors"].as_array().unwrap();
    assert_eq!(errors[0]["extensions"]["code"], "23505", "{response}");
    assert_eq!(errors[0]["path"], json!(["b"]));
    assert_eq!(errors[1]["extensions"]["code"], "25P02", "{response}");
    assert_eq!(errors[1]["path"], json!(["c"]));
    assert_eq!(
        scalar::<i64>(&api, "SELECT count(*) FROM api.people").await,
        7
    );

    let response = graphql_as(
        &api,
        "mutation { a: createPerson(input: {person: {name: \"Zoe\"}}) { person { name } } \
         c: createClient(input: {client: {id: 3, name: \"Sun\"}}) { client { name } } }",
        &[("authorization", &alice)],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"a": {"person": {"name": "Zoe"}}, "c": {"client": {"name": "Sun"}}}})
    );
    assert_eq!(
        scalar::<i64>(&api, "SELECT count(*) FROM api.people").await,
        8
    );
}

/// `createX` inserts one row through the shared insert plan and returns it in PostGraphile's
/// payload: the row with its relations, its edge, its to-one relations, `clientMutationId` and
/// `query`, which reads in the same transaction.
#[tokio::test]
async fn create_returns_the_row_in_its_payload() {
    let api = TestApi::new().await;
    let alice = alice();
    let response = graphql_as(
        &api,
        "mutation { createProject(input: {clientMutationId: \"m1\", \
         project: {id: 10, name: \"New\", clientId: 1}}) { \
         clientMutationId project { id name clientByClientId { name } tasksByProjectId { nodes { id } } } \
         projectEdge { node { name } } clientByClientId { id } \
         query { projectById(id: 10) { name } allProjects { totalCount } } } }",
        &[("authorization", &alice)],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"createProject": {
            "clientMutationId": "m1",
            "project": {
                "id": 10,
                "name": "New",
                "clientByClientId": {"name": "Microsoft"},
                "tasksByProjectId": {"nodes": []}
            },
            "projectEdge": {"node": {"name": "New"}},
            "clientByClientId": {"id": 1},
            "query": {"projectById": {"name": "New"}, "allProjects": {"totalCount": 6}}
        }}})
    );

    // Defaults fill what the input leaves out; values are parsed as the columns' types.
    let response = graphql_as(
        &api,
        "mutation { createPerson(input: {person: {name: \"Zoe\", age: 31, student: null}}) { \
         clientMutationId person { id name age height student } } }",
        &[("authorization", &alice)],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"createPerson": {
            "clientMutationId": null,
            "person": {"id": 8, "name": "Zoe", "age": 31, "height": null, "student": null}
        }}})
    );
}

/// Bad mutation input is a GraphQL error, and nothing is written.
#[tokio::test]
async fn bad_mutation_input_is_an_error() {
    let api = TestApi::new().await;
    let alice = alice();
    for (mutation, message) in [
        (
            "mutation { createPerson(input: {person: {age: 3}}) { person { id } } }",
            "name",
        ),
        (
            "mutation { createPerson(input: {person: {name: \"x\", nope: 1}}) { person { id } } }",
            "nope",
        ),
        (
            "mutation { createPerson(input: {person: {name: \"x\", age: \"old\"}}) { person { id } } }",
            "age",
        ),
    ] {
        let response = graphql_as(&api, mutation, &[("authorization", &alice)]).await;
        assert_eq!(response["data"], Value::Null, "{response}");
        let error = response["errors"][0]["message"].as_str().unwrap();
        assert!(error.contains(message), "{mutation}: {response}");
    }
    // Anonymous callers may not insert: Postgres says so, with its code.
    let response = graphql(
        &api,
        "mutation { createPerson(input: {person: {name: \"x\"}}) { person { id } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": null, "errors": [{
            "message": "permission denied for table people",
            "locations": [{"line": 1, "column": 12}],
            "path": ["createPerson"],
            "extensions": {"code": "42501"}
        }]})
    );
    assert_eq!(
        scalar::<i64>(&api, "SELECT count(*) FROM api.people").await,
        7
    );
}

/// Rows with a primary key are `Node`s with PostGraphile's global ids, read back with
/// `node(nodeId:)` (through fragments on any type) and `person(nodeId:)`.
#[tokio::test]
async fn global_ids_name_rows() {
    let api = TestApi::new().await;
    assert_eq!(
        graphql(
            &api,
            "{ nodeId allPosts(first: 1) { nodes { nodeId userByAuthorId { nodeId } } } \
             a: node(nodeId: \"WyJwZW9wbGUiLDFd\") { __typename nodeId ... on Person { name } \
               ...C } \
             b: person(nodeId: \"WyJwZW9wbGUiLDFd\") { id nodeId } \
             c: person(nodeId: \"WyJwb3N0cyIsMV0=\") { id } \
             d: node(nodeId: \"WyJub3BlIiwxXQ==\") { nodeId } \
             e: node(nodeId: \"query\") { __typename nodeId } \
             f: clientById(id: 2) { nodeId } } \
             fragment C on Client { name projectsByClientId { nodes { id } } }"
        )
        .await,
        json!({"data": {
            "nodeId": "query",
            "allPosts": {"nodes": [{"nodeId": "WyJwb3N0cyIsMV0=", "userByAuthorId": {"nodeId": "WyJ1c2VycyIsMV0="}}]},
            "a": {"__typename": "Person", "nodeId": "WyJwZW9wbGUiLDFd", "name": "Alice"},
            "b": {"id": 1, "nodeId": "WyJwZW9wbGUiLDFd"},
            "c": null,
            "d": null,
            "e": {"__typename": "Query", "nodeId": "query"},
            "f": {"nodeId": "WyJjbGllbnRzIiwyXQ=="}
        }})
    );
    let response = graphql(
        &api,
        "{ a: node(nodeId: \"bad\") { nodeId } b: person(nodeId: \"WyJwZW9wbGUiLCJ4Il0=\") { id } }",
    )
    .await;
    assert_eq!(response["data"], json!({"a": null, "b": null}));
    assert_eq!(response["errors"][0]["message"], "Invalid nodeId \"bad\".");
    assert_eq!(
        response["errors"][1]["message"],
        "invalid input syntax for type integer: \"x\""
    );
    assert_eq!(response["errors"][1]["extensions"]["code"], "22P02");
}

/// `updateX`/`updateXById` set a patch's fields, `deleteX`/`deleteXById` delete, by global id or
/// primary key, through the shared write plans; their payloads return the row as it is after an
/// update and as it was before a delete.
#[tokio::test]
async fn update_and_delete_by_key_or_global_id() {
    let api = TestApi::new().await;
    let alice = alice();
    let response = graphql_as(
        &api,
        "mutation { \
         a: updatePersonById(input: {id: 2, personPatch: {age: 18, student: false}, clientMutationId: \"u\"}) { \
           clientMutationId person { nodeId name age student } } \
         b: updatePerson(input: {nodeId: \"WyJwZW9wbGUiLDNd\", personPatch: {name: \"Caroline\"}}) { \
           person { id name } } \
         c: deletePostById(input: {id: 3}) { deletedPostId post { headline } userByAuthorId { name } } \
         d: deleteTask(input: {nodeId: \"WyJ0YXNrcyIsOF0=\"}) { task { name projectByProjectId { name } } } }",
        &[("authorization", &alice)],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {
            "a": {"clientMutationId": "u", "person": {"nodeId": "WyJwZW9wbGUiLDJd", "name": "Bob", "age": 18, "student": false}},
            "b": {"person": {"id": 3, "name": "Caroline"}},
            "c": {"deletedPostId": "WyJwb3N0cyIsM10=", "post": {"headline": "Hi"}, "userByAuthorId": {"name": "Bert"}},
            "d": {"task": {"name": "Code OSX", "projectByProjectId": {"name": "OSX"}}}
        }})
    );
    assert_eq!(
        scalar::<String>(
            &api,
            "SELECT string_agg(concat_ws(':', id, name, age, student), ' ' ORDER BY id) FROM api.people WHERE id IN (2, 3)"
        )
        .await,
        "2:Bob:18:f 3:Caroline:22:t"
    );
    assert_eq!(
        scalar::<i64>(
            &api,
            "SELECT (SELECT count(*) FROM api.post) + (SELECT count(*) FROM api.tasks)"
        )
        .await,
        2 + 7
    );
}

/// An update or delete that names no row, an empty patch and a global id of another table are
/// errors, and the mutation writes nothing.
#[tokio::test]
async fn updates_and_deletes_of_no_row_are_errors() {
    let api = TestApi::new().await;
    let alice = alice();
    for (mutation, message) in [
        (
            "updatePersonById(input: {id: 99, personPatch: {age: 1}}) { person { id } }",
            "No values were updated in collection 'people' because no values you asked to update could be found.",
        ),
        (
            "deletePersonById(input: {id: 99}) { person { id } }",
            "No values were deleted in collection 'people' because no values you asked to delete could be found.",
        ),
        (
            "updatePersonById(input: {id: 1, personPatch: {}}) { person { id } }",
            "Attempted to update a record, but no new values were specified.",
        ),
        (
            "deletePerson(input: {nodeId: \"WyJwb3N0cyIsM10=\"}) { person { id } }",
            "The nodeId \"WyJwb3N0cyIsM10=\" does not identify a `Person`.",
        ),
    ] {
        let response = graphql_as(
            &api,
            &format!("mutation {{ ok: updatePersonById(input: {{id: 1, personPatch: {{age: 1}}}}) {{ person {{ id }} }} bad: {mutation} }}"),
            &[("authorization", &alice)],
        )
        .await;
        assert_eq!(response["data"], Value::Null, "{response}");
        assert_eq!(response["errors"][0]["message"], message, "{response}");
        assert_eq!(response["errors"][0]["path"], json!(["bad"]));
    }
    assert_eq!(
        scalar::<i32>(&api, "SELECT age FROM api.people WHERE id = 1").await,
        30
    );
}

/// The names of a connection's page and its `pageInfo`, read by `args`.
async fn page(api: &TestApi, connection: &str, args: &str) -> (Vec<String>, Value) {
    let response = graphql(
        api,
        &format!(
            "{{ c: {connection}({args}) {{ edges {{ cursor node {{ name }} }} \
             pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
        ),
    )
    .await;
    let c = &response["data"]["c"];
    assert!(response.get("errors").is_none(), "{args}: {response}");
    let edges = c["edges"].as_array().unwrap();
    let names = edges
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect();
    // The page's cursors are its first and last edges'.
    assert_eq!(
        c["pageInfo"]["startCursor"],
        edges.first().map_or(Value::Null, |e| e["cursor"].clone())
    );
    assert_eq!(
        c["pageInfo"]["endCursor"],
        edges.last().map_or(Value::Null, |e| e["cursor"].clone())
    );
    (names, c["pageInfo"].clone())
}

/// Paging forwards with `first`/`after` and backwards with `last`/`before`, two rows at a time,
/// visits every row once in the connection's order, whatever the order and its nulls (Postgres
/// sorts them last ascending and first descending); `hasNextPage` and `hasPreviousPage` tell
/// when to stop. Tables without a primary key page by position.
#[tokio::test]
async fn cursors_page_through_every_row_both_ways() {
    let api = TestApi::new().await;
    for (connection, order) in [
        ("allPeople", "PRIMARY_KEY_ASC"),
        ("allPeople", "AGE_DESC"),
        ("allPeople", "AGE_ASC"),
        ("allPeople", "[STUDENT_DESC, HEIGHT_ASC]"),
        ("allAdults", "NATURAL"),
        ("allAdults", "NAME_DESC"),
    ] {
        let (all, info) = page(&api, connection, &format!("orderBy: {order}")).await;
        assert_eq!(info["hasNextPage"], false);
        let mut forwards: Vec<String> = Vec::new();
        let mut after = String::new();
        loop {
            let (names, info) = page(
                &api,
                connection,
                &format!("orderBy: {order}, first: 2{after}"),
            )
            .await;
            forwards.extend(names);
            if info["hasNextPage"] == false {
                break;
            }
            after = format!(", after: {}", info["endCursor"]);
        }
        assert_eq!(forwards, all, "{connection} {order} forwards");

        let before_last = match connection {
            // Without a primary key, `last` needs a `before`: the end of the whole set.
            "allAdults" => {
                let (_, info) = page(
                    &api,
                    connection,
                    &format!("orderBy: {order}, first: 9, offset: {}", all.len() - 1),
                )
                .await;
                let (_, end) = page(
                    &api,
                    connection,
                    &format!("orderBy: {order}, after: {}", info["endCursor"]),
                )
                .await;
                assert_eq!(end["endCursor"], Value::Null);
                // The last row is read on its own, then the others backwards from it.
                let (last, info) = page(
                    &api,
                    connection,
                    &format!("orderBy: {order}, first: 9, offset: {}", all.len() - 1),
                )
                .await;
                (last, format!(", before: {}", info["startCursor"]))
            }
            _ => (Vec::new(), String::new()),
        };
        let (mut backwards, mut before) = before_last;
        loop {
            let (mut names, info) = page(
                &api,
                connection,
                &format!("orderBy: {order}, last: 2{before}"),
            )
            .await;
            names.append(&mut backwards);
            backwards = names;
            if info["hasPreviousPage"] == false {
                break;
            }
            before = format!(", before: {}", info["startCursor"]);
        }
        assert_eq!(backwards, all, "{connection} {order} backwards");
    }
}

/// Cursors in exact JSON: PostGraphile's `pageInfo` for `first`/`after` and `last`/`before`,
/// `totalCount` ignoring the cursors, nested connections and a mutation payload's edge.
#[tokio::test]
async fn cursors_and_page_info() {
    let api = TestApi::new().await;
    // ["ID_ASC",2]
    let after_bob = "WyJJRF9BU0MiLDJd";
    assert_eq!(
        graphql(
            &api,
            &format!(
                "{{ a: allPeople(first: 2, after: \"{after_bob}\") {{ totalCount edges {{ cursor node {{ id }} }} \
                 pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} \
                 b: allPeople(last: 1, before: \"{after_bob}\") {{ nodes {{ id }} pageInfo {{ hasNextPage hasPreviousPage }} }} \
                 c: allPeople(first: 1, offset: 1) {{ nodes {{ id }} pageInfo {{ hasNextPage hasPreviousPage }} }} \
                 d: allPeople(first: 1, after: \"WyJJRF9BU0MiLDdd\") {{ nodes {{ id }} pageInfo {{ hasNextPage hasPreviousPage startCursor }} }} \
                 e: allClients {{ nodes {{ projectsByClientId(last: 1) {{ edges {{ cursor node {{ name }} }} pageInfo {{ hasPreviousPage }} }} }} }} }}"
            )
        )
        .await,
        json!({"data": {
            "a": {
                "totalCount": 7,
                "edges": [
                    {"cursor": "WyJJRF9BU0MiLDNd", "node": {"id": 3}},
                    {"cursor": "WyJJRF9BU0MiLDRd", "node": {"id": 4}}
                ],
                "pageInfo": {"hasNextPage": true, "hasPreviousPage": false, "startCursor": "WyJJRF9BU0MiLDNd", "endCursor": "WyJJRF9BU0MiLDRd"}
            },
            "b": {"nodes": [{"id": 1}], "pageInfo": {"hasNextPage": false, "hasPreviousPage": false}},
            "c": {"nodes": [{"id": 2}], "pageInfo": {"hasNextPage": true, "hasPreviousPage": true}},
            "d": {"nodes": [], "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": null}},
            "e": {"nodes": [
                {"projectsByClientId": {"edges": [{"cursor": "WyJJRF9BU0MiLDJd", "node": {"name": "Windows 10"}}], "pageInfo": {"hasPreviousPage": true}}},
                {"projectsByClientId": {"edges": [{"cursor": "WyJJRF9BU0MiLDRd", "node": {"name": "OSX"}}], "pageInfo": {"hasPreviousPage": true}}}
            ]}
        }})
    );
    let alice = alice();
    assert_eq!(
        graphql_as(
            &api,
            "mutation { createPerson(input: {person: {name: \"Zoe\", age: 40}}) { \
             a: personEdge { cursor } b: personEdge(orderBy: AGE_DESC) { cursor node { id } } } }",
            &[("authorization", &alice)],
        )
        .await,
        // ["ID_ASC",8] and ["AGE_DESC,ID_ASC",40,8]
        json!({"data": {"createPerson": {
            "a": {"cursor": "WyJJRF9BU0MiLDhd"},
            "b": {"cursor": "WyJBR0VfREVTQyxJRF9BU0MiLDQwLDhd", "node": {"id": 8}}
        }}})
    );
}

/// Cursors of another order, that do not decode, and paging arguments that do not go together
/// are errors.
#[tokio::test]
async fn bad_cursors_are_errors() {
    let api = TestApi::new().await;
    for (args, message) in [
        (
            "orderBy: NAME_ASC, after: \"WyJJRF9BU0MiLDJd\"",
            "Invalid 'after' cursor - a cursor is only valid within a specific ordering, if you change the order then you'll need different cursors.",
        ),
        (
            "before: \"nope\"",
            "Invalid cursor, please enter a cursor from a previous request, or null.",
        ),
        // ["ID_ASC",1,2]: one value too many
        (
            "after: \"WyJJRF9BU0MiLDEsMl0=\"",
            "Invalid cursor, please enter a cursor from a previous request, or null.",
        ),
        (
            "first: 1, last: 1",
            "Arguments \"first\" and \"last\" may not be used together.",
        ),
        (
            "last: 1, offset: 1",
            "Argument \"offset\" may not be used with \"last\".",
        ),
        (
            "last: -1",
            "Argument \"last\" must not be negative, got -1.",
        ),
    ] {
        let response = graphql(
            &api,
            &format!("{{ allPeople({args}) {{ nodes {{ id }} }} }}"),
        )
        .await;
        assert_eq!(response["data"], json!({"allPeople": null}), "{args}");
        assert_eq!(response["errors"][0]["message"], message, "{args}");
    }
    let response = graphql(&api, "{ allAdults(last: 1) { nodes { id } } }").await;
    assert_eq!(
        response["errors"][0]["message"],
        "`Adult` rows in this order have no key to page backwards by: \"last\" needs a \"before\" cursor."
    );
}

/// graphql-js's introspection query, as GraphiQL sends it (`ofType` nine levels deep).
const INTROSPECTION: &str = "query IntrospectionQuery { __schema { description queryType { name } \
    mutationType { name } subscriptionType { name } types { ...FullType } directives { name \
    description isRepeatable locations args(includeDeprecated: true) { ...InputValue } } } } \
    fragment FullType on __Type { kind name description specifiedByURL isOneOf \
    fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } \
    type { ...TypeRef } isDeprecated deprecationReason } \
    inputFields(includeDeprecated: true) { ...InputValue } interfaces { ...TypeRef } \
    enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } \
    possibleTypes { ...TypeRef } } \
    fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue \
    isDeprecated deprecationReason } \
    fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name \
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name \
    ofType { kind name } } } } } } } } } }";

/// The default limits let GraphiQL's introspection through and stop deeper queries; the
/// limits and introspection are configurable.
#[tokio::test]
async fn depth_complexity_and_introspection_limits() {
    let api = TestApi::new().await;
    let response = graphql(&api, INTROSPECTION).await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(response["data"]["__schema"]["queryType"]["name"], "Query");
    assert_eq!(
        response["data"]["__schema"]["mutationType"]["name"],
        "Mutation"
    );

    // 16 levels of fields pass, 17 do not.
    let nested = |levels: usize| "{ query ".repeat(levels - 1) + "{ nodeId" + &" }".repeat(levels);
    assert_eq!(graphql(&api, &nested(16)).await["errors"], Value::Null);
    assert_eq!(
        graphql(&api, &nested(17)).await,
        json!({"data": null, "errors": [{"message": "Query is nested too deep."}]})
    );

    let limited = TestApi::with_settings(&[
        ("graphql-max-complexity", "3"),
        ("graphql-max-depth", "0"),
        ("graphql-introspection", "false"),
    ])
    .await;
    assert_eq!(
        graphql(&limited, "{ personById(id: 1) { id name } }").await,
        json!({"data": {"personById": {"id": 1, "name": "Alice"}}})
    );
    assert_eq!(
        graphql(&limited, "{ personById(id: 1) { id name age } }").await,
        json!({"data": null, "errors": [{"message": "Query is too complex."}]})
    );
    assert_eq!(graphql(&limited, &nested(3)).await["errors"], Value::Null);
    let response = graphql(&limited, "{ __schema { queryType { name } } }").await;
    assert_eq!(response["data"], Value::Null, "{response}");
    assert_eq!(
        graphql(&limited, "{ __typename }").await,
        json!({"data": {"__typename": "Query"}})
    );
}

/// A mutation whose transaction fails at `COMMIT` (a deferred constraint) reports Postgres'
/// error with its code and details, without data, and keeps nothing.
#[tokio::test]
async fn errors_at_commit_are_reported() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE TABLE api.pairs (id int PRIMARY KEY, other int, CONSTRAINT pairs_other_fkey \
             FOREIGN KEY (other) REFERENCES api.pairs DEFERRABLE INITIALLY DEFERRED); \
             GRANT ALL ON api.pairs TO managers",
        )
        .await;
    let alice = alice();
    let response = graphql_as(
        &api,
        "mutation { createPair(input: {pair: {id: 1, other: 2}}) { pair { id other } } }",
        &[("authorization", &alice)],
    )
    .await;
    assert_eq!(
        response,
        json!({"data": null, "errors": [{
            "message": "insert or update on table \"pairs\" violates foreign key constraint \"pairs_other_fkey\"",
            "extensions": {"code": "23503", "details": "Key (other)=(2) is not present in table \"pairs\"."}
        }]})
    );
    assert_eq!(
        scalar::<i64>(&api, "SELECT count(*) FROM api.pairs").await,
        0
    );
}

/// With `db-tx-end = rollback`, a mutation answers as if committed and keeps nothing.
#[tokio::test]
async fn mutations_follow_db_tx_end() {
    let api = TestApi::with_settings(&[("db-tx-end", "rollback")]).await;
    let alice = alice();
    assert_eq!(
        graphql_as(
            &api,
            "mutation { createPerson(input: {person: {name: \"Zoe\"}}) { person { id name } } }",
            &[("authorization", &alice)],
        )
        .await,
        json!({"data": {"createPerson": {"person": {"id": 8, "name": "Zoe"}}}})
    );
    assert_eq!(
        scalar::<i64>(&api, "SELECT count(*) FROM api.people").await,
        7
    );
}

/// STABLE and IMMUTABLE functions are root fields: a set of a table's rows is a connection
/// (paged by position, filterable, counted, its rows with their relations), one row is an object,
/// one value a scalar; all in one statement, through the shared call plan.
#[tokio::test]
async fn functions_are_query_fields() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE FUNCTION api.apple_first() RETURNS SETOF api.clients LANGUAGE sql STABLE \
               AS $$ SELECT * FROM api.clients ORDER BY id DESC $$; \
             CREATE FUNCTION api.oldest() RETURNS api.people LANGUAGE sql STABLE \
               AS $$ SELECT * FROM api.people ORDER BY age DESC NULLS LAST LIMIT 1 $$; \
             CREATE FUNCTION api.people_count(min_age int DEFAULT 0) RETURNS bigint LANGUAGE sql \
               IMMUTABLE AS $$ SELECT count(*) FROM api.people WHERE age >= min_age $$; \
             CREATE FUNCTION api.bump() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; \
             CREATE FUNCTION api.shout(p api.people) RETURNS text LANGUAGE sql STABLE \
               AS $$ SELECT upper(p.name) $$;",
        )
        .await;
    assert_eq!(
        graphql(
            &api,
            "{ appleFirst(first: 1) { totalCount nodes { name projectsByClientId { totalCount } } \
               pageInfo { hasNextPage endCursor } } \
             rest: appleFirst(after: \"WyJOQVRVUkFMIiwxXQ==\") { nodes { name } } \
             peopleOver(minAge: 18, filter: {student: {equalTo: true}}) { totalCount nodes { name nodeId } } \
             oldest { name age } \
             all: peopleCount \
             adults: peopleCount(minAge: 18) }"
        )
        .await,
        json!({"data": {
            "appleFirst": {
                "totalCount": 2,
                "nodes": [{"name": "Apple", "projectsByClientId": {"totalCount": 2}}],
                "pageInfo": {"hasNextPage": true, "endCursor": "WyJOQVRVUkFMIiwxXQ=="}
            },
            "rest": {"nodes": [{"name": "Microsoft"}]},
            "peopleOver": {"totalCount": 2, "nodes": [
                {"name": "Carol", "nodeId": "WyJwZW9wbGUiLDNd"},
                {"name": "Erin", "nodeId": "WyJwZW9wbGUiLDVd"}
            ]},
            "oldest": {"name": "Dan", "age": 45},
            "all": "6",
            "adults": "4"
        }})
    );
    // VOLATILE functions (mutations) and functions taking a row that are no computed columns
    // are no query fields.
    for (query, message) in [
        ("{ bump }", "Unknown field \"bump\" on type \"Query\"."),
        ("{ shout }", "Unknown field \"shout\" on type \"Query\"."),
    ] {
        let response = graphql(&api, query).await;
        assert_eq!(response["errors"][0]["message"], message, "{query}");
    }
    // An argument left out is null (`age > NULL` holds for no row).
    assert_eq!(
        graphql(&api, "{ peopleOver { totalCount } }").await,
        json!({"data": {"peopleOver": {"totalCount": 0}}})
    );
}
