//! Upserts: `onConflict` on `createPerson` and `createManyPeople` turns the insert into
//! `INSERT … ON CONFLICT (…) DO UPDATE SET … | DO NOTHING` of the shared insert plan, the upsert
//! REST's `on_conflict=` with `resolution=merge-duplicates|ignore-duplicates` makes.
//!
//! PostGraphile's core has no upserts; the shape is Hasura's `on_conflict` in PostGraphile's
//! camelCase: `onConflict: {constraint: people_email_key, updateColumns: [name, age]}`. The
//! constraint is an enum of the table's primary key and UNIQUE constraints by name
//! (`PersonConstraint`), the columns an enum of its columns' fields (`PersonUpdateColumn`); a
//! conflicting row gets the listed columns from the row that was to be inserted, and with no
//! columns listed (the default) it is left as it is and not returned.

use std::collections::HashSet;

use async_graphql::dynamic::{Enum, EnumItem, InputObject, InputValue, Type, TypeRef};
use async_graphql::{Error, Value};

use super::model::{ColumnField, Table};
use super::naming::{self, ConflictNames};
use super::smart_tags::Action;
use crate::plan::{ConflictRequest, Resolution};
use crate::schema::Cache;

/// The field of a create input that makes it an upsert.
pub(crate) const ON_CONFLICT: &str = "onConflict";
const CONSTRAINT: &str = "constraint";
const UPDATE_COLUMNS: &str = "updateColumns";

/// What a table's inserts may conflict on.
#[derive(Debug)]
pub(crate) struct ConflictField {
    pub names: ConflictNames,
    /// The primary key and unique constraints: name, and columns by index into `Table::columns`.
    pub constraints: Vec<(String, Vec<usize>)>,
}

/// Gives each table that can be inserted into its conflict targets: the primary key and the
/// unique constraints whose columns are all fields and whose names are valid enum values. A
/// table without any, or whose type names are invalid or taken, gets no `onConflict`.
pub(crate) fn attach(cache: &Cache, tables: &mut [Table], type_names: &mut HashSet<String>) {
    for table in tables.iter_mut().filter(|t| t.insertable) {
        let Some(relation) = cache.relations.get(&table.relation) else {
            continue;
        };
        let primary = relation
            .primary_key_constraint
            .iter()
            .map(|name| (name, &relation.primary_key));
        let unique = relation
            .unique_keys
            .iter()
            .map(|key| (&key.constraint, &key.columns));
        let mut constraints: Vec<(String, Vec<usize>)> = Vec::new();
        for (name, columns) in primary.chain(unique) {
            let columns: Option<Vec<usize>> = columns
                .iter()
                .map(|column| {
                    let visible = |c: &ColumnField| !c.tags.omits(Action::Read);
                    table
                        .columns
                        .iter()
                        .position(|c| &c.column == column && visible(c))
                })
                .collect();
            let taken = constraints.iter().any(|(n, _)| n == name);
            match columns {
                Some(columns) if enum_value(name) && !taken => {
                    constraints.push((name.clone(), columns))
                }
                _ => tracing::debug!("GraphQL: constraint {name} is no conflict target"),
            }
        }
        let names = ConflictNames::new(&table.base_name);
        let types = [&names.on_conflict, &names.constraint, &names.update_column];
        let free = types
            .iter()
            .all(|n| naming::is_valid_name(n) && !type_names.contains(*n));
        if constraints.is_empty() || !free {
            continue;
        }
        type_names.extend(types.map(String::clone));
        table.conflict = Some(ConflictField { names, constraints });
    }
}

/// Whether `name` can be an enum value.
fn enum_value(name: &str) -> bool {
    naming::is_valid_name(name) && !matches!(name, "true" | "false" | "null")
}

/// `onConflict: PersonOnConflict`, for a create input.
pub(crate) fn input_field(table: &Table) -> Option<InputValue> {
    let conflict = table.conflict.as_ref()?;
    Some(
        InputValue::new(ON_CONFLICT, TypeRef::named(&conflict.names.on_conflict)).description(
            "What to do with a row whose key is taken: update some of its columns, or leave it.",
        ),
    )
}

/// `PersonOnConflict { constraint: PersonConstraint!, updateColumns: [PersonUpdateColumn!]! = [] }`
/// and its enums.
pub(crate) fn types(table: &Table) -> Vec<Type> {
    let Some(conflict) = &table.conflict else {
        return Vec::new();
    };
    let (names, node) = (&conflict.names, &table.names.node);
    let on_conflict = InputObject::new(&names.on_conflict)
        .description(format!(
            "An upsert of `{node}`: the constraint a new row may conflict on, and the columns a \
             conflicting row gets from it (none: it is left as it is)."
        ))
        .field(InputValue::new(
            CONSTRAINT,
            TypeRef::named_nn(&names.constraint),
        ))
        .field(
            InputValue::new(
                UPDATE_COLUMNS,
                TypeRef::named_nn_list_nn(&names.update_column),
            )
            .default_value(Value::List(Vec::new())),
        );
    let constraint = Enum::new(&names.constraint)
        .description(format!(
            "The unique constraints and primary key of `{node}`, by name."
        ))
        .items(
            conflict
                .constraints
                .iter()
                .map(|(name, _)| EnumItem::new(name)),
        );
    let columns = table
        .columns
        .iter()
        .filter(|c| enum_value(&c.name) && !c.tags.omits(Action::Update))
        .map(|c| EnumItem::new(&c.name));
    let update_column = Enum::new(&names.update_column)
        .description(format!("The columns of `{node}` an upsert may update."))
        .items(columns);
    vec![on_conflict.into(), constraint.into(), update_column.into()]
}

/// The upsert `value` (an `onConflict` input) asks for, if any.
pub(crate) fn request(
    table: &Table,
    value: Option<&Value>,
) -> Result<Option<ConflictRequest>, Error> {
    let (Some(value), Some(conflict)) = (value, &table.conflict) else {
        return Ok(None);
    };
    let Value::Object(fields) = value else {
        return Err(Error::new("onConflict must be an object."));
    };
    let constraint = match fields.get(CONSTRAINT) {
        Some(Value::Enum(name)) => conflict
            .constraints
            .iter()
            .find(|(n, _)| n == name.as_str())
            .ok_or_else(|| Error::new(format!("No constraint {name}.")))?,
        _ => return Err(Error::new("onConflict.constraint is required.")),
    };
    let column_name = |&i: &usize| table.columns[i].column.as_str().to_owned();
    let update: Vec<String> = match fields.get(UPDATE_COLUMNS) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(values)) => values
            .iter()
            .map(|value| match value {
                Value::Enum(name) => table
                    .column(name.as_str())
                    .filter(|c| !c.tags.omits(Action::Update))
                    .map(|c| c.column.as_str().to_owned())
                    .ok_or_else(|| Error::new(format!("No column {name}."))),
                other => Err(Error::new(format!("Not a column: {other}."))),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(Error::new(format!("Not a list of columns: {other}."))),
    };
    Ok(Some(ConflictRequest {
        resolution: match update.is_empty() {
            true => Resolution::IgnoreDuplicates,
            false => Resolution::MergeDuplicates,
        },
        columns: Some(constraint.1.iter().map(column_name).collect()),
        update: Some(update),
    }))
}
