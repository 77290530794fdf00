//! GraphQL types: every Postgres type the API maps, round-tripping through create, query,
//! `condition` and `filter`; enums and composite types as GraphQL types of their own; views,
//! foreign and partitioned tables as types with connections, filters and mutations.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApi;
use serde_json::{Value, json};

const FIXTURE: &str = r#"
CREATE TYPE api.mood AS ENUM ('happy', 'very sad', 'okay-ish');
COMMENT ON TYPE api.mood IS 'How one feels';
CREATE TYPE api.address AS (street text, zip_code int, tags text[], mood api.mood);
COMMENT ON TYPE api.address IS 'Where one lives';
COMMENT ON COLUMN api.address.street IS 'The street';
CREATE DOMAIN api.positive AS int CHECK (VALUE > 0);
CREATE DOMAIN api.email AS text NOT NULL;
CREATE DOMAIN api.int_list AS int[];
CREATE TABLE api.samples (
  id serial PRIMARY KEY,
  small smallint, i int, big bigint, num numeric, f8 double precision,
  t text, b bool, u uuid, d date, ts timestamp, tstz timestamptz,
  j json, jb jsonb, ints int[], texts text[],
  tm time, tz timetz, iv interval, ip inet, bytes bytea,
  mood api.mood, mood_nn api.mood NOT NULL DEFAULT 'happy', moods api.mood[],
  address api.address, addresses api.address[],
  pos api.positive, email api.email, int_list api.int_list
);
CREATE VIEW api.sample_moods AS SELECT id, mood, address, email FROM api.samples;
CREATE TABLE api.readings (day date PRIMARY KEY, value int) PARTITION BY RANGE (day);
CREATE TABLE api.readings_2026 PARTITION OF api.readings
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
GRANT SELECT, INSERT, UPDATE, DELETE ON api.samples, api.sample_moods, api.readings TO web_anon;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA api TO web_anon;
"#;

async fn api() -> TestApi {
    TestApi::new().await.with_sql(FIXTURE).await
}

