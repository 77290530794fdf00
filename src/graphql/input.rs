//! Mutation input as plan requests: a row input (`person: {name: "Zoe", age: 30}`) becomes the
//! JSON body of an insert, keyed by column, whose values Postgres parses as the columns' types.

use async_graphql::{Error, Value};

use super::model::{ColumnField, Table};

/// The columns a row input gives values for, and the row as a JSON object.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RowInput {
    pub columns: Vec<String>,
    pub body: String,
}

/// The row input `value` of `table` (`PersonInput`); fields it leaves out take their defaults.
pub(crate) fn row(table: &Table, value: &Value) -> Result<RowInput, Error> {
    let Value::Object(fields) = value else {
        return Err(Error::new(format!(
            "{} must be an object, not {value}",
            table.names.input
        )));
    };
    let mut columns = Vec::with_capacity(fields.len());
    let mut body = String::from("{");
    for (name, value) in fields {
        let column = table
            .column(name.as_str())
            .ok_or_else(|| Error::new(format!("{} has no field {name}", table.names.input)))?;
        if !columns.is_empty() {
            body.push(',');
        }
        body.push_str(&serde_json::Value::from(column.column.as_str()).to_string());
        body.push(':');
        body.push_str(&json(column, value)?);
        columns.push(column.column.as_str().to_owned());
    }
    body.push('}');
    Ok(RowInput { columns, body })
}

/// The row inputs `values` of `table` as one JSON array, with every column any of them gives.
/// A row without a column's field gets the column's default, as with REST's
/// `Prefer: missing=default`.
pub(crate) fn rows(table: &Table, values: &[Value]) -> Result<RowInput, Error> {
    let mut columns: Vec<String> = Vec::new();
    let mut body = String::from("[");
    for (i, value) in values.iter().enumerate() {
        let row = row(table, value)?;
        if i > 0 {
            body.push(',');
        }
        body.push_str(&row.body);
        for column in row.columns {
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
    }
    body.push(']');
    Ok(RowInput { columns, body })
}

/// A column's value as JSON: the text Postgres parses as its type in a string, the value itself
/// for a `json`/`jsonb` column, an object for a composite type.
fn json(column: &ColumnField, value: &Value) -> Result<String, Error> {
    column
        .value_type()
        .input_json(value)
        .map_err(|e| Error::new(format!("Invalid value for {}: {e}", column.name)))
}
