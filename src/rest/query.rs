//! The query string of a request to a relation: reserved parameters and column filters.
//!
//! Interim version: the new API over a simplified grammar (the full PostgREST grammar follows).

use super::{RequestError, grammar};
use crate::plan::request::{Embed, LogicTree, ReadRequest, SelectItem};

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

/// Parses `raw` (percent- and `+`-decoded as a form, like PostgREST).
pub fn parse(raw: &str) -> Result<QueryParams, RequestError> {
    let mut params = QueryParams::default();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some((_, select)) = pairs.iter().find(|(k, _)| k == "select") {
        params.read.select = grammar::select(select)?;
    }
    for (key, value) in &pairs {
        let mut path: Vec<&str> = key.split('.').collect();
        let last = path.pop().unwrap_or_default();
        match (key.as_str(), last) {
            ("select", _) => {}
            ("columns", _) => params.columns = Some(names("columns", value)?),
            ("on_conflict", _) => params.on_conflict = Some(names("on_conflict", value)?),
            (_, "order") => level(&mut params.read, &path)?.order = grammar::order(value)?,
            (_, "limit") => level(&mut params.read, &path)?.range.limit = Some(limit(value)?),
            (_, "offset") => level(&mut params.read, &path)?.range.offset = offset(value)?,
            (_, "or" | "and") => {
                let negated = path.last() == Some(&"not");
                if negated {
                    path.pop();
                }
                let tree = grammar::logic(last, negated, value)?;
                level(&mut params.read, &path)?.filters.push(tree);
            }
            _ => {
                let filter = grammar::filter(last, value)?;
                level(&mut params.read, &path)?
                    .filters
                    .push(LogicTree::Filter(filter));
            }
        }
    }
    Ok(params)
}

fn level<'a>(
    mut read: &'a mut ReadRequest,
    path: &[&str],
) -> Result<&'a mut ReadRequest, RequestError> {
    for name in path {
        let found = read.select.iter_mut().find_map(|item| match item {
            SelectItem::Embed(embed) if embed.target() == *name || embed.name == *name => {
                Some(embed)
            }
            _ => None,
        });
        let embed: &mut Embed =
            found.ok_or_else(|| RequestError::NotEmbedded((*name).to_owned()))?;
        read = &mut embed.request;
    }
    Ok(read)
}

fn integer(what: &'static str, value: &str) -> Result<i64, RequestError> {
    value.parse().map_err(|_| RequestError::Parse {
        what,
        input: value.to_owned(),
        line: 1,
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

fn names(what: &'static str, value: &str) -> Result<Vec<String>, RequestError> {
    if value.is_empty() || value.split(',').any(str::is_empty) {
        return Err(RequestError::Parse {
            what: if what == "columns" {
                "columns parameter"
            } else {
                "on_conflict parameter"
            },
            input: value.to_owned(),
            line: 1,
            column: 1,
            details: "unexpected end of input expecting field name (* or [a..z0..9_$])".into(),
        });
    }
    Ok(value.split(',').map(str::to_owned).collect())
}
