//! `select=`: columns, casts, JSON paths, aggregates and embedded resources (PostgREST's
//! `pFieldForest`, `pRelationSelect`, `pSpreadRelationSelect`, `pFieldSelect`).
//!
//! pgway also takes the old brace syntax `rel{…}` for `rel(…)`; braces add nothing to the
//! messages of inputs without them.

use super::lexer::{cast, field, field_name, lexeme, optional};
use super::parsec::{
    Reply, Seq, Src, attempt, char, eof, look_ahead, map, not_followed_by, or, sep_by, silent,
    string, zero,
};
use crate::plan::request::{
    Aggregate, AggregateFunction, Embed, JoinType, ReadRequest, SelectField, SelectItem,
};

/// `pFieldForest`: items separated by commas; `close` is what ends the enclosing list.
pub(super) fn forest(src: &Src, at: usize, close: char) -> Reply<Vec<SelectItem>> {
    sep_by(
        src,
        at,
        |src, at| tree(src, at, close),
        |src, at| lexeme(src, at, |src, at| char(src, at, ',')),
    )
}

fn tree(src: &Src, at: usize, close: char) -> Reply<SelectItem> {
    or(embed(src, at, true), || {
        or(embed(src, at, false), || field_select(src, at, close))
    })
}

/// The head of an embed: `alias:name!hint!inner` or `...name!hint`.
struct Head {
    name: String,
    alias: Option<String>,
    hint: Option<String>,
    join: Option<JoinType>,
}

/// `Node <$> try pRelationSelect <*> between (char '(') (char ')') pFieldForest` (or braces).
fn embed(src: &Src, at: usize, spread: bool) -> Reply<SelectItem> {
    let mut seq = Seq::new(at);
    let head = seq.step(attempt(if spread {
        spread_head(src, at)
    } else {
        head(src, at)
    }))?;
    let (open, close) = if src.at(seq.at) == Some('{') {
        ('{', '}')
    } else {
        ('(', ')')
    };
    seq.step(char(src, seq.at, open))?;
    let _nested = src.nest(seq.at)?;
    let select = seq.step(forest(src, seq.at, close))?;
    seq.step(char(src, seq.at, close))?;
    seq.done(SelectItem::Embed(Embed {
        name: head.name,
        alias: head.alias,
        hint: head.hint,
        join: head.join,
        spread,
        request: ReadRequest {
            select,
            ..ReadRequest::default()
        },
    }))
}

/// `pRelationSelect`.
fn head(src: &Src, at: usize) -> Reply<Head> {
    lexeme(src, at, |src, at| {
        let mut seq = Seq::new(at);
        let alias = seq.step(optional(src, seq.at, |src, at| attempt(alias(src, at))))?;
        let name = seq.step(field_name(src, seq.at))?;
        if name == "count" {
            return seq.zero();
        }
        let (hint, join) = seq.step(embed_params(src, seq.at))?;
        seq.step(opening(src, seq.at))?;
        seq.done(Head {
            name,
            alias,
            hint,
            join,
        })
    })
}

/// `pSpreadRelationSelect`.
fn spread_head(src: &Src, at: usize) -> Reply<Head> {
    lexeme(src, at, |src, at| {
        let mut seq = Seq::new(at);
        seq.step(string(src, seq.at, "..."))?;
        let name = seq.step(field_name(src, seq.at))?;
        let (hint, join) = seq.step(embed_params(src, seq.at))?;
        seq.step(opening(src, seq.at))?;
        seq.done(Head {
            name,
            alias: None,
            hint,
            join,
        })
    })
}

/// `try (void $ lookAhead (string "("))`, or a brace.
fn opening(src: &Src, at: usize) -> Reply<()> {
    let ahead = |s: &'static str| map(look_ahead(string(src, at, s), at), |_| ());
    or(attempt(ahead("(")), || silent(ahead("{"), at))
}

/// `pFieldName <* aliasSeparator`: `alias:` (but not `::`).
fn alias(src: &Src, at: usize) -> Reply<String> {
    let mut seq = Seq::new(at);
    let name = seq.step(field_name(src, seq.at))?;
    seq.step(char(src, seq.at, ':'))?;
    seq.step(not_followed_by(char(src, seq.at, ':'), seq.at))?;
    seq.done(name)
}

enum EmbedParam {
    Hint(String),
    Join(JoinType),
}

/// `pEmbedParams`: up to two of `!hint`, `!inner`, `!left`; the first of each kind counts.
fn embed_params(src: &Src, at: usize) -> Reply<(Option<String>, Option<JoinType>)> {
    let mut seq = Seq::new(at);
    let first = seq.step(optional(src, seq.at, embed_param))?;
    let second = seq.step(optional(src, seq.at, embed_param))?;
    let mut hint = None;
    let mut join = None;
    for param in [first, second].into_iter().flatten() {
        match param {
            EmbedParam::Hint(h) => hint = hint.or(Some(h)),
            EmbedParam::Join(j) => join = join.or(Some(j)),
        }
    }
    seq.done((hint, join))
}

