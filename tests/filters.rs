//! The whole filter grammar: operators, modifiers, logic trees, JSON paths, casts.

mod common;

use axum::http::StatusCode;
use common::TestApi;
use serde_json::json;

async fn names(api: &TestApi, uri: &str) -> Vec<String> {
    let response = api.get(uri).await;
    assert_eq!(response.status, StatusCode::OK, "{uri}: {}", response.body);
    let rows = response.json();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn operators() {
    let api = TestApi::new().await;
    let cases: &[(&str, &[&str])] = &[
        ("/people?name=match.^[AE]&order=id", &["Alice", "Erin"]),
        ("/people?name=imatch.^[ae]&order=id", &["Alice", "Erin"]),
        (
            "/people?student=isdistinct.true&order=id",
            &["Alice", "Dan", "Grace"],
        ),
        (
            "/people?name=like(any).%7BA*,B*%7D&order=id",
            &["Alice", "Bob"],
        ),
        (
            "/people?name=ilike(all).%7B*r*,*a*%7D&order=id",
            &["Carol", "Frank", "Grace"],
        ),
        (
            "/people?age=gt(all).%7B10,18%7D&order=id",
            &["Alice", "Carol", "Dan", "Erin"],
        ),
        ("/people?age=eq(any).%7B17,45%7D&order=id", &["Bob", "Dan"]),
        ("/people?age=not.gt.20&order=id", &["Bob", "Erin", "Frank"]),
        (
            "/tasks?name=fts.design&order=id",
            &["Design w7", "Design w10", "Design IOS", "Design OSX"],
        ),
        (
            "/tasks?name=fts(english).designs&order=id",
            &["Design w7", "Design w10", "Design IOS", "Design OSX"],
        ),
        ("/tasks?name=plfts.code%20osx", &["Code OSX"]),
        ("/tasks?name=phfts.design%20w10", &["Design w10"]),
        (
            "/tasks?name=wfts.design%20-w7%20-w10&order=id",
            &["Design IOS", "Design OSX"],
        ),
    ];
    for (uri, expected) in cases {
        assert_eq!(names(&api, uri).await, *expected, "{uri}");
    }
}

#[tokio::test]
async fn logic_trees() {
    let api = TestApi::new().await;
    let cases: &[(&str, &[&str])] = &[
        (
            "/people?or=(age.lt.18,age.gt.40)&order=id",
            &["Bob", "Dan", "Frank"],
        ),
        (
            "/people?and=(age.gte.18,or(student.is.true,name.eq.Dan))&order=id",
            &["Carol", "Dan", "Erin"],
        ),
        (
            "/people?not.or=(age.lt.18,age.gt.40,age.is.null)&order=id",
            &["Alice", "Carol", "Erin"],
        ),
        (
            "/people?or=(name.eq.Bob,and(age.gt.20,student.not.is.true))&order=id",
            &["Alice", "Bob", "Dan"],
        ),
        (
            "/people?or=(name.in.(Bob,Erin),age.is.null)&order=id",
            &["Bob", "Erin", "Grace"],
        ),
        (
            "/people?or=(name.eq.%22Bob%22,name.like.*ank)&order=id",
            &["Bob", "Frank"],
        ),
        (
            "/people?age=gte.18&or=(student.is.true,height.gt.180)&order=id",
            &["Carol", "Dan", "Erin"],
        ),
    ];
    for (uri, expected) in cases {
        assert_eq!(names(&api, uri).await, *expected, "{uri}");
    }
    let response = api.get("/people?or=()").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "PGRST100");
}

