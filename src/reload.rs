//! Keeping the running app in step with its database: the LISTEN connection, reloads, outages.
//!
//! One connection outside the pool LISTENs on `db-channel` (with the channel disabled it is held
//! all the same, without LISTEN, to notice outages). `NOTIFY pgrst, 'reload schema'`,
//! `'reload config'` or an empty payload (both), and SIGUSR1/SIGUSR2 through
//! [`Reloader::request`], ask for a reload; requests arriving within [`DEBOUNCE`] of each other
//! make one reload, and those arriving during a reload make one more after it.
//!
//! When that connection is lost, it is opened again at once; while that fails the database is
//! marked unreachable (requests get 503 at once) and it is retried with a capped backoff. Once it
//! is back, the schema cache is reloaded: notifications sent meanwhile were lost, and the
//! database may have been restarted with another schema.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::app::App;
use crate::config::{Config, ConfigError};

/// How long to wait for more reload requests before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// How long opening the LISTEN connection may take, once a probe connected.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(1);

/// Why the LISTEN connection could not be opened.
enum Failure {
    /// Connecting failed: the database is down (or refuses pgway).
    Unreachable(sqlx::Error),
    /// Connecting worked, then listening did not.
    Listen(sqlx::Error),
}

/// What to reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    Schema,
    /// The configuration, then the schema.
    Config,
}

/// Reads the configuration again (file, environment, flags).
pub type ReadConfig = Box<dyn Fn() -> Result<Config, ConfigError> + Send + Sync>;
/// Applies a new `log-level`.
pub type SetLogLevel = Box<dyn Fn(&str) + Send + Sync>;

/// What `reload config` calls on: the process's own sources.
#[derive(Default)]
pub struct Hooks {
    pub read_config: Option<ReadConfig>,
    pub set_log_level: Option<SetLogLevel>,
}

/// The background tasks; dropping this stops them (and closes the LISTEN connection).
pub struct Reloader {
    state: Arc<State>,
    tasks: Vec<AbortHandle>,
}

struct State {
    app: Arc<App>,
    hooks: Hooks,
    wake: Notify,
    schema: AtomicBool,
    config: AtomicBool,
}

impl Reloader {
    /// Starts listening on `channel` (`None`: only watch the connection) and reloading.
    pub fn spawn(app: Arc<App>, channel: Option<String>, hooks: Hooks) -> Reloader {
        let state = Arc::new(State {
            app,
            hooks,
            wake: Notify::new(),
            schema: AtomicBool::new(false),
            config: AtomicBool::new(false),
        });
        let tasks = vec![
            tokio::spawn(state.clone().reload_on_request()).abort_handle(),
            tokio::spawn(state.clone().watch(channel)).abort_handle(),
        ];
        Reloader { state, tasks }
    }

    pub fn request(&self, what: Reload) {
        self.state.request(what);
    }
}

impl Drop for Reloader {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl State {
    fn request(&self, what: Reload) {
        match what {
            Reload::Schema => self.schema.store(true, Ordering::Release),
            Reload::Config => self.config.store(true, Ordering::Release),
        }
        self.wake.notify_one();
    }

    async fn reload_on_request(self: Arc<Self>) {
        loop {
            self.wake.notified().await;
            tokio::time::sleep(DEBOUNCE).await;
            let config = self.config.swap(false, Ordering::AcqRel);
            let schema = self.schema.swap(false, Ordering::AcqRel);
            if config {
                self.reconfigure();
            }
            if schema || config {
                self.reload_schema().await;
            }
        }
    }

    async fn reload_schema(&self) {
        if let Err(error) = self.app.reload_schema().await {
            // An outage is the watcher's to notice; it reloads once the database is back.
            tracing::error!("schema cache reload failed, still serving the previous one: {error}");
        }
    }

