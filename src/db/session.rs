//! Several statements in one transaction: the root fields of one GraphQL operation.
//!
//! A session opens its transaction (`BEGIN`, the request's settings, the pre-request function)
//! on its first statement and ends it once with [`Session::finish`], so every statement of the
//! operation reads one snapshot and the writes of a mutation commit or roll back together.
//!
//! A failed statement aborts a Postgres transaction. A mutation then stops: nothing more runs and
//! nothing is committed. A query keeps answering its other fields in the same snapshot, at the
//! least cost: a statement that fails before anything was read drops the transaction (the next
//! one opens a fresh one, whose snapshot is then the only one read), the last statement needs no
//! protection, and only a statement between successful ones and further ones runs behind a
//! `SAVEPOINT` to roll back to.

use tokio::sync::Mutex;

use super::{Access, Database, DbError, Output, RequestSettings, Tx, fetch};
use crate::sql::Statement;

/// The transaction of one operation; statements queue for it one at a time.
pub struct Session {
    database: Database,
    access: Access,
    state: Mutex<State>,
}

struct State {
    transaction: Option<Tx>,
    /// How many more statements the operation may run, at most; a savepoint only pays off when
    /// another statement follows.
    expected: usize,
    /// Whether a statement of `transaction` succeeded, so its snapshot has been read.
    read: bool,
    /// Whether `transaction` is aborted for good, so nothing more may run in it.
    aborted: bool,
}

impl Database {
    /// A session for an operation that runs at most `expected` statements, all with `access`.
    pub fn session(&self, access: Access, expected: usize) -> Session {
        Session {
            database: self.clone(),
            access,
            state: Mutex::new(State {
                transaction: None,
                expected,
                read: false,
                aborted: false,
            }),
        }
    }
}

impl Session {
    /// Runs `statement` in the session's transaction, opening it with `settings` if needed.
    pub async fn run(
        &self,
        settings: &RequestSettings<'_>,
        statement: Statement,
    ) -> Result<Output, DbError> {
        let mut state = self.state.lock().await;
        if state.aborted {
            return Err(aborted());
        }
        state.expected = state.expected.saturating_sub(1);
        let result = self.run_locked(&mut state, settings, statement).await;
        if result.is_err() && self.access == Access::ReadWrite {
            state.aborted = true;
        }
        result
    }

    async fn run_locked(
        &self,
        state: &mut State,
        settings: &RequestSettings<'_>,
        statement: Statement,
    ) -> Result<Output, DbError> {
        let transaction = match &mut state.transaction {
            Some(transaction) => transaction,
            empty => empty.insert(self.database.begin(settings, self.access).await?),
        };
        let savepoint = self.access == Access::ReadOnly && state.read && state.expected > 0;
        if savepoint {
            sqlx::query("SAVEPOINT pgway_field")
                .execute(&mut ***transaction)
                .await?;
        }
        match fetch(transaction, &statement).await {
            Ok(output) => {
                state.read = true;
                Ok(output)
            }
            Err(error) => {
                if savepoint {
                    sqlx::query("ROLLBACK TO SAVEPOINT pgway_field")
                        .execute(&mut ***transaction)
                        .await?;
                } else if !state.read {
                    // Nothing was read from it: dropping it rolls it back.
                    state.transaction = None;
                } else {
                    state.aborted = true;
                }
                Err(error)
            }
        }
    }

    /// Ends the transaction: commits it when `commit` is true and it is not aborted, else rolls
    /// it back. A session that ran nothing has nothing to end.
    pub async fn finish(&self, commit: bool) -> Result<(), DbError> {
        let mut state = self.state.lock().await;
        let Some(transaction) = state.transaction.take() else {
            return Ok(());
        };
        match commit && !state.aborted {
            true => transaction.commit().await?,
            false => transaction.rollback().await?,
        }
        Ok(())
    }
}

/// What Postgres says to a statement in an aborted transaction, said without asking it.
fn aborted() -> DbError {
    DbError::Postgres {
        code: "25P02".to_owned(),
        message: "current transaction is aborted, commands ignored until end of transaction block"
            .to_owned(),
        detail: None,
        hint: Some("An earlier field of this operation failed; nothing is committed.".to_owned()),
    }
}