#[tokio::test]
async fn json_paths_arrays_and_casts() {
    let api = TestApi::new().await;
    let api = api.with_sql(
        r#"CREATE TABLE api.things (id int PRIMARY KEY, data jsonb, plain json, tags text[], during int4range);
           INSERT INTO api.things VALUES
             (1, '{"color": "red", "size": 3, "dims": [1, 2]}', '{"a": {"b": "x"}}', '{a,b}', '[1,5)'),
             (2, '{"color": "blue", "size": 1, "dims": [7]}', '{"a": {"b": "y"}}', '{b,c}', '[5,9)');
           GRANT SELECT ON api.things TO web_anon;"#,
    )
    .await;
    assert_eq!(
        api.ok("/things?select=id,data-%3E%3Ecolor,size:data-%3Esize,data-%3Edims-%3E0&order=id")
            .await,
        json!([{"id": 1, "color": "red", "size": 3, "dims": 1}, {"id": 2, "color": "blue", "size": 1, "dims": 7}])
    );
    let cases = [
        (
            "/things?select=id&data-%3E%3Ecolor=eq.blue",
            json!([{"id": 2}]),
        ),
        ("/things?select=id&data-%3Esize=gt.2", json!([{"id": 1}])),
        (
            "/things?select=id&plain-%3Ea-%3E%3Eb=eq.y",
            json!([{"id": 2}]),
        ),
        (
            "/things?select=id&data-%3Edims-%3E-1=eq.2",
            json!([{"id": 1}]),
        ),
        (
            "/things?select=id&order=data-%3E%3Ecolor",
            json!([{"id": 2}, {"id": 1}]),
        ),
        (
            "/things?select=id&data=cs.%7B%22color%22%3A%22red%22%7D",
            json!([{"id": 1}]),
        ),
        ("/things?select=id&tags=cs.%7Ba%7D", json!([{"id": 1}])),
        ("/things?select=id&tags=ov.%7Bc,z%7D", json!([{"id": 2}])),
        (
            "/things?select=id&tags=cd.%7Ba,b,c%7D&order=id",
            json!([{"id": 1}, {"id": 2}]),
        ),
        ("/things?select=id&during=adj.%5B9,10)", json!([{"id": 2}])),
        ("/things?select=id&during=sl.%5B6,7)", json!([{"id": 1}])),
        ("/things?select=id&during=sr.%5B2,3)", json!([{"id": 2}])),
    ];
    for (uri, expected) in cases {
        assert_eq!(api.ok(uri).await, expected, "{uri}");
    }
    assert_eq!(
        api.ok("/people?select=id,age::text,tall:height::bigint&id=eq.1")
            .await,
        json!([{"id": 1, "age": "30", "tall": 165}])
    );
    let response = api.get("/people?select=age::nosuchtype").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json()["message"],
        "type \"nosuchtype\" does not exist"
    );
}

#[tokio::test]
async fn aggregates_are_disabled_by_default() {
    let api = TestApi::new().await;
    let response = api.get("/people?select=count()").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({"code": "PGRST123", "details": null, "hint": null, "message": "Use of aggregate functions is not allowed"})
    );
}

#[tokio::test]
async fn aggregates_when_enabled() {
    let api = TestApi::with_settings(&[("db-aggregates-enabled", "true")]).await;
    assert_eq!(
        api.ok("/people?select=count()").await,
        json!([{"count": 7}])
    );
    assert_eq!(
        api.ok("/people?select=student,n:count(),age.max(),height.avg()::int&order=student")
            .await,
        json!([
            {"student": false, "n": 2, "max": 45, "avg": 173},
            {"student": true, "n": 4, "max": 22, "avg": 158},
            {"student": null, "n": 1, "max": null, "avg": 170}
        ])
    );
    assert_eq!(
        api.ok("/people?select=total:age::numeric.sum()&age=gte.18")
            .await,
        json!([{"total": 116}])
    );
    assert_eq!(
        api.ok("/clients?select=name,projects(count())&order=id")
            .await,
        json!([{"name": "Microsoft", "projects": [{"count": 2}]}, {"name": "Apple", "projects": [{"count": 2}]}])
    );
    assert_eq!(
        api.ok("/tasks?select=done,projects(name),count()&project_id=in.(1,2)&order=done")
            .await,
        json!([
            {"done": false, "projects": {"name": "Windows 10"}, "count": 2},
            {"done": true, "projects": {"name": "Windows 7"}, "count": 2}
        ])
    );
}

#[tokio::test]
async fn computed_columns_select_filter_and_order() {
    let api = TestApi::new().await;
    let api = api.with_sql(
        "CREATE FUNCTION api.initial(api.people) RETURNS text LANGUAGE sql STABLE AS $$ SELECT left($1.name, 1) $$;
         CREATE FUNCTION api.is_adult(p api.people) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT p.age >= 18 $$;",
    )
    .await;
    assert_eq!(
        api.ok("/people?select=name,initial,adult:is_adult&id=in.(1,2)&order=id")
            .await,
        json!([{"name": "Alice", "initial": "A", "adult": true}, {"name": "Bob", "initial": "B", "adult": false}])
    );
    assert_eq!(
        names(&api, "/people?is_adult=is.true&order=id").await,
        ["Alice", "Carol", "Dan", "Erin"]
    );
    assert_eq!(
        names(&api, "/people?select=name&order=initial.desc&limit=2").await,
        ["Grace", "Frank"]
    );
    assert_eq!(
        names(&api, "/people?initial=in.(A,E)&order=id").await,
        ["Alice", "Erin"]
    );
}
