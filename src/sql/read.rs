//! `SELECT` for a [`ReadPlan`]: the page as a JSON array, built by Postgres, with every embed a
//! lateral subquery of the same statement.

use super::filter::{expr, operator, ordering, tree};
use super::{Bind, SqlBuilder, Statement};
use crate::plan::{AggregateFunction, EmbedPlan, Having, JoinType, ReadPlan, Tree, Value};
use crate::schema::{Link, Relationship};

/// Where the root level's rows come from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// The plan's relation.
    Relation,
    /// The rows of the `pgrst_source` CTE: what a write returned, or a function call.
    WriteResult,
    /// The rows of a write's nested insert, by index (its `pgrst_nested_<n>` CTE).
    Nested(usize),
}

/// The CTE of a write's nested insert `n`.
pub(super) fn nested_cte(n: usize) -> String {
    format!("pgrst_nested_{n}")
}

/// `EXPLAIN (FORMAT JSON)` of the rows the root level's filters match: the planner's count, for
/// `Prefer: count=planned|estimated`.
pub fn estimate(plan: &ReadPlan) -> Statement {
    let mut sql = SqlBuilder::default();
    sql.push("EXPLAIN (FORMAT JSON) ");
    level(&mut sql, plan, Source::Relation, None, Mode::Count);
    sql.finish()
}

/// How Postgres shapes the body from the rows of `_postgrest_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON array of objects.
    Array,
    /// A JSON array of objects without their null-valued keys.
    ArrayStripped,
    /// The first row as an object (the caller checks there was exactly one).
    Object,
    ObjectStripped,
    /// A CSV header line of the keys, then one line per row in Postgres' record text form.
    Csv,
    /// A GeoJSON `FeatureCollection`: PostGIS's `ST_AsGeoJSON` of each row.
    GeoJson,
}

/// The read as one statement; `count` adds the total number of rows the filters match.
pub fn read(plan: &ReadPlan, shape: Shape, count: bool) -> Statement {
    render(plan, shape, count.then_some(plan))
}

/// As [`read`], with the total number of rows `counted` matches: GraphQL's `totalCount` counts
/// a connection's rows without the conditions its cursors add.
pub fn read_counting(plan: &ReadPlan, shape: Shape, counted: &ReadPlan) -> Statement {
    render(plan, shape, Some(counted))
}

/// As [`read_counting`] (`counted` may be `plan` itself, or none), with the rows of each of
/// `beside` read in the same statement: the body is the JSON array `[<page>, <rows of beside[0]>,
/// …]`. GraphQL's aggregates read the rows a connection's filters match beside its page.
pub fn read_beside(plan: &ReadPlan, counted: Option<&ReadPlan>, beside: &[ReadPlan]) -> Statement {
    let mut sql = SqlBuilder::default();
    head(&mut sql, counted);
    body_beside(&mut sql, Source::Relation, beside);
    tail(&mut sql, plan);
    sql.finish()
}

/// `[<the rows of _postgrest_t>, <the rows of beside[0]>, …]` as JSON text, each of `beside`
/// reading its rows from `source`.
pub(super) fn body_beside(sql: &mut SqlBuilder, source: Source, beside: &[ReadPlan]) {
    sql.push("json_build_array(coalesce(json_agg(_postgrest_t), '[]')");
    for other in beside {
        sql.push(", (SELECT coalesce(json_agg(_postgrest_b), '[]') FROM (");
        level(sql, other, source, None, Mode::Rows);
        sql.push(") _postgrest_b)");
    }
    sql.push(")::text");
}

fn render(plan: &ReadPlan, shape: Shape, counted: Option<&ReadPlan>) -> Statement {
    let mut sql = SqlBuilder::default();
    head(&mut sql, counted);
    body(&mut sql, shape);
    tail(&mut sql, plan);
    sql.finish()
}

/// `SELECT <total>, <rows in the page>, `: the columns before the body.
fn head(sql: &mut SqlBuilder, counted: Option<&ReadPlan>) {
    sql.push("SELECT ");
    if let Some(counted) = counted {
        sql.push("(SELECT count(*) FROM (");
        level(sql, counted, Source::Relation, None, Mode::Count);
        sql.push(") _postgrest_c)");
    } else {
        sql.push("NULL::int8");
    }
    sql.push(", count(*)::int8, ");
}

/// The columns after the body, and the page's rows they are computed over.
fn tail(sql: &mut SqlBuilder, plan: &ReadPlan) {
    super::response_settings(sql);
    sql.push(" FROM (");
    level(sql, plan, Source::Relation, None, Mode::Rows);
    sql.push(") _postgrest_t");
}

