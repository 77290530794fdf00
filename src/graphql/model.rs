//! The GraphQL view of the relations of one schema: each relation's names, its columns and
//! relations as fields, its order-by values and the fields of its filter. Built once per schema
//! build and shared by the type builder, the lowering and the resolvers, so the names they use
//! cannot drift apart.
//!
//! A column or relation field whose GraphQL name would be invalid or taken is left out, and so is
//! a relation whose names would be invalid or clash with another's (all with a warning): one odd
//! name must not take the whole API down.

use std::collections::HashSet;

use super::aggregate::Aggregates;
use super::computed::{self, ComputedField};
use super::conflict::{self, ConflictField};
use super::functions::{self, FunctionField};
use super::keys::{self, UniqueKeyField};
use super::many;
use super::naming::{self, KeyNames, ManyNames, TableNames};
use super::nested::{self, NestedField};
use super::operators::FilterType;
use super::relations::{self, RelationField};
use super::scalar::Scalar;
use super::smart_tags::{Action, SmartTags};
use super::types::{NamedType, Types, ValueType};
use crate::plan::Direction;
use crate::schema::{Cache, Column, Ident, QualifiedName, Relation};

/// Type holding `hasNextPage` and `hasPreviousPage`.
pub(crate) const PAGE_INFO: &str = "PageInfo";

/// The root types, the interface of rows with a global id, and the scalar of cursors.
pub(crate) const QUERY: &str = "Query";
pub(crate) const MUTATION: &str = "Mutation";
pub(crate) const NODE: &str = "Node";
pub(crate) const CURSOR: &str = "Cursor";

/// The tables of one schema as GraphQL sees them.
#[derive(Debug)]
pub(crate) struct Model {
    pub tables: Vec<Table>,
    /// Functions as root query fields.
    pub functions: Vec<FunctionField>,
    /// VOLATILE functions as mutation fields.
    pub mutation_functions: Vec<FunctionField>,
    /// `db-max-rows`: the most rows a connection reads.
    pub max_rows: Option<u64>,
}

/// Root field exposing the root query type again (PostGraphile's `query` field, for Relay 1).
pub(crate) const QUERY_FIELD: &str = "query";

/// The root field reading any row by its global id.
pub(crate) const NODE_FIELD: &str = "node";

/// The field of a row's global id (and of the root query type's, which is `"query"`).
pub(crate) const NODE_ID: &str = "nodeId";

/// A relation as GraphQL sees it.
#[derive(Debug)]
pub(crate) struct Table {
    pub relation: QualifiedName,
    /// The name its names are inflected from: the relation's, or its `@name`.
    pub base_name: String,
    pub description: Option<String>,
    /// Its smart comment's tags (`@omit all`, …).
    pub tags: SmartTags,
    pub names: TableNames,
    pub columns: Vec<ColumnField>,
    /// Indexes into `columns` of the primary key, in key order; empty when there is none.
    pub primary_key: Vec<usize>,
    /// The root fields reading and writing a row by primary key (`personById`), when there is
    /// one.
    pub by_key: Option<KeyNames>,
    /// The UNIQUE constraints besides the primary key that name a row (`personByEmail`).
    pub unique_keys: Vec<UniqueKeyField>,
    /// The names of `createManyPeople`, `updateManyPeople` and `deleteManyPeople`, unless taken.
    pub many: Option<ManyNames>,
    /// What an insert may conflict on (`onConflict`), when it has a key.
    pub conflict: Option<ConflictField>,
    /// The children a new row can be created with (`membersUsingId: {create: […]}`).
    pub nested: Vec<NestedField>,
    /// The values of the order-by enum, in the order they are listed.
    pub order_values: Vec<(String, OrderValue)>,
    /// Fields reading related rows, in the order they are listed.
    pub relations: Vec<RelationField>,
    /// Functions of its row as fields.
    pub computed: Vec<ComputedField>,
    /// Whether Postgres can insert into it (`createPerson`), update and delete its rows
    /// (`updatePerson…` and `deletePerson…`, which also need a primary key), grants aside.
    pub insertable: bool,
    pub updatable: bool,
    pub deletable: bool,
    /// The fields of the filter input (`PersonFilter`), in the order they are listed.
    pub filter_fields: Vec<(String, FilterField)>,
    /// What its connections aggregate, with `db-aggregates-enabled`.
    pub aggregates: Option<Aggregates>,
}