fn embed_param(src: &Src, at: usize) -> Reply<EmbedParam> {
    let mut seq = Seq::new(at);
    seq.step(char(src, seq.at, '!'))?;
    let at = seq.at;
    let join = |word: &'static str, join: JoinType| {
        attempt(map(string(src, at, word), |_| EmbedParam::Join(join)))
    };
    let param = seq.step(or(join("left", JoinType::Left), || {
        or(join("inner", JoinType::Inner), || {
            attempt(map(field_name(src, at), EmbedParam::Hint))
        })
    }))?;
    seq.done(param)
}

/// What ends a select item: the closing bracket, a comma or the end (looked at, not consumed).
fn item_end(src: &Src, at: usize, close: char) -> Reply<()> {
    let ahead = |s: &'static str| attempt(map(look_ahead(string(src, at, s), at), |_| ()));
    let close = if close == '}' { "}" } else { ")" };
    or(ahead(close), || or(ahead(","), || attempt(eof(src, at))))
}

/// `pFieldSelect`: `*`, `count()`, or a field with its alias, casts and aggregate.
fn field_select(src: &Src, at: usize, close: char) -> Reply<SelectItem> {
    lexeme(src, at, |src, at| {
        or(attempt(star(src, at, close)), || {
            or(attempt(count(src, at, close)), || plain(src, at, close))
        })
    })
}

fn star(src: &Src, at: usize, close: char) -> Reply<SelectItem> {
    let mut seq = Seq::new(at);
    seq.step(string(src, seq.at, "*"))?;
    seq.step(item_end(src, seq.at, close))?;
    seq.done(SelectItem::Star)
}

fn count(src: &Src, at: usize, close: char) -> Reply<SelectItem> {
    let mut seq = Seq::new(at);
    let alias = seq.step(optional(src, seq.at, |src, at| attempt(alias(src, at))))?;
    seq.step(string(src, seq.at, "count()"))?;
    let cast = seq.step(optional(src, seq.at, cast))?;
    seq.step(item_end(src, seq.at, close))?;
    seq.done(SelectItem::Count { alias, cast })
}

fn plain(src: &Src, at: usize, close: char) -> Reply<SelectItem> {
    let mut seq = Seq::new(at);
    let alias = seq.step(optional(src, seq.at, |src, at| attempt(alias(src, at))))?;
    let field = seq.step(field(src, seq.at))?;
    let field_cast = seq.step(optional(src, seq.at, cast))?;
    let function = seq.step(optional(src, seq.at, |src, at| attempt(aggregate(src, at))))?;
    let output_cast = seq.step(optional(src, seq.at, cast))?;
    seq.step(item_end(src, seq.at, close))?;
    // Without an aggregate PostgREST applies the first cast only (`col::a::b` casts to `a`).
    let (cast, aggregate) = match function {
        Some(function) => (
            output_cast,
            Some(Aggregate {
                function,
                input_cast: field_cast,
            }),
        ),
        None => (field_cast, None),
    };
    seq.done(SelectItem::Field(SelectField {
        field,
        alias,
        cast,
        aggregate,
    }))
}

/// `.sum()`, `.avg()`, `.count()`, `.max()`, `.min()`.
fn aggregate(src: &Src, at: usize) -> Reply<AggregateFunction> {
    let mut seq = Seq::new(at);
    seq.step(char(src, seq.at, '.'))?;
    let at = seq.at;
    let word = |w: &'static str, f: AggregateFunction| map(string(src, at, w), move |_| f);
    let function = seq.step(or(word("sum", AggregateFunction::Sum), || {
        or(word("avg", AggregateFunction::Avg), || {
            or(word("count", AggregateFunction::Count), || {
                or(attempt(word("max", AggregateFunction::Max)), || {
                    or(attempt(word("min", AggregateFunction::Min)), || zero(at))
                })
            })
        })
    }))?;
    seq.step(string(src, seq.at, "()"))?;
    seq.done(function)
}

#[cfg(test)]
fn describe_head(head: Head) -> String {
    let or_dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    let join = head.join.map(|j| format!("{j:?}"));
    format!(
        "{} {} {} {}",
        head.name,
        or_dash(head.alias),
        or_dash(head.hint),
        or_dash(join)
    )
}

/// `pRelationSelect` alone, for tests.
#[cfg(test)]
pub(super) fn tests_head(src: &Src) -> Reply<String> {
    map(head(src, 0), describe_head)
}

/// `pSpreadRelationSelect` alone, for tests.
#[cfg(test)]
pub(super) fn tests_spread_head(src: &Src) -> Reply<String> {
    map(spread_head(src, 0), describe_head)
}
