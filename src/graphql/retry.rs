//! Running an operation again when Postgres rolled its transaction back for a serialization
//! failure (`40001`) or a deadlock (`40P01`), as REST's requests are: an operation is one
//! transaction, so all of it can run again, in a fresh one, and it may well succeed.

use async_graphql::{Request, Response, Value};

/// Whether `response` failed, or failed to commit, because Postgres rolled its transaction back
/// for a serialization failure or deadlock.
pub(crate) fn transient(response: &Response) -> bool {
    response.errors.iter().any(|error| {
        let code = error.extensions.as_ref().and_then(|e| e.get("code"));
        matches!(code, Some(Value::String(code)) if code == "40001" || code == "40P01")
    })
}

/// `request` again, as the client sent it (with its parsed document), for another attempt.
pub(crate) fn copy(request: &mut Request) -> Request {
    let mut copy = Request::new(request.query.clone());
    copy.operation_name = request.operation_name.clone();
    copy.variables = request.variables.clone();
    copy.extensions = request.extensions.clone();
    copy.introspection_mode = request.introspection_mode;
    if let Ok(document) = request.parsed_query() {
        copy.set_parsed_query(document.clone());
    }
    copy
}
