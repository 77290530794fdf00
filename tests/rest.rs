//! REST against the example database: reads, inserts, errors, and hostile input.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApi, bearer};
use serde_json::json;

#[tokio::test]
async fn filters_with_comparison_and_is() {
    let api = TestApi::new().await;
    let response = api.get("/people?age=gte.18&student=is.true").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(response.header("content-range"), Some("0-1/*"));
    assert_eq!(
        response.json(),
        json!([
            {"id": 3, "name": "Carol", "age": 22, "height": 160, "student": true},
            {"id": 5, "name": "Erin", "age": 19, "height": 158, "student": true}
        ])
    );
}

#[tokio::test]
async fn selects_orders_and_limits() {
    let api = TestApi::new().await;
    // Postgres sorts NULLs first in descending order, as PostgREST's plain `ORDER BY … DESC` does.
    let response = api
        .get("/people?select=name,age&order=age.desc&limit=2")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-range"), Some("0-1/*"));
    assert_eq!(
        response.json(),
        json!([{"name": "Grace", "age": null}, {"name": "Dan", "age": 45}])
    );

    let response = api
        .get("/people?select=who:name&order=age.desc.nullslast&limit=2&offset=1")
        .await;
    assert_eq!(response.header("content-range"), Some("1-2/*"));
    assert_eq!(response.json(), json!([{"who": "Alice"}, {"who": "Carol"}]));
}

#[tokio::test]
async fn every_skeleton_operator() {
    let api = TestApi::new().await;
    let names = |uri: &'static str| {
        let api = &api;
        async move {
            let response = api.get(uri).await;
            assert_eq!(response.status, StatusCode::OK, "{uri}: {}", response.body);
            response
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names("/people?name=eq.Bob").await, ["Bob"]);
    assert_eq!(
        names("/people?age=neq.30&age=lt.18").await,
        ["Bob", "Frank"]
    );
    assert_eq!(names("/people?age=gt.30").await, ["Dan"]);
    assert_eq!(names("/people?age=lte.17").await, ["Bob", "Frank"]);
    assert_eq!(
        names("/people?name=like.*r*").await,
        ["Carol", "Erin", "Frank", "Grace"]
    );
    assert_eq!(names("/people?name=ilike.a*").await, ["Alice"]);
    assert_eq!(
        names("/people?id=in.(1,3,5)").await,
        ["Alice", "Carol", "Erin"]
    );
    assert_eq!(names("/people?name=in.(%22Dan%22,Eve)").await, ["Dan"]);
    assert_eq!(names("/people?age=is.null").await, ["Grace"]);
    assert_eq!(
        names("/people?student=not.is.true").await,
        ["Alice", "Dan", "Grace"]
    );
    assert_eq!(
        names("/people?id=not.in.(1,2,3,4,5)").await,
        ["Frank", "Grace"]
    );
    assert_eq!(names("/people?limit=0").await, Vec::<String>::new());
}

#[tokio::test]
async fn reads_views() {
    let api = TestApi::new().await;
    let response = api.get("/adults?order=id&select=name").await;
    assert_eq!(
        response.json(),
        json!([{"name": "Alice"}, {"name": "Carol"}, {"name": "Dan"}, {"name": "Erin"}])
    );
}

#[tokio::test]
async fn empty_page_has_star_content_range() {
    let api = TestApi::new().await;
    let response = api.get("/people?age=gt.100").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-range"), Some("*/*"));
    assert_eq!(response.body, "[]");
}

