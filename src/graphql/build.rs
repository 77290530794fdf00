//! The dynamic schema: for each [`Table`], its row type (columns and relations), connection,
//! edge, order-by enum, condition and filter inputs, and the root fields `allX` and `xById`,
//! wired to the resolvers; then the types they share (`PageInfo`, the scalars and the scalar
//! filters in use, the to-many relation filters).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldValue, InputObject, InputValue, Interface, InterfaceField, Object,
    Scalar, Schema, SchemaError, TypeRef,
};
use async_graphql::{Name, Value};

use super::aggregate;
use super::computed::{self, Computes};
use super::fields;
use super::filter_types;
use super::function_mutation;
use super::functions::{ArgumentField, FunctionField, Returns};
use super::keys::Key;
use super::model::{
    CURSOR, ColumnField, FilterField, MUTATION, Model, NODE, NODE_FIELD, NODE_ID, PAGE_INFO, QUERY,
    QUERY_FIELD, Table,
};
use super::mutation;
use super::node_id;
use super::relations::RelationField;
use super::resolve::{self, Reader};
use super::smart_tags::Action;
use super::types;
use crate::config::GraphqlLimits;

const NODE_ID_DESCRIPTION: &str = "A globally unique identifier. Can be used in various places \
     throughout the system to identify this single value.";

/// The schema of the tables of `reader`'s model, answering the queries `limits` allow.
pub(crate) fn schema(reader: Reader, limits: GraphqlLimits) -> Result<Schema, SchemaError> {
    let reader = Arc::new(reader);
    let model = &reader.model;
    let mut query = Object::new(QUERY)
        .description("The root query type which gives access points into the data universe.")
        .implement(NODE)
        .field(
            Field::new(QUERY_FIELD, TypeRef::named_nn(QUERY), resolve::query).description(
                "Exposes the root query type nested one level down. This is helpful for Relay 1 \
                 which can only query top level fields if they are in a particular form.",
            ),
        )
        .field(
            Field::new(NODE_ID, TypeRef::named_nn(TypeRef::ID), |_| {
                fields::ready(Ok(FieldValue::value(node_id::QUERY_ID)))
            })
            .description(
                "The root query type must be a `Node` to work well with Relay 1 mutations. This \
                 just resolves to `query`.",
            ),
        )
        .field(node_field(&reader));
    let mut scalars = BTreeSet::new();
    let mut scalar_filters = BTreeSet::new();
    let mut many_filters = BTreeMap::new();
    let mut aggregated = Vec::new();
    let mut mutation = Object::new(MUTATION)
        .description("The root mutation type which contains root level fields which mutate data.");
    let writable = model.tables.iter().any(Table::writable) || !model.mutation_functions.is_empty();
    let mut builder = Schema::build(QUERY, writable.then_some(MUTATION), None);
    for (index, table) in model.tables.iter().enumerate() {
        for field in mutation::fields(table, index, &reader) {
            mutation = mutation.field(field);
        }
        for definition in mutation::types(&reader, table, index) {
            builder = builder.register(definition);
        }
        scalars.extend(table.columns.iter().map(|c| c.scalar));
        scalars.extend(computed::scalars(table));
        let uses = Uses::of(model, index);
        if uses.connection {
            scalars.extend(aggregate::scalars(table));
            aggregated.push(table);
        }
        if uses.filter {
            scalar_filters.extend(table.filter_fields.iter().filter_map(|(_, f)| match f {
                FilterField::Column(_, filter) | FilterField::Computed(_, filter) => {
                    Some(filter.clone())
                }
                _ => None,
            }));
            for relation in &table.relations {
                if let Some(name) = &relation.many_filter {
                    many_filters.insert(name.clone(), relation.target);
                }
            }
        }
        if !table.tags.omits(Action::All) {
            query = query.field(all_rows(table, index, &reader));
        }
        for (key, columns, names) in table.keys() {
            query = query.field(row_by_key(table, index, &reader, key, columns, &names.read));
            if key == Key::Primary {
                query = query.field(row_by_node_id(table, index, &reader));
            }
        }
        builder = builder.register(node(&reader, table));
        if uses.connection {
            builder = builder
                .register(aggregate::connection_fields(table, connection(table)))
                .register(condition(table));
            for definition in aggregate::types(table) {
                builder = builder.register(definition);
            }
        }
        if uses.edge {
            builder = builder.register(edge(table)).register(order_by(table));
        }
        if uses.filter {
            builder = builder.register(filter_types::table(model, table));
        }
    }
    for (index, function) in model.functions.iter().enumerate() {
        query = query.field(function_field(model, function, index, &reader));
        scalars.extend(function.arguments.iter().map(|a| a.scalar));
        scalars.extend(function.returns.scalar());
    }
    for (index, function) in model.mutation_functions.iter().enumerate() {
        mutation = mutation.field(function_mutation::field(function, index, &reader));
        for definition in function_mutation::types(&reader, function) {
            builder = builder.register(definition);
        }
        scalars.extend(function.arguments.iter().map(|a| a.scalar));
        scalars.extend(function.returns.scalar());
    }
    if !model.tables.is_empty() {
        builder = builder.register(page_info()).register(
            Scalar::new(CURSOR)
                .description("A location in a connection that can be used for resuming pagination.")
                .validator(|value| matches!(value, Value::String(_))),
        );
    }
    builder = builder.register(
        Interface::new(NODE)
            .description("An object with a globally unique `ID`.")
            .field(
                InterfaceField::new(NODE_ID, TypeRef::named_nn(TypeRef::ID))
                    .description(NODE_ID_DESCRIPTION),
            ),
    );
    let used = model.tables.iter().flat_map(|t| &t.columns);
    let (definitions, attribute_scalars) =
        types::definitions(used.filter_map(|c| c.named.as_ref()));
    scalars.extend(attribute_scalars);
    for definition in definitions {
        builder = builder.register(definition);
    }
    for (name, target) in many_filters {
        builder = builder.register(filter_types::to_many(&name, &model.tables[target]));
    }
    for filter in aggregate::having_filters(&aggregated) {
        builder = builder.register(filter);
    }
    for filter in scalar_filters {
        builder = builder.register(filter_types::scalar(filter));
    }
    for definition in scalars.into_iter().flat_map(|s| s.definitions()) {
        builder = builder.register(definition);
    }
    if writable {
        builder = builder.register(mutation);
    }
    if let Some(depth) = limits.max_depth {
        builder = builder.limit_depth(depth);
    }
    if let Some(complexity) = limits.max_complexity {
        builder = builder.limit_complexity(complexity);
    }
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder.register(query).finish()
}

