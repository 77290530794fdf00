//! The HTTP-facing error: PostgREST's `{code, message, details, hint}` body with its status.
//!
//! Every layer has its own error enum (`rest::RequestError`, `plan::PlanError`, `auth::AuthError`,
//! `db::DbError`); each converts into [`ApiError`] at the boundary, which is the only place where a
//! status code is chosen.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Boxed: errors travel in `Result`s, which should stay small.
    pub details: Option<Box<Value>>,
    pub hint: Option<String>,
    /// Extra response headers, e.g. `WWW-Authenticate` on 401s.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            details: None,
            hint: None,
            headers: Vec::new(),
        }
    }

    pub fn details(mut self, details: impl Into<Value>) -> Self {
        self.details = Some(Box::new(details.into()));
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The JSON body, with all four keys as PostgREST's default (verbose) error verbosity.
    pub fn body(&self) -> Value {
        json!({
            "code": self.code,
            "details": self.details,
            "hint": self.hint,
            "message": self.message,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let proxy_status = HeaderValue::from_str(&format!("pgway; error={}", self.code))
            .unwrap_or_else(|_| HeaderValue::from_static("pgway"));
        let mut response = (
            self.status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                ),
                (HeaderName::from_static("proxy-status"), proxy_status),
            ],
            self.body().to_string(),
        )
            .into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(error: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        let status = match error {
            AuthError::NoSecret => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        };
        let challenge = match error {
            AuthError::NoSecret => None,
            AuthError::AnonymousDisabled => Some("Bearer".to_owned()),
            _ => Some(format!(
                "Bearer error=\"invalid_token\", error_description=\"{error}\""
            )),
        };
        let mut api = ApiError::new(status, error.code(), error.to_string());
        api.details = error.details().map(|d| Box::new(d.into()));
        match challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            Some(value) => api.header(header::WWW_AUTHENTICATE, value),
            None => api,
        }
    }
}

impl From<crate::plan::PlanError> for ApiError {
    fn from(error: crate::plan::PlanError) -> Self {
        use crate::plan::{Ambiguity, NoRelationship, PlanError};
        let message = error.to_string();
        match error {
            PlanError::UnknownRelation { suggestion, .. } => {
                let api = ApiError::new(StatusCode::NOT_FOUND, "PGRST205", message);
                match suggestion {
                    Some(close) => api.hint(format!("Perhaps you meant the table '{close}'")),
                    None => api,
                }
            }
            PlanError::UnknownColumn { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "42703", message)
            }
            PlanError::UnknownPayloadColumn { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST204", message)
            }
            PlanError::NoRelationship(missing) => {
                let NoRelationship {
                    source_name,
                    target,
                    hint,
                    schema,
                    suggestion,
                } = *missing;
                let using = hint
                    .map(|h| format!(" using the hint '{h}'"))
                    .unwrap_or_default();
                let api = ApiError::new(StatusCode::BAD_REQUEST, "PGRST200", message).details(format!(
                    "Searched for a foreign key relationship between '{source_name}' and '{target}'{using} \
                     in the schema '{schema}', but no matches were found."
                ));
                match suggestion {
                    Some(close) => api.hint(format!(
                        "Perhaps you meant '{close}' instead of '{target}'."
                    )),
                    None => api,
                }
            }
            PlanError::AmbiguousRelationship(ambiguity) => {
                let Ambiguity {
                    target,
                    details,
                    suggestions,
                    ..
                } = *ambiguity;
                let options = suggestions
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                ApiError::new(StatusCode::MULTIPLE_CHOICES, "PGRST201", message)
                    .details(details)
                    .hint(format!(
                        "Try changing '{target}' to one of the following: {options}. \
                         Find the desired relationship in the 'details' key."
                    ))
            }
            PlanError::RelatedOrderNotToOne { origin, target } => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST118", message).details(format!(
                    "'{origin}' and '{target}' do not form a many-to-one or one-to-one relationship"
                ))
            }
            PlanError::BadEmbedOperator(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST120", message)
            }
            PlanError::UnknownType(_) => ApiError::new(StatusCode::BAD_REQUEST, "42704", message),
            PlanError::UnknownFunction(missing) => {
                let api = ApiError::new(StatusCode::NOT_FOUND, "PGRST202", message)
                    .details(missing.details());
                match missing.hint() {
                    Some(hint) => api.hint(hint),
                    None => api,
                }
            }
            PlanError::AmbiguousFunction(_) => {
                ApiError::new(StatusCode::MULTIPLE_CHOICES, "PGRST203", message).hint(
                    "Try renaming the parameters or the function itself in the database so \
                     function overloading can be resolved",
                )
            }
            PlanError::AggregatesDisabled => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST123", message)
            }
            PlanError::NotImplemented(details) => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST127", message).details(details)
            }
            PlanError::PutFilters => {
                ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "PGRST105", message)
            }
            PlanError::PutRange => ApiError::new(StatusCode::BAD_REQUEST, "PGRST114", message),
            PlanError::PutKeyMismatch => {
                ApiError::new(StatusCode::BAD_REQUEST, "PGRST115", message)
            }
        }
    }
}
