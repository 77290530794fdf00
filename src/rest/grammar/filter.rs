//! A filter's value, `[not.]operator[modifier].value` (PostgREST's `pOpExpr`), and the values
//! it takes: the rest of the input for a filter parameter, up to `,` or `)` inside a logic tree.

use super::lexer::{bare_element, delimiter, identifier, lexeme, optional, quoted_element};
use super::parsec::{
    Reply, Seq, Src, any_char, attempt, char, label, many, map, none_of, or, pure, sep_by1, string,
};
use crate::plan::request::{Condition, IsValue, Operator, Quantifier, TextSearch};

/// How the value after the operator is read.
#[derive(Clone, Copy)]
pub(super) enum Value {
    /// `pSingleVal`: everything that is left.
    Rest,
    /// `pLogicSingleVal`: a quoted value, a `{…}` array literal, or up to `,` / `)`.
    InLogicTree,
}

fn value(src: &Src, at: usize, kind: Value) -> Reply<String> {
    match kind {
        Value::Rest => map(many(src, at, any_char), |chars| chars.into_iter().collect()),
        Value::InLogicTree => or(attempt(quoted_element(src, at)), || {
            or(attempt(array_literal(src, at)), || bare_element(src, at))
        }),
    }
}

/// `{…}`, kept with its braces.
fn array_literal(src: &Src, at: usize) -> Reply<String> {
    let mut seq = Seq::new(at);
    seq.step(string(src, seq.at, "{"))?;
    let inner: String = seq
        .step(many(src, seq.at, |src, at| none_of(src, at, "{}")))?
        .into_iter()
        .collect();
    seq.step(string(src, seq.at, "}"))?;
    seq.done(format!("{{{inner}}}"))
}

/// `pOpExpr`: whether `not.` came first, and the condition.
pub(super) fn op_expr(src: &Src, at: usize, kind: Value) -> Reply<(bool, Condition)> {
    let mut seq = Seq::new(at);
    let negated = seq.step(or(attempt(not(src, seq.at)), || pure(false, seq.at)))?;
    let condition = seq.step(operation(src, seq.at, kind))?;
    seq.done((negated, condition))
}

/// `not.`.
pub(super) fn not(src: &Src, at: usize) -> Reply<bool> {
    let mut seq = Seq::new(at);
    seq.step(string(src, seq.at, "not"))?;
    seq.step(delimiter(src, seq.at))?;
    seq.done(true)
}

fn operation(src: &Src, at: usize, kind: Value) -> Reply<Condition> {
    let alternatives = or(list(src, at), || {
        or(is(src, at), || {
            or(is_distinct(src, at, kind), || {
                or(attempt(text_search(src, at, kind)), || {
                    or(attempt(simple(src, at, kind)), || {
                        attempt(quantified(src, at, kind))
                    })
                })
            })
        })
    });
    label(alternatives, "operator (eq, gt, ...)")
}

/// `word.` as one unit (`try (string word *> pDelimiter)`).
fn keyword(src: &Src, at: usize, word: &'static str) -> Reply<()> {
    attempt((|| {
        let mut seq = Seq::new(at);
        seq.step(string(src, seq.at, word))?;
        seq.step(delimiter(src, seq.at))?;
        seq.done(())
    })())
}

/// `in.(a,"b,c")`.
fn list(src: &Src, at: usize) -> Reply<Condition> {
    let mut seq = Seq::new(at);
    seq.step(keyword(src, seq.at, "in"))?;
    seq.step(lexeme(src, seq.at, |src, at| char(src, at, '(')))?;
    let items = seq.step(sep_by1(
        src,
        seq.at,
        |src, at| or(attempt(quoted_element(src, at)), || bare_element(src, at)),
        |src, at| char(src, at, ','),
    ))?;
    seq.step(lexeme(src, seq.at, |src, at| char(src, at, ')')))?;
    // PostgREST reads `in.()` as one empty element, and one empty element as the empty list.
    let items = if items.len() == 1 && items[0].is_empty() {
        Vec::new()
    } else {
        items
    };
    seq.done(Condition::In(items))
}

/// `is.null`, `is.not_null`, `is.true`, `is.false`, `is.unknown`, in any case.
fn is(src: &Src, at: usize) -> Reply<Condition> {
    let mut seq = Seq::new(at);
    seq.step(keyword(src, seq.at, "is"))?;
    let at = seq.at;
    let word = |w: &'static str, v: IsValue| attempt(map(case_insensitive(src, at, w), move |_| v));
    let value = or(word("null", IsValue::Null), || {
        or(word("not_null", IsValue::NotNull), || {
            or(word("true", IsValue::True), || {
                or(word("false", IsValue::False), || {
                    word("unknown", IsValue::Unknown)
                })
            })
        })
    });
    let value = seq.step(label(
        value,
        "isVal: (null, not_null, true, false, unknown)",
    ))?;
    seq.done(Condition::Is(value))
}

