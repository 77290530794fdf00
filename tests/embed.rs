//! Embedding related rows through foreign keys: `select=*,rel(*)`, in one statement.

mod common;

use axum::http::StatusCode;
use common::TestApi;
use serde_json::json;

/// Extra tables: a many-to-many junction, two foreign keys to one table, and a one-to-one.
async fn with_fixtures() -> TestApi {
    TestApi::new()
        .await
        .with_sql(
        "CREATE TABLE api.assignments (user_id int REFERENCES api.users, task_id int REFERENCES api.tasks,
                                       PRIMARY KEY (user_id, task_id));
         INSERT INTO api.assignments VALUES (1, 1), (1, 3), (2, 3);
         CREATE TABLE api.addresses (id int PRIMARY KEY, city text);
         CREATE TABLE api.orders (id int PRIMARY KEY,
                                  billing_address_id int CONSTRAINT billing REFERENCES api.addresses,
                                  shipping_address_id int CONSTRAINT shipping REFERENCES api.addresses);
         INSERT INTO api.addresses VALUES (1, 'Oslo'), (2, 'Lima');
         INSERT INTO api.orders VALUES (1, 1, 2);
         CREATE TABLE api.profiles (user_id int PRIMARY KEY REFERENCES api.users, bio text);
         INSERT INTO api.profiles VALUES (1, 'Writes a lot');
         GRANT SELECT ON api.assignments, api.addresses, api.orders, api.profiles TO web_anon;",
        )
        .await
}

#[tokio::test]
async fn one_to_many_and_many_to_one() {
    let api = TestApi::new().await;
    assert_eq!(
        api.ok("/clients?select=id,name,projects(id,name)&order=id&projects.order=id")
            .await,
        json!([
            {"id": 1, "name": "Microsoft", "projects": [{"id": 1, "name": "Windows 7"}, {"id": 2, "name": "Windows 10"}]},
            {"id": 2, "name": "Apple", "projects": [{"id": 3, "name": "IOS"}, {"id": 4, "name": "OSX"}]}
        ])
    );
    assert_eq!(
        api.ok("/projects?select=name,clients(name)&order=id&id=in.(1,5)")
            .await,
        json!([{"name": "Windows 7", "clients": {"name": "Microsoft"}}, {"name": "Orphan", "clients": null}])
    );
}

#[tokio::test]
async fn nesting_aliases_and_star() {
    let api = TestApi::new().await;
    assert_eq!(
        api.ok("/clients?select=name,work:projects(name,tasks(name,done))&id=eq.2&work.order=id&work.tasks.order=id").await,
        json!([{"name": "Apple", "work": [
            {"name": "IOS", "tasks": [{"name": "Design IOS", "done": false}, {"name": "Code IOS", "done": false}]},
            {"name": "OSX", "tasks": [{"name": "Design OSX", "done": true}, {"name": "Code OSX", "done": false}]}
        ]}])
    );
    assert_eq!(
        api.ok("/tasks?select=*,projects(*,clients(*))&id=eq.1")
            .await,
        json!([{"id": 1, "name": "Design w7", "done": true, "project_id": 1,
                "projects": {"id": 1, "name": "Windows 7", "client_id": 1, "clients": {"id": 1, "name": "Microsoft"}}}])
    );
}

#[tokio::test]
async fn embedded_filters_order_and_limits() {
    let api = TestApi::new().await;
    assert_eq!(
        api.ok("/clients?select=name,projects(name)&projects.name=like.*10&order=id")
            .await,
        json!([{"name": "Microsoft", "projects": [{"name": "Windows 10"}]}, {"name": "Apple", "projects": []}])
    );
    assert_eq!(
        api.ok(
            "/clients?select=name,projects(name)&projects.order=name.desc&projects.limit=1&order=id"
        )
        .await,
        json!([{"name": "Microsoft", "projects": [{"name": "Windows 7"}]}, {"name": "Apple", "projects": [{"name": "OSX"}]}])
    );
    assert_eq!(
        api.ok(
            "/clients?select=name,projects(name)&projects.or=(name.eq.IOS,name.eq.OSX)&order=id"
        )
        .await,
        json!([{"name": "Microsoft", "projects": []}, {"name": "Apple", "projects": [{"name": "IOS"}, {"name": "OSX"}]}])
    );
}

#[tokio::test]
async fn inner_joins_and_null_tests_filter_parents() {
    let api = TestApi::new().await;
    let apple = json!([{"name": "Apple", "projects": [{"name": "IOS"}]}]);
    assert_eq!(
        api.ok("/clients?select=name,projects!inner(name)&projects.name=eq.IOS")
            .await,
        apple
    );
    assert_eq!(
        api.ok("/clients?select=name,projects(name)&projects.name=eq.IOS&projects=not.is.null")
            .await,
        apple
    );
    assert_eq!(
        api.ok("/projects?select=name,clients()&clients=is.null")
            .await,
        json!([{"name": "Orphan"}])
    );
    assert_eq!(
        api.ok("/projects?select=name,clients!inner()&clients.name=eq.Apple&order=id")
            .await,
        json!([{"name": "IOS"}, {"name": "OSX"}])
    );
}