    fn reconfigure(&self) {
        let Some(read) = &self.hooks.read_config else {
            tracing::info!("reload config: no configuration source to read again");
            return;
        };
        match read() {
            Ok(config) => {
                if let Some(set) = &self.hooks.set_log_level {
                    set(&config.log_level);
                }
                self.app.reconfigure(&config);
                tracing::info!(
                    "configuration read again: log-level, db-schemas, db-extra-search-path and \
                     openapi-server-proxy-uri apply now, other settings at the next restart"
                );
            }
            Err(error) => tracing::error!("reload config failed, keeping the current one: {error}"),
        }
    }

    fn notified(&self, payload: &str) {
        match payload.trim() {
            "reload schema" => self.request(Reload::Schema),
            "reload config" => self.request(Reload::Config),
            "" => {
                self.request(Reload::Config);
                self.request(Reload::Schema);
            }
            other => tracing::debug!("ignoring notification {other:?}"),
        }
    }

    /// Holds the LISTEN connection, for as long as the process runs.
    async fn watch(self: Arc<Self>, channel: Option<String>) {
        let mut backoff = Backoff::default();
        let mut lost = false;
        loop {
            match self.listen(channel.as_deref()).await {
                Ok(mut listener) => {
                    backoff = Backoff::default();
                    if lost {
                        tracing::info!(
                            "the database is reachable again; reloading the schema cache"
                        );
                        self.app.db.set_reachable(true);
                        self.request(Reload::Schema);
                    }
                    let reason = self.receive(&mut listener).await;
                    tracing::warn!("lost the database connection ({reason}); reconnecting");
                    lost = true;
                }
                Err(failure) => {
                    lost = true;
                    let wait = backoff.next_wait();
                    match failure {
                        Failure::Unreachable(error) => {
                            self.app.db.set_reachable(false);
                            tracing::warn!(
                                "the database is unreachable ({error}); retrying in {:.1} s",
                                wait.as_secs_f64()
                            );
                        }
                        Failure::Listen(error) => tracing::warn!(
                            "cannot LISTEN ({error}); retrying in {:.1} s",
                            wait.as_secs_f64()
                        ),
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn listen(&self, channel: Option<&str>) -> Result<PgListener, Failure> {
        let db = &self.app.db;
        // sqlx retries a refused connect until its timeout; a plain connect fails at once, and
        // decides whether the database is reachable.
        let probe = db
            .connect_standalone()
            .await
            .map_err(Failure::Unreachable)?;
        let _ = sqlx::Connection::close(probe).await;
        // PgListener connects through a pool; a pool of one, used for that connection only. A
        // short timeout, so that an outage starting now is soon noticed by the next probe.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(db.connect_timeout().min(LISTEN_TIMEOUT))
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with((*db.connect_options()).clone());
        let mut listener = PgListener::connect_with(&pool)
            .await
            .map_err(Failure::Listen)?;
        listener.eager_reconnect(false);
        if let Some(channel) = channel {
            listener.listen(channel).await.map_err(Failure::Listen)?;
        }
        Ok(listener)
    }

    /// Handles notifications until the connection is lost, and says why it was.
    async fn receive(&self, listener: &mut PgListener) -> String {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => self.notified(notification.payload()),
                Ok(None) => return "connection closed".into(),
                Err(error) => return error.to_string(),
            }
        }
    }
}

/// Waits between attempts to reach the database: doubling from 200 ms up to 5 s, so that an
/// outage costs a log line every few seconds and recovery is noticed within 5 s.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

const FIRST_WAIT: Duration = Duration::from_millis(200);
const LONGEST_WAIT: Duration = Duration::from_secs(5);

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff { next: FIRST_WAIT }
    }
}

impl Backoff {
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(LONGEST_WAIT);
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let mut backoff = Backoff::default();
        let waits: Vec<u128> = (0..7).map(|_| backoff.next_wait().as_millis()).collect();
        assert_eq!(waits, [200, 400, 800, 1600, 3200, 5000, 5000]);
    }
}