/// A column as a field of its relation's type.
#[derive(Debug)]
pub(crate) struct ColumnField {
    pub name: String,
    /// The name its names are inflected from: the column's, or its `@name`.
    pub base_name: String,
    pub column: Ident,
    pub scalar: Scalar,
    /// Whether the column is an array (a GraphQL list of `scalar`).
    pub list: bool,
    /// Its enum or composite type, whose values cross as `scalar` (`String`) does not.
    pub named: Option<NamedType>,
    pub nullable: bool,
    /// Whether a new row must give it a value: not null and without a default.
    pub required: bool,
    pub description: Option<String>,
    /// Its smart comment's tags (`@omit create`, …).
    pub tags: SmartTags,
}

/// What a field of a table's filter input tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FilterField {
    /// A column, by index into `Table::columns`, with its scalar filter type.
    Column(usize, FilterType),
    /// A computed column without required arguments, by index into `Table::computed`, with its
    /// scalar filter type.
    Computed(usize, FilterType),
    /// A relation, by index into `Table::relations`: its own filter (to one row) or
    /// `some`/`every`/`none` (to many).
    Relation(usize),
    /// Whether a row of the relation at this index exists.
    Exists(usize),
    And,
    Or,
    Not,
}

/// What an order-by enum value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderValue {
    Natural,
    PrimaryKey(Direction),
    /// A column, by index into `Table::columns`.
    Column(usize, Direction),
}

impl Table {
    /// The relation as GraphQL sees it; `None` when none of its columns can be a field, or its
    /// smart comment omits it (`@omit`, or `@omit read`, which PostGraphile allows only with
    /// every other action that reads it).
    fn new(relation: &Relation, types: &Types) -> Option<Table> {
        let tags = SmartTags::parse(relation.comment.as_deref());
        if tags.omits(Action::Read) {
            return None;
        }
        let base_name = tags
            .name
            .clone()
            .unwrap_or_else(|| relation.name.name.to_string());
        let table = base_name.as_str();
        let mut columns: Vec<ColumnField> = Vec::new();
        for column in &relation.columns {
            let tags = SmartTags::parse(column.comment.as_deref());
            if tags.omitted() {
                continue;
            }
            let base_name = tags.name.clone().unwrap_or_else(|| column.name.to_string());
            let name = naming::field(&base_name);
            if !naming::is_valid_name(&name) || columns.iter().any(|c| c.name == name) {
                tracing::warn!(
                    "GraphQL: column {}.{} skipped: no usable field name ({name:?})",
                    relation.name,
                    column.name
                );
                continue;
            }
            columns.push(ColumnField::new(name, base_name, column, tags, types));
        }
        if columns.is_empty() {
            return None;
        }
        let primary_key: Vec<usize> = relation
            .primary_key
            .iter()
            .filter_map(|key| columns.iter().position(|c| &c.column == key))
            .collect();
        let primary_key = if primary_key.len() == relation.primary_key.len() {
            primary_key
        } else {
            Vec::new()
        };
        let by_key = (!primary_key.is_empty()).then(|| {
            let keys: Vec<&str> = primary_key
                .iter()
                .map(|&i| columns[i].base_name.as_str())
                .collect();
            KeyNames::new(table, &keys)
        });
        let order_values = order_values(&columns, !primary_key.is_empty());
        // PostGraphile names the global ids and `deletedPersonId` after the table's own name,
        // whatever its `@name`.
        let own = TableNames::new(relation.name.name.as_str());
        let names = TableNames {
            deleted_id: own.deleted_id,
            node_id_prefix: own.node_id_prefix,
            ..TableNames::new(table)
        };
        Some(Table {
            relation: relation.name.clone(),
            description: tags.description.clone(),
            names,
            base_name: base_name.clone(),
            columns,
            primary_key,
            by_key,
            unique_keys: Vec::new(),
            many: None,
            conflict: None,
            nested: Vec::new(),
            order_values,
            relations: Vec::new(),
            computed: Vec::new(),
            insertable: relation.insertable && !tags.omits(Action::Create),
            updatable: relation.updatable && !tags.omits(Action::Update),
            deletable: relation.deletable && !tags.omits(Action::Delete),
            filter_fields: Vec::new(),
            tags,
            aggregates: None,
        })
    }

