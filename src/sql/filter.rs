//! Expressions, filter trees and ordering of a plan level.

use super::{Bind, SqlBuilder};
use crate::plan::{
    CheckedFilter, Condition, Direction, Expr, ExprType, IsValue, JsonKey, Nulls, Operator,
    OrderExpr, Ordering, Quantifier, RelatedOrder, TextSearch, Tree,
};

/// `"alias"."col"`, or `to_jsonb("alias"."col")->$1->>$2` with a JSON path (keys are binds).
pub(super) fn expr(sql: &mut SqlBuilder, alias: &str, expr: &Expr) {
    let json_base = !expr.json_path.is_empty() && !expr.jsonb;
    if json_base {
        sql.push("to_jsonb(");
    }
    match &expr.computed {
        Some(function) => {
            sql.push_qualified(function).push("(").push_ident(alias);
            for argument in &expr.arguments {
                sql.push(", ")
                    .push_ident(argument.name.as_str())
                    .push(" := ");
                match &argument.value {
                    Some(value) => sql.push_bind(Bind::Text(value.clone())),
                    None => sql.push("NULL"),
                };
                sql.push("::").push_type(&argument.sql_type);
            }
            sql.push(")");
        }
        None => {
            sql.push_ident(alias)
                .push(".")
                .push_ident(expr.column.as_str());
        }
    }
    if json_base {
        sql.push(")");
    }
    for step in &expr.json_path {
        sql.push(if step.as_text { "->>" } else { "->" });
        match &step.key {
            JsonKey::Key(key) => sql.push_bind(Bind::Text(key.clone())),
            JsonKey::Index(index) => sql.push_bind(Bind::Int(*index)).push("::int4"),
        };
    }
}