/// Which of a table's collection types the schema refers to, so that the others are left out,
/// as PostGraphile leaves them out (of a table tagged `@omit all,many`, say).
struct Uses {
    /// Its connection (with its condition): `allPeople`, a to-many relation, a function or a
    /// computed column.
    connection: bool,
    /// Its edge and order: a connection, or a mutation's payload.
    edge: bool,
    /// Its filter: a connection, or a relation filter of a to-one relation.
    filter: bool,
}

impl Uses {
    fn of(model: &Model, index: usize) -> Uses {
        let table = &model.tables[index];
        let relations = || model.tables.iter().flat_map(|t| &t.relations);
        let computed = || model.tables.iter().flat_map(|t| &t.computed);
        let connection = !table.tags.omits(Action::All)
            || relations().any(|r| r.many && r.target == index)
            || computed().any(|c| c.returns == Computes::Rows(index))
            || model
                .functions
                .iter()
                .any(|f| f.returns == Returns::Rows(index));
        let payload = table.writable()
            || model
                .mutation_functions
                .iter()
                .any(|f| f.returns == Returns::Row(index));
        let related = model.tables.iter().any(|table| {
            table.filter_fields.iter().any(|(_, field)| match field {
                FilterField::Relation(i) => table.relations[*i].target == index,
                _ => false,
            })
        });
        Uses {
            connection,
            edge: connection || payload,
            filter: connection || related,
        }
    }
}

/// `Person`: its global id when it has a primary key, a field per column, then per relation.
fn node(reader: &Arc<Reader>, table: &Table) -> Object {
    let mut object = Object::new(&table.names.node);
    if let Some(description) = &table.description {
        object = object.description(description);
    }
    if !table.primary_key.is_empty() {
        let prefix: Arc<str> = Arc::from(table.names.node_id_prefix.as_str());
        let keys = table.primary_key.len();
        object = object.implement(NODE).field(
            Field::new(NODE_ID, TypeRef::named_nn(TypeRef::ID), move |ctx| {
                fields::node_id(ctx, &prefix, keys)
            })
            .description(NODE_ID_DESCRIPTION),
        );
    }
    for column in table.columns.iter().filter(|c| !c.tags.omits(Action::Read)) {
        let value = column.value_type();
        let mut field = Field::new(&column.name, output_type(column), move |ctx| {
            fields::typed_column(ctx, &value)
        });
        if let Some(description) = &column.description {
            field = field.description(description);
        }
        object = object.field(field);
    }
    for relation in &table.relations {
        object = object.field(relation_field(reader, table, relation));
    }
    for field in &table.computed {
        object = object.field(computed::object_field(reader, field));
    }
    object
}