#[tokio::test]
async fn inserts_an_array_and_returns_the_representation() {
    let api = TestApi::new().await;
    let body = r#"[{"name":"J Doe","age":62,"height":70},{"name":"Janus","age":10,"height":55}]"#;
    let manager = bearer(json!({"role": "mgr_alice"}));
    let headers = [
        ("authorization", manager.as_str()),
        ("prefer", "return=representation"),
        ("content-type", "application/json"),
    ];
    let response = api.request(Method::POST, "/people", &headers, body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.header("preference-applied"),
        Some("return=representation")
    );
    assert_eq!(
        response.json(),
        json!([
            {"id": 8, "name": "J Doe", "age": 62, "height": 70, "student": null},
            {"id": 9, "name": "Janus", "age": 10, "height": 55, "student": null}
        ])
    );
    let response = api.get("/people?id=gte.8&select=name").await;
    assert_eq!(
        response.json(),
        json!([{"name": "J Doe"}, {"name": "Janus"}])
    );
}

#[tokio::test]
async fn inserts_an_object_with_minimal_return() {
    let api = TestApi::new().await;
    let manager = bearer(json!({"role": "mgr_bob"}));
    let response = api
        .request(
            Method::POST,
            "/people",
            &[("authorization", &manager)],
            r#"{"name":"Solo","student":false}"#,
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.body, "");
    assert_eq!(response.header("content-type"), None);
    assert_eq!(response.header("content-range"), Some("*/*"));
    let response = api.get("/people?name=eq.Solo&select=id,name,student").await;
    assert_eq!(
        response.json(),
        json!([{"id": 8, "name": "Solo", "student": false}])
    );
}

#[tokio::test]
async fn insert_with_select_returns_chosen_columns() {
    let api = TestApi::new().await;
    let manager = bearer(json!({"role": "mgr_bob"}));
    let headers = [
        ("authorization", manager.as_str()),
        ("prefer", "return=representation"),
    ];
    let response = api
        .request(
            Method::POST,
            "/clients?select=n:name",
            &headers,
            r#"{"id":3,"name":"Oracle"}"#,
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.json(), json!([{"n": "Oracle"}]));
}

#[tokio::test]
async fn anonymous_cannot_insert() {
    let api = TestApi::new().await;
    let response = api
        .request(Method::POST, "/people", &[], r#"{"name":"Nope"}"#)
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        response.json(),
        json!({"code": "42501", "details": null, "hint": null, "message": "permission denied for table people"})
    );
}

#[tokio::test]
async fn bad_bodies_are_rejected_and_nothing_is_written() {
    let api = TestApi::new().await;
    let manager = bearer(json!({"role": "mgr_alice"}));
    let auth = [("authorization", manager.as_str())];
    let cases = [
        ("{\"name\":", "PGRST102", "Empty or invalid json"),
        ("", "PGRST102", "Empty or invalid json"),
        ("42", "PGRST102", "Empty or invalid json"),
        (
            r#"[{"name":"A"},{"age":3}]"#,
            "PGRST102",
            "All object keys must match",
        ),
        (
            r#"[{"name":"A"},7]"#,
            "PGRST102",
            "All object keys must match",
        ),
        (
            r#"{"nom":"A"}"#,
            "PGRST204",
            "Could not find the 'nom' column of 'people' in the schema cache",
        ),
    ];
    for (body, code, message) in cases {
        let response = api.request(Method::POST, "/people", &auth, body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.json()["code"], code, "{body}");
        assert_eq!(response.json()["message"], message, "{body}");
    }
    // One bad row fails the whole insert.
    let response = api
        .request(
            Method::POST,
            "/people",
            &auth,
            r#"[{"name":"Ok","age":1},{"name":"Bad","age":"old"}]"#,
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "22P02");
    assert_eq!(api.get("/people?name=eq.Ok").await.body, "[]");
    // A NOT NULL violation is the client's fault.
    let response = api
        .request(Method::POST, "/people", &auth, r#"{"age":1}"#)
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "23502");
}

#[tokio::test]
async fn unknown_relation_is_pgrst205_with_a_suggestion() {
    let api = TestApi::new().await;
    let response = api.get("/peopel").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(
        response.header("proxy-status"),
        Some("pgway; error=PGRST205")
    );
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST205",
            "details": null,
            "hint": "Perhaps you meant the table 'api.people'",
            "message": "Could not find the table 'api.peopel' in the schema cache"
        })
    );
    let response = api.get("/zzzzzzzz").await;
    assert_eq!(response.json()["hint"], json!(null));
}

