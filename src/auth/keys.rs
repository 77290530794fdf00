//! The keys that verify tokens, and for each the algorithms it may verify.
//!
//! `jwt-secret` is a JWKS, a JWK, or else an HMAC secret, as PostgREST reads it. The algorithms a
//! key accepts come from the key alone (an HMAC secret: HS*; a JWK: its `alg`, else what its `kty`
//! and `crv` allow), never from the token, so a token cannot pick how it is checked: an RSA public
//! key is never used as an HMAC secret.

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::token::Token;

/// PostgREST refuses shorter HMAC secrets, and so do we.
const MIN_SECRET_LENGTH: usize = 32;

const HMAC: &[Algorithm] = &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
const RSA: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// One verification key.
#[derive(Debug, Clone)]
pub(super) struct Key {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
}

impl Key {
    fn hmac(secret: &[u8]) -> Key {
        Key {
            kid: None,
            algorithms: HMAC.to_vec(),
            key: DecodingKey::from_secret(secret),
        }
    }

    /// Whether this key signed `token`. The token's `alg` must be one this key allows.
    pub fn verifies(&self, token: &Token<'_>) -> bool {
        self.algorithms.contains(&token.alg)
            && jsonwebtoken::crypto::verify(
                token.signature,
                token.signing_input.as_bytes(),
                &self.key,
                token.alg,
            )
            .unwrap_or(false)
    }
}

/// Why a JWK is left out of a set instead of failing it.
enum Unusable {
    /// Not a signature key pgway can use (`use: enc`, an unsupported curve or algorithm): skipped.
    NotForUs,
    /// Broken: a config error.
    Invalid(String),
}

/// The keys of `jwt-secret` or of a JWKS URL.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<Key>,
}

impl KeySet {
    /// `jwt-secret`'s (already base64-decoded) value: a JWKS or a JWK when it is a JSON object,
    /// else an HMAC secret of at least 32 bytes. A PEM key is refused: used as an HMAC secret,
    /// a public key would let anyone sign tokens.
    pub fn from_secret(secret: &[u8]) -> Result<KeySet, String> {
        if secret.trim_ascii_start().starts_with(b"{") {
            let document: Value = serde_json::from_slice(secret)
                .map_err(|e| format!("not a valid JWK or JWKS: {e}"))?;
            return KeySet::from_document(&document);
        }
        if secret.trim_ascii_start().starts_with(b"-----BEGIN") {
            return Err(
                "a PEM key cannot be used; give the public key as a JWK or JWKS (JSON)".into(),
            );
        }
        if secret.len() < MIN_SECRET_LENGTH {
            return Err(format!(
                "must be at least {MIN_SECRET_LENGTH} characters long"
            ));
        }
        Ok(KeySet {
            keys: vec![Key::hmac(secret)],
        })
    }

