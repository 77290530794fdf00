//! Global ids (`nodeId`) as PostGraphile's V4 preset makes them: the base64 of the JSON array of
//! the table's name and its primary key values, `["people",1]` → `WyJwZW9wbGUiLDFd`.
//!
//! A row's key values are read under the keys [`key`] gives, as Postgres wrote them in JSON, so
//! an id holds them exactly (a `bigint` or `numeric` keeps every digit).

use async_graphql::Error;
use serde_json::value::RawValue;

use super::opaque;

/// The id of the root query type.
pub(crate) const QUERY_ID: &str = "query";

/// The response key under which a level reads the `index`th column of its primary key.
pub(crate) fn key(index: usize) -> String {
    format!("@key{index}")
}

/// The id of the row of table `prefix` whose key columns have the JSON values `values`.
pub(crate) fn encode(prefix: &str, values: &[&RawValue]) -> String {
    opaque::encode(prefix, values.iter().copied())
}

/// What an id names: the table's prefix and its key values, as the text Postgres parses as the
/// columns' types.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NodeId {
    pub prefix: String,
    pub values: Vec<String>,
}

/// Reads an id; an id that is not one is an error.
pub(crate) fn decode(id: &str) -> Result<NodeId, Error> {
    let invalid = || Error::new(format!("Invalid nodeId \"{id}\"."));
    let (prefix, items) = opaque::decode(id).ok_or_else(invalid)?;
    let values = items
        .iter()
        .map(|value| opaque::text(value).flatten())
        .collect::<Option<_>>()
        .ok_or_else(invalid)?;
    Ok(NodeId { prefix, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn ids_are_postgraphiles() {
        assert_eq!(encode("people", &[&raw("1")]), "WyJwZW9wbGUiLDFd");
        assert_eq!(encode("posts", &[&raw("1")]), "WyJwb3N0cyIsMV0=");
        let (big, text) = (raw("9007199254740993"), raw("\"a\\\"b\""));
        let id = encode("things", &[&big, &text]);
        assert_eq!(
            decode(&id).unwrap(),
            NodeId {
                prefix: "things".into(),
                values: vec!["9007199254740993".into(), "a\"b".into()]
            }
        );
        // Padding and the URL-safe alphabet are accepted.
        assert_eq!(decode("WyJwb3N0cyIsMV0").unwrap().values, ["1"]);
    }

    #[test]
    fn bad_ids_are_errors() {
        for id in [
            "bad!",
            "e30=",                 // {}
            "W10=",                 // []
            "WzEsMl0=",             // [1,2]
            "WyJwZW9wbGUiLG51bGxd", // ["people",null]
            "WyJwZW9wbGUiLFtdXQ==", // ["people",[]]
        ] {
            assert_eq!(
                decode(id).unwrap_err().message,
                format!("Invalid nodeId \"{id}\"."),
                "{id}"
            );
        }
    }
}
