//! The statement of a [`CallPlan`]: the call in the `pgrst_source` CTE, so that a VOLATILE call
//! runs once however often the statement reads its rows (the page, the count), and the read of
//! those rows rendered as any read's level.
//!
//! ```sql
//! WITH pgrst_source AS (SELECT pgrst_call.* FROM "api"."f"("a" := $1::integer) AS pgrst_call)
//! SELECT NULL::int8, count(*)::int8, coalesce(json_agg(_postgrest_t), '[]')::text, <settings>
//! FROM (SELECT … FROM pgrst_source AS "f" WHERE … LIMIT …) _postgrest_t
//! ```
//!
//! A scalar result is the one column `pgrst_scalar`: `SELECT "api"."f"(…) AS pgrst_scalar`.
//! JSON arguments come from the body bound once: `FROM json_to_record($1::json) AS
//! pgrst_body("a" integer), LATERAL "api"."f"("a" := pgrst_body."a") AS pgrst_call`.

use super::read::{Mode, Shape, Source, body as read_body, body_beside, level};
use super::{Bind, SqlBuilder, Statement};
use crate::plan::{
    Arguments, CallPlan, Parameter, ReadPlan, ResultPlan, TextArgument, TextValue, Values,
    WholeBody,
};
use crate::schema::{QualifiedName, SqlType, Volatility};

/// The call as one statement, its result shaped as `shape`; `count` adds the total number of
/// rows the filters match. Takes the plan by value so that a body moves into its bind.
pub fn call(plan: CallPlan, shape: Shape, count: bool) -> Statement {
    render(plan, count, |sql, result| body(sql, result, shape))
}

/// As [`call`] of a set of rows, with the rows of each of `beside` (read from the call's rows)
/// in the same statement: the body is the JSON array `[<rows>, <rows of beside[0]>, …]`, as
/// [`read_beside`](super::read_beside)'s.
pub fn call_beside(plan: CallPlan, count: bool, beside: &[ReadPlan]) -> Statement {
    render(plan, count, |sql, _| {
        body_beside(sql, Source::WriteResult, beside)
    })
}

fn render(
    plan: CallPlan,
    count: bool,
    body: impl FnOnce(&mut SqlBuilder, &ResultPlan),
) -> Statement {
    let mut sql = SqlBuilder::default();
    let values = plan.result.as_ref().map(|r| r.values);
    let fold = plan.volatility != Volatility::Volatile;
    source(&mut sql, &plan.function, plan.arguments, values, fold);
    let Some(result) = &plan.result else {
        // `void`: nothing to read, but the call must run.
        sql.push(" SELECT NULL::int8, count(*)::int8, ''::text");
        super::response_settings(&mut sql);
        sql.push(" FROM pgrst_source");
        return sql.finish();
    };
    sql.push(" SELECT ");
    if count {
        sql.push("(SELECT count(*) FROM (");
        level(
            &mut sql,
            &result.read,
            Source::WriteResult,
            None,
            Mode::Count,
        );
        sql.push(") _postgrest_c)");
    } else {
        sql.push("NULL::int8");
    }
    // One value or row is always one row of the page, as PostgREST counts it.
    sql.push(if result.set_of {
        ", count(*)::int8, "
    } else {
        ", 1::int8, "
    });
    body(&mut sql, result);
    super::response_settings(&mut sql);
    sql.push(" FROM (");
    level(
        &mut sql,
        &result.read,
        Source::WriteResult,
        None,
        Mode::Rows,
    );
    sql.push(") _postgrest_t");
    sql.finish()
}

/// `EXPLAIN (FORMAT JSON)` of the rows of the result the root filters match (the call is
/// planned, not run): the planner's count, for `Prefer: count=planned|estimated`. `None` for
/// `void`, which has no rows to count.
pub fn call_estimate(plan: &CallPlan) -> Option<Statement> {
    let result = plan.result.as_ref()?;
    let mut sql = SqlBuilder::default();
    sql.push("EXPLAIN (FORMAT JSON) ");
    let fold = plan.volatility != Volatility::Volatile;
    source(
        &mut sql,
        &plan.function,
        plan.arguments.clone(),
        Some(result.values),
        fold,
    );
    sql.push(" ");
    level(
        &mut sql,
        &result.read,
        Source::WriteResult,
        None,
        Mode::Count,
    );
    Some(sql.finish())
}

/// `WITH pgrst_source AS (SELECT …)`: the call's rows, as the function's columns (rows) or as
/// `pgrst_scalar` (scalars and `void`).
///
/// `fold` (a STABLE or IMMUTABLE function) lets Postgres fold the CTE into each query that reads
/// it even when the count reads it too, so that an inlinable SQL function's filters still use
/// indexes rather than materialising every row (measured: 45 ms against 0.3 ms for an index
/// lookup through a function over 100 000 rows). A VOLATILE call is materialised, so it runs once.
fn source(
    sql: &mut SqlBuilder,
    function: &QualifiedName,
    arguments: Arguments,
    values: Option<Values>,
    fold: bool,
) {
    let (body, invocation) = split(arguments);
    sql.push(if fold {
        "WITH pgrst_source AS NOT MATERIALIZED (SELECT "
    } else {
        "WITH pgrst_source AS (SELECT "
    });
    if values == Some(Values::Rows) {
        sql.push("pgrst_call.* FROM ");
        if let Some(body) = body {
            record(sql, body, &invocation);
            sql.push(", LATERAL ");
        }
        invoke(sql, function, invocation);
        sql.push(" AS pgrst_call)");
    } else {
        let parameters = body.map(|body| (body, invocation.clone()));
        invoke(sql, function, invocation);
        sql.push(" AS pgrst_scalar");
        if let Some((body, invocation)) = parameters {
            sql.push(" FROM ");
            record(sql, body, &invocation);
        }
        sql.push(")");
    }
}

