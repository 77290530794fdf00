//! Renders plans to one parameterised SQL statement whose single row Postgres has already shaped
//! as the response body.
//!
//! [`SqlBuilder`] is the only way SQL text is assembled: fixed fragments must be `&'static str`,
//! identifiers go through [`quote_ident`] and every value becomes a `$n` bind. No text a client
//! sent can reach the statement any other way.

mod call;
mod filter;
mod read;
mod write;

pub use call::{call, call_beside, call_estimate};
pub use read::{Shape, estimate, read, read_beside, read_counting};
pub use write::{insert, mutate};

use crate::schema::{QualifiedName, SqlExpr, SqlType};

/// A statement ready to run: its text and its bound values, in `$n` order.
///
/// Every statement returns one row: the total count if one was asked for (`int8` or NULL), the
/// number of rows in the page (`int8`), the body (`text`), the `response.headers` and
/// `response.status` settings (`text` or NULL, see [`response_settings`]) and, for an upsert only,
/// the number of rows it inserted (`int8`).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// `EXPLAIN` options: the plan as text or JSON, and what else Postgres should report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Explain {
    pub text: bool,
    pub analyze: bool,
    pub verbose: bool,
    pub settings: bool,
    pub buffers: bool,
    pub wal: bool,
}

/// `EXPLAIN (…) <statement>`, with the statement's binds.
pub fn explain(statement: Statement, options: Explain) -> Statement {
    let mut sql = String::from(if options.text {
        "EXPLAIN (FORMAT TEXT"
    } else {
        "EXPLAIN (FORMAT JSON"
    });
    for (on, option) in [
        (options.analyze, ", ANALYZE"),
        (options.verbose, ", VERBOSE"),
        (options.settings, ", SETTINGS"),
        (options.buffers, ", BUFFERS"),
        (options.wal, ", WAL"),
    ] {
        if on {
            sql.push_str(option);
        }
    }
    sql.push_str(") ");
    sql.push_str(&statement.sql);
    Statement {
        sql,
        binds: statement.binds,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    TextArray(Vec<String>),
    Int(i64),
    Bytes(Vec<u8>),
}

/// Quotes an identifier for SQL: wrapped in double quotes, inner double quotes doubled.
///
/// This is the one function that puts a name into SQL text.
pub fn quote_ident(name: &str) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push('"');
    for c in name.chars() {
        if c == '"' {
            quoted.push('"');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The last two columns of every statement: the `response.headers` and `response.status` settings
/// the work may have set (functions, triggers, `db-pre-request`). Written in the outer `SELECT`
/// over the work's rows, they are evaluated after it; an empty setting (left by an earlier
/// transaction on the connection) counts as unset.
pub(crate) fn response_settings(sql: &mut SqlBuilder) {
    sql.push(
        ", nullif(current_setting('response.headers', true), ''), \
         nullif(current_setting('response.status', true), '')",
    );
}

#[derive(Debug, Default)]
pub(crate) struct SqlBuilder {
    sql: String,
    binds: Vec<Bind>,
}

impl SqlBuilder {
    pub fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.sql.push_str(fragment);
        self
    }

    pub fn push_ident(&mut self, name: &str) -> &mut Self {
        self.sql.push_str(&quote_ident(name));
        self
    }

    pub fn push_qualified(&mut self, name: &QualifiedName) -> &mut Self {
        self.push_ident(name.schema.as_str())
            .push(".")
            .push_ident(name.name.as_str())
    }

    /// A type name from the catalog (`format_type` output is valid SQL as it stands).
    pub fn push_type(&mut self, sql_type: &SqlType) -> &mut Self {
        self.sql.push_str(sql_type.as_str());
        self
    }

    /// An expression from the catalog, parenthesised.
    pub fn push_expr(&mut self, expression: &SqlExpr) -> &mut Self {
        self.sql.push('(');
        self.sql.push_str(expression.as_str());
        self.sql.push(')');
        self
    }

    pub fn push_bind(&mut self, bind: Bind) -> &mut Self {
        self.binds.push(bind);
        self.sql.push('$');
        self.sql.push_str(&self.binds.len().to_string());
        self
    }

    /// `items` rendered by `render`, separated by `separator`.
    pub fn push_list<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        separator: &'static str,
        mut render: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(separator);
            }
            render(self, item);
        }
        self
    }

    pub fn finish(self) -> Statement {
        Statement {
            sql: self.sql,
            binds: self.binds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quote_ident;

    #[test]
    fn quotes_and_doubles_inner_quotes() {
        assert_eq!(quote_ident("people"), "\"people\"");
        assert_eq!(
            quote_ident("a\"; drop table x; --"),
            "\"a\"\"; drop table x; --\""
        );
        assert_eq!(quote_ident(""), "\"\"");
    }
}
