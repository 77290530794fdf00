//! The GraphQL API against the example database in a throwaway cluster, as `web_anon`.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_graphql::dynamic::Schema;
use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgConnection};
use tokio::sync::Mutex;

use super::{Options, RequestData, build, execute};
use crate::auth::Authenticator;
use crate::config::JwtConfig;
use crate::context::{RequestContext, SettingsConfig};
use crate::db::{Database, End, PoolSettings};
use crate::embedded::{self, Cluster};

const DATABASE: &str = "graphql";

/// Types and keys the example database does not have, in a schema of their own.
const EXTRA: &str = r#"
CREATE SCHEMA gql_extra;
CREATE TABLE gql_extra.things (
    id    bigint PRIMARY KEY,
    price numeric,
    ratio float8,
    tags  text[],
    data  jsonb,
    at    timestamptz,
    uid   uuid,
    "HTTPStatus" int2 NOT NULL DEFAULT 200
);
COMMENT ON COLUMN gql_extra.things.price IS 'Exact price';
INSERT INTO gql_extra.things VALUES
    (9007199254740993, 12345678901234567890.000000000000000001, 0.5, '{a,"b,c"}', '{"k": [1, 2]}',
     '2024-01-02 03:04:05+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 201),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, 404);
CREATE TABLE gql_extra.memberships (
    user_id  int,
    group_id int,
    note     text,
    PRIMARY KEY (user_id, group_id)
);
INSERT INTO gql_extra.memberships VALUES (1, 2, 'one-two'), (2, 1, 'two-one');
CREATE TABLE gql_extra.empty ();
CREATE TABLE gql_extra.users (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO gql_extra.users VALUES (1, 'Ann'), (2, 'Bert'), (3, 'Cleo');
CREATE TABLE gql_extra.profiles (
    id      int PRIMARY KEY,
    user_id int NOT NULL UNIQUE REFERENCES gql_extra.users,
    bio     text
);
INSERT INTO gql_extra.profiles VALUES (1, 1, 'Ann here'), (2, 2, NULL);
CREATE TABLE gql_extra.messages (
    id           int PRIMARY KEY,
    sender_id    int NOT NULL REFERENCES gql_extra.users,
    recipient_id int REFERENCES gql_extra.users,
    body         text
);
INSERT INTO gql_extra.messages VALUES
    (1, 1, 2, 'hi Bert'), (2, 2, 1, 'hi Ann'), (3, 1, NULL, 'note to self'),
    (4, 1, 3, '50% off_*'), (5, 3, 1, '50 percent off');
CREATE TABLE gql_extra.employees (
    id         int PRIMARY KEY,
    name       text NOT NULL,
    manager_id int REFERENCES gql_extra.employees
);
INSERT INTO gql_extra.employees VALUES (1, 'Boss', NULL), (2, 'Mid', 1), (3, 'Low', 2);
-- The column's field name is the name its foreign key's relation field would have.
CREATE TABLE gql_extra.notes (
    id                int PRIMARY KEY,
    author_id         int REFERENCES gql_extra.users,
    user_by_author_id text
);
GRANT USAGE ON SCHEMA gql_extra TO web_anon;
GRANT SELECT ON ALL TABLES IN SCHEMA gql_extra TO web_anon;
"#;

/// The tests share one cluster while any of them runs; the last one to finish stops it.
static SHARED: Mutex<Weak<Cluster>> = Mutex::const_new(Weak::new());

async fn cluster() -> Arc<Cluster> {
    let mut shared = SHARED.lock().await;
    if let Some(cluster) = shared.upgrade() {
        return cluster;
    }
    let cluster = tokio::task::spawn_blocking(Cluster::start)
        .await
        .unwrap()
        .unwrap();
    embedded::load_example(&cluster, DATABASE).await.unwrap();
    let mut conn = PgConnection::connect(&cluster.url("postgres", DATABASE))
        .await
        .unwrap();
    sqlx::raw_sql(EXTRA).execute(&mut conn).await.unwrap();
    let cluster = Arc::new(cluster);
    *shared = Arc::downgrade(&cluster);
    cluster
}

struct Api {
    schema: Schema,
    data: RequestData,
    _cluster: Arc<Cluster>,
}

impl Api {
    async fn new(exposed: &str, options: Options) -> Api {
        Api::in_database(DATABASE, exposed, options).await
    }

    async fn in_database(database: &str, exposed: &str, options: Options) -> Api {
        let cluster = cluster().await;
        let mut conn = PgConnection::connect(&cluster.url("postgres", database))
            .await
            .unwrap();
        let cache = crate::schema::load(&mut conn, &[exposed.to_owned()])
            .await
            .unwrap();
        let exposed = cache.schema(exposed).unwrap().clone();
        let schema = build(Arc::new(cache), &exposed, options).unwrap();
        let connect: PgConnectOptions = cluster.url("authenticator", database).parse().unwrap();
        let pool = PoolSettings {
            size: 4,
            acquisition_timeout: Duration::from_secs(5),
        };
        let auth = Authenticator::new(&JwtConfig::default(), Some("web_anon".into()));
        let context = RequestContext::new(
            &auth,
            &SettingsConfig::default(),
            &Method::POST,
            &Uri::from_static("/graphql"),
            &HeaderMap::new(),
        )
        .await
        .unwrap();
        let data = RequestData {
            db: Database::connect(connect, &pool),
            context,
            search_path: format!("{}, public", exposed),
            end: End::Commit,
        };
        Api {
            schema,
            data,
            _cluster: cluster,
        }
    }

    async fn example() -> Api {
        Api::new("api", Options::default()).await
    }

    /// The whole response as JSON: `data`, and `errors` when there are any.
    async fn query(&self, query: &str) -> Value {
        self.request(async_graphql::Request::new(query)).await
    }

    async fn request(&self, request: async_graphql::Request) -> Value {
        let response = execute(&self.schema, request, self.data.clone()).await;
        serde_json::to_value(&response).unwrap()
    }

    /// `data` of a response that must have no errors.
    async fn data(&self, query: &str) -> Value {
        let response = self.query(query).await;
        assert!(response.get("errors").is_none(), "{response}");
        response["data"].clone()
    }
}

#[tokio::test]
async fn connection_with_condition_in_primary_key_order() {
    let api = Api::example().await;
    assert_eq!(
        api.data("{ allPeople(first: 2, condition: {student: true}) { nodes { name age } } }")
            .await,
        json!({"allPeople": {"nodes": [{"name": "Bob", "age": 17}, {"name": "Carol", "age": 22}]}})
    );
}

#[tokio::test]
async fn row_by_primary_key_or_null() {
    let api = Api::example().await;
    assert_eq!(
        api.data("{ personById(id: 3) { id name student } }").await,
        json!({"personById": {"id": 3, "name": "Carol", "student": true}})
    );
    assert_eq!(
        api.data("{ personById(id: 99) { name } }").await,
        json!({"personById": null})
    );
}

#[tokio::test]
async fn aliases_key_the_response() {
    let api = Api::example().await;
    // Postgres sorts NULLs first in descending order, so Grace (no age) comes first.
    assert_eq!(
        api.data("{ a: allPeople(orderBy: AGE_DESC, first: 1) { nodes { n: name } } }")
            .await,
        json!({"a": {"nodes": [{"n": "Grace"}]}})
    );
    assert_eq!(
        api.data(
            "{ p: personById(id: 1) { x: name y: age name } q: personById(id: 2) { name: age } }"
        )
        .await,
        json!({"p": {"x": "Alice", "y": 30, "name": "Alice"}, "q": {"name": 17}})
    );
}

#[tokio::test]
async fn null_in_a_condition_means_is_null() {
    let api = Api::example().await;
    assert_eq!(
        api.data("{ allPeople(condition: {age: null}) { nodes { id name student } } }")
            .await,
        json!({"allPeople": {"nodes": [{"id": 7, "name": "Grace", "student": null}]}})
    );
}

#[tokio::test]
async fn permission_errors_carry_the_sqlstate() {
    let api = Api::example().await;
    let response = api.query("{ allAccounts { nodes { company } } }").await;
    assert_eq!(response["data"], json!({"allAccounts": null}));
    let error = &response["errors"][0];
    assert_eq!(error["message"], "permission denied for table accounts");
    assert_eq!(error["extensions"]["code"], "42501");
    assert_eq!(error["path"], json!(["allAccounts"]));

    // Other root fields still answer.
    let response = api
        .query("{ personById(id: 1) { name } allAccounts { nodes { company } } }")
        .await;
    assert_eq!(
        response["data"],
        json!({"personById": {"name": "Alice"}, "allAccounts": null})
    );
    assert_eq!(
        response["errors"].as_array().map(Vec::len),
        Some(1),
        "{response}"
    );
}

#[tokio::test]
async fn edges_fragments_typename_and_pages() {
    let api = Api::example().await;
    let query = "{ allPeople(first: 2, offset: 1) { __typename nodes { __typename ...P } \
                 edges { node { name } } } } fragment P on Person { name height }";
    assert_eq!(
        api.data(query).await,
        json!({"allPeople": {
            "__typename": "PeopleConnection",
            "nodes": [
                {"__typename": "Person", "name": "Bob", "height": 172},
                {"__typename": "Person", "name": "Carol", "height": 160}
            ],
            "edges": [{"node": {"name": "Bob"}}, {"node": {"name": "Carol"}}]
        }})
    );
    let response = api
        .query("{ allPeople { nodes { x: name } edges { node { x: age } } } }")
        .await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"x\""),
        "{response}"
    );
}

