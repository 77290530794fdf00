//! A request's transaction that does not outlive its request on the server.
//!
//! When a client goes away, hyper drops the handler's future, and with it the statement being
//! awaited; Postgres would run that statement to its end all the same, holding the connection.
//! A [`Tx`] dropped before its commit or rollback rolls back in the background, and if that does
//! not finish almost at once (the statement is still running), it cancels the statement with
//! `pg_cancel_backend` from a connection of its own. The connection goes back to the pool only
//! after that, so a late cancel can never hit the next request's statement.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, Postgres, Transaction};

/// How long an abandoned transaction's rollback may take before its statement is cancelled.
const STILL_RUNNING_AFTER: Duration = Duration::from_millis(50);

/// A transaction on a pooled connection whose backend is `pid`.
pub struct Tx {
    /// `None` only once committed or rolled back.
    tx: Option<Transaction<'static, Postgres>>,
    pid: i32,
    /// Where to open the connection that cancels, and how long that may take.
    options: Arc<PgConnectOptions>,
    connect_timeout: Duration,
}

impl Tx {
    pub(super) fn new(
        tx: Transaction<'static, Postgres>,
        pid: i32,
        options: Arc<PgConnectOptions>,
        connect_timeout: Duration,
    ) -> Tx {
        Tx {
            tx: Some(tx),
            pid,
            options,
            connect_timeout,
        }
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        match self.tx.take() {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        }
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        match self.tx.take() {
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        }
    }
}

impl Deref for Tx {
    type Target = Transaction<'static, Postgres>;

    fn deref(&self) -> &Self::Target {
        self.tx
            .as_ref()
            .expect("a Tx holds its transaction until consumed")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.tx
            .as_mut()
            .expect("a Tx holds its transaction until consumed")
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(tx) = self.tx.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let options = self.options.clone();
        runtime.spawn(abandon(tx, self.pid, options, self.connect_timeout));
    }
}

/// Rolls `tx` back, cancelling its statement first if it is still running.
async fn abandon(
    tx: Transaction<'static, Postgres>,
    pid: i32,
    options: Arc<PgConnectOptions>,
    connect_timeout: Duration,
) {
    let rollback = tx.rollback();
    tokio::pin!(rollback);
    if tokio::time::timeout(STILL_RUNNING_AFTER, &mut rollback)
        .await
        .is_ok()
    {
        return;
    }
    match tokio::time::timeout(connect_timeout, cancel(&options, pid)).await {
        Ok(Ok(true)) => tracing::info!(pid, "cancelled the statement of an abandoned request"),
        Ok(Ok(false)) => tracing::debug!(pid, "the abandoned request's statement had ended"),
        Ok(Err(e)) => tracing::warn!(pid, "cannot cancel an abandoned request's statement: {e}"),
        Err(_) => tracing::warn!(
            pid,
            "cannot cancel an abandoned request's statement: timed out"
        ),
    }
    if let Err(e) = rollback.await {
        tracing::debug!(pid, "rolling back an abandoned request: {e}");
    }
}

async fn cancel(options: &PgConnectOptions, pid: i32) -> Result<bool, sqlx::Error> {
    let mut conn = options.connect().await?;
    let cancelled = sqlx::query_scalar("SELECT pg_cancel_backend($1)")
        .bind(pid)
        .fetch_one(&mut conn)
        .await;
    conn.close().await?;
    cancelled
}
