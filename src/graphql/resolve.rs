//! Root resolvers. A root field lowers its arguments and whole selection set into one plan and
//! runs it as one statement in the operation's transaction; every field below it (see
//! [`fields`](super::fields)) only picks its response key out of the rows Postgres shaped.

use std::sync::Arc;

use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Context, Error, Value};
use serde_json::value::RawValue;

use super::aggregate;
use super::args::Args;
use super::fields::{Row, ready};
use super::functions::{self, Returns};
use super::keys::Key;
use super::lower::{Counted, Lowered};
use super::model::{Model, NODE_ID, QUERY, Table};
use super::node_id::{self, NodeId};
use super::{Caller, error, lower};
use crate::db::Output;
use crate::plan::{
    ArgumentsRequest, CallPlan, CallRequest, InsertPlan, InsertRequest, MutatePlan,
    MutationRequest, ReadOptions, ReadPlan, ReadRequest,
};
use crate::schema::{Cache, Ident, Relation};
use crate::sql::{self, Shape};

/// What the root resolvers of one schema share.
#[derive(Debug)]
pub(crate) struct Reader {
    pub cache: Arc<Cache>,
    /// The exposed schema, whose functions the function fields call.
    pub schema: Ident,
    pub model: Model,
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
        let plan = ReadPlan::build(&self.cache, self.relation(table)?, request, self.options())
            .map_err(error::from_plan)?;
        let output = ctx
            .data::<Caller>()?
            .run(sql::read(&plan, Shape::Array, count))
            .await?;
        Ok((parse(&output.body)?, output.total))
    }

    /// As [`Reader::read`], with the number of rows `count` matches, if asked.
    async fn read_counting(
        &self,
        ctx: &Context<'_>,
        table: &Table,
        request: ReadRequest,
        count: Option<Counted>,
    ) -> Result<(Vec<Row>, Option<i64>), Error> {
        let counted = match count {
            None => return self.read(ctx, table, request, false).await,
            Some(counted) if counted.same_filters => {
                return self.read(ctx, table, request, true).await;
            }
            Some(counted) => counted.request,
        };
        let relation = self.relation(table)?;
        let plan = ReadPlan::build(&self.cache, relation, request, self.options())
            .map_err(error::from_plan)?;
        let counted = ReadPlan::build(&self.cache, relation, counted, self.options())
            .map_err(error::from_plan)?;
        let output = ctx
            .data::<Caller>()?
            .run(sql::read_counting(&plan, Shape::Array, &counted))
            .await?;
        Ok((parse(&output.body)?, output.total))
    }

    /// As [`Reader::read_counting`], with the rows of the connection's aggregates fields read
    /// beside its page in the same statement, by the fields' response keys.
    async fn read_connection(
        &self,
        ctx: &Context<'_>,
        table: &Table,
        lowered: Lowered,
    ) -> Result<(Vec<Row>, Option<i64>, Row), Error> {
        if lowered.aggregates.is_empty() {
            let (rows, total) = self
                .read_counting(ctx, table, lowered.request, lowered.count)
                .await?;
            return Ok((rows, total, Row::new()));
        }
        let relation = self.relation(table)?;
        let plan = |request| {
            ReadPlan::build(&self.cache, relation, request, self.options())
                .map_err(error::from_plan)
        };
        let page = plan(lowered.request)?;
        let (counting, counted) = match lowered.count {
            None => (false, None),
            Some(counted) if counted.same_filters => (true, None),
            Some(counted) => (true, Some(plan(counted.request)?)),
        };
        let counted = counting.then(|| counted.as_ref().unwrap_or(&page));
        let (keys, beside) = self.aggregates(relation, lowered.aggregates)?;
        let output = ctx
            .data::<Caller>()?
            .run(sql::read_beside(&page, counted, &beside))
            .await?;
        let (rows, aggregates) = parse_beside(&output.body, keys)?;
        Ok((rows, output.total, aggregates))
    }

    /// The page of rows the function `function` returns for `arguments` (see [`Reader::call`]),
    /// with the rows of the connection's aggregates fields as [`Reader::read_connection`] reads
    /// them.
    async fn call_connection(
        &self,
        ctx: &Context<'_>,
        function: &str,
        arguments: ArgumentsRequest,
        table: &Table,
        lowered: Lowered,
    ) -> Result<(Vec<Row>, Option<i64>, Row), Error> {
        let count = lowered.count.is_some();
        if lowered.aggregates.is_empty() {
            let output = self
                .call(ctx, function, arguments, lowered.request, count)
                .await?;
            return Ok((parse(&output.body)?, output.total, Row::new()));
        }
        let request = CallRequest {
            function: function.to_owned(),
            arguments,
            read: lowered.request,
        };
        let plan = CallPlan::build(&self.cache, &self.schema, request, self.options())
            .map_err(error::from_plan)?;
        let (keys, beside) = self.aggregates(self.relation(table)?, lowered.aggregates)?;
        let output = ctx
            .data::<Caller>()?
            .run(sql::call_beside(plan, count, &beside))
            .await?;
        let (rows, aggregates) = parse_beside(&output.body, keys)?;
        Ok((rows, output.total, aggregates))
    }

    /// The plans of a connection's aggregates fields over `relation`, and their response keys.
    fn aggregates(
        &self,
        relation: &Relation,
        aggregates: Vec<aggregate::Request>,
    ) -> Result<(Vec<String>, Vec<ReadPlan>), Error> {
        aggregates
            .into_iter()
            .map(|aggregates| {
                let plan =
                    ReadPlan::build(&self.cache, relation, aggregates.request, self.options())
                        .map_err(error::from_plan)?;
                Ok((aggregates.key, plan))
            })
            .collect::<Result<Vec<_>, Error>>()
            .map(|pairs| pairs.into_iter().unzip())
    }

    /// Inserts `request` into `table` and parses the rows it returns.
    pub async fn insert(
        &self,
        ctx: &Context<'_>,
        table: &Table,
        request: InsertRequest,
    ) -> Result<Vec<Row>, Error> {
        let plan = InsertPlan::build(&self.cache, self.relation(table)?, request, self.options())
            .map_err(error::from_plan)?;
        let output = ctx
            .data::<Caller>()?
            .run(sql::insert(plan, Shape::Array, false))
            .await?;
        parse(&output.body)
    }

    /// The row of `table` whose primary key has `values`, with the fields `ctx` selects (only
    /// those `table` has, with `lenient`).
    async fn row_with_key(
        &self,
        ctx: &ResolverContext<'_>,
        table: &Table,
        values: Vec<String>,
        lenient: bool,
    ) -> Result<Option<Row>, Error> {
        let values: Vec<Value> = values.into_iter().map(Value::String).collect();
        let request = lower::row_with_key(&self.model, table, &ctx.field(), &values, lenient)?;
        Ok(self
            .read(ctx, table, request, false)
            .await?
            .0
            .into_iter()
            .next())
    }

    /// Updates or deletes the rows of `table` that `read` filters and parses the rows it
    /// returns as `read` selects them.
    pub async fn mutate(
        &self,
        ctx: &Context<'_>,
        table: &Table,
        mutation: MutationRequest,
        read: ReadRequest,
    ) -> Result<Vec<Row>, Error> {
        let relation = self.relation(table)?;
        let plan = MutatePlan::build(&self.cache, relation, mutation, read, true, self.options())
            .map_err(error::from_plan)?;
        let output = ctx
            .data::<Caller>()?
            .run(sql::mutate(plan, Shape::Array, false))
            .await?;
        parse(&output.body)
    }

    /// Calls the function `function` with `arguments` and reads its result as `read` asks;
    /// with `count`, the rows the root filters match come beside.
    pub async fn call(
        &self,
        ctx: &Context<'_>,
        function: &str,
        arguments: ArgumentsRequest,
        read: ReadRequest,
        count: bool,
    ) -> Result<Output, Error> {
        let request = CallRequest {
            function: function.to_owned(),
            arguments,
            read,
        };
        let plan = CallPlan::build(&self.cache, &self.schema, request, self.options())
            .map_err(error::from_plan)?;
        ctx.data::<Caller>()?
            .run(sql::call(plan, Shape::Array, count))
            .await
    }

    fn relation(&self, table: &Table) -> Result<&Relation, Error> {
        self.cache.relations.get(&table.relation).ok_or_else(|| {
            Error::new(format!(
                "internal: {} is not in the schema cache",
                table.relation
            ))
        })
    }

    /// The plans' options: `db-max-rows` caps connections as they page (see
    /// [`Paging`](super::paging::Paging)), so that a capped page still tells there is more;
    /// aggregates count nested connections' rows for `totalCount`.
    fn options(&self) -> ReadOptions {
        ReadOptions {
            max_rows: None,
            aggregates: true,
        }
    }
}