    /// A JWKS (`{"keys": [...]}`) or a single JWK. Keys that are not for verifying signatures
    /// with a supported algorithm are skipped; a broken key, or no usable key, is an error.
    pub fn from_document(document: &Value) -> Result<KeySet, String> {
        let jwks: Vec<Jwk> = if document.get("keys").is_some() {
            serde_json::from_value::<JwkSet>(document.clone())
                .map_err(|e| format!("not a valid JWKS: {e}"))?
                .keys
        } else {
            vec![
                serde_json::from_value(document.clone())
                    .map_err(|e| format!("not a valid JWK: {e}"))?,
            ]
        };
        let mut keys = Vec::with_capacity(jwks.len());
        for (i, jwk) in jwks.iter().enumerate() {
            match key_from_jwk(jwk) {
                Ok(key) => keys.push(key),
                Err(Unusable::NotForUs) => {}
                Err(Unusable::Invalid(reason)) => {
                    let name = jwk
                        .common
                        .key_id
                        .as_ref()
                        .map_or_else(|| format!("key #{}", i + 1), |kid| format!("key '{kid}'"));
                    return Err(format!("{name}: {reason}"));
                }
            }
        }
        if keys.is_empty() {
            return Err(
                "no key for verifying signatures (RS*, PS*, ES256, ES384, EdDSA or HS*)".into(),
            );
        }
        Ok(KeySet { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Leaves out the HMAC (`oct`) keys. A JWKS URL is public, so a secret it serves is no
    /// secret: anyone could sign tokens with it.
    pub(super) fn without_secrets(mut self) -> Result<KeySet, String> {
        self.keys
            .retain(|key| !key.algorithms.iter().any(|alg| HMAC.contains(alg)));
        if self.keys.is_empty() {
            return Err(
                "it serves only secret (oct) keys, which a public JWKS must not hold".into(),
            );
        }
        Ok(self)
    }

    /// The keys that may have signed `token`: those allowing its `alg` and, when the token has a
    /// `kid`, with that `kid` or none.
    pub(super) fn candidates<'a>(&'a self, token: &'a Token<'_>) -> impl Iterator<Item = &'a Key> {
        self.keys.iter().filter(move |key| {
            key.algorithms.contains(&token.alg)
                && match (&token.kid, &key.kid) {
                    (Some(wanted), Some(kid)) => wanted == kid,
                    _ => true,
                }
        })
    }

    /// Whether a key has this `kid`.
    pub(super) fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.kid.as_deref() == Some(kid))
    }
}