/// `clientByClientId: Client` or `projectsByClientId(…): ProjectsConnection!`. A to-one relation
/// is nullable even when its key columns are not, as in PostGraphile: row level security may hide
/// the related row.
pub(crate) fn relation_field(
    reader: &Arc<Reader>,
    table: &Table,
    relation: &RelationField,
) -> Field {
    let target = &reader.model.tables[relation.target];
    let (node, this) = (&target.names.node, &table.names.node);
    let (index, reader) = (relation.target, Arc::clone(reader));
    match relation.many {
        true => collection_arguments(
            Field::new(
                &relation.name,
                TypeRef::named_nn(&target.names.connection),
                move |ctx| fields::to_many(ctx, &reader.model, &reader.model.tables[index]),
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
    types::type_ref(column.type_name(), column.list, column.nullable)
}

/// An argument or input field of a column's type, nullable.
pub(crate) fn input_type(column: &ColumnField) -> TypeRef {
    types::type_ref(column.input_type_name(), column.list, true)
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
            .description(format!(
                "A list of edges which contains the `{node}` and cursor to aid in pagination."
            )),
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
                "The count of *all* `{node}` you could get from the connection."
            )),
        )
}

/// `PeopleEdge { cursor, node: Person }`.
fn edge(table: &Table) -> Object {
    let node = &table.names.node;
    Object::new(&table.names.edge)
        .description(format!("A `{node}` edge in the connection."))
        .field(
            Field::new("cursor", TypeRef::named(CURSOR), fields::cursor)
                .description("A cursor for use in pagination."),
        )
        .field(
            Field::new("node", TypeRef::named(node), fields::edge_node)
                .description(format!("The `{node}` at the end of the edge.")),
        )
}

