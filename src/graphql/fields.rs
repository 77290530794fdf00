//! Resolvers below the root: each picks its value out of the rows Postgres shaped for the root
//! field, without touching the database.
//!
//! A row is a JSON object keyed by response key; its values stay raw JSON until a field reads
//! them. A to-one relation's value is a row (or null), a to-many relation's a JSON array of rows,
//! which becomes a [`Page`] for its connection's fields.

use std::collections::HashMap;

use async_graphql::Error;
use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use serde_json::value::RawValue;

use super::aggregate;
use super::args::Args;
use super::lower;
use super::model::{Model, Table};
use super::node_id;
use super::paging::{self, CURSOR_KEY, Paging};
use super::scalar::Scalar;
use super::types::{self, ValueType};

/// One row of a result, keyed by response key.
pub(crate) type Row = HashMap<String, Box<RawValue>>;

/// The rows of a connection and what its `pageInfo` and `totalCount` say.
#[derive(Debug)]
pub(crate) struct Page {
    pub rows: Vec<Row>,
    pub has_next: bool,
    pub has_previous: bool,
    /// The rows the filters match, when they were counted (root connections only).
    pub total: Option<i64>,
    /// The rows of its `aggregates` and `groupedAggregates` fields, by response key.
    pub aggregates: Row,
}

/// What a mutation returns: the row it wrote (none when the caller may not see it) and the
/// caller's `clientMutationId`.
#[derive(Debug)]
pub(crate) struct Payload {
    pub row: Option<Row>,
    pub client_mutation_id: Option<String>,
}

/// `person` of a payload.
pub(crate) fn payload_row(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    match ctx.parent_value.try_downcast_ref::<Payload>() {
        Ok(Payload { row: Some(row), .. }) => ready(Ok(FieldValue::borrowed_any(row))),
        Ok(_) => FieldFuture::Value(None),
        Err(error) => ready(Err(error)),
    }
}

/// `personEdge(orderBy: …)` of a payload of `table`: the edge of its row, with the row's
/// cursor in that order when it is selected.
pub(crate) fn payload_edge<'a>(ctx: ResolverContext<'a>, table: &Table) -> FieldFuture<'a> {
    let row = match ctx.parent_value.try_downcast_ref::<Payload>() {
        Ok(Payload { row: Some(row), .. }) => row,
        Ok(_) => return FieldFuture::Value(None),
        Err(error) => return ready(Err(error)),
    };
    let edge = lower::edge_cursor_order(table, &ctx.field()).and_then(|order| match order {
        None => Ok(FieldValue::borrowed_any(row)),
        Some(order) => {
            let cursor = order.keyed_cursor(row)?;
            let mut row = row.clone();
            paging::insert_cursor(&mut row, &cursor)?;
            Ok(FieldValue::owned_any(row))
        }
    });
    ready(edge)
}

/// `clientMutationId` of a payload, as the caller sent it.
pub(crate) fn client_mutation_id(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    match ctx.parent_value.try_downcast_ref::<Payload>() {
        Ok(Payload {
            client_mutation_id: Some(id),
            ..
        }) => ready(Ok(FieldValue::value(id.as_str()))),
        Ok(_) => FieldFuture::Value(None),
        Err(error) => ready(Err(error)),
    }
}

/// `nodes` and `edges` of a connection: one value per row.
pub(crate) fn rows(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let page = ctx.parent_value.try_downcast_ref::<Page>();
    ready(
        page.map(|page| {
            FieldValue::list(page.rows.iter().map(|row| FieldValue::borrowed_any(row)))
        }),
    )
}

/// `node` of an edge: the edge's row itself.
pub(crate) fn edge_node(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    ready(
        ctx.parent_value
            .try_downcast_ref::<Row>()
            .map(|row| FieldValue::borrowed_any(row)),
    )
}

/// `pageInfo`: the page itself, for `hasNextPage` and `hasPreviousPage`.
pub(crate) fn page_info(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    ready(
        ctx.parent_value
            .try_downcast_ref::<Page>()
            .map(|page| FieldValue::borrowed_any(page)),
    )
}

pub(crate) fn has_next_page(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let page = ctx.parent_value.try_downcast_ref::<Page>();
    ready(page.map(|page| FieldValue::value(page.has_next)))
}

pub(crate) fn has_previous_page(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let page = ctx.parent_value.try_downcast_ref::<Page>();
    ready(page.map(|page| FieldValue::value(page.has_previous)))
}

/// `totalCount`, which lowering asked for when it was selected on a root connection.
pub(crate) fn total_count(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let total = ctx
        .parent_value
        .try_downcast_ref::<Page>()
        .and_then(|page| {
            page.total
                .ok_or_else(|| Error::new("internal: the rows were not counted"))
        });
    ready(total.map(FieldValue::value))
}

/// A field of a scalar column: the value under its response key in the parent row.
pub(crate) fn column(ctx: ResolverContext<'_>, scalar: Scalar, list: bool) -> FieldFuture<'_> {
    let value = ValueType {
        scalar,
        list,
        named: None,
    };
    typed_column(ctx, &value)
}

/// A column field of any type: the value under its response key in the parent row.
pub(crate) fn typed_column<'a>(ctx: ResolverContext<'a>, value: &ValueType) -> FieldFuture<'a> {
    match raw(&ctx) {
        Ok(raw) => types::output(value, raw),
        Err(error) => ready(Err(error)),
    }
}

