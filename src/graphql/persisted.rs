//! Automatic persisted queries, as Apollo's clients send them: a request may carry
//! `extensions.persistedQuery = {version: 1, sha256Hash}` instead of its query text. An unknown
//! hash is the error `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`), upon which the
//! client sends the text with the hash once; the text is kept, under its hash, in a bounded cache
//! (of `graphql-persisted-queries` queries; moka's, which evicts the least used), so later
//! requests, GET ones included, need the hash only.
//!
//! async-graphql's `ApolloPersistedQueries` extension cannot be used: it finds the document
//! while the schema executes, but `graphql::execute` must know before that whether the operation
//! writes (to begin a read-only transaction or not) and how many statements it runs.

use std::sync::Arc;

use async_graphql::{Request, Value};
use sha2::{Digest, Sha256};

/// The extension's key in a request's `extensions`.
const EXTENSION: &str = "persistedQuery";

/// The query texts of the hashes clients sent them with; empty and unused when disabled.
#[derive(Clone)]
pub struct PersistedQueries {
    cache: Option<moka::sync::Cache<String, Arc<str>>>,
}

/// Why a request's persisted query cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistedQueryError {
    pub message: &'static str,
    /// Apollo's code, which its clients act on.
    pub code: &'static str,
}

impl PersistedQueries {
    /// A cache of at most `capacity` queries; `0` turns persisted queries off.
    pub fn new(capacity: u64) -> PersistedQueries {
        PersistedQueries {
            cache: (capacity > 0).then(|| moka::sync::Cache::new(capacity)),
        }
    }

    /// Gives `request` the text of its persisted query, or keeps its text under its hash. A
    /// request without the extension is left as it is, and so is one with its text when
    /// persisted queries are off.
    pub fn resolve(&self, request: &mut Request) -> Result<(), PersistedQueryError> {
        let Some(extension) = request.extensions.get(EXTENSION) else {
            return Ok(());
        };
        let hash = hash_of(extension)?;
        let Some(cache) = &self.cache else {
            return match request.query.is_empty() {
                true => Err(error(
                    "PersistedQueryNotSupported",
                    "PERSISTED_QUERY_NOT_SUPPORTED",
                )),
                false => Ok(()),
            };
        };
        if request.query.is_empty() {
            let query = cache
                .get(hash)
                .ok_or_else(|| error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"))?;
            request.query = query.to_string();
            return Ok(());
        }
        let actual = Sha256::digest(request.query.as_bytes());
        if format!("{actual:x}") != hash.to_ascii_lowercase() {
            return Err(error("provided sha does not match query", "BAD_REQUEST"));
        }
        cache.insert(format!("{actual:x}"), Arc::from(request.query.as_str()));
        Ok(())
    }
}

/// The `sha256Hash` of a `persistedQuery` extension of version 1.
fn hash_of(extension: &Value) -> Result<&str, PersistedQueryError> {
    let Value::Object(fields) = extension else {
        return Err(invalid());
    };
    match fields.get("version") {
        Some(Value::Number(n)) if n.as_i64() == Some(1) => {}
        Some(Value::Number(_)) => {
            return Err(error(
                "Unsupported persisted query version",
                "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
            ));
        }
        _ => return Err(invalid()),
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash)) => Ok(hash),
        _ => Err(invalid()),
    }
}

fn invalid() -> PersistedQueryError {
    error(
        "persistedQuery must be an object with version 1 and a sha256Hash string",
        "BAD_REQUEST",
    )
}

fn error(message: &'static str, code: &'static str) -> PersistedQueryError {
    PersistedQueryError { message, code }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "{ __typename }";
    const HASH: &str = "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b";

    fn request(query: &str, hash: &str) -> Request {
        let body = serde_json::json!({
            "query": query,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}
        });
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_hash_is_known_once_sent_with_its_query() {
        let queries = PersistedQueries::new(10);
        let not_found = error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND");
        assert_eq!(queries.resolve(&mut request("", HASH)), Err(not_found));
        assert_eq!(queries.resolve(&mut request(QUERY, HASH)), Ok(()));
        let mut by_hash = request("", HASH);
        assert_eq!(queries.resolve(&mut by_hash), Ok(()));
        assert_eq!(by_hash.query, QUERY);
        assert_eq!(
            queries
                .resolve(&mut request("{ x }", HASH))
                .unwrap_err()
                .message,
            "provided sha does not match query"
        );
    }

    #[test]
    fn off_runs_texts_and_refuses_hashes() {
        let queries = PersistedQueries::new(0);
        assert_eq!(queries.resolve(&mut request(QUERY, HASH)), Ok(()));
        assert_eq!(
            queries.resolve(&mut request("", HASH)).unwrap_err().code,
            "PERSISTED_QUERY_NOT_SUPPORTED"
        );
    }
}