    /// The relation field called `name`.
    pub fn relation(&self, name: &str) -> Option<&RelationField> {
        self.relations.iter().find(|r| r.name == name)
    }

    pub fn filter_field(&self, name: &str) -> Option<FilterField> {
        self.filter_fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, field)| field.clone())
    }

    /// A field per filterable column and computed column, then per relation a field for its rows and one for whether
    /// there are any, then `and`, `or` and `not`. A name already taken is left out with a warning.
    fn set_filter_fields(&mut self) {
        let logic = [
            ("and", FilterField::And),
            ("or", FilterField::Or),
            ("not", FilterField::Not),
        ];
        let columns = self.columns.iter().enumerate().filter_map(|(i, column)| {
            if column.tags.omits(Action::Filter) {
                return None;
            }
            let filter = column.filter_type()?;
            Some((column.name.clone(), FilterField::Column(i, filter)))
        });
        let computed = self
            .computed
            .iter()
            .enumerate()
            .filter_map(|(i, computed)| {
                let filter = computed::filter_type(computed)?;
                Some((computed.name.clone(), FilterField::Computed(i, filter)))
            });
        let relations = self.relations.iter().enumerate().flat_map(|(i, relation)| {
            let exists = relation
                .exists
                .clone()
                .map(|name| (name, FilterField::Exists(i)));
            std::iter::once((relation.name.clone(), FilterField::Relation(i))).chain(exists)
        });
        let mut fields: Vec<(String, FilterField)> = Vec::new();
        for (name, field) in columns.chain(computed).chain(relations).collect::<Vec<_>>() {
            let taken =
                fields.iter().any(|(n, _)| *n == name) || logic.iter().any(|(n, _)| *n == name);
            if taken || !naming::is_valid_name(&name) {
                tracing::warn!(
                    "GraphQL: filter field {}.{name} skipped: its name is invalid or taken",
                    self.names.filter
                );
                continue;
            }
            fields.push((name, field));
        }
        fields.extend(logic.map(|(name, field)| (name.to_owned(), field)));
        self.filter_fields = fields;
    }

    /// The computed column field called `name`.
    pub fn computed(&self, name: &str) -> Option<&ComputedField> {
        self.computed.iter().find(|c| c.name == name)
    }

    /// Whether its row type has a field `name`.
    pub fn has_field(&self, name: &str) -> bool {
        let node_id = name == NODE_ID && !self.primary_key.is_empty();
        node_id
            || self.column(name).is_some()
            || self.relation(name).is_some()
            || self.computed(name).is_some()
    }

    /// The column behind the field `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnField> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn order_value(&self, name: &str) -> Option<OrderValue> {
        self.order_values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| *value)
    }

    /// The order a collection has when the caller names none.
    pub fn default_order(&self) -> &'static str {
        if self.primary_key.is_empty() {
            "NATURAL"
        } else {
            "PRIMARY_KEY_ASC"
        }
    }

    /// The names of its types, taken whether or not it has each.
    fn type_names(&self) -> Vec<&str> {
        let n = &self.names;
        let mut names = vec![
            &n.node,
            &n.connection,
            &n.edge,
            &n.order_by,
            &n.condition,
            &n.filter,
            &n.input,
            &n.create_input,
            &n.create_payload,
            &n.update_input,
            &n.update_payload,
            &n.patch,
            &n.delete_input,
            &n.delete_payload,
        ];
        if let Some(key) = &self.by_key {
            names.extend([&key.update_input, &key.delete_input]);
        }
        names.into_iter().map(String::as_str).collect()
    }

    /// Whether it has any mutation: updates and deletes of one row need a key, of several rows
    /// their names.
    pub fn writable(&self) -> bool {
        let changes = self.updatable || self.deletable;
        self.insertable || (changes && (self.has_keys() || self.many.is_some()))
    }

    /// The names of its mutation fields, taken whether or not it has each.
    fn mutation_fields(&self) -> impl Iterator<Item = &str> {
        let n = &self.names;
        let keyed = self.by_key.iter().flat_map(|k| [&k.update, &k.delete]);
        [&n.create, &n.update, &n.delete]
            .into_iter()
            .chain(keyed)
            .map(String::as_str)
    }

    /// Its fields of the root query type: `allPeople`, and with a primary key `personById` and
    /// `person(nodeId:)`.
    fn root_fields(&self) -> impl Iterator<Item = &str> {
        let by_node_id = self.by_key.as_ref().map(|_| self.names.row_field.as_str());
        let all_rows = (!self.tags.omits(Action::All)).then_some(self.names.all_rows.as_str());
        all_rows
            .into_iter()
            .chain(self.by_key.as_ref().map(|k| k.read.as_str()))
            .chain(by_node_id)
    }
}

