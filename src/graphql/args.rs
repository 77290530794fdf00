//! A collection field's arguments — `first`, `offset`, `orderBy`, `condition` — as the plan's
//! page, order and filters. (`filter` has a module of its own.)
//!
//! Root and nested collections read their arguments the same way, from the selection set
//! (variables substituted), so defaults are applied here: no `orderBy` means the table's
//! default order.

use async_graphql::{Error, Name, SelectionField, Value};

use super::model::{OrderValue, Table};
use crate::plan::{
    Condition, Direction, FieldPath, Filter, IsValue, LogicTree, Operator, OrderTarget, OrderTerm,
    Range,
};

/// The arguments of one field.
#[derive(Debug)]
pub(crate) struct Args(Vec<(Name, Value)>);

impl Args {
    pub fn of(field: &SelectionField<'_>) -> Result<Args, Error> {
        field
            .arguments()
            .map(Args)
            .map_err(|e| Error::new(e.message))
    }

    /// The argument `name`, unless it is absent or null.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, value)| value)
            .filter(|value| !matches!(value, Value::Null))
    }
}

/// `first` and `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub first: Option<u64>,
    pub offset: u64,
}

impl Paging {
    /// The page the arguments ask for; neither number may be negative.
    pub fn of(args: &Args) -> Result<Paging, Error> {
        let count = |name: &str| -> Result<Option<u64>, Error> {
            let Some(value) = args.get(name) else {
                return Ok(None);
            };
            let n = match value {
                Value::Number(n) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| Error::new(format!("Argument \"{name}\" must be an integer.")))?;
            u64::try_from(n).map(Some).map_err(|_| {
                Error::new(format!(
                    "Argument \"{name}\" must not be negative, got {n}."
                ))
            })
        };
        Ok(Paging {
            first: count("first")?,
            offset: count("offset")?.unwrap_or(0),
        })
    }

    /// The rows to read: one more than `first`, to tell whether there is a next page.
    pub fn range(self) -> Range {
        Range {
            offset: self.offset,
            limit: self.first.map(|n| n.saturating_add(1)),
        }
    }
}

/// `condition: {student: true, age: null}`: equality per field, null meaning `IS NULL`.
pub(crate) fn condition(table: &Table, args: &Args) -> Result<Vec<LogicTree>, Error> {
    match args.get("condition") {
        None => Ok(Vec::new()),
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
pub(crate) fn equals(table: &Table, field: &str, value: &Value) -> Result<LogicTree, Error> {
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

/// `orderBy: [AGE_DESC, NAME_ASC]` (a single value counts as a list of one; none at all means the
/// table's default order). When a table has a primary key, its columns end any explicit order,
/// so pages are stable.
pub(crate) fn order(table: &Table, args: &Args) -> Result<Vec<OrderTerm>, Error> {
    let default = Value::Enum(Name::new(table.default_order()));
    let names = match args.get("orderBy").unwrap_or(&default) {
        Value::List(items) => items.iter().collect(),
        single => vec![single],
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
