//! Random query strings never panic the query-string parser, and whatever it rejects is a
//! client error (PGRST100, PGRST103 or PGRST108).

use pgway::rest::RequestError;
use pgway::rest::query::parse;
use proptest::prelude::*;

/// Characters the grammar gives a meaning to, and some it does not.
const CHARS: &[char] = &[
    '(', ')', '!', ',', '.', ':', '*', '"', '\\', '-', '>', '{', '}', '&', '=', ';', '+', '%', ' ',
    '\t', '\n', 'a', 'b', 'z', 'N', '0', '1', '9', '_', '$', 'é', 'ß', '名', '😀', '\u{0}',
];

/// Pieces of the grammar, so random strings reach past its first characters.
const TOKENS: &[&str] = &[
    "select=",
    "order=",
    "or=",
    "and=",
    "not.or=",
    "not.and=",
    "limit=",
    "offset=",
    "columns=",
    "on_conflict=",
    "a.",
    "a=",
    "&",
    "not.",
    "eq.",
    "neq.",
    "in.(",
    "is.",
    "isdistinct.",
    "null",
    "not_null",
    "fts(",
    "plfts.",
    "(any)",
    "(all)",
    "like",
    "cs.",
    "count()",
    ".sum()",
    "::",
    "->",
    "->>",
    "...",
    "!inner",
    "!left",
    "!",
    "(",
    ")",
    "{",
    "}",
    ",",
    "\"",
    "\\",
    ".",
    "asc",
    "desc",
    "nullsfirst",
    "rel(",
    "%22",
    "%2C",
    "%28",
    "%29",
    "%C3%AF",
    "%FF",
    "%",
    "-1",
    "0",
    "x",
];

fn from_chars() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARS), 0..48).prop_map(String::from_iter)
}

fn from_tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..24).prop_map(|t| t.concat())
}

fn percent_encoded_bytes() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..64)
        .prop_map(|bytes| bytes.iter().map(|b| format!("%{b:02X}")).collect())
}

/// `key=value` with a value from the grammar's alphabet, percent-encoded.
fn parameter() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "select",
        "order",
        "or",
        "and",
        "not.or",
        "limit",
        "offset",
        "columns",
        "on_conflict",
        "a",
        "a.b",
        "a.order",
        "a.or",
        "a.limit",
        "data->x",
        "\"q\"",
    ]);
    (keys, prop_oneof![from_chars(), from_tokens()]).prop_map(|(key, value)| {
        let encoded: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
        format!("{key}={encoded}")
    })
}

fn check(query: &str) -> Result<(), TestCaseError> {
    match parse(query) {
        Ok(_) => Ok(()),
        Err(RequestError::Parse { line, column, .. }) => {
            prop_assert!(line >= 1 && column >= 1);
            Ok(())
        }
        Err(RequestError::InvalidRange(_) | RequestError::NotEmbedded(_)) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!(
            "{query:?}: unexpected error {other:?}"
        ))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn raw_strings_from_the_grammars_alphabet(query in prop_oneof![from_chars(), from_tokens()]) {
        check(&query)?;
    }

    #[test]
    fn random_bytes_percent_encoded(query in percent_encoded_bytes()) {
        check(&query)?;
    }

    #[test]
    fn parameters_with_random_values(params in prop::collection::vec(parameter(), 1..5)) {
        check(&params.join("&"))?;
    }
}
