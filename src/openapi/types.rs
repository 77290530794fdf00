//! Postgres types as JSON Schema: what `row_to_json` makes of a value of that type.
//!
//! PostgREST's map, with JSON Schema formats where one fits: booleans, `int2`/`int4` (int32),
//! `int8` (int64), `numeric`/`float4`/`float8` (number), `json`/`jsonb` (any JSON), arrays
//! (items mapped from the element type), enums (strings with `enum`), and strings for the rest
//! with the Postgres type name as `format`.

use serde_json::Value;
use utoipa::openapi::schema::{KnownFormat, SchemaFormat, SchemaType};
use utoipa::openapi::{ArrayBuilder, ObjectBuilder, Schema, Type};

use crate::schema::Column;

/// A type as the catalog describes it.
pub(super) struct PgType<'a> {
    /// `pg_type.typname` of the (base) type: `int4`, `_int4`, `timestamptz`.
    type_name: &'a str,
    /// `format_type()` text: `integer`, `character varying(20)[]`.
    sql_type: &'a str,
    /// The element's `typname` when the type is an array.
    element_type: Option<&'a str>,
    enum_values: &'a [String],
}

impl<'a> PgType<'a> {
    pub(super) fn of_column(column: &'a Column) -> Self {
        PgType {
            type_name: &column.type_name,
            sql_type: column.sql_type.as_str(),
            element_type: column.element_type.as_deref(),
            enum_values: &column.enum_values,
        }
    }

    /// A function argument or result, known by name only (arrays are `_element`).
    pub(super) fn named(type_name: &'a str, sql_type: &'a str) -> Self {
        PgType {
            type_name,
            sql_type,
            element_type: type_name.strip_prefix('_'),
            enum_values: &[],
        }
    }

    pub(super) fn is_array(&self) -> bool {
        self.element_type.is_some()
    }
}

/// What a schema says besides its type.
#[derive(Default)]
pub(super) struct Annotations {
    pub description: Option<String>,
    pub default: Option<Value>,
    pub max_length: Option<usize>,
}

/// The JSON Schema of values of `ty`; `nullable` adds `"null"` to the type (and to `enum`).
pub(super) fn schema(ty: &PgType, nullable: bool, annotations: Annotations) -> Schema {
    match ty.element_type {
        Some(element) => ArrayBuilder::new()
            .schema_type(schema_type(Type::Array, nullable))
            .items(scalar(element, element_label(ty.sql_type), &[], false))
            .description(annotations.description)
            .default(annotations.default)
            .into(),
        None => scalar(
            ty.type_name,
            type_label(ty.sql_type),
            ty.enum_values,
            nullable,
        )
        .description(annotations.description)
        .default(annotations.default)
        .max_length(annotations.max_length)
        .into(),
    }
}

/// How a scalar appears in JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Json {
    Boolean,
    Integer,
    Number,
    String,
    Any,
}

fn scalar(type_name: &str, label: String, enum_values: &[String], nullable: bool) -> ObjectBuilder {
    let (json, format) = classify(type_name, label);
    let object = ObjectBuilder::new().format(format);
    let object = match json {
        Json::Boolean => object.schema_type(schema_type(Type::Boolean, nullable)),
        Json::Integer => object.schema_type(schema_type(Type::Integer, nullable)),
        Json::Number => object.schema_type(schema_type(Type::Number, nullable)),
        Json::String => object.schema_type(schema_type(Type::String, nullable)),
        Json::Any => object.schema_type(SchemaType::AnyValue),
    };
    if enum_values.is_empty() {
        return object;
    }
    let null = nullable.then_some(Value::Null);
    object.enum_values(Some(
        enum_values
            .iter()
            .map(|v| Value::from(v.as_str()))
            .chain(null),
    ))
}

fn classify(type_name: &str, label: String) -> (Json, Option<SchemaFormat>) {
    let custom = |format: &str| Some(SchemaFormat::Custom(format.to_owned()));
    match type_name {
        "bool" => (Json::Boolean, None),
        "int2" | "int4" => (
            Json::Integer,
            Some(SchemaFormat::KnownFormat(KnownFormat::Int32)),
        ),
        "int8" => (
            Json::Integer,
            Some(SchemaFormat::KnownFormat(KnownFormat::Int64)),
        ),
        "numeric" | "float4" | "float8" => (Json::Number, Some(SchemaFormat::Custom(label))),
        "json" | "jsonb" | "record" => (Json::Any, None),
        "uuid" | "date" => (Json::String, custom(type_name)),
        "timestamptz" => (Json::String, custom("date-time")),
        "timetz" => (Json::String, custom("time")),
        _ => (Json::String, Some(SchemaFormat::Custom(label))),
    }
}

fn schema_type(json: Type, nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::Array(vec![json, Type::Null])
    } else {
        SchemaType::Type(json)
    }
}

