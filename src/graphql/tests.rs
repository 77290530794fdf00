//! The GraphQL API against the example database in a throwaway cluster, as `web_anon`.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_graphql::dynamic::Schema;
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgConnection};
use tokio::sync::Mutex;

use super::{Options, RequestData, build, execute};
use crate::auth::Identity;
use crate::db::{Database, PoolSettings};
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
        let cluster = cluster().await;
        let mut conn = PgConnection::connect(&cluster.url("postgres", DATABASE))
            .await
            .unwrap();
        let cache = crate::schema::load(&mut conn, &[exposed.to_owned()])
            .await
            .unwrap();
        let exposed = cache.schema(exposed).unwrap().clone();
        let schema = build(Arc::new(cache), &exposed, options).unwrap();
        let connect: PgConnectOptions = cluster.url("authenticator", DATABASE).parse().unwrap();
        let pool = PoolSettings {
            size: 4,
            acquisition_timeout: Duration::from_secs(5),
        };
        let mut claims = serde_json::Map::new();
        claims.insert("role".into(), json!("web_anon"));
        let data = RequestData {
            db: Database::connect(connect, &pool),
            identity: Identity {
                role: "web_anon".into(),
                claims,
                authenticated: false,
            },
            search_path: format!("{}, public", exposed),
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

    // Other root fields still answer: each runs its own statement.
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
    let capped = Api::new("api", Options { max_rows: Some(2) }).await;
    assert_eq!(
        capped
            .data("{ allPeople(first: 5) { nodes { id } } }")
            .await,
        json!({"allPeople": {"nodes": [{"id": 1}, {"id": 2}]}})
    );
}

#[tokio::test]
async fn sdl_names_types_like_postgraphile() {
    let api = Api::example().await;
    let sdl = api.schema.sdl();
    for expected in [
        "orderBy: [PeopleOrderBy!] = [PRIMARY_KEY_ASC],\n",
        "condition: PersonCondition\n\t): PeopleConnection\n",
        "\t\"\"\"\n\tGet a single `Person`.\n\t\"\"\"\n\tpersonById(id: Int!): Person\n",
        "orderBy: [AdultsOrderBy!] = [NATURAL],\n",
        "condition: AdultCondition\n\t): AdultsConnection\n\t\"\"\"",
        "allPosts(",
        "postById(id: Int!): Post",
        "clientById(id: Int!): Client",
        "\"\"\"\nPeople we know\n\"\"\"\ntype Person {",
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
        "HTTP_STATUS_ASC",
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
