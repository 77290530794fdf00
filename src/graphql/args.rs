//! A field's arguments, and a collection's `condition` as the plan's filters. (`filter` and the
//! page and order arguments have modules of their own.)
//!
//! Root and nested collections read their arguments the same way, from the selection set
//! (variables substituted), so defaults are applied where they are read.

use async_graphql::{Error, Name, SelectionField, Value};

use super::model::Table;
use crate::plan::{Condition, FieldPath, Filter, IsValue, LogicTree, Operator};

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
        .input_text(value)
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