#[tokio::test]
async fn order_lists_and_variables() {
    let api = Api::example().await;
    let request = async_graphql::Request::new(
        "query($order: [PeopleOrderBy!], $condition: PersonCondition, $first: Int) { \
         allPeople(orderBy: $order, condition: $condition, first: $first) { nodes { id } } }",
    )
    .variables(async_graphql::Variables::from_json(json!({
        "order": ["STUDENT_DESC", "HEIGHT_ASC"],
        "condition": {"student": false},
        "first": 5
    })));
    assert_eq!(
        api.request(request).await,
        json!({"data": {"allPeople": {"nodes": [{"id": 1}, {"id": 4}]}}})
    );
    assert_eq!(
        api.data(
            "{ allPeople(orderBy: [STUDENT_ASC, PRIMARY_KEY_DESC], first: 3) { nodes { id } } }"
        )
        .await,
        json!({"allPeople": {"nodes": [{"id": 4}, {"id": 1}, {"id": 6}]}})
    );
    assert_eq!(
        api.data("{ query { personById(id: 2) { name } } }").await,
        json!({"query": {"personById": {"name": "Bob"}}})
    );
}

#[tokio::test]
async fn negative_pages_are_rejected() {
    let api = Api::example().await;
    for query in [
        "{ allPeople(first: -1) { nodes { id } } }",
        "{ allPeople(offset: -2) { nodes { id } } }",
    ] {
        let response = api.query(query).await;
        assert_eq!(response["data"], json!({"allPeople": null}), "{query}");
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("must not be negative"), "{message}");
    }
}

