//! Mutations of several rows in one call, which PostGraphile's core has none of. They keep its
//! style — one `input` argument, a payload with `clientMutationId` and `query` — under names it
//! never makes (its own are `create`/`update`/`delete` and a singular type name):
//!
//! - `createManyPeople(input: {people: [PersonInput!]!, onConflict})` inserts the rows, as
//!   pg_graphql's `insertIntoPeopleCollection(objects:)` and Hasura's `insert_people(objects:)`;
//! - `updateManyPeople(input: {filter: PersonFilter, personPatch: PersonPatch!, atMost: Int! = 1})`
//!   and `deleteManyPeople(input: {filter, atMost})` change the rows the connection filter matches,
//!   as pg_graphql's `updatePeopleCollection(filter:, set:, atMost:)`: more rows than `atMost` is an
//!   error, and nothing is kept.
//!
//! Each payload (`CreateManyPeoplePayload`, …) has `affectedCount` and the rows in `people`, with
//! their relations, read in the same statement.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::Value;
use async_graphql::dynamic::{Field, FieldValue, InputObject, InputValue, Object, Type, TypeRef};

use super::conflict;
use super::fields::{Row, ready};
use super::model::{QUERY, QUERY_FIELD, Table};
use super::mutation::{CLIENT_MUTATION_ID, client_mutation_id_input, input_argument};
use super::naming::{self, ManyNames};
use super::resolve::{self, Reader};
use super::write::Change;
use super::write_many;

/// The fields of an update's or delete's input naming its rows.
pub(crate) const FILTER: &str = "filter";
pub(crate) const AT_MOST: &str = "atMost";
const AFFECTED_COUNT: &str = "affectedCount";

/// What a mutation of several rows returns: the rows it wrote and the caller's
/// `clientMutationId`.
#[derive(Debug)]
pub(crate) struct ManyPayload {
    pub rows: Vec<Row>,
    pub client_mutation_id: Option<String>,
}

/// Gives each table that can be written its names for these mutations, unless one is invalid or
/// taken; `type_names` and `field_names` hold the names taken.
pub(crate) fn attach(
    tables: &mut [Table],
    type_names: &mut HashSet<String>,
    field_names: &mut HashSet<String>,
) {
    for table in tables.iter_mut() {
        if !(table.insertable || table.updatable || table.deletable) {
            continue;
        }
        let names = ManyNames::new(&table.base_name);
        let types = [
            &names.create_input,
            &names.create_payload,
            &names.update_input,
            &names.update_payload,
            &names.delete_input,
            &names.delete_payload,
        ];
        let fields = [&names.create, &names.update, &names.delete];
        let valid = types
            .iter()
            .chain(&fields)
            .chain([&&names.rows_field])
            .all(|n| naming::is_valid_name(n));
        let free = types.iter().all(|n| !type_names.contains(*n))
            && fields.iter().all(|n| !field_names.contains(*n));
        if !(valid && free) {
            tracing::debug!(
                "GraphQL: {} skipped: its names are invalid or taken",
                names.create
            );
            continue;
        }
        type_names.extend(types.map(String::clone));
        field_names.extend(fields.map(String::clone));
        table.many = Some(names);
    }
}

/// `createManyPeople`, `updateManyPeople` and `deleteManyPeople`, as far as `table` allows.
pub(crate) fn fields(table: &Table, index: usize, reader: &Arc<Reader>) -> Vec<Field> {
    let Some(many) = &table.many else {
        return Vec::new();
    };
    let node = &table.names.node;
    let mut fields = Vec::new();
    if table.insertable {
        let reader = Arc::clone(reader);
        fields.push(
            Field::new(
                &many.create,
                TypeRef::named(&many.create_payload),
                move |ctx| write_many::create(ctx, Arc::clone(&reader), index),
            )
            .description(format!("Creates one or more `{node}` rows."))
            .argument(input_argument(&many.create_input)),
        );
    }
    if table.updatable {
        let reader = Arc::clone(reader);
        fields.push(
            Field::new(
                &many.update,
                TypeRef::named(&many.update_payload),
                move |ctx| write_many::change(ctx, Arc::clone(&reader), index, Change::Update),
            )
            .description(format!(
                "Updates the `{node}` rows a filter matches with a patch, at most `atMost` of them."
            ))
            .argument(input_argument(&many.update_input)),
        );
    }
    if table.deletable {
        let reader = Arc::clone(reader);
        fields.push(
            Field::new(
                &many.delete,
                TypeRef::named(&many.delete_payload),
                move |ctx| write_many::change(ctx, Arc::clone(&reader), index, Change::Delete),
            )
            .description(format!(
                "Deletes the `{node}` rows a filter matches, at most `atMost` of them."
            ))
            .argument(input_argument(&many.delete_input)),
        );
    }
    fields
}

