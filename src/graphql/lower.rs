//! Lowering: a root field's arguments and whole selection set become one [`ReadRequest`].
//!
//! Each object level of the selection set is lowered by [`object`], which maps every selected
//! field to a select item keyed by the field's response key (its alias, or its name), so the JSON
//! Postgres returns is already keyed the way the resolvers read it. A relation field becomes an
//! embed whose own request is lowered the same way, to any depth: a to-one relation from its
//! selection set, a to-many connection from its `nodes`/`edges` and its arguments.

use async_graphql::{Error, SelectionField, Value};

use super::aggregate;
use super::args::{self, Args};
use super::computed;
use super::filter;
use super::keys::Key;
use super::model::{Model, NODE_ID, Table};
use super::node_id;
use super::paging::{self, Order, Paging};
use super::relations;
use super::select::Select;
use crate::plan::{ReadRequest, SelectItem};

/// A connection's request and page, and for `totalCount` what to count.
pub(crate) struct Lowered {
    pub request: ReadRequest,
    pub paging: Paging,
    /// Whether its rows get cursors.
    pub cursors: bool,
    pub count: Option<Counted>,
    /// The reads of its `aggregates` and `groupedAggregates` fields.
    pub aggregates: Vec<aggregate::Request>,
}

/// The rows a connection's `totalCount` counts: those its filters match (with the embeds they
/// test), without the conditions of its cursors.
pub(crate) struct Counted {
    pub request: ReadRequest,
    /// Whether the cursors add no conditions, so the connection's own request counts the same.
    pub same_filters: bool,
}

/// The key of a nested connection's count, beside the connection's own key in its parent's row.
pub(crate) fn count_key(key: &str) -> String {
    format!("@count:{key}")
}

/// The key of the count in a nested connection's count row.
pub(crate) const COUNT: &str = "n";

/// `allPeople(first, last, offset, before, after, orderBy, condition, filter) { nodes { … }
/// edges { cursor node { … } } totalCount pageInfo { … } }`.
pub(crate) fn connection(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
) -> Result<Lowered, Error> {
    let paging = Paging::of(table, &Args::of(field)?, model.max_rows)?;
    collection(model, table, field, paging)
}

/// `personById(id: 3) { … }` or `personByEmail(email: …)`: the row whose `key` columns equal
/// the arguments.
pub(crate) fn row_by_key(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    key: Key,
) -> Result<ReadRequest, Error> {
    let args = Args::of(field)?;
    let columns = table.key_columns(key);
    let mut values = Vec::with_capacity(columns.len());
    for column in columns.iter().map(|&i| &table.columns[i]) {
        let value = args
            .get(&column.name)
            .ok_or_else(|| Error::new(format!("Argument \"{}\" is required.", column.name)))?;
        values.push(value.clone());
    }
    row_with_values(model, table, field, columns, &values, false)
}

/// `person(nodeId: …)` and `node(nodeId: …)`: the row whose primary key has `values` (one per
/// key column). With `lenient`, fields `table` lacks are left out: `node`'s selection set holds
/// the fragments on every type it may be.
pub(crate) fn row_with_key(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    values: &[Value],
    lenient: bool,
) -> Result<ReadRequest, Error> {
    row_with_values(model, table, field, &table.primary_key, values, lenient)
}

/// The row whose `columns` (indexes into the table's) have `values`.
fn row_with_values(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    columns: &[usize],
    values: &[Value],
    lenient: bool,
) -> Result<ReadRequest, Error> {
    let filters = columns
        .iter()
        .zip(values)
        .map(|(&index, value)| args::equals(table, &table.columns[index].name, value))
        .collect::<Result<_, _>>()?;
    let mut select = Select::default();
    for child in selection(field)? {
        if !lenient || table.has_field(child.name()) {
            member(model, table, &child, &mut select)?;
        }
    }
    Ok(ReadRequest {
        select: select.finish(table),
        filters,
        ..ReadRequest::default()
    })
}

