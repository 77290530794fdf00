//! Lowering: a root field's arguments and whole selection set become one [`ReadRequest`].
//!
//! Each object level of the selection set is lowered by [`object`], which maps every selected
//! field to a select item keyed by the field's response key (its alias, or its name), so the JSON
//! Postgres returns is already keyed the way the resolvers read it. A relation field becomes an
//! embed whose own request is lowered the same way, to any depth: a to-one relation from its
//! selection set, a to-many connection from its `nodes`/`edges` and its arguments.

use async_graphql::{Error, SelectionField, Value};

use super::args::{self, Args, Paging};
use super::filter;
use super::model::{Model, Table};
use super::relations;
use super::select::Select;
use crate::plan::{ReadRequest, SelectItem};

/// Why a nested connection cannot answer `totalCount`.
const NESTED_TOTAL_COUNT: &str = "totalCount is only available on root connections for now";

/// A root connection's request, and whether it counts the rows its filters match
/// (`totalCount`).
pub(crate) struct Lowered {
    pub request: ReadRequest,
    pub count: bool,
}

/// `allPeople(first, offset, orderBy, condition, filter) { nodes { … } edges { node { … } }
/// totalCount pageInfo { … } }`.
pub(crate) fn connection(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
) -> Result<Lowered, Error> {
    collection(model, table, field, true)
}

/// `personById(id: 3) { … }`: the row whose primary key columns equal the arguments.
pub(crate) fn row_by_key(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
) -> Result<ReadRequest, Error> {
    let args = Args::of(field)?;
    let mut filters = Vec::with_capacity(table.primary_key.len());
    for column in table.primary_key.iter().map(|&i| &table.columns[i]) {
        let value = args
            .get(&column.name)
            .ok_or_else(|| Error::new(format!("Argument \"{}\" is required.", column.name)))?;
        filters.push(args::equals(table, &column.name, value)?);
    }
    Ok(ReadRequest {
        select: row(model, table, field)?,
        filters,
        ..ReadRequest::default()
    })
}

/// A connection: its rows' fields from `nodes` and `edges { node }`, its filters, order and page
/// from its arguments.
fn collection(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    root: bool,
) -> Result<Lowered, Error> {
    let mut select = Select::default();
    let mut count = false;
    for child in selection(field)? {
        match child.name() {
            "nodes" => object(model, table, &child, &mut select)?,
            "edges" => {
                for node in selection(&child)?.iter().filter(|f| f.name() == "node") {
                    object(model, table, node, &mut select)?;
                }
            }
            "totalCount" if root => count = true,
            "totalCount" => return Err(Error::new(NESTED_TOTAL_COUNT)),
            _ => {}
        }
    }
    let args = Args::of(field)?;
    let mut filters = args::condition(table, &args)?;
    if let Some(value) = args.get("filter") {
        filters.extend(filter::lower(model, table, value, &mut select)?);
    }
    let request = ReadRequest {
        select: select.finish(table),
        filters,
        order: args::order(table, &args)?,
        range: Paging::of(&args)?.range(),
    };
    Ok(Lowered { request, count })
}

/// The select items of one row of `table`.
fn row(model: &Model, table: &Table, field: &SelectionField<'_>) -> Result<Vec<SelectItem>, Error> {
    let mut select = Select::default();
    object(model, table, field, &mut select)?;
    Ok(select.finish(table))
}

/// Adds the fields selected on a row of `table` to `select`.
fn object(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    select: &mut Select,
) -> Result<(), Error> {
    for child in selection(field)? {
        let (name, key) = (child.name(), child.alias().unwrap_or(child.name()));
        if name == "__typename" {
            continue;
        }
        if let Some(column) = table.column(name) {
            select.column(key, column.column.as_str())?;
        } else if let Some(relation) = table.relation(name) {
            let target = &model.tables[relation.target];
            let request = match relation.many {
                true => collection(model, target, &child, false)?.request,
                false => ReadRequest {
                    select: row(model, target, &child)?,
                    ..ReadRequest::default()
                },
            };
            select.relation(relations::embed(relation, Some(key.to_owned()), request))?;
        } else {
            return Err(Error::new(format!(
                "internal: {} has no field {name}",
                table.names.node
            )));
        }
    }
    Ok(())
}

/// The fields of `field`'s selection set that are executed: `@skip(if: true)` and
/// `@include(if: false)` on a field leave it out.
fn selection<'a>(field: &SelectionField<'a>) -> Result<Vec<SelectionField<'a>>, Error> {
    let mut fields = Vec::new();
    for child in field.selection_set() {
        let directives = child.directives().map_err(|e| Error::new(e.message))?;
        let condition = |name: &str| {
            directives
                .iter()
                .find(|d| d.name.node == name)
                .and_then(|d| d.get_argument("if"))
                .map(|value| value.node == Value::Boolean(true))
        };
        let skipped = condition("skip") == Some(true) || condition("include") == Some(false);
        if !skipped {
            fields.push(child);
        }
    }
    Ok(fields)
}
