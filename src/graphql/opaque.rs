//! The opaque strings of global ids and cursors: the base64 of a JSON array, as PostGraphile
//! makes them. Values stay the JSON Postgres wrote, so they keep every digit.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use serde_json::value::RawValue;

/// `base64([tag, values…])`.
pub(crate) fn encode<'a>(tag: &str, values: impl IntoIterator<Item = &'a RawValue>) -> String {
    let mut json = String::from("[");
    json.push_str(&serde_json::Value::from(tag).to_string());
    for value in values {
        json.push(',');
        json.push_str(value.get());
    }
    json.push(']');
    STANDARD.encode(json)
}

/// The tag and values of an opaque string; `None` when it is not one. Padding and the URL-safe
/// alphabet are accepted.
pub(crate) fn decode(text: &str) -> Option<(String, Vec<Box<RawValue>>)> {
    let trimmed = text.trim_end_matches('=');
    let bytes = STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed))
        .ok()?;
    let mut items: Vec<Box<RawValue>> = serde_json::from_slice(&bytes).ok()?;
    if items.is_empty() {
        return None;
    }
    let tag = serde_json::from_str(items.remove(0).get()).ok()?;
    Some((tag, items))
}

/// A scalar JSON value as the text Postgres parses: a string's contents, a number's or a
/// boolean's text; `Some(None)` for null, `None` for an array or object.
pub(crate) fn text(value: &RawValue) -> Option<Option<String>> {
    match value.get() {
        "null" => Some(None),
        text if text.starts_with('"') => serde_json::from_str(text).ok().map(Some),
        text if text.starts_with(['[', '{']) => None,
        text => Some(Some(text.to_owned())),
    }
}
