//! CORS as PostgREST answers it: any origin unless `server-cors-allowed-origins` lists them,
//! the methods of the API, the request's own headers, and the headers clients need to read.
//!
//! Only a real preflight (an `OPTIONS` with `Access-Control-Request-Method`) gets the CORS
//! answer; a plain `OPTIONS` reaches the API, which answers what a relation allows.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::response::Response;
use tower::{Layer, Service};
use tower_http::cors::{AllowHeaders, AllowOrigin, Cors, CorsLayer};

/// Preflight answers may be cached for a day.
const MAX_AGE: Duration = Duration::from_secs(86_400);

pub fn layer(allowed_origins: &[String]) -> PreflightLayer {
    PreflightLayer(cors(allowed_origins))
}

fn cors(allowed_origins: &[String]) -> CorsLayer {
    let origins = if allowed_origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            allowed_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        )
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
            Method::HEAD,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            header::CONTENT_ENCODING,
            header::CONTENT_LOCATION,
            header::CONTENT_RANGE,
            header::CONTENT_TYPE,
            header::DATE,
            header::LOCATION,
            header::SERVER,
            header::TRANSFER_ENCODING,
            HeaderName::from_static("range-unit"),
        ])
        .max_age(MAX_AGE)
}

/// CORS for everything but a plain `OPTIONS`, which tower-http would take for a preflight.
#[derive(Clone)]
pub struct PreflightLayer(CorsLayer);

impl<S: Clone> Layer<S> for PreflightLayer {
    type Service = Preflight<S>;

    fn layer(&self, inner: S) -> Preflight<S> {
        Preflight {
            cors: self.0.layer(inner.clone()),
            plain: inner,
        }
    }
}

#[derive(Clone)]
pub struct Preflight<S> {
    cors: Cors<S>,
    plain: S,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request<Body>> for Preflight<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.plain.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> ResponseFuture {
        let preflight = request.method() == Method::OPTIONS
            && request
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if request.method() == Method::OPTIONS && !preflight {
            let mut plain = self.plain.clone();
            Box::pin(async move { plain.call(request).await })
        } else {
            let mut cors = self.cors.clone();
            Box::pin(async move { cors.call(request).await })
        }
    }
}
