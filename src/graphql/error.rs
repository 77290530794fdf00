//! Plan and database failures as GraphQL errors: Postgres' (or PostgREST's) message, with the
//! SQLSTATE or `PGRST` code in `extensions.code` and any detail and hint beside it.

use async_graphql::{Error, ErrorExtensions, Value};

use crate::db::DbError;
use crate::error::ApiError;
use crate::plan::PlanError;

/// An argument's value that cannot be used (an empty list, a negative bound): SQLSTATE `22023`,
/// invalid parameter value.
pub(crate) fn bad_input(message: impl Into<String>) -> Error {
    with_code(Error::new(message), "22023")
}

/// `message` with `code`.
pub(crate) fn with_code(error: Error, code: &'static str) -> Error {
    error.extend_with(|_, extensions| extensions.set("code", code))
}

pub(crate) fn from_plan(error: PlanError) -> Error {
    from_api(error.into())
}

pub(crate) fn from_db(error: DbError, authenticated: bool) -> Error {
    from_api(error.into_api_error(authenticated))
}

fn from_api(api: ApiError) -> Error {
    let details = api
        .details
        .and_then(|details| Value::from_json(*details).ok());
    Error::new(api.message).extend_with(|_, extensions| {
        extensions.set("code", api.code.as_str());
        if let Some(details) = &details {
            extensions.set("details", details.clone());
        }
        if let Some(hint) = &api.hint {
            extensions.set("hint", hint.as_str());
        }
    })
}
