//! Nested create: `createTeam` with the team's members, or `createMember` with a new team, in one
//! mutation and one statement, named as postgraphile-plugin-nested-mutations names them. For a
//! foreign key `members.team_id → teams.id` (`members_team_id_fkey`), `TeamInput` has
//! `membersUsingId: MembersTeamIdFkeyInverseInput { create: [MembersTeamIdFkeyMembersCreateInput!] }`,
//! whose rows are `MemberInput` without the key's columns, which the new team fills in; and
//! `MemberInput` has `teamToTeamId: MembersTeamIdFkeyInput { create: MembersTeamIdFkeyTeamsCreateInput }`,
//! a `TeamInput` whose new row fills in the member's key (which `MemberInput` then need not give).
//!
//! The statement inserts each new parent in a CTE, the row into `pgrst_source` (taking the keys
//! from its parents), then each relation's children in a CTE of their own that takes the key from
//! it, and reads the payload from them: the row's relations to the rows created with it read those
//! rows. A child's create input has the child table's own children fields, to any depth (a
//! child's new parent is the row above it, so it has no parent fields); each child with children
//! of its own is inserted by a CTE of its own, whose one row its children take the key from. On
//! `createX` only (not with `onConflict`, nor in `createManyX`, which would have to tell rows
//! apart); the plugin's `connectBy…` and `updateBy…` are not offered.

use std::collections::HashSet;

use async_graphql::dynamic::{InputObject, InputValue, Type, TypeRef};
use async_graphql::{Error, Name, Value};

use super::build::input_type;
use super::error::bad_input;
use super::input;
use super::model::{Model, Table};
use super::naming::{self, NestedNames};
use super::smart_tags::{Action, SmartTags};
use crate::plan::{NestedInsertRequest, NestedRowsRequest, Nesting};
use crate::schema::{Cache, Ident, Link, QualifiedName};

/// The field of a connector input holding the children to create.
const CREATE: &str = "create";

/// Rows a new row of a table can be created with: its children, or its parent.
#[derive(Debug)]
pub(crate) struct NestedField {
    pub names: NestedNames,
    pub nesting: Nesting,
    /// The children's (or parent's) table, by index into the model's tables.
    pub target: usize,
    /// The foreign key.
    pub constraint: String,
    /// The key's columns in the child's table (by index into its columns), which the parent
    /// fills in.
    pub key_columns: Vec<usize>,
}

/// Gives each table that can be inserted into a nested field per to-many relation to a table
/// that can be inserted into and per foreign key to one, unless its names are invalid or taken;
/// `type_names` holds the type names taken.
pub(crate) fn attach(cache: &Cache, tables: &mut [Table], type_names: &mut HashSet<String>) {
    for index in 0..tables.len() {
        let parent = &tables[index];
        if !parent.insertable {
            continue;
        }
        let relationships = cache.relationships_of(&parent.relation);
        let mut fields: Vec<NestedField> = Vec::new();
        for relation in parent.relations.iter().filter(|r| r.many && !r.forward) {
            let child = &tables[relation.target];
            let relationship = relationships.iter().find(|r| {
                r.constraint == relation.constraint
                    && r.target == child.relation
                    && !r.cardinality.to_one()
            });
            let tags = key_tags(cache, &child.relation, &relation.constraint);
            let (Some(relationship), true) = (relationship, child.insertable) else {
                continue;
            };
            if tags.omits(Action::Create) {
                continue;
            }
            let Link::Direct(pairs) = &relationship.link else {
                continue;
            };
            let key_columns: Option<Vec<usize>> = pairs
                .iter()
                .map(|(_, column)| child.columns.iter().position(|c| &c.column == column))
                .collect();
            let Some(key_columns) = key_columns else {
                continue;
            };
            let several = relationships
                .iter()
                .filter(|r| r.target == child.relation && matches!(r.link, Link::Direct(_)))
                .filter(|r| !r.cardinality.to_one())
                .count()
                > 1;
            let mut names = NestedNames::new(
                &child.base_name,
                &relation.constraint,
                &base_names(child, pairs.iter().map(|(_, c)| c)),
                &base_names(parent, pairs.iter().map(|(p, _)| p)),
                several,
            );
            // The plugin names it as the key's smart comment names the back-relation.
            if let Some(name) = &tags.foreign_field_name {
                names.field = name.clone();
            }
            let field_taken = parent.column(&names.field).is_some()
                || fields.iter().any(|f| f.names.field == names.field);
            if !claim(&names, field_taken, type_names) {
                continue;
            }
            fields.push(NestedField {
                names,
                nesting: Nesting::Children,
                target: relation.target,
                constraint: relation.constraint.clone(),
                key_columns,
            });
        }
        fields.extend(parents(cache, tables, index, type_names, &fields));
        tables[index].nested = fields;
    }
}