/// `ciString`: each character in its case or upper case.
fn case_insensitive(src: &Src, at: usize, word: &str) -> Reply<()> {
    let mut seq = Seq::new(at);
    for c in word.chars() {
        let upper = c.to_ascii_uppercase();
        seq.step(or(char(src, seq.at, c), || char(src, seq.at, upper)))?;
    }
    seq.done(())
}

fn is_distinct(src: &Src, at: usize, kind: Value) -> Reply<Condition> {
    let mut seq = Seq::new(at);
    seq.step(keyword(src, seq.at, "isdistinct"))?;
    let value = seq.step(value(src, seq.at, kind))?;
    seq.done(Condition::Compare(Operator::IsDistinct, value))
}

/// `fts(english).value` and friends.
fn text_search(src: &Src, at: usize, kind: Value) -> Reply<Condition> {
    let mut seq = Seq::new(at);
    let word = |w: &'static str, op: TextSearch| attempt(map(string(src, at, w), move |_| op));
    let op = seq.step(or(word("fts", TextSearch::Fts), || {
        or(word("plfts", TextSearch::Plain), || {
            or(word("phfts", TextSearch::Phrase), || {
                word("wfts", TextSearch::Websearch)
            })
        })
    }))?;
    let language = seq.step(optional(src, seq.at, |src, at| {
        attempt(parenthesized(src, at, identifier))
    }))?;
    seq.step(delimiter(src, seq.at))?;
    let value = seq.step(value(src, seq.at, kind))?;
    seq.done(Condition::TextSearch(op, language, value))
}

/// `between (char '(') (char ')') p`.
fn parenthesized<T>(src: &Src, at: usize, p: impl FnOnce(&Src, usize) -> Reply<T>) -> Reply<T> {
    let mut seq = Seq::new(at);
    seq.step(char(src, seq.at, '('))?;
    let value = seq.step(p(src, seq.at))?;
    seq.step(char(src, seq.at, ')'))?;
    seq.done(value)
}

/// Operators without `(any)` / `(all)`.
fn simple(src: &Src, at: usize, kind: Value) -> Reply<Condition> {
    const OPERATORS: [(&str, Operator); 9] = [
        ("neq", Operator::Neq),
        ("cs", Operator::Contains),
        ("cd", Operator::ContainedIn),
        ("ov", Operator::Overlaps),
        ("sl", Operator::StrictlyLeft),
        ("sr", Operator::StrictlyRight),
        ("nxr", Operator::NotExtendsRight),
        ("nxl", Operator::NotExtendsLeft),
        ("adj", Operator::Adjacent),
    ];
    let mut seq = Seq::new(at);
    let op = seq.step(operator(src, seq.at, &OPERATORS))?;
    seq.step(delimiter(src, seq.at))?;
    let value = seq.step(value(src, seq.at, kind))?;
    seq.done(Condition::Compare(op, value))
}

/// Operators that take `(any)` / `(all)`.
fn quantified(src: &Src, at: usize, kind: Value) -> Reply<Condition> {
    const OPERATORS: [(&str, Operator); 9] = [
        ("eq", Operator::Eq),
        ("gte", Operator::Gte),
        ("gt", Operator::Gt),
        ("lte", Operator::Lte),
        ("lt", Operator::Lt),
        ("like", Operator::Like),
        ("ilike", Operator::ILike),
        ("match", Operator::Match),
        ("imatch", Operator::IMatch),
    ];
    let mut seq = Seq::new(at);
    let op = seq.step(operator(src, seq.at, &OPERATORS))?;
    let quantifier = seq.step(optional(src, seq.at, |src, at| {
        attempt(parenthesized(src, at, |src, at| {
            or(
                attempt(map(string(src, at, "any"), |_| Quantifier::Any)),
                || map(string(src, at, "all"), |_| Quantifier::All),
            )
        }))
    }))?;
    seq.step(delimiter(src, seq.at))?;
    let value = seq.step(value(src, seq.at, kind))?;
    seq.done(match quantifier {
        Some(quantifier) => Condition::Quantified(op, quantifier, value),
        None => Condition::Compare(op, value),
    })
}

/// The first of `operators` that the input starts with (each tried with `try`).
fn operator(src: &Src, at: usize, operators: &[(&'static str, Operator)]) -> Reply<Operator> {
    let mut reply = super::parsec::zero(at);
    for &(word, op) in operators {
        reply = or(reply, || attempt(map(string(src, at, word), move |_| op)));
    }
    label(reply, "unknown single value operator")
}