/// The body expression over the rows of `_postgrest_t`.
pub(super) fn body(sql: &mut SqlBuilder, shape: Shape) {
    sql.push(match shape {
        Shape::Array => "coalesce(json_agg(_postgrest_t), '[]')::text",
        Shape::ArrayStripped => {
            "coalesce(json_agg(json_strip_nulls(row_to_json(_postgrest_t))), '[]')::text"
        }
        Shape::Object => "coalesce((json_agg(_postgrest_t)->0)::text, '')",
        Shape::ObjectStripped => {
            "coalesce((json_agg(json_strip_nulls(row_to_json(_postgrest_t)))->0)::text, '')"
        }
        Shape::GeoJson => {
            "json_build_object('type', 'FeatureCollection', 'features', \
             coalesce(json_agg(ST_AsGeoJSON(_postgrest_t)::json), '[]'))::text"
        }
        Shape::Csv => {
            "coalesce((SELECT string_agg(_postgrest_k, ',') FROM json_object_keys(json_agg(_postgrest_t)->0) _postgrest_k) || E'\\n', '') \
             || coalesce(string_agg(substr(_postgrest_t::text, 2, length(_postgrest_t::text) - 2), E'\\n'), '')"
        }
    });
}

/// What a level is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Its output rows, ordered and paged.
    Rows,
    /// Only which rows match, to count them: no output columns, order or page.
    Count,
    /// The `ctid` of the rows that match, ordered and paged: the rows a limited or
    /// embed-filtered write changes.
    Keys,
}

/// The parent alias and relationship an embedded level is joined through.
type Parent<'a> = Option<(&'a str, &'a Relationship)>;

