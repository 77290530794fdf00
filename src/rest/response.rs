//! Shaping HTTP responses around the body Postgres built.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::RequestError;
use super::headers::{Preferences, ReturnPreference};
use super::media::MediaType;
use crate::db::Output;
use crate::error::ApiError;
use crate::plan::Resolution;

/// `Content-Range` of a page of `rows` rows starting at `offset`, out of `total` if counted.
fn content_range(offset: u64, rows: i64, total: Option<i64>) -> String {
    let total = total.map_or("*".to_owned(), |t| t.to_string());
    match u64::try_from(rows) {
        Ok(rows) if rows > 0 => format!("{offset}-{}/{total}", offset + rows - 1),
        _ => format!("*/{total}"),
    }
}

/// The status of a page of rows: 200, or 206 when a counted total has more rows than the page;
/// PGRST103 (416) when the page starts past the total. With its `Content-Range`.
fn page_status(offset: u64, output: &Output) -> Result<(StatusCode, String), ApiError> {
    let range = content_range(offset, output.page_total, output.total);
    match output.total {
        Some(total) if offset > 0 && i64::try_from(offset).unwrap_or(i64::MAX) > total => {
            let error: ApiError = RequestError::InvalidRange(format!(
                "An offset of {offset} was requested, but there are only {total} rows."
            ))
            .into();
            let range = HeaderValue::from_str(&range).unwrap_or(HeaderValue::from_static("*/*"));
            Err(error.header(header::CONTENT_RANGE, range))
        }
        Some(total) if output.page_total < total => Ok((StatusCode::PARTIAL_CONTENT, range)),
        _ => Ok((StatusCode::OK, range)),
    }
}

/// A read: 200, 206 or 416 (see [`page_status`]); PGRST116 when one object was asked for and
/// not exactly one row came.
pub fn read(
    media: MediaType,
    offset: u64,
    output: Output,
    preferences: &Preferences,
    location: String,
) -> Result<Response, ApiError> {
    if let MediaType::Object { .. } = media {
        singular(output.page_total)?;
    }
    let (status, range) = page_status(offset, &output)?;
    let (body, overrides) = Overrides::split(output);
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, media.content_type().to_owned()),
            (header::CONTENT_RANGE, range),
            (header::CONTENT_LOCATION, location),
            (header::VARY, "Accept, Prefer, Range".to_owned()),
        ],
        body,
    )
        .into_response();
    preference_applied(&mut response, preferences);
    overrides.apply(response)
}

/// A function's result, shaped as a read's page (without `Content-Location`); 204 without a
/// body when the function returns `void`.
pub fn call(
    media: MediaType,
    offset: u64,
    output: Output,
    preferences: &Preferences,
    void: bool,
) -> Result<Response, ApiError> {
    if let MediaType::Object { .. } = media {
        singular(output.page_total)?;
    }
    let (status, range) = page_status(offset, &output)?;
    let (body, overrides) = Overrides::split(output);
    let mut response = if void {
        (StatusCode::NO_CONTENT, [(header::CONTENT_RANGE, range)]).into_response()
    } else {
        (
            status,
            [
                (header::CONTENT_TYPE, media.content_type().to_owned()),
                (header::CONTENT_RANGE, range),
            ],
            body,
        )
            .into_response()
    };
    preference_applied(&mut response, preferences);
    overrides.apply(response)
}

fn preference_applied(response: &mut Response, preferences: &Preferences) {
    if let Some(applied) = preferences
        .applied()
        .and_then(|a| HeaderValue::from_str(&a).ok())
    {
        response.headers_mut().insert("preference-applied", applied);
    }
}

