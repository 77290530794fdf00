//! PostgREST's query-string grammar for one parameter's value: `select`, filters and `order`.
//!
//! Parsers return the plan's request types with names as the client wrote them; the plan checks
//! them against the schema cache.

use super::RequestError;
use crate::plan::request::{
    Condition, Direction, Embed, FieldPath, Filter, IsValue, LogicTree, Nulls, Operator,
    OrderTarget, OrderTerm, ReadRequest, SelectField, SelectItem,
};

/// Operators PostgREST has that pgway does not serve yet.
const LATER_OPERATORS: &[&str] = &[
    "fts", "plfts", "phfts", "wfts", "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj",
];

/// `select=a,alias:b,*`.
pub fn select(input: &str) -> Result<Vec<SelectItem>, RequestError> {
    let error = |column: usize, details: String| RequestError::Parse {
        what: "select parameter",
        input: input.to_owned(),
        line: 1,
        column,
        details,
    };
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let mut items = Vec::new();
    let mut column = 1;
    for item in split_top(input) {
        if let Some(embed) = embed_item(item)? {
            items.push(embed);
            column += item.chars().count() + 1;
            continue;
        }
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
            (alias, name) => SelectItem::Field(SelectField {
                field: FieldPath::column(name),
                alias: alias.map(str::to_owned),
                cast: None,
                aggregate: None,
            }),
        });
        column += item.chars().count() + 1;
    }
    Ok(items)
}

/// A filter's value: `[not.]op.value`, e.g. `gte.18`, `not.is.null`, `in.(1,"a,b")`.
pub fn filter(field: &str, input: &str) -> Result<Filter, RequestError> {
    let error = |column: usize, details: String| RequestError::Parse {
        what: "filter",
        input: input.to_owned(),
        line: 1,
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
            "eq" => Condition::Compare(Operator::Eq, value.to_owned()),
            "neq" => Condition::Compare(Operator::Neq, value.to_owned()),
            "gt" => Condition::Compare(Operator::Gt, value.to_owned()),
            "gte" => Condition::Compare(Operator::Gte, value.to_owned()),
            "lt" => Condition::Compare(Operator::Lt, value.to_owned()),
            "lte" => Condition::Compare(Operator::Lte, value.to_owned()),
            "match" => Condition::Compare(Operator::Match, value.to_owned()),
            "imatch" => Condition::Compare(Operator::IMatch, value.to_owned()),
            "isdistinct" => Condition::Compare(Operator::IsDistinct, value.to_owned()),
            "like" => Condition::Compare(Operator::Like, value.to_owned()),
            "ilike" => Condition::Compare(Operator::ILike, value.to_owned()),
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
        field: FieldPath::column(field),
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
pub fn order(input: &str) -> Result<Vec<OrderTerm>, RequestError> {
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
                        line: 1,
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
                line: 1,
                column,
                details: "unexpected end of input expecting field name".into(),
            });
        }
        terms.push(OrderTerm {
            target: OrderTarget::Field(FieldPath::column(field)),
            direction,
            nulls,
        });
        column += term.chars().count() + 1;
    }
    Ok(terms)
}

/// Splits on commas outside parentheses.
fn split_top(input: &str) -> Vec<&str> {
    let mut depth = 0usize;
    let mut start = 0;
    let mut out = Vec::new();
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&input[start..]);
    out
}

/// `alias:name!hint!inner(...)` / `...name(...)` (interim, simplified).
fn embed_item(item: &str) -> Result<Option<SelectItem>, RequestError> {
    let (Some(open), true) = (item.find('('), item.ends_with(')')) else {
        return Ok(None);
    };
    let head = &item[..open];
    let inner = &item[open + 1..item.len() - 1];
    let (spread, head) = match head.strip_prefix("...") {
        Some(rest) => (true, rest),
        None => (false, head),
    };
    let (alias, head) = match head.split_once(':') {
        Some((alias, rest)) => (Some(alias.to_owned()), rest),
        None => (None, head),
    };
    let mut parts = head.split('!');
    let name = parts.next().unwrap_or_default().to_owned();
    let mut hint = None;
    let mut join = None;
    for part in parts {
        match part {
            "inner" => join = Some(crate::plan::request::JoinType::Inner),
            "left" => join = Some(crate::plan::request::JoinType::Left),
            other => hint = Some(other.to_owned()),
        }
    }
    Ok(Some(SelectItem::Embed(Embed {
        name,
        alias,
        hint,
        join,
        spread,
        request: ReadRequest {
            select: select(inner)?,
            ..ReadRequest::default()
        },
    })))
}

/// `or=(...)` (interim: flat lists of filters only).
pub fn logic(op: &str, negated: bool, input: &str) -> Result<LogicTree, RequestError> {
    let inner = input
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| RequestError::Parse {
            what: "logic tree",
            input: input.to_owned(),
            line: 1,
            column: 1,
            details: "unexpected \")\" expecting field name".into(),
        })?;
    let mut children = Vec::new();
    for item in split_top(inner) {
        let (field, rest) = item.split_once('.').unwrap_or((item, ""));
        children.push(LogicTree::Filter(filter(field.trim(), rest)?));
    }
    let tree = if op == "or" {
        LogicTree::Or(children)
    } else {
        LogicTree::And(children)
    };
    Ok(if negated {
        LogicTree::Not(Box::new(tree))
    } else {
        tree
    })
}
