//! The query string of a request to a relation: reserved parameters, filters, and their routing
//! into the levels of the read (`rel.col=eq.1` filters the embed `rel`).
//!
//! This follows PostgREST (`PostgREST.ApiRequest.QueryParams.parse` and the read plan's
//! `addFilters`, `addOrders`, `addRanges`, `addLogicTrees`):
//! - The query is split on `&` and `;`, keys and values are percent-decoded with `+` as a space.
//!   A parameter without `=` is ignored (except that it hides a later `select`, `columns` or
//!   `on_conflict`: the first of each counts).
//! - A key whose last dot-separated word is `order`, `limit`, `offset`, `and` or `or` is that
//!   parameter for the level its leading words name; `select`, `columns` and `on_conflict` are
//!   root-only; every other key is a filter.
//! - Parse errors are reported in PostgREST's order: orders, logic trees, `columns`, `select`,
//!   filters, `on_conflict`; then a negative `limit` (416); then routing (PGRST108) for filters,
//!   orders, pages and logic trees; then orders on embeds (`order=rel(col)`) that `select` lacks.
//! - The first `order` of a level counts, the last `limit` and `offset`. A `limit` or `offset`
//!   that is not an integer is ignored, as PostgREST does; a negative offset counts as 0.

use super::{RequestError, grammar};
use crate::plan::request::{
    Embed, Filter, LogicTree, OrderTarget, OrderTerm, ReadRequest, SelectItem,
};

/// The query string, parsed; names are still as the client wrote them.
#[derive(Debug, Default, PartialEq)]
pub struct QueryParams {
    /// The read described by select, filters, order, limit and offset (root and embedded
    /// levels routed into the tree).
    pub read: ReadRequest,
    /// `columns=a,b` (inserts).
    pub columns: Option<Vec<String>>,
    /// `on_conflict=a,b` (upserts).
    pub on_conflict: Option<Vec<String>>,
}

/// Keys that only the root level has.
const RESERVED: [&str; 3] = ["select", "columns", "on_conflict"];
/// Last words of keys that are parameters of some level, not filters.
const RESERVED_EMBEDDABLE: [&str; 5] = ["order", "limit", "offset", "and", "or"];

/// Parses a raw (still percent-encoded) query string.
pub fn parse(raw_query: &str) -> Result<QueryParams, RequestError> {
    parse_decoded(decode(raw_query))
}

/// The query string of a GET to a function: its arguments, then the other parameters parsed as
/// for a relation (they shape the result). As PostgREST, a parameter is an argument unless its
/// key is reserved or has a dot (an embed's) or its value starts like a filter (`gt.5`, `is.`,
/// `in.`, `not.…`, `fts(…)`).
pub fn parse_call(raw_query: &str) -> Result<(Vec<(String, String)>, QueryParams), RequestError> {
    let (arguments, rest): (Vec<_>, Vec<_>) = decode(raw_query)
        .into_iter()
        .partition(|(key, value)| value.as_deref().is_some_and(|v| is_argument(key, v)));
    let arguments = arguments
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
        .collect();
    Ok((arguments, parse_decoded(rest)?))
}

/// A form body (`application/x-www-form-urlencoded`): its pairs, decoded (no `=`: empty value).
pub fn form(body: &str) -> Vec<(String, String)> {
    decode(body)
        .into_iter()
        .map(|(key, value)| (key, value.unwrap_or_default()))
        .collect()
}

fn is_argument(key: &str, value: &str) -> bool {
    const OPERATORS: [&str; 22] = [
        "eq",
        "neq",
        "gt",
        "gte",
        "lt",
        "lte",
        "like",
        "ilike",
        "match",
        "imatch",
        "isdistinct",
        "cs",
        "cd",
        "ov",
        "sl",
        "sr",
        "nxr",
        "nxl",
        "adj",
        "in",
        "is",
        "not",
    ];
    const TEXT_SEARCH: [&str; 4] = ["fts", "plfts", "phfts", "wfts"];
    if RESERVED.contains(&key) || RESERVED_EMBEDDABLE.contains(&key) || key.contains('.') {
        return false;
    }
    let mut words = value.split('.');
    let first = words.next().unwrap_or_default();
    // `eq(any)`, `fts(english)`: an operator with its modifier.
    let operator = first.split('(').next().unwrap_or_default();
    let filter = match operator {
        "not" => words.next().is_some(),
        op => OPERATORS.contains(&op) || TEXT_SEARCH.contains(&op),
    };
    !filter
}