async fn graphql(api: &TestApi, query: &str) -> Value {
    let body = json!({"query": query}).to_string();
    let headers = [("content-type", "application/json")];
    let response = api.request(Method::POST, "/graphql", &headers, &body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// The `data` of a query that must not fail.
async fn data(api: &TestApi, query: &str) -> Value {
    let response = graphql(api, query).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["data"].clone()
}

#[tokio::test]
async fn scalars_round_trip_through_create_query_condition_and_filter() {
    let api = api().await;
    let created = data(
        &api,
        r#"mutation { createSample(input: {sample: {
            small: 7, i: 42, big: "9007199254740993", num: "12345678901234567890.5", f8: 1.5,
            t: "a \"text\"", b: true, u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", d: "2026-01-02",
            ts: "2026-01-02T03:04:05", tstz: "2026-01-02T03:04:05.5+00:00",
            j: "{\"a\": [1, 2]}", jb: "{\"b\": null}", ints: [1, null, 3], texts: ["x,y", "z"],
            pos: 5, email: "z@example.com", intList: [4, 5], tm: "04:05:06.5", tz: "04:05:06+02",
            iv: {years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6.5},
            ip: "10.0.0.1/8", bytes: "AQL/"}}) {
            sample { id small i big num f8 t b u d ts tstz j jb ints texts pos email intList
                     tm tz iv { years months days hours minutes seconds } ip bytes }
        } }"#,
    )
    .await;
    let row = json!({
        "id": 1, "small": 7, "i": 42, "big": "9007199254740993",
        "num": "12345678901234567890.5", "f8": 1.5, "t": "a \"text\"", "b": true,
        "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "d": "2026-01-02",
        "ts": "2026-01-02T03:04:05.000000", "tstz": "2026-01-02T03:04:05.500000+00:00",
        "j": "{\"a\":[1,2]}", "jb": "{\"b\":null}", "ints": [1, null, 3],
        "texts": ["x,y", "z"], "pos": 5, "email": "z@example.com", "intList": [4, 5],
        "tm": "04:05:06.500000", "tz": "04:05:06.000000+02",
        "iv": {"years": 1, "months": 2, "days": 3, "hours": 4, "minutes": 5, "seconds": 6.5},
        "ip": "10.0.0.1/8", "bytes": "AQL/"
    });
    assert_eq!(created, json!({"createSample": {"sample": row}}));
    let selection =
        "{ nodes { id small i big num f8 t b u d ts tstz j jb ints texts pos email intList
        tm tz iv { years months days hours minutes seconds } ip bytes } }";
    let condition = r#"condition: {small: 7, i: 42, big: "9007199254740993",
        num: "12345678901234567890.5", f8: 1.5, t: "a \"text\"", b: true,
        u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", d: "2026-01-02", ts: "2026-01-02T03:04:05",
        tstz: "2026-01-02T03:04:05.5+00:00", ints: [1, null, 3], texts: ["x,y", "z"], pos: 5,
        email: "z@example.com", intList: [4, 5], tm: "04:05:06.5", tz: "04:05:06+02",
        iv: {months: 14, days: 3, hours: 4, minutes: 5, seconds: 6.5},
        ip: "10.0.0.1/8", bytes: "AQL/"}"#;
    let filter = r#"filter: {small: {equalTo: 7}, i: {greaterThan: 41}, big: {equalTo: "9007199254740993"},
        num: {lessThan: "12345678901234567891"}, f8: {in: [1.5, 2]}, t: {startsWith: "a \""},
        b: {equalTo: true}, u: {equalTo: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
        d: {greaterThanOrEqualTo: "2026-01-02"}, ts: {lessThan: "2026-01-03"},
        tstz: {equalTo: "2026-01-02T03:04:05.5Z"}, ints: {contains: [3]}, texts: {overlaps: ["z"]},
        pos: {equalTo: 5}, email: {endsWith: "example.com", equalToInsensitive: "Z@Example.COM"}, intList: {containedBy: [4, 5, 6]},
        tm: {greaterThan: "04:05"}, tz: {equalTo: "04:05:06+02"}, iv: {greaterThan: {years: 1}},
        ip: {in: ["10.0.0.1/8", "::1"]}}"#;
    for arguments in [condition, filter] {
        let query = format!("{{ allSamples({arguments}) {selection} }}");
        assert_eq!(
            data(&api, &query).await,
            json!({"allSamples": {"nodes": [row.clone()]}}),
            "{arguments}"
        );
    }
    let missed =
        r#"{ allSamples(filter: {num: {greaterThan: "12345678901234567890.5"}}) { totalCount } }"#;
    assert_eq!(
        data(&api, missed).await,
        json!({"allSamples": {"totalCount": 0}})
    );
    // A domain's check is Postgres'; a value of another type is the engine's error.
    let checked = graphql(
        &api,
        r#"mutation { createSample(input: {sample: {email: "x", pos: 0}}) { clientMutationId } }"#,
    )
    .await;
    assert_eq!(
        checked["errors"][0]["message"],
        "value for domain positive violates check constraint \"positive_check\""
    );
    assert_eq!(checked["errors"][0]["extensions"]["code"], "23514");
    let mistyped = graphql(
        &api,
        r#"{ allSamples(condition: {pos: "5"}) { totalCount } }"#,
    )
    .await;
    assert_eq!(
        mistyped["errors"][0]["message"],
        "Invalid value for argument \"condition.pos\", expected type \"Positive\""
    );
    let bad_base64 = graphql(
        &api,
        r#"{ allSamples(condition: {bytes: "%%"}) { totalCount } }"#,
    )
    .await;
    assert_eq!(
        bad_base64["errors"][0]["message"],
        "Invalid value for bytes: invalid Base64EncodedBinary value: Invalid symbol 37, offset 0."
    );
}