#[tokio::test]
async fn malformed_filters_are_pgrst100() {
    let api = TestApi::new().await;
    let response = api.get("/people?age=0").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST100",
            "details": "unexpected \"0\" expecting \"not\" or operator (eq, gt, ...)",
            "hint": null,
            "message": "\"failed to parse filter (0)\" (line 1, column 1)"
        })
    );
    assert_eq!(
        api.get("/people?order=age.sideways").await.json()["code"],
        "PGRST100"
    );
    // PostgREST reads limit and offset with readMaybe: a non-integer is ignored.
    assert_eq!(
        api.get("/people?limit=ten")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        7
    );
    let response = api.get("/people?limit=-1").await;
    assert_eq!(response.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(response.json()["code"], "PGRST103");
}

#[tokio::test]
async fn unknown_columns_are_42703() {
    let api = TestApi::new().await;
    for uri in [
        "/people?select=nope",
        "/people?nope=eq.1",
        "/people?order=nope",
    ] {
        let response = api.get(uri).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            response.json(),
            json!({"code": "42703", "details": null, "hint": null, "message": "column people.nope does not exist"}),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn values_of_the_wrong_type_are_400_from_postgres() {
    let api = TestApi::new().await;
    let response = api.get("/people?age=eq.old").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "22P02");
    assert_eq!(
        response.json()["message"],
        "invalid input syntax for type integer: \"old\""
    );
}

#[tokio::test]
async fn sql_injection_is_harmless() {
    let api = TestApi::new().await;
    // In a value: compared as text, matches nothing.
    let response = api
        .get("/people?name=eq.x%27%3B%20DROP%20TABLE%20api.people%3B%20--")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, "[]");
    // In a typed value: Postgres refuses to parse it as an integer.
    let response = api
        .get("/people?age=eq.1%3B%20DROP%20TABLE%20api.people")
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    // In a column name, an alias, an order term and the relation: never SQL, never a 5xx.
    let hostile = [
        "/people?select=name,%22%3B%20DROP%20TABLE%20api.people%3B%20--",
        "/people?%22name%22%3Bdrop%20table%20api.people=eq.1",
        "/people?order=name%3Bdrop%20table%20api.people",
        "/people%22%3B%20DROP%20TABLE%20api.people%3B%20--",
    ];
    for uri in hostile {
        let response = api.get(uri).await;
        // A client error, or no rows: like PostgREST, the parser takes the quoted name `"name"`
        // as the column and what follows never reaches SQL.
        let harmless = response.status.is_client_error()
            || (response.status == StatusCode::OK && response.body == "[]");
        assert!(harmless, "{uri}: {} {}", response.status, response.body);
    }
    // An alias with a double quote is not an identifier PostgREST's grammar accepts.
    let response = api
        .get("/people?select=x%22%20from%20api.accounts%20--:name&limit=1")
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "PGRST100");
    // Any other text is a fine alias: it is quoted as an identifier, never spliced.
    let response = api
        .get("/people?select=x%20from%20accounts%20where%20true:name&limit=1")
        .await;
    assert_eq!(
        response.json(),
        json!([{"x from accounts where true": "Alice"}])
    );
    // A role claim is a value too.
    let hostile_role = bearer(json!({"role": "x; drop table api.people"}));
    let response = api
        .request(
            Method::GET,
            "/people",
            &[("authorization", &hostile_role)],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.json()["message"],
        "role \"x; drop table api.people\" does not exist"
    );
    // Everything is still there.
    assert_eq!(
        api.get("/people?select=id")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

#[tokio::test]
async fn unsupported_methods_and_paths() {
    let api = TestApi::new().await;
    let response = api
        .request(Method::from_bytes(b"BREW").unwrap(), "/people", &[], "")
        .await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.json()["message"], "Unsupported HTTP method: BREW");
    let response = api.get("/people/1/x").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.json()["code"], "PGRST125");
}

