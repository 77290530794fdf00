//! Request bodies of writes: JSON, CSV and HTML-form bodies, all turned into the JSON rows the
//! SQL renderer binds as one parameter.

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use super::RequestError;
use super::json_keys::{self, ShapeError};
use crate::plan::Payload;

/// A body as rows: the payload to write, and its first object (PUT compares it with the URL).
#[derive(Debug)]
pub struct Rows {
    pub payload: Payload,
    pub first: Map<String, Value>,
}

/// The rows of a body of the request's `Content-Type`. With `columns=`, those are the columns
/// and a JSON body's keys need not be gathered (PostgREST's fast path for bulk inserts).
pub fn rows(
    headers: &HeaderMap,
    body: Bytes,
    columns: Option<Vec<String>>,
) -> Result<Rows, RequestError> {
    let content_type = super::headers::content_type(headers);
    let rows = match content_type.as_deref() {
        None | Some("application/json" | "") => json(body, columns)?,
        Some("text/csv") => {
            let (body, first) = csv(&body)?;
            keyed(body, first, columns)
        }
        Some("application/x-www-form-urlencoded") => {
            let object: Map<String, Value> = form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            let body = Value::Object(object.clone()).to_string();
            keyed(body, object, columns)
        }
        Some(other) => {
            return Err(RequestError::InvalidBody(format!(
                "Content-Type not acceptable: {other}"
            )));
        }
    };
    Ok(rows)
}

/// Rows whose keys are those of `first`, unless `columns=` said otherwise.
fn keyed(body: String, first: Map<String, Value>, columns: Option<Vec<String>>) -> Rows {
    let columns = columns.unwrap_or_else(|| first.keys().cloned().collect());
    Rows {
        payload: Payload { columns, body },
        first,
    }
}

fn invalid_json() -> RequestError {
    RequestError::InvalidBody("Empty or invalid json".into())
}

fn json(body: Bytes, columns: Option<Vec<String>>) -> Result<Rows, RequestError> {
    let text = String::from_utf8(body.into()).map_err(|_| invalid_json())?;
    if let Some(columns) = columns {
        // An array is only checked, never held as a tree: Postgres reads the values. A single
        // object is small, and PUT and PATCH look at its keys.
        let first = if text.trim_start().starts_with('{') {
            serde_json::from_str::<Map<String, Value>>(&text).map_err(|_| invalid_json())?
        } else {
            serde_json::from_str::<IgnoredAny>(&text).map_err(|_| invalid_json())?;
            Map::new()
        };
        return Ok(Rows {
            payload: Payload {
                columns,
                body: text,
            },
            first,
        });
    }
    let first = json_keys::first_object(&text).map_err(|error| match error {
        ShapeError::Invalid => invalid_json(),
        ShapeError::Mismatch => RequestError::InvalidBody("All object keys must match".into()),
    })?;
    let columns = first.keys().cloned().collect();
    Ok(Rows {
        payload: Payload {
            columns,
            body: text,
        },
        first,
    })
}

/// A CSV body (a header line of column names, then rows) as a JSON array of objects; an unquoted
/// `NULL` is SQL null, every other field a string Postgres casts to the column's type.
fn csv(body: &[u8]) -> Result<(String, Map<String, Value>), RequestError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(body);
    let invalid = |e: csv::Error| match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } => {
            RequestError::InvalidBody("All lines must have same number of fields".into())
        }
        _ => RequestError::InvalidBody(format!("Invalid CSV: {e}")),
    };
    let names: Vec<String> = reader
        .headers()
        .map_err(invalid)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(invalid)?;
        let object: Map<String, Value> = names
            .iter()
            .zip(record.iter())
            .map(|(name, field)| {
                let value = match field {
                    "NULL" => Value::Null,
                    text => Value::String(text.to_owned()),
                };
                (name.clone(), value)
            })
            .collect();
        rows.push(Value::Object(object));
    }
    let first = match rows.first() {
        Some(Value::Object(first)) => first.clone(),
        _ => names.iter().map(|n| (n.clone(), Value::Null)).collect(),
    };
    Ok((Value::Array(rows).to_string(), first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, header};

    fn parse(content_type: &'static str, body: &'static str) -> Result<Rows, RequestError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        rows(&headers, Bytes::from_static(body.as_bytes()), None)
    }

    #[test]
    fn csv_becomes_json_rows_with_nulls() {
        let rows = parse("text/csv", "name,age\nAnn,30\n\"B, b\",NULL\n").unwrap();
        assert_eq!(rows.payload.columns, ["name", "age"]);
        assert_eq!(
            rows.payload.body,
            r#"[{"name":"Ann","age":"30"},{"name":"B, b","age":null}]"#
        );
    }

    #[test]
    fn ragged_csv_is_pgrst102() {
        assert_eq!(
            parse("text/csv", "name,age\nAnn\n").unwrap_err(),
            RequestError::InvalidBody("All lines must have same number of fields".into())
        );
    }

    #[test]
    fn form_bodies_are_one_object() {
        let rows = parse("application/x-www-form-urlencoded", "name=Ann+Lee&age=30").unwrap();
        assert_eq!(rows.payload.columns, ["name", "age"]);
        assert_eq!(rows.payload.body, r#"{"name":"Ann Lee","age":"30"}"#);
    }

    #[test]
    fn json_keys_must_match() {
        assert_eq!(
            parse("application/json", r#"[{"a":1},{"b":2}]"#).unwrap_err(),
            RequestError::InvalidBody("All object keys must match".into())
        );
        assert_eq!(
            parse("application/json", "[1]").unwrap_err(),
            RequestError::InvalidBody("All object keys must match".into())
        );
        assert_eq!(parse("application/json", "").unwrap_err(), invalid_json());
    }
}