#[tokio::test]
async fn enums_are_graphql_enums_in_output_input_order_condition_and_filter() {
    let api = api().await;
    let created = data(
        &api,
        r#"mutation {
            a: createSample(input: {sample: {email: "a", mood: VERY_SAD, moods: [HAPPY, OKAY_ISH]}}) {
                sample { id mood moodNn moods } }
            b: createSample(input: {sample: {email: "b", mood: HAPPY, moodNn: OKAY_ISH, moods: []}}) {
                sample { id mood moodNn moods } }
            c: createSample(input: {sample: {email: "c"}}) { sample { id mood moodNn moods } }
        }"#,
    )
    .await;
    assert_eq!(
        created,
        json!({
            "a": {"sample": {"id": 1, "mood": "VERY_SAD", "moodNn": "HAPPY", "moods": ["HAPPY", "OKAY_ISH"]}},
            "b": {"sample": {"id": 2, "mood": "HAPPY", "moodNn": "OKAY_ISH", "moods": []}},
            "c": {"sample": {"id": 3, "mood": null, "moodNn": "HAPPY", "moods": null}}
        })
    );
    let cases = [
        // Enums order by their labels' order, not by name.
        ("orderBy: [MOOD_DESC, ID_ASC]", json!([3, 1, 2])),
        ("orderBy: [MOOD_NN_DESC, ID_DESC]", json!([2, 3, 1])),
        ("condition: {mood: VERY_SAD}", json!([1])),
        ("condition: {mood: null}", json!([3])),
        ("condition: {moods: [HAPPY, OKAY_ISH]}", json!([1])),
        ("filter: {mood: {equalTo: HAPPY}}", json!([2])),
        ("filter: {mood: {in: [HAPPY, VERY_SAD]}}", json!([1, 2])),
        ("filter: {mood: {greaterThan: HAPPY}}", json!([1])),
        ("filter: {mood: {distinctFrom: HAPPY}}", json!([1, 3])),
        ("filter: {moodNn: {notIn: [HAPPY]}}", json!([2])),
        ("filter: {moods: {contains: [OKAY_ISH]}}", json!([1])),
        ("filter: {moods: {equalTo: []}}", json!([2])),
        ("filter: {moods: {isNull: true}}", json!([3])),
    ];
    for (arguments, ids) in cases {
        let query = format!("{{ allSamples({arguments}) {{ nodes {{ id }} }} }}");
        let nodes: Vec<Value> = ids
            .as_array()
            .unwrap()
            .iter()
            .map(|id| json!({"id": id}))
            .collect();
        assert_eq!(
            data(&api, &query).await,
            json!({"allSamples": {"nodes": nodes}}),
            "{arguments}"
        );
    }
    let updated = data(
        &api,
        r#"mutation { updateSampleById(input: {id: 3, samplePatch: {email: "c", mood: OKAY_ISH, moods: [VERY_SAD, OKAY_ISH]}}) {
            sample { mood moods } } }"#,
    )
    .await;
    assert_eq!(
        updated,
        json!({"updateSampleById": {"sample": {"mood": "OKAY_ISH", "moods": ["VERY_SAD", "OKAY_ISH"]}}})
    );
    // Cursors of an enum order page through it.
    let first = data(
        &api,
        "{ allSamples(first: 1, orderBy: [MOOD_ASC, ID_ASC]) { edges { cursor node { id mood } } } }",
    )
    .await;
    let cursor = first["allSamples"]["edges"][0]["cursor"].as_str().unwrap();
    assert_eq!(
        first["allSamples"]["edges"][0]["node"],
        json!({"id": 2, "mood": "HAPPY"})
    );
    let next = format!(
        r#"{{ allSamples(first: 2, after: "{cursor}", orderBy: [MOOD_ASC, ID_ASC]) {{ nodes {{ id mood }} }} }}"#
    );
    assert_eq!(
        data(&api, &next).await,
        json!({"allSamples": {"nodes": [{"id": 1, "mood": "VERY_SAD"}, {"id": 3, "mood": "OKAY_ISH"}]}})
    );
    let unknown = graphql(
        &api,
        "{ allSamples(condition: {mood: SAD}) { totalCount } }",
    )
    .await;
    assert_eq!(unknown["data"], Value::Null);
    assert_eq!(
        unknown["errors"][0]["message"],
        "Invalid value for argument \"condition.mood\", enumeration type \"Mood\" does not contain the value \"SAD\""
    );
}

