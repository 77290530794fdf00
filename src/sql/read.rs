//! `SELECT` for a [`ReadPlan`]: the page as a JSON array, built by Postgres.

use super::{Bind, SqlBuilder, Statement};
use crate::plan::{
    CompareOp, Condition, Direction, Field, Filter, IsValue, Nulls, OrderTerm, PatternOp,
    Projection, ReadPlan,
};
use crate::schema::QualifiedName;

pub fn read(plan: &ReadPlan) -> Statement {
    let mut sql = SqlBuilder::default();
    sql.push("SELECT count(*)::int8, coalesce(json_agg(_postgrest_t), '[]')::text FROM (");
    select(&mut sql, plan);
    sql.push(") _postgrest_t");
    sql.finish()
}

fn select(sql: &mut SqlBuilder, plan: &ReadPlan) {
    let relation = &plan.source.relation;
    sql.push("SELECT ");
    projection(sql, relation, &plan.projection);
    sql.push(" FROM ").push_qualified(relation);
    where_clause(sql, relation, &plan.filters);
    if !plan.order.is_empty() {
        sql.push(" ORDER BY ");
        sql.push_list(&plan.order, ", ", |sql, term| {
            order_term(sql, relation, term)
        });
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

/// `"rel"."col" AS "output", …` (`SELECT` of no columns is valid and yields `{}` objects).
pub(super) fn projection(sql: &mut SqlBuilder, relation: &QualifiedName, columns: &[Projection]) {
    sql.push_list(columns, ", ", |sql, p| {
        sql.push_ident(relation.name.as_str())
            .push(".")
            .push_ident(p.column.as_str());
        sql.push(" AS ").push_ident(&p.output);
    });
}

fn column(sql: &mut SqlBuilder, relation: &QualifiedName, field: &Field) {
    sql.push_ident(relation.name.as_str())
        .push(".")
        .push_ident(field.column.as_str());
}

pub(super) fn where_clause(
    sql: &mut SqlBuilder,
    relation: &QualifiedName,
    filters: &[Filter<Field>],
) {
    if !filters.is_empty() {
        sql.push(" WHERE ");
        sql.push_list(filters, " AND ", |sql, f| filter(sql, relation, f));
    }
}

fn filter(sql: &mut SqlBuilder, relation: &QualifiedName, filter: &Filter<Field>) {
    if filter.negated {
        sql.push("NOT (");
    }
    column(sql, relation, &filter.field);
    match &filter.condition {
        Condition::Compare(op, value) => {
            sql.push(match op {
                CompareOp::Eq => " = ",
                CompareOp::Neq => " <> ",
                CompareOp::Gt => " > ",
                CompareOp::Gte => " >= ",
                CompareOp::Lt => " < ",
                CompareOp::Lte => " <= ",
            });
            typed_bind(sql, Bind::Text(value.clone()), &filter.field);
        }
        Condition::Pattern(op, pattern) => {
            sql.push(match op {
                PatternOp::Like => " LIKE ",
                PatternOp::ILike => " ILIKE ",
            });
            sql.push_bind(Bind::Text(pattern.replace('*', "%")));
        }
        Condition::In(values) => {
            sql.push(" = ANY(");
            typed_bind(sql, Bind::TextArray(values.clone()), &filter.field);
            sql.push("[])");
        }
        Condition::Is(value) => {
            sql.push(match value {
                IsValue::Null => " IS NULL",
                IsValue::NotNull => " IS NOT NULL",
                IsValue::True => " IS TRUE",
                IsValue::False => " IS FALSE",
                IsValue::Unknown => " IS UNKNOWN",
            });
        }
    }
    if filter.negated {
        sql.push(")");
    }
}

/// A text bind cast to the field's type, so Postgres parses the value as that type.
fn typed_bind(sql: &mut SqlBuilder, bind: Bind, field: &Field) {
    sql.push_bind(bind).push("::").push_type(&field.sql_type);
}

fn order_term(sql: &mut SqlBuilder, relation: &QualifiedName, term: &OrderTerm<Field>) {
    column(sql, relation, &term.field);
    match term.direction {
        Some(Direction::Asc) => sql.push(" ASC"),
        Some(Direction::Desc) => sql.push(" DESC"),
        None => sql,
    };
    match term.nulls {
        Some(Nulls::First) => sql.push(" NULLS FIRST"),
        Some(Nulls::Last) => sql.push(" NULLS LAST"),
        None => sql,
    };
}
