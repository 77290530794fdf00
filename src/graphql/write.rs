//! Mutation resolvers: each lowers its input and its payload's selection set into one write
//! plan (an insert, or an update or delete of the row a key or global id names), runs it as one
//! statement in the operation's transaction and returns the written row in its payload.

use std::sync::Arc;

use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Error, SelectionField, Value};

use super::args::{self, Args};
use super::conflict::{self, ON_CONFLICT};
use super::error::bad_input;
use super::fields::{Payload, Row};
use super::input;
use super::lower;
use super::model::{NODE_ID, Table};
use super::mutation::{CLIENT_MUTATION_ID, INPUT, Target};
use super::nested;
use super::node_id;
use super::resolve::{Reader, names, or_null};
use crate::plan::{InsertRequest, Missing, MutationRequest, ReadRequest};

/// `createPerson(input: {clientMutationId, person: {…}})`: inserts the row.
pub(crate) fn create(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let payload = async {
            let table = &reader.model.tables[table];
            let field = ctx.field();
            let args = Args::of(&field)?;
            let input = Input::of(&args)?;
            let value = input.required(&table.names.row_field)?;
            let (value, nested) = nested::split(&reader.model, table, value)?;
            let row = input::row(table, &value)?;
            let on_conflict = conflict::request(table, input.get(ON_CONFLICT))?;
            if on_conflict.is_some() && !nested.is_empty() {
                return Err(bad_input(
                    "A create with onConflict cannot create related rows too.",
                ));
            }
            let request = InsertRequest {
                columns: row.columns,
                body: row.body,
                // The input's fields are the columns; the others take their defaults.
                missing: Missing::Null,
                on_conflict,
                returning: Some(lower::payload(&reader.model, table, &field)?),
                nested,
            };
            let rows = reader.insert(&ctx, table, request).await?;
            Ok(input.payload(rows.into_iter().next()))
        };
        Ok(or_null(&ctx, payload.await.map(FieldValue::owned_any)))
    })
}

/// What an update or delete does to the rows it chose.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change {
    /// Sets the fields of the input's patch (`personPatch`).
    Update,
    Delete,
}

impl Change {
    /// The write plan's mutation.
    pub(crate) fn request(
        self,
        table: &Table,
        input: &Input<'_>,
    ) -> Result<MutationRequest, Error> {
        match self {
            Change::Update => patch(table, input),
            Change::Delete => Ok(MutationRequest::Delete),
        }
    }

    /// The verb of error messages.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Change::Update => "update",
            Change::Delete => "delete",
        }
    }
}

/// `updatePersonById(input: {id, personPatch: {…}})`, `updatePerson(input: {nodeId, …})`,
/// `deletePersonById(input: {id})` and `deletePerson(input: {nodeId})`: changes the row the key
/// or global id names.
pub(crate) fn change(
    ctx: ResolverContext<'_>,
    reader: Arc<Reader>,
    table: usize,
    target: Target,
    change: Change,
) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let payload = async {
            let table = &reader.model.tables[table];
            let field = ctx.field();
            let args = Args::of(&field)?;
            let input = Input::of(&args)?;
            let mutation = change.request(table, &input)?;
            let read = keyed_read(&reader, table, &field, &input, target)?;
            let rows = reader.mutate(&ctx, table, mutation, read).await?;
            let row = rows
                .into_iter()
                .next()
                .ok_or_else(|| not_found(table, change.verb()))?;
            Ok(input.payload(Some(row)))
        };
        Ok(or_null(&ctx, payload.await.map(FieldValue::owned_any)))
    })
}

/// The update `input`'s patch (`personPatch`), which must set something.
fn patch(table: &Table, input: &Input<'_>) -> Result<MutationRequest, Error> {
    let patch = input::row(table, input.required(&table.names.patch_field)?)?;
    if patch.columns.is_empty() {
        return Err(Error::new(
            "Attempted to update a record, but no new values were specified.",
        ));
    }
    Ok(MutationRequest::Update {
        payload: crate::plan::Payload {
            columns: patch.columns,
            body: patch.body,
        },
        defaults: Vec::new(),
    })
}

/// The read choosing the row an update or delete changes, selecting what its payload returns.
fn keyed_read(
    reader: &Reader,
    table: &Table,
    field: &SelectionField<'_>,
    input: &Input<'_>,
    target: Target,
) -> Result<ReadRequest, Error> {
    let columns = match target {
        Target::Key(key) => table.key_columns(key),
        Target::NodeId => &table.primary_key,
    };
    let values: Vec<Value> = match target {
        Target::Key(_) => columns
            .iter()
            .map(|&i| input.required(&table.columns[i].name).cloned())
            .collect::<Result<_, _>>()?,
        Target::NodeId => {
            let Value::String(text) = input.required(NODE_ID)? else {
                return Err(Error::new("Field \"nodeId\" must be a string."));
            };
            let id = node_id::decode(text)?;
            if !names(table, &id) {
                return Err(Error::new(format!(
                    "The nodeId \"{text}\" does not identify a `{}`.",
                    table.names.node
                )));
            }
            id.values.into_iter().map(Value::String).collect()
        }
    };
    let filters = columns
        .iter()
        .zip(&values)
        .map(|(&i, value)| args::equals(table, &table.columns[i].name, value))
        .collect::<Result<_, _>>()?;
    Ok(ReadRequest {
        filters,
        ..lower::payload(&reader.model, table, field)?
    })
}

/// PostGraphile V4's error for a key or id that names no row the caller may change.
fn not_found(table: &Table, verb: &str) -> Error {
    Error::new(format!(
        "No values were {verb}d in collection '{}' because no values you asked to {verb} could \
         be found.",
        table.relation.name
    ))
}

/// A mutation's `input` object.
pub(crate) struct Input<'a>(&'a async_graphql::indexmap::IndexMap<async_graphql::Name, Value>);

impl<'a> Input<'a> {
    pub fn of(args: &'a Args) -> Result<Input<'a>, Error> {
        match args.get(INPUT) {
            Some(Value::Object(fields)) => Ok(Input(fields)),
            _ => Err(Error::new("Argument \"input\" is required.")),
        }
    }

    /// The field `name`, unless it is absent or null.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0
            .get(name)
            .filter(|value| !matches!(value, Value::Null))
    }

    /// The field `name`, which must be given and not null.
    pub fn required(&self, name: &str) -> Result<&'a Value, Error> {
        self.get(name)
            .ok_or_else(|| Error::new(format!("Field \"{name}\" is required.")))
    }

    /// The payload of `row`, echoing `clientMutationId`.
    fn payload(&self, row: Option<Row>) -> Payload {
        Payload {
            row,
            client_mutation_id: self.client_mutation_id(),
        }
    }

    pub fn client_mutation_id(&self) -> Option<String> {
        match self.0.get(CLIENT_MUTATION_ID) {
            Some(Value::String(id)) => Some(id.clone()),
            _ => None,
        }
    }
}