/// `nodeId` of a row of table `prefix` with a primary key of `keys` columns.
pub(crate) fn node_id<'a>(ctx: ResolverContext<'a>, prefix: &str, keys: usize) -> FieldFuture<'a> {
    let id = parent_row(&ctx).and_then(|row| {
        let values = (0..keys)
            .map(|i| {
                row.get(&node_id::key(i))
                    .map(AsRef::as_ref)
                    .ok_or_else(|| Error::new("internal: the row's key was not read"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(node_id::encode(prefix, &values))
    });
    ready(id.map(FieldValue::value))
}

/// A relation to one row: that row, or null. On a mutation's payload, the relation of its row.
pub(crate) fn to_one(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    if let Some(Payload { row: None, .. }) = ctx.parent_value.downcast_ref::<Payload>() {
        return FieldFuture::Value(None);
    }
    let row = raw(&ctx).and_then(|raw| match raw.get() {
        "null" => Ok(None),
        text => parse::<Row>(text).map(Some),
    });
    match row {
        Ok(None) => FieldFuture::Value(None),
        Ok(Some(row)) => ready(Ok(FieldValue::owned_any(row))),
        Err(error) => ready(Err(error)),
    }
}

/// A relation to many rows of `target`: the page of its connection.
pub(crate) fn to_many<'a>(
    ctx: ResolverContext<'a>,
    model: &Model,
    target: &Table,
) -> FieldFuture<'a> {
    nested_page(ctx, |args| Paging::of(target, args, model.max_rows))
}

/// A computed column's rows of `target`: the page of its connection, in the function's order.
pub(crate) fn function_rows<'a>(
    ctx: ResolverContext<'a>,
    model: &Model,
    target: &Table,
) -> FieldFuture<'a> {
    nested_page(ctx, |args| Paging::natural(target, args, model.max_rows))
}

/// The page of a nested connection, paged as `paging` says.
fn nested_page<'a>(
    ctx: ResolverContext<'a>,
    paging: impl FnOnce(&Args) -> Result<Paging, Error>,
) -> FieldFuture<'a> {
    let page = raw(&ctx).and_then(|raw| {
        let rows = parse::<Vec<Row>>(raw.get())?;
        let field = ctx.field();
        let paging = paging(&Args::of(&field)?)?;
        let range = paging.range();
        let total = nested_total(&ctx)?;
        let mut page = paging.page(rows, range, total, paging::wants_cursors(&field))?;
        page.aggregates =
            aggregate::nested(parent_row(&ctx)?, field.alias().unwrap_or(field.name()));
        Ok(page)
    });
    ready(page.map(FieldValue::owned_any))
}

/// A nested connection's `totalCount`, which its parent row holds beside it when it is selected:
/// `[{"n": 3}]`.
fn nested_total(ctx: &ResolverContext<'_>) -> Result<Option<i64>, Error> {
    let field = ctx.field();
    let key = lower::count_key(field.alias().unwrap_or(field.name()));
    let Some(raw) = parent_row(ctx)?.get(&key) else {
        return Ok(None);
    };
    let counts: Vec<HashMap<String, i64>> = parse(raw.get())?;
    Ok(counts
        .first()
        .and_then(|count| count.get(lower::COUNT).copied()))
}

/// `cursor` of an edge: its row's, which its page made.
pub(crate) fn cursor(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let cursor = ctx.parent_value.try_downcast_ref::<Row>().and_then(|row| {
        let raw = row
            .get(CURSOR_KEY)
            .ok_or_else(|| Error::new("internal: the row has no cursor"))?;
        parse::<String>(raw.get())
    });
    ready(cursor.map(FieldValue::value))
}

/// `startCursor` and `endCursor` of a page: its first or last row's cursor, null when empty.
pub(crate) fn page_cursor(ctx: ResolverContext<'_>, end: bool) -> FieldFuture<'_> {
    let page = match ctx.parent_value.try_downcast_ref::<Page>() {
        Ok(page) => page,
        Err(error) => return ready(Err(error)),
    };
    let row = match end {
        true => page.rows.last(),
        false => page.rows.first(),
    };
    match row.and_then(|row| row.get(CURSOR_KEY)) {
        Some(raw) => ready(parse::<String>(raw.get()).map(FieldValue::value)),
        None => FieldFuture::Value(None),
    }
}

/// The raw JSON under the field's response key in the parent row (a payload's row).
fn raw<'a>(ctx: &ResolverContext<'a>) -> Result<&'a RawValue, Error> {
    let field = ctx.field();
    let key = field.alias().unwrap_or(field.name());
    parent_row(ctx)?
        .get(key)
        .map(AsRef::as_ref)
        .ok_or_else(|| Error::new(format!("internal: no value for \"{key}\" in the row")))
}

/// The row a field reads from: its parent, or its parent payload's row.
///
/// The parent is a payload only below mutations, so that test must not fail the way
/// `try_downcast_ref` does: its error formats the parent value, which cost more than the rest of
/// a column's resolver.
fn parent_row<'a>(ctx: &ResolverContext<'a>) -> Result<&'a Row, Error> {
    match ctx.parent_value.downcast_ref::<Payload>() {
        Some(Payload { row: Some(row), .. }) => Ok(row),
        _ => ctx.parent_value.try_downcast_ref::<Row>(),
    }
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::new(format!("internal: unreadable result: {e}")))
}

/// A result known without waiting: no future to box on the success path, which runs per field
/// per row.
pub(crate) fn ready(result: Result<FieldValue<'_>, Error>) -> FieldFuture<'_> {
    match result {
        Ok(value) => FieldFuture::Value(Some(value)),
        Err(error) => FieldFuture::new(async move { Err::<Option<FieldValue>, _>(error) }),
    }
}
