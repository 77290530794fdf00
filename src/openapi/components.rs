//! The reusable parts: one schema per relation, the shared parameters of PostgREST's grammar,
//! the `Content-Range` header, the error response and the JWT security scheme.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    Components, ComponentsBuilder, Content, Header, HeaderBuilder, ObjectBuilder, Required,
    Response, ResponseBuilder, Schema, Type,
};

use super::refs;
use super::types::{self, Annotations, PgType};
use crate::schema::{Column, Relation};

/// The components of a document describing `relations`.
pub(super) fn components<'a>(
    relations: impl Iterator<Item = &'a Relation>,
    jwt_security: bool,
) -> Components {
    let schemas = relations.map(|r| (refs::schema_key(r.name.name.as_str()), relation_schema(r)));
    let builder = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .schema(refs::ERROR, error_schema())
        .response(refs::ERROR, error_response())
        .header("ContentRange", content_range());
    let builder = parameters().fold(builder, |b, (name, p)| b.parameter(name, p));
    if jwt_security {
        builder.security_scheme("jwt", jwt())
    } else {
        builder
    }
    .build()
}

/// An object with one property per column (in column order); `required` holds the NOT NULL
/// columns without a default, which an insert must provide. The title is the relation's name
/// when its key had to be escaped.
fn relation_schema(relation: &Relation) -> Schema {
    let name = relation.name.name.as_str();
    let title = (refs::schema_key(name) != name).then_some(name);
    relation
        .columns
        .iter()
        .fold(
            ObjectBuilder::new().schema_type(Type::Object),
            |object, column| {
                let object = object.property(column.name.as_str(), column_schema(relation, column));
                if column.nullable || column.default.is_some() {
                    object
                } else {
                    object.required(column.name.as_str())
                }
            },
        )
        .title(title)
        .description(relation.comment.clone())
        .into()
}

fn column_schema(relation: &Relation, column: &Column) -> Schema {
    let ty = PgType::of_column(column);
    let default = column
        .default
        .as_deref()
        .and_then(|d| types::default_value(d, &ty));
    let expression = column.default.as_deref().filter(|_| default.is_none());
    let annotations = Annotations {
        description: column_description(relation, column, expression),
        default,
        max_length: column.max_length.and_then(|n| usize::try_from(n).ok()),
    };
    types::schema(&ty, column.nullable, annotations)
}

/// The column comment, then PostgREST's key notes, then a default that is an expression.
fn column_description(
    relation: &Relation,
    column: &Column,
    default: Option<&str>,
) -> Option<String> {
    let primary_key = relation
        .primary_key
        .contains(&column.name)
        .then(|| "Note:\nThis is a Primary Key.<pk/>".to_owned());
    let parts: Vec<String> = column
        .comment
        .clone()
        .into_iter()
        .chain(primary_key)
        .chain(foreign_key_notes(relation, column))
        .chain(default.map(|expression| format!("Default: `{expression}`")))
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

fn foreign_key_notes<'a>(
    relation: &'a Relation,
    column: &'a Column,
) -> impl Iterator<Item = String> + 'a {
    relation.foreign_keys.iter().filter_map(move |fk| {
        let position = fk.columns.iter().position(|c| c == &column.name)?;
        let target_column = fk.target_columns.get(position)?;
        let table = if fk.target.schema == relation.name.schema {
            fk.target.name.to_string()
        } else {
            fk.target.to_string()
        };
        Some(format!(
            "Note:\nThis is a Foreign Key to `{table}.{target_column}`.<fk table='{table}' column='{target_column}'/>"
        ))
    })
}

/// The body of every error: Postgres' or PostgREST's `code`, `message`, `details` and `hint`.
fn error_schema() -> Schema {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let details = SchemaType::Array(vec![Type::String, Type::Array, Type::Object, Type::Null]);
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "code",
            text().description(Some(
                "SQLSTATE or PostgREST error code, e.g. `23505`, `PGRST116`",
            )),
        )
        .property("message", text())
        .property("details", ObjectBuilder::new().schema_type(details))
        .property(
            "hint",
            ObjectBuilder::new().schema_type(SchemaType::Array(vec![Type::String, Type::Null])),
        )
        .required("code")
        .required("message")
        .into()
}

fn error_response() -> Response {
    let body = Content::new(Some(refs::error_schema()));
    ResponseBuilder::new()
        .description("Error (status from the SQLSTATE or the PostgREST error code)")
        .content("application/json", body)
        .build()
}

fn content_range() -> Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(
            "The rows returned and the total: `0-24/3573458`, `*/0`. The total is `*` unless \
             counted (`Prefer: count=...`).",
        ))
        .build()
}