#[tokio::test]
async fn composite_columns_are_objects_with_selectable_fields() {
    let api = api().await;
    let created = data(
        &api,
        r#"mutation { createSample(input: {sample: {email: "a",
            address: {street: "Main \"St\", 1", zipCode: 1234, tags: ["a b", "c"], mood: VERY_SAD},
            addresses: [{street: "Side"}, {}]}}) {
            sample { address { street zipCode tags mood } addresses { street zip: zipCode } }
        } }"#,
    )
    .await;
    assert_eq!(
        created,
        json!({"createSample": {"sample": {
            "address": {"street": "Main \"St\", 1", "zipCode": 1234, "tags": ["a b", "c"], "mood": "VERY_SAD"},
            "addresses": [{"street": "Side", "zip": null}, {"street": null, "zip": null}]
        }}})
    );
    data(
        &api,
        r#"mutation { createSample(input: {sample: {email: "b", address: {street: "Other"}}}) { clientMutationId } }"#,
    )
    .await;
    let read = data(
        &api,
        r#"{ allSamples(orderBy: ADDRESS_DESC) { nodes { id address { mood street } } }
             bySomething: allSamples(condition: {address: {street: "Other"}}) { nodes { id } }
             byWhole: allSamples(condition: {address: {street: "Main \"St\", 1", zipCode: 1234, tags: ["a b", "c"], mood: VERY_SAD}}) { nodes { id } } }"#,
    )
    .await;
    assert_eq!(
        read,
        json!({
            "allSamples": {"nodes": [
                {"id": 2, "address": {"mood": null, "street": "Other"}},
                {"id": 1, "address": {"mood": "VERY_SAD", "street": "Main \"St\", 1"}}
            ]},
            "bySomething": {"nodes": [{"id": 2}]},
            "byWhole": {"nodes": [{"id": 1}]}
        })
    );
    let patched = data(
        &api,
        r#"mutation { updateSampleById(input: {id: 2, samplePatch: {email: "b", address: {zipCode: 99}, addresses: []}}) {
            sample { address { street zipCode } addresses { street } } } }"#,
    )
    .await;
    assert_eq!(
        patched,
        json!({"updateSampleById": {"sample": {"address": {"street": null, "zipCode": 99}, "addresses": []}}})
    );
}

#[tokio::test]
async fn the_schema_names_enum_and_composite_types_as_postgraphile() {
    // An enum whose names a table's types take is its labels' `String`; the table keeps them.
    let clash = "CREATE TABLE api.levels (id int PRIMARY KEY);
                 CREATE TYPE api.level AS ENUM ('low', 'high');
                 ALTER TABLE api.samples ADD COLUMN level api.level;";
    let api = TestApi::new()
        .await
        .with_sql(&format!("{FIXTURE}{clash}"))
        .await;
    let sdl = api.app.api().graphql.sdl();
    assert!(sdl.contains("type Level implements Node {") && sdl.contains("\tlevel: String\n"));
    for expected in [
        "\"\"\"\nHow one feels\n\"\"\"\nenum Mood {\n\tHAPPY\n\tVERY_SAD\n\tOKAY_ISH\n}",
        "\"\"\"\nWhere one lives\n\"\"\"\ntype Address {\n\t\"\"\"\n\tThe street\n\t\"\"\"\n\tstreet: String\n\tzipCode: Int\n\ttags: [String]\n\tmood: Mood\n}",
        "input AddressInput {\n\t\"\"\"\n\tThe street\n\t\"\"\"\n\tstreet: String\n\tzipCode: Int\n\ttags: [String]\n\tmood: Mood\n}",
        "\tmood: Mood\n\tmoodNn: Mood!\n\tmoods: [Mood]\n\taddress: Address\n\taddresses: [Address]\n",
        "\tmood: MoodFilter\n",
        "\tmoods: MoodListFilter\n",
        "\taddress: AddressInput\n",
        "\tin: [Mood!]\n",
        // Domains over scalar types are custom scalars with their base type's filter; a domain
        // over an array is its base type.
        "\tpos: Positive\n\temail: Email!\n\tintList: [Int]\n",
        "\tpos: PositiveFilter\n",
        "\temail: EmailFilter\n",
        "\tstartsWith: Email\n",
        "scalar Email\n",
    ] {
        assert!(sdl.contains(expected), "{expected}\n{sdl}");
    }
    // Arrays and binary data do not order.
    assert!(sdl.contains("\tMOOD_ASC\n") && sdl.contains("\tADDRESS_ASC\n"));
    assert!(!sdl.contains("\tMOODS_ASC\n") && !sdl.contains("\tBYTES_ASC\n"));
    let email_filter = sdl.split("input EmailFilter {").nth(1).unwrap();
    let email_filter = &email_filter[..email_filter.find('}').unwrap()];
    assert!(email_filter.contains("\tequalToInsensitive: String\n"));
    assert!(email_filter.contains("\tinInsensitive: [String!]\n"));
    assert!(email_filter.contains("\tstartsWithInsensitive: Email\n"));
    let mood_filter = sdl.split("input MoodFilter {").nth(1).unwrap();
    let mood_filter = &mood_filter[..mood_filter.find('}').unwrap()];
    assert!(!mood_filter.contains("\tstartsWith:") && !mood_filter.contains("\tlike:"));
}

