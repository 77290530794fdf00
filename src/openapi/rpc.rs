//! `/rpc/{function}`: POST with the arguments as a JSON object, and GET with them as query
//! parameters when the function is STABLE or IMMUTABLE.

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
    PathItemBuilder,
};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::{
    ArrayBuilder, Content, ObjectBuilder, RefOr, Response, ResponseBuilder, Schema, Type,
};

use super::operation::{json_body, no_content, required, with_errors, with_shared};
use super::scope::Contents;
use super::types::{self, Annotations, PgType};
use super::{refs, summary_and_description};
use crate::schema::{Argument, Function, Volatility};

pub(super) fn path(function: &Function) -> String {
    format!("/rpc/{}", refs::path_segment(function.name.name.as_str()))
}

/// The operations of `function`; a result of rows refers to their relation's schema when
/// `contents` shows that relation.
pub(super) fn path_item(function: &Function, contents: &Contents) -> PathItem {
    let item = PathItemBuilder::new().operation(HttpMethod::Post, post(function, contents));
    match function.volatility {
        Volatility::Stable | Volatility::Immutable => {
            item.operation(HttpMethod::Get, get(function, contents))
        }
        Volatility::Volatile => item,
    }
    .build()
}

fn post(function: &Function, contents: &Contents) -> OperationBuilder {
    operation("post", function, contents).request_body(Some(arguments_body(function)))
}

fn get(function: &Function, contents: &Contents) -> OperationBuilder {
    let operation = operation("get", function, contents);
    named(function).fold(operation, |operation, (name, argument)| {
        operation.parameter(query_argument(name, argument))
    })
}

/// Tag `(rpc) name`, operation id (`rpc_get_name`), comment, the result's shaping parameters
/// and the responses.
fn operation(method: &str, function: &Function, contents: &Contents) -> OperationBuilder {
    let name = function.name.name.as_str();
    let (summary, description) = summary_and_description(function.comment.as_deref());
    let operation = OperationBuilder::new()
        .tag(format!("(rpc) {name}"))
        .operation_id(Some(format!("rpc_{method}_{name}")))
        .summary(summary)
        .description(description);
    let relation = relation_result(function, contents);
    let operation = if function.returns.set_of && relation.is_some() {
        with_shared(operation, &["select", "order", "limit", "offset"])
    } else {
        operation
    };
    let (status, response) = result(function, relation);
    with_errors(operation.response(status, response))
}

/// The relation whose rows the function returns, when it is in the document: a set of them can
/// be shaped like a read.
fn relation_result<'a>(function: &'a Function, contents: &Contents) -> Option<&'a str> {
    let relation = function.returns.relation.as_ref()?;
    let name = relation.name.as_str();
    (relation.schema == function.name.schema && contents.has_relation(name)).then_some(name)
}

fn result(function: &Function, relation: Option<&str>) -> (&'static str, Response) {
    let returns = &function.returns;
    if returns.type_name == "void" {
        return ("204", no_content("No Content"));
    }
    let value: RefOr<Schema> = match (relation, &returns.relation) {
        (Some(relation), _) => refs::schema(relation).into(),
        // Rows of a relation the document does not describe.
        (None, Some(_)) => ObjectBuilder::new().schema_type(Type::Object).into(),
        (None, None) => {
            let ty = PgType::named(&returns.type_name, returns.sql_type.as_str());
            types::schema(&ty, true, Annotations::default()).into()
        }
    };
    let schema: RefOr<Schema> = if returns.set_of {
        ArrayBuilder::new().items(value).into()
    } else {
        value
    };
    let body = Content::new(Some(schema));
    (
        "200",
        ResponseBuilder::new()
            .description("OK")
            .content("application/json", body)
            .build(),
    )
}

/// A JSON object of the named arguments, required when one of them has no default; or any
/// JSON value for a function that takes the whole body.
fn arguments_body(function: &Function) -> RequestBody {
    if takes_whole_body(function) {
        let any = ObjectBuilder::new().schema_type(SchemaType::AnyValue);
        return json_body(any, "Any JSON value: the function's only argument");
    }
    let object = named(function).fold(
        ObjectBuilder::new().schema_type(Type::Object),
        |object, (name, argument)| {
            let object = object.property(name, argument_schema(argument));
            if argument.has_default {
                object
            } else {
                object.required(name)
            }
        },
    );
    let mut body = json_body(object, "The arguments, by name");
    body.required = Some(required(named(function).any(|(_, a)| !a.has_default)));
    body
}

/// A function of one unnamed `json` or `jsonb` argument receives the whole request body.
fn takes_whole_body(function: &Function) -> bool {
    matches!(
        function.arguments.as_slice(),
        [only] if only.name.is_none() && matches!(only.type_name.as_str(), "json" | "jsonb")
    )
}

/// A GET query parameter; arrays are written as Postgres array literals.
fn query_argument(name: &str, argument: &Argument) -> Parameter {
    let ty = PgType::named(&argument.type_name, argument.sql_type.as_str());
    let sql_type = argument.sql_type.as_str();
    let (description, schema) = if ty.is_array() {
        let literal = format!("`{sql_type}` as a Postgres array literal, e.g. `{{1,2,3}}`");
        (
            literal,
            ObjectBuilder::new().schema_type(Type::String).into(),
        )
    } else {
        (
            format!("`{sql_type}`"),
            types::schema(&ty, false, Annotations::default()),
        )
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(required(!argument.has_default))
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn argument_schema(argument: &Argument) -> Schema {
    let ty = PgType::named(&argument.type_name, argument.sql_type.as_str());
    types::schema(&ty, true, Annotations::default())
}

/// The arguments that can be passed by name (unnamed ones cannot).
fn named(function: &Function) -> impl Iterator<Item = (&str, &Argument)> {
    function
        .arguments
        .iter()
        .filter_map(|argument| Some((argument.name.as_ref()?.as_str(), argument)))
}