/// A connection: its rows' fields from `nodes` and `edges { node }`, its filters, order and page
/// from its arguments.
/// `peopleOver(minAge: 20, first, …) { … }`: the connection of the rows a function returns,
/// paged in the order they come.
pub(crate) fn function_connection(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
) -> Result<Lowered, Error> {
    let paging = Paging::natural(table, &Args::of(field)?, model.max_rows)?;
    collection(model, table, field, paging)
}

/// The row a function returns, with the fields selected on it.
pub(crate) fn function_row(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
) -> Result<ReadRequest, Error> {
    Ok(ReadRequest {
        select: row(model, table, field)?,
        ..ReadRequest::default()
    })
}

fn collection(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    paging: Paging,
) -> Result<Lowered, Error> {
    let mut select = Select::default();
    let mut count = false;
    let mut aggregates = Vec::new();
    for child in selection(field)? {
        match child.name() {
            "nodes" => object(model, table, &child, &mut select)?,
            "edges" => {
                for node in selection(&child)?.iter().filter(|f| f.name() == "node") {
                    object(model, table, node, &mut select)?;
                }
            }
            "totalCount" => count = true,
            name if aggregate::is_aggregates(name) => aggregates.push(child),
            _ => {}
        }
    }
    let args = Args::of(field)?;
    let cursors = paging::wants_cursors(field);
    if cursors {
        for (key, column) in paging.order().cursor_columns(table) {
            select.column(&key, column)?;
        }
    }
    let mut filters = args::condition(table, &args)?;
    if let Some(value) = args.get("filter") {
        filters.extend(filter::lower(model, table, value, &mut select)?);
    }
    let aggregates = aggregates
        .iter()
        .map(|child| aggregate::lower(table, child, &filters, select.filter_items()))
        .collect::<Result<_, _>>()?;
    let count = count.then(|| Counted {
        request: ReadRequest {
            select: select.filter_items(),
            filters: filters.clone(),
            ..ReadRequest::default()
        },
        same_filters: !paging.filters(),
    });
    let select = select.finish(table);
    let window = paging.window(table);
    filters.extend(window.filters);
    let request = ReadRequest {
        select,
        filters,
        order: window.order,
        range: window.range,
        ..ReadRequest::default()
    };
    Ok(Lowered {
        request,
        paging,
        cursors,
        count,
        aggregates,
    })
}

/// The order of a payload's edge (`personEdge(orderBy: …)`), when its cursor is selected.
pub(crate) fn edge_cursor_order(
    table: &Table,
    edge: &SelectionField<'_>,
) -> Result<Option<Order>, Error> {
    match selection(edge)?.iter().any(|f| f.name() == "cursor") {
        true => Order::of(table, &Args::of(edge)?).map(Some),
        false => Ok(None),
    }
}

/// The select items of one row of `table`.
fn row(model: &Model, table: &Table, field: &SelectionField<'_>) -> Result<Vec<SelectItem>, Error> {
    let mut select = Select::default();
    object(model, table, field, &mut select)?;
    Ok(select.finish(table))
}

/// Adds the fields selected on a row of `table` to `select`.
pub(crate) fn object(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    select: &mut Select,
) -> Result<(), Error> {
    for child in selection(field)? {
        member(model, table, &child, select)?;
    }
    Ok(())
}

