//! GraphQL mutations beyond one row by primary key: lookups and writes by unique keys, several
//! rows per call, writes by filter with a bound, upserts, and nested creates — each root field one
//! statement in the operation's one transaction, as the caller.

mod common;

use axum::http::{Method, StatusCode};
use common::statements::{StatementLog, kinds};
use common::{TestApi, bearer};
use serde_json::{Value, json};

/// Teams and their members (a primary key and two unique keys, one of two columns), the members'
/// chores, labels (a unique key and no primary key), and a unique key on the managers' accounts,
/// which row level security guards.
const FIXTURE: &str = "
CREATE TABLE api.teams (
    id   serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
CREATE TABLE api.members (
    id      serial PRIMARY KEY,
    email   text NOT NULL UNIQUE,
    org     int NOT NULL,
    badge   int NOT NULL,
    name    text NOT NULL,
    team_id int REFERENCES api.teams (id),
    UNIQUE (org, badge)
);
CREATE TABLE api.labels (
    label text NOT NULL UNIQUE,
    note  text
);
CREATE TABLE api.chores (
    id        serial PRIMARY KEY,
    title     text NOT NULL CHECK (title <> ''),
    member_id int NOT NULL REFERENCES api.members (id)
);
INSERT INTO api.teams (name) VALUES ('Red'), ('Blue');
INSERT INTO api.members (email, org, badge, name, team_id) VALUES
    ('ann@x.test', 1, 10, 'Ann', 1),
    ('bo@x.test', 1, 11, 'Bo', 1),
    ('cy@x.test', 2, 10, 'Cy', 2);
INSERT INTO api.labels VALUES ('urgent', 'do it now'), ('later', NULL);
ALTER TABLE api.accounts ADD CONSTRAINT accounts_company_key UNIQUE (company);
GRANT SELECT ON api.teams, api.members, api.labels, api.chores TO web_anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON api.teams, api.members, api.labels, api.chores TO managers;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA api TO managers;
";

async fn api() -> TestApi {
    TestApi::new().await.with_sql(FIXTURE).await
}

/// The response to `query` as manager alice, who may write.
async fn as_alice(api: &TestApi, query: &str) -> Value {
    graphql_as(api, query, &[("authorization", &alice())]).await
}

async fn graphql_as(api: &TestApi, query: &str, headers: &[(&str, &str)]) -> Value {
    let body = json!({"query": query}).to_string();
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    let response = api.request(Method::POST, "/graphql", &all, &body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

fn alice() -> String {
    bearer(json!({"role": "mgr_alice"}))
}

/// Rows of the test database as JSON, read by the superuser.
async fn rows(api: &TestApi, sql: &'static str) -> Value {
    let json: Option<Value> = sqlx::query_scalar(sql)
        .fetch_one(&mut api.admin().await)
        .await
        .unwrap();
    json.unwrap_or(Value::Null)
}

/// `message` and `code` of each error, in order.
fn errors(response: &Value) -> Vec<(String, String)> {
    response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {response}"))
        .iter()
        .map(|e| {
            (
                e["message"].as_str().unwrap_or_default().to_owned(),
                e["extensions"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// Every UNIQUE constraint reads a row as PostGraphile names it: `memberByEmail`,
/// `memberByOrgAndBadge`, and `labelByLabel` on a table without a primary key.
#[tokio::test]
async fn lookups_by_unique_keys() {
    let api = api().await;
    assert_eq!(
        as_alice(
            &api,
            "{ memberByEmail(email: \"bo@x.test\") { id name teamByTeamId { name } } \
             memberByOrgAndBadge(org: 2, badge: 10) { name } \
             nobody: memberByOrgAndBadge(org: 9, badge: 10) { name } \
             teamByName(name: \"Red\") { membersByTeamId { totalCount } } \
             labelByLabel(label: \"urgent\") { note } }"
        )
        .await,
        json!({"data": {
            "memberByEmail": {"id": 2, "name": "Bo", "teamByTeamId": {"name": "Red"}},
            "memberByOrgAndBadge": {"name": "Cy"},
            "nobody": null,
            "teamByName": {"membersByTeamId": {"totalCount": 2}},
            "labelByLabel": {"note": "do it now"}
        }})
    );
    // Row level security applies: mgr_alice does not see mgr_bob's account.
    assert_eq!(
        as_alice(
            &api,
            "{ acme: accountByCompany(company: \"Acme\") { manager } \
             globex: accountByCompany(company: \"Globex\") { manager } }"
        )
        .await,
        json!({"data": {"acme": {"manager": "mgr_alice"}, "globex": null}})
    );
}

/// `updateXByKey` and `deleteXByKey` for every unique key, with PostGraphile's inputs and payloads.
#[tokio::test]
async fn updates_and_deletes_by_unique_keys() {
    let api = api().await;
    assert_eq!(
        as_alice(
            &api,
            "mutation { \
             a: updateMemberByEmail(input: {clientMutationId: \"m1\", email: \"bo@x.test\", \
                memberPatch: {name: \"Bob\", teamId: 2}}) { \
                clientMutationId member { id name } teamByTeamId { name } } \
             b: updateMemberByOrgAndBadge(input: {org: 2, badge: 10, memberPatch: {badge: 12}}) { \
                member { nodeId email badge } } \
             c: deleteMemberByOrgAndBadge(input: {org: 1, badge: 10}) { \
                member { email } deletedMemberId } \
             d: updateLabelByLabel(input: {label: \"later\", labelPatch: {note: \"some day\"}}) { \
                label { label note } } \
             e: deleteLabelByLabel(input: {label: \"urgent\"}) { label { label } } }"
        )
        .await,
        json!({"data": {
            "a": {"clientMutationId": "m1", "member": {"id": 2, "name": "Bob"},
                  "teamByTeamId": {"name": "Blue"}},
            "b": {"member": {"nodeId": "WyJtZW1iZXJzIiwzXQ==", "email": "cy@x.test", "badge": 12}},
            "c": {"member": {"email": "ann@x.test"}, "deletedMemberId": "WyJtZW1iZXJzIiwxXQ=="},
            "d": {"label": {"label": "later", "note": "some day"}},
            "e": {"label": {"label": "urgent"}}
        }})
    );
    assert_eq!(
        rows(
            &api,
            "SELECT json_agg(json_build_array(id, email, badge, name, team_id) ORDER BY id) \
             FROM api.members"
        )
        .await,
        json!([
            [2, "bo@x.test", 11, "Bob", 2],
            [3, "cy@x.test", 12, "Cy", 2]
        ])
    );
    assert_eq!(
        rows(&api, "SELECT json_agg(label) FROM api.labels").await,
        json!(["later"])
    );
}

/// A key naming no row the caller may change is PostGraphile's error, and nothing is kept;
/// row level security hides mgr_bob's account from mgr_alice.
#[tokio::test]
async fn unique_key_writes_find_only_visible_rows() {
    let api = api().await;
    let response = as_alice(
        &api,
        "mutation { updateAccountByCompany(input: {company: \"Globex\", \
         accountPatch: {contactEmail: \"x@x.test\"}}) { account { company } } }",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    assert_eq!(
        errors(&response),
        [(
            "No values were updated in collection 'accounts' because no values you asked to \
             update could be found."
                .to_owned(),
            String::new()
        )]
    );
    let response = as_alice(
        &api,
        "mutation { updateAccountByCompany(input: {company: \"Acme\", \
         accountPatch: {contactEmail: \"new@acme.test\"}}) { account { company contactEmail } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"updateAccountByCompany": {"account":
            {"company": "Acme", "contactEmail": "new@acme.test"}}}})
    );
    // Anonymous callers may not update: Postgres says so, with its code.
    let response = graphql_as(
        &api,
        "mutation { deleteMemberByEmail(input: {email: \"ann@x.test\"}) { member { id } } }",
        &[],
    )
    .await;
    assert_eq!(
        errors(&response),
        [(
            "permission denied for table members".to_owned(),
            "42501".to_owned()
        )]
    );
    assert_eq!(
        rows(&api, "SELECT json_agg(email ORDER BY id) FROM api.members").await,
        json!(["ann@x.test", "bo@x.test", "cy@x.test"])
    );
}

/// `createManyX` inserts every row in one statement; a row leaving a field out gets the column's
/// default, and the payload returns the rows with their relations.
#[tokio::test]
async fn create_many_rows() {
    let api = api().await;
    assert_eq!(
        as_alice(
            &api,
            "mutation { createManyMembers(input: {clientMutationId: \"c1\", members: [\
             {email: \"di@x.test\", org: 3, badge: 1, name: \"Di\", teamId: 2}, \
             {email: \"ed@x.test\", org: 3, badge: 2, name: \"Ed\"}]}) { \
             clientMutationId affectedCount members { id name teamByTeamId { name } } \
             query { teamById(id: 2) { membersByTeamId { totalCount } } } } }"
        )
        .await,
        json!({"data": {"createManyMembers": {
            "clientMutationId": "c1",
            "affectedCount": 2,
            "members": [
                {"id": 4, "name": "Di", "teamByTeamId": {"name": "Blue"}},
                {"id": 5, "name": "Ed", "teamByTeamId": null}
            ],
            "query": {"teamById": {"membersByTeamId": {"totalCount": 2}}}
        }}})
    );
}

/// An empty list, two rows with one key and a row missing a required field are errors with
/// codes, and nothing is written.
#[tokio::test]
async fn bad_rows_are_errors() {
    let api = api().await;
    let response = as_alice(
        &api,
        "mutation { createManyMembers(input: {members: []}) { affectedCount } }",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    assert_eq!(
        errors(&response),
        [(
            "createManyMembers needs at least one row in \"members\".".to_owned(),
            "22023".to_owned()
        )]
    );
    let response = as_alice(
        &api,
        "mutation { createManyMembers(input: {members: [\
         {email: \"di@x.test\", org: 3, badge: 1, name: \"Di\"}, \
         {email: \"di@x.test\", org: 3, badge: 2, name: \"Di again\"}]}) { affectedCount } }",
    )
    .await;
    assert_eq!(
        errors(&response),
        [(
            "duplicate key value violates unique constraint \"members_email_key\"".to_owned(),
            "23505".to_owned()
        )]
    );
    let response = as_alice(
        &api,
        "mutation { createManyMembers(input: {members: [\
         {email: \"di@x.test\", org: 3, badge: 1, name: \"Di\"}, \
         {email: \"ed@x.test\", org: 3, badge: 2}]}) { affectedCount } }",
    )
    .await;
    // GraphQL's own validation finds it, before any statement.
    assert_eq!(
        errors(&response),
        [(
            "Invalid value for argument \"input.members.1\", field \"name\" of type \"String!\" \
             is required but not provided"
                .to_owned(),
            String::new()
        )]
    );
    assert_eq!(
        rows(&api, "SELECT json_agg(email ORDER BY id) FROM api.members").await,
        json!(["ann@x.test", "bo@x.test", "cy@x.test"])
    );
}

/// `updateManyX` and `deleteManyX` change the rows a filter matches (relation filters too) and
/// return them in primary key order with their relations.
#[tokio::test]
async fn update_and_delete_by_filter() {
    let api = api().await;
    assert_eq!(
        as_alice(
            &api,
            "mutation { \
             u: updateManyMembers(input: {filter: {teamByTeamId: {name: {equalTo: \"Red\"}}}, \
                memberPatch: {org: 5}, atMost: 5}) { \
                affectedCount members { name org teamByTeamId { name } } } \
             d: deleteManyLabels(input: {clientMutationId: \"d1\", filter: {note: {isNull: true}}}) { \
                clientMutationId affectedCount labels { label } } \
             none: deleteManyMembers(input: {filter: {org: {equalTo: 99}}}) { \
                affectedCount members { id } } }"
        )
        .await,
        json!({"data": {
            "u": {"affectedCount": 2, "members": [
                {"name": "Ann", "org": 5, "teamByTeamId": {"name": "Red"}},
                {"name": "Bo", "org": 5, "teamByTeamId": {"name": "Red"}}
            ]},
            "d": {"clientMutationId": "d1", "affectedCount": 1, "labels": [{"label": "later"}]},
            "none": {"affectedCount": 0, "members": []}
        }})
    );
    assert_eq!(
        rows(&api, "SELECT json_agg(org ORDER BY id) FROM api.members").await,
        json!([5, 5, 2])
    );
    assert_eq!(
        rows(&api, "SELECT json_agg(label) FROM api.labels").await,
        json!(["urgent"])
    );
}

/// More rows than `atMost` (1 unless given) is an error, and the whole mutation is rolled back.
#[tokio::test]
async fn at_most_bounds_updates_and_deletes() {
    let api = api().await;
    let response = as_alice(
        &api,
        "mutation { \
         a: updateMemberByEmail(input: {email: \"cy@x.test\", memberPatch: {name: \"Cyd\"}}) { \
            member { name } } \
         b: deleteManyMembers(input: {filter: {org: {equalTo: 1}}}) { affectedCount } }",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    assert_eq!(
        errors(&response),
        [(
            "The delete would change 2 rows of `Member`, more than atMost (1); nothing was \
             changed."
                .to_owned(),
            "PGRST124".to_owned()
        )]
    );
    let response = as_alice(
        &api,
        "mutation { updateManyMembers(input: {memberPatch: {name: \"X\"}, atMost: 2}) { \
         affectedCount } }",
    )
    .await;
    assert_eq!(errors(&response)[0].1, "PGRST124");
    let response = as_alice(
        &api,
        "mutation { updateManyMembers(input: {memberPatch: {org: 7}, atMost: -1}) { \
         affectedCount } }",
    )
    .await;
    assert_eq!(
        errors(&response),
        [(
            "atMost must not be negative, not -1.".to_owned(),
            "22023".to_owned()
        )]
    );
    assert_eq!(
        rows(
            &api,
            "SELECT json_agg(json_build_array(name, org) ORDER BY id) FROM api.members"
        )
        .await,
        json!([["Ann", 1], ["Bo", 1], ["Cy", 2]])
    );
    assert_eq!(
        as_alice(
            &api,
            "mutation { deleteManyMembers(input: {filter: {org: {equalTo: 1}}, atMost: 2}) { \
             affectedCount members { email } } }"
        )
        .await,
        json!({"data": {"deleteManyMembers": {"affectedCount": 2,
            "members": [{"email": "ann@x.test"}, {"email": "bo@x.test"}]}}})
    );
}

/// `onConflict` makes a create an upsert on a unique constraint or the primary key: the listed
/// columns are updated from the new row, or (with none) the conflicting row is left out.
#[tokio::test]
async fn upserts_on_unique_constraints() {
    let api = api().await;
    assert_eq!(
        as_alice(
            &api,
            "mutation { \
             a: createMember(input: {member: {email: \"bo@x.test\", org: 9, badge: 9, \
                name: \"Bob\"}, onConflict: {constraint: members_email_key, updateColumns: [name]}}) { \
                member { id email org name teamByTeamId { name } } } \
             b: createManyMembers(input: {members: [\
                {email: \"cy2@x.test\", org: 2, badge: 10, name: \"Cyd\"}, \
                {email: \"new@x.test\", org: 4, badge: 1, name: \"New\"}], \
                onConflict: {constraint: members_org_badge_key}}) { \
                affectedCount members { id email name } } \
             c: createTeam(input: {team: {id: 1, name: \"Crimson\"}, \
                onConflict: {constraint: teams_pkey, updateColumns: [name]}}) { team { id name } } \
             d: createLabel(input: {label: {label: \"urgent\", note: \"new\"}, \
                onConflict: {constraint: labels_label_key}}) { label { note } } }"
        )
        .await,
        json!({"data": {
            "a": {"member": {"id": 2, "email": "bo@x.test", "org": 1, "name": "Bob",
                             "teamByTeamId": {"name": "Red"}}},
            // The sequence moved on for each row that was to be inserted.
            "b": {"affectedCount": 1, "members": [{"id": 6, "email": "new@x.test", "name": "New"}]},
            "c": {"team": {"id": 1, "name": "Crimson"}},
            "d": {"label": null}
        }})
    );
    assert_eq!(
        rows(
            &api,
            "SELECT json_agg(json_build_array(email, name) ORDER BY id) FROM api.members"
        )
        .await,
        json!([
            ["ann@x.test", "Ann"],
            ["bo@x.test", "Bob"],
            ["cy@x.test", "Cy"],
            ["new@x.test", "New"]
        ])
    );
    assert_eq!(
        rows(
            &api,
            "SELECT json_agg(note) FROM api.labels WHERE label = 'urgent'"
        )
        .await,
        json!(["do it now"])
    );
}

/// An upsert updates only rows the caller may update: row level security stops mgr_alice from
/// taking over mgr_bob's account; two rows with one key in one upsert are Postgres' error.
#[tokio::test]
async fn upserts_respect_row_level_security() {
    let api = api().await;
    let response = as_alice(
        &api,
        "mutation { createAccount(input: {account: {manager: \"mgr_alice\", company: \"Globex\"}, \
         onConflict: {constraint: accounts_company_key, updateColumns: [manager]}}) { \
         account { company } } }",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    assert_eq!(errors(&response)[0].1, "42501", "{response}");
    let response = as_alice(
        &api,
        "mutation { createManyTeams(input: {teams: [{name: \"Red\"}, {name: \"Red\"}], \
         onConflict: {constraint: teams_name_key, updateColumns: [name]}}) { affectedCount } }",
    )
    .await;
    assert_eq!(errors(&response)[0].1, "21000", "{response}");
    assert_eq!(
        rows(
            &api,
            "SELECT json_agg(json_build_array(manager, company) ORDER BY company) \
             FROM api.accounts"
        )
        .await,
        json!([
            ["mgr_alice", "Acme"],
            ["mgr_bob", "Globex"],
            ["mgr_alice", "Initech"]
        ])
    );
}

/// The response to `query` as alice, and the kinds of the statements it ran.
async fn run(log: &StatementLog, query: &str) -> (Value, Vec<&'static str>) {
    let (response, statements) = log.during(as_alice(&log.api, query)).await;
    (response, kinds(&statements))
}

/// Each root field is one statement, relations and all, in the mutation's one transaction.
#[tokio::test]
async fn one_statement_per_mutation_field() {
    let log = StatementLog::new(api().await).await;
    let (response, kinds) = run(
        &log,
        "mutation { \
             a: createManyMembers(input: {members: [{email: \"di@x.test\", org: 3, badge: 1, \
                name: \"Di\", teamId: 2}], onConflict: {constraint: members_email_key, \
                updateColumns: [name]}}) { members { name teamByTeamId { name \
                membersByTeamId { totalCount nodes { name } } } } } \
             b: updateManyMembers(input: {filter: {teamByTeamId: {name: {equalTo: \"Blue\"}}}, \
                memberPatch: {org: 8}, atMost: 2}) { affectedCount } \
             c: updateMemberByOrgAndBadge(input: {org: 8, badge: 1, \
                memberPatch: {name: \"Dee\"}}) { member { name } } \
             d: deleteManyLabels(input: {atMost: 2}) { affectedCount } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {
            // Relations read the tables as the statement found them (a data-modifying CTE's
            // rows are not in its snapshot), so the team's members do not include Di yet.
            "a": {"members": [{"name": "Di", "teamByTeamId": {"name": "Blue",
                  "membersByTeamId": {"totalCount": 1, "nodes": [{"name": "Cy"}]}}}]},
            "b": {"affectedCount": 2},
            "c": {"member": {"name": "Dee"}},
            "d": {"affectedCount": 2}
        }})
    );
    assert_eq!(
        kinds,
        [
            "begin",
            "settings",
            "statement",
            "statement",
            "statement",
            "statement",
            "commit"
        ]
    );
}

/// `createX` with `…UsingId: {create: […]}` creates the row and its children in one statement,
/// named as postgraphile-plugin-nested-mutations names it; the payload's relation to them reads
/// the rows just created.
#[tokio::test]
async fn nested_create_of_children() {
    let log = StatementLog::new(api().await).await;
    let (response, kinds) = run(
        &log,
        "mutation { createTeam(input: {clientMutationId: \"n1\", team: {name: \"Green\", \
             membersUsingId: {create: [{email: \"gi@x.test\", org: 5, badge: 1, name: \"Gi\"}, \
             {email: \"ho@x.test\", org: 5, badge: 2, name: \"Ho\"}]}}}) { \
             clientMutationId team { id name membersByTeamId(orderBy: NAME_DESC) { \
             totalCount nodes { id name teamId } } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"createTeam": {
            "clientMutationId": "n1",
            "team": {"id": 3, "name": "Green", "membersByTeamId": {"totalCount": 2, "nodes": [
                {"id": 5, "name": "Ho", "teamId": 3},
                {"id": 4, "name": "Gi", "teamId": 3}
            ]}}
        }}})
    );
    assert_eq!(kinds, ["begin", "settings", "statement", "commit"]);
    assert_eq!(
        rows(
            &log.api,
            "SELECT json_agg(json_build_array(email, team_id) ORDER BY id) FROM api.members \
             WHERE id > 3"
        )
        .await,
        json!([["gi@x.test", 3], ["ho@x.test", 3]])
    );
}

/// A failing child fails the whole nested create: the parent is not kept either, nor anything
/// else the mutation did. Nested creates need `createX` without `onConflict`.
#[tokio::test]
async fn failing_nested_create_keeps_nothing() {
    let api = api().await;
    let response = as_alice(
        &api,
        "mutation { a: createLabel(input: {label: {label: \"new\"}}) { label { label } } \
         b: createTeam(input: {team: {name: \"Green\", membersUsingId: {create: [\
         {email: \"gi@x.test\", org: 5, badge: 1, name: \"Gi\"}, \
         {email: \"ann@x.test\", org: 5, badge: 2, name: \"Ann again\"}]}}}) { team { id } } }",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    assert_eq!(
        errors(&response),
        [(
            "duplicate key value violates unique constraint \"members_email_key\"".to_owned(),
            "23505".to_owned()
        )]
    );
    for (mutation, message) in [
        (
            "mutation { createTeam(input: {team: {name: \"Red\", membersUsingId: {create: [\
             {email: \"gi@x.test\", org: 5, badge: 1, name: \"Gi\"}]}}, \
             onConflict: {constraint: teams_name_key, updateColumns: [name]}}) { team { id } } }",
            "A create with onConflict cannot create related rows too.",
        ),
        (
            "mutation { createManyTeams(input: {teams: [{name: \"Green\", membersUsingId: \
             {create: [{email: \"gi@x.test\", org: 5, badge: 1, name: \"Gi\"}]}}]}) { \
             affectedCount } }",
            "createManyTeams cannot create related rows; createTeam can.",
        ),
    ] {
        let response = as_alice(&api, mutation).await;
        assert_eq!(
            errors(&response),
            [(message.to_owned(), "22023".to_owned())],
            "{mutation}"
        );
    }
    assert_eq!(
        rows(
            &api,
            "SELECT json_build_array((SELECT count(*) FROM api.teams), \
             (SELECT count(*) FROM api.members), (SELECT count(*) FROM api.labels))"
        )
        .await,
        json!([2, 3, 2])
    );
}

/// `createX` with `…To<key>: {create: {…}}` creates the row's parent first and the row with its
/// key, in one statement; the payload's relation to the parent reads the row just created.
#[tokio::test]
async fn nested_create_of_a_parent() {
    let api = api().await;
    assert_eq!(
        as_alice(
            &api,
            "mutation { createMember(input: {member: {email: \"jo@x.test\", org: 6, badge: 1, \
             name: \"Jo\", teamToTeamId: {create: {name: \"Gold\"}}}}) { \
             member { id name teamId teamByTeamId { id name } } teamByTeamId { nodeId } } }"
        )
        .await,
        json!({"data": {"createMember": {
            "member": {"id": 4, "name": "Jo", "teamId": 3, "teamByTeamId": {"id": 3, "name": "Gold"}},
            "teamByTeamId": {"nodeId": "WyJ0ZWFtcyIsM10="}
        }}})
    );
    assert_eq!(
        rows(
            &api,
            "SELECT json_agg(json_build_array(t.name, m.email)) FROM api.members m \
             JOIN api.teams t ON t.id = m.team_id WHERE m.id = 4"
        )
        .await,
        json!([["Gold", "jo@x.test"]])
    );
    let response = as_alice(
        &api,
        "mutation { createMember(input: {member: {email: \"jo2@x.test\", org: 6, badge: 2, \
         name: \"Jo\", teamId: 1, teamToTeamId: {create: {name: \"Gold\"}}}}) { member { id } } }",
    )
    .await;
    assert_eq!(
        errors(&response),
        [(
            "Give either teamId or teamToTeamId, not both.".to_owned(),
            "22023".to_owned()
        )]
    );
    // A key column a new parent can fill in is optional in the input; without either, the
    // column's constraint decides.
    let response = as_alice(
        &api,
        "mutation { createPost(input: {post: {headline: \"Orphan\"}}) { post { id } } }",
    )
    .await;
    assert_eq!(errors(&response)[0].1, "23502", "{response}");
}

/// Nested creates go as deep as the input: a team, its members and their chores in one statement.
/// With several members each creating chores, and serial keys the input does not give, each chore
/// gets its own member's key; the payload reads the new rows at every level.
#[tokio::test]
async fn nested_create_three_levels_deep() {
    let log = StatementLog::new(api().await).await;
    let (response, kinds) = run(
        &log,
        "mutation { createTeam(input: {team: {name: \"Green\", membersUsingId: {create: [\
             {email: \"gi@x.test\", org: 5, badge: 1, name: \"Gi\", choresUsingId: {create: [\
                {title: \"Gi 1\"}, {title: \"Gi 2\"}]}}, \
             {email: \"ho@x.test\", org: 5, badge: 2, name: \"Ho\"}, \
             {email: \"ix@x.test\", org: 5, badge: 3, name: \"Ix\", choresUsingId: {create: [\
                {title: \"Ix 1\"}]}}, \
             {email: \"jo@x.test\", org: 5, badge: 4, name: \"Jo\", \
                choresUsingId: {create: []}}]}}}) { \
             team { name membersByTeamId(orderBy: EMAIL_ASC) { totalCount nodes { email \
             choresByMemberId(orderBy: TITLE_DESC) { totalCount nodes { title memberId } } \
             } } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"createTeam": {"team": {"name": "Green", "membersByTeamId": {
            "totalCount": 4,
            "nodes": [
                {"email": "gi@x.test", "choresByMemberId": {"totalCount": 2, "nodes": [
                    {"title": "Gi 2", "memberId": 4},
                    {"title": "Gi 1", "memberId": 4}
                ]}},
                {"email": "ho@x.test", "choresByMemberId": {"totalCount": 0, "nodes": []}},
                {"email": "ix@x.test", "choresByMemberId": {"totalCount": 1, "nodes": [
                    {"title": "Ix 1", "memberId": 6}
                ]}},
                {"email": "jo@x.test", "choresByMemberId": {"totalCount": 0, "nodes": []}}
            ]
        }}}}})
    );
    assert_eq!(kinds, ["begin", "settings", "statement", "commit"]);
    assert_eq!(
        rows(
            &log.api,
            "SELECT json_agg(json_build_array(t.name, m.email, m.id, k.title) ORDER BY k.title) \
             FROM api.chores k JOIN api.members m ON m.id = k.member_id \
             JOIN api.teams t ON t.id = m.team_id"
        )
        .await,
        json!([
            ["Green", "gi@x.test", 4, "Gi 1"],
            ["Green", "gi@x.test", 4, "Gi 2"],
            ["Green", "ix@x.test", 6, "Ix 1"]
        ])
    );
}

