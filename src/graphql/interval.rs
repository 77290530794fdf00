//! PostGraphile's `Interval` object type and `IntervalInput`: an `interval` as its `years`,
//! `months`, `days`, `hours`, `minutes` and (fractional) `seconds`.
//!
//! Postgres prints an interval in its session's `IntervalStyle`; the `postgres` style (the
//! default: `1 year 2 mons 3 days 04:05:06.5`) and `iso_8601` (`P1Y2M3DT4H5M6.5S`) are read.
//! Input becomes text naming every unit (`1 years 2 months … 6.5 seconds`), which Postgres parses
//! in any style.

use async_graphql::dynamic::{
    Field, FieldFuture, FieldValue, InputObject, InputValue, Object, TypeRef,
};
use async_graphql::{Name, Number, Value};

pub(crate) const INTERVAL: &str = "Interval";
pub(crate) const INTERVAL_INPUT: &str = "IntervalInput";

const DESCRIPTION: &str =
    "An interval of time that has passed where the smallest distinct unit is a second.";
const SECONDS_DESCRIPTION: &str = "A quantity of seconds. This is the only non-integer field, as \
     all the other\nfields will dump their overflow into a smaller unit of time. Intervals don’t\n\
     have a smaller unit than seconds.";

/// The fields, named as the units Postgres reads, with their descriptions.
const UNITS: [(&str, &str); 6] = [
    ("years", "A quantity of years."),
    ("months", "A quantity of months."),
    ("days", "A quantity of days."),
    ("hours", "A quantity of hours."),
    ("minutes", "A quantity of minutes."),
    ("seconds", SECONDS_DESCRIPTION),
];

/// The parts of an interval.
#[derive(Debug, Default, Clone, PartialEq)]
struct Parts {
    years: i64,
    months: i64,
    days: i64,
    hours: i64,
    minutes: i64,
    seconds: f64,
}

/// The `Interval` value of the text Postgres printed.
pub(crate) fn output(text: &str) -> Result<Value, String> {
    let parts = match text.strip_prefix('P') {
        Some(iso) => iso_8601(iso),
        None => postgres(text),
    }
    .ok_or_else(|| format!("unreadable interval {text:?}"))?;
    let integer = |n: i64| Value::Number(Number::from(n));
    // Whole seconds print as integers, as JavaScript prints them.
    let seconds = match parts.seconds.fract() == 0.0 {
        true => integer(parts.seconds as i64),
        false => Number::from_f64(parts.seconds).map_or(Value::Null, Value::Number),
    };
    let fields = [
        ("years", integer(parts.years)),
        ("months", integer(parts.months)),
        ("days", integer(parts.days)),
        ("hours", integer(parts.hours)),
        ("minutes", integer(parts.minutes)),
        ("seconds", seconds),
    ];
    Ok(Value::Object(
        fields
            .into_iter()
            .map(|(name, value)| (Name::new(name), value))
            .collect(),
    ))
}

/// `1 year 2 mons -3 days -04:05:06.5`.
fn postgres(text: &str) -> Option<Parts> {
    let mut parts = Parts::default();
    let mut tokens = text.split_whitespace();
    while let Some(token) = tokens.next() {
        if token.contains(':') {
            let negative = token.starts_with('-');
            let mut clock = token.trim_start_matches(['-', '+']).split(':');
            let sign = if negative { -1 } else { 1 };
            parts.hours = sign * clock.next()?.parse::<i64>().ok()?;
            parts.minutes = sign * clock.next()?.parse::<i64>().ok()?;
            parts.seconds =
                f64::from(sign as i32) * clock.next().unwrap_or("0").parse::<f64>().ok()?;
            continue;
        }
        let amount: i64 = token.parse().ok()?;
        match tokens.next()?.trim_end_matches('s') {
            "year" => parts.years = amount,
            "mon" => parts.months = amount,
            "day" => parts.days = amount,
            _ => return None,
        }
    }
    Some(parts)
}

