//! The dynamic schema: for each [`Table`], its row type (columns and relations), connection,
//! edge, order-by enum, condition and filter inputs, and the root fields `allX` and `xById`,
//! wired to the resolvers; then the types they share (`PageInfo`, the scalars and the scalar
//! filters in use, the to-many relation filters).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, InputObject, InputValue, Object, Schema, SchemaError, TypeRef,
};
use async_graphql::{Name, Value};

use super::fields;
use super::filter_types;
use super::model::{ColumnField, FilterField, Model, PAGE_INFO, QUERY_FIELD, Table};
use super::relations::RelationField;
use super::resolve::{self, Reader};

const QUERY: &str = "Query";

/// The schema of the tables of `reader`'s model.
pub(crate) fn schema(reader: Reader) -> Result<Schema, SchemaError> {
    let reader = Arc::new(reader);
    let model = &reader.model;
    let mut query = Object::new(QUERY)
        .description("The root query type which gives access points into the data universe.")
        .field(
            Field::new(QUERY_FIELD, TypeRef::named_nn(QUERY), resolve::query).description(
                "Exposes the root query type nested one level down. This is helpful for Relay 1 \
                 which can only query top level fields if they are in a particular form.",
            ),
        );
    let mut scalars = BTreeSet::new();
    let mut scalar_filters = BTreeSet::new();
    let mut many_filters = BTreeMap::new();
    let mut builder = Schema::build(QUERY, None, None);
    for (index, table) in model.tables.iter().enumerate() {
        scalars.extend(table.columns.iter().map(|c| c.scalar));
        scalar_filters.extend(table.filter_fields.iter().filter_map(|(_, f)| match f {
            FilterField::Column(_, filter) => Some(*filter),
            _ => None,
        }));
        for relation in &table.relations {
            if let Some(name) = &relation.many_filter {
                many_filters.insert(name.clone(), relation.target);
            }
        }
        query = query.field(all_rows(table, index, &reader));
        if let Some(field) = row_by_key(table, index, &reader) {
            query = query.field(field);
        }
        builder = builder
            .register(node(model, table))
            .register(connection(table))
            .register(edge(table))
            .register(order_by(table))
            .register(condition(table))
            .register(filter_types::table(model, table));
    }
    if !model.tables.is_empty() {
        builder = builder.register(page_info());
    }
    for (name, target) in many_filters {
        builder = builder.register(filter_types::to_many(&name, &model.tables[target]));
    }
    for filter in scalar_filters {
        builder = builder.register(filter_types::scalar(filter));
    }
    for definition in scalars.into_iter().filter_map(|s| s.definition()) {
        builder = builder.register(definition);
    }
    builder.register(query).finish()
}

/// `Person`: a field per column, then per relation.
fn node(model: &Model, table: &Table) -> Object {
    let mut object = Object::new(&table.names.node);
    if let Some(description) = &table.description {
        object = object.description(description);
    }
    for column in &table.columns {
        let (scalar, list) = (column.scalar, column.list);
        let mut field = Field::new(&column.name, output_type(column), move |ctx| {
            fields::column(ctx, scalar, list)
        });
        if let Some(description) = &column.description {
            field = field.description(description);
        }
        object = object.field(field);
    }
    for relation in &table.relations {
        object = object.field(relation_field(model, table, relation));
    }
    object
}

/// `clientByClientId: Client` or `projectsByClientId(…): ProjectsConnection!`. A to-one relation
/// is nullable even when its key columns are not, as in PostGraphile: row level security may hide
/// the related row.
fn relation_field(model: &Model, table: &Table, relation: &RelationField) -> Field {
    let target = &model.tables[relation.target];
    let (node, this) = (&target.names.node, &table.names.node);
    match relation.many {
        true => collection_arguments(
            Field::new(
                &relation.name,
                TypeRef::named_nn(&target.names.connection),
                fields::to_many,
            )
            .description(format!(
                "Reads and enables pagination through a set of `{node}`."
            )),
            target,
        ),
        false => Field::new(&relation.name, TypeRef::named(node), fields::to_one).description(
            format!("Reads a single `{node}` that is related to this `{this}`."),
        ),
    }
}

fn output_type(column: &ColumnField) -> TypeRef {
    let scalar = column.scalar.name();
    match (column.list, column.nullable) {
        (false, true) => TypeRef::named(scalar),
        (false, false) => TypeRef::named_nn(scalar),
        (true, true) => TypeRef::named_list(scalar),
        (true, false) => TypeRef::named_list_nn(scalar),
    }
}

/// An argument or input field of a column's type, nullable.
fn input_type(column: &ColumnField) -> TypeRef {
    match column.list {
        false => TypeRef::named(column.scalar.name()),
        true => TypeRef::named_list(column.scalar.name()),
    }
}