fn parse(body: &str) -> Result<Vec<Row>, Error> {
    serde_json::from_str(body).map_err(|e| Error::new(format!("internal: unreadable result: {e}")))
}

/// The page and, by `keys`, the aggregates of a body read with aggregates beside its page:
/// `[<page>, <aggregates of keys[0]>, …]`.
fn parse_beside(body: &str, keys: Vec<String>) -> Result<(Vec<Row>, Row), Error> {
    let mut parts: Vec<Box<RawValue>> = serde_json::from_str(body)
        .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))?;
    let aggregates = keys.into_iter().zip(parts.drain(1..)).collect();
    let rows = parts
        .first()
        .ok_or_else(|| Error::new("internal: no page in the result"))
        .and_then(|rows| parse(rows.get()))?;
    Ok((rows, aggregates))
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
            let (range, paging, cursors) = (
                lowered.request.range,
                lowered.paging.clone(),
                lowered.cursors,
            );
            let (rows, total, aggregates) = reader.read_connection(&ctx, table, lowered).await?;
            let mut page = paging.page(rows, range, total, cursors)?;
            page.aggregates = aggregates;
            Ok(page)
        };
        Ok(or_null(&ctx, page.await.map(FieldValue::owned_any)))
    })
}

/// `personById` or `personByEmail`: the row, or null.
pub(crate) fn row_by_key(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
    key: Key,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let rows = async {
            let table = &reader.model.tables[table];
            let request = lower::row_by_key(&reader.model, table, &ctx.field(), key)?;
            Ok(reader.read(&ctx, table, request, false).await?.0)
        };
        Ok(or_null(&ctx, rows.await)
            .and_then(|rows| rows.into_iter().next().map(FieldValue::owned_any)))
    })
}

