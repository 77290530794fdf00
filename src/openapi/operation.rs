//! Pieces every operation uses: shared parameters, JSON bodies, row responses.

use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::{ArrayBuilder, Content, RefOr, Required, Response, ResponseBuilder, Schema};

use super::refs;

/// Appends references to shared parameters (`components.parameters`).
pub(super) fn with_shared(operation: OperationBuilder, names: &[&str]) -> OperationBuilder {
    names.iter().fold(operation, |operation, name| {
        operation.parameter_ref(refs::parameter(name))
    })
}

/// Adds the response for any error status, which all share one body.
pub(super) fn with_errors(operation: OperationBuilder) -> OperationBuilder {
    operation.response("default", refs::error_response())
}

/// A required `application/json` request body.
pub(super) fn json_body(schema: impl Into<RefOr<Schema>>, description: &str) -> RequestBody {
    RequestBodyBuilder::new()
        .description(Some(description))
        .required(Some(Required::True))
        .content("application/json", Content::new(Some(schema)))
        .build()
}

/// An array of rows of the relation whose schema is `name`.
pub(super) fn rows(name: &str) -> ArrayBuilder {
    ArrayBuilder::new().items(refs::schema(name))
}

/// A response whose body is rows of the relation `name`, with their `Content-Range`.
pub(super) fn rows_response(name: &str, description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", Content::new(Some(rows(name))))
        .header_ref("Content-Range", refs::header("ContentRange"))
        .build()
}

/// A response without a body.
pub(super) fn no_content(description: &str) -> Response {
    ResponseBuilder::new().description(description).build()
}

/// Whether a parameter or body is required.
pub(super) fn required(is_required: bool) -> Required {
    if is_required {
        Required::True
    } else {
        Required::False
    }
}
