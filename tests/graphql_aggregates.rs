//! GraphQL aggregates on connections (@graphile/pg-aggregates' shape), with
//! `db-aggregates-enabled`.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApi;
use common::statements::{StatementLog, kinds};
use serde_json::{Value, json};
use tokio::sync::{Mutex, MutexGuard};

/// Teams and their match stats: number columns of every kind, nulls among them, text and JSON.
const FIXTURE: &str = "
    CREATE TABLE api.teams (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE api.match_stats (
      id int PRIMARY KEY,
      team_id int NOT NULL REFERENCES api.teams,
      points int NOT NULL,
      goals bigint,
      rating numeric,
      speed float8,
      kind text,
      data json,
      played_at timestamptz
    );
    INSERT INTO api.teams VALUES (1, 'Reds'), (2, 'Blues'), (3, 'Greens');
    INSERT INTO api.match_stats VALUES
      (1, 1, 10, 1, 2.5, 1.5, 'home', '{\"a\": 1}', '2024-01-01 10:00+00'),
      (2, 1, 20, 2, 3.5, 2.5, 'away', '{\"a\":1}', '2024-01-02 10:00+00'),
      (3, 1, 30, NULL, NULL, NULL, 'home', '{\"a\": 2}', '2024-01-01 10:00+00'),
      (4, 2, 5, 0, 1.25, 0.5, 'home', NULL, NULL),
      (5, 2, 7, 3, NULL, 4.5, 'away', '{}', NULL);
    GRANT SELECT ON api.teams, api.match_stats TO web_anon;
    CREATE FUNCTION api.busy_stats(min_points int) RETURNS SETOF api.match_stats
      LANGUAGE sql STABLE AS $$ SELECT * FROM api.match_stats WHERE points >= min_points $$;
    CREATE TABLE api.hidden_stats (id int PRIMARY KEY, points int);
";

/// The fixture with `db-aggregates-enabled`. Tests take turns, as the one counting statements
/// reads the cluster's log, where another test's failing statement would show too.
async fn api() -> (TestApi, MutexGuard<'static, ()>) {
    let turn = TURNS.lock().await;
    let api = TestApi::with_settings(&[("db-aggregates-enabled", "true")])
        .await
        .with_sql(FIXTURE)
        .await;
    (api, turn)
}

static TURNS: Mutex<()> = Mutex::const_new(());

async fn graphql(api: &TestApi, query: &str) -> Value {
    let body = json!({"query": query}).to_string();
    let headers = [("content-type", "application/json")];
    let response = api.request(Method::POST, "/graphql", &headers, &body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

#[tokio::test]
async fn root_aggregates() {
    let (api, _turn) = api().await;
    let response = graphql(
        &api,
        "{ allMatchStats(first: 1) { totalCount nodes { id } aggregates { keys \
         sum { points goals rating speed } min { points rating } max { points goals } \
         average { points speed } distinctCount { kind data teamId } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"allMatchStats": {"totalCount": 5, "nodes": [{"id": 1}], "aggregates": {
            "keys": null,
            "sum": {"points": "72", "goals": "6", "rating": "7.25", "speed": 9},
            "min": {"points": 5, "rating": "1.25"},
            "max": {"points": 30, "goals": "3"},
            "average": {"points": "14.4000000000000000", "speed": 2.25},
            "distinctCount": {"kind": "2", "data": "3", "teamId": "2"}
        }}}})
    );
}

/// Over no rows, a sum is 0 (pg-aggregates' `coalesce`), the others null, counts 0, and there
/// are no groups.
#[tokio::test]
async fn aggregates_of_no_rows() {
    let (api, _turn) = api().await;
    let response = graphql(
        &api,
        "{ allMatchStats(filter: {points: {lessThan: 0}}) { aggregates { keys \
         sum { points goals rating speed } min { points rating } average { points } \
         distinctCount { kind } } groupedAggregates(groupBy: [KIND]) { keys } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"allMatchStats": {"aggregates": {
            "keys": null,
            "sum": {"points": "0", "goals": "0", "rating": "0", "speed": 0},
            "min": {"points": null, "rating": null},
            "average": {"points": null},
            "distinctCount": {"kind": "0"}
        }, "groupedAggregates": []}}})
    );
}

