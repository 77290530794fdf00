//! Content negotiation: which representation of the rows a client accepts.

use axum::http::{HeaderMap, header};

use super::RequestError;
use crate::sql::{Explain, Shape};

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
    /// `application/geo+json`, where PostGIS is installed.
    GeoJson,
}

/// The media types a request may be answered in besides rows as JSON, objects and CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offers {
    /// `application/vnd.pgrst.plan` (`db-plan-enabled`).
    pub plans: bool,
    /// `application/geo+json` (PostGIS is installed).
    pub geojson: bool,
}

impl MediaType {
    pub fn shape(self) -> Shape {
        match self {
            MediaType::Json { stripped: false } => Shape::Array,
            MediaType::Json { stripped: true } => Shape::ArrayStripped,
            MediaType::Object { stripped: false } => Shape::Object,
            MediaType::Object { stripped: true } => Shape::ObjectStripped,
            MediaType::Csv => Shape::Csv,
            MediaType::GeoJson => Shape::GeoJson,
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
            MediaType::GeoJson => "application/geo+json; charset=utf-8",
        }
    }

    fn parse(media: &str, params: &[(&str, &str)], offers: Offers) -> Option<MediaType> {
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
            "application/geo+json" if offers.geojson => Some(MediaType::GeoJson),
            _ => None,
        }
    }
}

/// `application/vnd.pgrst.plan[+json|+text]; for="…"; options=analyze|verbose|…`: the
/// execution plan of the statement that would answer `target`, instead of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanMedia {
    pub target: MediaType,
    pub explain: Explain,
}

impl PlanMedia {
    pub fn content_type(self) -> String {
        let format = if self.explain.text { "text" } else { "json" };
        let target = self.target.content_type();
        let target = target.strip_suffix("; charset=utf-8").unwrap_or(target);
        format!("application/vnd.pgrst.plan+{format}; for=\"{target}\"; charset=utf-8")
    }

    fn parse(media: &str, params: &[(&str, &str)], offers: Offers) -> Option<PlanMedia> {
        let text = match media.to_ascii_lowercase().as_str() {
            "application/vnd.pgrst.plan" | "application/vnd.pgrst.plan+text" => true,
            "application/vnd.pgrst.plan+json" => false,
            _ => return None,
        };
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim_matches('"'))
        };
        let target = match param("for") {
            Some(target) => MediaType::parse(target, params, offers)?,
            None => MediaType::Json { stripped: false },
        };
        let mut explain = Explain {
            text,
            ..Explain::default()
        };
        for option in param("options").unwrap_or_default().split('|') {
            match option {
                "analyze" => explain.analyze = true,
                "verbose" => explain.verbose = true,
                "settings" => explain.settings = true,
                "buffers" => explain.buffers = true,
                "wal" => explain.wal = true,
                "" => {}
                _ => return None,
            }
        }
        Some(PlanMedia { target, explain })
    }
}

/// What a read may answer: rows in a media type, or the plan of the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    Rows(MediaType),
    Plan(PlanMedia),
}

/// One entry of `Accept`: its quality, its type and its parameters.
type MediaRange<'a> = (f32, &'a str, Vec<(&'a str, &'a str)>);

/// The first row media type of `Accept`, by q-value and then client order (none: JSON).
pub fn negotiate(headers: &HeaderMap, offers: Offers) -> Result<MediaType, RequestError> {
    let offers = Offers {
        plans: false,
        ..offers
    };
    match accepted(headers, offers)? {
        Accepted::Rows(media) => Ok(media),
        Accepted::Plan(plan) => Ok(plan.target),
    }
}

/// As [`negotiate`], also offering the statement's plan when `offers.plans`.
pub fn accepted(headers: &HeaderMap, offers: Offers) -> Result<Accepted, RequestError> {
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
        return Ok(Accepted::Rows(MediaType::Json { stripped: false }));
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges
        .iter()
        .filter(|(q, _, _)| *q > 0.0)
        .find_map(|(_, media, params)| {
            MediaType::parse(media, params, offers)
                .map(Accepted::Rows)
                .or_else(|| {
                    offers
                        .plans
                        .then(|| PlanMedia::parse(media, params, offers).map(Accepted::Plan))
                        .flatten()
                })
        })
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
        negotiate(&headers, Offers::default())
    }

    #[test]
    fn plans_only_when_enabled() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/vnd.pgrst.plan+json; for=\"text/csv\"; options=analyze|verbose",
            ),
        );
        let plan = PlanMedia {
            target: MediaType::Csv,
            explain: Explain {
                analyze: true,
                verbose: true,
                ..Explain::default()
            },
        };
        let plans = Offers {
            plans: true,
            geojson: false,
        };
        assert_eq!(accepted(&headers, plans), Ok(Accepted::Plan(plan)));
        assert_eq!(
            plan.content_type(),
            "application/vnd.pgrst.plan+json; for=\"text/csv\"; charset=utf-8"
        );
        assert!(accepted(&headers, Offers::default()).is_err());
    }

    #[test]
    fn picks_by_quality_then_order() {
        assert_eq!(
            negotiate(&HeaderMap::new(), Offers::default()),
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
