//! `order=`: `field->path.desc.nullslast` and `embed(field).asc` terms (PostgREST's `pOrder`).

use super::lexer::{delimiter, field, field_name, lexeme, optional};
use super::parsec::{Reply, Seq, Src, attempt, char, eof, look_ahead, map, or, sep_by1, string};
use crate::plan::request::{Direction, Nulls, OrderTarget, OrderTerm};

/// `pOrder`: terms separated by commas.
pub(super) fn terms(src: &Src, at: usize) -> Reply<Vec<OrderTerm>> {
    sep_by1(
        src,
        at,
        |src, at| {
            lexeme(src, at, |src, at| {
                or(attempt(related(src, at)), || plain(src, at))
            })
        },
        |src, at| char(src, at, ','),
    )
}

fn plain(src: &Src, at: usize) -> Reply<OrderTerm> {
    let mut seq = Seq::new(at);
    let field = seq.step(field(src, seq.at))?;
    let (direction, nulls) = seq.step(modifiers(src, seq.at))?;
    seq.done(OrderTerm {
        target: OrderTarget::Field(field),
        direction,
        nulls,
    })
}

fn related(src: &Src, at: usize) -> Reply<OrderTerm> {
    let mut seq = Seq::new(at);
    let embed = seq.step(field_name(src, seq.at))?;
    seq.step(char(src, seq.at, '('))?;
    let field = seq.step(field(src, seq.at))?;
    seq.step(char(src, seq.at, ')'))?;
    let (direction, nulls) = seq.step(modifiers(src, seq.at))?;
    seq.done(OrderTerm {
        target: OrderTarget::Related { embed, field },
        direction,
        nulls,
    })
}

/// `.asc` / `.desc`, then `.nullsfirst` / `.nullslast`, then the end of the term.
fn modifiers(src: &Src, at: usize) -> Reply<(Option<Direction>, Option<Nulls>)> {
    let mut seq = Seq::new(at);
    let direction = seq.step(optional(src, seq.at, |src, at| {
        or(word(src, at, "asc", Direction::Asc), || {
            word(src, at, "desc", Direction::Desc)
        })
    }))?;
    let at = seq.at;
    let nulls = seq.step(or(
        (|| {
            let mut seq = Seq::new(at);
            let nulls = seq.step(optional(src, seq.at, |src, at| {
                or(word(src, at, "nullsfirst", Nulls::First), || {
                    word(src, at, "nullslast", Nulls::Last)
                })
            }))?;
            seq.step(term_end(src, seq.at))?;
            seq.done(nulls)
        })(),
        || map(term_end(src, at), |_| None),
    ))?;
    seq.done((direction, nulls))
}

/// `try (pDelimiter *> string word)`.
fn word<T>(src: &Src, at: usize, word: &'static str, value: T) -> Reply<T> {
    attempt((|| {
        let mut seq = Seq::new(at);
        seq.step(delimiter(src, seq.at))?;
        seq.step(string(src, seq.at, word))?;
        seq.done(value)
    })())
}

fn term_end(src: &Src, at: usize) -> Reply<()> {
    or(
        attempt(map(look_ahead(char(src, at, ','), at), |_| ())),
        || attempt(eof(src, at)),
    )
}
