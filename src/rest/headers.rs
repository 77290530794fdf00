//! Request headers that change what a REST request means: `Prefer`, `Accept` and the profiles.

use axum::http::{HeaderMap, header};

use super::RequestError;
use crate::context::RequestContext;
use crate::db::End;
use crate::plan::{Missing, Resolution};

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

/// `Prefer: handling=…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    Lenient,
    /// Unknown preferences are an error, and `max-affected` is enforced.
    Strict,
}

/// `Prefer: tx=…`, honoured only where `db-tx-end` allows an override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxPreference {
    Commit,
    Rollback,
}

/// The preferences of a request (RFC 7240; several headers or comma lists, first one wins).
///
/// A handler clears what it does not honour, so that [`Preferences::applied`] echoes only what
/// was applied, as PostgREST's `Preference-Applied`.
#[derive(Debug, Default, PartialEq)]
pub struct Preferences {
    pub return_: Option<ReturnPreference>,
    pub count: Option<CountPreference>,
    pub resolution: Option<Resolution>,
    pub missing: Option<Missing>,
    pub handling: Option<Handling>,
    pub tx: Option<TxPreference>,
    pub max_affected: Option<u64>,
    /// `timezone=…`, set as the transaction's `timezone` (Postgres rejects unknown zones).
    pub timezone: Option<String>,
    /// Preferences that are not PostgREST's, as sent.
    pub invalid: Vec<String>,
}

impl Preferences {
    pub fn from_headers(headers: &HeaderMap) -> Preferences {
        let mut preferences = Preferences::default();
        let values = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok());
        for preference in values.flat_map(|v| v.split(',')).map(str::trim) {
            let p = &mut preferences;
            match preference {
                "return=minimal" => set(&mut p.return_, ReturnPreference::Minimal),
                "return=headers-only" => set(&mut p.return_, ReturnPreference::HeadersOnly),
                "return=representation" => set(&mut p.return_, ReturnPreference::Representation),
                "count=exact" => set(&mut p.count, CountPreference::Exact),
                "count=planned" => set(&mut p.count, CountPreference::Planned),
                "count=estimated" => set(&mut p.count, CountPreference::Estimated),
                "resolution=merge-duplicates" => {
                    set(&mut p.resolution, Resolution::MergeDuplicates)
                }
                "resolution=ignore-duplicates" => {
                    set(&mut p.resolution, Resolution::IgnoreDuplicates)
                }
                "missing=default" => set(&mut p.missing, Missing::Default),
                "missing=null" => set(&mut p.missing, Missing::Null),
                "handling=lenient" => set(&mut p.handling, Handling::Lenient),
                "handling=strict" => set(&mut p.handling, Handling::Strict),
                "tx=commit" => set(&mut p.tx, TxPreference::Commit),
                "tx=rollback" => set(&mut p.tx, TxPreference::Rollback),
                // Known to PostgREST but without effect here; not echoed.
                "params=single-object" => {}
                "" => {}
                other => {
                    if let Some(zone) = other.strip_prefix("timezone=") {
                        set(&mut p.timezone, zone.to_owned());
                    } else if let Some(Ok(n)) = other.strip_prefix("max-affected=").map(str::parse)
                    {
                        set(&mut p.max_affected, n);
                    } else {
                        p.invalid.push(other.to_owned());
                    }
                }
            }
        }
        preferences
    }

    /// How the request's transaction ends: `tx=` where the configuration lets it choose
    /// (the handler cleared it otherwise), else the configured end.
    pub fn end(&self, configured: End) -> End {
        match self.tx {
            Some(TxPreference::Commit) => End::Commit,
            Some(TxPreference::Rollback) => End::Rollback,
            None => configured,
        }
    }

    /// Sets the preferred time zone for the request's transaction.
    pub fn apply_timezone(&self, caller: &mut RequestContext) {
        if let Some(zone) = &self.timezone {
            caller.set("timezone", zone);
        }
    }

    /// PGRST122 when `handling=strict` and a preference was not understood.
    pub fn check_strict(&self) -> Result<(), RequestError> {
        if self.handling == Some(Handling::Strict) && !self.invalid.is_empty() {
            return Err(RequestError::InvalidPreferences(self.invalid.join(", ")));
        }
        Ok(())
    }

    /// `max-affected=n`, which only `handling=strict` enforces.
    pub fn enforced_max_affected(&self) -> Option<u64> {
        self.max_affected
            .filter(|_| self.handling == Some(Handling::Strict))
    }

    /// `Preference-Applied` for what was honoured, in PostgREST's order.
    pub fn applied(&self) -> Option<String> {
        let resolution = self.resolution.map(|r| match r {
            Resolution::MergeDuplicates => "resolution=merge-duplicates".to_owned(),
            Resolution::IgnoreDuplicates => "resolution=ignore-duplicates".to_owned(),
        });
        let missing = self.missing.map(|m| {
            match m {
                Missing::Default => "missing=default",
                Missing::Null => "missing=null",
            }
            .to_owned()
        });
        let return_ = self.return_.map(|r| {
            match r {
                ReturnPreference::Minimal => "return=minimal",
                ReturnPreference::HeadersOnly => "return=headers-only",
                ReturnPreference::Representation => "return=representation",
            }
            .to_owned()
        });
        let count = self.count.map(|c| {
            match c {
                CountPreference::Exact => "count=exact",
                CountPreference::Planned => "count=planned",
                CountPreference::Estimated => "count=estimated",
            }
            .to_owned()
        });
        let tx = self.tx.map(|t| {
            match t {
                TxPreference::Commit => "tx=commit",
                TxPreference::Rollback => "tx=rollback",
            }
            .to_owned()
        });
        let handling = self.handling.map(|h| {
            match h {
                Handling::Lenient => "handling=lenient",
                Handling::Strict => "handling=strict",
            }
            .to_owned()
        });
        let timezone = self
            .timezone
            .as_ref()
            .map(|zone| format!("timezone={zone}"));
        let max_affected = self
            .enforced_max_affected()
            .map(|n| format!("max-affected={n}"));
        let applied: Vec<String> = [
            resolution,
            missing,
            return_,
            count,
            tx,
            handling,
            timezone,
            max_affected,
        ]
        .into_iter()
        .flatten()
        .collect();
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

/// The body's media type, lower-cased and without parameters (`None` without a `Content-Type`).
pub fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
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
}
