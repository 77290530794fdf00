//! Pieces every parameter shares: blanks, quoted values, field names, JSON paths and fields.
//!
//! Each function mirrors the PostgREST parser of the same purpose (`ws`, `lexeme`,
//! `pQuotedValue`, `pFieldName`, `pIdentifier`, `pJsonPath`, `pField`, `pDelimiter`).

use super::parsec::{
    Reply, Seq, Src, any_char, attempt, char, digit, eof, is_haskell_space, label, letter,
    look_ahead, many, many1, map, none_of, not_followed_by, one_of, option_maybe, or, sep_by1,
    string,
};
use crate::plan::request::{FieldPath, JsonKey, JsonStep};

const FIELD_NAME: &str = "field name (* or [a..z0..9_$])";

/// `ws`: spaces and tabs.
pub(super) fn ws(src: &Src, at: usize) -> Reply<()> {
    map(many(src, at, |src, at| one_of(src, at, " \t")), |_| ())
}

/// `lexeme p`: `p` with blanks around it.
pub(super) fn lexeme<T>(src: &Src, at: usize, p: impl FnOnce(&Src, usize) -> Reply<T>) -> Reply<T> {
    let mut seq = Seq::new(at);
    seq.step(ws(src, seq.at))?;
    let value = seq.step(p(src, seq.at))?;
    seq.step(ws(src, seq.at))?;
    seq.done(value)
}

/// `pDelimiter`: the dot between the parts of a filter or an order term.
pub(super) fn delimiter(src: &Src, at: usize) -> Reply<char> {
    label(char(src, at, '.'), "delimiter (.)")
}

/// `pQuotedValue`: `"…"`, where a backslash takes the next character as it is.
pub(super) fn quoted_value(src: &Src, at: usize) -> Reply<String> {
    let mut seq = Seq::new(at);
    seq.step(char(src, seq.at, '"'))?;
    let chars = seq.step(many(src, seq.at, |src, at| {
        or(none_of(src, at, "\\\""), || {
            let mut seq = Seq::new(at);
            seq.step(char(src, seq.at, '\\'))?;
            let c = seq.step(any_char(src, seq.at))?;
            seq.done(c)
        })
    }))?;
    seq.step(char(src, seq.at, '"'))?;
    seq.done(chars.into_iter().collect())
}

/// `pQuotedValue <* notFollowedBy (noneOf ",)")`: a quoted element of a list or a logic tree.
pub(super) fn quoted_element(src: &Src, at: usize) -> Reply<String> {
    let mut seq = Seq::new(at);
    let value = seq.step(quoted_value(src, seq.at))?;
    seq.step(not_followed_by(none_of(src, seq.at, ",)"), seq.at))?;
    seq.done(value)
}

/// `many (noneOf ",)")`: an unquoted element of a list or a logic tree.
pub(super) fn bare_element(src: &Src, at: usize) -> Reply<String> {
    map(many(src, at, |src, at| none_of(src, at, ",)")), |chars| {
        chars.into_iter().collect()
    })
}

/// `pIdentifier`: letters, digits, `_`, `$` and spaces, without the spaces around.
pub(super) fn identifier(src: &Src, at: usize) -> Reply<String> {
    let chars = many1(src, at, |src, at| {
        or(or(letter(src, at), || digit(src, at)), || {
            one_of(src, at, "_ $")
        })
    });
    map(chars, |chars| strip(chars.into_iter().collect()))
}

/// `T.strip`.
fn strip(s: String) -> String {
    s.trim_matches(is_haskell_space).to_owned()
}

/// A `-` that does not start `->`.
fn dash(src: &Src, at: usize) -> Reply<char> {
    attempt((|| {
        let mut seq = Seq::new(at);
        seq.step(char(src, seq.at, '-'))?;
        seq.step(not_followed_by(char(src, seq.at, '>'), seq.at))?;
        seq.done('-')
    })())
}

/// `sepByDash`: identifiers joined by dashes (`first-name`).
fn sep_by_dash(
    src: &Src,
    at: usize,
    ident: impl Fn(&Src, usize) -> Reply<String>,
) -> Reply<String> {
    map(sep_by1(src, at, ident, dash), |parts| parts.join("-"))
}

