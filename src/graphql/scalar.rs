//! GraphQL scalars for Postgres types: which scalar a column gets, the custom scalars'
//! definitions, and how values cross between GraphQL and the text/JSON Postgres speaks.
//!
//! Output values come from the JSON Postgres built, kept as raw text until a field is resolved so
//! that `numeric` keeps every digit. Input values become text that Postgres casts to the column's
//! type, as every filter value is.

use async_graphql::dynamic;
use async_graphql::{Name, Value};
use serde_json::value::RawValue;

use super::interval;

/// The GraphQL scalar of a Postgres base type, named as PostGraphile names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Scalar {
    Int,
    BigInt,
    BigFloat,
    Float,
    Boolean,
    String,
    Uuid,
    Date,
    Datetime,
    /// `time` and `timetz`.
    Time,
    /// PostGraphile's `Interval` object type (see [`interval`](super::interval)), which takes
    /// `IntervalInput`.
    Interval,
    /// `inet` and `cidr`.
    InternetAddress,
    /// `bytea`, in base64.
    Base64,
    /// JSON text in a string, as PostGraphile V4 (without `dynamicJson`) serves `json`/`jsonb`;
    /// input is JSON text in a string too.
    Json,
}

impl Scalar {
    pub const ALL: [Scalar; 14] = [
        Scalar::Int,
        Scalar::BigInt,
        Scalar::BigFloat,
        Scalar::Float,
        Scalar::Boolean,
        Scalar::String,
        Scalar::Uuid,
        Scalar::Date,
        Scalar::Datetime,
        Scalar::Time,
        Scalar::Interval,
        Scalar::InternetAddress,
        Scalar::Base64,
        Scalar::Json,
    ];

    /// The scalar for a `pg_type.typname` (domains already resolved to their base type).
    pub fn of(type_name: &str) -> Scalar {
        match type_name {
            "int2" | "int4" => Scalar::Int,
            "int8" => Scalar::BigInt,
            "numeric" => Scalar::BigFloat,
            "float4" | "float8" => Scalar::Float,
            "bool" => Scalar::Boolean,
            "uuid" => Scalar::Uuid,
            "date" => Scalar::Date,
            "timestamp" | "timestamptz" => Scalar::Datetime,
            "time" | "timetz" => Scalar::Time,
            "interval" => Scalar::Interval,
            "inet" | "cidr" => Scalar::InternetAddress,
            "bytea" => Scalar::Base64,
            "json" | "jsonb" => Scalar::Json,
            _ => Scalar::String,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scalar::Int => "Int",
            Scalar::BigInt => "BigInt",
            Scalar::BigFloat => "BigFloat",
            Scalar::Float => "Float",
            Scalar::Boolean => "Boolean",
            Scalar::String => "String",
            Scalar::Uuid => "UUID",
            Scalar::Date => "Date",
            Scalar::Datetime => "Datetime",
            Scalar::Time => "Time",
            Scalar::Interval => interval::INTERVAL,
            Scalar::InternetAddress => "InternetAddress",
            Scalar::Base64 => "Base64EncodedBinary",
            Scalar::Json => "JSON",
        }
    }