#[tokio::test]
async fn spreads_lift_columns() {
    let api = TestApi::new().await;
    assert_eq!(
        api.ok("/projects?select=name,...clients(client_name:name)&id=eq.1")
            .await,
        json!([{"name": "Windows 7", "client_name": "Microsoft"}])
    );
    assert_eq!(
        api.ok("/clients?select=name,...projects(project_names:name)&id=eq.1&projects.order=id")
            .await,
        json!([{"name": "Microsoft", "project_names": ["Windows 7", "Windows 10"]}])
    );
}

#[tokio::test]
async fn embedding_by_foreign_key_column() {
    let api = TestApi::new().await;
    assert_eq!(
        api.ok("/post?select=headline,author_id(name)&id=eq.3")
            .await,
        json!([{"headline": "Hi", "author_id": {"name": "Bert"}}])
    );
    assert_eq!(
        api.ok("/users?select=name,post(headline)&id=eq.1&post.order=id")
            .await,
        json!([{"name": "Ann", "post": [{"headline": "Hello"}, {"headline": "Again"}]}])
    );
}

#[tokio::test]
async fn many_to_many_and_one_to_one() {
    let api = with_fixtures().await;
    assert_eq!(
        api.ok("/users?select=name,tasks(name)&order=id&tasks.order=id")
            .await,
        json!([
            {"name": "Ann", "tasks": [{"name": "Design w7"}, {"name": "Design w10"}]},
            {"name": "Bert", "tasks": [{"name": "Design w10"}]}
        ])
    );
    assert_eq!(
        api.ok("/tasks?select=name,users(name)&id=eq.3&users.order=id")
            .await,
        json!([{"name": "Design w10", "users": [{"name": "Ann"}, {"name": "Bert"}]}])
    );
    assert_eq!(
        api.ok("/users?select=name,profiles(bio)&order=id").await,
        json!([{"name": "Ann", "profiles": {"bio": "Writes a lot"}}, {"name": "Bert", "profiles": null}])
    );
}

#[tokio::test]
async fn ambiguous_embeds_are_300_with_hints_that_resolve_them() {
    let api = with_fixtures().await;
    let response = api.get("/orders?select=id,addresses(city)").await;
    assert_eq!(response.status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST201",
            "details": [
                {"cardinality": "many-to-one", "embedding": "orders with addresses",
                 "relationship": "billing using orders(billing_address_id) and addresses(id)"},
                {"cardinality": "many-to-one", "embedding": "orders with addresses",
                 "relationship": "shipping using orders(shipping_address_id) and addresses(id)"}
            ],
            "hint": "Try changing 'addresses' to one of the following: 'addresses!billing', 'addresses!shipping'. Find the desired relationship in the 'details' key.",
            "message": "Could not embed because more than one relationship was found for 'orders' and 'addresses'"
        })
    );
    assert_eq!(
        api.ok("/orders?select=id,billing:addresses!billing(city),shipping:addresses!shipping_address_id(city)").await,
        json!([{"id": 1, "billing": {"city": "Oslo"}, "shipping": {"city": "Lima"}}])
    );
}

#[tokio::test]
async fn unknown_relationships_and_bad_embed_filters() {
    let api = TestApi::new().await;
    let response = api.get("/clients?select=*,nope(*)").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST200",
            "details": "Searched for a foreign key relationship between 'clients' and 'nope' in the schema 'api', but no matches were found.",
            "hint": null,
            "message": "Could not find a relationship between 'clients' and 'nope' in the schema cache"
        })
    );
    let response = api.get("/clients?select=*,projectss(*)").await;
    assert_eq!(
        response.json()["hint"],
        "Perhaps you meant 'projects' instead of 'projectss'."
    );
    let response = api
        .get("/clients?select=name,projects(name)&projects=eq.1")
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "PGRST120");
    assert_eq!(
        response.json()["message"],
        "Bad operator on the 'projects' embedded resource"
    );
    let response = api.get("/clients?select=name&projects.name=eq.x").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["code"], "PGRST108");
    // Embedding what the role may not read is Postgres' permission error.
    let response = api.get("/users?select=name,accounts(company)").await;
    assert_eq!(response.json()["code"], "PGRST200");
}

