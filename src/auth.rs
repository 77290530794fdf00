//! Who is calling: verifies the bearer JWT and picks the database role the request runs as.
//!
//! pgway authorises nothing itself. It proves the caller's claims and hands the role and the claims
//! to Postgres, whose GRANTs and row level security decide the rest.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

/// Clock skew tolerated on `exp`, `nbf` and `iat`, as PostgREST.
const LEEWAY_SECONDS: u64 = 30;

/// The caller, as the database will see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub role: String,
    /// The JWT's claims with `role` always present (also for anonymous requests).
    pub claims: Map<String, Value>,
    /// Whether a valid JWT was presented (decides 401 vs 403 on a permission error).
    pub authenticated: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("Empty JWT is sent in Authorization header")]
    EmptyToken,
    #[error("Expected 3 parts in JWT; got {0}")]
    MalformedToken(usize),
    #[error("JWT cryptographic operation failed")]
    BadSignature,
    #[error("Wrong or unsupported encoding algorithm")]
    UnsupportedAlgorithm,
    #[error("JWT expired")]
    Expired,
    #[error("JWT not yet valid")]
    NotYetValid,
    #[error("JWT issued at future")]
    IssuedInFuture,
    #[error("The JWT '{0}' claim must be a number")]
    ClaimNotNumber(&'static str),
    #[error("Server lacks JWT secret")]
    NoSecret,
    #[error("Anonymous access is disabled")]
    AnonymousDisabled,
}

impl AuthError {
    /// PostgREST's code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::EmptyToken
            | AuthError::MalformedToken(_)
            | AuthError::BadSignature
            | AuthError::UnsupportedAlgorithm => "PGRST301",
            AuthError::Expired
            | AuthError::NotYetValid
            | AuthError::IssuedInFuture
            | AuthError::ClaimNotNumber(_) => "PGRST303",
            AuthError::NoSecret => "PGRST300",
            AuthError::AnonymousDisabled => "PGRST302",
        }
    }
}

/// Verifies tokens with the configured secret and applies the anonymous role.
pub struct Authenticator {
    key: Option<DecodingKey>,
    validation: Validation,
    anon_role: Option<String>,
}

impl Authenticator {
    /// `secret` is an HMAC secret (HS256/384/512), `anon_role` the role of requests without a JWT.
    pub fn new(secret: Option<&[u8]>, anon_role: Option<String>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.required_spec_claims.clear();
        validation.validate_aud = false;
        Authenticator {
            key: secret.map(DecodingKey::from_secret),
            validation,
            anon_role,
        }
    }

    /// The identity for the `Authorization` header's value, if any.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Identity, AuthError> {
        match authorization.and_then(bearer_token) {
            Some(token) => self.verify(token),
            None => self.anonymous(),
        }
    }

    fn anonymous(&self) -> Result<Identity, AuthError> {
        let role = self.anon_role.clone().ok_or(AuthError::AnonymousDisabled)?;
        let mut claims = Map::new();
        claims.insert("role".into(), Value::String(role.clone()));
        Ok(Identity {
            role,
            claims,
            authenticated: false,
        })
    }

    fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        if token.is_empty() {
            return Err(AuthError::EmptyToken);
        }
        let parts = token.split('.').count();
        if parts != 3 {
            return Err(AuthError::MalformedToken(parts));
        }
        let key = self.key.as_ref().ok_or(AuthError::NoSecret)?;
        self.check_algorithm(token)?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidClaimFormat(claim) if claim == "exp" => {
                    AuthError::ClaimNotNumber("exp")
                }
                ErrorKind::InvalidClaimFormat(claim) if claim == "nbf" => {
                    AuthError::ClaimNotNumber("nbf")
                }
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    AuthError::UnsupportedAlgorithm
                }
                _ => AuthError::BadSignature,
            })?;
        let mut claims = data.claims;
        check_time_claims(&claims)?;
        match claims
            .get("role")
            .and_then(Value::as_str)
            .map(str::to_owned)
        {
            Some(role) => Ok(Identity {
                role,
                claims,
                authenticated: true,
            }),
            None => {
                let anonymous = self.anonymous()?;
                claims.insert("role".into(), Value::String(anonymous.role.clone()));
                Ok(Identity {
                    claims,
                    authenticated: true,
                    ..anonymous
                })
            }
        }
    }
}

