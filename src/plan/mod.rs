//! The transport-neutral query model, checked against the schema cache.
//!
//! `rest` and `graphql` describe what a caller asked for with names as the caller typed them
//! ([`ReadRequest`], [`InsertRequest`]); building a plan resolves every name through the
//! [`Cache`](crate::schema::Cache), so a plan ([`ReadPlan`], [`InsertPlan`]) holds only
//! identifiers that exist. The SQL renderer takes plans only.

mod error;
mod filter;
mod insert;
mod read;

pub use error::PlanError;
pub use filter::{CompareOp, Condition, Filter, IsValue, PatternOp};
pub use insert::{InsertPlan, InsertRequest};
pub use read::{
    Direction, Nulls, OrderTerm, Projection, Range, ReadPlan, ReadRequest, SelectItem, Source,
    relation,
};

use crate::schema::{Ident, SqlType};

/// A column of the plan's relation, with the type its filter values are cast to.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub column: Ident,
    pub sql_type: SqlType,
}
