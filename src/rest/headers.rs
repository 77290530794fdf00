//! Request headers that change what a REST request means: `Prefer`, `Accept` and the profiles.

use axum::http::{HeaderMap, header};

use super::RequestError;

/// `Prefer: return=…`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReturnPreference {
    #[default]
    Minimal,
    HeadersOnly,
    Representation,
}

/// `Prefer: count=…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountPreference {
    Exact,
    Planned,
    Estimated,
}

/// The preferences pgway honours (RFC 7240; several headers or comma lists, first one wins).
#[derive(Debug, Default, PartialEq)]
pub struct Preferences {
    pub return_: Option<ReturnPreference>,
    pub count: Option<CountPreference>,
}

impl Preferences {
    pub fn from_headers(headers: &HeaderMap) -> Preferences {
        let mut preferences = Preferences::default();
        let values = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok());
        for preference in values.flat_map(|v| v.split(',')).map(str::trim) {
            match preference {
                "return=minimal" => set(&mut preferences.return_, ReturnPreference::Minimal),
                "return=headers-only" => {
                    set(&mut preferences.return_, ReturnPreference::HeadersOnly)
                }
                "return=representation" => {
                    set(&mut preferences.return_, ReturnPreference::Representation)
                }
                "count=exact" => set(&mut preferences.count, CountPreference::Exact),
                "count=planned" => set(&mut preferences.count, CountPreference::Planned),
                "count=estimated" => set(&mut preferences.count, CountPreference::Estimated),
                _ => {}
            }
        }
        preferences
    }

    /// `Preference-Applied` for what was honoured, in PostgREST's order.
    pub fn applied(&self) -> Option<String> {
        let return_ = self.return_.map(|r| match r {
            ReturnPreference::Minimal => "return=minimal",
            ReturnPreference::HeadersOnly => "return=headers-only",
            ReturnPreference::Representation => "return=representation",
        });
        let count = self.count.map(|c| match c {
            CountPreference::Exact => "count=exact",
            CountPreference::Planned => "count=planned",
            CountPreference::Estimated => "count=estimated",
        });
        let applied: Vec<&str> = [return_, count].into_iter().flatten().collect();
        (!applied.is_empty()).then(|| applied.join(", "))
    }
}

/// The first occurrence of a preference wins.
fn set<T>(slot: &mut Option<T>, value: T) {
    slot.get_or_insert(value);
}

/// `Range: 10-19` (with `Range-Unit: items` or none): rows `(offset, limit)`; `None` when absent
/// or not a row range, as PostgREST ignores those.
pub fn range(headers: &HeaderMap) -> Result<Option<(u64, Option<u64>)>, RequestError> {
    let unit = headers
        .get("range-unit")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("items");
    let Some(value) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    if !unit.eq_ignore_ascii_case("items") {
        return Ok(None);
    }
    let value = value.trim();
    let value = value.strip_prefix("items=").unwrap_or(value);
    let Some((from, to)) = value.split_once('-') else {
        return Ok(None);
    };
    let Ok(from) = from.trim().parse::<u64>() else {
        return Ok(None);
    };
    match to.trim() {
        "" => Ok(Some((from, None))),
        to => match to.parse::<u64>() {
            Ok(to) if to < from => Err(RequestError::InvalidRange(
                "The lower boundary must be lower than or equal to the upper boundary in the Range header."
                    .into(),
            )),
            Ok(to) => Ok(Some((from, Some(to - from + 1)))),
            Err(_) => Ok(None),
        },
    }
}

/// Checks that the client accepts JSON (writes answer JSON only, for now).
pub fn accept_json(headers: &HeaderMap) -> Result<(), RequestError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let types: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or_default().trim())
        .filter(|t| !t.is_empty())
        .collect();
    let json = |t: &&str| matches!(*t, "*/*" | "application/*" | "application/json");
    if types.is_empty() || types.iter().any(json) {
        Ok(())
    } else {
        Err(RequestError::NotAcceptable(types.join(", ")))
    }
}

/// The schema a request targets: `Accept-Profile` (reads) or `Content-Profile` (writes), else the
/// first exposed schema.
pub fn profile<'a>(
    headers: &HeaderMap,
    write: bool,
    exposed: &'a [crate::schema::Ident],
) -> Result<&'a crate::schema::Ident, RequestError> {
    let name = if write {
        "content-profile"
    } else {
        "accept-profile"
    };
    let Some(requested) = headers.get(name) else {
        return exposed.first().ok_or_else(|| RequestError::InvalidSchema {
            schema: String::new(),
            exposed: Vec::new(),
        });
    };
    let requested = String::from_utf8_lossy(requested.as_bytes());
    exposed
        .iter()
        .find(|s| s.as_str() == requested)
        .ok_or_else(|| RequestError::InvalidSchema {
            schema: requested.into_owned(),
            exposed: exposed.iter().map(ToString::to_string).collect(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn first_return_preference_wins() {
        let mut headers = HeaderMap::new();
        headers.append(
            "prefer",
            HeaderValue::from_static("count=exact, return=representation"),
        );
        headers.append("prefer", HeaderValue::from_static("return=minimal"));
        let preferences = Preferences::from_headers(&headers);
        assert_eq!(preferences.return_, Some(ReturnPreference::Representation));
        assert_eq!(
            preferences.applied().as_deref(),
            Some("return=representation, count=exact")
        );
    }

    #[test]
    fn ranges() {
        let with = |range: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, HeaderValue::from_static(range));
            super::range(&headers)
        };
        assert_eq!(with("0-19"), Ok(Some((0, Some(20)))));
        assert_eq!(with("10-"), Ok(Some((10, None))));
        assert_eq!(with("5-5"), Ok(Some((5, Some(1)))));
        assert_eq!(with("bytes"), Ok(None));
        assert!(matches!(with("1-0"), Err(RequestError::InvalidRange(_))));
    }

    #[test]
    fn accepts_json_compatible_types_only() {
        let with = |accept: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            accept_json(&headers)
        };
        assert!(with("application/json").is_ok());
        assert!(with("text/html, */*;q=0.8").is_ok());
        assert_eq!(
            with("text/unknown"),
            Err(RequestError::NotAcceptable("text/unknown".into()))
        );
    }
}
