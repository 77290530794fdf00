//! HTTP for GraphQL: `POST` runs an operation as the caller, and so does `GET` with the
//! operation in its URL (`query`, `operationName`, `variables`, `extensions`; no mutations, as
//! GraphQL over HTTP has it); a `GET` without them serves GraphiQL. A persisted query's hash
//! (`extensions.persistedQuery`) stands for its text with either method.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::app::App;
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::graphql::{self, RequestData};

fn graphiql(app: &App) -> Html<String> {
    let endpoint = &app.settings.graphql_path;
    graphql::graphiql::page(endpoint, &format!("{endpoint}/assets"))
}

/// `GET`: the operation in the URL's parameters, or GraphiQL when there is none.
pub async fn get(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let params: serde_json::Map<String, serde_json::Value> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned().into()))
            .collect();
    if !params.contains_key("query") && !params.contains_key("extensions") {
        return graphiql(&app).into_response();
    }
    let request = request_of_params(params);
    run(&app, &method, &uri, &headers, request).await
}

/// The request a `GET`'s parameters make: `variables` and `extensions` are JSON text.
fn request_of_params(
    mut params: serde_json::Map<String, serde_json::Value>,
) -> Result<async_graphql::Request, String> {
    for name in ["variables", "extensions"] {
        if let Some(serde_json::Value::String(text)) = params.get(name) {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            params.insert(name.to_owned(), value);
        }
    }
    serde_json::from_value(serde_json::Value::Object(params)).map_err(|e| e.to_string())
}

/// `POST`: the operation in the JSON body.
pub async fn execute(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = serde_json::from_slice(&body).map_err(|e| e.to_string());
    run(&app, &method, &uri, &headers, request).await
}

async fn run(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    request: Result<async_graphql::Request, String>,
) -> Response {
    let context =
        match RequestContext::new(&app.auth, &app.settings.request, method, uri, headers).await {
            Ok(context) => context,
            Err(error) => return graphql_error(ApiError::from(error)),
        };
    let mut request = match request {
        Ok(request) => request,
        Err(e) => {
            return graphql_error(ApiError::new(
                StatusCode::BAD_REQUEST,
                "PGRST102",
                format!("Invalid GraphQL request body: {e}"),
            ));
        }
    };
    if let Err(e) = app.persisted_queries.resolve(&mut request) {
        // As Apollo's servers answer it, which its clients expect.
        return graphql_error(ApiError::new(StatusCode::OK, e.code, e.message));
    }
    if method == Method::GET && graphql::writes(&mut request) {
        return graphql_error(
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "PGRST117",
                "Mutations are only run for POST requests",
            )
            .header(header::ALLOW, axum::http::HeaderValue::from_static("POST")),
        );
    }
    let api = app.api();
    let Some(schema) = api.cache.schemas.first() else {
        return graphql_error(ApiError::new(
            StatusCode::NOT_FOUND,
            "PGRST106",
            "No schema is exposed",
        ));
    };
    let data = RequestData {
        db: app.db.clone(),
        context,
        search_path: api.search_path(schema).to_owned(),
        end: app.settings.tx_end.end,
    };
    let response = graphql::execute(&api.graphql, request, data).await;
    let body = serde_json::to_string(&response).unwrap_or_else(|e| {
        json!({"errors": [{"message": format!("cannot serialise the response: {e}")}]}).to_string()
    });
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

/// An error before execution, as GraphQL clients expect it, with the HTTP status and headers
/// the REST API would give.
fn graphql_error(error: ApiError) -> Response {
    let body = json!({
        "errors": [{"message": error.message, "extensions": {"code": error.code}}]
    });
    let mut response = (
        error.status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    for (name, value) in error.headers {
        response.headers_mut().append(name, value);
    }
    response
}
