//! Logic trees: `and(…)`, `or(…)`, `not.and(…)`, whose items are filters `field.[not.]op.value`
//! or nested trees (PostgREST's `pLogicTree`, `pLogicPath`).

use super::filter::{Value, not, op_expr};
use super::lexer::{delimiter, field, field_name, lexeme};
use super::parsec::{Reply, Seq, Src, attempt, char, label, map, or, pure, sep_by1, string};
use crate::plan::request::{Filter, LogicTree};

/// `pLogicTree`: a filter, or `[not.]and|or(tree,…)`.
pub(super) fn tree(src: &Src, at: usize) -> Reply<LogicTree> {
    or(map(attempt(filter(src, at)), LogicTree::Filter), || {
        let mut seq = Seq::new(at);
        let negated = seq.step(label(
            or(attempt(not(src, seq.at)), || pure(false, seq.at)),
            "negation operator (not)",
        ))?;
        let at = seq.at;
        let and = seq.step(label(
            or(attempt(map(string(src, at, "and"), |_| true)), || {
                map(string(src, at, "or"), |_| false)
            }),
            "logic operator (and, or)",
        ))?;
        seq.step(lexeme(src, seq.at, |src, at| char(src, at, '(')))?;
        let _nested = src.nest(seq.at)?;
        let children = seq.step(sep_by1(src, seq.at, tree, |src, at| {
            lexeme(src, at, |src, at| char(src, at, ','))
        }))?;
        seq.step(lexeme(src, seq.at, |src, at| char(src, at, ')')))?;
        let tree = if and {
            LogicTree::And(children)
        } else {
            LogicTree::Or(children)
        };
        seq.done(if negated {
            LogicTree::Not(Box::new(tree))
        } else {
            tree
        })
    })
}

/// `field->path.[not.]op.value`.
fn filter(src: &Src, at: usize) -> Reply<Filter> {
    let mut seq = Seq::new(at);
    let field = seq.step(field(src, seq.at))?;
    seq.step(delimiter(src, seq.at))?;
    let (negated, condition) = seq.step(op_expr(src, seq.at, Value::InLogicTree))?;
    seq.done(Filter {
        field,
        negated,
        condition,
    })
}

/// `pLogicPath`: the key of a logic tree, `a.b.not.or`: the embed path (without any `not`) and
/// the operator, `not.` first when a `not` was anywhere in the key.
pub(super) fn path(src: &Src, at: usize) -> Reply<(Vec<String>, String)> {
    let mut seq = Seq::new(at);
    let mut names = seq.step(sep_by1(src, seq.at, field_name, delimiter))?;
    let op = names.pop().unwrap_or_default();
    let negated = op == "not" || names.iter().any(|n| n == "not");
    names.retain(|n| n != "not");
    seq.done((names, if negated { format!("not.{op}") } else { op }))
}