/// A child's create input offers the child table's own children, named as for its table's input.
#[tokio::test]
async fn child_create_inputs_nest_their_children() {
    let api = api().await;
    let response = as_alice(
        &api,
        "{ __type(name: \"MembersTeamIdFkeyMembersCreateInput\") { inputFields { name \
         type { name } } } }",
    )
    .await;
    let fields = &response["data"]["__type"]["inputFields"];
    let nested: Vec<&Value> = fields
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "choresUsingId" || f["name"] == "teamToTeamId")
        .collect();
    assert_eq!(
        nested,
        [&json!({"name": "choresUsingId", "type": {"name": "ChoresMemberIdFkeyInverseInput"}})]
    );
}

/// A failing grandchild fails the whole statement: neither the team nor its members are kept.
#[tokio::test]
async fn failing_grandchild_keeps_nothing() {
    let api = api().await;
    let response = as_alice(
        &api,
        "mutation { createTeam(input: {team: {name: \"Green\", membersUsingId: {create: [\
         {email: \"gi@x.test\", org: 5, badge: 1, name: \"Gi\", choresUsingId: {create: [\
            {title: \"Gi 1\"}]}}, \
         {email: \"ho@x.test\", org: 5, badge: 2, name: \"Ho\", choresUsingId: {create: [\
            {title: \"\"}]}}]}}}) { team { id } } }",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    assert_eq!(
        errors(&response),
        [(
            "new row for relation \"chores\" violates check constraint \"chores_title_check\""
                .to_owned(),
            "23514".to_owned()
        )]
    );
    assert_eq!(
        rows(
            &api,
            "SELECT json_build_array((SELECT count(*) FROM api.teams), \
             (SELECT count(*) FROM api.members), (SELECT count(*) FROM api.chores))"
        )
        .await,
        json!([2, 3, 0])
    );
}

/// The guide's example: a client, its projects and their tasks, keys given.
#[tokio::test]
async fn guide_example_of_a_deep_nested_create() {
    let api = api().await;
    let response = as_alice(
        &api,
        "mutation { createClient(input: {client: {id: 4, name: \"Acme\", projectsUsingId: \
         {create: [\
         {id: 10, name: \"Rockets\", tasksUsingId: {create: [{id: 20, name: \"Fuel\"}, \
            {id: 21, name: \"Fins\"}]}}, \
         {id: 11, name: \"Anvils\"}, \
         {id: 12, name: \"Magnets\", tasksUsingId: {create: [{id: 22, name: \"Poles\"}]}}]}}}) { \
         client { name projectsByClientId { nodes { name tasksByProjectId { nodes { name } } } } } \
         } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"createClient": {"client": {"name": "Acme", "projectsByClientId": {
            "nodes": [
                {"name": "Rockets", "tasksByProjectId": {"nodes": [
                    {"name": "Fuel"}, {"name": "Fins"}
                ]}},
                {"name": "Anvils", "tasksByProjectId": {"nodes": []}},
                {"name": "Magnets", "tasksByProjectId": {"nodes": [{"name": "Poles"}]}}
            ]
        }}}}})
    );
}
