//! The mutation types, named and shaped as PostGraphile's V4 preset has them:
//! `createPerson(input: CreatePersonInput!): CreatePersonPayload` with `PersonInput` for the new
//! row; `updatePerson` (by global id) and `updatePersonById` with `PersonPatch`; `deletePerson`
//! and `deletePersonById`. Each payload has the row, its edge, its to-one relations,
//! `clientMutationId` and `query` (and a delete's `deletedPersonId`).

use std::sync::Arc;

use async_graphql::dynamic::{
    Field, FieldFuture, InputObject, InputValue, Object, ResolverContext, Type, TypeRef,
};
use async_graphql::{Name, Value};

use super::build::{input_type, relation_field};
use super::conflict;
use super::fields;
use super::keys::Key;
use super::many;
use super::model::{Model, NODE_ID, QUERY, QUERY_FIELD, Table};
use super::nested;
use super::resolve::{self, Reader};
use super::smart_tags::Action;
use super::write::{self, Change};

/// The input argument of every mutation, and the field echoing the caller's id in payloads.
pub(crate) const INPUT: &str = "input";
pub(crate) const CLIENT_MUTATION_ID: &str = "clientMutationId";

/// How an update or delete names its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    NodeId,
    Key(Key),
}

/// What a mutation does to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create,
    Update,
    Delete,
}

/// The mutation fields of `table`: create, then update and delete by global id and by each key.
pub(crate) fn fields(table: &Table, index: usize, reader: &Arc<Reader>) -> Vec<Field> {
    let names = &table.names;
    let node = &names.node;
    let mut fields = Vec::new();
    if table.insertable {
        let reader = Arc::clone(reader);
        fields.push(
            Field::new(
                &names.create,
                TypeRef::named(&names.create_payload),
                move |ctx| write::create(ctx, Arc::clone(&reader), index),
            )
            .description(format!("Creates a single `{node}`."))
            .argument(input_argument(&names.create_input)),
        );
    }
    if table.updatable {
        for (name, input, target) in targets(table, Kind::Update) {
            let reader = Arc::clone(reader);
            fields.push(
                Field::new(name, TypeRef::named(&names.update_payload), move |ctx| {
                    write::change(ctx, Arc::clone(&reader), index, target, Change::Update)
                })
                .description(format!(
                    "Updates a single `{node}` using {} and a patch.",
                    by(target)
                ))
                .argument(input_argument(input)),
            );
        }
    }
    if table.deletable {
        for (name, input, target) in targets(table, Kind::Delete) {
            let reader = Arc::clone(reader);
            fields.push(
                Field::new(name, TypeRef::named(&names.delete_payload), move |ctx| {
                    write::change(ctx, Arc::clone(&reader), index, target, Change::Delete)
                })
                .description(format!("Deletes a single `{node}` using {}.", by(target)))
                .argument(input_argument(input)),
            );
        }
    }
    fields.extend(many::fields(table, index, reader));
    fields
}

fn by(target: Target) -> &'static str {
    match target {
        Target::NodeId => "its globally unique id",
        Target::Key(_) => "a unique key",
    }
}

/// The update (or delete) fields of `table` with their inputs: by global id when it has a
/// primary key, then by each key (`updatePersonById`, `updatePersonByEmail`).
fn targets(table: &Table, kind: Kind) -> Vec<(&str, &str, Target)> {
    let names = &table.names;
    let by_node_id = table.by_key.as_ref().map(|_| match kind {
        Kind::Delete => (names.delete.as_str(), names.delete_input.as_str()),
        _ => (names.update.as_str(), names.update_input.as_str()),
    });
    let by_node_id = by_node_id.map(|(name, input)| (name, input, Target::NodeId));
    let by_keys = table.keys().map(|(key, _, key_names)| {
        let (name, input) = match kind {
            Kind::Delete => (&key_names.delete, &key_names.delete_input),
            _ => (&key_names.update, &key_names.update_input),
        };
        (name.as_str(), input.as_str(), Target::Key(key))
    });
    by_node_id.into_iter().chain(by_keys).collect()
}

