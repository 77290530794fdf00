//! The admin server (`admin-server-port`): health checks, metrics and the schema cache, apart
//! from the API so that they are never exposed with it.
//!
//! - `GET /live`: 200 while the process serves at all.
//! - `GET /ready`: 200 once the schema cache is loaded and while the database is reachable,
//!   503 otherwise.
//! - `GET /metrics`: the Prometheus text format (503 until started).
//! - `GET /schema_cache`: the schema cache as JSON (503 until started).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Slot;
use crate::metrics;

pub fn router(slot: Slot) -> Router {
    Router::new()
        .route("/live", get(StatusCode::OK))
        .route("/ready", get(ready))
        .route("/metrics", get(render_metrics))
        .route("/schema_cache", get(schema_cache))
        .with_state(slot)
}

async fn ready(State(slot): State<Slot>) -> StatusCode {
    match slot.app() {
        Some(app) if app.is_ready() => StatusCode::OK,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn render_metrics(State(slot): State<Slot>) -> Response {
    let Some(app) = slot.app() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        app.metrics.render(app),
    )
        .into_response()
}

async fn schema_cache(State(slot): State<Slot>) -> Response {
    let Some(app) = slot.app() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match serde_json::to_string(&*app.api().cache) {
        Ok(json) => (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            json,
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}
