//! Resolvers. A root field lowers its whole selection set into one plan and runs it as one
//! statement; every field below it only picks its response key out of the rows Postgres shaped.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Context, Error, Value};
use serde_json::value::RawValue;

use super::model::Table;
use super::scalar::Scalar;
use super::{RequestData, error, lower};
use crate::db::{Access, RequestSettings};
use crate::plan::{ReadOptions, ReadPlan, ReadRequest};
use crate::schema::Cache;

/// One row of a result, keyed by response key; values stay raw JSON until a field reads them.
pub(crate) type Row = HashMap<String, Box<RawValue>>;

/// What the root resolvers of one schema share.
#[derive(Debug)]
pub(crate) struct Reader {
    pub cache: Arc<Cache>,
    pub max_rows: Option<u64>,
}

impl Reader {
    /// Plans `request` against `table`, runs it under the caller's role and parses the rows.
    async fn read(
        &self,
        ctx: &Context<'_>,
        table: &Table,
        request: ReadRequest,
    ) -> Result<Vec<Row>, Error> {
        let data = ctx.data::<RequestData>()?;
        let relation = self.cache.relations.get(&table.relation).ok_or_else(|| {
            Error::new(format!(
                "internal: {} is not in the schema cache",
                table.relation
            ))
        })?;
        let options = ReadOptions {
            max_rows: self.max_rows,
            aggregates: false,
        };
        let plan =
            ReadPlan::build(&self.cache, relation, request, options).map_err(error::from_plan)?;
        let settings = RequestSettings {
            identity: &data.identity,
            search_path: &data.search_path,
            method: "POST",
            path: "/graphql",
        };
        let output = data
            .db
            .run(
                &settings,
                Access::ReadOnly,
                crate::sql::read(&plan, crate::sql::Shape::Array, false),
            )
            .await
            .map_err(|e| error::from_db(e, data.identity.authenticated))?;
        serde_json::from_str(&output.body)
            .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))
    }
}

/// `allPeople`: the connection's rows, for `nodes` and `edges` to hand out.
pub(crate) fn all_rows<'a>(
    ctx: ResolverContext<'a>,
    reader: Arc<Reader>,
    table: Arc<Table>,
) -> FieldFuture<'a> {
    FieldFuture::new(async move {
        let rows = async {
            let request = lower::connection(&table, ctx.field(), &ctx.args)?;
            reader.read(&ctx, &table, request).await
        };
        Ok(or_null(&ctx, rows.await.map(FieldValue::owned_any)))
    })
}

/// `personById`: the row, or null.
pub(crate) fn row_by_key<'a>(
    ctx: ResolverContext<'a>,
    reader: Arc<Reader>,
    table: Arc<Table>,
) -> FieldFuture<'a> {
    FieldFuture::new(async move {
        let rows = async {
            let request = lower::row_by_key(&table, ctx.field(), &ctx.args)?;
            reader.read(&ctx, &table, request).await
        };
        Ok(or_null(&ctx, rows.await)
            .and_then(|rows| rows.into_iter().next().map(FieldValue::owned_any)))
    })
}

/// The value of a nullable field, or null with `error` reported at the field, as the GraphQL
/// spec has it. (An `Err` from a resolver would drop the field's key from the response instead.)
fn or_null<T>(ctx: &ResolverContext<'_>, result: Result<T, Error>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
            None
        }
    }
}

/// `nodes` and `edges` of a connection: one value per row.
pub(crate) fn rows(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let rows = ctx.parent_value.try_downcast_ref::<Vec<Row>>();
    ready(rows.map(|rows| FieldValue::list(rows.iter().map(|row| FieldValue::borrowed_any(row)))))
}

/// `node` of an edge: the edge's row itself.
pub(crate) fn edge_node(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    ready(
        ctx.parent_value
            .try_downcast_ref::<Row>()
            .map(|row| FieldValue::borrowed_any(row)),
    )
}

/// A column field: the value under its response key in the parent row.
pub(crate) fn column(ctx: ResolverContext<'_>, scalar: Scalar, list: bool) -> FieldFuture<'_> {
    let field = ctx.field();
    let key = field.alias().unwrap_or(field.name());
    let value = ctx.parent_value.try_downcast_ref::<Row>().and_then(|row| {
        let raw = row
            .get(key)
            .ok_or_else(|| Error::new(format!("internal: no value for \"{key}\" in the row")))?;
        let value = if list {
            scalar.output_list(raw)
        } else {
            scalar.output(raw)
        };
        value.map_err(Error::new)
    });
    match value {
        // Custom scalars do not accept a null value: null is no value.
        Ok(Value::Null) => FieldFuture::Value(None),
        value => ready(value.map(FieldValue::value)),
    }
}

/// `query`: the root query type again, for Relay 1.
pub(crate) fn query(_: ResolverContext<'_>) -> FieldFuture<'_> {
    ready(Ok(FieldValue::owned_any(())))
}

/// A result known without waiting: no future to box on the success path, which runs per field
/// per row.
fn ready(result: Result<FieldValue<'_>, Error>) -> FieldFuture<'_> {
    match result {
        Ok(value) => FieldFuture::Value(Some(value)),
        Err(error) => FieldFuture::new(async move { Err::<Option<FieldValue>, _>(error) }),
    }
}
