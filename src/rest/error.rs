//! What can be wrong with a REST request before it reaches the plan.

use axum::http::StatusCode;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// A query parameter that does not parse: PostgREST's "failed to parse" family.
    #[error("\"failed to parse {what} ({input})\" (line {line}, column {column})")]
    Parse {
        what: &'static str,
        input: String,
        line: usize,
        column: usize,
        details: String,
    },
    #[error("{0}")]
    InvalidBody(String),
    #[error("Requested range not satisfiable")]
    InvalidRange(String),
    #[error("Invalid schema: {schema}")]
    InvalidSchema {
        schema: String,
        exposed: Vec<String>,
    },
    #[error("None of these media types are available: {0}")]
    NotAcceptable(String),
    #[error("Invalid path specified in request URL")]
    InvalidPath,
    #[error("Unsupported HTTP method: {0}")]
    UnsupportedMethod(String),
    #[error("Feature not implemented")]
    NotImplemented(String),
    /// PGRST122: `handling=strict` with preferences PostgREST does not know.
    #[error("Invalid preferences given with handling=strict")]
    InvalidPreferences(String),
    /// PGRST124: a write changed more rows than `max-affected`.
    #[error("Query result exceeds max-affected preference constraint")]
    MaxAffected(i64),
    /// PGRST128: `max-affected` on a call of a function that returns no set.
    #[error(
        "Function must return SETOF or TABLE when max-affected preference is used with handling=strict"
    )]
    MaxAffectedNotSet,
    /// PGRST108: a filter, order or page names an embed that `select` does not have.
    #[error("'{0}' is not an embedded resource in this request")]
    NotEmbedded(String),
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> Self {
        let message = error.to_string();
        match error {
            RequestError::Parse { details, .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST100", message).details(details)
            }
            RequestError::InvalidBody(message) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST102", message)
            }
            RequestError::InvalidRange(details) => {
                ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "PGRST103", message)
                    .details(details)
            }
            RequestError::InvalidSchema { exposed, .. } => {
                ApiError::new(StatusCode::NOT_ACCEPTABLE, "PGRST106", message).hint(format!(
                    "Only the following schemas are exposed: {}",
                    exposed.join(", ")
                ))
            }
            RequestError::NotAcceptable(_) => {
                ApiError::new(StatusCode::NOT_ACCEPTABLE, "PGRST107", message)
            }
            RequestError::InvalidPath => ApiError::new(StatusCode::NOT_FOUND, "PGRST125", message),
            RequestError::UnsupportedMethod(_) => {
                ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "PGRST117", message)
            }
            RequestError::NotImplemented(details) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST127", message).details(details)
            }
            RequestError::InvalidPreferences(invalid) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST122", message)
                    .details(format!("Invalid preferences: {invalid}"))
            }
            RequestError::MaxAffected(rows) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST124", message)
                    .details(format!("The query affects {rows} rows"))
            }
            RequestError::MaxAffectedNotSet => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST128", message)
            }
            RequestError::NotEmbedded(name) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST108", message).hint(format!(
                    "Verify that '{name}' is included in the 'select' query parameter."
                ))
            }
        }
    }
}
