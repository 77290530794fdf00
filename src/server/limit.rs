//! `server-max-body-size`: a larger request body gets 413, before any handler reads it.
//!
//! The body is read here, up to the limit, so that a body without a `Content-Length` (chunked)
//! is held to it as well; handlers buffer whole bodies anyway.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::LengthLimitError;

use crate::error::ApiError;

/// The middleware (`axum::middleware::from_fn_with_state`), with the limit in bytes.
pub async fn limit_body(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(limit);
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(error) if is_length_limit(&error) => too_large(limit),
        Err(error) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "PGRST102",
            "Could not read the request body",
        )
        .details(error.to_string())
        .into_response(),
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.is::<LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

fn too_large(limit: usize) -> Response {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PGWAY413",
        "The request body is too large",
    )
    .details(format!(
        "The limit is {limit} bytes; server-max-body-size sets it."
    ))
    .into_response()
}
