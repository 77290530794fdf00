//! The test-only keys of `tests/keys/`, their public JWKs, and tokens signed with them.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const SECRET: &[u8] = b"a-test-secret-that-is-at-least-32-chars";

/// A private test key with its `kid` (the file's name) and algorithm.
pub struct TestKey {
    pub kid: &'static str,
    pub alg: Algorithm,
    pub encoding: EncodingKey,
}

impl TestKey {
    /// The public JWK, with `kid` and `alg`.
    pub fn jwk(&self) -> Value {
        let mut jwk = Jwk::from_encoding_key(&self.encoding, self.alg).unwrap();
        jwk.common.key_id = Some(self.kid.to_owned());
        serde_json::to_value(jwk).unwrap()
    }

    /// A token for `claims` signed with this key, its header naming the key's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_kid(claims, Some(self.kid))
    }

    pub fn sign_with_kid(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(self.alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

pub fn rsa_a() -> TestKey {
    let pem = include_bytes!("../../tests/keys/rsa-a.pem");
    TestKey {
        kid: "rsa-a",
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_pem(pem).unwrap(),
    }
}

pub fn rsa_b() -> TestKey {
    let pem = include_bytes!("../../tests/keys/rsa-b.pem");
    TestKey {
        kid: "rsa-b",
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_pem(pem).unwrap(),
    }
}

pub fn ec_p256() -> TestKey {
    let pem = include_bytes!("../../tests/keys/ec-p256.pem");
    TestKey {
        kid: "ec-p256",
        alg: Algorithm::ES256,
        encoding: EncodingKey::from_ec_pem(pem).unwrap(),
    }
}

pub fn ec_p384() -> TestKey {
    let pem = include_bytes!("../../tests/keys/ec-p384.pem");
    TestKey {
        kid: "ec-p384",
        alg: Algorithm::ES384,
        encoding: EncodingKey::from_ec_pem(pem).unwrap(),
    }
}

pub fn ed25519() -> TestKey {
    let pem = include_bytes!("../../tests/keys/ed25519.pem");
    TestKey {
        kid: "ed25519",
        alg: Algorithm::EdDSA,
        encoding: EncodingKey::from_ed_pem(pem).unwrap(),
    }
}

/// A JWKS of the public halves of every test key pair.
pub fn public_jwks() -> Value {
    json!({"keys": [rsa_a().jwk(), rsa_b().jwk(), ec_p256().jwk(), ec_p384().jwk(), ed25519().jwk()]})
}