/// The inputs and payloads of `table`'s mutations of several rows.
pub(crate) fn types(table: &Table) -> Vec<Type> {
    let Some(many) = &table.many else {
        return Vec::new();
    };
    let names = &table.names;
    let node = &names.node;
    let mut types: Vec<Type> = Vec::new();
    if table.insertable {
        let mut input = InputObject::new(&many.create_input)
            .description(format!("All input for the `{}` mutation.", many.create))
            .field(client_mutation_id_input())
            .field(
                InputValue::new(&many.rows_field, TypeRef::named_nn_list_nn(&names.input))
                    .description(format!(
                        "The `{node}` rows to be created by this mutation, at least one."
                    )),
            );
        if let Some(on_conflict) = conflict::input_field(table) {
            input = input.field(on_conflict);
        }
        types.push(input.into());
        types.push(payload(table, &many.create_payload, "created").into());
    }
    if table.updatable {
        let input = filtered_input(table, &many.update_input, &many.update, "updated").field(
            InputValue::new(&names.patch_field, TypeRef::named_nn(&names.patch)).description(
                format!("An object where the defined keys will be set on the `{node}` rows."),
            ),
        );
        types.push(input.into());
        types.push(payload(table, &many.update_payload, "updated").into());
    }
    if table.deletable {
        types.push(filtered_input(table, &many.delete_input, &many.delete, "deleted").into());
        types.push(payload(table, &many.delete_payload, "deleted").into());
    }
    types
}

/// `{clientMutationId, filter: PersonFilter, atMost: Int! = 1}`.
fn filtered_input(table: &Table, name: &str, mutation: &str, done: &str) -> InputObject {
    let node = &table.names.node;
    InputObject::new(name)
        .description(format!("All input for the `{mutation}` mutation."))
        .field(client_mutation_id_input())
        .field(
            InputValue::new(FILTER, TypeRef::named(&table.names.filter)).description(format!(
                "The `{node}` rows to be {done}: those the filter matches (all without one)."
            )),
        )
        .field(
            InputValue::new(AT_MOST, TypeRef::named_nn(TypeRef::INT))
                .default_value(Value::from(1))
                .description(format!(
                    "The most rows that may be {done}; more is an error, and nothing is {done}."
                )),
        )
}

/// `CreateManyPeoplePayload { clientMutationId, affectedCount, people, query }`.
fn payload(table: &Table, name: &str, done: &str) -> Object {
    let node = &table.names.node;
    let rows_field = table
        .many
        .as_ref()
        .map_or("", |many| many.rows_field.as_str());
    Object::new(name)
        .description(format!(
            "The output of a mutation of several `{node}` rows."
        ))
        .field(
            Field::new(CLIENT_MUTATION_ID, TypeRef::named(TypeRef::STRING), |ctx| {
                let payload = ctx.parent_value.try_downcast_ref::<ManyPayload>();
                ready(payload.map(|p| {
                    p.client_mutation_id
                        .as_deref()
                        .map_or(FieldValue::NULL, FieldValue::value)
                }))
            })
            .description(
                "The exact same `clientMutationId` that was provided in the mutation input, \
                 unchanged and unused. May be used by a client to track mutations.",
            ),
        )
        .field(
            Field::new(AFFECTED_COUNT, TypeRef::named_nn(TypeRef::INT), |ctx| {
                let payload = ctx.parent_value.try_downcast_ref::<ManyPayload>();
                ready(payload.map(|p| FieldValue::value(p.rows.len() as i64)))
            })
            .description(format!("How many `{node}` rows were {done}.")),
        )
        .field(
            Field::new(rows_field, TypeRef::named_nn_list_nn(node), |ctx| {
                let payload = ctx.parent_value.try_downcast_ref::<ManyPayload>();
                ready(payload.map(|p| {
                    FieldValue::list(p.rows.iter().map(|row| FieldValue::borrowed_any(row)))
                }))
            })
            .description(format!("The `{node}` rows that were {done}.")),
        )
        .field(
            Field::new(QUERY_FIELD, TypeRef::named(QUERY), resolve::query).description(
                "Our root query field type. Allows us to run any query from our mutation payload.",
            ),
        )
}