/// `SELECT <outputs> FROM <relation> <laterals> WHERE … ORDER BY … LIMIT … OFFSET …`.
pub(super) fn level(
    sql: &mut SqlBuilder,
    plan: &ReadPlan,
    source: Source,
    parent: Parent<'_>,
    mode: Mode,
) {
    let alias = plan.alias.as_str();
    sql.push("SELECT ");
    match mode {
        Mode::Rows => outputs(sql, plan),
        Mode::Keys => {
            sql.push_ident(alias).push(".ctid");
        }
        Mode::Count => {}
    }
    sql.push(" FROM ");
    match (source, parent) {
        (Source::WriteResult, _) => {
            sql.push("pgrst_source");
        }
        (Source::Nested(n), _) => {
            sql.push_ident(&nested_cte(n));
        }
        (Source::Relation, Some((parent_alias, relationship))) => {
            target(sql, parent_alias, relationship);
        }
        (Source::Relation, None) => {
            sql.push_qualified(&plan.relation);
        }
    }
    sql.push(" AS ").push_ident(alias);
    if let Some((
        _,
        Relationship {
            link: Link::Junction {
                junction, target, ..
            },
            ..
        },
    )) = parent
    {
        let junction_alias = junction_alias(alias, junction.name.as_str());
        sql.push(" JOIN ")
            .push_qualified(junction)
            .push(" AS ")
            .push_ident(&junction_alias);
        sql.push(" ON ");
        sql.push_list(target, " AND ", |sql, (junction_column, column)| {
            sql.push_ident(&junction_alias)
                .push(".")
                .push_ident(junction_column.as_str());
            sql.push(" = ")
                .push_ident(alias)
                .push(".")
                .push_ident(column.as_str());
        });
    }
    // Counting needs only the embeds that can change which rows there are: inner joins and
    // those a filter tests; a left-joined embed yields one row per parent row either way.
    let needed = |embed: &&EmbedPlan| {
        mode == Mode::Rows
            || embed.join == JoinType::Inner
            || plan.filters.iter().any(|f| tests_embed(f, &embed.lateral))
    };
    for embed in plan.embeds.iter().filter(needed) {
        lateral(sql, alias, embed);
    }
    let mut conditions = 0;
    let mut and = |sql: &mut SqlBuilder| {
        sql.push(if conditions == 0 { " WHERE " } else { " AND " });
        conditions += 1;
    };
    if let Some((parent_alias, relationship)) = parent {
        and(sql);
        link(sql, alias, parent_alias, relationship);
    }
    for filter in &plan.filters {
        and(sql);
        tree(sql, alias, filter);
    }
    if mode == Mode::Count {
        return;
    }
    if mode == Mode::Rows {
        group_by(sql, plan);
        if !plan.having.is_empty() {
            sql.push(" HAVING ");
            sql.push_list(&plan.having, " AND ", |sql, h| having(sql, alias, h));
        }
    }
    if !plan.order.is_empty() {
        sql.push(" ORDER BY ");
        sql.push_list(&plan.order, ", ", |sql, term| ordering(sql, alias, term));
    }
    if let Some(limit) = plan.range.limit {
        sql.push(" LIMIT ").push_bind(Bind::Int(clamp(limit)));
    }
    if plan.range.offset > 0 {
        sql.push(" OFFSET ")
            .push_bind(Bind::Int(clamp(plan.range.offset)));
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn junction_alias(alias: &str, junction: &str) -> String {
    format!("{alias}_{junction}")
}

/// The level's columns, then its embeds (spread embeds lift their keys into this level).
fn outputs(sql: &mut SqlBuilder, plan: &ReadPlan) {
    let mut first = true;
    let mut comma = |sql: &mut SqlBuilder| {
        if !first {
            sql.push(", ");
        }
        first = false;
    };
    for selected in &plan.select {
        comma(sql);
        value(sql, &plan.alias, &selected.value);
        if let Some(cast) = &selected.cast {
            sql.push("::").push_type(cast);
        }
        sql.push(" AS ").push_ident(&selected.key);
    }
    for embed in plan.embeds.iter().filter(|e| e.output) {
        let to_many = !embed.relationship.cardinality.to_one();
        if embed.spread {
            for key in embed.plan.keys() {
                comma(sql);
                embed_column(sql, &embed.lateral, key, to_many, plan.grouped());
                sql.push(" AS ").push_ident(key);
            }
        } else {
            comma(sql);
            embed_column(sql, &embed.lateral, &embed.lateral, to_many, plan.grouped());
            sql.push(" AS ").push_ident(&embed.key);
        }
    }
}

/// A field, or an aggregate of one.
fn value(sql: &mut SqlBuilder, alias: &str, value: &Value) {
    match value {
        Value::Field(field) => expr(sql, alias, field),
        Value::Aggregate { function, field } => {
            sql.push(match function {
                AggregateFunction::Count => "count(",
                AggregateFunction::Sum => "sum(",
                AggregateFunction::Avg => "avg(",
                AggregateFunction::Min => "min(",
                AggregateFunction::Max => "max(",
                AggregateFunction::CountDistinct => "count(DISTINCT ",
                AggregateFunction::StddevSamp => "stddev_samp(",
                AggregateFunction::StddevPop => "stddev_pop(",
                AggregateFunction::VarSamp => "var_samp(",
                AggregateFunction::VarPop => "var_pop(",
            });
            match field {
                None => {
                    sql.push("*");
                }
                Some((field, cast)) => {
                    expr(sql, alias, field);
                    if let Some(cast) = cast {
                        sql.push("::").push_type(cast);
                    }
                }
            }
            sql.push(")");
        }
    }
}

/// `GROUP BY` the level's other outputs when it aggregates (PostgREST's implied grouping).
fn group_by(sql: &mut SqlBuilder, plan: &ReadPlan) {
    if !plan.grouped() {
        return;
    }
    let mut first = true;
    let mut comma = |sql: &mut SqlBuilder| {
        sql.push(if first { " GROUP BY " } else { ", " });
        first = false;
    };
    for selected in &plan.select {
        if let Value::Field(field) = &selected.value {
            comma(sql);
            expr(sql, &plan.alias, field);
        }
    }
    for embed in plan.embeds.iter().filter(|e| e.output) {
        let to_many = !embed.relationship.cardinality.to_one();
        let keys: Vec<&str> = if embed.spread {
            embed.plan.keys().collect()
        } else {
            vec![&embed.lateral]
        };
        for key in keys {
            comma(sql);
            embed_column(sql, &embed.lateral, key, to_many, true);
        }
    }
}

/// A condition on the level's aggregates.
fn having(sql: &mut SqlBuilder, alias: &str, tree: &Having) {
    match tree {
        Having::And(trees) if trees.is_empty() => {
            sql.push("TRUE");
        }
        Having::Or(trees) if trees.is_empty() => {
            sql.push("FALSE");
        }
        Having::And(trees) | Having::Or(trees) => {
            let separator = match tree {
                Having::And(_) => " AND ",
                _ => " OR ",
            };
            sql.push("(");
            sql.push_list(trees, separator, |sql, t| having(sql, alias, t));
            sql.push(")");
        }
        Having::Compare {
            aggregate,
            operator: op,
            value: text,
            cast,
        } => {
            sql.push("(");
            value(sql, alias, aggregate);
            operator(sql, *op);
            sql.push_bind(Bind::Text(text.clone()))
                .push("::")
                .push_type(cast);
            sql.push(")");
        }
    }
}

/// Whether `tree` tests whether the embed `lateral` found rows.
pub(super) fn tests_embed(tree: &Tree, lateral: &str) -> bool {
    match tree {
        Tree::And(trees) | Tree::Or(trees) => trees.iter().any(|t| tests_embed(t, lateral)),
        Tree::Not(tree) => tests_embed(tree, lateral),
        Tree::EmbedIsNull {
            lateral: tested, ..
        } => tested == lateral,
        Tree::Filter(_) => false,
    }
}

/// `"lateral"."key"`, with `[]` for a to-many embed that found no rows; as `jsonb` in a grouped
/// level, since `json` has no equality to group by.
fn embed_column(sql: &mut SqlBuilder, lateral: &str, key: &str, to_many: bool, grouped: bool) {
    if to_many {
        sql.push("coalesce(");
    }
    sql.push_ident(lateral).push(".").push_ident(key);
    if to_many {
        sql.push(", '[]')");
    }
    if grouped {
        sql.push("::jsonb");
    }
}

/// `LEFT|INNER JOIN LATERAL (…) AS "lateral" ON …`: the embed's rows as one JSON value (or, for a
/// spread, one column per key).
fn lateral(sql: &mut SqlBuilder, parent_alias: &str, embed: &EmbedPlan) {
    let lateral = embed.lateral.as_str();
    let to_many = !embed.relationship.cardinality.to_one();
    sql.push(match embed.join {
        JoinType::Left => " LEFT JOIN LATERAL (SELECT ",
        JoinType::Inner => " INNER JOIN LATERAL (SELECT ",
    });
    match (embed.spread, to_many) {
        (false, true) => {
            sql.push("json_agg(")
                .push_ident(lateral)
                .push(") AS ")
                .push_ident(lateral);
        }
        (false, false) => {
            sql.push("row_to_json(")
                .push_ident(lateral)
                .push(") AS ")
                .push_ident(lateral);
        }
        (true, true) => {
            sql.push_list(embed.plan.keys(), ", ", |sql, key| {
                sql.push("json_agg(")
                    .push_ident(lateral)
                    .push(".")
                    .push_ident(key);
                sql.push(") AS ").push_ident(key);
            });
        }
        (true, false) => {
            sql.push(" * ");
        }
    }
    sql.push(" FROM (");
    let parent = Some((parent_alias, &embed.relationship));
    let source = embed.written.map_or(Source::Relation, Source::Nested);
    level(sql, &embed.plan, source, parent, Mode::Rows);
    sql.push(") AS ")
        .push_ident(lateral)
        .push(") AS ")
        .push_ident(lateral);
    // A to-many subquery always yields one row (NULL when nothing matched); inner joins drop it.
    match (embed.join, to_many, embed.spread) {
        (JoinType::Inner, true, false) => {
            sql.push(" ON ")
                .push_ident(lateral)
                .push(".")
                .push_ident(lateral)
                .push(" IS NOT NULL");
        }
        _ => {
            sql.push(" ON TRUE");
        }
    }
}

/// Where a relationship's target rows come from: the target relation, or for a computed
/// relationship the function's result for the parent row.
pub(super) fn target(sql: &mut SqlBuilder, parent_alias: &str, relationship: &Relationship) {
    match &relationship.link {
        Link::Computed(function) => {
            sql.push_qualified(function)
                .push("(")
                .push_ident(parent_alias)
                .push(")");
        }
        Link::Direct(_) | Link::Junction { .. } => {
            sql.push_qualified(&relationship.target);
        }
    }
}

/// The condition tying an embedded level's rows to its parent row.
pub(super) fn link(
    sql: &mut SqlBuilder,
    alias: &str,
    parent_alias: &str,
    relationship: &Relationship,
) {
    let (left_alias, pairs) = match &relationship.link {
        Link::Direct(pairs) => (alias.to_owned(), pairs),
        Link::Junction {
            junction, source, ..
        } => (junction_alias(alias, junction.name.as_str()), source),
        // The function found the rows from the parent row already.
        Link::Computed(_) => {
            sql.push("TRUE");
            return;
        }
    };
    // Pairs are (parent column, this level's column); for a junction, (parent, junction).
    sql.push_list(pairs, " AND ", |sql, (parent_column, column)| {
        sql.push_ident(&left_alias)
            .push(".")
            .push_ident(column.as_str());
        sql.push(" = ")
            .push_ident(parent_alias)
            .push(".")
            .push_ident(parent_column.as_str());
    });
}
