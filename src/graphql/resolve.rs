//! Root resolvers. A root field lowers its whole selection set into one plan and runs it as one
//! statement in one transaction; every field below it (see [`fields`](super::fields)) only picks
//! its response key out of the rows Postgres shaped.

use std::sync::Arc;

use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Context, Error};

use super::args::{Args, Paging};
use super::fields::{Page, Row, ready};
use super::model::{Model, Table};
use super::{RequestData, error, lower};
use crate::db::Access;
use crate::plan::{ReadOptions, ReadPlan, ReadRequest};
use crate::schema::Cache;
use crate::sql::{self, Shape};

/// What the root resolvers of one schema share.
#[derive(Debug)]
pub(crate) struct Reader {
    pub cache: Arc<Cache>,
    pub model: Model,
    pub max_rows: Option<u64>,
}

impl Reader {
    /// Plans `request` against `table`, runs it under the caller's role and parses the rows;
    /// with `count`, the number of rows the root filters match comes beside them.
    async fn read(
        &self,
        ctx: &Context<'_>,
        table: &Table,
        request: ReadRequest,
        count: bool,
    ) -> Result<(Vec<Row>, Option<i64>), Error> {
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
        let settings = data.context.settings(&data.search_path);
        let output = data
            .db
            .run(
                &settings,
                Access::ReadOnly,
                sql::read(&plan, Shape::Array, count),
            )
            .await
            .map_err(|e| error::from_db(e, data.context.identity.authenticated))?;
        let rows = serde_json::from_str(&output.body)
            .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))?;
        Ok((rows, output.total))
    }
}

/// `allPeople`: the connection's page, for `nodes`, `edges`, `pageInfo` and `totalCount`.
pub(crate) fn all_rows(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let page = async {
            let table = &reader.model.tables[table];
            let field = ctx.field();
            let lowered = lower::connection(&reader.model, table, &field)?;
            let paging = Paging::of(&Args::of(&field)?)?;
            let (rows, total) = reader
                .read(&ctx, table, lowered.request, lowered.count)
                .await?;
            Ok(Page::new(rows, paging, total))
        };
        Ok(or_null(&ctx, page.await.map(FieldValue::owned_any)))
    })
}

/// `personById`: the row, or null.
pub(crate) fn row_by_key(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let rows = async {
            let table = &reader.model.tables[table];
            let request = lower::row_by_key(&reader.model, table, &ctx.field())?;
            Ok(reader.read(&ctx, table, request, false).await?.0)
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

/// `query`: the root query type again, for Relay 1.
pub(crate) fn query(_: ResolverContext<'_>) -> FieldFuture<'_> {
    ready(Ok(FieldValue::owned_any(())))
}
