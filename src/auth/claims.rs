//! Claim checks as PostgREST makes them: `exp`, `nbf`, `iat` with 30 s of clock skew, `aud`
//! against `jwt-aud`, and the role found by `jwt-role-claim-key`.

use serde_json::{Map, Number, Value};
use serde_json_path::JsonPath;

use super::AuthError;

/// Clock skew tolerated on `exp`, `nbf` and `iat`, as PostgREST.
pub(super) const LEEWAY_SECONDS: i64 = 30;

/// Checks `exp`, `nbf`, `iat` and `aud` in this order (the first failure is the answer) at `now`
/// (Unix seconds). A missing or `null` claim passes.
pub(super) fn check(
    claims: &Map<String, Value>,
    now: i64,
    audience: Option<&str>,
) -> Result<(), AuthError> {
    if time_claim(claims, "exp")?.is_some_and(|exp| now - LEEWAY_SECONDS > exp) {
        return Err(AuthError::Expired);
    }
    if time_claim(claims, "nbf")?.is_some_and(|nbf| now + LEEWAY_SECONDS < nbf) {
        return Err(AuthError::NotYetValid);
    }
    if time_claim(claims, "iat")?.is_some_and(|iat| now + LEEWAY_SECONDS < iat) {
        return Err(AuthError::IssuedInFuture);
    }
    let matches = |aud: &str| audience.is_none_or(|wanted| wanted == aud);
    let in_audience = match claims.get("aud") {
        None | Some(Value::Null) => true,
        Some(Value::String(aud)) => matches(aud),
        Some(Value::Array(items)) => {
            let auds = items
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<_>>>()
                .ok_or(AuthError::AudienceNotStrings)?;
            auds.is_empty() || auds.into_iter().any(matches)
        }
        Some(_) => return Err(AuthError::AudienceNotStrings),
    };
    if in_audience {
        Ok(())
    } else {
        Err(AuthError::NotInAudience)
    }
}

/// The `exp` claim, if it is a number: how long a verified token may be reused.
pub(super) fn expiry(claims: &Map<String, Value>) -> Option<i64> {
    time_claim(claims, "exp").ok().flatten()
}

fn time_claim(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, AuthError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(seconds(n))),
        Some(_) => Err(AuthError::ClaimNotNumber(name)),
    }
}

/// A whole number of seconds; like PostgREST, a fraction or an out-of-range number counts as 0.
fn seconds(n: &Number) -> i64 {
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                .map(|f| f as i64)
        })
        .unwrap_or(0)
}

/// `jwt-role-claim-key`: where the role is in the claims, an RFC 9535 JSONPath such as
/// `$.role`, `$.realm_access.roles[0]` or `$["https://example.com/role"]`. PostgREST's older
/// forms are read too: a leading `.` without `$` (`.realm_access.roles[0]`) and quoted names
/// after a dot (`$."https://example.com/role"`).
#[derive(Debug, Clone, Default)]
pub struct RoleClaimKey {
    /// `None` is PostgREST's default, `$.role`, looked up directly.
    path: Option<JsonPath>,
}

impl RoleClaimKey {
    pub fn parse(text: &str) -> Result<RoleClaimKey, String> {
        let rfc9535 = to_rfc9535(text);
        let path = JsonPath::parse(&rfc9535).map_err(|e| {
            let reason = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            format!("'{text}' is not a JSONPath: {reason}")
        })?;
        Ok(RoleClaimKey { path: Some(path) })
    }

    /// The role in `claims`: the first value the path finds, a string as is and any other
    /// value as its JSON text (as PostgREST); `None` when nothing or `null` is found.
    pub(super) fn role(&self, claims: &Value) -> Option<String> {
        let found = match &self.path {
            Some(path) => path.query(claims).first(),
            None => claims.get("role"),
        };
        match found? {
            Value::Null => None,
            Value::String(role) => Some(role.clone()),
            other => Some(other.to_string()),
        }
    }
}