#[tokio::test]
async fn profiles_select_exposed_schemas_only() {
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::GET,
            "/people?select=id&limit=1",
            &[("accept-profile", "api")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let response = api
        .request(
            Method::GET,
            "/people",
            &[("accept-profile", "pg_catalog")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST106",
            "details": null,
            "hint": "Only the following schemas are exposed: api",
            "message": "Invalid schema: pg_catalog"
        })
    );
}

#[tokio::test]
async fn max_rows_caps_reads() {
    let api = TestApi::with_settings(&[("db-max-rows", "2")]).await;
    let response = api.get("/people?select=id").await;
    assert_eq!(response.json(), json!([{"id": 1}, {"id": 2}]));
    let response = api.get("/people?select=id&limit=5&offset=5").await;
    assert_eq!(response.json(), json!([{"id": 6}, {"id": 7}]));
}

#[tokio::test]
async fn execution_plans_when_enabled() {
    let accept = |value: &'static str| [("accept", value)];
    let api = TestApi::new().await;
    let response = api
        .request(
            Method::GET,
            "/people",
            &accept("application/vnd.pgrst.plan+json"),
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(response.json()["code"], "PGRST107");

    let api = TestApi::with_settings(&[("db-plan-enabled", "true")]).await;
    let response = api
        .request(
            Method::GET,
            "/people?age=gt.18&select=name",
            &accept("application/vnd.pgrst.plan+json; for=\"text/csv\"; options=analyze"),
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.header("content-type"),
        Some("application/vnd.pgrst.plan+json; for=\"text/csv\"; charset=utf-8")
    );
    let plan = response.json();
    assert_eq!(plan[0]["Plan"]["Node Type"], "Aggregate");
    assert_eq!(plan[0]["Plan"]["Actual Rows"], 1);
    let response = api
        .request(
            Method::GET,
            "/people?id=eq.1",
            &accept("application/vnd.pgrst.plan"),
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(response.body.starts_with("Aggregate"), "{}", response.body);
    assert!(response.body.contains("people"), "{}", response.body);
}

#[tokio::test]
async fn geojson_where_postgis_is_installed() {
    let installed = std::fs::read_dir("/usr/share/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|version| version.path().join("extension/postgis.control").exists());
    if !installed {
        eprintln!("skipped: PostGIS is not installed (apt-get install postgresql-15-postgis-3)");
        return;
    }
    let api = TestApi::new().await;
    let accept = [("accept", "application/geo+json")];
    // Without PostGIS in the database, GeoJSON is not on offer.
    let response = api.request(Method::GET, "/people", &accept, "").await;
    assert_eq!(response.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(response.json()["code"], "PGRST107");
    let api = api
        .with_sql(
            "CREATE EXTENSION postgis;
             CREATE TABLE api.places (id int PRIMARY KEY, name text, location geometry(Point, 4326));
             INSERT INTO api.places VALUES (1, 'Tower', 'SRID=4326;POINT(2.2945 48.8584)'),
                                           (2, 'Nowhere', NULL);
             GRANT SELECT ON api.places TO web_anon;",
        )
        .await;
    let response = api
        .request(Method::GET, "/places?order=id", &accept, "")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.header("content-type"),
        Some("application/geo+json; charset=utf-8")
    );
    assert_eq!(
        response.json(),
        json!({
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584]},
                 "properties": {"id": 1, "name": "Tower"}},
                // PostGIS 3.3's own rendering of a NULL geometry.
                {"type": "Feature", "geometry": {"type": null}, "properties": {"id": 2, "name": "Nowhere"}}
            ]
        })
    );
}
