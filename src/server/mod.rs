//! The HTTP server: one router for REST, GraphQL, the OpenAPI document and the UIs, and the
//! listener with graceful shutdown. Handlers live with their interface (`rest`, `graphql`).

mod cors;
mod graphql;
mod root;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::Uri;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::app::App;
use crate::error::ApiError;
use crate::rest::{self, RequestError};

/// Where the OpenAPI document is served besides `GET /`.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Every route of the API.
pub fn router(app: Arc<App>) -> Router {
    let graphql_path = app.settings.graphql_path.clone();
    let assets = format!("{graphql_path}/assets");
    Router::new()
        .route("/", get(root::openapi_root))
        .route(OPENAPI_PATH, get(root::openapi_document))
        .route(&graphql_path, get(graphql::graphiql).post(graphql::execute))
        .merge(crate::graphql::graphiql::asset_routes(&assets))
        .merge(crate::openapi::swagger_ui(
            &app.settings.docs_path,
            OPENAPI_PATH,
        ))
        .merge(rest::router())
        .fallback(invalid_path)
        .layer(cors::layer(&app.settings.cors_allowed_origins))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

async fn invalid_path(uri: Uri) -> ApiError {
    tracing::debug!(path = uri.path(), "no route");
    RequestError::InvalidPath.into()
}

/// Binds the listening socket, so that the server is reachable once this returns.
pub async fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(address).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    Ok(listener)
}

/// Serves `router` until `shutdown` completes, letting in-flight requests finish.
pub async fn serve(
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