#[tokio::test]
async fn views_read_in_natural_order_and_max_rows_caps_pages() {
    let api = Api::example().await;
    assert_eq!(
        api.data("{ allAdults(condition: {age: 22}) { nodes { name } } }")
            .await,
        json!({"allAdults": {"nodes": [{"name": "Carol"}]}})
    );
    let options = Options {
        max_rows: Some(2),
        ..Options::default()
    };
    let capped = Api::new("api", options).await;
    // A capped page still tells there is more, at any level.
    assert_eq!(
        capped
            .data(
                "{ a: allPeople(first: 5) { nodes { id } pageInfo { hasNextPage } } \
                 b: allPeople { nodes { id } pageInfo { hasNextPage } } \
                 c: allPeople(last: 3) { nodes { id } pageInfo { hasPreviousPage } } \
                 d: allPeople(first: 1) { nodes { id } } \
                 e: allClients(first: 1) { nodes { projectsByClientId(first: 9) { nodes { id } pageInfo { hasNextPage } } } } }"
            )
            .await,
        json!({
            "a": {"nodes": [{"id": 1}, {"id": 2}], "pageInfo": {"hasNextPage": true}},
            "b": {"nodes": [{"id": 1}, {"id": 2}], "pageInfo": {"hasNextPage": true}},
            "c": {"nodes": [{"id": 6}, {"id": 7}], "pageInfo": {"hasPreviousPage": true}},
            "d": {"nodes": [{"id": 1}]},
            "e": {"nodes": [{"projectsByClientId": {"nodes": [{"id": 1}, {"id": 2}], "pageInfo": {"hasNextPage": false}}}]}
        })
    );
}

#[tokio::test]
async fn sdl_names_types_like_postgraphile() {
    let api = Api::example().await;
    let sdl = api.schema.sdl();
    for expected in [
        "orderBy: [PeopleOrderBy!] = [PRIMARY_KEY_ASC],\n",
        "filter: PersonFilter\n\t): PeopleConnection\n",
        "\t\"\"\"\n\tGet a single `Person`.\n\t\"\"\"\n\tpersonById(id: Int!): Person\n",
        "orderBy: [AdultsOrderBy!] = [NATURAL],\n",
        "filter: AdultFilter\n\t): AdultsConnection\n\t\"\"\"",
        "allPosts(",
        "postById(id: Int!): Post",
        "clientById(id: Int!): Client",
        "\"\"\"\nPeople we know\n\"\"\"\ntype Person implements Node {",
        "\tname: String!\n",
        "\tage: Int\n",
        "\tcontactEmail: String\n",
        "type PeopleConnection {\n",
        "\tnodes: [Person]!\n",
        "\tedges: [PeopleEdge]!\n",
        "type PeopleEdge {\n",
        "input PersonCondition {\n",
        "enum PeopleOrderBy {\n\tNATURAL\n\tID_ASC\n\tID_DESC\n\tNAME_ASC\n",
        "\tPRIMARY_KEY_ASC\n\tPRIMARY_KEY_DESC\n}",
    ] {
        assert!(sdl.contains(expected), "missing {expected:?} in\n{sdl}");
    }
    assert!(!sdl.contains("adultById"));
    assert!(!sdl.contains("BigInt"), "unused scalars are left out");
}