/// `1Y2M3DT4H5M6.5S` (after the `P`).
fn iso_8601(text: &str) -> Option<Parts> {
    let mut parts = Parts::default();
    let (date, time) = text.split_once('T').unwrap_or((text, ""));
    for (section, is_time) in [(date, false), (time, true)] {
        let mut number = String::new();
        for c in section.chars() {
            if c.is_ascii_digit() || matches!(c, '-' | '.') {
                number.push(c);
                continue;
            }
            match (c, is_time) {
                ('Y', false) => parts.years = number.parse().ok()?,
                ('M', false) => parts.months = number.parse().ok()?,
                ('D', false) => parts.days = number.parse().ok()?,
                ('H', true) => parts.hours = number.parse().ok()?,
                ('M', true) => parts.minutes = number.parse().ok()?,
                ('S', true) => parts.seconds = number.parse().ok()?,
                _ => return None,
            }
            number.clear();
        }
    }
    Some(parts)
}

/// The text of an `IntervalInput` value: the units given, each with its amount.
pub(crate) fn input_text(value: &Value) -> Result<String, String> {
    let Value::Object(fields) = value else {
        return Err(format!("{INTERVAL_INPUT} must be an object, not {value}"));
    };
    let mut text = Vec::new();
    for (name, amount) in fields {
        if !UNITS.iter().any(|(unit, _)| *unit == name.as_str()) {
            return Err(format!("{INTERVAL_INPUT} has no field {name}"));
        }
        match amount {
            Value::Null => {}
            Value::Number(n) => text.push(format!("{n} {name}")),
            other => return Err(format!("{name} must be a number, not {other}")),
        }
    }
    match text.is_empty() {
        true => Ok("0 seconds".to_owned()),
        false => Ok(text.join(" ")),
    }
}

/// The `Interval` object type, whose fields read the parts of their parent value.
pub(crate) fn object() -> Object {
    let mut object = Object::new(INTERVAL).description(DESCRIPTION);
    for (name, description) in UNITS {
        object = object.field(
            Field::new(name, type_ref(name), move |ctx| {
                let part = match ctx.parent_value.as_value() {
                    Some(Value::Object(parts)) => parts.get(name).cloned(),
                    _ => None,
                };
                FieldFuture::Value(part.map(FieldValue::value))
            })
            .description(description),
        );
    }
    object
}

/// `IntervalInput`, with the same fields.
pub(crate) fn input() -> InputObject {
    let mut input = InputObject::new(INTERVAL_INPUT).description(DESCRIPTION);
    for (name, description) in UNITS {
        input = input.field(InputValue::new(name, type_ref(name)).description(description));
    }
    input
}

fn type_ref(field: &str) -> TypeRef {
    match field {
        "seconds" => TypeRef::named(TypeRef::FLOAT),
        _ => TypeRef::named(TypeRef::INT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(value: Value) -> Vec<String> {
        let Value::Object(fields) = value else {
            panic!("{value}")
        };
        fields.values().map(ToString::to_string).collect()
    }

    #[test]
    fn reads_intervals_in_the_postgres_and_iso_styles() {
        let cases = [
            (
                "1 year 2 mons 3 days 04:05:06.5",
                ["1", "2", "3", "4", "5", "6.5"],
            ),
            ("-1 days -00:00:01.25", ["0", "0", "-1", "0", "0", "-1.25"]),
            ("00:00:00", ["0", "0", "0", "0", "0", "0"]),
            ("P1Y2M3DT4H5M6.5S", ["1", "2", "3", "4", "5", "6.5"]),
            ("PT-1M", ["0", "0", "0", "0", "-1", "0"]),
        ];
        for (text, expected) in cases {
            assert_eq!(parts(output(text).unwrap()), expected, "{text}");
        }
        assert!(output("1 fortnight").is_err());
    }

    #[test]
    fn writes_every_unit_given() {
        let value = Value::from_json(serde_json::json!({"years": 1, "seconds": 2.5})).unwrap();
        assert_eq!(input_text(&value), Ok("1 years 2.5 seconds".to_owned()));
        let empty = Value::from_json(serde_json::json!({})).unwrap();
        assert_eq!(input_text(&empty), Ok("0 seconds".to_owned()));
        assert!(input_text(&Value::from("1 day")).is_err());
    }
}
