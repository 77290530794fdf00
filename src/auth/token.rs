//! The compact JWS form, `header.payload.signature`: split and decoded, nothing verified yet.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::AuthError;

/// A token whose parts decode; its signature is still to be checked.
#[derive(Debug)]
pub(super) struct Token<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    /// The signature, base64url as in the token.
    pub signature: &'a str,
    pub alg: Algorithm,
    pub kid: Option<String>,
    /// The payload's JSON text, decoded from base64url.
    pub payload: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

impl<'a> Token<'a> {
    /// Splits and decodes `token`, refusing it as PostgREST does: an empty token, a wrong number
    /// of parts, undecodable parts or an unknown `alg`, and `alg: none` whatever the keys.
    pub fn parse(token: &'a str) -> Result<Token<'a>, AuthError> {
        if token.is_empty() {
            return Err(AuthError::EmptyToken);
        }
        let parts = token.split('.').count();
        let (Some((signing_input, signature)), 3) = (token.rsplit_once('.'), parts) else {
            return Err(AuthError::MalformedToken(parts));
        };
        let (header, payload) = signing_input
            .split_once('.')
            .ok_or(AuthError::MalformedToken(parts))?;
        let header: Header =
            serde_json::from_slice(&base64url(header)?).map_err(|_| AuthError::Undecodable)?;
        if header.alg == "none" {
            return Err(AuthError::UnsupportedAlgorithm);
        }
        let alg = header
            .alg
            .parse::<Algorithm>()
            .map_err(|_| AuthError::Undecodable)?;
        let payload = base64url(payload)?;
        let signature = signature.trim_end_matches('=');
        base64url(signature)?;
        Ok(Token {
            signing_input,
            signature,
            alg,
            kid: header.kid,
            payload,
        })
    }
}

/// Base64url without padding, as JWTs are written; trailing `=` are tolerated.
fn base64url(part: &str) -> Result<Vec<u8>, AuthError> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| AuthError::Undecodable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn splits_and_decodes_the_parts() {
        let header = encode(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#);
        let payload = encode(r#"{"role":"x"}"#);
        let raw = format!("{header}.{payload}.c2ln");
        let token = Token::parse(&raw).unwrap();
        assert_eq!(token.alg, Algorithm::RS256);
        assert_eq!(token.kid.as_deref(), Some("k1"));
        assert_eq!(token.payload, br#"{"role":"x"}"#);
        assert_eq!(token.signing_input, format!("{header}.{payload}"));
        assert_eq!(token.signature, "c2ln");
    }

    #[test]
    fn refuses_what_postgrest_refuses() {
        let payload = encode("{}");
        let with_header = |header: &str| format!("{}.{payload}.c2ln", encode(header));
        let cases = [
            (String::new(), AuthError::EmptyToken),
            ("abc".to_owned(), AuthError::MalformedToken(1)),
            ("a.b".to_owned(), AuthError::MalformedToken(2)),
            ("a.b.c.d".to_owned(), AuthError::MalformedToken(4)),
            (
                "quifquirndsjagnrgniur.fonvoienqhhdj.iuqvnvhojah".to_owned(),
                AuthError::Undecodable,
            ),
            ("..".to_owned(), AuthError::Undecodable),
            (
                with_header(r#"{"alg":"none"}"#),
                AuthError::UnsupportedAlgorithm,
            ),
            (
                with_header(r#"{"typ":"JWT","alg":"none"}"#),
                AuthError::UnsupportedAlgorithm,
            ),
            (with_header(r#"{"alg":"HS1024"}"#), AuthError::Undecodable),
            (with_header(r#"{"alg":"NONE"}"#), AuthError::Undecodable),
            (with_header(r#"{"typ":"JWT"}"#), AuthError::Undecodable),
            (with_header(r#"{"alg":256}"#), AuthError::Undecodable),
            (with_header("[]"), AuthError::Undecodable),
            (
                format!("{}.{payload}.not*base64", encode(r#"{"alg":"HS256"}"#)),
                AuthError::Undecodable,
            ),
            (
                format!("{}.%%%.c2ln", encode(r#"{"alg":"HS256"}"#)),
                AuthError::Undecodable,
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(Token::parse(&raw).unwrap_err(), expected, "{raw}");
        }
    }
}
