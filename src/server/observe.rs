//! One log line and one metric sample per request, under a request id.
//!
//! The id is the `server-trace-header` (`X-Request-Id` by default) the client sent, or a new
//! one; it is echoed in the response and names the tracing span everything the request logs
//! is in. The line names the role the request ran as, and with `server-timing-enabled` the
//! response gets a `Server-Timing` header, both from the request's [`Trace`]. A request whose
//! client went away before the answer is logged and counted as 499; one still running when the
//! shutdown grace period ends is answered 503 and dropped.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument as _;

use crate::app::{App, Settings};
use crate::error::ApiError;
use crate::metrics::RouteKind;

use super::trace::Trace;

/// Longest request id taken from a client; longer ones are replaced.
const MAX_ID_LENGTH: usize = 200;
/// The status counted for a request whose client went away (nginx's convention).
const CLIENT_CLOSED: u16 = 499;
const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn observe(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let header = &app.settings.trace_header;
    let id = request
        .headers()
        .get(header)
        .filter(|id| !id.is_empty() && id.len() <= MAX_ID_LENGTH)
        .cloned()
        .unwrap_or_else(new_id);
    let mut pending = Pending {
        app: app.clone(),
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        route: route_kind(request.uri().path(), &app.settings),
        id: id.clone(),
        started: Instant::now(),
        trace: Trace::default(),
        answered: false,
    };
    let span = tracing::info_span!("request", id = %String::from_utf8_lossy(id.as_bytes()));
    let mut response = tokio::select! {
        biased;
        response = pending.trace.run(next.run(request)).instrument(span) => response,
        () = app.requests_cut() => shutting_down(),
    };
    let timing = app
        .settings
        .server_timing
        .then(|| pending.trace.server_timing())
        .flatten()
        .and_then(|timing| HeaderValue::try_from(timing).ok());
    pending.finish(response.status().as_u16());
    let headers = response.headers_mut();
    headers.insert(header.clone(), id);
    if let Some(timing) = timing {
        headers.insert(SERVER_TIMING, timing);
    }
    response
}

/// The answer of a request cut short by shutdown (its statement is cancelled as it is dropped).
fn shutting_down() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "PGWAY503",
        "The server is shutting down",
    )
    .details("The request took longer than server-shutdown-grace-period.")
    .into_response()
}

/// A request on its way; logged and counted once answered, or when dropped unanswered.
struct Pending {
    app: Arc<App>,
    method: Method,
    path: String,
    route: RouteKind,
    id: HeaderValue,
    started: Instant,
    trace: Trace,
    answered: bool,
}

impl Pending {
    fn finish(&mut self, status: u16) {
        self.answered = true;
        let elapsed = self.started.elapsed();
        self.app.metrics.request(self.route, status, elapsed);
        // `-` for a request that never got as far as knowing its role.
        let role = self.trace.role();
        tracing::info!(
            target: "pgway::request",
            id = %String::from_utf8_lossy(self.id.as_bytes()),
            "{} {} {status} {:.1} ms {}",
            self.method,
            self.path,
            elapsed.as_secs_f64() * 1000.0,
            role.as_deref().unwrap_or("-"),
        );
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.answered {
            self.finish(CLIENT_CLOSED);
        }
    }
}

/// What a path is for, for the metrics.
fn route_kind(path: &str, settings: &Settings) -> RouteKind {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if path == "/" || path == super::OPENAPI_PATH {
        RouteKind::Openapi
    } else if under(&settings.graphql_path) {
        RouteKind::Graphql
    } else if under(&settings.docs_path) {
        RouteKind::Docs
    } else if path.starts_with("/rpc/") {
        RouteKind::Rpc
    } else {
        RouteKind::Relation
    }
}

/// 32 hex digits, unique within the process and unpredictable across processes.
fn new_id() -> HeaderValue {
    static KEYS: LazyLock<std::collections::hash_map::RandomState> =
        LazyLock::new(Default::default);
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let id = format!("{:016x}{:016x}", KEYS.hash_one(n), KEYS.hash_one(!n));
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Sources};

    #[test]
    fn routes_are_told_apart_by_path() {
        let settings = Settings::from_config(&Config::from_sources(&Sources::default()).unwrap());
        let cases = [
            ("/", RouteKind::Openapi),
            ("/openapi.json", RouteKind::Openapi),
            ("/graphql", RouteKind::Graphql),
            ("/graphql/assets/graphiql.js", RouteKind::Graphql),
            ("/graphqlish", RouteKind::Relation),
            ("/docs/index.html", RouteKind::Docs),
            ("/rpc/add_them", RouteKind::Rpc),
            ("/people", RouteKind::Relation),
        ];
        for (path, kind) in cases {
            assert_eq!(route_kind(path, &settings), kind, "{path}");
        }
    }

    #[test]
    fn made_up_ids_differ() {
        let ids: std::collections::BTreeSet<_> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
