//! Shaping HTTP responses around the body Postgres built.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::RequestError;
use super::headers::Preferences;
use super::media::MediaType;
use crate::db::Output;
use crate::error::ApiError;

const JSON: &str = "application/json; charset=utf-8";

/// `Content-Range` of a page of `rows` rows starting at `offset`, out of `total` if counted.
fn content_range(offset: u64, rows: i64, total: Option<i64>) -> String {
    let total = total.map_or("*".to_owned(), |t| t.to_string());
    match u64::try_from(rows) {
        Ok(rows) if rows > 0 => format!("{offset}-{}/{total}", offset + rows - 1),
        _ => format!("*/{total}"),
    }
}

/// A read: 200, or 206 when a counted total has more rows than the page, or 416 when the page
/// starts past the total; PGRST116 when one object was asked for and not exactly one row came.
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
    let range = content_range(offset, output.page_total, output.total);
    let status = match output.total {
        Some(total) if offset > 0 && i64::try_from(offset).unwrap_or(i64::MAX) > total => {
            let error: ApiError = RequestError::InvalidRange(format!(
                "An offset of {offset} was requested, but there are only {total} rows."
            ))
            .into();
            let range = HeaderValue::from_str(&range).unwrap_or(HeaderValue::from_static("*/*"));
            return Err(error.header(header::CONTENT_RANGE, range));
        }
        Some(total) if output.page_total < total => StatusCode::PARTIAL_CONTENT,
        _ => StatusCode::OK,
    };
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, media.content_type().to_owned()),
            (header::CONTENT_RANGE, range),
            (header::CONTENT_LOCATION, location),
            (header::VARY, "Accept, Prefer, Range".to_owned()),
        ],
        output.body,
    )
        .into_response();
    if let Some(applied) = preferences
        .applied()
        .and_then(|a| HeaderValue::from_str(&a).ok())
    {
        response.headers_mut().insert("preference-applied", applied);
    }
    Ok(response)
}

/// PGRST116 unless exactly one row.
fn singular(rows: i64) -> Result<(), ApiError> {
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

/// 201, with the inserted rows when they were asked for.
pub fn created(preferences: &Preferences, representation: Option<Output>) -> Response {
    let mut response = match representation {
        Some(output) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, JSON)],
            output.body,
        )
            .into_response(),
        None => StatusCode::CREATED.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_RANGE, HeaderValue::from_static("*/*"));
    if let Some(applied) = preferences
        .applied()
        .and_then(|a| HeaderValue::from_str(&a).ok())
    {
        headers.insert("preference-applied", applied);
    }
    response
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
    fn content_location_sorts_parameters() {
        assert_eq!(
            location("/people", Some("select=name&age=gte.18")),
            "/people?age=gte.18&select=name"
        );
        assert_eq!(location("/people", None), "/people");
    }
}