/// Whether a nested create named `names` can be offered: its field is valid and not
/// `field_taken` by another field of the row, and its types are valid and not taken. If so, its
/// type names are claimed in `type_names`.
fn claim(names: &NestedNames, field_taken: bool, type_names: &mut HashSet<String>) -> bool {
    let types = [&names.connector, &names.create_input];
    let valid = types
        .iter()
        .chain([&&names.field])
        .all(|n| naming::is_valid_name(n));
    if field_taken || !valid || types.iter().any(|n| type_names.contains(*n)) {
        tracing::debug!(
            "GraphQL: nested create {} skipped: its names are invalid or taken",
            names.field
        );
        return false;
    }
    type_names.extend(types.map(String::clone));
    true
}

/// The parents a new row of `tables[index]` can be created with: one per foreign key whose
/// columns are all fields, to a table that can be inserted into.
fn parents(
    cache: &Cache,
    tables: &[Table],
    index: usize,
    type_names: &mut HashSet<String>,
    children: &[NestedField],
) -> Vec<NestedField> {
    let table = &tables[index];
    let Some(relation) = cache.relations.get(&table.relation) else {
        return Vec::new();
    };
    let mut fields: Vec<NestedField> = Vec::new();
    for key in &relation.foreign_keys {
        let Some(target) = tables.iter().position(|t| t.relation == key.target) else {
            continue;
        };
        let key_columns: Option<Vec<usize>> = key
            .columns
            .iter()
            .map(|column| table.columns.iter().position(|c| &c.column == column))
            .collect();
        let (Some(key_columns), true) = (key_columns, tables[target].insertable) else {
            continue;
        };
        let tags = SmartTags::parse(key.comment.as_deref());
        if tags.omits(Action::Read) || tags.omits(Action::Create) {
            continue;
        }
        let mut names = NestedNames::parent(
            &tables[target].base_name,
            &key.constraint,
            &base_names(table, key.columns.iter()),
        );
        // The plugin names it as the key's smart comment names the relation.
        if let Some(name) = &tags.field_name {
            names.field = name.clone();
        }
        let field_taken = table.column(&names.field).is_some()
            || children
                .iter()
                .chain(&fields)
                .any(|f| f.names.field == names.field);
        if !claim(&names, field_taken, type_names) {
            continue;
        }
        fields.push(NestedField {
            names,
            nesting: Nesting::Parent,
            target,
            constraint: key.constraint.clone(),
            key_columns,
        });
    }
    fields
}

/// The smart tags of the foreign key `constraint` of `child`.
fn key_tags(cache: &Cache, child: &QualifiedName, constraint: &str) -> SmartTags {
    let key = cache.relations.get(child).and_then(|relation| {
        relation
            .foreign_keys
            .iter()
            .find(|fk| fk.constraint == constraint)
    });
    SmartTags::parse(key.and_then(|fk| fk.comment.as_deref()))
}

/// The names `columns` of `table` are inflected from (their `@name`s, else their own).
fn base_names<'a>(table: &'a Table, columns: impl Iterator<Item = &'a Ident>) -> Vec<&'a str> {
    columns
        .map(|column| {
            table
                .columns
                .iter()
                .find(|c| &c.column == column)
                .map_or(column.as_str(), |c| c.base_name.as_str())
        })
        .collect()
}

/// Whether the column at `index` of `table` may be left out of its row input because a new
/// parent can fill it in.
pub(crate) fn parent_fills(table: &Table, index: usize) -> bool {
    table
        .nested
        .iter()
        .any(|n| n.nesting == Nesting::Parent && n.key_columns.contains(&index))
}

/// The nested fields of `table`'s row input: `membersUsingId: MembersTeamIdFkeyInverseInput`,
/// `teamToTeamId: MembersTeamIdFkeyInput`.
pub(crate) fn input_fields(model: &Model, table: &Table) -> Vec<InputValue> {
    fields(model, table, table.nested.iter())
}

/// The input fields of `nested`, nested fields of `table`.
fn fields<'a>(
    model: &Model,
    table: &Table,
    nested: impl Iterator<Item = &'a NestedField>,
) -> Vec<InputValue> {
    nested
        .map(|nested| {
            let (other, this) = (&model.tables[nested.target].names.node, &table.names.node);
            let description = match nested.nesting {
                Nesting::Children => {
                    format!("`{other}` rows to create with this `{this}`, which reference it.")
                }
                Nesting::Parent => {
                    format!("A `{other}` to create with this `{this}`, which references it.")
                }
            };
            InputValue::new(&nested.names.field, TypeRef::named(&nested.names.connector))
                .description(description)
        })
        .collect()
}