#[tokio::test]
async fn scalars_keep_their_precision() {
    let api = Api::new("gql_extra", Options::default()).await;
    assert_eq!(
        api.data(
            "{ thingById(id: \"9007199254740993\") { id price ratio tags data at uid httpStatus } \
             other: thingById(id: 2) { price tags data } }"
        )
        .await,
        json!({
            "thingById": {
                "id": "9007199254740993",
                "price": "12345678901234567890.000000000000000001",
                "ratio": 0.5,
                "tags": ["a", "b,c"],
                "data": "{\"k\":[1,2]}",
                "at": "2024-01-02T03:04:05.000000+00:00",
                "uid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "httpStatus": 201
            },
            "other": {"price": null, "tags": null, "data": null}
        })
    );
    assert_eq!(
        api.data("{ allThings(condition: {tags: [\"a\", \"b,c\"]}) { nodes { httpStatus } } }")
            .await,
        json!({"allThings": {"nodes": [{"httpStatus": 201}]}})
    );
    let sdl = api.schema.sdl();
    for expected in [
        "scalar BigInt",
        "scalar BigFloat",
        "\tid: BigInt!\n",
        "\ttags: [String]\n",
        "HTTPSTATUS_ASC",
    ] {
        assert!(sdl.contains(expected), "missing {expected:?} in\n{sdl}");
    }
    assert!(
        !sdl.contains("Empty"),
        "relations without columns are skipped"
    );
}

#[tokio::test]
async fn composite_keys_and_database_errors() {
    let api = Api::new("gql_extra", Options::default()).await;
    assert_eq!(
        api.data("{ membershipByUserIdAndGroupId(userId: 2, groupId: 1) { note } }")
            .await,
        json!({"membershipByUserIdAndGroupId": {"note": "two-one"}})
    );
    let response = api
        .query("{ allThings(condition: {uid: \"nope\"}) { nodes { id } } }")
        .await;
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "22P02", "{response}");
    assert_eq!(
        error["message"],
        "invalid input syntax for type uuid: \"nope\""
    );
}

#[tokio::test]
async fn relations_nest_to_any_depth() {
    let api = Api::example().await;
    assert_eq!(
        api.data(
            "{ allClients(orderBy: ID_ASC) { nodes { name projectsByClientId(orderBy: ID_ASC) { \
             nodes { name tasksByProjectId(first: 1, orderBy: ID_ASC) { nodes { name } } } } } } }"
        )
        .await,
        json!({"allClients": {"nodes": [
            {"name": "Microsoft", "projectsByClientId": {"nodes": [
                {"name": "Windows 7", "tasksByProjectId": {"nodes": [{"name": "Design w7"}]}},
                {"name": "Windows 10", "tasksByProjectId": {"nodes": [{"name": "Design w10"}]}}
            ]}},
            {"name": "Apple", "projectsByClientId": {"nodes": [
                {"name": "IOS", "tasksByProjectId": {"nodes": [{"name": "Design IOS"}]}},
                {"name": "OSX", "tasksByProjectId": {"nodes": [{"name": "Design OSX"}]}}
            ]}}
        ]}})
    );
}

#[tokio::test]
async fn to_one_relations_are_objects_or_null() {
    let api = Api::example().await;
    assert_eq!(
        api.data(
            "{ allProjects(condition: {id: 5}) { nodes { name clientByClientId { name } } } }"
        )
        .await,
        json!({"allProjects": {"nodes": [{"name": "Orphan", "clientByClientId": null}]}})
    );
    // Up and down again, with aliases, edges and a nested order.
    assert_eq!(
        api.data(
            "{ taskById(id: 8) { name project: projectByProjectId { name \
             client: clientByClientId { __typename name projectsByClientId(orderBy: NAME_DESC) { \
             edges { node { name } } } } } } }"
        )
        .await,
        json!({"taskById": {"name": "Code OSX", "project": {"name": "OSX", "client": {
            "__typename": "Client",
            "name": "Apple",
            "projectsByClientId": {"edges": [{"node": {"name": "OSX"}}, {"node": {"name": "IOS"}}]}
        }}}})
    );
    // A level that selects no column still has its rows.
    assert_eq!(
        api.data(
            "{ allProjects(first: 2) { nodes { clientByClientId { __typename } \
             tasksByProjectId { nodes { __typename } } } } }"
        )
        .await,
        json!({"allProjects": {"nodes": [
            {"clientByClientId": {"__typename": "Client"},
             "tasksByProjectId": {"nodes": [{"__typename": "Task"}, {"__typename": "Task"}]}},
            {"clientByClientId": {"__typename": "Client"},
             "tasksByProjectId": {"nodes": [{"__typename": "Task"}, {"__typename": "Task"}]}}
        ]}})
    );
}

