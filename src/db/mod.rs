//! The only module that touches a connection: the pool and the per-request transaction.
//!
//! Each request is `BEGIN [READ ONLY]`, one `set_config` statement carrying the role, the claims
//! and the request's settings (all transaction-local, so a pooled connection never carries a role
//! into the next request), the request's statement, and `COMMIT` (or `ROLLBACK` when the request
//! asked for it or its output failed a check). A transaction that lost a serialization conflict
//! or a deadlock was rolled back whole, so it is run again, a bounded number of times.

mod cancel;
mod error;
mod explain;
mod pool;
mod roles;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnectOptions;

pub use cancel::Tx;
pub use error::{DbError, is_unreachable};
pub use pool::{PoolSettings, PoolStats, Recycling};
pub use roles::{RoleSettings, load_role_settings};

use crate::auth::Identity;
use crate::error::ApiError;
use crate::sql::{Bind, Statement, quote_ident};

/// How a request's transaction may touch data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// How a request's transaction ends when its statement succeeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum End {
    #[default]
    Commit,
    /// `Prefer: tx=rollback` or `db-tx-end = rollback`: the response as if committed, nothing kept.
    Rollback,
}

/// The shape of a request's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transaction {
    pub access: Access,
    pub end: End,
}

/// A check of a statement's output before its transaction ends; an error rolls it back and is
/// the request's answer (e.g. more rows affected than `Prefer: max-affected` allows).
pub type Check<'a> = &'a (dyn Fn(&Output) -> Result<(), ApiError> + Send + Sync);

/// Times a transaction is run again after a serialization failure or a deadlock.
pub const RETRIES: u32 = 3;

/// The per-request settings Postgres sees through `current_setting(…)`.
#[derive(Debug)]
pub struct RequestSettings<'a> {
    pub identity: &'a Identity,
    pub search_path: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    /// JSON objects: the request's headers, its cookies, and other settings by name.
    pub headers: &'a str,
    pub cookies: &'a str,
    pub extra: &'a str,
}

/// What a statement returned: the total count (when asked for), the number of rows in the page
/// (for a write, the rows it changed), the body Postgres built, the response settings the
/// statement's work left, and for an upsert how many rows were inserted rather than updated.
#[derive(Debug)]
pub struct Output {
    pub total: Option<i64>,
    pub page_total: i64,
    pub body: String,
    /// `response.headers` (a JSON array of one-key objects, unchecked), unless unset or empty.
    pub response_headers: Option<String>,
    /// `response.status` (unchecked), unless unset or empty.
    pub response_status: Option<String>,
    pub inserted: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Database {
    pool: Arc<pool::Pool>,
    /// `SELECT "schema"."fn"()` of `db-pre-request`, run after the settings.
    pre_request: Option<Arc<str>>,
    /// `ALTER ROLE … SET` settings, read with the schema cache.
    role_settings: Arc<ArcSwap<RoleSettings>>,
}

/// Every setting in one round trip, in PostgREST's order; the variable ones come from a JSON
/// object, so no name is ever formatted into SQL. The backend's pid comes back, to cancel the
/// statement if the request is abandoned.
const SETTINGS: &str = "SELECT pg_backend_pid(), \
     set_config('search_path', $1, true), set_config('role', $2, true), \
     set_config('request.jwt.claims', $3, true), set_config('request.method', $4, true), \
     set_config('request.path', $5, true), set_config('request.headers', $6, true), \
     set_config('request.cookies', $7, true), \
     (SELECT count(set_config(key, value, true)) FROM json_each_text($8::json)), \
     (SELECT count(set_config(key, value, true)) FROM json_each_text($9::json))";

impl Database {
    /// A pool that connects lazily, so the server starts while the database is still coming up.
    pub fn connect(options: PgConnectOptions, pool: &PoolSettings) -> Database {
        Self::open(options, pool, &Recycling::default(), None)
    }

