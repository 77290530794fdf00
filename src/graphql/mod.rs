//! The GraphQL API: a dynamic async-graphql schema built from the schema cache, with
//! PostGraphile's V4 names (`allPeople`, `personById`, `PeopleConnection`, `PeopleOrderBy`, …).
//!
//! Every root field is answered with one statement: its resolver lowers the field's arguments and
//! whole selection set — relations to any depth, relation filters, `totalCount` — into one
//! [`ReadRequest`](crate::plan::ReadRequest), plans it against the cache, has the shared renderer
//! turn it into SQL keyed by the fields' response keys, and runs it under the caller's role. The
//! fields below only read their key out of the rows Postgres shaped.
//!
//! `naming` turns catalog names into GraphQL names, `scalar` maps Postgres types to scalars,
//! `model` decides what each relation exposes and `relations` which foreign keys become fields,
//! `operators` lists the scalar filters' operators; `build` and `filter_types` make the types.
//! `lower` turns selection sets into plans (with `select` for one level's items, `args` for a
//! collection's arguments, `filter` and `pattern` for `filter:`), `resolve` runs them, `fields`
//! reads the results and `error` reports failures with Postgres' codes. `graphiql` serves the
//! in-browser IDE.

mod args;
mod build;
mod error;
mod fields;
mod filter;
mod filter_types;
pub mod graphiql;
mod lower;
mod model;
mod naming;
mod operators;
mod pattern;
mod relations;
mod resolve;
mod scalar;
mod select;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_graphql::dynamic::{Schema, SchemaError};

use crate::context::RequestContext;
use crate::db::Database;
use crate::schema::{Cache, Ident};

/// How the GraphQL API reads.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The most rows any collection field returns (`db-max-rows`).
    pub max_rows: Option<u64>,
}

/// What resolvers need per request; the HTTP handler adds it to each request with
/// `request.data(RequestData { .. })`.
#[derive(Debug, Clone)]
pub struct RequestData {
    pub db: Database,
    pub context: RequestContext,
    pub search_path: String,
}

/// The dynamic GraphQL schema of one exposed schema of the cache. Relations with no columns are
/// skipped, and so are columns, relations and relation fields whose GraphQL names would be
/// invalid or taken.
pub fn build(cache: Arc<Cache>, schema: &Ident, options: Options) -> Result<Schema, SchemaError> {
    let model = model::Model::new(&cache, schema);
    build::schema(resolve::Reader {
        cache,
        model,
        max_rows: options.max_rows,
    })
}

/// Runs `request` against `schema` as the caller described by `data`.
pub async fn execute(
    schema: &Schema,
    request: async_graphql::Request,
    data: RequestData,
) -> async_graphql::Response {
    schema.execute(request.data(data)).await
}