#[tokio::test]
async fn nodes_and_edges_share_relations() {
    let api = Api::example().await;
    assert_eq!(
        api.data(
            "{ allClients(first: 1) { nodes { p: projectsByClientId(first: 1) { nodes { name } } } \
             edges { node { p: projectsByClientId(first: 1) { nodes { id } } } } } }"
        )
        .await,
        json!({"allClients": {
            "nodes": [{"p": {"nodes": [{"name": "Windows 7"}]}}],
            "edges": [{"node": {"p": {"nodes": [{"id": 1}]}}}]
        }})
    );
    let response = api
        .query(
            "{ allClients { nodes { p: projectsByClientId(first: 1) { nodes { name } } } \
             edges { node { p: projectsByClientId(first: 2) { nodes { id } } } } } }",
        )
        .await;
    assert_eq!(response["data"], json!({"allClients": null}));
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("\"p\""), "{message}");
}

#[tokio::test]
async fn filters_combine_columns_with_and_or_not() {
    let api = Api::example().await;
    let names = |query: &'static str| {
        let api = &api;
        async move {
            let data = api.data(query).await;
            let (_, connection) = data.as_object().unwrap().iter().next().unwrap();
            let nodes = connection["nodes"].as_array().unwrap();
            nodes
                .iter()
                .map(|n| n["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names(
            "{ allPeople(filter: {age: {greaterThanOrEqualTo: 18}, or: [{student: {equalTo: true}}, \
             {name: {startsWith: \"D\"}}]}) { nodes { name } } }"
        )
        .await,
        ["Carol", "Dan", "Erin"]
    );
    for (filter, expected) in [
        ("{student: {isNull: true}}", &["Grace"][..]),
        ("{age: {isNull: false, lessThan: 18}}", &["Bob", "Frank"]),
        (
            "{student: {distinctFrom: true}}",
            &["Alice", "Dan", "Grace"],
        ),
        ("{student: {notDistinctFrom: false}}", &["Alice", "Dan"]),
        ("{student: {notEqualTo: true}}", &["Alice", "Dan"]),
        ("{id: {in: [1, 3, 99]}}", &["Alice", "Carol"]),
        ("{id: {in: 2}}", &["Bob"]),
        ("{not: {id: {notIn: [2]}}}", &["Bob"]),
        (
            "{and: [{height: {greaterThan: 165}}, {height: {lessThanOrEqualTo: 172}}]}",
            &["Bob", "Grace"],
        ),
        // An empty `and` or `or` is no condition, as in the plugin.
        (
            "{or: [], not: {and: []}, id: {lessThan: 3}}",
            &["Alice", "Bob"],
        ),
        ("{name: {includesInsensitive: \"AR\"}}", &["Carol"]),
        ("{name: {notIncludes: \"a\"}}", &["Alice", "Bob", "Erin"]),
        ("{name: {like: \"_r%\"}}", &["Erin", "Frank", "Grace"]),
        ("{name: {notLikeInsensitive: \"%A%\"}}", &["Bob", "Erin"]),
        (
            "{name: {endsWith: \"e\", startsWithInsensitive: \"a\"}}",
            &["Alice"],
        ),
        (
            "{name: {notEndsWithInsensitive: \"E\", notStartsWith: \"B\"}}",
            &["Carol", "Dan", "Erin", "Frank"],
        ),
        ("{name: {in: [\"Dan\", \"Eve\"]}}", &["Dan"]),
        ("{name: {equalTo: \"'; DROP TABLE people; --\"}}", &[]),
    ] {
        let query = format!("{{ allPeople(filter: {filter}) {{ nodes {{ name }} }} }}");
        let query: &'static str = Box::leak(query.into_boxed_str());
        assert_eq!(names(query).await, expected, "{filter}");
    }
}

#[tokio::test]
async fn string_filters_match_literally() {
    let api = Api::new("gql_extra", Options::default()).await;
    for (filter, expected) in [
        ("{body: {includes: \"% off_*\"}}", json!([{"id": 4}])),
        ("{body: {startsWith: \"50%\"}}", json!([{"id": 4}])),
        ("{body: {endsWith: \"_*\"}}", json!([{"id": 4}])),
        ("{body: {like: \"%*\"}}", json!([{"id": 4}])),
        ("{body: {like: \"50\\\\% off\\\\_*\"}}", json!([{"id": 4}])),
        ("{body: {like: \"50_%\"}}", json!([{"id": 4}, {"id": 5}])),
        ("{body: {includes: \".*\"}}", json!([])),
        (
            "{body: {likeInsensitive: \"HI %\"}}",
            json!([{"id": 1}, {"id": 2}]),
        ),
    ] {
        let query = format!("{{ allMessages(filter: {filter}) {{ nodes {{ id }} }} }}");
        assert_eq!(
            api.data(&query).await,
            json!({"allMessages": {"nodes": expected}}),
            "{filter}"
        );
    }
    let response = api
        .query("{ allMessages(filter: {body: {like: \"oops\\\\\"}}) { nodes { id } } }")
        .await;
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("escape character"), "{message}");
}

