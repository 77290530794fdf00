//! `GET /` and `GET /openapi.json`: the OpenAPI document of the profile's schema.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::rest::RequestError;

const OPENAPI_JSON: &str = "application/openapi+json; charset=utf-8";

/// `GET /`: the document, for clients that accept OpenAPI, JSON or anything.
pub async fn openapi_root(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    let types: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or_default().trim())
        .collect();
    let served = [
        "application/openapi+json",
        "application/json",
        "application/*",
        "*/*",
    ];
    if !types.iter().any(|t| served.contains(t)) {
        return Err(RequestError::NotAcceptable(types.join(", ")).into());
    }
    openapi_document(State(app), headers).await
}

/// The document of the schema named by `Accept-Profile` (default: the first exposed one).
pub async fn openapi_document(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let api = app.api();
    let requested = headers
        .get("accept-profile")
        .map(|v| String::from_utf8_lossy(v.as_bytes()));
    let schema = match requested {
        None => api.cache.schemas.first(),
        Some(name) => Some(
            api.cache
                .schema(&name)
                .ok_or_else(|| RequestError::InvalidSchema {
                    schema: name.into_owned(),
                    exposed: api.cache.schemas.iter().map(ToString::to_string).collect(),
                })?,
        ),
    };
    let document = schema.map_or("{}", |s| api.openapi(s)).to_owned();
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, OPENAPI_JSON)],
        document,
    )
        .into_response())
}
