//! PostgREST's query-string grammar for one parameter's value: `select`, filters and `order`.
//!
//! Parsers return the plan's request types with names as the client wrote them; the plan checks
//! them against the schema cache.

use super::RequestError;
use crate::plan::{
    CompareOp, Condition, Direction, Filter, IsValue, Nulls, OrderTerm, PatternOp, SelectItem,
};

/// Operators PostgREST has that pgway does not serve yet.
const LATER_OPERATORS: &[&str] = &[
    "match",
    "imatch",
    "isdistinct",
    "fts",
    "plfts",
    "phfts",
    "wfts",
    "cs",
    "cd",
    "ov",
    "sl",
    "sr",
    "nxr",
    "nxl",
    "adj",
];

/// `select=a,alias:b,*`.
pub fn select(input: &str) -> Result<Vec<SelectItem>, RequestError> {
    let error = |column: usize, details: String| RequestError::Parse {
        what: "select",
        input: input.to_owned(),
        column,
        details,
    };
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let mut items = Vec::new();
    let mut column = 1;
    for item in input.split(',') {
        if item.contains(['(', ')', '{', '}']) {
            return Err(RequestError::NotImplemented(format!(
                "embedding resources in select ('{item}') is not supported yet"
            )));
        }
        if item.contains("::") || item.contains("->") || item.starts_with("...") {
            return Err(RequestError::NotImplemented(format!(
                "casts, JSON paths and spreads in select ('{item}') are not supported yet"
            )));
        }
        let (alias, name) = match item.split_once(':') {
            Some((alias, name)) => (Some(alias), name),
            None => (None, item),
        };
        if name.is_empty() || alias.is_some_and(str::is_empty) {
            let unexpected = if item.is_empty() {
                "end of input".into()
            } else {
                format!("\"{item}\"")
            };
            return Err(error(
                column,
                format!("unexpected {unexpected} expecting field name (* or [a..z0..9_$])"),
            ));
        }
        items.push(match (alias, name) {
            (None, "*") => SelectItem::Star,
            (alias, name) => SelectItem::Column {
                name: name.to_owned(),
                alias: alias.map(str::to_owned),
            },
        });
        column += item.chars().count() + 1;
    }
    Ok(items)
}

/// A filter's value: `[not.]op.value`, e.g. `gte.18`, `not.is.null`, `in.(1,"a,b")`.
pub fn filter(field: &str, input: &str) -> Result<Filter<String>, RequestError> {
    let error = |column: usize, details: String| RequestError::Parse {
        what: "filter",
        input: input.to_owned(),
        column,
        details,
    };
    let (negated, rest, offset) = match input.strip_prefix("not.") {
        Some(rest) => (true, rest, 4),
        None => (false, input, 0),
    };
    let unexpected = |at: usize, expecting: &str| {
        let found = input[at..]
            .chars()
            .next()
            .map_or("end of input".to_owned(), |c| format!("\"{c}\""));
        error(at + 1, format!("unexpected {found} expecting {expecting}"))
    };
    let Some((operator, value)) = rest.split_once('.') else {
        return Err(unexpected(offset, "\"not\" or operator (eq, gt, ...)"));
    };
    let condition =
        match operator {
            "eq" => Condition::Compare(CompareOp::Eq, value.to_owned()),
            "neq" => Condition::Compare(CompareOp::Neq, value.to_owned()),
            "gt" => Condition::Compare(CompareOp::Gt, value.to_owned()),
            "gte" => Condition::Compare(CompareOp::Gte, value.to_owned()),
            "lt" => Condition::Compare(CompareOp::Lt, value.to_owned()),
            "lte" => Condition::Compare(CompareOp::Lte, value.to_owned()),
            "like" => Condition::Pattern(PatternOp::Like, value.to_owned()),
            "ilike" => Condition::Pattern(PatternOp::ILike, value.to_owned()),
            "in" => Condition::In(list(value).ok_or_else(|| {
                unexpected(offset + 3, "\"(\" and a list of values ending in \")\"")
            })?),
            "is" => Condition::Is(match value.to_ascii_lowercase().as_str() {
                "null" => IsValue::Null,
                "not_null" => IsValue::NotNull,
                "true" => IsValue::True,
                "false" => IsValue::False,
                "unknown" => IsValue::Unknown,
                _ => {
                    return Err(unexpected(
                        offset + 3,
                        "null or trilean value (unknown, true, false)",
                    ));
                }
            }),
            later if LATER_OPERATORS.contains(&later) || later.contains('(') => {
                return Err(RequestError::NotImplemented(format!(
                    "the '{later}' operator is not supported yet"
                )));
            }
            _ => return Err(unexpected(offset, "\"not\" or operator (eq, gt, ...)")),
        };
    Ok(Filter {
        field: field.to_owned(),
        negated,
        condition,
    })
}

/// `(a,b,"c,d")`: elements may be double-quoted, with `\"` and `\\` escapes inside quotes.
fn list(input: &str) -> Option<Vec<String>> {
    let inner = input.strip_prefix('(')?.strip_suffix(')')?;
    if inner.is_empty() {
        return Some(Vec::new());
    }
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => item.push(chars.next()?),
                    c => item.push(c),
                }
            }
            if !matches!(chars.peek(), None | Some(',')) {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                item.push(c);
                chars.next();
            }
        }
        items.push(item);
        match chars.next() {
            Some(',') => continue,
            None => return Some(items),
            Some(_) => return None,
        }
    }
}

