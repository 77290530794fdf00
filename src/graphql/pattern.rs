//! String tests as Postgres regular expressions (`~`, `~*`).
//!
//! `includes`, `startsWith`, `endsWith` and `like` become regular expressions rather than `LIKE`
//! patterns because the plan's `like` operator reads `*` as a wildcard (PostgREST's URL
//! convention), so a `*` the caller meant literally could not be expressed. In an advanced
//! regular expression a backslash before any character that is not alphanumeric stands for that
//! character, so escaping every ASCII punctuation character makes any text literal.

use super::operators::PatternKind;

/// The regular expression that matches what `kind` means for `text`.
pub(crate) fn regex(kind: PatternKind, text: &str) -> Result<String, String> {
    Ok(match kind {
        PatternKind::Includes => literal(text),
        PatternKind::StartsWith => format!("^{}", literal(text)),
        PatternKind::EndsWith => format!("{}$", literal(text)),
        PatternKind::Like => like(text)?,
    })
}

/// `text` as a regular expression that matches it literally.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        push_literal(&mut out, c);
    }
    out
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// A SQL `LIKE` pattern (`%` any characters, `_` one character, `\` escapes the next one) as an
/// anchored regular expression.
fn like(pattern: &str) -> Result<String, String> {
    let mut out = String::from("^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            '\\' => match chars.next() {
                Some(escaped) => push_literal(&mut out, escaped),
                None => return Err("LIKE pattern must not end with escape character".into()),
            },
            c => push_literal(&mut out, c),
        }
    }
    out.push('$');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_text_is_escaped() {
        assert_eq!(regex(PatternKind::Includes, "a.b*c").unwrap(), r"a\.b\*c");
        assert_eq!(
            regex(PatternKind::StartsWith, "50% (_x_) $1 ^\\").unwrap(),
            r"^50\% \(\_x\_\) \$1 \^\\"
        );
        assert_eq!(regex(PatternKind::EndsWith, "été").unwrap(), "été$");
        assert_eq!(regex(PatternKind::Includes, "***=x").unwrap(), r"\*\*\*\=x");
    }

    #[test]
    fn like_patterns_become_anchored_regexes() {
        assert_eq!(regex(PatternKind::Like, "A%e_").unwrap(), "^A.*e.$");
        assert_eq!(regex(PatternKind::Like, r"100\%*").unwrap(), r"^100\%\*$");
        assert_eq!(regex(PatternKind::Like, r"a\\b\x").unwrap(), r"^a\\bx$");
        assert!(regex(PatternKind::Like, "oops\\").is_err());
    }
}
