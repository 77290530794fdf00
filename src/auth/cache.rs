//! Verified tokens, so a token seen again costs a hash lookup instead of a signature check.
//!
//! An entry never outlives its token: it is dropped once `exp` (plus the leeway) has passed,
//! and a hit re-checks `exp` against the clock anyway. Entries also remember which JWKS they
//! were verified with, so a rotation that removes a key stops its tokens at once.
//!
//! Hits and misses are counted (two relaxed atomics) for the metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;

use super::Identity;
use super::claims::LEEWAY_SECONDS;

/// A bounded cache of verified tokens (`jwt-cache-max-entries`).
pub(super) struct TokenCache {
    entries: Cache<String, Arc<Entry>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often a token was found in the cache, and how often it had to be verified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}

#[derive(Debug)]
pub(super) struct Entry {
    pub identity: Identity,
    /// The token's `exp`, Unix seconds.
    pub expires: Option<i64>,
    /// The generation of the JWKS URL's keys the token was verified with.
    pub generation: u64,
}

impl Entry {
    fn fresh(&self, now: i64, generation: u64) -> bool {
        self.generation == generation && self.expires.is_none_or(|exp| now - LEEWAY_SECONDS <= exp)
    }
}

/// Drops an entry when its token expires.
struct UntilExpiry;

impl Expiry<String, Arc<Entry>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _token: &String,
        entry: &Arc<Entry>,
        _created_at: Instant,
    ) -> Option<Duration> {
        let exp = entry.expires?;
        let left = exp.saturating_add(LEEWAY_SECONDS) - super::unix_now();
        Some(Duration::from_secs(u64::try_from(left).unwrap_or(0)))
    }
}

impl TokenCache {
    /// A cache of at most `max_entries` tokens; `None` for 0 (caching disabled).
    pub fn new(max_entries: u64) -> Option<TokenCache> {
        (max_entries > 0).then(|| TokenCache {
            entries: Cache::builder()
                .max_capacity(max_entries)
                .expire_after(UntilExpiry)
                .build(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    /// The identity of a token verified before, if it is still valid at `now` with the keys of
    /// `generation`.
    pub fn get(&self, token: &str, now: i64, generation: u64) -> Option<Identity> {
        let identity = self.lookup(token, now, generation);
        let counter = if identity.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        identity
    }

    fn lookup(&self, token: &str, now: i64, generation: u64) -> Option<Identity> {
        let entry = self.entries.get(token)?;
        if entry.fresh(now, generation) {
            Some(entry.identity.clone())
        } else {
            self.entries.invalidate(token);
            None
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    pub fn insert(&self, token: &str, entry: Entry) {
        self.entries.insert(token.to_owned(), Arc::new(entry));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn entry(expires: Option<i64>, generation: u64) -> Entry {
        Entry {
            identity: Identity {
                role: "mgr_alice".into(),
                claims: Map::new(),
                authenticated: true,
            },
            expires,
            generation,
        }
    }

    #[test]
    fn a_hit_needs_an_unexpired_token_and_the_same_keys() {
        let cache = TokenCache::new(10).unwrap();
        let now = super::super::unix_now();
        cache.insert("a", entry(Some(now + 60), 0));
        cache.insert("b", entry(None, 0));
        assert_eq!(cache.get("a", now, 0).unwrap().role, "mgr_alice");
        assert_eq!(
            cache.get("a", now + 60 + LEEWAY_SECONDS, 0).unwrap().role,
            "mgr_alice"
        );
        // Past exp and the leeway the entry is gone, even if asked with the earlier time again.
        assert!(cache.get("a", now + 61 + LEEWAY_SECONDS, 0).is_none());
        assert!(cache.get("a", now, 0).is_none());
        // Other keys (a JWKS rotation): a miss.
        assert!(cache.get("b", now, 1).is_none());
        assert!(cache.get("c", now, 0).is_none());
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (2, 4));
    }

    #[test]
    fn entries_of_expired_tokens_are_dropped() {
        let cache = TokenCache::new(10).unwrap();
        let now = super::super::unix_now();
        cache.insert("old", entry(Some(now - 2 * LEEWAY_SECONDS), 0));
        cache.entries.run_pending_tasks();
        assert!(cache.entries.get("old").is_none());
    }

    #[test]
    fn the_cache_is_bounded_and_zero_disables_it() {
        assert!(TokenCache::new(0).is_none());
        let cache = TokenCache::new(3).unwrap();
        for i in 0..50 {
            cache.insert(&i.to_string(), entry(None, 0));
        }
        cache.entries.run_pending_tasks();
        assert!(cache.entries.entry_count() <= 3);
    }
}