/// `PageInfo { hasNextPage, hasPreviousPage, startCursor, endCursor }`.
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
        .field(
            Field::new("startCursor", TypeRef::named(CURSOR), |ctx| {
                fields::page_cursor(ctx, false)
            })
            .description("When paginating backwards, the cursor to continue."),
        )
        .field(
            Field::new("endCursor", TypeRef::named(CURSOR), |ctx| {
                fields::page_cursor(ctx, true)
            })
            .description("When paginating forwards, the cursor to continue."),
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
    for column in table
        .columns
        .iter()
        .filter(|c| !c.tags.omits(Action::Filter))
    {
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

/// `first`, `last`, `offset`, `before`, `after`, `orderBy`, `condition` and `filter` of a
/// collection of `table`'s rows (without `orderBy` when it is tagged `@omit order`, and without
/// `condition` and `filter` when it is tagged `@omit filter`).
fn collection_arguments(field: Field, table: &Table) -> Field {
    let names = &table.names;
    let default_order = Value::List(vec![Value::Enum(Name::new(table.default_order()))]);
    let mut field = paging_arguments(field);
    if !table.tags.omits(Action::Order) {
        field = field.argument(
            InputValue::new("orderBy", TypeRef::named_nn_list(&names.order_by))
                .default_value(default_order)
                .description(format!("The method to use when ordering `{}`.", names.node)),
        );
    }
    if table.tags.omits(Action::Filter) {
        return field;
    }
    field
        .argument(
            InputValue::new("condition", TypeRef::named(&names.condition)).description(
                "A condition to be used in determining which values should be returned by the \
                 collection.",
            ),
        )
        .argument(filter_argument(table))
}

fn filter_argument(table: &Table) -> InputValue {
    InputValue::new("filter", TypeRef::named(&table.names.filter)).description(
        "A filter to be used in determining which values should be returned by the collection.",
    )
}

/// `first`, `last`, `offset`, `before` and `after`.
pub(crate) fn paging_arguments(field: Field) -> Field {
    field
        .argument(
            InputValue::new("first", TypeRef::named(TypeRef::INT))
                .description("Only read the first `n` values of the set."),
        )
        .argument(
            InputValue::new("last", TypeRef::named(TypeRef::INT))
                .description("Only read the last `n` values of the set."),
        )
        .argument(
            InputValue::new("offset", TypeRef::named(TypeRef::INT)).description(
                "Skip the first `n` values from our `after` cursor, an alternative to cursor \
                 based pagination. May not be used with `last`.",
            ),
        )
        .argument(
            InputValue::new("before", TypeRef::named(CURSOR))
                .description("Read all values in the set before (above) this cursor."),
        )
        .argument(
            InputValue::new("after", TypeRef::named(CURSOR))
                .description("Read all values in the set after (below) this cursor."),
        )
}

/// `peopleOver(minAge: Int, first, last, offset, before, after, filter): PeopleConnection`, or a
/// function field of one row or value.
fn function_field(
    model: &Model,
    function: &FunctionField,
    index: usize,
    reader: &Arc<Reader>,
) -> Field {
    let type_ref = match function.returns {
        Returns::Rows(table) => TypeRef::named(&model.tables[table].names.connection),
        Returns::Row(table) => TypeRef::named(&model.tables[table].names.node),
        Returns::Scalar {
            scalar,
            list: false,
        } => TypeRef::named(scalar.name()),
        Returns::Scalar { scalar, list: true } | Returns::Scalars(scalar) => {
            TypeRef::named_list(scalar.name())
        }
        // Not query fields (see `functions::queries`).
        Returns::Void => TypeRef::named(TypeRef::BOOLEAN),
    };
    let reader = Arc::clone(reader);
    let mut field = Field::new(&function.name, type_ref, move |ctx| {
        resolve::call(ctx, Arc::clone(&reader), index)
    });
    if let Some(description) = &function.description {
        field = field.description(description);
    }
    for argument in &function.arguments {
        field = field.argument(InputValue::new(&argument.name, argument_type(argument)));
    }
    match function.returns {
        Returns::Rows(table) if !model.tables[table].tags.omits(Action::Filter) => {
            paging_arguments(field).argument(filter_argument(&model.tables[table]))
        }
        Returns::Rows(_) => paging_arguments(field),
        _ => field,
    }
}

/// The type of a function's argument: non-null when it must be given.
pub(crate) fn argument_type(argument: &ArgumentField) -> TypeRef {
    let name = argument.scalar.input_name();
    match (argument.list, argument.required) {
        (false, false) => TypeRef::named(name),
        (false, true) => TypeRef::named_nn(name),
        (true, false) => TypeRef::named_list(name),
        (true, true) => TypeRef::named_list_nn(name),
    }
}

/// `node(nodeId: ID!): Node`: any row with a primary key, or the root query type.
fn node_field(reader: &Arc<Reader>) -> Field {
    let reader = Arc::clone(reader);
    Field::new(NODE_FIELD, TypeRef::named(NODE), move |ctx| {
        resolve::node(ctx, Arc::clone(&reader))
    })
    .description("Fetches an object given its globally unique `ID`.")
    .argument(
        InputValue::new(NODE_ID, TypeRef::named_nn(TypeRef::ID))
            .description("The globally unique `ID`."),
    )
}

/// `person(nodeId: ID!): Person`.
fn row_by_node_id(table: &Table, index: usize, reader: &Arc<Reader>) -> Field {
    let node = &table.names.node;
    let reader = Arc::clone(reader);
    Field::new(&table.names.row_field, TypeRef::named(node), move |ctx| {
        resolve::row_by_node_id(ctx, Arc::clone(&reader), index)
    })
    .description(format!(
        "Reads a single `{node}` using its globally unique `ID`."
    ))
    .argument(
        InputValue::new(NODE_ID, TypeRef::named_nn(TypeRef::ID)).description(format!(
            "The globally unique `ID` to be used in selecting a single `{node}`."
        )),
    )
}

/// `personById(id: Int!): Person` or `personByEmail(email: String!): Person`: the row with the
/// `columns` of `key`.
fn row_by_key(
    table: &Table,
    index: usize,
    reader: &Arc<Reader>,
    key: Key,
    columns: &[usize],
    name: &str,
) -> Field {
    let reader = Arc::clone(reader);
    let mut field = Field::new(name, TypeRef::named(&table.names.node), move |ctx| {
        resolve::row_by_key(ctx, Arc::clone(&reader), index, key)
    })
    .description(format!("Get a single `{}`.", table.names.node));
    for column in columns.iter().map(|&i| &table.columns[i]) {
        field = field.argument(InputValue::new(
            &column.name,
            TypeRef::NonNull(Box::new(input_type(column))),
        ));
    }
    field
}