impl ColumnField {
    fn new(
        name: String,
        base_name: String,
        column: &Column,
        tags: SmartTags,
        types: &Types,
    ) -> ColumnField {
        let element = column.element_type.as_deref();
        let value = types.value_type(&column.type_name, element, column.domain.as_deref());
        ColumnField {
            name,
            base_name,
            column: column.name.clone(),
            scalar: value.scalar,
            list: value.list,
            named: value.named,
            nullable: column.nullable,
            required: !column.nullable && column.default.is_none(),
            description: tags.description.clone(),
            tags,
        }
    }
}

impl ColumnField {
    pub fn value_type(&self) -> ValueType {
        ValueType {
            scalar: self.scalar,
            list: self.list,
            named: self.named.clone(),
        }
    }

    /// Its type as a field of a row, `PersonInput` and a patch, or a condition.
    pub fn type_name(&self) -> &str {
        self.named
            .as_ref()
            .map_or(self.scalar.name(), NamedType::name)
    }

    pub fn input_type_name(&self) -> &str {
        self.named
            .as_ref()
            .map_or(self.scalar.input_name(), NamedType::input_name)
    }

    /// The text Postgres parses as the column's type; `None` for null.
    pub fn input_text(&self, value: &async_graphql::Value) -> Result<Option<String>, String> {
        self.value_type().input_text(value)
    }

    /// The type of its `filter` field: the scalar's, or the enum's or domain's (`MoodFilter`,
    /// `EmailFilter`); none for a composite type.
    fn filter_type(&self) -> Option<FilterType> {
        match &self.named {
            None => FilterType::of(self.scalar, self.list),
            Some(NamedType::Enum(e)) => Some(FilterType::of_enum(&e.name, self.list)),
            Some(NamedType::Domain(d)) => FilterType::of_domain(&d.name, d.base, self.list),
            Some(NamedType::Composite(_)) => None,
        }
    }
}

/// `NATURAL`, `<COLUMN>_ASC`/`_DESC` per column that orders, then `PRIMARY_KEY_ASC`/`_DESC`; a column whose
/// value would repeat another value (say, of a column called `primary_key`) is left out.
fn order_values(columns: &[ColumnField], has_primary_key: bool) -> Vec<(String, OrderValue)> {
    let primary_key: Vec<(String, OrderValue)> = match has_primary_key {
        true => [Direction::Asc, Direction::Desc]
            .into_iter()
            .map(|d| {
                (
                    format!("PRIMARY_KEY_{}", suffix(d)),
                    OrderValue::PrimaryKey(d),
                )
            })
            .collect(),
        false => Vec::new(),
    };
    let mut values = vec![("NATURAL".to_owned(), OrderValue::Natural)];
    // As in PostGraphile, arrays and binary data do not order.
    let orderable = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.tags.omits(Action::Order) && !c.list && c.scalar != Scalar::Base64);
    for (i, column) in orderable {
        for direction in [Direction::Asc, Direction::Desc] {
            let name = naming::order_value(&column.base_name, direction == Direction::Asc);
            let taken = values.iter().chain(&primary_key).any(|(n, _)| *n == name);
            if naming::is_valid_name(&name) && !taken {
                values.push((name, OrderValue::Column(i, direction)));
            }
        }
    }
    values.extend(primary_key);
    values
}

