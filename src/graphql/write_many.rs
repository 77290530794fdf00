//! Resolvers of the mutations of several rows (see [`many`](super::many)): each lowers its input
//! and its payload's selection set into one write plan — an insert of all the rows, or an update
//! or delete of the rows a filter matches — and runs it as one statement in the operation's
//! transaction. An update or delete that changed more rows than `atMost` fails after its
//! statement, which fails the mutation: its transaction is rolled back.

use std::sync::Arc;

use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Error, Value};

use super::args::Args;
use super::conflict::{self, ON_CONFLICT};
use super::error::{bad_input, with_code};
use super::fields::Row;
use super::input;
use super::lower;
use super::many::{AT_MOST, FILTER, ManyPayload};
use super::model::Table;
use super::naming::ManyNames;
use super::nested;
use super::resolve::{Reader, or_null};
use super::write::{Change, Input};
use crate::plan::{
    Direction, FieldPath, InsertRequest, Missing, OrderTarget, OrderTerm, ReadRequest,
};

/// `createManyPeople(input: {people: [{…}, …], onConflict})`: inserts the rows.
pub(crate) fn create(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let payload = async {
            let table = &reader.model.tables[table];
            let many = names(table)?;
            let field = ctx.field();
            let args = Args::of(&field)?;
            let input = Input::of(&args)?;
            let values = match input.required(&many.rows_field)? {
                Value::List(values) if !values.is_empty() => values,
                _ => {
                    return Err(bad_input(format!(
                        "{} needs at least one row in \"{}\".",
                        many.create, many.rows_field
                    )));
                }
            };
            let mut columns = Vec::with_capacity(values.len());
            for value in values {
                let (value, nested) = nested::split(&reader.model, table, value)?;
                if !nested.is_empty() {
                    return Err(bad_input(format!(
                        "{} cannot create related rows; {} can.",
                        many.create, table.names.create
                    )));
                }
                columns.push(value);
            }
            let rows = input::rows(table, &columns)?;
            let request = InsertRequest {
                columns: rows.columns,
                body: rows.body,
                missing: Missing::Default,
                on_conflict: conflict::request(table, input.get(ON_CONFLICT))?,
                returning: Some(lower::rows_payload(
                    &reader.model,
                    table,
                    &field,
                    &many.rows_field,
                    None,
                )?),
                nested: Vec::new(),
            };
            let rows = reader.insert(&ctx, table, request).await?;
            Ok(payload(&input, rows))
        };
        Ok(or_null(&ctx, payload.await.map(FieldValue::owned_any)))
    })
}

/// `updateManyPeople(input: {filter, personPatch, atMost})` and `deleteManyPeople(input:
/// {filter, atMost})`: changes the rows the filter matches.
pub(crate) fn change(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
    change: Change,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let payload = async {
            let table = &reader.model.tables[table];
            let field = ctx.field();
            let args = Args::of(&field)?;
            let input = Input::of(&args)?;
            let mutation = change.request(table, &input)?;
            let (read, at_most) = filtered(&reader, table, &field, &input)?;
            let rows = reader.mutate(&ctx, table, mutation, read).await?;
            bounded(table, change.verb(), rows, at_most).map(|rows| payload(&input, rows))
        };
        Ok(or_null(&ctx, payload.await.map(FieldValue::owned_any)))
    })
}

fn names(table: &Table) -> Result<&ManyNames, Error> {
    table
        .many
        .as_ref()
        .ok_or_else(|| Error::new("internal: no mutations of several rows"))
}

/// The read choosing the rows an update or delete changes — those `filter` matches, returned in
/// primary key order with the fields the payload selects — and `atMost`.
fn filtered(
    reader: &Reader,
    table: &Table,
    field: &async_graphql::SelectionField<'_>,
    input: &Input<'_>,
) -> Result<(ReadRequest, usize), Error> {
    let many = names(table)?;
    let at_most = match input.get(AT_MOST) {
        None => 1,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad_input(format!("atMost must not be negative, not {n}.")))?,
        Some(other) => return Err(bad_input(format!("atMost must be an Int, not {other}."))),
    };
    let read = lower::rows_payload(
        &reader.model,
        table,
        field,
        &many.rows_field,
        input.get(FILTER),
    )?;
    let order = table
        .primary_key
        .iter()
        .map(|&i| OrderTerm {
            target: OrderTarget::Field(FieldPath::column(table.columns[i].column.as_str())),
            direction: Some(Direction::Asc),
            nulls: None,
        })
        .collect();
    Ok((ReadRequest { order, ..read }, at_most))
}

/// `rows`, unless there are more than `at_most` (PostgREST's code for more rows affected than
/// `Prefer: max-affected` allows).
fn bounded(table: &Table, verb: &str, rows: Vec<Row>, at_most: usize) -> Result<Vec<Row>, Error> {
    if rows.len() <= at_most {
        return Ok(rows);
    }
    Err(with_code(
        Error::new(format!(
            "The {verb} would change {} rows of `{}`, more than atMost ({at_most}); nothing was \
             changed.",
            rows.len(),
            table.names.node
        )),
        "PGRST124",
    ))
}

fn payload(input: &Input<'_>, rows: Vec<Row>) -> ManyPayload {
    ManyPayload {
        rows,
        client_mutation_id: input.client_mutation_id(),
    }
}