impl Authenticator {
    /// Rejects an `alg` outside the configured ones (`none` included) before anything else, so
    /// the header's algorithm can never choose how the token is checked.
    fn check_algorithm(&self, token: &str) -> Result<(), AuthError> {
        let header = token.split('.').next().unwrap_or_default();
        let header: Value = URL_SAFE_NO_PAD
            .decode(header.trim_end_matches('='))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(AuthError::BadSignature)?;
        let allowed = header["alg"]
            .as_str()
            .and_then(|alg| alg.parse::<Algorithm>().ok())
            .is_some_and(|alg| self.validation.algorithms.contains(&alg));
        if allowed {
            Ok(())
        } else {
            Err(AuthError::UnsupportedAlgorithm)
        }
    }
}

/// The token of a `Bearer` authorization (scheme case-insensitive), `None` for other schemes.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ').unwrap_or((authorization, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `exp` and `nbf` are checked by the JWT library; `iat` is not.
fn check_time_claims(claims: &Map<String, Value>) -> Result<(), AuthError> {
    if claims.get("iat").is_some_and(|v| !v.is_number()) {
        return Err(AuthError::ClaimNotNumber("iat"));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match claims.get("iat").and_then(Value::as_f64) {
        Some(iat) if iat > (now + LEEWAY_SECONDS) as f64 => Err(AuthError::IssuedInFuture),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"a-test-secret-that-is-at-least-32-chars";

    fn token(claims: Value) -> String {
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn authenticator() -> Authenticator {
        Authenticator::new(Some(SECRET), Some("web_anon".into()))
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn no_token_is_the_anonymous_role() {
        let identity = authenticator().authenticate(None).unwrap();
        assert_eq!(identity.role, "web_anon");
        assert_eq!(Value::Object(identity.claims), json!({"role": "web_anon"}));
        assert!(!identity.authenticated);
    }

    #[test]
    fn no_anonymous_role_rejects_requests_without_token() {
        let auth = Authenticator::new(Some(SECRET), None);
        assert_eq!(auth.authenticate(None), Err(AuthError::AnonymousDisabled));
    }

    #[test]
    fn valid_token_gives_its_role_and_claims() {
        let t = token(json!({"role": "mgr_alice", "sub": "42"}));
        let identity = authenticator()
            .authenticate(Some(&format!("bearer {t}")))
            .unwrap();
        assert_eq!(identity.role, "mgr_alice");
        assert_eq!(identity.claims["sub"], "42");
        assert!(identity.authenticated);
    }

    #[test]
    fn token_without_role_runs_as_anonymous_with_role_claim_added() {
        let t = token(json!({"sub": "42"}));
        let identity = authenticator()
            .authenticate(Some(&format!("Bearer {t}")))
            .unwrap();
        assert_eq!(identity.role, "web_anon");
        assert_eq!(
            Value::Object(identity.claims),
            json!({"sub": "42", "role": "web_anon"})
        );
    }

    #[test]
    fn rejects_bad_tokens() {
        let auth = authenticator();
        let check = |header: String, expected: AuthError| {
            assert_eq!(auth.authenticate(Some(&header)), Err(expected), "{header}");
        };
        check("Bearer ".into(), AuthError::EmptyToken);
        check("Bearer abc.def".into(), AuthError::MalformedToken(2));
        let forged = encode(
            &Header::default(),
            &json!({"role": "postgres"}),
            &EncodingKey::from_secret(b"another-secret-another-secret-another"),
        )
        .unwrap();
        check(format!("Bearer {forged}"), AuthError::BadSignature);
        check(
            format!("Bearer {}", token(json!({"exp": now() - 100}))),
            AuthError::Expired,
        );
        check(
            format!("Bearer {}", token(json!({"nbf": now() + 100}))),
            AuthError::NotYetValid,
        );
        check(
            format!("Bearer {}", token(json!({"iat": now() + 100}))),
            AuthError::IssuedInFuture,
        );
        check(
            format!("Bearer {}", token(json!({"exp": "soon"}))),
            AuthError::ClaimNotNumber("exp"),
        );
        // alg "none": header {"alg":"none"}, payload {"role":"postgres"}, no signature.
        check(
            "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoicG9zdGdyZXMifQ.".into(),
            AuthError::UnsupportedAlgorithm,
        );
    }

    #[test]
    fn leeway_accepts_a_token_that_just_expired() {
        let t = token(json!({"role": "mgr_bob", "exp": now() - 10}));
        assert!(
            authenticator()
                .authenticate(Some(&format!("Bearer {t}")))
                .is_ok()
        );
    }
}
