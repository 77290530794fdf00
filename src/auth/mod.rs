//! Who is calling: verifies the bearer JWT and picks the database role the request runs as.
//!
//! pgway authorises nothing itself. It proves the caller's claims and hands the role and the claims
//! to Postgres, whose GRANTs and row level security decide the rest.
//!
//! A token is checked as PostgREST checks it: split and decoded ([`token`]), its signature
//! verified by a configured key that allows the token's `alg` ([`keys`], [`jwks_url`]), its
//! claims checked and its role found ([`claims`]). Verified tokens are cached ([`cache`]).

mod cache;
mod claims;
mod error;
mod jwks_url;
mod keys;
#[cfg(test)]
mod test_keys;
mod token;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

pub use cache::CacheStats;
pub use claims::RoleClaimKey;
pub use error::AuthError;
pub use jwks_url::JwksError;
pub use keys::KeySet;

use crate::config::JwtConfig;
use cache::TokenCache;
use jwks_url::{RefreshTask, RemoteKeys, Snapshot};
use token::Token;

/// The caller, as the database will see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub role: String,
    /// The JWT's claims with `role` always present (also for anonymous requests).
    pub claims: Map<String, Value>,
    /// Whether a valid JWT was presented (decides 401 vs 403 on a permission error).
    pub authenticated: bool,
}

/// Verifies tokens with the configured keys and applies the anonymous role.
pub struct Authenticator {
    keys: KeySet,
    remote: Option<(Arc<RemoteKeys>, RefreshTask)>,
    audience: Option<String>,
    role_claim_key: RoleClaimKey,
    anon_role: Option<String>,
    cache: Option<TokenCache>,
}

impl Authenticator {
    /// Verifies with the keys of `jwt-secret` only; see [`Authenticator::start`] for
    /// `jwt-jwks-url`. `anon_role` is the role of requests without a JWT.
    pub fn new(jwt: &JwtConfig, anon_role: Option<String>) -> Authenticator {
        Authenticator {
            keys: jwt.keys.clone(),
            remote: None,
            audience: jwt.audience.clone(),
            role_claim_key: jwt.role_claim_key.clone(),
            anon_role,
            cache: TokenCache::new(jwt.cache_max_entries),
        }
    }

    /// As [`Authenticator::new`], and with `jwt-jwks-url` set, its keys too: fetched now (an
    /// error if that fails), then refreshed in a background task that ends with the authenticator.
    pub async fn start(
        jwt: &JwtConfig,
        anon_role: Option<String>,
    ) -> Result<Authenticator, JwksError> {
        let mut authenticator = Authenticator::new(jwt, anon_role);
        if let Some(url) = &jwt.jwks_url {
            authenticator.remote = Some(RemoteKeys::start(url, jwt.jwks_refresh_interval).await?);
        }
        Ok(authenticator)
    }

