//! PostgREST's query-string grammar for one parameter's key or value: `select`, filters,
//! `order`, logic trees, `columns` and `on_conflict`.
//!
//! PostgREST's parser (`PostgREST.ApiRequest.QueryParams`, written with Haskell's Parsec) is the
//! reference: the same inputs are accepted (including its leniencies: what follows a complete
//! `select` list, filter key or logic tree is ignored) and errors carry the same position and
//! Parsec's message text. [`parsec`] emulates the few Parsec rules those depend on.
//!
//! Parsers return the plan's request types with names as the client wrote them; the plan checks
//! them against the schema cache.

mod filter;
mod lexer;
mod logic;
mod order;
mod parsec;
mod select;

use super::RequestError;
use crate::plan::request::{Condition, FieldPath, LogicTree, OrderTerm, SelectItem};
use parsec::{Reply, Src, describe};

/// Runs `parser` over `text`; a failure is PostgREST's `failed to parse <what> (<input>)`.
fn run<T>(
    what: &'static str,
    input: &str,
    text: &str,
    parser: impl FnOnce(&Src, usize) -> Reply<T>,
) -> Result<T, RequestError> {
    let src = Src::new(text);
    match parser(&src, 0) {
        Ok(ok) => Ok(ok.value),
        Err(fail) => {
            let (line, column) = src.line_column(fail.err.at);
            Err(RequestError::Parse {
                what,
                input: input.to_owned(),
                line,
                column,
                details: describe(&fail.err),
            })
        }
    }
}

/// `select=a,alias:b::text,rel!hint(*),...other(c),count()`; empty for `select=`.
pub fn select(input: &str) -> Result<Vec<SelectItem>, RequestError> {
    run("select parameter", input, input, |src, at| {
        select::forest(src, at, ')')
    })
}

/// A filter's key, `embed.path.field->json`: the embed path and the field.
pub fn tree_path(key: &str) -> Result<(Vec<String>, FieldPath), RequestError> {
    run("tree path", key, key, lexer::tree_path)
}

/// A filter's value, `[not.]op[(any|all)|(language)].value`: whether it is negated, and the
/// condition.
pub fn filter(input: &str) -> Result<(bool, Condition), RequestError> {
    run("filter", input, input, |src, at| {
        filter::op_expr(src, at, filter::Value::Rest)
    })
}

/// `order=a.desc.nullslast,b,rel(c).asc`.
pub fn order(input: &str) -> Result<Vec<OrderTerm>, RequestError> {
    run("order", input, input, order::terms)
}

/// A logic tree's key, `embed.path.[not.]or`: the embed path and `or`, `and`, `not.or` or
/// `not.and`.
pub fn logic_path(key: &str) -> Result<(Vec<String>, String), RequestError> {
    run("logic path", key, key, logic::path)
}

/// A logic tree's value, `(a.eq.1,and(b.gt.2,c.is.null))`, after its operator `op` (from
/// [`logic_path`]). As in PostgREST, error columns count from the start of `op`.
pub fn logic_tree(op: &str, input: &str) -> Result<LogicTree, RequestError> {
    run("logic tree", input, &format!("{op}{input}"), logic::tree)
}

/// `columns=a,b` (`what`: `"columns parameter"`) or `on_conflict=a,b`
/// (`"on_conflict parameter"`).
pub fn columns(what: &'static str, input: &str) -> Result<Vec<String>, RequestError> {
    run(what, input, input, lexer::columns)
}

#[cfg(test)]
mod tests;
