//! The GraphQL API: a dynamic async-graphql schema built from the schema cache, with
//! PostGraphile's V4 names (`allPeople`, `personById`, `PeopleConnection`, `createPerson`, …).
//!
//! Every root field is answered with one statement: its resolver lowers the field's arguments and
//! whole selection set — relations to any depth, relation filters, cursors, `totalCount` — into one
//! request of the shared plans (a read, an insert, an update or delete, or a call), plans it
//! against the cache, has the shared renderer turn it into SQL keyed by the fields' response keys,
//! and runs it in the operation's one transaction under the caller's role. The fields below only
//! read their key out of the rows Postgres shaped.
//!
//! `naming` turns catalog names into GraphQL names, `scalar` maps Postgres types to scalars
//! (`interval` the `Interval` object type), `types` enum, composite and domain types to types of
//! their own, `model` decides what each relation exposes, `relations` which foreign keys become
//! fields, `functions` which functions become root fields and `computed` which become fields of a
//! table's type, `operators` lists the scalar filters' operators; `build`, `filter_types`,
//! `mutation` and `function_mutation` (VOLATILE functions) make the types, `aggregate` the
//! aggregates of connections (types, lowering and fields). `lower` turns selection sets
//! into plans (with `select` for one level's items, `args` for arguments, `paging` for order,
//! pages and cursors, `filter` and `pattern` for `filter:`, `input` for mutation input), `resolve`
//! and `write` run them, `fields` reads the results, `node_id` and `opaque` make global ids and
//! cursors, and `error` reports failures with Postgres' codes. `operation` reads what a request's
//! transaction must be, from the document `documents` parsed (once per text); `persisted`
//! resolves automatic persisted queries' hashes; `smart_tags` parses smart comments; `graphiql`
//! serves the in-browser IDE.

mod aggregate;
mod args;
mod build;
mod computed;
mod conflict;
mod documents;
mod error;
mod fields;
mod filter;
mod filter_types;
mod function_mutation;
mod functions;
pub mod graphiql;
mod input;
mod interval;
mod keys;
mod lower;
mod many;
mod model;
mod mutation;
mod naming;
mod nested;
mod node_id;
mod opaque;
mod operation;
mod operators;
mod paging;
mod pattern;
mod persisted;
mod relations;
mod resolve;
mod retry;
mod scalar;
mod select;
mod smart_tags;
#[cfg(test)]
mod tests;
mod types;
mod write;
mod write_many;

use std::sync::Arc;

use async_graphql::dynamic::{Schema, SchemaError};
use async_graphql::{ServerError, Value};

use crate::config::GraphqlLimits;
use crate::context::RequestContext;
use crate::db::session::Session;
use crate::db::{Access, Database, End, Output, RETRIES};
use crate::schema::{Cache, Ident};
use crate::sql::Statement;
use operation::Operation;
pub use persisted::{PersistedQueries, PersistedQueryError};

/// How the GraphQL API reads, and what a query may ask.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The most rows any collection field returns (`db-max-rows`).
    pub max_rows: Option<u64>,
    pub limits: GraphqlLimits,
    /// `db-aggregates-enabled`: whether connections have `aggregates` and `groupedAggregates`.
    pub aggregates: bool,
}

/// What resolvers need per request; the HTTP handler adds it to each request with
/// `request.data(RequestData { .. })`.
#[derive(Debug, Clone)]
pub struct RequestData {
    pub db: Database,
    pub context: RequestContext,
    pub search_path: String,
    /// How a transaction that succeeded ends (`db-tx-end`).
    pub end: End,
}

/// The dynamic GraphQL schema of one exposed schema of the cache. Relations with no columns are
/// skipped, and so are columns, relations and relation fields whose GraphQL names would be
/// invalid or taken.
pub fn build(cache: Arc<Cache>, schema: &Ident, options: Options) -> Result<Schema, SchemaError> {
    let model = model::Model::new(&cache, schema, options.max_rows, options.aggregates);
    let reader = resolve::Reader {
        cache,
        schema: schema.clone(),
        model,
    };
    build::schema(reader, options.limits)
}

/// Runs `request` against `schema` as the caller described by `data`, in one transaction: a
/// query reads one snapshot, a mutation commits only if every field succeeded (else its `data`
/// is null, as nothing it reports was kept) and `data.end` says so. An operation whose
/// transaction Postgres rolled back for a serialization failure or deadlock runs again, in a new
/// transaction, up to [`RETRIES`] times, as REST's requests do.
pub async fn execute(
    schema: &Schema,
    mut request: async_graphql::Request,
    data: RequestData,
) -> async_graphql::Response {
    let operation = Operation::of(&mut request);
    let mut attempt = 0;
    loop {
        let response = execute_once(schema, retry::copy(&mut request), &data, operation).await;
        if attempt == RETRIES || !retry::transient(&response) {
            return response;
        }
        attempt += 1;
        tracing::warn!(
            attempt,
            "GraphQL transaction rolled back by Postgres, retrying"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10 << attempt)).await;
    }
}

async fn execute_once(
    schema: &Schema,
    request: async_graphql::Request,
    data: &RequestData,
    operation: Operation,
) -> async_graphql::Response {
    let access = match operation.mutation {
        true => Access::ReadWrite,
        false => Access::ReadOnly,
    };
    let session = Arc::new(data.db.session(access, operation.statements));
    let (authenticated, end) = (data.context.identity.authenticated, data.end);
    let caller = Caller {
        session: Arc::clone(&session),
        context: data.context.clone(),
        search_path: data.search_path.clone(),
    };
    let mut response = schema.execute(request.data(caller)).await;
    let commit = end == End::Commit && !(operation.mutation && response.is_err());
    if let Err(e) = session.finish(commit).await {
        // Of the whole operation, so without a location or path.
        let error = error::from_db(e, authenticated);
        let mut server_error = ServerError::new(error.message, None);
        server_error.extensions = error.extensions;
        response.errors.push(server_error);
    }
    if operation.mutation && response.is_err() {
        response.data = Value::Null;
    }
    response
}

/// Whether the operation `request` names is a mutation (the document is parsed once, and kept
/// for execution).
pub fn writes(request: &mut async_graphql::Request) -> bool {
    Operation::of(request).mutation
}

/// What the resolvers of one operation share: its transaction and the caller.
pub(crate) struct Caller {
    session: Arc<Session>,
    context: RequestContext,
    search_path: String,
}

impl Caller {
    /// Runs `statement` in the operation's transaction.
    pub async fn run(&self, statement: Statement) -> Result<Output, async_graphql::Error> {
        let settings = self.context.settings(&self.search_path);
        self.session
            .run(&settings, statement)
            .await
            .map_err(|e| error::from_db(e, self.context.identity.authenticated))
    }
}