    /// The type its values have as input: `IntervalInput` for `Interval`, else itself.
    pub fn input_name(self) -> &'static str {
        match self {
            Scalar::Interval => interval::INTERVAL_INPUT,
            other => other.name(),
        }
    }

    /// The definitions to register for it: none for GraphQL's built-in scalars, the object and
    /// input types of `Interval`, the custom scalar of the others.
    pub fn definitions(self) -> Vec<dynamic::Type> {
        match self {
            Scalar::Int | Scalar::Float | Scalar::Boolean | Scalar::String => Vec::new(),
            Scalar::Interval => vec![interval::object().into(), interval::input().into()],
            custom => custom.definition().into_iter().map(Into::into).collect(),
        }
    }

    fn definition(self) -> Option<dynamic::Scalar> {
        let description = match self {
            Scalar::Int | Scalar::Float | Scalar::Boolean | Scalar::String | Scalar::Interval => {
                return None;
            }
            Scalar::BigInt => {
                "A signed eight-byte integer. The upper big integer values are greater than the \
                 max value for a JavaScript number. Therefore all big integers will be output as \
                 strings and not numbers."
            }
            Scalar::BigFloat => {
                "A floating point number that requires more precision than IEEE 754 binary 64"
            }
            Scalar::Uuid => {
                "A universally unique identifier as defined by [RFC 4122](https://tools.ietf.org/html/rfc4122)."
            }
            Scalar::Date => "The day, does not include a time.",
            Scalar::Time => {
                "The exact time of day, does not include the date. May or may not have a \
                 timezone offset."
            }
            Scalar::InternetAddress => "An IPv4 or IPv6 host address, and optionally its subnet.",
            Scalar::Base64 => "Binary data encoded using Base64",
            Scalar::Datetime => {
                "A point in time as described by the [ISO 8601](https://en.wikipedia.org/wiki/ISO_8601) \
                 standard. May or may not include a timezone."
            }
            Scalar::Json => {
                "A JavaScript object encoded in the JSON format as specified by \
                 [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf)."
            }
        };
        Some(
            dynamic::Scalar::new(self.name())
                .description(description)
                .validator(self.validator()),
        )
    }

    /// Which values it takes: also those of a custom scalar named after a domain over it.
    pub fn validator(self) -> fn(&Value) -> bool {
        match self {
            Scalar::BigInt => |v| match v {
                Value::String(s) => s.parse::<i64>().is_ok(),
                Value::Number(n) => n.is_i64(),
                _ => false,
            },
            Scalar::BigFloat => |v| matches!(v, Value::String(_) | Value::Number(_)),
            Scalar::Int => {
                |v| matches!(v, Value::Number(n) if n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()))
            }
            Scalar::Float => |v| matches!(v, Value::Number(_)),
            Scalar::Boolean => |v| matches!(v, Value::Boolean(_)),
            _ => |v| matches!(v, Value::String(_)),
        }
    }

    /// The GraphQL value of one JSON value Postgres produced for a column of this scalar.
    pub fn output(self, raw: &RawValue) -> Result<Value, String> {
        let text = raw.get();
        if text == "null" {
            return Ok(Value::Null);
        }
        let invalid = |e: serde_json::Error| format!("invalid {} value {text}: {e}", self.name());
        match self {
            Scalar::Int | Scalar::Boolean => serde_json::from_str(text).map_err(invalid),
            Scalar::Float => {
                match serde_json::from_str::<serde_json::Value>(text).map_err(invalid)? {
                    serde_json::Value::Number(n) => Ok(Value::Number(n)),
                    other => Err(format!("Float cannot represent non numeric value: {other}")),
                }
            }
            // Numbers as their exact text; `numeric`'s NaN and Infinity arrive as JSON strings.
            Scalar::BigInt | Scalar::BigFloat if !text.starts_with('"') => {
                Ok(Value::String(text.to_owned()))
            }
            Scalar::Json => Ok(Value::String(compact_json(text))),
            Scalar::Datetime | Scalar::Time | Scalar::Interval | Scalar::Base64 => {
                let serde_json::Value::String(s) = serde_json::from_str(text).map_err(invalid)?
                else {
                    return Err(format!("invalid {} value {text}", self.name()));
                };
                match self {
                    Scalar::Datetime => Ok(Value::String(with_microseconds(&s))),
                    Scalar::Time => Ok(Value::String(time_with_microseconds(&s))),
                    Scalar::Interval => interval::output(&s),
                    _ => base64_of_hex(&s).map(Value::String),
                }
            }
            _ => match serde_json::from_str::<serde_json::Value>(text).map_err(invalid)? {
                serde_json::Value::String(s) => Ok(Value::String(s)),
                // A composite or other type without a scalar of its own: its JSON text.
                _ => Ok(Value::String(text.to_owned())),
            },
        }
    }

    /// A list column's value: a JSON array whose elements are of this scalar.
    pub fn output_list(self, raw: &RawValue) -> Result<Value, String> {
        if raw.get() == "null" {
            return Ok(Value::Null);
        }
        let items: Vec<Box<RawValue>> = serde_json::from_str(raw.get())
            .map_err(|e| format!("invalid list value {}: {e}", raw.get()))?;
        let list = items.iter().map(|item| match item.get().starts_with('[') {
            true => self.output_list(item),
            false => self.output(item),
        });
        list.collect::<Result<_, _>>().map(Value::List)
    }

    /// The text Postgres parses as a column of this scalar (`list`: a Postgres array literal);
    /// `None` for null.
    pub fn input_text(self, value: &Value, list: bool) -> Result<Option<String>, String> {
        match (value, list) {
            (Value::Null, _) => Ok(None),
            (Value::List(items), true) => array_literal(self, items).map(Some),
            _ => self.scalar_text(value).map(Some),
        }
    }

    fn scalar_text(self, value: &Value) -> Result<String, String> {
        match (self, value) {
            (Scalar::Interval, value) => return interval::input_text(value),
            (Scalar::Base64, Value::String(s)) => return hex_of_base64(s),
            _ => {}
        }
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Boolean(b) => Ok(b.to_string()),
            Value::Enum(name) => Ok(Name::as_str(name).to_owned()),
            other => Err(format!("{} cannot represent {other}", self.name())),
        }
    }
}