/// `order=age.desc.nullslast,name`.
pub fn order(input: &str) -> Result<Vec<OrderTerm<String>>, RequestError> {
    let mut terms = Vec::new();
    let mut column = 1;
    for term in input.split(',') {
        let mut parts = term.split('.');
        let field = parts.next().unwrap_or_default();
        let mut direction = None;
        let mut nulls = None;
        let mut at = column + field.chars().count() + 1;
        for modifier in parts {
            match modifier {
                "asc" if direction.is_none() && nulls.is_none() => direction = Some(Direction::Asc),
                "desc" if direction.is_none() && nulls.is_none() => {
                    direction = Some(Direction::Desc)
                }
                "nullsfirst" if nulls.is_none() => nulls = Some(Nulls::First),
                "nullslast" if nulls.is_none() => nulls = Some(Nulls::Last),
                _ => {
                    let found = modifier
                        .chars()
                        .next()
                        .map_or("end of input".into(), |c| format!("\"{c}\""));
                    return Err(RequestError::Parse {
                        what: "order",
                        input: input.to_owned(),
                        column: at,
                        details: format!(
                            "unexpected {found} expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""
                        ),
                    });
                }
            }
            at += modifier.chars().count() + 1;
        }
        if field.is_empty() {
            return Err(RequestError::Parse {
                what: "order",
                input: input.to_owned(),
                column,
                details: "unexpected end of input expecting field name".into(),
            });
        }
        terms.push(OrderTerm {
            field: field.to_owned(),
            direction,
            nulls,
        });
        column += term.chars().count() + 1;
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(input: &str) -> (bool, Condition) {
        let f = filter("c", input).unwrap();
        (f.negated, f.condition)
    }

    #[test]
    fn parses_comparisons_and_negation() {
        assert_eq!(
            cond("gte.18"),
            (false, Condition::Compare(CompareOp::Gte, "18".into()))
        );
        assert_eq!(
            cond("not.eq.a.b"),
            (true, Condition::Compare(CompareOp::Eq, "a.b".into()))
        );
        assert_eq!(
            cond("eq."),
            (false, Condition::Compare(CompareOp::Eq, "".into()))
        );
        assert_eq!(
            cond("like.*Al*"),
            (false, Condition::Pattern(PatternOp::Like, "*Al*".into()))
        );
        assert_eq!(cond("is.NULL"), (false, Condition::Is(IsValue::Null)));
        assert_eq!(cond("not.is.true"), (true, Condition::Is(IsValue::True)));
    }

    #[test]
    fn parses_in_lists_with_quotes() {
        assert_eq!(
            cond("in.(1,2,3)").1,
            Condition::In(vec!["1".into(), "2".into(), "3".into()])
        );
        assert_eq!(
            cond(r#"in.("a,b",c,"d\"e",ü)"#).1,
            Condition::In(vec!["a,b".into(), "c".into(), "d\"e".into(), "ü".into()])
        );
        assert_eq!(cond("in.()").1, Condition::In(vec![]));
        assert!(filter("c", "in.(1,2").is_err());
        assert!(filter("c", r#"in.("a"b)"#).is_err());
    }

    #[test]
    fn reports_bad_filters_like_postgrest() {
        assert_eq!(
            filter("c", "0").unwrap_err(),
            RequestError::Parse {
                what: "filter",
                input: "0".into(),
                column: 1,
                details: "unexpected \"0\" expecting \"not\" or operator (eq, gt, ...)".into(),
            }
        );
        assert!(matches!(
            filter("c", "is.maybe"),
            Err(RequestError::Parse { .. })
        ));
        assert!(matches!(
            filter("c", "fts.cat"),
            Err(RequestError::NotImplemented(_))
        ));
        assert_eq!(
            filter("c", "gt.1; drop table people").unwrap().condition,
            Condition::Compare(CompareOp::Gt, "1; drop table people".into())
        );
    }

    #[test]
    fn parses_select_lists() {
        assert_eq!(select("").unwrap(), vec![]);
        assert_eq!(
            select("*,n:name").unwrap(),
            vec![
                SelectItem::Star,
                SelectItem::Column {
                    name: "name".into(),
                    alias: Some("n".into())
                }
            ]
        );
        assert!(matches!(
            select("a,,b"),
            Err(RequestError::Parse { column: 3, .. })
        ));
        assert!(matches!(
            select("projects(*)"),
            Err(RequestError::NotImplemented(_))
        ));
    }

    #[test]
    fn parses_order_terms() {
        assert_eq!(
            order("age.desc.nullslast,name").unwrap(),
            vec![
                OrderTerm {
                    field: "age".into(),
                    direction: Some(Direction::Desc),
                    nulls: Some(Nulls::Last)
                },
                OrderTerm {
                    field: "name".into(),
                    direction: None,
                    nulls: None
                },
            ]
        );
        assert_eq!(
            order("age.nullsfirst").unwrap()[0].nulls,
            Some(Nulls::First)
        );
        assert!(matches!(
            order("age.dsc"),
            Err(RequestError::Parse { column: 5, .. })
        ));
    }
}