fn parse_decoded(params: Vec<(String, Option<String>)>) -> Result<QueryParams, RequestError> {
    let first = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.as_deref())
    };
    let given: Vec<(&str, &str)> = params
        .iter()
        .filter_map(|(key, value)| value.as_deref().map(|value| (key.as_str(), value)))
        .collect();
    let with_last = |words: &'static [&'static str]| {
        given
            .iter()
            .copied()
            .filter(move |(key, _)| words.contains(&last_word(key)))
    };

    let mut orders = Vec::new();
    for (key, value) in with_last(&["order"]) {
        let (path, _) = grammar::tree_path(key)?;
        orders.push((path, grammar::order(value)?));
    }
    let mut trees = Vec::new();
    for (key, value) in with_last(&["and", "or"]) {
        let (path, op) = grammar::logic_path(key)?;
        trees.push((path, grammar::logic_tree(&op, value)?));
    }
    let columns = first("columns")
        .map(|v| grammar::columns("columns parameter", v))
        .transpose()?;
    let select = first("select")
        .map(grammar::select)
        .transpose()?
        .unwrap_or_default();
    let mut filters = Vec::new();
    for &(key, value) in &given {
        if RESERVED.contains(&key) || RESERVED_EMBEDDABLE.contains(&last_word(key)) {
            continue;
        }
        let (path, field) = grammar::tree_path(key)?;
        let (negated, condition) = grammar::filter(value)?;
        filters.push((
            path,
            Filter {
                field,
                negated,
                condition,
            },
        ));
    }
    let on_conflict = first("on_conflict")
        .map(|v| grammar::columns("on_conflict parameter", v))
        .transpose()?;
    let pages = pages(&given)?;

    let mut read = ReadRequest {
        select,
        ..ReadRequest::default()
    };
    let mut missing = None;
    for (path, filter) in filters {
        match level(&mut read, &path) {
            Ok(level) => level.filters.push(LogicTree::Filter(filter)),
            Err(name) => missing = Some(name),
        }
    }
    not_embedded(missing.take())?;
    // Backwards, so that the first order of a level stays and the last bad path is reported.
    for (path, terms) in orders.into_iter().rev() {
        level(&mut read, &path)
            .map_err(RequestError::NotEmbedded)?
            .order = terms;
    }
    for page in pages {
        let (path, _) = grammar::tree_path(&page.key)?;
        let level = level(&mut read, &path).map_err(RequestError::NotEmbedded)?;
        if let Some(limit) = page.limit {
            level.range.limit = Some(u64::try_from(limit).map_err(|_| negative_limit())?);
        }
        if let Some(offset) = page.offset {
            level.range.offset = u64::try_from(offset).unwrap_or(0);
        }
    }
    for (path, tree) in trees {
        match level(&mut read, &path) {
            Ok(level) => level.filters.push(tree),
            Err(name) => missing = Some(name),
        }
    }
    not_embedded(missing.take())?;
    related_orders(&read)?;
    Ok(QueryParams {
        read,
        columns: columns.map(dedup),
        on_conflict,
    })
}