/// Groups by one and by two columns, ordered by their keys; an empty `groupBy` is one group
/// without keys.
#[tokio::test]
async fn grouped_aggregates() {
    let (api, _turn) = api().await;
    let response = graphql(
        &api,
        "{ reds: allMatchStats(condition: {teamId: 1}) { byKind: groupedAggregates(groupBy: KIND) { \
         keys sum { points } s: stddevPopulation { points } } } \
         allMatchStats { groupedAggregates(groupBy: [TEAM_ID, KIND]) { keys sum { points } \
         max { speed } } byGoals: groupedAggregates(groupBy: [GOALS]) { keys } \
         all: groupedAggregates(groupBy: []) { keys sum { points } } \
         byTime: groupedAggregates(groupBy: PLAYED_AT) { keys sum { points } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"reds": {"byKind": [
                {"keys": ["away"], "sum": {"points": "20"}, "s": {"points": "0"}},
                {"keys": ["home"], "sum": {"points": "40"}, "s": {"points": "10.0000000000000000"}}
            ]}, "allMatchStats": {
            "groupedAggregates": [
                {"keys": ["1", "away"], "sum": {"points": "20"}, "max": {"speed": 2.5}},
                {"keys": ["1", "home"], "sum": {"points": "40"}, "max": {"speed": 1.5}},
                {"keys": ["2", "away"], "sum": {"points": "7"}, "max": {"speed": 4.5}},
                {"keys": ["2", "home"], "sum": {"points": "5"}, "max": {"speed": 0.5}}
            ],
            "byGoals": [
                {"keys": ["0"]}, {"keys": ["1"]}, {"keys": ["2"]}, {"keys": ["3"]}, {"keys": [null]}
            ],
            "all": [{"keys": null, "sum": {"points": "72"}}],
            "byTime": [
                {"keys": ["2024-01-01T10:00:00.000000+00:00"], "sum": {"points": "40"}},
                {"keys": ["2024-01-02T10:00:00.000000+00:00"], "sum": {"points": "20"}},
                {"keys": [null], "sum": {"points": "12"}}
            ]
        }}})
    );
}

/// Nested connections aggregate their filtered rows per parent row, at any depth.
#[tokio::test]
async fn nested_aggregates() {
    let (api, _turn) = api().await;
    let response = graphql(
        &api,
        "{ allTeams { nodes { name matchStatsByTeamId(first: 1, filter: {points: {greaterThan: 5}}) { \
         totalCount nodes { id teamByTeamId { matchStatsByTeamId { aggregates { max { points } } } } } \
         aggregates { sum { points } average { rating } } \
         groupedAggregates(groupBy: KIND) { keys max { points } } } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"allTeams": {"nodes": [
            {"name": "Reds", "matchStatsByTeamId": {
                "totalCount": 3,
                "nodes": [{"id": 1, "teamByTeamId": {"matchStatsByTeamId": {"aggregates": {"max": {"points": 30}}}}}],
                "aggregates": {"sum": {"points": "60"}, "average": {"rating": "3.0000000000000000"}},
                "groupedAggregates": [{"keys": ["away"], "max": {"points": 20}}, {"keys": ["home"], "max": {"points": 30}}]
            }},
            {"name": "Blues", "matchStatsByTeamId": {
                "totalCount": 1,
                "nodes": [{"id": 5, "teamByTeamId": {"matchStatsByTeamId": {"aggregates": {"max": {"points": 7}}}}}],
                "aggregates": {"sum": {"points": "7"}, "average": {"rating": null}},
                "groupedAggregates": [{"keys": ["away"], "max": {"points": 7}}]
            }},
            {"name": "Greens", "matchStatsByTeamId": {
                "totalCount": 0,
                "nodes": [],
                "aggregates": {"sum": {"points": "0"}, "average": {"rating": null}},
                "groupedAggregates": []
            }}
        ]}}})
    );
}

/// A function returning a table's rows is a connection with the same aggregates, over the rows
/// it returns that the filter matches.
#[tokio::test]
async fn function_connection_aggregates() {
    let (api, _turn) = api().await;
    let response = graphql(
        &api,
        "{ busyStats(minPoints: 10, first: 1, filter: {kind: {equalTo: \"home\"}}) { totalCount \
         nodes { id } aggregates { sum { points } } groupedAggregates(groupBy: TEAM_ID) { keys \
         distinctCount { kind } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"busyStats": {
            "totalCount": 2,
            "nodes": [{"id": 1}],
            "aggregates": {"sum": {"points": "40"}},
            "groupedAggregates": [{"keys": ["1"], "distinctCount": {"kind": "1"}}]
        }}})
    );
}

/// Aggregates at the root and nested below it are read in each root field's one statement.
#[tokio::test]
async fn one_statement_per_root_field() {
    let (api, _turn) = api().await;
    let log = StatementLog::new(api).await;
    let (response, statements) = log
        .during(graphql(
            &log.api,
            "{ allTeams(filter: {name: {notEqualTo: \"Greens\"}}) { aggregates { distinctCount { name } } \
             nodes { name matchStatsByTeamId { aggregates { sum { points } } \
             groupedAggregates(groupBy: KIND) { keys } } } } \
             allMatchStats(first: 1) { aggregates { max { points } } } }",
        ))
        .await;
    assert_eq!(
        response,
        json!({"data": {
            "allTeams": {"aggregates": {"distinctCount": {"name": "2"}}, "nodes": [
                {"name": "Reds", "matchStatsByTeamId": {"aggregates": {"sum": {"points": "60"}},
                    "groupedAggregates": [{"keys": ["away"]}, {"keys": ["home"]}]}},
                {"name": "Blues", "matchStatsByTeamId": {"aggregates": {"sum": {"points": "12"}},
                    "groupedAggregates": [{"keys": ["away"]}, {"keys": ["home"]}]}}
            ]},
            "allMatchStats": {"aggregates": {"max": {"points": 30}}}
        }})
    );
    assert_eq!(
        kinds(&statements),
        ["begin", "settings", "statement", "statement", "commit"],
        "{statements:#?}"
    );
}

