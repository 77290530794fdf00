//! `GET /` and `GET /openapi.json`: the OpenAPI document of the profile's schema, as
//! `openapi-mode` says: what the caller's role may use, everything, or 404 `PGRST126`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::context::RequestContext;
use crate::db::Access;
use crate::error::ApiError;
use crate::openapi::{self, Mode, OpenApiError};
use crate::rest::RequestError;

const OPENAPI_JSON: &str = "application/openapi+json; charset=utf-8";

/// `GET /`: the document, for clients that accept OpenAPI, JSON or anything.
pub async fn openapi_root(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
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
    openapi_document(State(app), method, uri, headers).await
}

/// The document of the schema named by `Accept-Profile` (default: the first exposed one).
pub async fn openapi_document(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if app.settings.openapi_mode == Mode::Disabled {
        return Err(OpenApiError::Disabled.into());
    }
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
    let Some(schema) = schema else {
        return Ok(document("{}".into()));
    };
    let json = match app.settings.openapi_mode {
        Mode::Disabled | Mode::IgnorePrivileges => api.openapi(schema),
        Mode::FollowPrivileges => {
            let caller =
                RequestContext::new(&app.auth, &app.settings.request, &method, &uri, &headers)
                    .await?;
            let settings = caller.settings(api.search_path(schema));
            let statement = openapi::privileges_statement(schema);
            let privileges = app
                .db
                .run(&settings, Access::ReadOnly, statement)
                .await
                .map_err(|e| e.into_api_error(caller.identity.authenticated))?;
            api.openapi_granted(schema, privileges.body)?
        }
    };
    Ok(document(json.as_ref().to_owned()))
}

fn document(json: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, OPENAPI_JSON)], json).into_response()
}