#[tokio::test]
async fn array_filters() {
    let api = Api::new("gql_extra", Options::default()).await;
    for filter in [
        "{tags: {contains: [\"a\"]}}",
        "{tags: {containedBy: [\"a\", \"b,c\", \"d\"]}}",
        "{tags: {overlaps: [\"b,c\", \"x\"]}}",
        "{tags: {equalTo: [\"a\", \"b,c\"]}}",
        "{tags: {isNull: false}}",
    ] {
        let query = format!("{{ allThings(filter: {filter}) {{ nodes {{ httpStatus }} }} }}");
        assert_eq!(
            api.data(&query).await,
            json!({"allThings": {"nodes": [{"httpStatus": 201}]}}),
            "{filter}"
        );
    }
}

#[tokio::test]
async fn filters_on_related_tables() {
    let api = Api::example().await;
    let projects =
        |filter: &str| format!("{{ allProjects(filter: {filter}) {{ nodes {{ name }} }} }}");
    let names = |value: Value| -> Vec<String> {
        value["allProjects"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for (filter, expected) in [
        (
            "{clientByClientId: {name: {equalTo: \"Apple\"}}}",
            &["IOS", "OSX"][..],
        ),
        (
            "{not: {clientByClientId: {name: {equalTo: \"Apple\"}}}}",
            &["Windows 7", "Windows 10", "Orphan"],
        ),
        (
            "{or: [{clientByClientId: {name: {equalTo: \"Apple\"}}}, {id: {equalTo: 1}}]}",
            &["Windows 7", "IOS", "OSX"],
        ),
        ("{clientByClientIdExists: false}", &["Orphan"]),
        (
            "{tasksByProjectId: {some: {done: {equalTo: true}}}}",
            &["Windows 7", "OSX"],
        ),
        (
            "{tasksByProjectId: {every: {done: {equalTo: false}}}}",
            &["Windows 10", "IOS", "Orphan"],
        ),
        (
            "{tasksByProjectId: {none: {name: {startsWith: \"Design\"}}}}",
            &["Orphan"],
        ),
        (
            "{tasksByProjectId: {some: {done: {equalTo: true}}, none: {done: {equalTo: false}}}}",
            &["Windows 7"],
        ),
        ("{tasksByProjectIdExist: false}", &["Orphan"]),
        (
            "{tasksByProjectId: {every: {or: []}}, id: {greaterThan: 3}}",
            &["OSX", "Orphan"],
        ),
        (
            "{tasksByProjectId: {some: {or: []}}, id: {greaterThan: 3}}",
            &["OSX"],
        ),
        (
            "{tasksByProjectId: {some: {projectByProjectId: {clientByClientId: {id: {equalTo: 2}}}}}}",
            &["IOS", "OSX"],
        ),
    ] {
        assert_eq!(
            names(api.data(&projects(filter)).await),
            expected,
            "{filter}"
        );
    }
    assert_eq!(
        api.data(
            "{ allClients(filter: {projectsByClientId: {some: {tasksByProjectId: {some: \
             {name: {equalTo: \"Code IOS\"}}}}}}) { nodes { name } } }"
        )
        .await,
        json!({"allClients": {"nodes": [{"name": "Apple"}]}})
    );
    // Nested connections take filters too.
    assert_eq!(
        api.data(
            "{ allClients { nodes { name projectsByClientId(filter: {name: {startsWith: \"Windows 1\"}}) \
             { nodes { name } } } } }"
        )
        .await,
        json!({"allClients": {"nodes": [
            {"name": "Microsoft", "projectsByClientId": {"nodes": [{"name": "Windows 10"}]}},
            {"name": "Apple", "projectsByClientId": {"nodes": []}}
        ]}})
    );
}

#[tokio::test]
async fn bad_filters_are_errors() {
    let api = Api::example().await;
    for (filter, expected) in [
        (
            "{}",
            "Empty objects are forbidden in filter argument input.",
        ),
        (
            "{name: {}}",
            "Empty objects are forbidden in filter argument input.",
        ),
        (
            "{name: null}",
            "Null literals are forbidden in filter argument input.",
        ),
        (
            "{name: {equalTo: null}}",
            "Null literals are forbidden in filter argument input.",
        ),
        (
            "{age: {equalTo: 1}, not: null}",
            "Null literals are forbidden in filter argument input.",
        ),
    ] {
        let query = format!("{{ allPeople(filter: {filter}) {{ nodes {{ name }} }} }}");
        let response = api.query(&query).await;
        assert_eq!(response["data"], json!({"allPeople": null}), "{filter}");
        assert_eq!(response["errors"][0]["message"], expected, "{filter}");
    }
    // Values Postgres cannot read are its errors, with its code.
    let response = api
        .query("{ allPeople(filter: {age: {in: [1, 2]}, name: {lessThan: \"x\"}, id: {equalTo: 1}}) { nodes { name } } }")
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let response = api
        .query("{ allPeople(filter: {nope: {equalTo: 1}}) { nodes { name } } }")
        .await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope"),
        "{response}"
    );
}

#[tokio::test]
async fn total_count_and_page_info() {
    let api = Api::example().await;
    let page = "totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage }";
    assert_eq!(
        api.data(&format!(
            "{{ allPeople(condition: {{student: true}}, first: 2) {{ {page} }} }}"
        ))
        .await,
        json!({"allPeople": {
            "totalCount": 4,
            "nodes": [{"name": "Bob"}, {"name": "Carol"}],
            "pageInfo": {"hasNextPage": true, "hasPreviousPage": false}
        }})
    );
    assert_eq!(
        api.data(&format!(
            "{{ allPeople(condition: {{student: true}}, first: 2, offset: 2) {{ {page} }} }}"
        ))
        .await,
        json!({"allPeople": {
            "totalCount": 4,
            "nodes": [{"name": "Erin"}, {"name": "Frank"}],
            "pageInfo": {"hasNextPage": false, "hasPreviousPage": true}
        }})
    );
    assert_eq!(
        api.data(
            "{ allProjects(filter: {clientByClientIdExists: true}) { totalCount } \
             none: allPeople(first: 0) { totalCount pageInfo { hasNextPage } nodes { id } } }"
        )
        .await,
        json!({
            "allProjects": {"totalCount": 4},
            "none": {"totalCount": 7, "pageInfo": {"hasNextPage": true}, "nodes": []}
        })
    );
}

#[tokio::test]
async fn nested_connections_page_and_count() {
    let api = Api::example().await;
    assert_eq!(
        api.data(
            "{ allClients { nodes { first: projectsByClientId(first: 1) { \
             pageInfo { hasNextPage hasPreviousPage } nodes { name } } \
             rest: projectsByClientId(offset: 1) { pageInfo { hasNextPage hasPreviousPage } } } } }"
        )
        .await,
        json!({"allClients": {"nodes": [
            {"first": {"pageInfo": {"hasNextPage": true, "hasPreviousPage": false},
                       "nodes": [{"name": "Windows 7"}]},
             "rest": {"pageInfo": {"hasNextPage": false, "hasPreviousPage": true}}},
            {"first": {"pageInfo": {"hasNextPage": true, "hasPreviousPage": false},
                       "nodes": [{"name": "IOS"}]},
             "rest": {"pageInfo": {"hasNextPage": false, "hasPreviousPage": true}}}
        ]}})
    );
    // totalCount counts the rows the filters match, whatever the page and the cursors, at any
    // depth; a parent without related rows counts 0.
    assert_eq!(
        api.data(
            "{ allProjects { nodes { name \
               all: tasksByProjectId { totalCount } \
               open: tasksByProjectId(first: 1, after: \"WyJJRF9BU0MiLDFd\", \
                 filter: {done: {equalTo: false}, projectByProjectId: {name: {like: \"%O%\"}}}) { \
                 totalCount nodes { name } } \
               clientByClientId { projectsByClientId(first: 1) { totalCount } } } } }"
        )
        .await,
        json!({"allProjects": {"nodes": [
            {"name": "Windows 7", "all": {"totalCount": 2}, "open": {"totalCount": 0, "nodes": []},
             "clientByClientId": {"projectsByClientId": {"totalCount": 2}}},
            {"name": "Windows 10", "all": {"totalCount": 2}, "open": {"totalCount": 0, "nodes": []},
             "clientByClientId": {"projectsByClientId": {"totalCount": 2}}},
            {"name": "IOS", "all": {"totalCount": 2}, "open": {"totalCount": 2, "nodes": [{"name": "Design IOS"}]},
             "clientByClientId": {"projectsByClientId": {"totalCount": 2}}},
            {"name": "OSX", "all": {"totalCount": 2}, "open": {"totalCount": 1, "nodes": [{"name": "Code OSX"}]},
             "clientByClientId": {"projectsByClientId": {"totalCount": 2}}},
            {"name": "Orphan", "all": {"totalCount": 0}, "open": {"totalCount": 0, "nodes": []},
             "clientByClientId": null}
        ]}})
    );
    let request = async_graphql::Request::new(
        "query($count: Boolean!) { allClients(first: 1) { nodes { \
         projectsByClientId { totalCount @include(if: $count) nodes { id } } } } }",
    )
    .variables(async_graphql::Variables::from_json(json!({"count": false})));
    assert_eq!(
        api.request(request).await,
        json!({"data": {"allClients": {"nodes": [
            {"projectsByClientId": {"nodes": [{"id": 1}, {"id": 2}]}}
        ]}}})
    );
}

#[tokio::test]
async fn nested_arguments_take_variables() {
    let api = Api::example().await;
    let request = async_graphql::Request::new(
        "query($n: Int, $f: TaskFilter, $o: [TasksOrderBy!]) { allProjects(first: 1) { nodes { \
         tasksByProjectId(first: $n, filter: $f, orderBy: $o) { nodes { name } } } } }",
    )
    .variables(async_graphql::Variables::from_json(json!({
        "n": 1,
        "f": {"name": {"includes": "w7"}},
        "o": ["NAME_ASC"]
    })));
    assert_eq!(
        api.request(request).await,
        json!({"data": {"allProjects": {"nodes": [
            {"tasksByProjectId": {"nodes": [{"name": "Code w7"}]}}
        ]}}})
    );
    // Absent variables are absent arguments.
    let request = async_graphql::Request::new(
        "query($n: Int, $f: TaskFilter) { allProjects(first: 1) { nodes { \
         tasksByProjectId(first: $n, filter: $f) { nodes { id } } } } }",
    );
    assert_eq!(
        api.request(request).await,
        json!({"data": {"allProjects": {"nodes": [
            {"tasksByProjectId": {"nodes": [{"id": 1}, {"id": 2}]}}
        ]}}})
    );
}

#[tokio::test]
async fn back_relations_to_one_and_unusable_relations() {
    let api = Api::new("gql_extra", Options::default()).await;
    assert_eq!(
        api.data(
            "{ allUsers { nodes { name profileByUserId { bio } \
             messagesBySenderId(filter: {recipientId: {isNull: false}}) { nodes { body \
             userByRecipientId { name } } } } } }"
        )
        .await,
        json!({"allUsers": {"nodes": [
            {"name": "Ann", "profileByUserId": {"bio": "Ann here"}, "messagesBySenderId": {"nodes": [
                {"body": "hi Bert", "userByRecipientId": {"name": "Bert"}},
                {"body": "50% off_*", "userByRecipientId": {"name": "Cleo"}}
            ]}},
            {"name": "Bert", "profileByUserId": {"bio": null}, "messagesBySenderId": {"nodes": [
                {"body": "hi Ann", "userByRecipientId": {"name": "Ann"}}
            ]}},
            {"name": "Cleo", "profileByUserId": null, "messagesBySenderId": {"nodes": [
                {"body": "50 percent off", "userByRecipientId": {"name": "Ann"}}
            ]}}
        ]}})
    );
    assert_eq!(
        api.data(
            "{ allUsers(filter: {profileByUserIdExists: false}) { nodes { name } } \
             allEmployees(filter: {employeeByManagerId: {name: {equalTo: \"Boss\"}}}) { \
             nodes { name employeeByManagerId { name employeeByManagerId { name } } } } }"
        )
        .await,
        json!({
            "allUsers": {"nodes": [{"name": "Cleo"}]},
            "allEmployees": {"nodes": [
                {"name": "Mid", "employeeByManagerId": {"name": "Boss", "employeeByManagerId": null}}
            ]}
        })
    );
    let sdl = api.schema.sdl();
    for expected in [
        "\tprofileByUserId: Profile\n",
        "\tuserByUserId: User\n",
        "\tuserBySenderId: User\n",
        "\tuserByRecipientId: User\n",
        "\tmessagesBySenderId(",
        "\tmessagesByRecipientId(",
        "): MessagesConnection!\n",
        "\tnotesByAuthorId(",
        "\temployeeByManagerId: Employee\n",
        "\tuserByAuthorId: String\n",
        "input UserToManyMessageFilter {\n",
        "\tprofileByUserIdExists: Boolean\n",
        "\tuserByRecipientIdExists: Boolean\n",
        "\tmessagesBySenderId: UserToManyMessageFilter\n",
        "\tmessagesBySenderIdExist: Boolean\n",
        "input StringListFilter {\n",
        "input BigIntFilter {\n",
        "\tprice: BigFloatFilter\n",
    ] {
        assert!(sdl.contains(expected), "missing {expected:?} in\n{sdl}");
    }
    // A key that must be there needs no existence test; a table referencing itself has no
    // to-many field the plan could tell from its to-one field; a relation field whose name a
    // column has is left out; JSON has no filter.
    for absent in [
        "userBySenderIdExists",
        "userByUserIdExists",
        "employeesByManagerId",
        "userByAuthorId: User",
        "JSONFilter",
        "data: ",
    ] {
        let relevant = match absent {
            "data: " => sdl
                .split("input ThingFilter {")
                .nth(1)
                .and_then(|rest| rest.split('}').next())
                .unwrap_or_default(),
            _ => sdl.as_str(),
        };
        assert!(
            !relevant.contains(absent),
            "unexpected {absent:?} in\n{sdl}"
        );
    }
}