pub(super) fn tree(sql: &mut SqlBuilder, alias: &str, tree: &Tree) {
    match tree {
        Tree::And(trees) if trees.is_empty() => {
            sql.push("TRUE");
        }
        Tree::Or(trees) if trees.is_empty() => {
            sql.push("FALSE");
        }
        Tree::And(trees) => {
            sql.push("(");
            sql.push_list(trees, " AND ", |sql, t| self::tree(sql, alias, t));
            sql.push(")");
        }
        Tree::Or(trees) => {
            sql.push("(");
            sql.push_list(trees, " OR ", |sql, t| self::tree(sql, alias, t));
            sql.push(")");
        }
        Tree::Not(tree) => {
            sql.push("NOT ");
            self::tree(sql, alias, tree);
        }
        Tree::Filter(f) => filter(sql, alias, f),
        Tree::EmbedIsNull { lateral, negated } => {
            sql.push_ident(lateral).push(".").push_ident(lateral);
            sql.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
    }
}

fn filter(sql: &mut SqlBuilder, alias: &str, filter: &CheckedFilter) {
    sql.push(if filter.negated { "NOT (" } else { "(" });
    match &filter.condition {
        Condition::Compare(op, value) => {
            expr(sql, alias, &filter.expr);
            operator(sql, *op);
            operand(sql, *op, value, &filter.expr);
        }
        Condition::Quantified(op, quantifier, array) => {
            expr(sql, alias, &filter.expr);
            operator(sql, *op);
            sql.push(match quantifier {
                Quantifier::Any => "ANY(",
                Quantifier::All => "ALL(",
            });
            if pattern(*op) {
                sql.push_bind(Bind::Text(wildcards(*op, array)))
                    .push("::text[]");
            } else {
                sql.push_bind(Bind::Text(array.clone()));
                cast(sql, &filter.expr, true);
            }
            sql.push(")");
        }
        Condition::In(values) => {
            expr(sql, alias, &filter.expr);
            sql.push(" = ANY(")
                .push_bind(Bind::TextArray(values.clone()));
            sql.push("::text[]");
            cast(sql, &filter.expr, true);
            sql.push(")");
        }
        Condition::CompareInsensitive(op, value) => {
            lowered(sql, alias, &filter.expr);
            operator(sql, *op);
            sql.push("lower(")
                .push_bind(Bind::Text(value.clone()))
                .push("::text)");
        }
        Condition::InInsensitive(values) => {
            lowered(sql, alias, &filter.expr);
            sql.push(" = ANY(ARRAY(SELECT lower(pgrst_value) FROM unnest(")
                .push_bind(Bind::TextArray(values.clone()))
                .push("::text[]) AS pgrst_value))");
        }
        Condition::Is(value) => {
            expr(sql, alias, &filter.expr);
            sql.push(match value {
                IsValue::Null => " IS NULL",
                IsValue::NotNull => " IS NOT NULL",
                IsValue::True => " IS TRUE",
                IsValue::False => " IS FALSE",
                IsValue::Unknown => " IS UNKNOWN",
            });
        }
        Condition::TextSearch(kind, language, query) => {
            text_search(sql, alias, &filter.expr, *kind, language.as_deref(), query)
        }
    }
    sql.push(")");
}

/// `lower(<expr>::text)`: the field compared without regard to case, as PostGraphile's connection
/// filter does (Postgres lower-cases the bound values too).
fn lowered(sql: &mut SqlBuilder, alias: &str, field: &Expr) {
    sql.push("lower(");
    expr(sql, alias, field);
    sql.push("::text)");
}

pub(super) fn operator(sql: &mut SqlBuilder, op: Operator) {
    sql.push(match op {
        Operator::Eq => " = ",
        Operator::Neq => " <> ",
        Operator::Gt => " > ",
        Operator::Gte => " >= ",
        Operator::Lt => " < ",
        Operator::Lte => " <= ",
        Operator::Like => " LIKE ",
        Operator::ILike => " ILIKE ",
        Operator::Match => " ~ ",
        Operator::IMatch => " ~* ",
        Operator::IsDistinct => " IS DISTINCT FROM ",
        Operator::Contains => " @> ",
        Operator::ContainedIn => " <@ ",
        Operator::Overlaps => " && ",
        Operator::StrictlyLeft => " << ",
        Operator::StrictlyRight => " >> ",
        Operator::NotExtendsRight => " &< ",
        Operator::NotExtendsLeft => " &> ",
        Operator::Adjacent => " -|- ",
    });
}

/// Whether the operator takes a text pattern rather than a value of the field's type.
fn pattern(op: Operator) -> bool {
    matches!(
        op,
        Operator::Like | Operator::ILike | Operator::Match | Operator::IMatch
    )
}

/// `*` is PostgREST's wildcard for `like` and `ilike` (URLs make `%` awkward).
fn wildcards(op: Operator, value: &str) -> String {
    match op {
        Operator::Like | Operator::ILike => value.replace('*', "%"),
        _ => value.to_owned(),
    }
}

fn operand(sql: &mut SqlBuilder, op: Operator, value: &str, expr: &Expr) {
    if pattern(op) {
        sql.push_bind(Bind::Text(wildcards(op, value)));
    } else {
        sql.push_bind(Bind::Text(value.to_owned()));
        cast(sql, expr, false);
    }
}

/// `::type` (or `::type[]`) of what `expr` yields, so Postgres parses the bound text as that type.
fn cast(sql: &mut SqlBuilder, expr: &Expr, array: bool) {
    match expr.value_type() {
        ExprType::Column(sql_type) => {
            sql.push("::").push_type(sql_type);
        }
        ExprType::Jsonb => {
            sql.push("::jsonb");
        }
        ExprType::Text => {
            sql.push("::text");
        }
    }
    if array {
        sql.push("[]");
    }
}

fn text_search(
    sql: &mut SqlBuilder,
    alias: &str,
    field: &Expr,
    kind: TextSearch,
    language: Option<&str>,
    query: &str,
) {
    let config = |sql: &mut SqlBuilder| {
        if let Some(language) = language {
            sql.push_bind(Bind::Text(language.to_owned()))
                .push("::regconfig, ");
        }
    };
    let tsvector = field.json_path.is_empty() && field.column_type.as_str() == "tsvector";
    if tsvector {
        expr(sql, alias, field);
    } else {
        sql.push("to_tsvector(");
        config(sql);
        expr(sql, alias, field);
        sql.push(")");
    }
    sql.push(match kind {
        TextSearch::Fts => " @@ to_tsquery(",
        TextSearch::Plain => " @@ plainto_tsquery(",
        TextSearch::Phrase => " @@ phraseto_tsquery(",
        TextSearch::Websearch => " @@ websearch_to_tsquery(",
    });
    config(sql);
    sql.push_bind(Bind::Text(query.to_owned())).push(")");
}

pub(super) fn ordering(sql: &mut SqlBuilder, alias: &str, term: &Ordering) {
    match &term.target {
        OrderExpr::Own(own) => expr(sql, alias, own),
        OrderExpr::Related(related_order) => {
            let RelatedOrder {
                relationship,
                alias: related,
                expr: field,
            } = &**related_order;
            // The related row's column, found through the same link an embed uses.
            sql.push("(SELECT ");
            expr(sql, related, field);
            sql.push(" FROM ");
            super::read::target(sql, alias, relationship);
            sql.push(" AS ").push_ident(related);
            sql.push(" WHERE ");
            super::read::link(sql, related, alias, relationship);
            sql.push(")");
        }
    }
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