    /// As [`Database::connect`], closing connections as `recycling` says, and calling
    /// `pre_request` (`schema.function`, from the configuration) in every transaction after its
    /// settings, as PostgREST's `db-pre-request`.
    pub fn open(
        options: PgConnectOptions,
        pool: &PoolSettings,
        recycling: &Recycling,
        pre_request: Option<&str>,
    ) -> Database {
        let pool = Arc::new(pool::Pool::new(options, pool, recycling));
        let pre_request = pre_request.map(|function| {
            let name = match function.split_once('.') {
                Some((schema, name)) => format!("{}.{}", quote_ident(schema), quote_ident(name)),
                None => quote_ident(function),
            };
            Arc::from(format!("SELECT {name}()"))
        });
        Database {
            pool,
            pre_request,
            role_settings: Arc::default(),
        }
    }

    /// How pgway connects: for connections outside the pool (schema loads, LISTEN).
    pub fn connect_options(&self) -> Arc<PgConnectOptions> {
        self.pool.connect_options()
    }

    /// A connection outside the pool (schema loads, LISTEN), given up after the pool's
    /// acquisition timeout.
    pub async fn connect_standalone(&self) -> Result<sqlx::PgConnection, sqlx::Error> {
        self.pool.connect_standalone().await
    }

    /// How long connecting may take.
    pub fn connect_timeout(&self) -> std::time::Duration {
        self.pool.acquisition_timeout()
    }

    /// Takes the roles' settings read with a new schema cache.
    pub fn set_role_settings(&self, settings: RoleSettings) {
        self.role_settings.store(Arc::new(settings));
    }

    /// Marks the database (un)reachable; while unreachable, requests get 503 PGRST000 at once.
    pub fn set_reachable(&self, reachable: bool) {
        self.pool.set_reachable(reachable);
    }

    pub fn is_reachable(&self) -> bool {
        self.pool.is_reachable()
    }

    /// Replaces every pooled connection open now once it is idle (their statement caches may
    /// predate DDL).
    pub fn recycle(&self) {
        self.pool.recycle();
    }

    pub fn stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// Waits for checked-out connections to come back, then closes them all.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs `statement` in its own transaction under the caller's role and settings.
    pub async fn run(
        &self,
        settings: &RequestSettings<'_>,
        access: Access,
        statement: Statement,
    ) -> Result<Output, DbError> {
        let transaction = Transaction {
            access,
            end: End::Commit,
        };
        self.execute(settings, transaction, &statement, &|_| Ok(()))
            .await
    }

    /// Runs `statement` in a transaction of the given shape, ending it as asked once `check`
    /// accepted the output; retried while Postgres reports a serialization failure or deadlock.
    pub async fn execute(
        &self,
        settings: &RequestSettings<'_>,
        transaction: Transaction,
        statement: &Statement,
        check: Check<'_>,
    ) -> Result<Output, DbError> {
        let mut attempt = 0;
        loop {
            match self.attempt(settings, transaction, statement, check).await {
                Err(error) if error.is_transient() && attempt < RETRIES => {
                    attempt += 1;
                    tracing::warn!(attempt, %error, "transaction rolled back by Postgres, retrying");
                    tokio::time::sleep(Duration::from_millis(10 << attempt)).await;
                }
                result => return result,
            }
        }
    }

    async fn attempt(
        &self,
        settings: &RequestSettings<'_>,
        transaction: Transaction,
        statement: &Statement,
        check: Check<'_>,
    ) -> Result<Output, DbError> {
        let mut tx = self.begin(settings, transaction.access).await?;
        let output = fetch(&mut tx, statement).await?;
        // Dropping the transaction rolls it back.
        check(&output).map_err(DbError::Rejected)?;
        match transaction.end {
            End::Commit => tx.commit().await?,
            End::Rollback => tx.rollback().await?,
        }
        Ok(output)
    }