/// JSON text without insignificant whitespace, as PostGraphile (`JSON.stringify`) prints it.
fn compact_json(text: &str) -> String {
    let mut compact = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            compact.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if !c.is_ascii_whitespace() {
            in_string = c == '"';
            compact.push(c);
        }
    }
    compact
}

/// `2024-01-02T03:04:05.5+00:00` → `2024-01-02T03:04:05.500000+00:00`: Postgres prints only the
/// fractional seconds a timestamp has, PostGraphile always six. Other shapes (`infinity`, years
/// past 9999) are left as they are.
fn with_microseconds(text: &str) -> String {
    let Some((head, rest)) = text
        .split_at_checked(19)
        .filter(|(head, _)| head.as_bytes().get(10) == Some(&b'T'))
    else {
        return text.to_owned();
    };
    let fraction = rest.strip_prefix('.').map_or("", |r| {
        &r[..r.bytes().take_while(u8::is_ascii_digit).count()]
    });
    let tail = rest
        .strip_prefix('.')
        .map_or(rest, |r| &r[fraction.len()..]);
    format!("{head}.{fraction:0<6}{tail}")
}

/// `04:05:06.5+02` → `04:05:06.500000+02`: six fractional digits, as PostGraphile prints them.
fn time_with_microseconds(text: &str) -> String {
    match text.split_at_checked(8) {
        Some((clock, rest)) if clock.as_bytes().get(2) == Some(&b':') => {
            let fraction = rest.strip_prefix('.').map_or("", |r| {
                &r[..r.bytes().take_while(u8::is_ascii_digit).count()]
            });
            let tail = rest
                .strip_prefix('.')
                .map_or(rest, |r| &r[fraction.len()..]);
            format!("{clock}.{fraction:0<6}{tail}")
        }
        _ => text.to_owned(),
    }
}