/// `format_type()` text without type modifiers: `character varying(20)` → `character varying`,
/// `timestamp(3) with time zone` → `timestamp with time zone`.
fn type_label(sql_type: &str) -> String {
    let mut depth = 0usize;
    let stripped: String = sql_type
        .chars()
        .filter(|&c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The element's label of an array type: `integer[]` → `integer`.
fn element_label(sql_type: &str) -> String {
    type_label(sql_type.trim_end_matches("[]"))
}

/// The JSON value of a column default when it is a simple literal (`42`, `true`,
/// `'text'::character varying`, `'{}'::jsonb`); `None` for expressions such as `nextval(...)` or
/// `now()`, and for arrays.
pub(super) fn default_value(default: &str, ty: &PgType) -> Option<Value> {
    if ty.is_array() {
        return None;
    }
    let (json, _) = classify(ty.type_name, String::new());
    match literal(default.trim())? {
        Literal::Quoted(text) => quoted_value(&text, json),
        Literal::Bare(text) => bare_value(text, json),
    }
}

enum Literal<'a> {
    /// `'text'`, maybe cast: `'text'::type`.
    Quoted(String),
    /// A keyword or number, e.g. `true`, `42`.
    Bare(&'a str),
}

fn literal(default: &str) -> Option<Literal<'_>> {
    let Some(body) = default.strip_prefix('\'') else {
        return Some(Literal::Bare(default));
    };
    let (text, rest) = unquote(body)?;
    is_cast(rest).then_some(Literal::Quoted(text))
}

/// The text of a quoted literal whose opening quote is gone (`''` is a quote), and what follows.
fn unquote(body: &str) -> Option<(String, &str)> {
    let mut text = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\'' {
            text.push(c);
        } else if chars.next_if(|&(_, next)| next == '\'').is_some() {
            text.push('\'');
        } else {
            return Some((text, &body[i + 1..]));
        }
    }
    None
}

/// Nothing, or a cast to a type name: `::character varying`, `::"Mood"`, `::numeric(10,2)`.
fn is_cast(rest: &str) -> bool {
    rest.is_empty()
        || rest.strip_prefix("::").is_some_and(|ty| {
            !ty.contains("::")
                && ty
                    .chars()
                    .all(|c| c.is_alphanumeric() || " _.\"[](),".contains(c))
        })
}

fn quoted_value(text: &str, json: Json) -> Option<Value> {
    match json {
        Json::Boolean => boolean(text),
        Json::Integer => integer(text),
        Json::Number => number(text),
        Json::String => Some(Value::from(text)),
        Json::Any => serde_json::from_str(text).ok(),
    }
}

fn bare_value(text: &str, json: Json) -> Option<Value> {
    match json {
        Json::Boolean => boolean(text),
        Json::Integer => integer(text),
        Json::Number => number(text),
        Json::String | Json::Any => None,
    }
}

fn boolean(text: &str) -> Option<Value> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" => Some(Value::Bool(true)),
        "false" | "f" => Some(Value::Bool(false)),
        _ => None,
    }
}

fn integer(text: &str) -> Option<Value> {
    number(text).filter(|value| value.is_i64() || value.is_u64())
}

fn number(text: &str) -> Option<Value> {
    serde_json::from_str::<serde_json::Number>(text)
        .ok()
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int4() -> PgType<'static> {
        PgType::named("int4", "integer")
    }

    #[test]
    fn literal_defaults_become_values() {
        assert_eq!(default_value("42", &int4()), Some(Value::from(42)));
        assert_eq!(
            default_value("'-1'::integer", &int4()),
            Some(Value::from(-1))
        );
        assert_eq!(
            default_value("false", &PgType::named("bool", "boolean")),
            Some(false.into())
        );
        let text = PgType::named("text", "text");
        assert_eq!(
            default_value("'it''s'::text", &text),
            Some(Value::from("it's"))
        );
        let jsonb = PgType::named("jsonb", "jsonb");
        assert_eq!(
            default_value("'{\"a\": 1}'::jsonb", &jsonb),
            Some(serde_json::json!({"a": 1}))
        );
        let numeric = PgType::named("numeric", "numeric");
        assert_eq!(default_value("3.5", &numeric), Some(serde_json::json!(3.5)));
    }

    #[test]
    fn expressions_are_not_values() {
        assert_eq!(
            default_value("nextval('people_id_seq'::regclass)", &int4()),
            None
        );
        assert_eq!(default_value("1.5", &int4()), None);
        let text = PgType::named("text", "text");
        assert_eq!(default_value("CURRENT_USER", &text), None);
        assert_eq!(default_value("'a'::text || 'b'::text", &text), None);
        assert_eq!(
            default_value("('now'::text)::date", &PgType::named("date", "date")),
            None
        );
        assert_eq!(
            default_value("'{}'::integer[]", &PgType::named("_int4", "integer[]")),
            None
        );
    }

    #[test]
    fn labels_drop_type_modifiers() {
        assert_eq!(type_label("character varying(20)"), "character varying");
        assert_eq!(
            type_label("timestamp(3) with time zone"),
            "timestamp with time zone"
        );
        assert_eq!(element_label("numeric(10,2)[]"), "numeric");
    }

    #[test]
    fn nullable_types_are_type_arrays() {
        let json = serde_json::to_value(schema(&int4(), true, Annotations::default()));
        let json = json.expect("serializable");
        assert_eq!(
            json,
            serde_json::json!({"type": ["integer", "null"], "format": "int32"})
        );
        let array = schema(
            &PgType::named("_text", "text[]"),
            false,
            Annotations::default(),
        );
        let array = serde_json::to_value(array).expect("serializable");
        assert_eq!(
            array,
            serde_json::json!({"type": "array", "items": {"type": "string", "format": "text"}})
        );
    }
}