/// The check of a write's or call's output before its transaction ends: more rows than
/// `max-affected` (PGRST124), or not exactly one row for a singular media type (PGRST116), roll
/// it back.
pub fn check(
    max_affected: Option<u64>,
    one_row: bool,
) -> impl Fn(&Output) -> Result<(), ApiError> + Send + Sync {
    move |output: &Output| {
        let rows = output.page_total;
        if max_affected.is_some_and(|max| u64::try_from(rows).is_ok_and(|n| n > max)) {
            return Err(RequestError::MaxAffected(rows).into());
        }
        if one_row {
            singular(rows)?;
        }
        Ok(())
    }
}

/// PGRST116 unless exactly one row.
pub fn singular(rows: i64) -> Result<(), ApiError> {
    if rows == 1 {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "PGRST116",
        "Cannot coerce the result to a single JSON object",
    )
    .details(format!("The result contains {rows} rows")))
}

/// `POST`: 201 (200 for a merging upsert that inserted nothing), with the rows when they were
/// asked for, or their `Location` when `location` is the relation's path.
pub fn created(
    preferences: &Preferences,
    media: MediaType,
    output: Output,
    location: Option<&str>,
) -> Result<Response, ApiError> {
    let merged_only =
        preferences.resolution == Some(Resolution::MergeDuplicates) && output.inserted == Some(0);
    let status = if merged_only {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let range = format!(
        "*/{}",
        output.total.map_or("*".to_owned(), |t| t.to_string())
    );
    let (body, overrides) = Overrides::split(output);
    let mut response = match location {
        Some(path) => {
            let mut response = status.into_response();
            if let Some(location) =
                row_location(path, &body).and_then(|l| HeaderValue::from_str(&l).ok())
            {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        None => with_body(status, preferences, media, body),
    };
    finish(&mut response, preferences, &range);
    overrides.apply(response)
}

/// `PUT`: 204, or with the row 201 when it was inserted and 200 when it replaced one.
pub fn replaced(
    preferences: &Preferences,
    media: MediaType,
    output: Output,
) -> Result<Response, ApiError> {
    let status = match (preferences.return_, output.inserted) {
        (Some(ReturnPreference::Representation), Some(0)) => StatusCode::OK,
        (Some(ReturnPreference::Representation), _) => StatusCode::CREATED,
        _ => StatusCode::NO_CONTENT,
    };
    let range = content_range(0, output.page_total, output.total);
    let (body, overrides) = Overrides::split(output);
    let mut response = with_body(status, preferences, media, body);
    finish(&mut response, preferences, &range);
    overrides.apply(response)
}

/// `PATCH` and `DELETE`: 204, or 200 with the changed rows.
pub fn changed(
    preferences: &Preferences,
    media: MediaType,
    output: Output,
) -> Result<Response, ApiError> {
    let status = match preferences.return_ {
        Some(ReturnPreference::Representation) => StatusCode::OK,
        _ => StatusCode::NO_CONTENT,
    };
    let range = content_range(0, output.page_total, output.total);
    let (body, overrides) = Overrides::split(output);
    let mut response = with_body(status, preferences, media, body);
    finish(&mut response, preferences, &range);
    overrides.apply(response)
}

/// The body Postgres built when the representation was asked for, else none.
fn with_body(
    status: StatusCode,
    preferences: &Preferences,
    media: MediaType,
    body: String,
) -> Response {
    match preferences.return_ {
        Some(ReturnPreference::Representation) => {
            (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response()
        }
        _ => status.into_response(),
    }
}

fn finish(response: &mut Response, preferences: &Preferences, range: &str) {
    let headers = response.headers_mut();
    if let Ok(range) = HeaderValue::from_str(range) {
        headers.insert(header::CONTENT_RANGE, range);
    }
    if let Some(applied) = preferences
        .applied()
        .and_then(|a| HeaderValue::from_str(&a).ok())
    {
        headers.insert("preference-applied", applied);
    }
}

/// `/relation?pk=eq.value` of the first row of a JSON array of primary keys.
fn row_location(path: &str, rows: &str) -> Option<String> {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(rows).ok()?;
    let key = rows.into_iter().next()?;
    let filters: Vec<String> = key
        .into_iter()
        .map(|(column, value)| {
            let value = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            let value: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            format!("{column}=eq.{value}")
        })
        .collect();
    Some(format!("{path}?{}", filters.join("&")))
}

/// What the statement's work asked of the response through `response.status` and
/// `response.headers`.
struct Overrides {
    headers: Option<String>,
    status: Option<String>,
}

impl Overrides {
    fn split(output: Output) -> (String, Overrides) {
        let overrides = Overrides {
            headers: output.response_headers,
            status: output.response_status,
        };
        (output.body, overrides)
    }

    /// The status replaces the response's; each header replaces those of its name (a name may
    /// repeat). PGRST111 / PGRST112 (500) when a setting is not what PostgREST accepts.
    fn apply(self, mut response: Response) -> Result<Response, ApiError> {
        if let Some(status) = self.status {
            *response.status_mut() = status
                .trim()
                .parse::<u16>()
                .ok()
                .and_then(|code| StatusCode::from_u16(code).ok())
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "PGRST112",
                        "response.status guc must be a valid status code",
                    )
                })?;
        }
        if let Some(headers) = self.headers {
            let headers = guc_headers(&headers).ok_or_else(|| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "PGRST111",
                    "response.headers guc must be a JSON array composed of objects with a single key and a string value",
                )
            })?;
            let map = response.headers_mut();
            for (name, _) in &headers {
                map.remove(name);
            }
            for (name, value) in headers {
                map.append(name, value);
            }
        }
        Ok(response)
    }
}