/// `\x0102ff` (how Postgres prints `bytea`) → `AQL/`.
fn base64_of_hex(text: &str) -> Result<String, String> {
    use base64::Engine;
    let hex = text
        .strip_prefix("\\x")
        .ok_or_else(|| format!("invalid bytea value {text:?}"))?;
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("?"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|e| format!("invalid bytea value {text:?}: {e}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// `AQL/` → `\x0102ff`, which Postgres parses as `bytea`.
fn hex_of_base64(text: &str) -> Result<String, String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("invalid Base64EncodedBinary value: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("\\x{hex}"))
}

/// `{"a","b",NULL}`: every element quoted, so commas, braces and spaces survive.
fn array_literal(scalar: Scalar, items: &[Value]) -> Result<String, String> {
    let mut literal = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            literal.push(',');
        }
        match item {
            Value::Null => literal.push_str("NULL"),
            Value::List(inner) => literal.push_str(&array_literal(scalar, inner)?),
            _ => {
                literal.push('"');
                for c in scalar.scalar_text(item)?.chars() {
                    if matches!(c, '"' | '\\') {
                        literal.push('\\');
                    }
                    literal.push(c);
                }
                literal.push('"');
            }
        }
    }
    literal.push('}');
    Ok(literal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn maps_postgres_types() {
        let cases = [
            ("int4", "Int"),
            ("int2", "Int"),
            ("int8", "BigInt"),
            ("numeric", "BigFloat"),
            ("float8", "Float"),
            ("bool", "Boolean"),
            ("varchar", "String"),
            ("uuid", "UUID"),
            ("timestamptz", "Datetime"),
            ("date", "Date"),
            ("jsonb", "JSON"),
            ("interval", "Interval"),
            ("timetz", "Time"),
            ("cidr", "InternetAddress"),
            ("bytea", "Base64EncodedBinary"),
            ("money", "String"),
        ];
        for (type_name, scalar) in cases {
            assert_eq!(Scalar::of(type_name).name(), scalar, "{type_name}");
        }
    }

    #[test]
    fn outputs_exact_numbers_and_text() {
        let big = Scalar::BigFloat.output(&raw("12345678901234567890.000000000000000001"));
        assert_eq!(
            big,
            Ok(Value::String(
                "12345678901234567890.000000000000000001".into()
            ))
        );
        assert_eq!(
            Scalar::BigInt.output(&raw("9007199254740993")),
            Ok(Value::from("9007199254740993"))
        );
        assert_eq!(
            Scalar::BigFloat.output(&raw("\"NaN\"")),
            Ok(Value::from("NaN"))
        );
        assert_eq!(Scalar::Int.output(&raw("17")), Ok(Value::from(17)));
        assert_eq!(Scalar::Boolean.output(&raw("true")), Ok(Value::from(true)));
        assert_eq!(
            Scalar::String.output(&raw("\"a\\\"b\"")),
            Ok(Value::from("a\"b"))
        );
        assert_eq!(
            Scalar::String.output(&raw("{\"x\": 1}")),
            Ok(Value::from("{\"x\": 1}"))
        );
        assert_eq!(
            Scalar::Json.output(&raw(r#"{"b": [1, 2], "a b": "x \" y"}"#)),
            Ok(Value::from(r#"{"b":[1,2],"a b":"x \" y"}"#))
        );
        assert_eq!(Scalar::Int.output(&raw("null")), Ok(Value::Null));
        assert!(Scalar::Float.output(&raw("\"NaN\"")).is_err());
        assert_eq!(
            Scalar::Int.output_list(&raw("[1, null, 3]")),
            Ok(Value::List(vec![
                Value::from(1),
                Value::Null,
                Value::from(3)
            ]))
        );
    }

    #[test]
    fn datetimes_have_microseconds() {
        let cases = [
            (
                "2024-01-02T03:04:05+00:00",
                "2024-01-02T03:04:05.000000+00:00",
            ),
            (
                "2024-01-02T03:04:05.5+02:00",
                "2024-01-02T03:04:05.500000+02:00",
            ),
            ("2024-01-02T03:04:05.123456", "2024-01-02T03:04:05.123456"),
            ("2024-01-02T03:04:05", "2024-01-02T03:04:05.000000"),
            ("-infinity", "-infinity"),
            ("12024-01-02T03:04:05", "12024-01-02T03:04:05"),
        ];
        for (postgres, expected) in cases {
            let json = serde_json::to_string(postgres).unwrap();
            assert_eq!(
                Scalar::Datetime.output(&raw(&json)),
                Ok(Value::from(expected))
            );
        }
    }

    #[test]
    fn times_have_microseconds_and_binary_is_base64() {
        let time = |text: &str| Scalar::Time.output(&raw(&serde_json::to_string(text).unwrap()));
        assert_eq!(time("04:05:06.5"), Ok(Value::from("04:05:06.500000")));
        assert_eq!(time("04:05:06+02"), Ok(Value::from("04:05:06.000000+02")));
        assert_eq!(time("24:00:00"), Ok(Value::from("24:00:00.000000")));
        assert_eq!(
            Scalar::Base64.output(&raw(r#""\\x0102ff""#)),
            Ok(Value::from("AQL/"))
        );
        assert_eq!(
            Scalar::Base64.input_text(&Value::from("AQL/"), false),
            Ok(Some("\\x0102ff".into()))
        );
        assert!(Scalar::Base64.output(&raw(r#""\\x0""#)).is_err());
    }

    #[test]
    fn inputs_become_text() {
        assert_eq!(
            Scalar::Int.input_text(&Value::from(5), false),
            Ok(Some("5".into()))
        );
        assert_eq!(
            Scalar::Boolean.input_text(&Value::from(true), false),
            Ok(Some("true".into()))
        );
        assert_eq!(
            Scalar::String.input_text(&Value::from("x"), false),
            Ok(Some("x".into()))
        );
        assert_eq!(Scalar::String.input_text(&Value::Null, false), Ok(None));
        let list = Value::List(vec![Value::from("a,b"), Value::Null, Value::from("q\"\\")]);
        assert_eq!(
            Scalar::String.input_text(&list, true),
            Ok(Some(r#"{"a,b",NULL,"q\"\\"}"#.into()))
        );
        let json = Value::from(r#"{"a":[1,2]}"#);
        assert_eq!(
            Scalar::Json.input_text(&json, false),
            Ok(Some(r#"{"a":[1,2]}"#.into()))
        );
    }
}
