//! Lowering: a root field's arguments and whole selection set become one [`ReadRequest`].
//!
//! Each object level of the selection set is lowered by [`object`], which maps every selected
//! field to a select item keyed by the field's response key (its alias, or its name), so the JSON
//! Postgres returns is already keyed the way the resolvers read it. Relations will lower their
//! own selection sets recursively from there.

use async_graphql::dynamic::ObjectAccessor;
use async_graphql::{Error, SelectionField, Value};

use super::model::{OrderValue, Table};
use crate::plan::{
    Condition, Direction, FieldPath, Filter, IsValue, LogicTree, Operator, OrderTarget, OrderTerm,
    Range, ReadRequest, SelectField, SelectItem,
};

/// `allPeople(first, offset, orderBy, condition) { nodes { … } edges { node { … } } }`.
pub(crate) fn connection(
    table: &Table,
    field: SelectionField<'_>,
    args: &ObjectAccessor<'_>,
) -> Result<ReadRequest, Error> {
    let mut select = Select::default();
    for child in field.selection_set() {
        match child.name() {
            "nodes" => object(table, child, &mut select)?,
            "edges" => {
                for node in child.selection_set().filter(|f| f.name() == "node") {
                    object(table, node, &mut select)?;
                }
            }
            _ => {}
        }
    }
    Ok(ReadRequest {
        select: select.items,
        filters: condition(table, args.get("condition").as_ref().map(|v| v.as_value()))?,
        order: order(table, args.get("orderBy").as_ref().map(|v| v.as_value()))?,
        range: range(args)?,
    })
}

/// `personById(id: 3) { … }`: the row whose primary key columns equal the arguments.
pub(crate) fn row_by_key(
    table: &Table,
    field: SelectionField<'_>,
    args: &ObjectAccessor<'_>,
) -> Result<ReadRequest, Error> {
    let mut select = Select::default();
    object(table, field, &mut select)?;
    let mut filters = Vec::with_capacity(table.primary_key.len());
    for column in table.primary_key.iter().map(|&i| &table.columns[i]) {
        let value = args.try_get(&column.name)?;
        filters.push(equals(table, &column.name, value.as_value())?);
    }
    Ok(ReadRequest {
        select: select.items,
        filters,
        ..ReadRequest::default()
    })
}

/// The select items of one object level: a column per selected field of `table`'s type.
fn object(table: &Table, field: SelectionField<'_>, select: &mut Select) -> Result<(), Error> {
    for child in field.selection_set().filter(|f| f.name() != "__typename") {
        let column = table.column(child.name()).ok_or_else(|| {
            Error::new(format!(
                "internal: {} has no field {}",
                table.names.node,
                child.name()
            ))
        })?;
        let key = child.alias().unwrap_or(child.name());
        select.add(key, column.column.as_str(), &table.names.node)?;
    }
    Ok(())
}

/// Select items with unique response keys.
#[derive(Default)]
struct Select {
    items: Vec<SelectItem>,
}

impl Select {
    /// Adds `column` under `key`; the same key may repeat (from `nodes` and `edges`) only for the
    /// same column.
    fn add(&mut self, key: &str, column: &str, type_name: &str) -> Result<(), Error> {
        let existing = self.items.iter().find_map(|item| match item {
            SelectItem::Field(SelectField {
                field,
                alias: Some(alias),
                ..
            }) if alias == key => Some(&field.column),
            _ => None,
        });
        match existing {
            Some(name) if name == column => Ok(()),
            Some(name) => Err(Error::new(format!(
                "The response key \"{key}\" of {type_name} selects both {name} and {column} \
                 across nodes and edges; give them different aliases."
            ))),
            None => {
                let item = SelectItem::Field(SelectField {
                    field: FieldPath::column(column),
                    alias: Some(key.to_owned()),
                    cast: None,
                    aggregate: None,
                });
                self.items.push(item);
                Ok(())
            }
        }
    }
}

/// `condition: {student: true, age: null}`: equality per field, null meaning `IS NULL`.
fn condition(table: &Table, value: Option<&Value>) -> Result<Vec<LogicTree>, Error> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(fields)) => fields
            .iter()
            .map(|(name, value)| equals(table, name.as_str(), value))
            .collect(),
        Some(other) => Err(Error::new(format!(
            "condition must be an object, not {other}"
        ))),
    }
}

/// `field = value`, or `field IS NULL` for null.
fn equals(table: &Table, field: &str, value: &Value) -> Result<LogicTree, Error> {
    let column = table
        .column(field)
        .ok_or_else(|| Error::new(format!("{} has no field {field}", table.names.condition)))?;
    let text = column
        .scalar
        .input_text(value, column.list)
        .map_err(|e| Error::new(format!("Invalid value for {field}: {e}")))?;
    let condition = match text {
        Some(text) => Condition::Compare(Operator::Eq, text),
        None => Condition::Is(IsValue::Null),
    };
    Ok(LogicTree::Filter(Filter {
        field: FieldPath::column(column.column.as_str()),
        negated: false,
        condition,
    }))
}

/// `orderBy: [AGE_DESC, NAME_ASC]` (a single value counts as a list of one). When a table has a
/// primary key, its columns end any explicit order, so pages are stable.
fn order(table: &Table, value: Option<&Value>) -> Result<Vec<OrderTerm>, Error> {
    let names = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::List(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    let term = |index: usize, direction| OrderTerm {
        target: OrderTarget::Field(FieldPath::column(table.columns[index].column.as_str())),
        direction: Some(direction),
        nulls: None,
    };
    let mut terms = Vec::new();
    for name in names {
        let name = match name {
            Value::Enum(name) => name.as_str(),
            Value::String(name) => name.as_str(),
            other => return Err(Error::new(format!("Invalid orderBy value {other}"))),
        };
        match table.order_value(name) {
            Some(OrderValue::Natural) => {}
            Some(OrderValue::PrimaryKey(direction)) => {
                terms.extend(table.primary_key.iter().map(|&i| term(i, direction)));
            }
            Some(OrderValue::Column(index, direction)) => terms.push(term(index, direction)),
            None => {
                let order_by = &table.names.order_by;
                return Err(Error::new(format!(
                    "Invalid orderBy value {name} for {order_by}"
                )));
            }
        }
    }
    if !terms.is_empty() {
        for &index in &table.primary_key {
            let column = table.columns[index].column.as_str();
            let ordered =
                |t: &OrderTerm| matches!(&t.target, OrderTarget::Field(f) if f.column == column);
            if !terms.iter().any(ordered) {
                terms.push(term(index, Direction::Asc));
            }
        }
    }
    Ok(terms)
}

/// `first` and `offset`, which must not be negative.
fn range(args: &ObjectAccessor<'_>) -> Result<Range, Error> {
    let count = |name: &str| -> Result<Option<u64>, Error> {
        match args.get(name) {
            None => Ok(None),
            Some(value) if value.is_null() => Ok(None),
            Some(value) => {
                let n = value.i64()?;
                u64::try_from(n).map(Some).map_err(|_| {
                    Error::new(format!(
                        "Argument \"{name}\" must not be negative, got {n}."
                    ))
                })
            }
        }
    };
    Ok(Range {
        offset: count("offset")?.unwrap_or(0),
        limit: count("first")?,
    })
}