/// Rewrites PostgREST's older path syntax into RFC 9535: a missing `$` is added, and `."name"`
/// (or `.'name'`) becomes `["name"]`. Text inside quotes is copied as it is.
fn to_rfc9535(text: &str) -> String {
    let text = text.trim();
    let mut out = String::with_capacity(text.len() + 4);
    if !text.starts_with('$') {
        out.push('$');
    }
    let mut chars = text.chars().peekable();
    // Inside a quoted name: its quote, and whether a `]` must follow it.
    let mut quoted: Option<(char, bool)> = None;
    while let Some(c) = chars.next() {
        match quoted {
            Some((quote, bracket)) => {
                out.push(c);
                if c == '\\' {
                    out.extend(chars.next());
                } else if c == quote {
                    if bracket {
                        out.push(']');
                    }
                    quoted = None;
                }
            }
            None => match (c, chars.peek().copied()) {
                ('.', Some(quote @ ('"' | '\''))) => {
                    chars.next();
                    out.push('[');
                    out.push(quote);
                    quoted = Some((quote, true));
                }
                (quote @ ('"' | '\''), _) => {
                    out.push(quote);
                    quoted = Some((quote, false));
                }
                _ => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;

    fn check_json(claims: Value, audience: Option<&str>) -> Result<(), AuthError> {
        check(claims.as_object().unwrap(), NOW, audience)
    }

    #[test]
    fn time_claims_with_30_seconds_of_leeway() {
        let ok = [
            json!({}),
            json!({"exp": NOW + 60, "nbf": NOW - 60, "iat": NOW - 60}),
            json!({"exp": NOW - 30, "nbf": NOW + 30, "iat": NOW + 30}),
            json!({"exp": null, "nbf": null, "iat": null}),
            json!({"exp": (NOW + 60) as f64}),
        ];
        for claims in ok {
            assert_eq!(check_json(claims.clone(), None), Ok(()), "{claims}");
        }
        let refused = [
            (json!({"exp": NOW - 31}), AuthError::Expired),
            (json!({"nbf": NOW + 31}), AuthError::NotYetValid),
            (json!({"iat": NOW + 31}), AuthError::IssuedInFuture),
            (json!({"exp": "soon"}), AuthError::ClaimNotNumber("exp")),
            (json!({"nbf": true}), AuthError::ClaimNotNumber("nbf")),
            (json!({"iat": [1]}), AuthError::ClaimNotNumber("iat")),
            // A fraction counts as 0, as in PostgREST.
            (json!({"exp": NOW as f64 + 60.5}), AuthError::Expired),
            // exp is checked first.
            (
                json!({"exp": NOW - 100, "nbf": NOW + 100}),
                AuthError::Expired,
            ),
        ];
        for (claims, expected) in refused {
            assert_eq!(check_json(claims.clone(), None), Err(expected), "{claims}");
        }
    }

    #[test]
    fn audience() {
        let api = Some("api");
        for aud in [
            json!("api"),
            json!(["other", "api"]),
            json!([]),
            json!(null),
        ] {
            assert_eq!(check_json(json!({"aud": aud}), api), Ok(()), "{aud}");
        }
        assert_eq!(check_json(json!({}), api), Ok(()));
        for aud in [json!("other"), json!(""), json!(["other"]), json!([""])] {
            assert_eq!(
                check_json(json!({"aud": aud}), api),
                Err(AuthError::NotInAudience),
                "{aud}"
            );
        }
        for aud in [json!(5), json!({"a": 1}), json!(["api", 5]), json!(true)] {
            for audience in [api, None] {
                assert_eq!(
                    check_json(json!({"aud": aud}), audience),
                    Err(AuthError::AudienceNotStrings),
                    "{aud}"
                );
            }
        }
        // Without jwt-aud any audience is accepted.
        assert_eq!(check_json(json!({"aud": "anything"}), None), Ok(()));
        assert_eq!(check_json(json!({"aud": ""}), None), Ok(()));
    }

    #[test]
    fn expiry_is_the_exp_claim() {
        let claims = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(expiry(&claims(json!({"exp": 5}))), Some(5));
        assert_eq!(expiry(&claims(json!({"exp": "5"}))), None);
        assert_eq!(expiry(&claims(json!({}))), None);
    }

    #[test]
    fn role_claim_key_paths() {
        let claims = json!({
            "role": "top",
            "realm_access": {"roles": ["first", "second"]},
            "nested": {"deeper": [{"roles": [["x", "inner"]]}]},
            "https://example.com/role": "namespaced",
            "a.b": "dotted",
            "numeric": 42,
            "nothing": null,
            "object": {"k": "v"}
        });
        let cases = [
            ("$.role", Some("top")),
            ("$.realm_access.roles[0]", Some("first")),
            ("$.realm_access.roles[1]", Some("second")),
            ("$.realm_access.roles[-1]", Some("second")),
            ("$.nested.deeper[0].roles[0][1]", Some("inner")),
            ("$[\"https://example.com/role\"]", Some("namespaced")),
            ("$.\"https://example.com/role\"", Some("namespaced")),
            ("$.'https://example.com/role'", Some("namespaced")),
            ("$.\"a.b\"", Some("dotted")),
            ("$.realm_access.roles[?@ == 'second']", Some("second")),
            // PostgREST's old syntax.
            (".role", Some("top")),
            (".realm_access.roles[0]", Some("first")),
            (".\"https://example.com/role\"", Some("namespaced")),
            ("$.numeric", Some("42")),
            ("$.object", Some(r#"{"k":"v"}"#)),
            ("$.nothing", None),
            ("$.missing", None),
            ("$.realm_access.roles[5]", None),
        ];
        for (path, expected) in cases {
            let key = RoleClaimKey::parse(path).unwrap();
            assert_eq!(key.role(&claims).as_deref(), expected, "{path}");
        }
        let default = RoleClaimKey::default();
        assert_eq!(default.role(&claims).as_deref(), Some("top"));
        assert_eq!(default.role(&json!({"role": 1})).as_deref(), Some("1"));
        assert_eq!(default.role(&json!({"sub": "x"})), None);
    }

    #[test]
    fn bad_paths_are_one_line_errors() {
        for path in ["$.", "$[", "role", "$.a[?", "$..[0"] {
            let error = RoleClaimKey::parse(path).unwrap_err();
            assert!(
                error.starts_with(&format!("'{path}' is not a JSONPath: ")),
                "{error}"
            );
            assert!(!error.contains('\n'), "{error}");
        }
    }

    #[test]
    fn old_syntax_is_rewritten() {
        assert_eq!(to_rfc9535(".a.\"b.c\"[0]"), "$.a[\"b.c\"][0]");
        assert_eq!(to_rfc9535("$.\"x\\\"y\""), "$[\"x\\\"y\"]");
        assert_eq!(to_rfc9535("$[\".\\\"\"]"), "$[\".\\\"\"]");
        assert_eq!(to_rfc9535("$.roles[?@ == '.\"x']"), "$.roles[?@ == '.\"x']");
    }
}