#[tokio::test]
async fn views_foreign_and_partitioned_tables_are_types_with_connections() {
    let api = TestApi::new().await;
    let csv = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(csv.path(), "name,population\nOslo,709000\nLima,10000000\n").unwrap();
    let mut permissions = std::fs::metadata(csv.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o644);
    std::fs::set_permissions(csv.path(), permissions).unwrap();
    let foreign = format!(
        "CREATE EXTENSION file_fdw;
         CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
         CREATE FOREIGN TABLE api.cities (name text, population int) SERVER files
             OPTIONS (filename '{}', format 'csv', header 'true');
         GRANT SELECT ON api.cities TO web_anon;",
        csv.path().display()
    );
    let api = api.with_sql(&format!("{FIXTURE}{foreign}")).await;
    let written = data(
        &api,
        r#"mutation {
            a: createReading(input: {reading: {day: "2026-03-01", value: 7}}) { reading { nodeId day value } }
            b: createReading(input: {reading: {day: "2026-04-01", value: 9}}) { reading { day } }
            c: updateReadingByDay(input: {day: "2026-04-01", readingPatch: {value: 10}}) { reading { value } }
            d: createSampleMood(input: {sampleMood: {mood: HAPPY, email: "v"}}) { sampleMood { mood } }
        }"#,
    )
    .await;
    assert_eq!(
        written,
        json!({
            "a": {"reading": {"nodeId": "WyJyZWFkaW5ncyIsIjIwMjYtMDMtMDEiXQ==", "day": "2026-03-01", "value": 7}},
            "b": {"reading": {"day": "2026-04-01"}},
            "c": {"reading": {"value": 10}},
            "d": {"sampleMood": {"mood": "HAPPY"}}
        })
    );
    let read = data(
        &api,
        r#"{
            allReadings(filter: {value: {greaterThan: 8}}) { totalCount nodes { day value } }
            readingByDay(day: "2026-03-01") { value }
            allCities(orderBy: POPULATION_DESC, filter: {name: {startsWith: "O"}}) { nodes { name population } }
            allSampleMoods(condition: {mood: HAPPY}) { totalCount nodes { mood address { street } } }
        }"#,
    )
    .await;
    assert_eq!(
        read,
        json!({
            "allReadings": {"totalCount": 1, "nodes": [{"day": "2026-04-01", "value": 10}]},
            "readingByDay": {"value": 7},
            "allCities": {"nodes": [{"name": "Oslo", "population": 709000}]},
            "allSampleMoods": {"totalCount": 1, "nodes": [{"mood": "HAPPY", "address": null}]}
        })
    );
    let deleted = data(
        &api,
        r#"mutation { deleteReadingByDay(input: {day: "2026-03-01"}) { deletedReadingId } }"#,
    )
    .await;
    assert_eq!(
        deleted,
        json!({"deleteReadingByDay": {"deletedReadingId": "WyJyZWFkaW5ncyIsIjIwMjYtMDMtMDEiXQ=="}})
    );
    // A file is read only: no mutations for the foreign table.
    let sdl = api.app.api().graphql.sdl();
    assert!(sdl.contains("allCities(") && !sdl.contains("createCity"));
    // A partition is read and written through its parent only.
    assert!(sdl.contains("allReadings(") && !sdl.to_lowercase().contains("readings2026"));
}
