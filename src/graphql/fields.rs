//! Resolvers below the root: each picks its value out of the rows Postgres shaped for the root
//! field, without touching the database.
//!
//! A row is a JSON object keyed by response key; its values stay raw JSON until a field reads
//! them. A to-one relation's value is a row (or null), a to-many relation's a JSON array of rows,
//! which becomes a [`Page`] for its connection's fields.

use std::collections::HashMap;

use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Error, Value};
use serde_json::value::RawValue;

use super::args::{Args, Paging};
use super::scalar::Scalar;

/// One row of a result, keyed by response key.
pub(crate) type Row = HashMap<String, Box<RawValue>>;

/// The rows of a connection and what its `pageInfo` and `totalCount` say.
#[derive(Debug)]
pub(crate) struct Page {
    rows: Vec<Row>,
    has_next: bool,
    has_previous: bool,
    /// The rows the filters match, when they were counted (root connections only).
    total: Option<i64>,
}

impl Page {
    /// The page of `rows` read for `paging`: one row more than `first` was read, if there was one,
    /// which means there is a next page.
    pub fn new(mut rows: Vec<Row>, paging: Paging, total: Option<i64>) -> Page {
        let first = paging.first.and_then(|n| usize::try_from(n).ok());
        let has_next = first.is_some_and(|first| rows.len() > first);
        if let Some(first) = first {
            rows.truncate(first);
        }
        Page {
            rows,
            has_next,
            has_previous: paging.offset > 0,
            total,
        }
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

/// A column field: the value under its response key in the parent row.
pub(crate) fn column(ctx: ResolverContext<'_>, scalar: Scalar, list: bool) -> FieldFuture<'_> {
    let value = raw(&ctx).and_then(|raw| {
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

/// A relation to one row: that row, or null.
pub(crate) fn to_one(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
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

/// A relation to many rows: the page of its connection.
pub(crate) fn to_many(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let page = raw(&ctx).and_then(|raw| {
        let rows = parse::<Vec<Row>>(raw.get())?;
        let paging = Paging::of(&Args::of(&ctx.field())?)?;
        Ok(Page::new(rows, paging, None))
    });
    ready(page.map(FieldValue::owned_any))
}

/// The raw JSON under the field's response key in the parent row.
fn raw<'a>(ctx: &ResolverContext<'a>) -> Result<&'a RawValue, Error> {
    let field = ctx.field();
    let key = field.alias().unwrap_or(field.name());
    let row = ctx.parent_value.try_downcast_ref::<Row>()?;
    row.get(key)
        .map(AsRef::as_ref)
        .ok_or_else(|| Error::new(format!("internal: no value for \"{key}\" in the row")))
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
