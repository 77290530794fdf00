//! The dynamic schema: for each [`Table`], its row type, connection, edge, order-by enum and
//! condition input, and the root fields `allX` and `xById`, wired to the resolvers.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, InputObject, InputValue, Object, Schema, SchemaError, TypeRef,
};
use async_graphql::{Name, Value};

use super::model::{ColumnField, QUERY_FIELD, Table};
use super::resolve::{self, Reader};

const QUERY: &str = "Query";

/// The schema of `tables`, whose rows `reader` reads.
pub(crate) fn schema(tables: Vec<Table>, reader: Reader) -> Result<Schema, SchemaError> {
    let reader = Arc::new(reader);
    let mut query = Object::new(QUERY)
        .description("The root query type which gives access points into the data universe.")
        .field(
            Field::new(QUERY_FIELD, TypeRef::named_nn(QUERY), resolve::query).description(
                "Exposes the root query type nested one level down. This is helpful for Relay 1 \
                 which can only query top level fields if they are in a particular form.",
            ),
        );
    let mut scalars = BTreeSet::new();
    let mut builder = Schema::build(QUERY, None, None);
    for table in tables {
        let table = Arc::new(table);
        scalars.extend(table.columns.iter().map(|c| c.scalar));
        query = query.field(all_rows(&table, &reader));
        if let Some(field) = row_by_key(&table, &reader) {
            query = query.field(field);
        }
        builder = builder
            .register(node(&table))
            .register(connection(&table))
            .register(edge(&table))
            .register(order_by(&table))
            .register(condition(&table));
    }
    for definition in scalars.into_iter().filter_map(|s| s.definition()) {
        builder = builder.register(definition);
    }
    builder.register(query).finish()
}

/// `Person`: a field per column.
fn node(table: &Table) -> Object {
    let mut object = Object::new(&table.names.node);
    if let Some(description) = &table.description {
        object = object.description(description);
    }
    for column in &table.columns {
        let (scalar, list) = (column.scalar, column.list);
        let mut field = Field::new(&column.name, output_type(column), move |ctx| {
            resolve::column(ctx, scalar, list)
        });
        if let Some(description) = &column.description {
            field = field.description(description);
        }
        object = object.field(field);
    }
    object
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

/// `PeopleConnection { nodes: [Person]!, edges: [PeopleEdge]! }`.
fn connection(table: &Table) -> Object {
    let node = &table.names.node;
    Object::new(&table.names.connection)
        .description(format!("A connection to a list of `{node}` values."))
        .field(
            Field::new("nodes", TypeRef::named_list_nn(node), resolve::rows)
                .description(format!("A list of `{node}` objects.")),
        )
        .field(
            Field::new(
                "edges",
                TypeRef::named_list_nn(&table.names.edge),
                resolve::rows,
            )
            .description(format!("A list of edges which contains the `{node}`.")),
        )
}

/// `PeopleEdge { node: Person }`.
fn edge(table: &Table) -> Object {
    let node = &table.names.node;
    Object::new(&table.names.edge)
        .description(format!("A `{node}` edge in the connection."))
        .field(
            Field::new("node", TypeRef::named(node), resolve::edge_node)
                .description(format!("The `{node}` at the end of the edge.")),
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

/// `allPeople(first, offset, orderBy, condition): PeopleConnection`.
fn all_rows(table: &Arc<Table>, reader: &Arc<Reader>) -> Field {
    let names = &table.names;
    let default_order = Value::List(vec![Value::Enum(Name::new(table.default_order()))]);
    let (shared_table, reader) = (Arc::clone(table), Arc::clone(reader));
    Field::new(&names.all_rows, TypeRef::named(&names.connection), move |ctx| {
        resolve::all_rows(ctx, Arc::clone(&reader), Arc::clone(&shared_table))
    })
        .description(format!("Reads and enables pagination through a set of `{}`.", names.node))
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
        .argument(InputValue::new("condition", TypeRef::named(&names.condition)).description(
            "A condition to be used in determining which values should be returned by the collection.",
        ))
}

/// `personById(id: Int!): Person`, when the table has a primary key.
fn row_by_key(table: &Arc<Table>, reader: &Arc<Reader>) -> Option<Field> {
    let name = table.row_by_key.as_ref()?;
    let (shared_table, reader) = (Arc::clone(table), Arc::clone(reader));
    let mut field = Field::new(name, TypeRef::named(&table.names.node), move |ctx| {
        resolve::row_by_key(ctx, Arc::clone(&reader), Arc::clone(&shared_table))
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
