//! Shaping HTTP responses around the body Postgres built.

use axum::http::{HeaderValue, StatusCode, header};
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
) -> Response {
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
    let mut response = match location {
        Some(path) => {
            let mut response = status.into_response();
            if let Some(location) =
                row_location(path, &output.body).and_then(|l| HeaderValue::from_str(&l).ok())
            {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        None => with_body(status, preferences, media, output.body),
    };
    finish(&mut response, preferences, &range);
    response
}

/// `PUT`: 204, or with the row 201 when it was inserted and 200 when it replaced one.
pub fn replaced(preferences: &Preferences, media: MediaType, output: Output) -> Response {
    let status = match (preferences.return_, output.inserted) {
        (Some(ReturnPreference::Representation), Some(0)) => StatusCode::OK,
        (Some(ReturnPreference::Representation), _) => StatusCode::CREATED,
        _ => StatusCode::NO_CONTENT,
    };
    let range = content_range(0, output.page_total, output.total);
    let mut response = with_body(status, preferences, media, output.body);
    finish(&mut response, preferences, &range);
    response
}

/// `PATCH` and `DELETE`: 204, or 200 with the changed rows.
pub fn changed(preferences: &Preferences, media: MediaType, output: Output) -> Response {
    let status = match preferences.return_ {
        Some(ReturnPreference::Representation) => StatusCode::OK,
        _ => StatusCode::NO_CONTENT,
    };
    let range = content_range(0, output.page_total, output.total);
    let mut response = with_body(status, preferences, media, output.body);
    finish(&mut response, preferences, &range);
    response
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