/// `pFieldName`: a quoted name or dashed identifiers.
pub(super) fn field_name(src: &Src, at: usize) -> Reply<String> {
    label(
        or(quoted_value(src, at), || sep_by_dash(src, at, identifier)),
        FIELD_NAME,
    )
}

/// `pJsonKeyName`.
fn json_key_name(src: &Src, at: usize) -> Reply<String> {
    let identifier = |src: &Src, at| {
        map(
            many1(src, at, |src, at| none_of(src, at, "(-:.,>)")),
            |chars| strip(chars.into_iter().collect()),
        )
    };
    label(
        or(quoted_value(src, at), || sep_by_dash(src, at, identifier)),
        "any non reserved character different from: .,>()",
    )
}

/// What may follow an array index: `->`, `::`, `.`, `,` or the end.
fn index_end(src: &Src, at: usize) -> Reply<()> {
    let ahead = |s: &'static str| attempt(map(look_ahead(string(src, at, s), at), |_| ()));
    or(ahead("->"), || {
        or(ahead("::"), || {
            or(ahead("."), || or(ahead(","), || attempt(eof(src, at))))
        })
    })
}

/// `-1`, `0`, `12` (an index beyond `i64` fails, and so reads as a key).
fn json_index(src: &Src, at: usize) -> Reply<i64> {
    let mut seq = Seq::new(at);
    let sign = seq.step(or(map(char(src, seq.at, '-'), Some), || {
        super::parsec::pure(None, seq.at)
    }))?;
    let digits: String = seq.step(many1(src, seq.at, digit))?.into_iter().collect();
    seq.step(index_end(src, seq.at))?;
    let text = format!("{}{digits}", sign.unwrap_or('+'));
    match text.parse::<i64>() {
        Ok(index) => seq.done(index),
        Err(_) => seq.zero(),
    }
}

/// One `->key`, `->>key`, `->0`.
fn json_step(src: &Src, at: usize) -> Reply<JsonStep> {
    let mut seq = Seq::new(at);
    let as_text = seq.step(or(
        attempt(map(string(src, seq.at, "->>"), |_| true)),
        || attempt(map(string(src, seq.at, "->"), |_| false)),
    ))?;
    let key = seq.step(or(
        attempt(map(json_index(src, seq.at), JsonKey::Index)),
        || attempt(map(json_key_name(src, seq.at), JsonKey::Key)),
    ))?;
    seq.done(JsonStep { as_text, key })
}

/// `pJsonPath`.
pub(super) fn json_path(src: &Src, at: usize) -> Reply<Vec<JsonStep>> {
    many(src, at, json_step)
}

/// `pField`: a field name and its JSON path, with blanks around.
pub(super) fn field(src: &Src, at: usize) -> Reply<FieldPath> {
    lexeme(src, at, |src, at| {
        let mut seq = Seq::new(at);
        let column = seq.step(field_name(src, seq.at))?;
        let json_path = seq.step(json_path(src, seq.at))?;
        seq.done(FieldPath { column, json_path })
    })
}

/// `pTreePath`: `a.b.field->path`: the embed path and the field (what follows is ignored).
pub(super) fn tree_path(src: &Src, at: usize) -> Reply<(Vec<String>, FieldPath)> {
    let mut seq = Seq::new(at);
    let mut names = seq.step(sep_by1(src, seq.at, field_name, delimiter))?;
    let json_path = seq.step(json_path(src, seq.at))?;
    let column = names.pop().unwrap_or_default();
    seq.done((names, FieldPath { column, json_path }))
}

/// `pColumns`: `a,b,c`.
pub(super) fn columns(src: &Src, at: usize) -> Reply<Vec<String>> {
    sep_by1(src, at, field_name, |src, at| {
        lexeme(src, at, |src, at| char(src, at, ','))
    })
}

/// `string "::" *> pIdentifier`: a cast.
pub(super) fn cast(src: &Src, at: usize) -> Reply<String> {
    let mut seq = Seq::new(at);
    seq.step(string(src, seq.at, "::"))?;
    let name = seq.step(identifier(src, seq.at))?;
    seq.done(name)
}

/// `option_maybe` of a parser, at the current position (shorthand).
pub(super) fn optional<T>(
    src: &Src,
    at: usize,
    p: impl FnOnce(&Src, usize) -> Reply<T>,
) -> Reply<Option<T>> {
    option_maybe(p(src, at), at)
}