/// `[{"Name": "value"}, …]`, each object with one key and a string value.
fn guc_headers(json: &str) -> Option<Vec<(HeaderName, HeaderValue)>> {
    let items: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(json).ok()?;
    items
        .into_iter()
        .map(|item| {
            let mut entries = item.into_iter();
            match (entries.next(), entries.next()) {
                (Some((name, serde_json::Value::String(value))), None) => Some((
                    HeaderName::from_bytes(name.as_bytes()).ok()?,
                    HeaderValue::from_str(&value).ok()?,
                )),
                _ => None,
            }
        })
        .collect()
}

/// `/path?query` with the parameters sorted, as PostgREST's `Content-Location`.
pub fn location(path: &str, query: Option<&str>) -> String {
    let mut params: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    if params.is_empty() {
        return path.to_owned();
    }
    params.sort_unstable();
    format!("{path}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_of_pages() {
        assert_eq!(content_range(0, 2, None), "0-1/*");
        assert_eq!(content_range(10, 5, Some(100)), "10-14/100");
        assert_eq!(content_range(3, 0, None), "*/*");
        assert_eq!(content_range(0, 0, Some(0)), "*/0");
    }

    #[test]
    fn response_headers_setting() {
        let name = |n: &'static str| HeaderName::from_static(n);
        assert_eq!(
            guc_headers(
                r#"[{"Cache-Control": "public"}, {"Set-Cookie": "a=1"}, {"Set-Cookie": "b=2"}]"#
            ),
            Some(vec![
                (name("cache-control"), HeaderValue::from_static("public")),
                (name("set-cookie"), HeaderValue::from_static("a=1")),
                (name("set-cookie"), HeaderValue::from_static("b=2")),
            ])
        );
        assert_eq!(guc_headers("[]"), Some(Vec::new()));
        for bad in [
            r#"{"A": "b"}"#,
            r#"[{"A": "b", "C": "d"}]"#,
            r#"[{"A": 1}]"#,
            r#"[{}]"#,
            r#"[{"bad name": "x"}]"#,
            r#"[{"A": "line\nbreak"}]"#,
            "not json",
        ] {
            assert_eq!(guc_headers(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_location_sorts_parameters() {
        assert_eq!(
            location("/people", Some("select=name&age=gte.18")),
            "/people?age=gte.18&select=name"
        );
        assert_eq!(location("/people", None), "/people");
    }
}