    /// As [`Database::run`], first asking the planner how many rows `estimate` (an `EXPLAIN
    /// (FORMAT JSON)` statement) yields; `statement` gets that estimate and decides the rest.
    /// The estimate is the total unless the statement counted rows itself.
    pub async fn run_estimated(
        &self,
        settings: &RequestSettings<'_>,
        access: Access,
        estimate: Statement,
        statement: impl FnOnce(i64) -> Statement,
    ) -> Result<Output, DbError> {
        let mut tx = self.begin(settings, access).await?;
        let query = sqlx::query_as::<_, (serde_json::Value,)>(AssertSqlSafe(estimate.sql));
        let (plan,) = bound(query, &estimate.binds).fetch_one(&mut **tx).await?;
        let rows = plan[0]["Plan"]["Plan Rows"]
            .as_f64()
            .map_or(0, |rows| rows as i64);
        let mut output = fetch(&mut tx, &statement(rows)).await?;
        tx.commit().await?;
        output.total = output.total.or(Some(rows));
        Ok(output)
    }

    /// `BEGIN`, the request's settings, and the pre-request function.
    async fn begin(&self, settings: &RequestSettings<'_>, access: Access) -> Result<Tx, DbError> {
        let begin = match access {
            Access::ReadOnly => "BEGIN READ ONLY",
            Access::ReadWrite => "BEGIN",
        };
        let mut tx = self.pool.begin(begin).await?;
        let claims = serde_json::Value::Object(settings.identity.claims.clone()).to_string();
        let role_settings = self.role_settings.load();
        let pid: i32 = sqlx::query_scalar(SETTINGS)
            .bind(settings.search_path)
            .bind(&settings.identity.role)
            .bind(claims)
            .bind(settings.method)
            .bind(settings.path)
            .bind(settings.headers)
            .bind(settings.cookies)
            .bind(settings.extra)
            .bind(role_settings.of(&settings.identity.role))
            .fetch_one(&mut *tx)
            .await?;
        let mut tx = Tx::new(
            tx,
            pid,
            self.pool.connect_options(),
            self.pool.acquisition_timeout(),
        );
        if let Some(pre_request) = &self.pre_request {
            sqlx::query(AssertSqlSafe(pre_request.clone()))
                .execute(&mut **tx)
                .await?;
        }
        Ok(tx)
    }
}

/// Runs a statement of the `(total, page rows, body, response headers, response status[,
/// inserted])` shape.
async fn fetch(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    statement: &Statement,
) -> Result<Output, DbError> {
    let query = sqlx::query_as::<_, Row>(AssertSqlSafe(statement.sql.as_str()));
    let Row {
        total,
        page_total,
        body,
        response_headers,
        response_status,
        inserted,
    } = bound(query, &statement.binds).fetch_one(&mut **tx).await?;
    Ok(Output {
        total,
        page_total,
        body,
        response_headers,
        response_status,
        inserted,
    })
}

/// A statement's one row; only upserts return the sixth column.
struct Row {
    total: Option<i64>,
    page_total: i64,
    body: String,
    response_headers: Option<String>,
    response_status: Option<String>,
    inserted: Option<i64>,
}

impl sqlx::FromRow<'_, sqlx::postgres::PgRow> for Row {
    fn from_row(row: &sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        let inserted = match row.len() {
            6 => row.try_get(5)?,
            _ => None,
        };
        Ok(Row {
            total: row.try_get(0)?,
            page_total: row.try_get(1)?,
            body: row.try_get(2)?,
            response_headers: row.try_get(3)?,
            response_status: row.try_get(4)?,
            inserted,
        })
    }
}

/// A query with the statement's binds, borrowed: a retried statement is bound again, uncopied.
fn bound<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    binds: &'q [Bind],
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::TextArray(texts) => query.bind(texts.as_slice()),
            Bind::Bytes(bytes) => query.bind(bytes.as_slice()),
            Bind::Int(n) => query.bind(*n),
        };
    }
    query
}