/// `PeopleConnection { nodes, edges, pageInfo, totalCount }`.
fn connection(table: &Table) -> Object {
    let node = &table.names.node;
    Object::new(&table.names.connection)
        .description(format!("A connection to a list of `{node}` values."))
        .field(
            Field::new("nodes", TypeRef::named_list_nn(node), fields::rows)
                .description(format!("A list of `{node}` objects.")),
        )
        .field(
            Field::new(
                "edges",
                TypeRef::named_list_nn(&table.names.edge),
                fields::rows,
            )
            .description(format!("A list of edges which contains the `{node}`.")),
        )
        .field(
            Field::new("pageInfo", TypeRef::named_nn(PAGE_INFO), fields::page_info)
                .description("Information to aid in pagination."),
        )
        .field(
            Field::new(
                "totalCount",
                TypeRef::named_nn(TypeRef::INT),
                fields::total_count,
            )
            .description(format!(
                "The count of *all* `{node}` you could get from the connection. Only root \
                 connections count, for now."
            )),
        )
}

/// `PeopleEdge { node: Person }`.
fn edge(table: &Table) -> Object {
    let node = &table.names.node;
    Object::new(&table.names.edge)
        .description(format!("A `{node}` edge in the connection."))
        .field(
            Field::new("node", TypeRef::named(node), fields::edge_node)
                .description(format!("The `{node}` at the end of the edge.")),
        )
}

/// `PageInfo { hasNextPage, hasPreviousPage }`.
fn page_info() -> Object {
    Object::new(PAGE_INFO)
        .description("Information about pagination in a connection.")
        .field(
            Field::new(
                "hasNextPage",
                TypeRef::named_nn(TypeRef::BOOLEAN),
                fields::has_next_page,
            )
            .description("When paginating forwards, are there more items?"),
        )
        .field(
            Field::new(
                "hasPreviousPage",
                TypeRef::named_nn(TypeRef::BOOLEAN),
                fields::has_previous_page,
            )
            .description("When paginating backwards, are there more items?"),
        )
}

/// `PeopleOrderBy { NATURAL, ID_ASC, ID_DESC, …, PRIMARY_KEY_ASC, PRIMARY_KEY_DESC }`.
fn order_by(table: &Table) -> Enum {
    Enum::new(&table.names.order_by)
        .description(format!(
            "Methods to use when ordering `{}`.",
            table.names.node
        ))
        .items(
            table
                .order_values
                .iter()
                .map(|(name, _)| EnumItem::new(name)),
        )
}

/// `PersonCondition`: an optional equality test per column.
fn condition(table: &Table) -> InputObject {
    let node = &table.names.node;
    let mut input = InputObject::new(&table.names.condition).description(format!(
        "A condition to be used against `{node}` object types. All fields are tested for equality \
         and combined with a logical ‘and.’"
    ));
    for column in &table.columns {
        input = input.field(
            InputValue::new(&column.name, input_type(column)).description(format!(
                "Checks for equality with the object’s `{}` field.",
                column.name
            )),
        );
    }
    input
}

/// `allPeople(…): PeopleConnection`.
fn all_rows(table: &Table, index: usize, reader: &Arc<Reader>) -> Field {
    let names = &table.names;
    let reader = Arc::clone(reader);
    let field = Field::new(
        &names.all_rows,
        TypeRef::named(&names.connection),
        move |ctx| resolve::all_rows(ctx, Arc::clone(&reader), index),
    )
    .description(format!(
        "Reads and enables pagination through a set of `{}`.",
        names.node
    ));
    collection_arguments(field, table)
}

/// `first`, `offset`, `orderBy`, `condition` and `filter` of a collection of `table`'s rows.
fn collection_arguments(field: Field, table: &Table) -> Field {
    let names = &table.names;
    let default_order = Value::List(vec![Value::Enum(Name::new(table.default_order()))]);
    field
        .argument(
            InputValue::new("first", TypeRef::named(TypeRef::INT))
                .description("Only read the first `n` values of the set."),
        )
        .argument(
            InputValue::new("offset", TypeRef::named(TypeRef::INT))
                .description("Skip the first `n` values."),
        )
        .argument(
            InputValue::new("orderBy", TypeRef::named_nn_list(&names.order_by))
                .default_value(default_order)
                .description(format!("The method to use when ordering `{}`.", names.node)),
        )
        .argument(
            InputValue::new("condition", TypeRef::named(&names.condition)).description(
                "A condition to be used in determining which values should be returned by the \
                 collection.",
            ),
        )
        .argument(
            InputValue::new("filter", TypeRef::named(&names.filter)).description(
                "A filter to be used in determining which values should be returned by the \
                 collection.",
            ),
        )
}

/// `personById(id: Int!): Person`, when the table has a primary key.
fn row_by_key(table: &Table, index: usize, reader: &Arc<Reader>) -> Option<Field> {
    let name = table.row_by_key.as_ref()?;
    let reader = Arc::clone(reader);
    let mut field = Field::new(name, TypeRef::named(&table.names.node), move |ctx| {
        resolve::row_by_key(ctx, Arc::clone(&reader), index)
    })
    .description(format!("Get a single `{}`.", table.names.node));
    for column in table.primary_key.iter().map(|&i| &table.columns[i]) {
        field = field.argument(InputValue::new(
            &column.name,
            TypeRef::NonNull(Box::new(input_type(column))),
        ));
    }
    Some(field)
}
