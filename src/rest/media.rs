//! Content negotiation: which representation of the rows a client accepts.

use axum::http::{HeaderMap, header};

use super::RequestError;
use crate::sql::Shape;

/// A representation pgway can produce for rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Json {
        stripped: bool,
    },
    /// `application/vnd.pgrst.object+json`: exactly one row, as an object.
    Object {
        stripped: bool,
    },
    Csv,
}

impl MediaType {
    pub fn shape(self) -> Shape {
        match self {
            MediaType::Json { stripped: false } => Shape::Array,
            MediaType::Json { stripped: true } => Shape::ArrayStripped,
            MediaType::Object { stripped: false } => Shape::Object,
            MediaType::Object { stripped: true } => Shape::ObjectStripped,
            MediaType::Csv => Shape::Csv,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::Json { stripped: false } => "application/json; charset=utf-8",
            MediaType::Json { stripped: true } => {
                "application/vnd.pgrst.array+json; nulls=stripped; charset=utf-8"
            }
            MediaType::Object { stripped: false } => {
                "application/vnd.pgrst.object+json; charset=utf-8"
            }
            MediaType::Object { stripped: true } => {
                "application/vnd.pgrst.object+json; nulls=stripped; charset=utf-8"
            }
            MediaType::Csv => "text/csv; charset=utf-8",
        }
    }

    fn parse(media: &str, params: &[(&str, &str)]) -> Option<MediaType> {
        let stripped = params
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("nulls") && *v == "stripped");
        match media.to_ascii_lowercase().as_str() {
            "*/*" | "application/*" | "application/json" => {
                Some(MediaType::Json { stripped: false })
            }
            "application/vnd.pgrst.array+json" | "application/vnd.pgrst.array" => {
                Some(MediaType::Json { stripped })
            }
            "application/vnd.pgrst.object+json" | "application/vnd.pgrst.object" => {
                Some(MediaType::Object { stripped })
            }
            "text/csv" | "text/*" => Some(MediaType::Csv),
            _ => None,
        }
    }
}

/// One entry of `Accept`: its quality, its type and its parameters.
type MediaRange<'a> = (f32, &'a str, Vec<(&'a str, &'a str)>);

/// The first producible type of `Accept`, by q-value and then client order (none: JSON).
pub fn negotiate(headers: &HeaderMap) -> Result<MediaType, RequestError> {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let mut ranges: Vec<MediaRange> = accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().filter(|m| !m.is_empty())?;
            let params: Vec<(&str, &str)> = parts
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.trim(), v.trim()))
                .collect();
            let q = params
                .iter()
                .find(|(k, _)| *k == "q")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1.0);
            Some((q, media, params))
        })
        .collect();
    if ranges.is_empty() {
        return Ok(MediaType::Json { stripped: false });
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges
        .iter()
        .filter(|(q, _, _)| *q > 0.0)
        .find_map(|(_, media, params)| MediaType::parse(media, params))
        .ok_or_else(|| {
            RequestError::NotAcceptable(
                ranges
                    .iter()
                    .map(|(_, m, _)| *m)
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &'static str) -> Result<MediaType, RequestError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        negotiate(&headers)
    }

    #[test]
    fn picks_by_quality_then_order() {
        assert_eq!(
            negotiate(&HeaderMap::new()),
            Ok(MediaType::Json { stripped: false })
        );
        assert_eq!(accept("text/csv, application/json"), Ok(MediaType::Csv));
        assert_eq!(
            accept("text/csv;q=0.5, application/json"),
            Ok(MediaType::Json { stripped: false })
        );
        assert_eq!(
            accept("text/unknown, */*"),
            Ok(MediaType::Json { stripped: false })
        );
        assert_eq!(
            accept("application/vnd.pgrst.object+json;nulls=stripped"),
            Ok(MediaType::Object { stripped: true })
        );
        assert_eq!(
            accept("application/vnd.pgrst.array+json;nulls=stripped"),
            Ok(MediaType::Json { stripped: true })
        );
        assert_eq!(
            accept("text/unknown"),
            Err(RequestError::NotAcceptable("text/unknown".into()))
        );
        assert_eq!(
            accept("application/json;q=0"),
            Err(RequestError::NotAcceptable("application/json".into()))
        );
    }
}
