//! CORS as PostgREST answers it: any origin unless `server-cors-allowed-origins` lists them,
//! the methods of the API, the request's own headers, and the headers clients need to read.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// Preflight answers may be cached for a day.
const MAX_AGE: Duration = Duration::from_secs(86_400);

pub fn layer(allowed_origins: &[String]) -> CorsLayer {
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