/// Without `db-aggregates-enabled` (PostgREST's guard against expensive queries) the fields and
/// their types are not in the schema.
#[tokio::test]
async fn disabled_by_default() {
    let _turn = TURNS.lock().await;
    let api = TestApi::new().await.with_sql(FIXTURE).await;
    let response = graphql(
        &api,
        "{ allMatchStats { aggregates { sum { points } } } \
         __type(name: \"MatchStatAggregates\") { name } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": null, "errors": [{
            "message": "Unknown field \"aggregates\" on type \"MatchStatsConnection\".",
            "locations": [{"line": 1, "column": 19}]
        }]})
    );
    let response = graphql(&api, "{ __type(name: \"MatchStatAggregates\") { name } }").await;
    assert_eq!(response, json!({"data": {"__type": null}}));
}

#[tokio::test]
async fn errors() {
    let (api, _turn) = api().await;
    // Not a value of the enum.
    let response = graphql(
        &api,
        "{ allMatchStats { groupedAggregates(groupBy: [ID]) { keys } } }",
    )
    .await;
    assert_eq!(
        response["errors"][0]["message"],
        "Invalid value for argument \"groupBy.0\", enumeration type \"MatchStatGroupBy\" does not contain the value \"ID\""
    );
    // The table's aggregates, as its rows, need the privilege to read them.
    let response = graphql(&api, "{ allHiddenStats { aggregates { sum { points } } } }").await;
    assert_eq!(
        response,
        json!({"data": {"allHiddenStats": null}, "errors": [{
            "message": "permission denied for table hidden_stats",
            "locations": [{"line": 1, "column": 3}],
            "path": ["allHiddenStats"],
            "extensions": {"code": "42501"}
        }]})
    );
    // Postgres cuts names longer than 63 bytes.
    let long = "a".repeat(60);
    let response = graphql(
        &api,
        &format!("{{ allMatchStats {{ aggregates {{ sum {{ {long}: points }} }} }} }}"),
    )
    .await;
    assert_eq!(
        response["errors"][0]["message"],
        format!(
            "The aggregate's response key \"sum.{long}\" is longer than the 63 bytes Postgres \
             allows in a name; use shorter aliases."
        )
    );
}

/// `having:` keeps the groups whose aggregates pass, combined with `AND` and `OR`; an empty
/// list is no condition, as in pg-aggregates.
#[tokio::test]
async fn grouped_aggregates_having() {
    let (api, _turn) = api().await;
    let response = graphql(
        &api,
        "{ allMatchStats { \
         groupedAggregates(groupBy: KIND, having: {sum: {points: {greaterThan: 30}}}) { keys sum { points } } \
         either: groupedAggregates(groupBy: TEAM_ID, having: {OR: [{max: {speed: {greaterThanOrEqualTo: 4.5}}}, \
           {distinctCount: {kind: {lessThan: \"2\"}}}]}) { keys } \
         both: groupedAggregates(groupBy: TEAM_ID, having: {average: {points: {equalTo: 20}}, \
           AND: [{min: {rating: {lessThan: \"3\"}}}]}) { keys } \
         empty: groupedAggregates(groupBy: TEAM_ID, having: {OR: []}) { keys } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"allMatchStats": {
            "groupedAggregates": [{"keys": ["home"], "sum": {"points": "45"}}],
            "either": [{"keys": ["2"]}],
            "both": [{"keys": ["1"]}],
            "empty": [{"keys": ["1"]}, {"keys": ["2"]}]
        }}})
    );
    let response = graphql(
        &api,
        "{ allTeams { nodes { matchStatsByTeamId { groupedAggregates(groupBy: KIND, \
         having: {max: {points: {greaterThan: 10}}}) { keys } } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"allTeams": {"nodes": [
            {"matchStatsByTeamId": {"groupedAggregates": [{"keys": ["away"]}, {"keys": ["home"]}]}},
            {"matchStatsByTeamId": {"groupedAggregates": []}},
            {"matchStatsByTeamId": {"groupedAggregates": []}}
        ]}}})
    );
}

/// A relation filter within a relation filter makes the outer filter's embed output its own
/// embed's value; the aggregates of the level it filters are still one row, of all its rows.
#[tokio::test]
async fn aggregates_under_nested_relation_filters() {
    let (api, _turn) = api().await;
    let response = graphql(
        &api,
        "{ allTeams(filter: {matchStatsByTeamId: {some: {teamByTeamId: {name: {notEqualTo: \"Greens\"}}}}}) { \
         totalCount aggregates { distinctCount { name } sum { id } } \
         groupedAggregates(groupBy: []) { keys sum { id } } } }",
    )
    .await;
    assert_eq!(
        response,
        json!({"data": {"allTeams": {"totalCount": 2,
            "aggregates": {"distinctCount": {"name": "2"}, "sum": {"id": "3"}},
            "groupedAggregates": [{"keys": null, "sum": {"id": "3"}}]
        }}})
    );
}