fn jwt() -> SecurityScheme {
    let http = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("JWT")
        .description(Some(
            "A JWT whose `role` claim names the database role to run as.",
        ));
    SecurityScheme::Http(http.build())
}

/// The shared parameters of PostgREST's grammar, by component key.
fn parameters() -> impl Iterator<Item = (&'static str, Parameter)> {
    let queries = QUERIES.into_iter().map(|(name, description, example)| {
        let example = example.map(serde_json::Value::from);
        (name, query(name, description).example(example).build())
    });
    let counters = COUNTERS
        .into_iter()
        .map(|(name, description)| (name, counter(name, description)));
    let headers = HEADERS
        .into_iter()
        .map(|(key, name, description, example)| (key, header(name, description, example)));
    queries.chain(counters).chain(headers)
}

/// Reserved query keys: name, description, example.
const QUERIES: [(&str, &str, Option<&str>); 6] = [
    ("select", SELECT, Some("*")),
    ("order", ORDER, Some("id.desc")),
    ("or", LOGIC, Some("(id.lt.3,id.gt.10)")),
    ("and", LOGIC, Some("(id.gte.3,id.lte.10)")),
    ("columns", COLUMNS, None),
    ("on_conflict", ON_CONFLICT, None),
];

/// Reserved query keys taking a row count: name, description.
const COUNTERS: [(&str, &str); 2] = [
    ("limit", "The number of rows to return at most."),
    ("offset", "The number of rows to skip."),
];

/// Request headers: component key, header, description, example.
#[rustfmt::skip]
const HEADERS: [(&str, &str, &str, &str); 5] = [
    ("range", "Range", RANGE, "0-24"),
    ("rangeUnit", "Range-Unit", "The unit of `Range`; only `items`.", "items"),
    ("preferRead", "Prefer", PREFER_READ, "count=exact"),
    ("preferInsert", "Prefer", PREFER_INSERT, "return=representation"),
    ("preferWrite", "Prefer", PREFER_WRITE, "return=representation"),
];

const SELECT: &str = "Columns and embedded resources to return, comma-separated (default `*`): \
    `column`, `alias:column`, `column::type`, JSON paths `column->key` / `column->>key`, \
    embedded relations `relation(columns)` with an optional `!hint` or `!inner`, spreads \
    `...relation(columns)`.";
const ORDER: &str = "Sort order, comma-separated: `column[.asc|.desc][.nullsfirst|.nullslast]`; \
    also `relation(column)` for a to-one embedded relation.";
const LOGIC: &str = "A logic tree of filters: `(column.op.value,...)`, nesting `and(...)` / \
    `or(...)`, each item or tree prefixed with `not.` to negate.";
const COLUMNS: &str = "Payload keys to use, comma-separated; other keys are ignored.";
const ON_CONFLICT: &str = "Unique columns of an upsert (`Prefer: resolution=...`), \
    comma-separated; the primary key when absent.";
const RANGE: &str = "Rows to return, zero-based and inclusive: `first-last` or `first-`.";
const PREFER_READ: &str = "`count=exact`, `count=planned` or `count=estimated` to get the total \
    in `Content-Range`.";
const PREFER_INSERT: &str = "Comma-separated preferences: `return=minimal` (default), \
    `return=headers-only` (a `Location` header) or `return=representation` (the rows); \
    `resolution=merge-duplicates` or `resolution=ignore-duplicates` to upsert; `missing=default` \
    to use column defaults for missing keys; `count=exact`.";
const PREFER_WRITE: &str = "Comma-separated preferences: `return=minimal` (default) or \
    `return=representation`; `count=exact`; `missing=default`; `max-affected=N` with \
    `handling=strict`.";

fn query(name: &str, description: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
}

fn counter(name: &str, description: &str) -> Parameter {
    let count = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0));
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(count))
        .build()
}

fn header(name: &str, description: &str, example: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .example(Some(example.into()))
        .build()
}

/// The query parameter filtering `column`: `op.value`.
pub(super) fn filter(column: &Column) -> Parameter {
    query(column.name.as_str(), &filter_description(column)).build()
}

/// The filter a PUT needs on each primary key column: `eq.value`.
pub(super) fn key_filter(column: &Column) -> Parameter {
    let description = format!(
        "Primary key column `{}`: `eq.value`; a PUT filters every primary key column with `eq`.",
        column.name
    );
    query(column.name.as_str(), &description)
        .required(Required::True)
        .build()
}

fn filter_description(column: &Column) -> String {
    format!(
        "Filter on `{}` ({}): `op.value`, op one of eq, neq, gt, gte, lt, lte, like, ilike, \
         match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, \
         nxl, adj; prefix `not.` to negate. E.g. `eq.1`, `in.(1,2,3)`, `is.null`.",
        column.name,
        column.sql_type.as_str()
    )
}
