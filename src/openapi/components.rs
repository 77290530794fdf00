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
use super::scope::Shown;
use super::types::{self, Annotations, PgType};
use crate::schema::{Column, Relation};

/// The components of a document describing `relations`.
pub(super) fn components(relations: &[Shown], jwt_security: bool) -> Components {
    let schemas = relations
        .iter()
        .map(|shown| (refs::schema_key(shown.name()), relation_schema(shown)));
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

/// An object with one property per shown column (in column order); `required` holds the NOT
/// NULL columns without a default, which an insert must provide. The title is the relation's
/// name when its key had to be escaped.
fn relation_schema(shown: &Shown) -> Schema {
    let (name, relation) = (shown.name(), shown.relation);
    let title = (refs::schema_key(name) != name).then_some(name);
    shown
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
    let queries = QUERIES.into_iter().map(|(name, text)| {
        let parameter = text.parameter(name, ParameterIn::Query);
        (name, parameter.build())
    });
    let counters = COUNTERS
        .into_iter()
        .map(|(name, description)| (name, counter(name, description)));
    let headers = HEADERS
        .into_iter()
        .map(|(key, name, text)| (key, text.parameter(name, ParameterIn::Header).build()));
    queries.chain(counters).chain(headers)
}

/// A text parameter: what it means, the pattern of its value, an example value.
///
/// Swagger UI fills a parameter's example in when trying a request out, so only examples that
/// suit every relation and change nothing unasked are given; the descriptions show the syntax.
#[derive(Clone, Copy)]
struct Text {
    description: &'static str,
    pattern: Option<&'static str>,
    example: Option<&'static str>,
}

impl Text {
    const fn new(description: &'static str) -> Text {
        Text {
            description,
            pattern: None,
            example: None,
        }
    }

    const fn pattern(self, pattern: &'static str) -> Text {
        Text {
            pattern: Some(pattern),
            ..self
        }
    }

    const fn example(self, example: &'static str) -> Text {
        Text {
            example: Some(example),
            ..self
        }
    }

    fn parameter(self, name: &str, location: ParameterIn) -> ParameterBuilder {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(location)
            .required(Required::False)
            .description(Some(self.description))
            .schema(Some(text(self.pattern)))
            .example(self.example.map(serde_json::Value::from))
    }
}

/// Reserved query keys that take text.
const QUERIES: [(&str, Text); 6] = [
    ("select", Text::new(SELECT).example("*")),
    ("order", Text::new(ORDER).pattern(LIST)),
    ("or", Text::new(LOGIC).pattern(TREE)),
    ("and", Text::new(LOGIC).pattern(TREE)),
    ("columns", Text::new(COLUMNS).pattern(LIST)),
    ("on_conflict", Text::new(ON_CONFLICT).pattern(LIST)),
];

/// A comma-separated list without empty items.
const LIST: &str = "^[^,]+(,[^,]+)*$";
/// A parenthesised logic tree.
const TREE: &str = r"^\(.+\)$";
/// The start of a filter: `[not.]operator[(any|all)].`, the value follows.
const FILTER: &str = r"^(not\.)?(eq|neq|gt|gte|lt|lte|like|ilike|match|imatch|is|isdistinct|in|cs|cd|ov|sl|sr|nxr|nxl|adj|(pl|ph|w)?fts(\([^)]*\))?)(\((any|all)\))?\.";
/// The filter of a PUT: `eq.value`.
const KEY_FILTER: &str = r"^eq\.";
/// `Range: first-last` or `first-`.
const ROWS: &str = "^[0-9]+-[0-9]*$";

/// Reserved query keys taking a row count: name, description.
const COUNTERS: [(&str, &str); 2] = [
    ("limit", "The number of rows to return at most."),
    ("offset", "The number of rows to skip."),
];

/// Request headers: component key, header name, value.
const HEADERS: [(&str, &str, Text); 5] = [
    ("range", "Range", Text::new(RANGE).pattern(ROWS)),
    ("rangeUnit", "Range-Unit", Text::new(RANGE_UNIT)),
    ("preferRead", "Prefer", Text::new(PREFER_READ)),
    (
        "preferInsert",
        "Prefer",
        Text::new(PREFER_INSERT).example("return=representation"),
    ),
    (
        "preferWrite",
        "Prefer",
        Text::new(PREFER_WRITE).example("return=representation"),
    ),
];

const SELECT: &str = "Columns and embedded resources to return, comma-separated (default `*`): \
    `column`, `alias:column`, `column::type`, JSON paths `column->key` / `column->>key`, \
    embedded relations `relation(columns)` with an optional `!hint` or `!inner`, spreads \
    `...relation(columns)`.";
const ORDER: &str = "Sort order, comma-separated: `column[.asc|.desc][.nullsfirst|.nullslast]`, \
    e.g. `id.desc`; also `relation(column)` for a to-one embedded relation.";
const LOGIC: &str = "A logic tree of filters: `(column.op.value,...)`, nesting `and(...)` / \
    `or(...)`, each item or tree prefixed with `not.` to negate, e.g. `(id.lt.3,id.gt.10)`.";
const COLUMNS: &str = "Payload keys to use, comma-separated; other keys are ignored.";
const ON_CONFLICT: &str = "Unique columns of an upsert (`Prefer: resolution=...`), \
    comma-separated; the primary key when absent.";
const RANGE_UNIT: &str = "The unit of `Range`; only `items`.";
const RANGE: &str = "Rows to return, zero-based and inclusive: `first-last` or `first-`, \
    e.g. `0-24`.";
const PREFER_READ: &str = "`count=exact`, `count=planned` or `count=estimated` to get the total \
    in `Content-Range`.";
const PREFER_INSERT: &str = "Comma-separated preferences: `return=minimal` (default), \
    `return=headers-only` (a `Location` header) or `return=representation` (the rows); \
    `resolution=merge-duplicates` or `resolution=ignore-duplicates` to upsert; `missing=default` \
    to use column defaults for missing keys; `count=exact`.";
const PREFER_WRITE: &str = "Comma-separated preferences: `return=minimal` (default) or \
    `return=representation`; `count=exact`; `missing=default`; `max-affected=N` with \
    `handling=strict`.";

/// The query parameter of a column: a string matching `pattern`.
fn query(name: &str, description: &str, pattern: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(text(Some(pattern))))
}

/// A string, matching `pattern` if given.
fn text(pattern: Option<&str>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(pattern)
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

/// The query parameter filtering `column`: `op.value`.
pub(super) fn filter(column: &Column) -> Parameter {
    query(column.name.as_str(), &filter_description(column), FILTER).build()
}

/// The filter a PUT needs on each primary key column: `eq.value`.
pub(super) fn key_filter(column: &Column) -> Parameter {
    let description = format!(
        "Primary key column `{}`: `eq.value`; a PUT filters every primary key column with `eq`.",
        column.name
    );
    query(column.name.as_str(), &description, KEY_FILTER)
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
