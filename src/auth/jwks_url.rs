//! Keys from a JWKS URL (`jwt-jwks-url`): fetched at start, refreshed every
//! `jwt-jwks-refresh-interval` and soon after a token names a `kid` none of the keys has, so an
//! identity provider can rotate its keys without pgway restarting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use reqwest::Url;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::keys::KeySet;

/// A token with an unknown `kid` triggers at most one early refresh per this period, so random
/// `kid`s cannot make pgway hammer the identity provider.
const UNKNOWN_KID_REFRESH_PERIOD: Duration = Duration::from_secs(10);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// A JWKS is a few kilobytes; anything far larger is not one.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// The first fetch failed, so pgway does not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot load the keys of jwt-jwks-url {url}: {reason}")]
pub struct JwksError {
    url: Url,
    reason: String,
}

/// The keys last fetched.
#[derive(Debug)]
pub(super) struct Snapshot {
    /// Goes up by one whenever the served keys change.
    pub generation: u64,
    pub keys: KeySet,
    document: Value,
}

/// A JWKS URL and the keys it served last.
pub(super) struct RemoteKeys {
    url: Url,
    client: reqwest::Client,
    current: ArcSwap<Snapshot>,
    last_unknown_kid_refresh: Mutex<Option<Instant>>,
}

/// The background refresh; dropping it (with the authenticator) stops it.
pub(super) struct RefreshTask(JoinHandle<()>);

impl Drop for RefreshTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl RemoteKeys {
    /// Fetches the keys, then refreshes them every `interval` in a background task.
    pub async fn start(
        url: &Url,
        interval: Duration,
    ) -> Result<(Arc<RemoteKeys>, RefreshTask), JwksError> {
        let error = |reason: String| JwksError {
            url: url.clone(),
            reason,
        };
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            // An https URL is never followed to plain http by a redirect.
            .https_only(url.scheme() == "https")
            .build()
            .map_err(|e| error(chain(&e)))?;
        let (document, keys) = fetch(&client, url).await.map_err(error)?;
        let remote = Arc::new(RemoteKeys {
            url: url.clone(),
            client,
            current: ArcSwap::from_pointee(Snapshot {
                generation: 0,
                keys,
                document,
            }),
            last_unknown_kid_refresh: Mutex::new(None),
        });
        let task = RefreshTask(tokio::spawn(refresh_loop(remote.clone(), interval)));
        Ok((remote, task))
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// A token named a `kid` that no key has: fetch the keys now, unless that was done
    /// recently, so that a key the provider just rotated in is accepted on its first use.
    /// Whether the keys were fetched.
    pub async fn refresh_for_unknown_kid(&self) -> bool {
        {
            let mut last = self
                .last_unknown_kid_refresh
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.is_some_and(|at| at.elapsed() < UNKNOWN_KID_REFRESH_PERIOD) {
                return false;
            }
            *last = Some(Instant::now());
        }
        self.refresh().await;
        true
    }

    async fn refresh(&self) {
        match fetch(&self.client, &self.url).await {
            Ok((document, keys)) => {
                let current = self.current.load();
                if document != current.document {
                    let generation = current.generation + 1;
                    self.current.store(Arc::new(Snapshot {
                        generation,
                        keys,
                        document,
                    }));
                    tracing::info!(url = %self.url, generation, "jwt-jwks-url: new keys");
                }
            }
            Err(reason) => {
                tracing::warn!(url = %self.url, %reason, "jwt-jwks-url: refresh failed, keeping the previous keys");
            }
        }
    }
}

async fn refresh_loop(remote: Arc<RemoteKeys>, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        remote.refresh().await;
    }
}

