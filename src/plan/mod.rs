//! The transport-neutral query model, checked against the schema cache.
//!
//! `rest` and `graphql` describe what a caller asked for with names as the caller typed them
//! ([`request`]: [`ReadRequest`], [`InsertRequest`] and [`CallRequest`]); building a plan resolves
//! every name through the [`Cache`](crate::schema::Cache), so a plan ([`ReadPlan`], [`InsertPlan`],
//! [`MutatePlan`], [`CallPlan`]) holds only identifiers that exist. The SQL renderer takes plans
//! only.

mod call;
mod embed;
mod error;
mod expr;
mod read;
pub mod request;
mod write;

pub use call::{
    Arguments, ArgumentsRequest, CallPlan, CallRequest, Parameter, RawBody, ResultPlan,
    TextArgument, TextValue, Values, WholeBody,
};
pub use error::{Ambiguity, NoFunction, NoRelationship, PlanError};
pub use expr::{ComputedArgument, Expr, ExprType};
pub use read::{
    CheckedFilter, EmbedPlan, Having, OrderExpr, Ordering, ReadOptions, ReadPlan, RelatedOrder,
    Selected, Tree, Value, relation,
};
pub use request::{
    AggregateFunction, ComputedRequest, Condition, Direction, FieldPath, Filter, HavingCompare,
    HavingTree, IsValue, JoinType, JsonKey, JsonStep, LogicTree, Nulls, Operator, OrderTarget,
    OrderTerm, Quantifier, Range, ReadRequest, SelectField, SelectItem, TextSearch,
};
pub use write::{
    BodyColumn, ConflictRequest, InsertColumn, InsertPlan, InsertRequest, Missing, MutatePlan,
    Mutation, MutationRequest, NestedInsert, NestedInsertRequest, NestedRows, NestedRowsRequest,
    NestedUnion, Nesting, OnConflict, Payload, PutRequest, Resolution,
};