fn suffix(direction: Direction) -> &'static str {
    match direction {
        Direction::Asc => "ASC",
        Direction::Desc => "DESC",
    }
}

impl Model {
    /// The relations of `schema` that become GraphQL types, in name order, with their relation
    /// and filter fields, and their aggregates if `aggregates`.
    pub fn new(cache: &Cache, schema: &Ident, max_rows: Option<u64>, aggregates: bool) -> Model {
        let mut type_names: HashSet<String> = [
            QUERY, MUTATION, NODE, CURSOR, "Int", "Float", "String", "Boolean", "ID", PAGE_INFO,
        ]
        .map(String::from)
        .into();
        type_names.extend(Scalar::ALL.iter().map(|s| s.name().to_owned()));
        type_names.extend(FilterType::all().map(|f| f.name()));
        let mut root_fields: HashSet<String> =
            [QUERY_FIELD, NODE_ID, NODE_FIELD].map(String::from).into();
        let types = Types::new(cache, schema, &mut type_names);
        let mut tables = tables(cache, schema, &types, &mut type_names, &mut root_fields);
        relations::attach(cache, &mut tables, &mut type_names);
        let mut field_names = root_fields.clone();
        field_names.extend(
            tables
                .iter()
                .flat_map(Table::mutation_fields)
                .map(String::from),
        );
        keys::attach(cache, &mut tables, &mut type_names, &mut field_names);
        many::attach(&mut tables, &mut type_names, &mut field_names);
        conflict::attach(cache, &mut tables, &mut type_names);
        let lookups = tables.iter().flat_map(|t| &t.unique_keys);
        root_fields.extend(lookups.map(|key| key.names.read.clone()));
        computed::attach(cache, schema, &mut tables);
        nested::attach(cache, &mut tables, &mut type_names);
        for table in &mut tables {
            table.set_filter_fields();
            if let (true, Some(relation)) = (aggregates, cache.relations.get(&table.relation)) {
                table.aggregates = Aggregates::of(relation, table, &mut type_names);
            }
        }
        let functions = functions::queries(cache, schema, &tables, &mut root_fields);
        let mut mutation_names = type_names;
        // The tables' mutation fields, those by unique key and of several rows among them.
        mutation_names.extend(field_names.difference(&root_fields).cloned());
        let mutation_functions = functions::mutations(cache, schema, &tables, &mut mutation_names);
        Model {
            tables,
            functions,
            mutation_functions,
            max_rows,
        }
    }
}

/// The relations of `schema` that become GraphQL types, in name order; `type_names` and
/// `root_fields` hold the names taken and get theirs.
fn tables(
    cache: &Cache,
    schema: &Ident,
    types: &Types,
    type_names: &mut HashSet<String>,
    root_fields: &mut HashSet<String>,
) -> Vec<Table> {
    let mut tables = Vec::new();
    for relation in cache.relations_in(schema) {
        let Some(table) = Table::new(relation, types) else {
            continue;
        };
        let names_ok = table.type_names().iter().all(|n| naming::is_valid_name(n))
            && table.root_fields().all(naming::is_valid_name);
        let free = table.type_names().iter().all(|n| !type_names.contains(*n))
            && table.root_fields().all(|f| !root_fields.contains(f));
        if !(names_ok && free) {
            tracing::warn!(
                "GraphQL: relation {} skipped: its names are invalid or taken ({})",
                relation.name,
                table.names.node
            );
            continue;
        }
        type_names.extend(table.type_names().into_iter().map(String::from));
        root_fields.extend(table.root_fields().map(String::from));
        tables.push(table);
    }
    tables
}
