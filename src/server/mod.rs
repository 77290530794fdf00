//! The HTTP servers: the API router (REST, GraphQL, the OpenAPI document and the UIs) with its
//! layers (request ids, logs and metrics, body limit, CORS), the admin server, and serving with
//! graceful shutdown. Handlers live with their interface (`rest`, `graphql`).

pub mod admin;
mod cors;
mod graphql;
mod limit;
mod observe;
mod root;
mod shutdown;
pub mod trace;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

pub use shutdown::Shutdown;

use crate::app::App;
use crate::error::ApiError;
use crate::rest::{self, RequestError};

/// Where the OpenAPI document is served besides `GET /`.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Every route of the API, with its layers.
pub fn router(app: Arc<App>) -> Router {
    let graphql_path = app.settings.graphql_path.clone();
    let assets = format!("{graphql_path}/assets");
    Router::new()
        .route("/", get(root::openapi_root))
        .route(OPENAPI_PATH, get(root::openapi_document))
        .route(&graphql_path, get(graphql::get).post(graphql::execute))
        .merge(crate::graphql::graphiql::asset_routes(&assets))
        .merge(crate::openapi::swagger_ui(
            &app.settings.docs_path,
            OPENAPI_PATH,
        ))
        .merge(rest::router())
        .fallback(invalid_path)
        .layer(DefaultBodyLimit::max(app.settings.max_body_size))
        .layer(middleware::from_fn_with_state(
            app.settings.max_body_size,
            limit::limit_body,
        ))
        .layer(cors::layer(&app.settings.cors_allowed_origins))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            observe::observe,
        ))
        .with_state(app)
}

async fn invalid_path(uri: Uri) -> ApiError {
    tracing::debug!(path = uri.path(), "no route");
    RequestError::InvalidPath.into()
}

/// The app once started, shared by the servers, which run before: until then the API answers
/// 503 PGRST002 and the admin server says not ready.
#[derive(Clone, Default)]
pub struct Slot(Arc<OnceLock<Started>>);

struct Started {
    app: Arc<App>,
    router: Router,
}

impl Slot {
    /// Puts the started app in; only the first call counts.
    pub fn fill(&self, app: Arc<App>) {
        let router = router(app.clone());
        // A second app would be a bug of the caller's; the first keeps serving.
        let _ = self.0.set(Started { app, router });
    }

    pub fn app(&self) -> Option<&Arc<App>> {
        self.0.get().map(|started| &started.app)
    }

    /// A router that hands every request to the app's once it has started.
    pub fn router(&self) -> Router {
        let slot = self.clone();
        Router::new().fallback(move |request: Request| {
            let slot = slot.clone();
            async move {
                match slot.0.get() {
                    Some(started) => match started.router.clone().oneshot(request).await {
                        Ok(response) => response,
                        Err(infallible) => match infallible {},
                    },
                    None => no_schema_cache(),
                }
            }
        })
    }
}

/// PostgREST's answer while there is no schema cache yet.
fn no_schema_cache() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "PGRST002",
        "Could not query the database for the schema cache. Retrying.",
    )
    .into_response()
}

/// Binds the listening socket, so that the server is reachable once this returns.
pub async fn bind(address: SocketAddr, what: &str) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(address).await?;
    tracing::info!("{what} listening on http://{}", listener.local_addr()?);
    Ok(listener)
}

/// Serves `router` until `shutdown`, then stops accepting and lets in-flight requests finish
/// for up to `grace`; returns when they have, or when `grace` is over (then requests still
/// running go on until `App::cut_requests`).
pub async fn serve(
    router: Router,
    listener: TcpListener,
    shutdown: Shutdown,
    grace: Duration,
) -> std::io::Result<()> {
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown.clone().requested())
        .into_future();
    let grace_over = async {
        shutdown.requested().await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server => served,
        () = grace_over => {
            tracing::warn!(
                "the shutdown grace period ({} s) is over; ending the requests still running",
                grace.as_secs_f64()
            );
            Ok(())
        }
    }
}