/// The input and payload types of `table`'s mutations.
pub(crate) fn types(reader: &Arc<Reader>, table: &Table, index: usize) -> Vec<Type> {
    let mut types: Vec<Type> = Vec::new();
    if table.insertable {
        types.push(row_input(&reader.model, table).into());
        types.extend(nested::types(&reader.model, table));
        types.push(create_input(table).into());
        types.push(payload(reader, table, index, Kind::Create).into());
        types.extend(conflict::types(table));
    }
    if table.updatable && (table.has_keys() || table.many.is_some()) {
        types.push(patch(table).into());
    }
    types.extend(many::types(table));
    if !table.has_keys() {
        return types;
    }
    if table.updatable {
        types.extend(
            keyed_inputs(table, Kind::Update)
                .into_iter()
                .map(Type::from),
        );
        types.push(payload(reader, table, index, Kind::Update).into());
    }
    if table.deletable {
        types.extend(
            keyed_inputs(table, Kind::Delete)
                .into_iter()
                .map(Type::from),
        );
        types.push(payload(reader, table, index, Kind::Delete).into());
    }
    types
}

pub(crate) fn input_argument(type_name: &str) -> InputValue {
    InputValue::new(INPUT, TypeRef::named_nn(type_name)).description(
        "The exclusive input argument for this mutation. An object type, make sure to see \
         documentation for this object’s fields.",
    )
}

/// `PersonInput`: a field per column, required when the column is not null without a default,
/// then its nested creates.
fn row_input(model: &Model, table: &Table) -> InputObject {
    let node = &table.names.node;
    let mut input = InputObject::new(&table.names.input)
        .description(format!("An input for mutations affecting `{node}`"));
    let columns = table.columns.iter().enumerate();
    for (i, column) in columns.filter(|(_, c)| !c.tags.omits(Action::Create)) {
        let type_ref = match column.required && !nested::parent_fills(table, i) {
            true => TypeRef::NonNull(Box::new(input_type(column))),
            false => input_type(column),
        };
        let mut field = InputValue::new(&column.name, type_ref);
        if let Some(description) = &column.description {
            field = field.description(description);
        }
        input = input.field(field);
    }
    for field in nested::input_fields(model, table) {
        input = input.field(field);
    }
    input
}

/// `PersonPatch`: a field per column, all optional.
fn patch(table: &Table) -> InputObject {
    let node = &table.names.node;
    let mut input = InputObject::new(&table.names.patch).description(format!(
        "Represents an update to a `{node}`. Fields that are set will be updated."
    ));
    for column in table
        .columns
        .iter()
        .filter(|c| !c.tags.omits(Action::Update))
    {
        let mut field = InputValue::new(&column.name, input_type(column));
        if let Some(description) = &column.description {
            field = field.description(description);
        }
        input = input.field(field);
    }
    input
}

/// `UpdatePersonInput { clientMutationId, nodeId: ID!, personPatch }`,
/// `UpdatePersonByIdInput { clientMutationId, id: Int!, personPatch }` and the like for each key,
/// or the delete inputs (without a patch).
fn keyed_inputs(table: &Table, kind: Kind) -> Vec<InputObject> {
    let names = &table.names;
    let node = &names.node;
    let verb = match kind {
        Kind::Delete => "deleted",
        _ => "updated",
    };
    let mut inputs = Vec::new();
    for (name, input_name, target) in targets(table, kind) {
        let mut input = InputObject::new(input_name)
            .description(format!("All input for the `{name}` mutation."))
            .field(client_mutation_id_input());
        match target {
            Target::NodeId => {
                input = input.field(
                    InputValue::new(NODE_ID, TypeRef::named_nn(TypeRef::ID)).description(format!(
                        "The globally unique `ID` which will identify a single `{node}` to be \
                         {verb}."
                    )),
                );
            }
            Target::Key(key) => {
                for column in table.key_columns(key).iter().map(|&i| &table.columns[i]) {
                    input = input.field(InputValue::new(
                        &column.name,
                        TypeRef::NonNull(Box::new(input_type(column))),
                    ));
                }
            }
        }
        if kind == Kind::Update {
            input = input.field(
                InputValue::new(&names.patch_field, TypeRef::named_nn(&names.patch)).description(
                    format!(
                        "An object where the defined keys will be set on the `{node}` being \
                         updated."
                    ),
                ),
            );
        }
        inputs.push(input);
    }
    inputs
}