#[tokio::test]
async fn embeds_on_inserted_rows() {
    let api = TestApi::new().await;
    let manager = common::bearer(json!({"role": "mgr_alice"}));
    let headers = [
        ("authorization", manager.as_str()),
        ("prefer", "return=representation"),
    ];
    let response = api
        .request(
            axum::http::Method::POST,
            "/projects?select=name,clients(name)",
            &headers,
            r#"{"id":6,"name":"Azure","client_id":1}"#,
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    assert_eq!(
        response.json(),
        json!([{"name": "Azure", "clients": {"name": "Microsoft"}}])
    );
}

#[tokio::test]
async fn views_embed_through_their_base_tables_keys() {
    let api = TestApi::new().await;
    let api = api.with_sql(
        r#"CREATE VIEW api.project_titles AS SELECT id, name AS title, client_id AS "owner id" FROM api.projects;
           GRANT SELECT ON api.project_titles TO web_anon;"#,
    )
    .await;
    assert_eq!(
        api.ok("/project_titles?select=title,clients(name)&id=in.(1,5)&order=id")
            .await,
        json!([{"title": "Windows 7", "clients": {"name": "Microsoft"}}, {"title": "Orphan", "clients": null}])
    );
    assert_eq!(
        api.ok("/clients?select=name,project_titles(title)&id=eq.2&project_titles.order=id")
            .await,
        json!([{"name": "Apple", "project_titles": [{"title": "IOS"}, {"title": "OSX"}]}])
    );
    assert_eq!(
        api.ok("/tasks?select=name,project_titles(title)&id=eq.8")
            .await,
        json!([{"name": "Code OSX", "project_titles": {"title": "OSX"}}])
    );
}

#[tokio::test]
async fn ordering_by_a_to_one_embed() {
    let api = TestApi::new().await;
    assert_eq!(
        api.ok("/projects?select=name,clients(name)&order=clients(name).desc,id&limit=3")
            .await,
        json!([
            {"name": "Orphan", "clients": null},
            {"name": "Windows 7", "clients": {"name": "Microsoft"}},
            {"name": "Windows 10", "clients": {"name": "Microsoft"}}
        ])
    );
    assert_eq!(
        api.ok("/projects?select=name,client:clients(name)&order=client(name).asc.nullslast,id")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["IOS", "OSX", "Windows 7", "Windows 10", "Orphan"]
    );
    let response = api
        .get("/clients?select=name,projects(name)&order=projects(name)")
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST118",
            "details": "'clients' and 'projects' do not form a many-to-one or one-to-one relationship",
            "hint": null,
            "message": "A related order on 'projects' is not possible"
        })
    );
}

#[tokio::test]
async fn long_names_nest_deeply_without_alias_clashes() {
    let long = "a_table_with_a_name_of_exactly_sixty_three_bytes_for_alias_test";
    assert_eq!(long.len(), 63);
    let api = TestApi::new()
        .await
        .with_sql(&format!(
            "CREATE TABLE api.{long} (id int PRIMARY KEY, parent_id int REFERENCES api.{long});
             INSERT INTO api.{long} VALUES (1, NULL), (2, 1), (3, 2), (4, 3);
             GRANT SELECT ON api.{long} TO web_anon;"
        ))
        .await;
    let nested = format!(
        "/{long}?select=id,p:{long}!parent_id(id,p:{long}!parent_id(id,p:{long}!parent_id(id)))&id=eq.4"
    );
    assert_eq!(
        api.ok(&nested).await,
        json!([{"id": 4, "p": {"id": 3, "p": {"id": 2, "p": {"id": 1}}}}])
    );
    // The hint's column on the source side picks the direction: `!id` leads to the children.
    let children = format!("/{long}?select=id,children:{long}!id(id)&id=eq.1");
    assert_eq!(
        api.ok(&children).await,
        json!([{"id": 1, "children": [{"id": 2}]}])
    );
}

#[tokio::test]
async fn computed_relationships_embed_through_functions() {
    let api = TestApi::new()
        .await
        .with_sql(
            "CREATE FUNCTION api.windows_projects(api.clients) RETURNS SETOF api.projects
               LANGUAGE sql STABLE AS $$ SELECT * FROM api.projects WHERE client_id = $1.id AND name LIKE 'W%' $$;
             CREATE FUNCTION api.owner(api.projects) RETURNS api.clients
               LANGUAGE sql STABLE AS $$ SELECT * FROM api.clients WHERE id = $1.client_id $$;
             CREATE FUNCTION api.tasks(api.projects) RETURNS SETOF api.tasks
               LANGUAGE sql STABLE AS $$ SELECT * FROM api.tasks WHERE project_id = $1.id AND done $$;",
        )
        .await;
    // To-many, under an alias.
    assert_eq!(
        api.ok("/clients?select=name,w:windows_projects(name)&order=id")
            .await,
        json!([
            {"name": "Microsoft", "w": [{"name": "Windows 7"}, {"name": "Windows 10"}]},
            {"name": "Apple", "w": []}
        ])
    );
    // To-one, and ordering by it.
    assert_eq!(
        api.ok("/projects?select=name,owner(name)&client_id=not.is.null&order=owner(name).asc,id.desc&limit=2")
            .await,
        json!([
            {"name": "OSX", "owner": {"name": "Apple"}},
            {"name": "IOS", "owner": {"name": "Apple"}}
        ])
    );
    // !inner and filters on the embedded level.
    assert_eq!(
        api.ok("/clients?select=name,windows_projects!inner(id)&windows_projects.id=eq.2")
            .await,
        json!([{"name": "Microsoft", "windows_projects": [{"id": 2}]}])
    );
    // A function named like a table overrides the foreign key: only done tasks.
    assert_eq!(
        api.ok("/projects?select=id,tasks(id)&id=eq.1").await,
        json!([{"id": 1, "tasks": [{"id": 1}, {"id": 2}]}])
    );
    assert_eq!(
        api.ok("/projects?select=id,tasks(id)&id=eq.2").await,
        json!([{"id": 2, "tasks": []}])
    );
}