/// `person(nodeId:)`: the row the id names, or null when it names no row of this table.
pub(crate) fn row_by_node_id(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let row = async {
            let table = &reader.model.tables[table];
            let id = node_id::decode(&node_id_argument(&ctx)?)?;
            if !names(table, &id) {
                return Ok(None);
            }
            reader.row_with_key(&ctx, table, id.values, false).await
        };
        Ok(or_null(&ctx, row.await)
            .flatten()
            .map(FieldValue::owned_any))
    })
}

/// `node(nodeId:)`: the row the id names, as its type, or the root query type for `"query"`.
pub(crate) fn node(ctx: ResolverContext<'_>, reader: Arc<Reader>) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let value = async {
            let text = node_id_argument(&ctx)?;
            if text == node_id::QUERY_ID {
                return Ok(Some(FieldValue::owned_any(()).with_type(QUERY)));
            }
            let id = node_id::decode(&text)?;
            let Some(table) = reader.model.tables.iter().find(|t| names(t, &id)) else {
                return Ok(None);
            };
            let row = reader.row_with_key(&ctx, table, id.values, true).await?;
            Ok(row.map(|row| FieldValue::owned_any(row).with_type(table.names.node.clone())))
        };
        Ok(or_null(&ctx, value.await).flatten())
    })
}

/// `peopleOver(minAge: 20, …)`: what a function returns, read as its field asks — a connection of
/// rows, a row, or a value.
pub(crate) fn call(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    function: usize,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let value = async {
            let function = &reader.model.functions[function];
            let field = ctx.field();
            let arguments = functions::field_arguments(function, &Args::of(&field)?)?;
            let name = &function.function;
            match function.returns {
                Returns::Rows(table) => {
                    let table = &reader.model.tables[table];
                    let lowered = lower::function_connection(&reader.model, table, &field)?;
                    let (range, paging, cursors) = (
                        lowered.request.range,
                        lowered.paging.clone(),
                        lowered.cursors,
                    );
                    let (rows, total, aggregates) = reader
                        .call_connection(&ctx, name, arguments, table, lowered)
                        .await?;
                    let mut page = paging.page(rows, range, total, cursors)?;
                    page.aggregates = aggregates;
                    Ok(Some(FieldValue::owned_any(page)))
                }
                Returns::Row(table) => {
                    let table = &reader.model.tables[table];
                    let read = lower::function_row(&reader.model, table, &field)?;
                    let output = reader.call(&ctx, name, arguments, read, false).await?;
                    let row: Option<Row> = serde_json::from_str(&output.body)
                        .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))?;
                    Ok(row.map(FieldValue::owned_any))
                }
                Returns::Scalar { scalar, list } => {
                    let read = ReadRequest::default();
                    let output = reader.call(&ctx, name, arguments, read, false).await?;
                    let raw = RawValue::from_string(output.body)
                        .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))?;
                    let value = match list {
                        true => scalar.output_list(&raw),
                        false => scalar.output(&raw),
                    }
                    .map_err(Error::new)?;
                    Ok((value != Value::Null).then(|| FieldValue::value(value)))
                }
                Returns::Scalars(_) | Returns::Void => {
                    Err(Error::new("internal: not a query field"))
                }
            }
        };
        Ok(or_null(&ctx, value.await).flatten())
    })
}

/// Whether `id` can name a row of `table`.
pub(crate) fn names(table: &Table, id: &NodeId) -> bool {
    id.prefix == table.names.node_id_prefix
        && !table.primary_key.is_empty()
        && id.values.len() == table.primary_key.len()
}

fn node_id_argument(ctx: &ResolverContext<'_>) -> Result<String, Error> {
    match Args::of(&ctx.field())?.get(NODE_ID) {
        Some(Value::String(id)) => Ok(id.clone()),
        _ => Err(Error::new("Argument \"nodeId\" is required.")),
    }
}

/// The value of a nullable field, or null with `error` reported at the field, as the GraphQL
/// spec has it. (An `Err` from a resolver would drop the field's key from the response instead.)
pub(crate) fn or_null<T>(ctx: &ResolverContext<'_>, result: Result<T, Error>) -> Option<T> {
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