    /// The identity for the `Authorization` header's value, if any. A token whose `kid` no
    /// key has makes a `jwt-jwks-url` be fetched again first (at most once per period), so keys
    /// rotated in at the provider work from their first token.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Identity, AuthError> {
        let result = self.authenticate_now(authorization);
        if result.is_ok() {
            return result;
        }
        let Some((remote, _)) = &self.remote else {
            return result;
        };
        let unknown_kid = authorization
            .and_then(bearer_token)
            .and_then(|token| Token::parse(token).ok())
            .and_then(|token| token.kid)
            .is_some_and(|kid| !self.keys.has_kid(&kid) && !remote.snapshot().keys.has_kid(&kid));
        if unknown_kid && remote.refresh_for_unknown_kid().await {
            return self.authenticate_now(authorization);
        }
        result
    }

    /// Hits and misses of the token cache (`jwt-cache-max-entries`); zeros when it is off.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache
            .as_ref()
            .map(TokenCache::stats)
            .unwrap_or_default()
    }

    /// The identity with the keys at hand.
    fn authenticate_now(&self, authorization: Option<&str>) -> Result<Identity, AuthError> {
        match authorization.and_then(bearer_token) {
            Some(token) => self.verify(token, unix_now()),
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

    /// Verifies `token` at `now` (Unix seconds).
    fn verify(&self, token: &str, now: i64) -> Result<Identity, AuthError> {
        let remote = self.remote.as_ref().map(|(remote, _)| remote.snapshot());
        let generation = remote.as_ref().map_or(0, |snapshot| snapshot.generation);
        if let Some(identity) = self
            .cache
            .as_ref()
            .and_then(|cache| cache.get(token, now, generation))
        {
            return Ok(identity);
        }
        let parsed = Token::parse(token)?;
        self.check_signature(&parsed, remote.as_deref())?;
        let claims: Value =
            serde_json::from_slice(&parsed.payload).map_err(|_| AuthError::UnparsableClaims)?;
        let Value::Object(object) = &claims else {
            return Err(AuthError::UnparsableClaims);
        };
        claims::check(object, now, self.audience.as_deref())?;
        let expires = claims::expiry(object);
        let role = match self.role_claim_key.role(&claims) {
            Some(role) => role,
            None => self.anonymous()?.role,
        };
        let Value::Object(mut claims) = claims else {
            return Err(AuthError::UnparsableClaims);
        };
        claims.insert("role".into(), Value::String(role.clone()));
        let identity = Identity {
            role,
            claims,
            authenticated: true,
        };
        if let Some(cache) = &self.cache {
            let entry = cache::Entry {
                identity: identity.clone(),
                expires,
                generation,
            };
            cache.insert(token, entry);
        }
        Ok(identity)
    }

    /// Tries the keys that fit the token's `alg` and `kid`, the configured ones first.
    fn check_signature(
        &self,
        token: &Token<'_>,
        remote: Option<&Snapshot>,
    ) -> Result<(), AuthError> {
        if self.keys.is_empty() && remote.is_none() {
            return Err(AuthError::NoSecret);
        }
        let remote_keys = remote.map(|snapshot| &snapshot.keys);
        let mut candidates = std::iter::once(&self.keys)
            .chain(remote_keys)
            .flat_map(|keys| keys.candidates(token))
            .peekable();
        let any = candidates.peek().is_some();
        if candidates.any(|key| key.verifies(token)) {
            return Ok(());
        }
        Err(if any {
            AuthError::BadSignature
        } else {
            AuthError::NoSuitableKey
        })
    }
}

/// The token of a `Bearer` authorization (scheme case-insensitive), `None` for other schemes.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ').unwrap_or((authorization, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use axum::http::StatusCode;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;
    use test_keys::{SECRET, TestKey, ec_p256, ec_p384, ed25519, rsa_a, rsa_b};

    fn config(secret: &[u8]) -> JwtConfig {
        JwtConfig {
            keys: KeySet::from_secret(secret).unwrap(),
            ..JwtConfig::default()
        }
    }

    fn hs256(claims: Value) -> String {
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn authenticator() -> Authenticator {
        Authenticator::new(&config(SECRET), Some("web_anon".into()))
    }

    /// An authenticator with the public JWKS of all test keys.
    fn jwks_authenticator() -> Authenticator {
        Authenticator::new(
            &config(test_keys::public_jwks().to_string().as_bytes()),
            Some("web_anon".into()),
        )
    }

    fn bearer(token: &str) -> String {
        format!("Bearer {token}")
    }

    fn now() -> i64 {
        unix_now()
    }

    #[test]
    fn no_token_is_the_anonymous_role() {
        let identity = authenticator().authenticate_now(None).unwrap();
        assert_eq!(identity.role, "web_anon");
        assert_eq!(Value::Object(identity.claims), json!({"role": "web_anon"}));
        assert!(!identity.authenticated);
        // Another scheme is no token either.
        let identity = authenticator().authenticate_now(Some("Basic abc")).unwrap();
        assert!(!identity.authenticated);
    }

    #[test]
    fn no_anonymous_role_rejects_requests_without_token() {
        let auth = Authenticator::new(&config(SECRET), None);
        assert_eq!(
            auth.authenticate_now(None),
            Err(AuthError::AnonymousDisabled)
        );
        let t = hs256(json!({"sub": "42"}));
        assert_eq!(
            auth.authenticate_now(Some(&bearer(&t))),
            Err(AuthError::AnonymousDisabled)
        );
    }

    #[test]
    fn valid_token_gives_its_role_and_claims() {
        let t = hs256(json!({"role": "mgr_alice", "sub": "42"}));
        let identity = authenticator()
            .authenticate_now(Some(&format!("bearer {t}")))
            .unwrap();
        assert_eq!(identity.role, "mgr_alice");
        assert_eq!(identity.claims["sub"], "42");
        assert!(identity.authenticated);
    }

    #[test]
    fn token_without_role_runs_as_anonymous_with_role_claim_added() {
        let t = hs256(json!({"sub": "42"}));
        let identity = authenticator().authenticate_now(Some(&bearer(&t))).unwrap();
        assert_eq!(identity.role, "web_anon");
        assert!(identity.authenticated);
        assert_eq!(
            Value::Object(identity.claims),
            json!({"sub": "42", "role": "web_anon"})
        );
    }

    #[test]
    fn every_hmac_size_and_asymmetric_algorithm_verifies() {
        let claims = json!({"role": "mgr_bob"});
        for alg in [
            jsonwebtoken::Algorithm::HS256,
            jsonwebtoken::Algorithm::HS384,
            jsonwebtoken::Algorithm::HS512,
        ] {
            let t = encode(
                &Header::new(alg),
                &claims,
                &EncodingKey::from_secret(SECRET),
            )
            .unwrap();
            assert_eq!(
                authenticator()
                    .authenticate_now(Some(&bearer(&t)))
                    .unwrap()
                    .role,
                "mgr_bob"
            );
        }
        let auth = jwks_authenticator();
        for key in [rsa_a(), rsa_b(), ec_p256(), ec_p384(), ed25519()] {
            let t = key.sign(&claims);
            assert_eq!(
                auth.authenticate_now(Some(&bearer(&t))).map(|i| i.role),
                Ok("mgr_bob".to_owned()),
                "{}",
                key.kid
            );
            // Without a kid every key that allows the algorithm is tried.
            let t = key.sign_with_kid(&claims, None);
            assert!(
                auth.authenticate_now(Some(&bearer(&t))).is_ok(),
                "{}",
                key.kid
            );
        }
    }

    #[test]
    fn rsa_pss_verifies_with_a_key_without_alg() {
        let key = rsa_a();
        let mut jwk = key.jwk();
        jwk.as_object_mut().unwrap().remove("alg");
        let auth = Authenticator::new(&config(jwk.to_string().as_bytes()), None);
        for alg in [
            jsonwebtoken::Algorithm::PS256,
            jsonwebtoken::Algorithm::PS384,
            jsonwebtoken::Algorithm::PS512,
            jsonwebtoken::Algorithm::RS384,
            jsonwebtoken::Algorithm::RS512,
        ] {
            let t = encode(&Header::new(alg), &json!({"role": "r"}), &key.encoding).unwrap();
            assert!(auth.authenticate_now(Some(&bearer(&t))).is_ok(), "{alg:?}");
        }
    }

    #[test]
    fn kid_selects_the_key_among_several() {
        let auth = jwks_authenticator();
        let claims = json!({"role": "r"});
        // Signed by rsa-a but naming rsa-b: only rsa-b is tried, and it does not verify.
        let t = rsa_a().sign_with_kid(&claims, Some("rsa-b"));
        assert_eq!(
            auth.authenticate_now(Some(&bearer(&t))),
            Err(AuthError::BadSignature)
        );
        // A kid no key has.
        let t = rsa_a().sign_with_kid(&claims, Some("rsa-z"));
        assert_eq!(
            auth.authenticate_now(Some(&bearer(&t))),
            Err(AuthError::NoSuitableKey)
        );
        // ES256 naming the ES384 key: that key does not allow ES256.
        let t = ec_p256().sign_with_kid(&claims, Some("ec-p384"));
        assert_eq!(
            auth.authenticate_now(Some(&bearer(&t))),
            Err(AuthError::NoSuitableKey)
        );
    }

    #[test]
    fn an_hmac_secret_verifies_tokens_with_any_kid() {
        let t = encode(
            &Header {
                kid: Some("whatever".into()),
                ..Header::default()
            },
            &json!({"role": "r"}),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(authenticator().authenticate_now(Some(&bearer(&t))).is_ok());
    }

    /// The classic confusion attack: HS256 with the RSA public key as the HMAC secret.
    #[test]
    fn hs256_signed_with_the_public_key_is_refused() {
        let key = rsa_a();
        let jwk = key.jwk();
        let public_pem = include_bytes!("../../tests/keys/rsa-a.pub.pem");
        let jwk_text = jwk.to_string();
        let n = jwk["n"].as_str().unwrap();
        let secrets: [&[u8]; 3] = [public_pem, jwk_text.as_bytes(), n.as_bytes()];
        let auth = Authenticator::new(&config(jwk_text.as_bytes()), None);
        let jwks_auth = jwks_authenticator();
        for secret in secrets {
            for kid in [None, Some("rsa-a")] {
                let header = Header {
                    kid: kid.map(str::to_owned),
                    ..Header::default()
                };
                let t = encode(
                    &header,
                    &json!({"role": "postgres"}),
                    &EncodingKey::from_secret(secret),
                )
                .unwrap();
                for auth in [&auth, &jwks_auth] {
                    assert_eq!(
                        auth.authenticate_now(Some(&bearer(&t))),
                        Err(AuthError::NoSuitableKey)
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_bad_tokens() {
        let auth = authenticator();
        let check = |header: String, expected: AuthError| {
            assert_eq!(
                auth.authenticate_now(Some(&header)),
                Err(expected),
                "{header}"
            );
        };
        check("Bearer ".into(), AuthError::EmptyToken);
        check("bearer".into(), AuthError::EmptyToken);
        check("Bearer abc.def".into(), AuthError::MalformedToken(2));
        check("Bearer garbage".into(), AuthError::MalformedToken(1));
        check("Bearer a.b.c".into(), AuthError::Undecodable);
        let forged = encode(
            &Header::default(),
            &json!({"role": "postgres"}),
            &EncodingKey::from_secret(b"another-secret-another-secret-another"),
        )
        .unwrap();
        check(bearer(&forged), AuthError::BadSignature);
        // An RS256 token where only an HMAC secret is configured.
        check(
            bearer(&rsa_a().sign(&json!({"role": "postgres"}))),
            AuthError::NoSuitableKey,
        );
        check(
            bearer(&hs256(json!({"exp": now() - 100}))),
            AuthError::Expired,
        );
        check(
            bearer(&hs256(json!({"nbf": now() + 100}))),
            AuthError::NotYetValid,
        );
        check(
            bearer(&hs256(json!({"iat": now() + 100}))),
            AuthError::IssuedInFuture,
        );
        check(
            bearer(&hs256(json!({"exp": "soon"}))),
            AuthError::ClaimNotNumber("exp"),
        );
        check(bearer(&hs256(json!([1, 2]))), AuthError::UnparsableClaims);
        // alg "none": header {"alg":"none"}, payload {"role":"postgres"}, no signature.
        check(
            "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoicG9zdGdyZXMifQ.".into(),
            AuthError::UnsupportedAlgorithm,
        );
    }

    #[test]
    fn a_tampered_payload_fails_the_signature() {
        let auth = jwks_authenticator();
        for key in [rsa_a(), ec_p256(), ed25519()] {
            let t = key.sign(&json!({"role": "mgr_bob"}));
            let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
            parts[1] = base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                r#"{"role":"postgres"}"#,
            );
            let tampered = parts.join(".");
            assert_eq!(
                auth.authenticate_now(Some(&bearer(&tampered))),
                Err(AuthError::BadSignature),
                "{}",
                key.kid
            );
        }
        let t = hs256(json!({"role": "mgr_bob"}));
        // One character of the signature changed.
        let at = t.rfind('.').unwrap() + 1;
        let other = if &t[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{other}{}", &t[..at], &t[at + 1..]);
        assert_eq!(
            authenticator().authenticate_now(Some(&bearer(&tampered))),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn no_keys_configured_is_a_server_error() {
        let auth = Authenticator::new(&JwtConfig::default(), Some("web_anon".into()));
        assert_eq!(
            auth.authenticate_now(Some(&bearer(&hs256(json!({}))))),
            Err(AuthError::NoSecret)
        );
        assert!(auth.authenticate_now(None).is_ok());
    }

    #[test]
    fn leeway_accepts_a_token_that_just_expired() {
        let t = hs256(json!({"role": "mgr_bob", "exp": now() - 10}));
        assert!(authenticator().authenticate_now(Some(&bearer(&t))).is_ok());
    }

    #[test]
    fn audience_is_checked_against_jwt_aud() {
        let auth = Authenticator::new(
            &JwtConfig {
                audience: Some("pgway".into()),
                ..config(SECRET)
            },
            Some("web_anon".into()),
        );
        let check = |claims: Value| auth.authenticate_now(Some(&bearer(&hs256(claims))));
        assert!(check(json!({"aud": "pgway"})).is_ok());
        assert!(check(json!({"aud": ["other", "pgway"]})).is_ok());
        assert!(check(json!({})).is_ok());
        assert_eq!(
            check(json!({"aud": "other"})),
            Err(AuthError::NotInAudience)
        );
        assert_eq!(check(json!({"aud": ""})), Err(AuthError::NotInAudience));
        assert_eq!(check(json!({"aud": 1})), Err(AuthError::AudienceNotStrings));
    }

    #[test]
    fn the_role_claim_key_finds_the_role() {
        let auth = Authenticator::new(
            &JwtConfig {
                role_claim_key: RoleClaimKey::parse("$.realm_access.roles[0]").unwrap(),
                ..config(SECRET)
            },
            Some("web_anon".into()),
        );
        let t = hs256(json!({"role": "ignored", "realm_access": {"roles": ["mgr_alice", "x"]}}));
        let identity = auth.authenticate_now(Some(&bearer(&t))).unwrap();
        assert_eq!(identity.role, "mgr_alice");
        // The claims carry the role found, as PostgREST.
        assert_eq!(identity.claims["role"], "mgr_alice");
        let t = hs256(json!({"role": "ignored"}));
        assert_eq!(
            auth.authenticate_now(Some(&bearer(&t))).unwrap().role,
            "web_anon"
        );
    }

    #[test]
    fn a_cached_token_skips_the_signature_but_not_the_clock() {
        let auth = authenticator();
        let t = hs256(json!({"role": "mgr_alice", "exp": now() + 60}));
        let first = auth.verify(&t, now()).unwrap();
        let cache = auth.cache.as_ref().unwrap();
        assert_eq!(cache.get(&t, now(), 0), Some(first.clone()));
        assert_eq!(auth.verify(&t, now()), Ok(first));
        // Past exp (and the leeway) the hit is refused and the token checked again: expired.
        assert_eq!(auth.verify(&t, now() + 60 + 31), Err(AuthError::Expired));
        // Only valid tokens are cached.
        let bad = hs256(json!({"exp": now() - 100}));
        assert!(auth.verify(&bad, now()).is_err());
        assert!(cache.get(&bad, now(), 0).is_none());
    }

    #[test]
    fn a_cache_hit_returns_the_cached_identity() {
        let auth = authenticator();
        let cache = auth.cache.as_ref().unwrap();
        let identity = Identity {
            role: "from_the_cache".into(),
            claims: Map::new(),
            authenticated: true,
        };
        let entry = cache::Entry {
            identity: identity.clone(),
            expires: None,
            generation: 0,
        };
        cache.insert("not.a.jwt", entry);
        assert_eq!(
            auth.authenticate_now(Some("Bearer not.a.jwt")),
            Ok(identity)
        );
        let off = Authenticator::new(
            &JwtConfig {
                cache_max_entries: 0,
                ..config(SECRET)
            },
            None,
        );
        assert!(off.cache.is_none());
    }

    fn jwks_config(url: &reqwest::Url, refresh: Duration) -> JwtConfig {
        JwtConfig {
            jwks_url: Some(url.clone()),
            jwks_refresh_interval: refresh,
            ..JwtConfig::default()
        }
    }

    fn jwks_of(keys: &[&TestKey]) -> Value {
        json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()})
    }

    #[tokio::test]
    async fn a_jwks_url_rotates_keys_without_restart() {
        use jwks_url::tests::JwksServer;
        let (a, b) = (rsa_a(), rsa_b());
        let server = JwksServer::start(&jwks_of(&[&a])).await;
        let auth = Authenticator::start(&jwks_config(&server.url, Duration::from_secs(3600)), None)
            .await
            .unwrap();
        let claims = json!({"role": "mgr_alice"});
        assert!(
            auth.authenticate_now(Some(&bearer(&a.sign(&claims))))
                .is_ok()
        );
        // The provider starts signing with a new key: the first token naming it has the keys
        // fetched again, and is accepted.
        server.set(StatusCode::OK, jwks_of(&[&a, &b]).to_string());
        let token_b = bearer(&b.sign(&claims));
        assert!(auth.authenticate(Some(&token_b)).await.is_ok());
        // Unknown kids do not make every request fetch: the next one within the period fails.
        let c = ec_p384();
        server.set(StatusCode::OK, jwks_of(&[&a, &b, &c]).to_string());
        assert_eq!(
            auth.authenticate(Some(&bearer(&c.sign(&claims)))).await,
            Err(AuthError::NoSuitableKey)
        );
        assert!(
            auth.authenticate_now(Some(&bearer(&a.sign(&claims))))
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_jwks_url_refreshes_on_its_interval_and_adds_to_jwt_secret() {
        use jwks_url::tests::{JwksServer, eventually};
        let (a, b) = (ec_p256(), ed25519());
        let server = JwksServer::start(&jwks_of(&[&a])).await;
        let auth = Authenticator::start(
            &JwtConfig {
                keys: KeySet::from_secret(SECRET).unwrap(),
                ..jwks_config(&server.url, Duration::from_millis(100))
            },
            None,
        )
        .await
        .unwrap();
        let claims = json!({"role": "r"});
        let token_a = bearer(&a.sign(&claims));
        assert!(
            auth.authenticate_now(Some(&bearer(&hs256(claims.clone()))))
                .is_ok()
        );
        assert!(auth.authenticate_now(Some(&token_a)).is_ok());
        // The provider withdraws key a for key b. No token asks: the interval alone brings the
        // new keys, and the cached token of the withdrawn key stops at once.
        server.set(StatusCode::OK, jwks_of(&[&b]).to_string());
        let token_b = bearer(&b.sign_with_kid(&claims, None));
        assert!(eventually(|| auth.authenticate_now(Some(&token_b)).is_ok()).await);
        assert_eq!(
            auth.authenticate_now(Some(&token_a)),
            Err(AuthError::NoSuitableKey)
        );
        // jwt-secret's keys stay.
        assert!(auth.authenticate_now(Some(&bearer(&hs256(claims)))).is_ok());
    }
}