/// The connector and create inputs of `table`'s nested fields.
pub(crate) fn types(model: &Model, table: &Table) -> Vec<Type> {
    let mut types: Vec<Type> = Vec::new();
    for nested in &table.nested {
        let other = &model.tables[nested.target];
        let node = &other.names.node;
        let (create_type, key_columns): (TypeRef, &[usize]) = match nested.nesting {
            Nesting::Children => (
                TypeRef::named_nn_list(&nested.names.create_input),
                &nested.key_columns,
            ),
            Nesting::Parent => (TypeRef::named(&nested.names.create_input), &[]),
        };
        let connector = InputObject::new(&nested.names.connector)
            .description(format!(
                "Input for the nested mutation of `{node}` in the `{}` mutation.",
                table.names.input
            ))
            .field(InputValue::new(CREATE, create_type).description(format!(
                "`{node}` objects that will be created and connected to this object."
            )));
        let mut create = InputObject::new(&nested.names.create_input)
            .description(format!("The `{node}` to be created by this mutation."));
        for (i, column) in other.columns.iter().enumerate() {
            if key_columns.contains(&i) || column.tags.omits(Action::Create) {
                continue;
            }
            let type_ref = match column.required {
                true => TypeRef::NonNull(Box::new(input_type(column))),
                false => input_type(column),
            };
            let mut field = InputValue::new(&column.name, type_ref);
            if let Some(description) = &column.description {
                field = field.description(description);
            }
            create = create.field(field);
        }
        // A child can have children of its own, as deep as the input goes; its new parent is the
        // row above it.
        if nested.nesting == Nesting::Children {
            let grandchildren = other.nested.iter();
            let grandchildren = grandchildren.filter(|n| n.nesting == Nesting::Children);
            for field in fields(model, other, grandchildren) {
                create = create.field(field);
            }
        }
        types.push(connector.into());
        types.push(create.into());
    }
    types
}

/// `row` (a `TeamInput`) without its nested fields, and the rows they create.
pub(crate) fn split(
    model: &Model,
    table: &Table,
    row: &Value,
) -> Result<(Value, Vec<NestedInsertRequest>), Error> {
    let Value::Object(fields) = row else {
        return Ok((row.clone(), Vec::new()));
    };
    let mut columns = fields.clone();
    let mut inserts = Vec::new();
    for nested in &table.nested {
        let Some(connector) = columns.shift_remove(&Name::new(&nested.names.field)) else {
            continue;
        };
        let create = match connector {
            Value::Null => continue,
            Value::Object(connector) => match connector.get(CREATE) {
                None | Some(Value::Null) => continue,
                Some(create) => create.clone(),
            },
            other => return Err(bad_input(format!("Not a nested mutation: {other}"))),
        };
        let target = &model.tables[nested.target];
        let rows = match (nested.nesting, create) {
            (Nesting::Children, Value::List(rows)) if rows.is_empty() => continue,
            (Nesting::Children, Value::List(rows)) => children(model, target, &rows)?,
            (Nesting::Parent, row) => {
                let keys = nested.key_columns.iter().map(|&i| &table.columns[i].name);
                if let Some(key) = keys.clone().find(|k| columns.contains_key(k.as_str())) {
                    return Err(bad_input(format!(
                        "Give either {key} or {}, not both.",
                        nested.names.field
                    )));
                }
                let row = input::row(target, &row)?;
                vec![NestedRowsRequest {
                    columns: row.columns,
                    body: row.body,
                    nested: Vec::new(),
                }]
            }
            (_, other) => return Err(bad_input(format!("Not a list of rows: {other}"))),
        };
        inserts.push(NestedInsertRequest {
            constraint: nested.constraint.clone(),
            nesting: nested.nesting,
            rows,
        });
    }
    Ok((Value::Object(columns), inserts))
}

/// The children `values` (`ProjectsClientIdFkeyProjectsCreateInput`s) of `table` to create with
/// a new row, in their order: each row with children of its own in a group of its own, which its
/// children take the key of (see `sql::write::children_ctes`), the rows between them in one.
fn children(
    model: &Model,
    table: &Table,
    values: &[Value],
) -> Result<Vec<NestedRowsRequest>, Error> {
    let group = |rows: &[Value], nested: Vec<NestedInsertRequest>| {
        input::rows(table, rows).map(|rows| NestedRowsRequest {
            columns: rows.columns,
            body: rows.body,
            nested,
        })
    };
    let mut groups = Vec::new();
    let mut childless = Vec::new();
    for value in values {
        let (row, nested) = split(model, table, value)?;
        if nested.is_empty() {
            childless.push(row);
            continue;
        }
        if !childless.is_empty() {
            groups.push(group(&childless, Vec::new())?);
            childless.clear();
        }
        groups.push(group(&[row], nested)?);
    }
    if !childless.is_empty() {
        groups.push(group(&childless, Vec::new())?);
    }
    Ok(groups)
}
