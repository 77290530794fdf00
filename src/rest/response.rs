//! Shaping HTTP responses around the body Postgres built.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::headers::Preferences;
use crate::db::Output;

const JSON: &str = "application/json; charset=utf-8";

/// `Content-Range` of a page of `rows` rows starting at `offset`; the total is not counted.
fn content_range(offset: u64, rows: i64) -> String {
    match u64::try_from(rows) {
        Ok(rows) if rows > 0 => format!("{offset}-{}/*", offset + rows - 1),
        _ => "*/*".to_owned(),
    }
}

pub fn read(offset: u64, output: Output) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, JSON.to_owned()),
            (
                header::CONTENT_RANGE,
                content_range(offset, output.page_total),
            ),
        ],
        output.body,
    )
        .into_response()
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
    if let Some(applied) = preferences.applied() {
        headers.insert("preference-applied", HeaderValue::from_static(applied));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::content_range;

    #[test]
    fn content_range_of_pages() {
        assert_eq!(content_range(0, 2), "0-1/*");
        assert_eq!(content_range(10, 5), "10-14/*");
        assert_eq!(content_range(3, 0), "*/*");
    }
}
