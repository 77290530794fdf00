//! The statements the server runs, read from the cluster's log: `log_statement = all` is set for
//! the test's database, and the log (read with `pg_read_file`) holds a `statement:` or
//! `execute …:` line for every statement its sessions run, and a `STATEMENT:` line after the
//! error for one that fails before it executes. One test at a time logs, so the lines are its own.

use std::future::Future;

use sqlx::PgConnection;
use tokio::sync::{Mutex, MutexGuard};

use super::TestApi;

static LOGGING: Mutex<()> = Mutex::const_new(());

pub struct StatementLog {
    pub api: TestApi,
    path: String,
    _alone: MutexGuard<'static, ()>,
}

impl StatementLog {
    /// Logs every statement of `api`'s database from now on, and opens the pool's connection
    /// (with a read of `/people`), so that only the requests' own statements follow.
    pub async fn new(api: TestApi) -> StatementLog {
        let alone = LOGGING.lock().await;
        api.execute(&format!(
            "ALTER DATABASE {} SET log_statement = 'all'",
            api.database
        ))
        .await;
        let api = api.reopen().await;
        let path =
            sqlx::query_scalar("SELECT current_setting('data_directory') || '/../server.log'")
                .fetch_one(&mut api.admin().await)
                .await
                .unwrap();
        assert_eq!(api.get("/people?select=id&limit=1").await.status, 200);
        StatementLog {
            api,
            path,
            _alone: alone,
        }
    }

    /// What `request` answers, and the statements the server ran meanwhile (without their
    /// parameters or prepared statements' names).
    pub async fn during<T>(&self, request: impl Future<Output = T>) -> (T, Vec<String>) {
        let mut admin = self.api.admin().await;
        sqlx::raw_sql("SET log_statement = 'none'")
            .execute(&mut admin)
            .await
            .unwrap();
        let before = self.size(&mut admin).await;
        let answer = request.await;
        let after = self.size(&mut admin).await;
        let text: String = sqlx::query_scalar("SELECT pg_read_file($1, $2, $3)")
            .bind(&self.path)
            .bind(before)
            .bind(after - before)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        let statements = text
            .lines()
            .filter_map(|line| {
                line.split_once("LOG:  statement: ")
                    .or_else(|| line.split_once("LOG:  execute "))
                    .or_else(|| line.split_once("STATEMENT:  "))
                    .map(|(_, statement)| match statement.split_once(": ") {
                        Some((name, statement)) if name.starts_with("sqlx_s_") => statement,
                        _ => statement,
                    })
                    .map(str::to_owned)
            })
            .collect();
        (answer, statements)
    }

    async fn size(&self, admin: &mut PgConnection) -> i64 {
        sqlx::query_scalar("SELECT size FROM pg_stat_file($1)")
            .bind(&self.path)
            .fetch_one(admin)
            .await
            .unwrap()
    }
}

/// Which of PostgREST's statement kinds each logged statement is.
pub fn kinds(statements: &[String]) -> Vec<&'static str> {
    statements
        .iter()
        .map(|s| match s {
            s if s.starts_with("BEGIN") => "begin",
            s if s.contains("set_config('search_path'") => "settings",
            s if s.contains("_postgrest_t") => "statement",
            s if s.starts_with("SAVEPOINT") => "savepoint",
            s if s.starts_with("ROLLBACK TO SAVEPOINT") => "rollback to savepoint",
            s if s.starts_with("COMMIT") => "commit",
            s if s.starts_with("ROLLBACK") => "rollback",
            _ => "other",
        })
        .collect()
}
