//! The connection pool, and whether the database can be reached.
//!
//! sqlx retries a refused connection until the acquisition timeout, which would turn an outage
//! into a wait and then a 504. So reachability is tracked apart, by whoever watches the database
//! (the reload listener, see `crate::reload`): while it says unreachable, a request fails at
//! once with 503 PGRST000, and a request already waiting for a connection gives up too.
//!
//! Connections opened before an *epoch* (a schema reload, or the database coming back) are
//! closed instead of reused: their statement caches may hold plans whose result type changed
//! (`cached plan must not change result type`), and after a restart they are dead anyway.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions as _, PgConnection, PgPool, Postgres, Transaction};
use tokio::sync::Notify;

use super::DbError;

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub size: u32,
    pub acquisition_timeout: Duration,
}

/// When pooled connections are closed: PostgREST's `db-pool-max-idletime` and
/// `db-pool-max-lifetime`.
#[derive(Debug, Clone)]
pub struct Recycling {
    pub max_idletime: Duration,
    pub max_lifetime: Duration,
}

impl Default for Recycling {
    /// PostgREST's defaults: 30 seconds idle, 30 minutes in all.
    fn default() -> Recycling {
        Recycling {
            max_idletime: Duration::from_secs(30),
            max_lifetime: Duration::from_secs(30 * 60),
        }
    }
}

/// What the pool holds right now, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub max: u32,
    pub open: u32,
    pub idle: u32,
    /// Requests waiting for a connection (or for it to be opened).
    pub waiting: u32,
}

#[derive(Debug)]
pub(super) struct Pool {
    pool: PgPool,
    max: u32,
    acquisition_timeout: Duration,
    reachable: AtomicBool,
    /// Woken whenever `reachable` changes.
    changed: Notify,
    waiting: AtomicUsize,
    epoch: Arc<Epoch>,
}

impl Pool {
    /// A pool that connects lazily, so that pgway starts while the database is still coming up.
    pub(super) fn new(
        options: PgConnectOptions,
        settings: &PoolSettings,
        recycling: &Recycling,
    ) -> Pool {
        let epoch = Arc::new(Epoch::new());
        let current = epoch.clone();
        let pool = PgPoolOptions::new()
            .max_connections(settings.size)
            .acquire_timeout(settings.acquisition_timeout)
            .idle_timeout(recycling.max_idletime)
            .max_lifetime(recycling.max_lifetime)
            // A ping per checkout costs a round trip on every request; broken connections
            // surface as errors and are replaced anyway.
            .test_before_acquire(false)
            .before_acquire(move |_, meta| {
                let fresh = current.admits(meta.age);
                Box::pin(async move { Ok(fresh) })
            })
            .connect_lazy_with(options);
        Pool {
            pool,
            max: settings.size,
            acquisition_timeout: settings.acquisition_timeout,
            reachable: AtomicBool::new(true),
            changed: Notify::new(),
            waiting: AtomicUsize::new(0),
            epoch,
        }
    }

    /// A connection in a transaction opened with `begin` (`BEGIN READ ONLY`, …).
    pub(super) async fn begin(
        &self,
        begin: &'static str,
    ) -> Result<Transaction<'static, Postgres>, DbError> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let begun = tokio::select! {
            biased;
            () = self.unreachable() => Err(DbError::Unreachable("the database is not reachable".into())),
            begun = self.pool.begin_with(begin) => begun.map_err(DbError::at_connect),
        };
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        begun
    }

    /// Completes once the database is marked unreachable (at once if it is).
    async fn unreachable(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if !self.reachable.load(Ordering::Acquire) {
                return;
            }
            changed.await;
        }
    }

    pub(super) fn set_reachable(&self, reachable: bool) {
        if self.reachable.swap(reachable, Ordering::AcqRel) != reachable {
            self.changed.notify_waiters();
        }
    }

    pub(super) fn is_reachable(&self) -> bool {
        self.reachable.load(Ordering::Acquire)
    }

    /// Closes every connection opened before now as soon as it is idle.
    pub(super) fn recycle(&self) {
        self.epoch.advance();
    }

    pub(super) fn stats(&self) -> PoolStats {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        PoolStats {
            max: self.max,
            open: self.pool.size(),
            idle: count(self.pool.num_idle()),
            waiting: count(self.waiting.load(Ordering::Relaxed)),
        }
    }

    pub(super) fn connect_options(&self) -> Arc<PgConnectOptions> {
        self.pool.connect_options()
    }

    pub(super) fn acquisition_timeout(&self) -> Duration {
        self.acquisition_timeout
    }

    /// A connection outside the pool, given up after the acquisition timeout.
    pub(super) async fn connect_standalone(&self) -> Result<PgConnection, sqlx::Error> {
        let options = self.pool.connect_options();
        tokio::time::timeout(self.acquisition_timeout, options.connect())
            .await
            .unwrap_or_else(|_| {
                Err(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "connecting to the database timed out",
                )))
            })
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }
}

/// The moment before which pooled connections are stale, as nanoseconds since `base`.
#[derive(Debug)]
struct Epoch {
    base: Instant,
    since: AtomicU64,
}

impl Epoch {
    fn new() -> Epoch {
        Epoch {
            base: Instant::now(),
            since: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn advance(&self) {
        self.since.store(self.now(), Ordering::Release);
    }

    /// Whether a connection of this age was opened in the current epoch.
    fn admits(&self, age: Duration) -> bool {
        let age = u64::try_from(age.as_nanos()).unwrap_or(u64::MAX);
        self.now().saturating_sub(age) >= self.since.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::Epoch;
    use std::time::Duration;

    #[test]
    fn an_epoch_admits_only_connections_opened_since() {
        let epoch = Epoch::new();
        std::thread::sleep(Duration::from_millis(20));
        assert!(epoch.admits(Duration::from_millis(10)));
        epoch.advance();
        assert!(!epoch.admits(Duration::from_millis(10)));
        assert!(epoch.admits(Duration::ZERO));
    }
}