/// `CreatePersonInput { clientMutationId, person: PersonInput! }`.
fn create_input(table: &Table) -> InputObject {
    let names = &table.names;
    let input = InputObject::new(&names.create_input)
        .description(format!(
            "All input for the create `{}` mutation.",
            names.node
        ))
        .field(client_mutation_id_input())
        .field(
            InputValue::new(&names.row_field, TypeRef::named_nn(&names.input)).description(
                format!("The `{}` to be created by this mutation.", names.node),
            ),
        );
    match conflict::input_field(table) {
        Some(on_conflict) => input.field(on_conflict),
        None => input,
    }
}

pub(crate) fn client_mutation_id_input() -> InputValue {
    InputValue::new(CLIENT_MUTATION_ID, TypeRef::named(TypeRef::STRING)).description(
        "An arbitrary string value with no semantic meaning. Will be included in the payload \
         verbatim. May be used to track mutations by the client.",
    )
}

/// `CreatePersonPayload { clientMutationId, person, personEdge, query, <to-one relations> }`,
/// and the update and delete payloads (a delete's with `deletedPersonId`).
fn payload(reader: &Arc<Reader>, table: &Table, index: usize, kind: Kind) -> Object {
    let names = &table.names;
    let node = &names.node;
    let (type_name, verb, done) = match kind {
        Kind::Create => (&names.create_payload, "create", "created"),
        Kind::Update => (&names.update_payload, "update", "updated"),
        Kind::Delete => (&names.delete_payload, "delete", "deleted"),
    };
    let mut payload = Object::new(type_name)
        .description(format!("The output of our {verb} `{node}` mutation."))
        .field(client_mutation_id_field(fields::client_mutation_id))
        .field(
            Field::new(&names.row_field, TypeRef::named(node), fields::payload_row)
                .description(format!("The `{node}` that was {done} by this mutation.")),
        );
    if kind == Kind::Delete && !table.primary_key.is_empty() {
        let prefix: Arc<str> = Arc::from(names.node_id_prefix.as_str());
        let keys = table.primary_key.len();
        payload = payload.field(Field::new(
            &names.deleted_id,
            TypeRef::named(TypeRef::ID),
            move |ctx| fields::node_id(ctx, &prefix, keys),
        ));
    }
    payload = payload.field(query_field());
    if !table.primary_key.is_empty() {
        payload = payload.field(edge_field(reader, table, index));
    }
    for relation in table.relations.iter().filter(|r| r.forward && !r.many) {
        payload = payload.field(relation_field(reader, table, relation));
    }
    payload
}

/// `clientMutationId` of a payload, read by `resolver`.
pub(crate) fn client_mutation_id_field(
    resolver: impl for<'a> Fn(ResolverContext<'a>) -> FieldFuture<'a> + Send + Sync + 'static,
) -> Field {
    Field::new(
        CLIENT_MUTATION_ID,
        TypeRef::named(TypeRef::STRING),
        resolver,
    )
    .description(
        "The exact same `clientMutationId` that was provided in the mutation input, unchanged \
         and unused. May be used by a client to track mutations.",
    )
}

/// `query` of a payload.
pub(crate) fn query_field() -> Field {
    Field::new(QUERY_FIELD, TypeRef::named(QUERY), resolve::query).description(
        "Our root query field type. Allows us to run any query from our mutation payload.",
    )
}

/// `personEdge(orderBy: …)` of a payload of the row of the table at `index`.
pub(crate) fn edge_field(reader: &Arc<Reader>, table: &Table, index: usize) -> Field {
    let (names, node) = (&table.names, &table.names.node);
    let default_order = Value::List(vec![Value::Enum(Name::new(table.default_order()))]);
    Field::new(&names.edge_field, TypeRef::named(&names.edge), {
        let (reader, index) = (Arc::clone(reader), index);
        move |ctx| fields::payload_edge(ctx, &reader.model.tables[index])
    })
    .description(format!("An edge for our `{node}`. May be used by Relay 1."))
    .argument(
        InputValue::new("orderBy", TypeRef::named_nn_list_nn(&names.order_by))
            .default_value(default_order)
            .description(format!("The method to use when ordering `{node}`.")),
    )
}
