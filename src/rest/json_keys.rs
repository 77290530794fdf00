//! The keys of a JSON body of rows, read without building the rows: every object of an array
//! must have the first object's keys (PostgREST's "All object keys must match"), and only that
//! first object is kept. A bulk body of 100 000 rows costs its key check, not a tree of its
//! values.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// What a body's shape check found wrong.
#[derive(Debug, PartialEq, Eq)]
pub enum ShapeError {
    /// Not JSON, or not an object or an array of objects at the top.
    Invalid,
    /// The objects' keys differ, or an array element is not an object.
    Mismatch,
}

const MISMATCH: &str = "All object keys must match";

/// The first object of `text` (an object, or an array of objects with the same keys), or an empty
/// object for `[]`.
pub fn first_object(text: &str) -> Result<Map<String, Value>, ShapeError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let first = Body
        .deserialize(&mut deserializer)
        .and_then(|first| deserializer.end().map(|()| first));
    first.map_err(|error| {
        if error.is_data() && error.to_string().starts_with(MISMATCH) {
            ShapeError::Mismatch
        } else {
            ShapeError::Invalid
        }
    })
}

struct Body;

impl<'de> DeserializeSeed<'de> for Body {
    type Value = Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Body {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or an array of objects")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        de::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Some(first) = seq.next_element_seed(Object)? else {
            return Ok(Map::new());
        };
        while seq.next_element_seed(SameKeys(&first))?.is_some() {}
        Ok(first)
    }
}

/// An array element that must be an object.
struct Object;

impl<'de> DeserializeSeed<'de> for Object {
    type Value = Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match <Value as de::Deserialize>::deserialize(deserializer)? {
            Value::Object(object) => Ok(object),
            _ => Err(de::Error::custom(MISMATCH)),
        }
    }
}

/// An array element that must be an object with exactly `first`'s keys; its values are skipped.
struct SameKeys<'a>(&'a Map<String, Value>);

impl<'de> DeserializeSeed<'de> for SameKeys<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SameKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut count = 0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !self.0.contains_key(key.as_ref()) {
                return Err(de::Error::custom(MISMATCH));
            }
            map.next_value::<IgnoredAny>()?;
            count += 1;
        }
        if count == self.0.len() {
            Ok(())
        } else {
            Err(de::Error::custom(MISMATCH))
        }
    }

    // Anything but an object is a mismatch, as PostgREST says of `[{…}, 1]`.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(MISMATCH))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(MISMATCH))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(MISMATCH))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(MISMATCH))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(MISMATCH))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(MISMATCH))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(MISMATCH))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_first_object_and_checks_the_others_keys() {
        let first = first_object(r#"[{"a":1,"b":[2]},{"b":{"x":3},"a":null}]"#).unwrap();
        assert_eq!(Value::Object(first), json!({"a": 1, "b": [2]}));
        assert_eq!(first_object("[]"), Ok(Map::new()));
        assert_eq!(
            Value::Object(first_object(r#"{"a":1}"#).unwrap()),
            json!({"a": 1})
        );
        for mismatched in [
            r#"[{"a":1},{"b":1}]"#,
            r#"[{"a":1},{"a":1,"b":2}]"#,
            r#"[{"a":1,"b":2},{"a":1}]"#,
            r#"[{"a":1},2]"#,
            r#"[1]"#,
            r#"[{"a":1},[]]"#,
        ] {
            assert_eq!(
                first_object(mismatched),
                Err(ShapeError::Mismatch),
                "{mismatched}"
            );
        }
        for invalid in [
            "",
            "1",
            "\"a\"",
            "[{\"a\":1}",
            "{} x",
            "[{\"a\":1},{\"a\":]",
        ] {
            assert_eq!(first_object(invalid), Err(ShapeError::Invalid), "{invalid}");
        }
    }
}