fn key_from_jwk(jwk: &Jwk) -> Result<Key, Unusable> {
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return Err(Unusable::NotForUs);
    }
    if matches!(jwk.common.key_operations, Some(ref ops) if !ops.contains(&KeyOperations::Verify)) {
        return Err(Unusable::NotForUs);
    }
    let allowed: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => RSA,
        AlgorithmParameters::OctetKey(_) => HMAC,
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => return Err(Unusable::NotForUs),
        },
        AlgorithmParameters::OctetKeyPair(params) => match params.curve {
            EllipticCurve::Ed25519 => &[Algorithm::EdDSA],
            _ => return Err(Unusable::NotForUs),
        },
        _ => return Err(Unusable::NotForUs),
    };
    let algorithms = match jwk.common.key_algorithm {
        None => allowed.to_vec(),
        Some(alg) => {
            let alg = Algorithm::try_from(alg).map_err(|_| Unusable::NotForUs)?;
            if !allowed.contains(&alg) {
                return Err(Unusable::Invalid(format!(
                    "alg {alg:?} does not fit the key type"
                )));
            }
            vec![alg]
        }
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|e| Unusable::Invalid(e.to_string()))?;
    // Building a verifier checks the key material (RSA modulus, point on the curve) now rather
    // than on the first request; the empty signature itself just does not verify.
    jsonwebtoken::crypto::verify("", b"", &key, algorithms[0])
        .map_err(|e| Unusable::Invalid(format!("unusable key: {e}")))?;
    Ok(Key {
        kid: jwk.common.key_id.clone(),
        algorithms,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_keys;
    use serde_json::json;

    fn token(raw: &str) -> Token<'_> {
        Token::parse(raw).unwrap()
    }

    #[test]
    fn a_plain_secret_is_an_hmac_key() {
        let set = KeySet::from_secret(b"a-test-secret-that-is-at-least-32-chars").unwrap();
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].algorithms, HMAC);
        assert_eq!(
            KeySet::from_secret(b"short").unwrap_err(),
            "must be at least 32 characters long"
        );
    }

    #[test]
    fn a_pem_key_is_refused() {
        let pem = include_bytes!("../../tests/keys/rsa-a.pub.pem");
        assert_eq!(
            KeySet::from_secret(pem).unwrap_err(),
            "a PEM key cannot be used; give the public key as a JWK or JWKS (JSON)"
        );
    }

    #[test]
    fn algorithms_come_from_the_key() {
        let keys = test_keys::public_jwks();
        let set = KeySet::from_document(&keys).unwrap();
        let algorithms: Vec<_> = set
            .keys
            .iter()
            .map(|k| (k.kid.clone().unwrap(), k.algorithms.clone()))
            .collect();
        assert_eq!(
            algorithms,
            [
                ("rsa-a".to_owned(), vec![Algorithm::RS256]),
                ("rsa-b".to_owned(), vec![Algorithm::RS256]),
                ("ec-p256".to_owned(), vec![Algorithm::ES256]),
                ("ec-p384".to_owned(), vec![Algorithm::ES384]),
                ("ed25519".to_owned(), vec![Algorithm::EdDSA]),
            ]
        );
        // Without `alg`, the key type decides.
        let mut rsa = keys["keys"][0].clone();
        rsa.as_object_mut().unwrap().remove("alg");
        assert_eq!(KeySet::from_document(&rsa).unwrap().keys[0].algorithms, RSA);
        let oct = json!({"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"});
        assert_eq!(
            KeySet::from_document(&oct).unwrap().keys[0].algorithms,
            HMAC
        );
    }

    #[test]
    fn keys_not_for_signatures_are_skipped_and_broken_ones_refused() {
        let keys = test_keys::public_jwks();
        let rsa = keys["keys"][0].clone();
        let with = |extra: Value| {
            let mut key = rsa.clone();
            key.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            key
        };
        let skipped = [
            with(json!({"use": "enc", "kid": "enc"})),
            with(json!({"alg": "RSA-OAEP", "kid": "oaep"})),
            with(json!({"key_ops": ["encrypt"], "kid": "ops"})),
            json!({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA", "kid": "p521"}),
            json!({"kty": "OKP", "crv": "X25519", "x": "AA", "kid": "x25519"}),
            json!({"kty": "XYZ", "kid": "unknown"}),
        ];
        let all = [skipped.to_vec(), vec![rsa.clone()]].concat();
        let set = KeySet::from_document(&json!({ "keys": all })).unwrap();
        assert_eq!(set.keys.len(), 1);
        assert_eq!(
            KeySet::from_document(&json!({"keys": skipped})).unwrap_err(),
            "no key for verifying signatures (RS*, PS*, ES256, ES384, EdDSA or HS*)"
        );
        assert_eq!(
            KeySet::from_document(&with(json!({"alg": "ES256"}))).unwrap_err(),
            "key 'rsa-a': alg ES256 does not fit the key type"
        );
        let broken_point = json!({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"});
        assert!(
            KeySet::from_document(&broken_point)
                .unwrap_err()
                .starts_with("key #1: unusable key")
        );
        assert!(
            KeySet::from_secret(br#"{"keys": 5}"#)
                .unwrap_err()
                .starts_with("not a valid JWKS")
        );
        assert!(
            KeySet::from_secret(b"{not json")
                .unwrap_err()
                .starts_with("not a valid JWK or JWKS")
        );
    }

    #[test]
    fn candidates_follow_kid_and_algorithm() {
        let mut set = KeySet::from_document(&test_keys::public_jwks()).unwrap();
        set.keys
            .push(Key::hmac(b"a-test-secret-that-is-at-least-32-chars"));
        let raw = |header: &str| {
            use base64::Engine;
            let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
            format!("{}.{}.c2ln", b64(header), b64("{}"))
        };
        let kids = |raw: &str| -> Vec<Option<String>> {
            set.candidates(&token(raw)).map(|k| k.kid.clone()).collect()
        };
        let rs256_b = raw(r#"{"alg":"RS256","kid":"rsa-b"}"#);
        assert_eq!(kids(&rs256_b), [Some("rsa-b".to_owned())]);
        let rs256 = raw(r#"{"alg":"RS256"}"#);
        assert_eq!(
            kids(&rs256),
            [Some("rsa-a".to_owned()), Some("rsa-b".to_owned())]
        );
        // An HS256 token names the RSA key: only the (kid-less) HMAC secret may check it.
        let confused = raw(r#"{"alg":"HS256","kid":"rsa-a"}"#);
        assert_eq!(kids(&confused), [None]);
        let unknown = raw(r#"{"alg":"ES256","kid":"nope"}"#);
        assert!(kids(&unknown).is_empty());
        assert!(set.has_kid("ec-p256"));
        assert!(!set.has_kid("nope"));
    }
}