/// GETs the JWKS: its JSON and the keys in it.
async fn fetch(client: &reqwest::Client, url: &Url) -> Result<(Value, KeySet), String> {
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| chain(&e))?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| chain(&e))? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(format!("the JWKS is larger than {MAX_JWKS_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let document: Value =
        serde_json::from_slice(&body).map_err(|e| format!("not a valid JWKS: {e}"))?;
    let keys = KeySet::from_document(&document)?.without_secrets()?;
    Ok((document, keys))
}

/// An error with its causes: reqwest's own message rarely says what went wrong.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::get;

    /// A JWKS served on a loopback port; `set` changes what it serves.
    pub struct JwksServer {
        pub url: Url,
        body: Arc<Mutex<(StatusCode, String)>>,
        task: JoinHandle<()>,
    }

    impl JwksServer {
        pub async fn start(jwks: &Value) -> JwksServer {
            let body = Arc::new(Mutex::new((StatusCode::OK, jwks.to_string())));
            let served = body.clone();
            let router = Router::new().route(
                "/jwks.json",
                get(move || {
                    let served = served.clone();
                    async move { served.lock().unwrap().clone() }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
            let task = tokio::spawn(async move {
                axum::serve(listener, router).await.unwrap();
            });
            JwksServer {
                url: url.parse().unwrap(),
                body,
                task,
            }
        }

        pub fn set(&self, status: StatusCode, body: String) {
            *self.body.lock().unwrap() = (status, body);
        }
    }

    impl Drop for JwksServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    /// Waits (at most 5 s) until `done` holds.
    pub async fn eventually(mut done: impl FnMut() -> bool) -> bool {
        for _ in 0..100 {
            if done() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    fn jwks(keys: &[Value]) -> Value {
        serde_json::json!({ "keys": keys })
    }

    #[tokio::test]
    async fn fetches_at_start_and_refreshes_on_the_interval() {
        use crate::auth::test_keys::{rsa_a, rsa_b};
        let server = JwksServer::start(&jwks(&[rsa_a().jwk()])).await;
        let (remote, _task) = RemoteKeys::start(&server.url, Duration::from_millis(100))
            .await
            .unwrap();
        let first = remote.snapshot();
        assert!(first.keys.has_kid("rsa-a"));
        assert_eq!(first.generation, 0);
        // A failing refresh keeps the keys.
        server.set(StatusCode::INTERNAL_SERVER_ERROR, "oops".into());
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(remote.snapshot().keys.has_kid("rsa-a"));
        assert_eq!(remote.snapshot().generation, 0);
        server.set(StatusCode::OK, jwks(&[rsa_b().jwk()]).to_string());
        assert!(eventually(|| remote.snapshot().keys.has_kid("rsa-b")).await);
        let second = remote.snapshot();
        assert!(!second.keys.has_kid("rsa-a"));
        assert_eq!(second.generation, 1);
    }

    #[tokio::test]
    async fn an_unknown_kid_refreshes_at_once_but_not_twice_in_a_row() {
        use crate::auth::test_keys::{rsa_a, rsa_b};
        let server = JwksServer::start(&jwks(&[rsa_a().jwk()])).await;
        let (remote, _task) = RemoteKeys::start(&server.url, Duration::from_secs(3600))
            .await
            .unwrap();
        server.set(
            StatusCode::OK,
            jwks(&[rsa_a().jwk(), rsa_b().jwk()]).to_string(),
        );
        assert!(remote.refresh_for_unknown_kid().await);
        assert!(remote.snapshot().keys.has_kid("rsa-b"));
        // A second unknown kid within the period does not fetch again.
        server.set(StatusCode::OK, jwks(&[rsa_a().jwk()]).to_string());
        assert!(!remote.refresh_for_unknown_kid().await);
        assert!(remote.snapshot().keys.has_kid("rsa-b"));
    }

    #[tokio::test]
    async fn a_failing_first_fetch_is_a_start_error() {
        let server = JwksServer::start(&serde_json::json!({"keys": []})).await;
        let error = RemoteKeys::start(&server.url, Duration::from_secs(60))
            .await
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            format!(
                "cannot load the keys of jwt-jwks-url {}: no key for verifying signatures (RS*, PS*, ES256, ES384, EdDSA or HS*)",
                server.url
            )
        );
        let secret = serde_json::json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]});
        server.set(StatusCode::OK, secret.to_string());
        let error = RemoteKeys::start(&server.url, Duration::from_secs(60))
            .await
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .ends_with(": it serves only secret (oct) keys, which a public JWKS must not hold"),
            "{error}"
        );
        server.set(StatusCode::NOT_FOUND, String::new());
        let error = RemoteKeys::start(&server.url, Duration::from_secs(60))
            .await
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .ends_with(": the server answered 404 Not Found"),
            "{error}"
        );
        let closed: Url = "http://127.0.0.1:9/jwks.json".parse().unwrap();
        let error = RemoteKeys::start(&closed, Duration::from_secs(60))
            .await
            .err()
            .unwrap();
        assert!(error.to_string().contains("Connection refused"), "{error}");
    }
}
