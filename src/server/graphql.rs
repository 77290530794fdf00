//! HTTP for GraphQL: `POST` runs an operation as the caller, `GET` serves GraphiQL.

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

pub async fn graphiql(State(app): State<Arc<App>>) -> Html<String> {
    let endpoint = &app.settings.graphql_path;
    graphql::graphiql::page(endpoint, &format!("{endpoint}/assets"))
}

pub async fn execute(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let context = match RequestContext::new(
        &app.auth,
        &app.settings.request,
        &method,
        &uri,
        &headers,
    )
    .await
    {
        Ok(context) => context,
        Err(error) => return graphql_error(ApiError::from(error)),
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return graphql_error(ApiError::new(
                StatusCode::BAD_REQUEST,
                "PGRST102",
                format!("Invalid GraphQL request body: {e}"),
            ));
        }
    };
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
