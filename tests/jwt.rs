//! JWT keys end to end: a JWKS, a JWK from a file, a JWKS URL that rotates, `jwt-aud` and
//! `jwt-role-claim-key`, each deciding which rows of the example's `accounts` a caller sees.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{TestApi, bearer};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// A test-only key of `tests/keys/`.
struct TestKey {
    kid: &'static str,
    alg: Algorithm,
    encoding: EncodingKey,
}

impl TestKey {
    fn rsa(kid: &'static str, pem: &[u8]) -> TestKey {
        TestKey {
            kid,
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(pem).unwrap(),
        }
    }

    fn es256() -> TestKey {
        TestKey {
            kid: "ec-p256",
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_pem(include_bytes!("keys/ec-p256.pem")).unwrap(),
        }
    }

    /// The public JWK, with `kid` and `alg`.
    fn jwk(&self) -> Value {
        let mut jwk = Jwk::from_encoding_key(&self.encoding, self.alg).unwrap();
        jwk.common.key_id = Some(self.kid.to_owned());
        serde_json::to_value(jwk).unwrap()
    }

    fn bearer(&self, claims: Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.to_owned());
        format!(
            "Bearer {}",
            jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap()
        )
    }
}

fn rsa_a() -> TestKey {
    TestKey::rsa("rsa-a", include_bytes!("keys/rsa-a.pem"))
}

fn rsa_b() -> TestKey {
    TestKey::rsa("rsa-b", include_bytes!("keys/rsa-b.pem"))
}

fn jwks(keys: &[&TestKey]) -> String {
    json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()}).to_string()
}

async fn companies(api: &TestApi, authorization: &str) -> (StatusCode, Value) {
    let response = api
        .request(
            Method::GET,
            "/accounts?select=company&order=company",
            &[("authorization", authorization)],
            "",
        )
        .await;
    (response.status, response.json())
}

fn alices_rows() -> (StatusCode, Value) {
    (
        StatusCode::OK,
        json!([{"company": "Acme"}, {"company": "Initech"}]),
    )
}

#[tokio::test]
async fn an_rs256_jwks_picks_the_key_by_kid() {
    let (a, b) = (rsa_a(), rsa_b());
    let api = TestApi::with_settings(&[("jwt-secret", &jwks(&[&a, &b]))]).await;
    let alice = json!({"role": "mgr_alice"});
    assert_eq!(
        companies(&api, &a.bearer(alice.clone())).await,
        alices_rows()
    );
    assert_eq!(
        companies(&api, &b.bearer(alice.clone())).await,
        alices_rows()
    );
    // The same token again comes from the cache, with the same answer.
    assert_eq!(
        companies(&api, &b.bearer(alice.clone())).await,
        alices_rows()
    );
    // The HMAC secret of the other tests is not a key here.
    let response = api
        .request(
            Method::GET,
            "/accounts",
            &[("authorization", &bearer(alice))],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.json(),
        json!({
            "code": "PGRST301",
            "details": "No suitable key was found to decode the JWT",
            "hint": null,
            "message": "No suitable key or wrong key type"
        })
    );
    assert_eq!(
        response.header("www-authenticate"),
        Some(
            r#"Bearer error="invalid_token", error_description="No suitable key or wrong key type""#
        )
    );
}

#[tokio::test]
async fn an_es256_jwk_from_a_file() {
    let key = TestKey::es256();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("es256.jwk.json");
    std::fs::write(&path, key.jwk().to_string() + "\n").unwrap();
    let api = TestApi::with_settings(&[("jwt-secret", &format!("@{}", path.display()))]).await;
    assert_eq!(
        companies(&api, &key.bearer(json!({"role": "mgr_alice"}))).await,
        alices_rows()
    );
    let (status, body) = companies(&api, &rsa_a().bearer(json!({"role": "mgr_alice"}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "No suitable key or wrong key type");
}

#[tokio::test]
async fn jwt_aud_must_be_named_by_the_token() {
    let api = TestApi::with_settings(&[("jwt-aud", "pgway")]).await;
    for aud in [json!("pgway"), json!(["other", "pgway"]), json!([])] {
        assert_eq!(
            companies(&api, &bearer(json!({"role": "mgr_alice", "aud": aud}))).await,
            alices_rows()
        );
    }
    for (aud, message) in [
        (json!("other"), "JWT not in audience"),
        (json!(""), "JWT not in audience"),
        (json!(["other"]), "JWT not in audience"),
        (
            json!(42),
            "The JWT 'aud' claim must be a string or an array of strings",
        ),
    ] {
        let (status, body) =
            companies(&api, &bearer(json!({"role": "mgr_alice", "aud": aud}))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body,
            json!({"code": "PGRST303", "details": null, "hint": null, "message": message})
        );
    }
}

#[tokio::test]
async fn jwt_role_claim_key_finds_a_nested_role() {
    let api = TestApi::with_settings(&[("jwt-role-claim-key", "$.realm_access.roles[0]")]).await;
    let keycloak = json!({"realm_access": {"roles": ["mgr_alice", "offline_access"]}});
    assert_eq!(companies(&api, &bearer(keycloak)).await, alices_rows());
    // A top-level role is not where the key points: the token runs as the anonymous role,
    // signed in, so the missing privilege is a 403.
    let (status, _) = companies(&api, &bearer(json!({"role": "mgr_alice"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A JWKS served on a loopback port; `set` changes it.
struct JwksServer {
    url: String,
    body: Arc<Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    async fn start(jwks: String) -> JwksServer {
        let body = Arc::new(Mutex::new(jwks));
        let served = body.clone();
        let router = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                let served = served.clone();
                async move { served.lock().unwrap().clone() }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        JwksServer { url, body, task }
    }

    fn set(&self, jwks: String) {
        *self.body.lock().unwrap() = jwks;
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn a_jwks_url_rotates_without_restart() {
    let (a, b) = (rsa_a(), rsa_b());
    let server = JwksServer::start(jwks(&[&a])).await;
    let api = TestApi::with_settings(&[("jwt-jwks-url", &server.url)]).await;
    let alice = json!({"role": "mgr_alice"});
    assert_eq!(
        companies(&api, &a.bearer(alice.clone())).await,
        alices_rows()
    );
    // jwt-secret still verifies its own tokens.
    assert_eq!(companies(&api, &bearer(alice.clone())).await, alices_rows());
    // The provider adds key b and signs with it: the unknown kid makes pgway fetch the JWKS again.
    server.set(jwks(&[&a, &b]));
    let token = b.bearer(alice);
    let mut accepted = false;
    for _ in 0..100 {
        if companies(&api, &token).await == alices_rows() {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(accepted, "a token of the new key was never accepted");
}

#[tokio::test]
async fn an_unreachable_jwks_url_stops_start_up() {
    let server = JwksServer::start("{\"keys\": []}".to_owned()).await;
    let error = TestApi::start_error(&[("jwt-jwks-url", &server.url)]).await;
    assert_eq!(
        error,
        format!(
            "cannot load the keys of jwt-jwks-url {}: no key for verifying signatures (RS*, PS*, ES256, ES384, EdDSA or HS*)",
            server.url
        )
    );
}
