//! The query string of a request to a relation: reserved parameters and column filters.

use super::{RequestError, grammar};
use crate::plan::{Filter, OrderTerm, SelectItem};

/// The query string, parsed; names are still as the client wrote them.
#[derive(Debug, Default, PartialEq)]
pub struct QueryParams {
    pub select: Vec<SelectItem>,
    pub filters: Vec<Filter<String>>,
    pub order: Vec<OrderTerm<String>>,
    pub limit: Option<u64>,
    pub offset: u64,
    /// `columns=`: which body keys an insert uses.
    pub columns: Option<Vec<String>>,
}

/// Parses `raw` (percent- and `+`-decoded as a form, like PostgREST).
pub fn parse(raw: &str) -> Result<QueryParams, RequestError> {
    let mut params = QueryParams::default();
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "select" => params.select = grammar::select(&value)?,
            "order" => params.order = grammar::order(&value)?,
            "limit" => params.limit = Some(limit(&value)?),
            "offset" => params.offset = offset(&value)?,
            "columns" => params.columns = Some(columns(&value)?),
            "or" | "and" | "not.or" | "not.and" | "on_conflict" => {
                return Err(RequestError::NotImplemented(format!(
                    "the '{key}' parameter is not supported yet"
                )));
            }
            field => params.filters.push(grammar::filter(field, &value)?),
        }
    }
    Ok(params)
}

fn integer(what: &'static str, value: &str) -> Result<i64, RequestError> {
    value.parse().map_err(|_| RequestError::Parse {
        what,
        input: value.to_owned(),
        column: 1,
        details: format!("unexpected \"{value}\" expecting an integer"),
    })
}

fn limit(value: &str) -> Result<u64, RequestError> {
    u64::try_from(integer("limit parameter", value)?).map_err(|_| {
        RequestError::InvalidRange("Limit should be greater than or equal to zero.".into())
    })
}

/// A negative offset is ignored, as PostgREST does.
fn offset(value: &str) -> Result<u64, RequestError> {
    Ok(u64::try_from(integer("offset parameter", value)?).unwrap_or(0))
}

fn columns(value: &str) -> Result<Vec<String>, RequestError> {
    if value.is_empty() || value.split(',').any(str::is_empty) {
        return Err(RequestError::Parse {
            what: "columns",
            input: value.to_owned(),
            column: 1,
            details: "unexpected end of input expecting field name".into(),
        });
    }
    Ok(value.split(',').map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{CompareOp, Condition, IsValue};

    #[test]
    fn splits_reserved_parameters_from_filters() {
        let params =
            parse("age=gte.18&student=is.true&select=name,age&order=age.desc&limit=2&offset=1")
                .unwrap();
        assert_eq!(params.filters.len(), 2);
        assert_eq!(params.filters[0].field, "age");
        assert_eq!(
            params.filters[0].condition,
            Condition::Compare(CompareOp::Gte, "18".into())
        );
        assert_eq!(params.filters[1].condition, Condition::Is(IsValue::True));
        assert_eq!(params.select.len(), 2);
        assert_eq!(params.limit, Some(2));
        assert_eq!(params.offset, 1);
    }

    #[test]
    fn decodes_percent_and_plus() {
        let params = parse("name=eq.J%20Doe&nick=eq.a+b&na%C3%AFve=eq.%E2%9C%93").unwrap();
        assert_eq!(
            params.filters[0].condition,
            Condition::Compare(CompareOp::Eq, "J Doe".into())
        );
        assert_eq!(
            params.filters[1].condition,
            Condition::Compare(CompareOp::Eq, "a b".into())
        );
        assert_eq!(params.filters[2].field, "naïve");
    }

    #[test]
    fn rejects_bad_limits() {
        assert!(matches!(
            parse("limit=-1"),
            Err(RequestError::InvalidRange(_))
        ));
        assert!(matches!(parse("limit=x"), Err(RequestError::Parse { .. })));
        assert_eq!(parse("offset=-3").unwrap().offset, 0);
    }
}
