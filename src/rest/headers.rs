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

/// The preferences pgway honours (RFC 7240; several headers or comma lists, first one wins).
#[derive(Debug, Default, PartialEq)]
pub struct Preferences {
    pub return_: Option<ReturnPreference>,
}

impl Preferences {
    pub fn from_headers(headers: &HeaderMap) -> Preferences {
        let mut preferences = Preferences::default();
        let values = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok());
        for preference in values.flat_map(|v| v.split(',')).map(str::trim) {
            let return_ = match preference {
                "return=minimal" => ReturnPreference::Minimal,
                "return=headers-only" => ReturnPreference::HeadersOnly,
                "return=representation" => ReturnPreference::Representation,
                _ => continue,
            };
            preferences.return_.get_or_insert(return_);
        }
        preferences
    }

    /// `Preference-Applied` for what was honoured.
    pub fn applied(&self) -> Option<&'static str> {
        self.return_.map(|r| match r {
            ReturnPreference::Minimal => "return=minimal",
            ReturnPreference::HeadersOnly => "return=headers-only",
            ReturnPreference::Representation => "return=representation",
        })
    }
}

/// Checks that the client accepts JSON, the only media type served for now.
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
        assert_eq!(preferences.applied(), Some("return=representation"));
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