/// `a.b.c` → `c`.
fn last_word(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

fn not_embedded(missing: Option<String>) -> Result<(), RequestError> {
    missing.map_or(Ok(()), |name| Err(RequestError::NotEmbedded(name)))
}

fn negative_limit() -> RequestError {
    RequestError::InvalidRange("Limit should be greater than or equal to zero.".into())
}

/// The level `path` names: each name is an embed's name or alias, the first that matches.
fn level<'a>(
    mut read: &'a mut ReadRequest,
    path: &[String],
) -> Result<&'a mut ReadRequest, String> {
    for name in path {
        let found = read.select.iter_mut().find_map(|item| match item {
            SelectItem::Embed(embed)
                if embed.name == *name || embed.alias.as_ref() == Some(name) =>
            {
                Some(embed)
            }
            _ => None,
        });
        match found {
            Some(embed) => read = &mut embed.request,
            None => return Err(name.clone()),
        }
    }
    Ok(read)
}

/// Every `order=rel(col)` must name an embed of its level by its alias, else its name.
fn related_orders(read: &ReadRequest) -> Result<(), RequestError> {
    let embeds = || {
        read.select.iter().filter_map(|item| match item {
            SelectItem::Embed(embed) => Some(embed),
            _ => None,
        })
    };
    for OrderTerm { target, .. } in &read.order {
        if let OrderTarget::Related { embed, .. } = target
            && !embeds().any(|e: &Embed| e.target() == embed)
        {
            return Err(RequestError::NotEmbedded(embed.clone()));
        }
    }
    embeds().try_for_each(|embed| related_orders(&embed.request))
}

/// `limit` and `offset` of one level, by key (`a.b.limit`; an offset's key is renamed so).
struct Page {
    key: String,
    /// `None` when not given or not an integer.
    limit: Option<i128>,
    offset: Option<i128>,
}

/// The pages, in the order their keys first appear; later values of a key replace earlier ones.
fn pages(given: &[(&str, &str)]) -> Result<Vec<Page>, RequestError> {
    let mut pages: Vec<Page> = Vec::new();
    for &(key, value) in given {
        let is_limit = match last_word(key) {
            "limit" => true,
            "offset" => false,
            _ => continue,
        };
        let key = format!("{}limit", &key[..key.len() - last_word(key).len()]);
        let index = match pages.iter().position(|p| p.key == key) {
            Some(index) => index,
            None => {
                pages.push(Page {
                    key,
                    limit: None,
                    offset: None,
                });
                pages.len() - 1
            }
        };
        let number = haskell_integer(value);
        if is_limit {
            pages[index].limit = number;
        } else {
            pages[index].offset = number;
        }
    }
    if pages
        .iter()
        .any(|p| p.key == "limit" && p.limit.is_some_and(|l| l < 0))
    {
        return Err(negative_limit());
    }
    Ok(pages)
}

/// `readMaybe :: Maybe Integer`: blanks around, parentheses, a sign, decimal, `0x` or `0o`
/// digits. Saturates at the bounds of `i64`.
fn haskell_integer(text: &str) -> Option<i128> {
    let mut text = text.trim_matches(is_space);
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        text = inner.trim_matches(is_space);
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start_matches(is_space)),
        None => (false, text),
    };
    let (radix, digits) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        _ => (10, digits),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = digits.chars().try_fold(0i128, |n, c| {
        Some(
            n.saturating_mul(radix.into())
                .saturating_add(c.to_digit(radix)?.into()),
        )
    })?;
    let value = if negative { -magnitude } else { magnitude };
    Some(value.clamp(i64::MIN.into(), i64::MAX.into()))
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn dedup(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Splits on `&` and `;` (as Haskell's `http-types` does) and percent-decodes keys and values
/// (`+` is a space); `None` is a key without `=`.
fn decode(raw: &str) -> Vec<(String, Option<String>)> {
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(['&', ';'])
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (url_decode(key), Some(url_decode(value))),
            None => (url_decode(pair), None),
        })
        .collect()
}

fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|&h| (h as char).to_digit(16));
        match b {
            b'+' => out.push(b' '),
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::request::{Condition, FieldPath, IsValue, Operator, Range};

    fn filter(column: &str, condition: Condition) -> LogicTree {
        LogicTree::Filter(Filter {
            field: FieldPath::column(column),
            negated: false,
            condition,
        })
    }

    fn eq(column: &str, value: &str) -> LogicTree {
        filter(column, Condition::Compare(Operator::Eq, value.into()))
    }

    fn embed<'a>(read: &'a ReadRequest, name: &str) -> &'a ReadRequest {
        read.select
            .iter()
            .find_map(|item| match item {
                SelectItem::Embed(e) if e.target() == name => Some(&e.request),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no embed {name}"))
    }

    #[test]
    fn splits_reserved_parameters_from_filters() {
        let params =
            parse("age=gte.18&student=is.true&select=name,age&order=age.desc&limit=2&offset=1")
                .unwrap();
        let read = &params.read;
        assert_eq!(
            read.filters,
            vec![
                filter("age", Condition::Compare(Operator::Gte, "18".into())),
                filter("student", Condition::Is(IsValue::True)),
            ]
        );
        assert_eq!(read.select.len(), 2);
        assert_eq!(read.order.len(), 1);
        assert_eq!(
            read.range,
            Range {
                offset: 1,
                limit: Some(2)
            }
        );
        assert_eq!(params.columns, None);
        assert_eq!(params.on_conflict, None);
        assert_eq!(parse("").unwrap(), QueryParams::default());
        assert_eq!(parse("?").unwrap(), QueryParams::default());
    }

    #[test]
    fn decodes_like_http_types() {
        let read = parse("name=eq.J%20Doe&nick=eq.a+b&na%C3%AFve=eq.%E2%9C%93&p=eq.100%&q=eq.%zz")
            .unwrap()
            .read;
        assert_eq!(
            read.filters,
            vec![
                eq("name", "J Doe"),
                eq("nick", "a b"),
                eq("naïve", "✓"),
                eq("p", "100%"),
                eq("q", "%zz"),
            ]
        );
        // `;` separates parameters too; a parameter without `=` is ignored.
        let read = parse("a=eq.1;b=eq.2&c&&d=eq.%3B%26").unwrap().read;
        assert_eq!(
            read.filters,
            vec![eq("a", "1"), eq("b", "2"), eq("d", ";&")]
        );
        // Invalid UTF-8 does not panic.
        assert_eq!(
            parse("a=eq.%FF").unwrap().read.filters,
            vec![eq("a", "\u{fffd}")]
        );
        // The first `select` counts, even when it has no `=`.
        assert_eq!(parse("select=a&select=b,c").unwrap().read.select.len(), 1);
        assert_eq!(parse("select&select=b,c").unwrap().read.select.len(), 0);
    }

    #[test]
    fn routes_parameters_into_embeds() {
        let params = parse(
            "select=*,projects(*,tasks(*)),c:clients!inner(*)&projects.name=eq.x&projects.order=id.desc\
             &projects.limit=1&projects.offset=2&projects.tasks.done=is.true&projects.tasks.or=(a.eq.1,b.eq.2)\
             &c.id=eq.3&clients.name=eq.y&not.projects.and=(a.eq.1)&projects.not.or=(b.eq.2)",
        )
        .unwrap();
        let read = &params.read;
        assert!(read.filters.is_empty());
        let projects = embed(read, "projects");
        assert_eq!(
            projects.filters,
            vec![
                eq("name", "x"),
                LogicTree::Not(Box::new(LogicTree::And(vec![eq("a", "1")]))),
                LogicTree::Not(Box::new(LogicTree::Or(vec![eq("b", "2")]))),
            ]
        );
        assert_eq!(projects.order.len(), 1);
        assert_eq!(
            projects.range,
            Range {
                offset: 2,
                limit: Some(1)
            }
        );
        let tasks = embed(projects, "tasks");
        assert_eq!(
            tasks.filters,
            vec![
                filter("done", Condition::Is(IsValue::True)),
                LogicTree::Or(vec![eq("a", "1"), eq("b", "2")]),
            ]
        );
        // An aliased embed answers to its alias and, as in PostgREST, to its name.
        assert_eq!(
            embed(read, "c").filters,
            vec![eq("id", "3"), eq("name", "y")]
        );
        // A null filter on an embed stays a filter of the parent level, for the plan.
        let read = parse("select=*,projects()&projects=not.is.null")
            .unwrap()
            .read;
        assert_eq!(
            read.filters,
            vec![LogicTree::Filter(Filter {
                field: FieldPath::column("projects"),
                negated: true,
                condition: Condition::Is(IsValue::Null),
            })]
        );
        // JSON paths in keys: the dots before the field are the embed path.
        let read = parse("select=*,r(*)&r.data->>a=eq.1&data->b.c=eq.2")
            .unwrap()
            .read;
        assert_eq!(embed(&read, "r").filters.len(), 1);
        assert_eq!(read.filters.len(), 1);
    }

    #[test]
    fn rejects_paths_that_name_no_embed() {
        let not_embedded = |q: &str| match parse(q) {
            Err(RequestError::NotEmbedded(name)) => name,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(not_embedded("select=name&projects.name=eq.x"), "projects");
        assert_eq!(not_embedded("projects.order=id"), "projects");
        assert_eq!(not_embedded("select=*,a(*)&a.b.limit=1"), "b");
        assert_eq!(not_embedded("a.offset=1"), "a");
        assert_eq!(not_embedded("a.limit=x"), "a");
        assert_eq!(not_embedded("x.or=(a.eq.1)"), "x");
        // The last bad filter is reported, as PostgREST does.
        assert_eq!(not_embedded("a.x=eq.1&b.x=eq.1"), "b");
        // `order=rel(col)` needs the embed by its alias, else its name.
        assert_eq!(
            not_embedded("select=*,c:clients(*)&order=clients(name)"),
            "clients"
        );
        assert_eq!(not_embedded("select=*,p(*)&p.order=q(x)"), "q");
        assert!(parse("select=*,c:clients(*)&order=c(name).desc").is_ok());
        assert_eq!(
            RequestError::NotEmbedded("x".into()).to_string(),
            "'x' is not an embedded resource in this request"
        );
    }

    #[test]
    fn orders_limits_and_offsets() {
        let read = parse("order=a&order=b").unwrap().read;
        assert_eq!(read.order.len(), 1, "the first order counts");
        assert!(matches!(&read.order[0].target, OrderTarget::Field(f) if f.column == "a"));
        assert_eq!(parse("limit=1&limit=2").unwrap().read.range.limit, Some(2));
        assert_eq!(parse("limit=0").unwrap().read.range.limit, Some(0));
        assert_eq!(parse("limit=%2012%20").unwrap().read.range.limit, Some(12));
        assert_eq!(parse("limit=(3)").unwrap().read.range.limit, Some(3));
        assert_eq!(parse("limit=0x10").unwrap().read.range.limit, Some(16));
        assert_eq!(parse("offset=-3").unwrap().read.range.offset, 0);
        assert_eq!(parse("offset=7").unwrap().read.range.offset, 7);
        assert_eq!(
            parse("limit=99999999999999999999999")
                .unwrap()
                .read
                .range
                .limit,
            Some(i64::MAX as u64)
        );
        // PostgREST ignores a limit or offset that is not an integer.
        for q in ["limit=x", "limit=", "limit=1.5", "limit=%2B1", "offset=x"] {
            assert_eq!(parse(q).unwrap().read.range, Range::default(), "{q}");
        }
        for q in ["limit=-1", "limit=-1&offset=5", "select=*,a(*)&a.limit=-2"] {
            assert_eq!(
                parse(q).unwrap_err(),
                RequestError::InvalidRange("Limit should be greater than or equal to zero.".into()),
                "{q}"
            );
        }
    }

    #[test]
    fn columns_and_on_conflict() {
        let params = parse("columns=a,b,a&on_conflict=x,%22y%20z%22").unwrap();
        assert_eq!(params.columns, Some(vec!["a".into(), "b".into()]));
        assert_eq!(params.on_conflict, Some(vec!["x".into(), "y z".into()]));
        // Root only: with a path they are filters.
        assert_eq!(
            parse("a.columns=eq.1").unwrap_err(),
            RequestError::NotEmbedded("a".into())
        );
        assert_eq!(
            parse("columns=").unwrap_err().to_string(),
            r#""failed to parse columns parameter ()" (line 1, column 1)"#
        );
        assert_eq!(
            parse("on_conflict=,").unwrap_err().to_string(),
            r#""failed to parse on_conflict parameter (,)" (line 1, column 1)"#
        );
    }

    #[test]
    fn reports_errors_in_postgrest_order() {
        let what = |q: &str| match parse(q) {
            Err(RequestError::Parse { what, .. }) => what,
            other => panic!("{q}: {other:?}"),
        };
        let all_bad = "on_conflict=&a=x&select=!&columns=&or=()&order=.";
        assert_eq!(what(all_bad), "order");
        assert_eq!(
            what("on_conflict=&a=x&select=a,&columns=&or=()"),
            "logic tree"
        );
        assert_eq!(
            what("on_conflict=&a=x&select=a,&columns="),
            "columns parameter"
        );
        assert_eq!(what("on_conflict=&a=x&select=a,"), "select parameter");
        assert_eq!(what("on_conflict=&a=x"), "filter");
        assert_eq!(what("on_conflict="), "on_conflict parameter");
        assert_eq!(what(".order=a"), "tree path");
        assert_eq!(what("%22a=eq.1"), "tree path");
        assert_eq!(what("x.%22y.or=(a.eq.1)"), "logic path");
        // Parse errors come before a negative limit, which comes before routing.
        assert_eq!(what("limit=-1&a=x"), "filter");
        assert!(matches!(
            parse("b.c=eq.1&limit=-1"),
            Err(RequestError::InvalidRange(_))
        ));
        // The message shows the decoded value; a logic tree's columns count its operator.
        assert_eq!(
            parse("a=not.eq%28any%29.1&b=is.x").unwrap_err().to_string(),
            r#""failed to parse filter (is.x)" (line 1, column 4)"#
        );
        assert_eq!(
            parse("not.or=(a.eq.1,)").unwrap_err().to_string(),
            r#""failed to parse logic tree ((a.eq.1,))" (line 1, column 15)"#
        );
    }

    #[test]
    fn splits_function_arguments_from_the_rest() {
        let (arguments, params) =
            parse_call("a=1&b=x.y&v=1&v=2&age=gt.5&select=id&limit=2&e=not.is.null&f=in.(1)&g=eq(any).{1}&h=&i")
                .unwrap();
        assert_eq!(
            arguments,
            [("a", "1"), ("b", "x.y"), ("v", "1"), ("v", "2"), ("h", "")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(params.read.filters.len(), 4);
        assert_eq!(params.read.range.limit, Some(2));
        assert_eq!(params.read.select.len(), 1);
        // `c.d` is a filter of an embed `select` lacks.
        assert_eq!(
            parse_call("a=1&c.d=eq.3").unwrap_err(),
            RequestError::NotEmbedded("c".into())
        );
        // `not` alone is a value, `fts(english)…` a filter.
        let (arguments, params) = parse_call("n=not&t=fts(english).cat").unwrap();
        assert_eq!(arguments, vec![("n".to_owned(), "not".to_owned())]);
        assert_eq!(params.read.filters.len(), 1);
        assert_eq!(
            form("a=1&b=x+y&c"),
            [("a", "1"), ("b", "x y"), ("c", "")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for q in [
            "%",
            "%%",
            "%E2%82",
            "=",
            "==",
            "&&&",
            ";;",
            "select=((((",
            "select=)))",
            "select=a(b(c",
            "order=..,,",
            "or=((((",
            "a=in.(\"\\",
            "a.b.c.d.e.f=eq.1",
            "select=\u{1F600}",
            "\u{1F600}=eq.\u{1F600}",
            "limit=\u{1F600}",
            "limit=0x",
            "limit=-",
            "limit=()",
            "a->-=eq.1",
            "select=a->>-",
            "select=...",
        ] {
            let _ = parse(q);
        }
    }
}