/// Adds one field of a row of `table` to `select`: a column, or a relation read as an embed.
fn member(
    model: &Model,
    table: &Table,
    child: &SelectionField<'_>,
    select: &mut Select,
) -> Result<(), Error> {
    let (name, key) = (child.name(), child.alias().unwrap_or(child.name()));
    if name == "__typename" {
        return Ok(());
    }
    if name == NODE_ID && !table.primary_key.is_empty() {
        return key_columns(table, select);
    }
    if let Some(column) = table.column(name) {
        return select.column(key, column.column.as_str());
    }
    if let Some(field) = table.computed(name) {
        return computed::member(model, field, child, select);
    }
    let relation = table.relation(name).ok_or_else(|| {
        Error::new(format!(
            "internal: {} has no field {name}",
            table.names.node
        ))
    })?;
    let target = &model.tables[relation.target];
    let request = match relation.many {
        true => {
            let paging = Paging::of(target, &Args::of(child)?, model.max_rows)?;
            let lowered = collection(model, target, child, paging)?;
            if let Some(Counted {
                request: counted, ..
            }) = lowered.count
            {
                let request = count_request(counted);
                select.relation(relations::embed(relation, Some(count_key(key)), request))?;
            }
            // Beside the connection, each of its aggregates fields: a row per group per parent.
            for aggregates in lowered.aggregates {
                let key = Some(aggregate::nested_key(key, &aggregates.key));
                select.relation(relations::embed(relation, key, aggregates.request))?;
            }
            lowered.request
        }
        false => ReadRequest {
            select: row(model, target, child)?,
            ..ReadRequest::default()
        },
    };
    select.relation(relations::embed(relation, Some(key.to_owned()), request))
}

/// Beside a nested connection, its rows counted: one row with `count(*)` per parent.
pub(crate) fn count_request(counted: ReadRequest) -> ReadRequest {
    ReadRequest {
        select: counted
            .select
            .into_iter()
            .chain([SelectItem::Count {
                alias: Some(COUNT.to_owned()),
                cast: None,
            }])
            .collect(),
        ..counted
    }
}

/// The primary key's columns under the keys a global id is made of.
fn key_columns(table: &Table, select: &mut Select) -> Result<(), Error> {
    for (i, &column) in table.primary_key.iter().enumerate() {
        select.column(&node_id::key(i), table.columns[column].column.as_str())?;
    }
    Ok(())
}

/// What a mutation returns of the rows it wrote: the fields of its payload's row and of its
/// edge's node, its payload's relations of the row and the key a delete's `deletedPersonId`
/// is made of, read as one level.
pub(crate) fn payload(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
) -> Result<ReadRequest, Error> {
    let mut select = Select::default();
    for child in selection(field)? {
        let name = child.name();
        if name == table.names.row_field {
            object(model, table, &child, &mut select)?;
        } else if name == table.names.edge_field {
            if let Some(order) = edge_cursor_order(table, &child)? {
                for (key, column) in order.cursor_columns(table) {
                    select.column(&key, column)?;
                }
            }
            for node in selection(&child)?.iter().filter(|f| f.name() == "node") {
                object(model, table, node, &mut select)?;
            }
        } else if name == table.names.deleted_id {
            key_columns(table, &mut select)?;
        } else if table.relation(name).is_some() {
            member(model, table, &child, &mut select)?;
        }
    }
    Ok(ReadRequest {
        select: select.finish(table),
        ..ReadRequest::default()
    })
}

/// What a mutation of several rows returns: the fields selected on its payload's `rows_field`,
/// read as one level, whose rows `filter` (a `PersonFilter`) chooses, if given.
pub(crate) fn rows_payload(
    model: &Model,
    table: &Table,
    field: &SelectionField<'_>,
    rows_field: &str,
    filter: Option<&Value>,
) -> Result<ReadRequest, Error> {
    let mut select = Select::default();
    for child in selection(field)? {
        if child.name() == rows_field {
            object(model, table, &child, &mut select)?;
        }
    }
    let filters = match filter {
        Some(value) => filter::lower(model, table, value, &mut select)?
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    Ok(ReadRequest {
        select: select.finish(table),
        filters,
        ..ReadRequest::default()
    })
}

/// The fields of `field`'s selection set that are executed: `@skip(if: true)` and
/// `@include(if: false)` on a field leave it out.
pub(crate) fn selection<'a>(field: &SelectionField<'a>) -> Result<Vec<SelectionField<'a>>, Error> {
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
