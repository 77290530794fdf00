//! `EXPLAIN` of a request's statement, run as the caller would run it (same role and settings),
//! for `Accept: application/vnd.pgrst.plan`.

use sqlx::{AssertSqlSafe, Row};

use super::{Access, Database, DbError, RequestSettings, bound};
use crate::sql::Statement;

impl Database {
    /// The plan as Postgres prints it: a JSON document, or text lines joined by newlines. The
    /// transaction is rolled back, so even `ANALYZE` of a write would keep nothing.
    pub async fn explain(
        &self,
        settings: &RequestSettings<'_>,
        explain: &Statement,
        text: bool,
    ) -> Result<String, DbError> {
        let mut tx = self.begin(settings, Access::ReadOnly).await?;
        let query = sqlx::query_as::<_, ExplainRow>(AssertSqlSafe(explain.sql.as_str()));
        let rows = bound(query, &explain.binds).fetch_all(&mut **tx).await?;
        tx.rollback().await?;
        let lines = rows.into_iter().map(|row| row.0);
        Ok(if text {
            lines.collect::<Vec<_>>().join("\n")
        } else {
            lines.collect()
        })
    }
}

/// One row of `EXPLAIN`: a line of text, or the whole JSON plan.
struct ExplainRow(String);

impl sqlx::FromRow<'_, sqlx::postgres::PgRow> for ExplainRow {
    fn from_row(row: &sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        match row.try_get::<serde_json::Value, _>(0) {
            Ok(plan) => Ok(ExplainRow(plan.to_string())),
            Err(_) => row.try_get(0).map(ExplainRow),
        }
    }
}