/// What the argument list is made of.
#[derive(Clone)]
enum Invocation {
    Text(Vec<TextArgument>),
    /// The columns of `pgrst_body`, the expanded JSON body.
    Record(Vec<Parameter>),
    Whole(WholeBody, SqlType),
}

/// The JSON body to expand into `pgrst_body`, if the arguments come from one, and the list.
fn split(arguments: Arguments) -> (Option<String>, Invocation) {
    match arguments {
        Arguments::Json { body, parameters } if !parameters.is_empty() => {
            (Some(body), Invocation::Record(parameters))
        }
        Arguments::Json { .. } => (None, Invocation::Text(Vec::new())),
        Arguments::Text(texts) => (None, Invocation::Text(texts)),
        Arguments::Whole { body, sql_type } => (None, Invocation::Whole(body, sql_type)),
    }
}

/// `json_to_record($n::json) AS pgrst_body("a" integer, …)`: the body's values as the
/// parameters' types. Of an array, the first object counts, as in PostgREST.
fn record(sql: &mut SqlBuilder, body: String, invocation: &Invocation) {
    let Invocation::Record(parameters) = invocation else {
        return;
    };
    sql.push("json_to_record((SELECT CASE WHEN json_typeof(b) = 'array' THEN b->0 ELSE b END FROM (SELECT ")
        .push_bind(Bind::Text(body))
        .push("::json AS b) _body)) AS pgrst_body(");
    sql.push_list(parameters, ", ", |sql, parameter| {
        sql.push_ident(parameter.name.as_str())
            .push(" ")
            .push_type(&parameter.sql_type);
    });
    sql.push(")");
}

/// `"schema"."fn"(…)`: named arguments, or the body as the only one.
fn invoke(sql: &mut SqlBuilder, function: &QualifiedName, invocation: Invocation) {
    sql.push_qualified(function).push("(");
    match invocation {
        Invocation::Text(texts) => {
            sql.push_list(texts, ", ", text_argument);
        }
        Invocation::Record(parameters) => {
            sql.push_list(&parameters, ", ", |sql, parameter| {
                named(sql, parameter);
                sql.push("pgrst_body.").push_ident(parameter.name.as_str());
            });
        }
        Invocation::Whole(body, sql_type) => {
            let bind = match body {
                WholeBody::Text(text) => Bind::Text(text),
                WholeBody::Bytes(bytes) => Bind::Bytes(bytes),
            };
            sql.push_bind(bind).push("::").push_type(&sql_type);
        }
    }
    sql.push(")");
}

/// `[VARIADIC] "name" := `.
fn named(sql: &mut SqlBuilder, parameter: &Parameter) {
    if parameter.variadic {
        sql.push("VARIADIC ");
    }
    sql.push_ident(parameter.name.as_str()).push(" := ");
}

/// `"name" := $n::type`; all the values of a VARIADIC parameter as one `text[]`.
fn text_argument(sql: &mut SqlBuilder, argument: TextArgument) {
    named(sql, &argument.parameter);
    match argument.value {
        TextValue::One(value) => sql.push_bind(Bind::Text(value)),
        TextValue::Variadic(values) => sql.push_bind(Bind::TextArray(values)).push("::text[]"),
    };
    sql.push("::").push_type(&argument.parameter.sql_type);
}

/// The body expression over the rows of `_postgrest_t`: a set as an array (of values or of
/// objects), one value or row as itself (`null` when a filter removed it).
fn body(sql: &mut SqlBuilder, result: &ResultPlan, shape: Shape) {
    let single = !result.set_of;
    match (result.values, shape) {
        (_, Shape::Csv | Shape::GeoJson)
        | (Values::Rows, Shape::Object | Shape::ObjectStripped) => read_body(sql, shape),
        (Values::Rows, Shape::Array) if single => {
            sql.push("coalesce((json_agg(_postgrest_t)->0)::text, 'null')");
        }
        (Values::Rows, Shape::ArrayStripped) if single => {
            sql.push(
                "coalesce((json_agg(json_strip_nulls(row_to_json(_postgrest_t)))->0)::text, 'null')",
            );
        }
        (Values::Rows, Shape::Array | Shape::ArrayStripped) => read_body(sql, shape),
        (Values::Scalars, Shape::Array) if !single => {
            sql.push("coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')::text");
        }
        (Values::Scalars, Shape::ArrayStripped) if !single => {
            sql.push("coalesce(json_strip_nulls(json_agg(_postgrest_t.pgrst_scalar)), '[]')::text");
        }
        (Values::Scalars, Shape::Array | Shape::Object) => {
            sql.push("coalesce((json_agg(_postgrest_t.pgrst_scalar)->0)::text, 'null')");
        }
        (Values::Scalars, Shape::ArrayStripped | Shape::ObjectStripped) => {
            sql.push(
                "coalesce(json_strip_nulls(json_agg(_postgrest_t.pgrst_scalar)->0)::text, 'null')",
            );
        }
    }
}
