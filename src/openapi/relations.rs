//! `/{relation}`: read, and insert, update, upsert and delete as far as the relation allows
//! (`insertable`/`updatable`/`deletable`, the way `OPTIONS` computes `Allow`) and the document's
//! scope grants.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathItemBuilder};
use utoipa::openapi::{
    HeaderBuilder, ObjectBuilder, OneOfBuilder, Response, ResponseBuilder, Type,
};

use super::components::{filter, key_filter};
use super::operation::{json_body, no_content, rows, rows_response, with_errors, with_shared};
use super::scope::Shown;
use super::{refs, summary_and_description};
use crate::schema::Column;

/// Query keys the REST layer reads as something other than a filter.
#[rustfmt::skip]
const RESERVED: [&str; 8] = ["select", "columns", "on_conflict", "order", "limit", "offset", "and", "or"];

pub(super) fn path(relation: &Shown) -> String {
    format!("/{}", refs::path_segment(relation.name()))
}

pub(super) fn path_item(relation: &Shown) -> PathItem {
    let operations = relation.operations;
    let mut item = PathItemBuilder::new();
    if operations.read {
        item = item.operation(HttpMethod::Get, read(relation));
    }
    if operations.insert {
        item = item.operation(HttpMethod::Post, insert(relation));
    }
    if operations.update {
        item = item.operation(HttpMethod::Patch, update(relation));
    }
    if let Some(keys) = upsert_keys(relation) {
        item = item.operation(HttpMethod::Put, upsert(relation, keys));
    }
    if operations.delete {
        item = item.operation(HttpMethod::Delete, delete(relation));
    }
    item.build()
}

/// PUT is an insert-or-update of the one row a full primary key names: the key's columns, when
/// the relation has one and the document shows both operations and every key column.
fn upsert_keys<'a>(relation: &Shown<'a>) -> Option<Vec<&'a Column>> {
    let operations = relation.operations;
    let primary_key = &relation.relation.primary_key;
    if !(operations.insert && operations.update) || primary_key.is_empty() {
        return None;
    }
    primary_key
        .iter()
        .map(|key| {
            relation
                .columns
                .iter()
                .find(|column| &column.name == key)
                .copied()
        })
        .collect()
}

fn read(relation: &Shown) -> OperationBuilder {
    let name = relation.name();
    let operation = with_shared(
        operation("get", relation),
        &["select", "order", "limit", "offset"],
    );
    let operation = with_shared(
        with_filters(operation, relation),
        &["or", "and", "range", "rangeUnit", "preferRead"],
    );
    with_errors(
        operation
            .response("200", rows_response(name, "OK"))
            .response(
                "206",
                rows_response(name, "Partial Content: a page of the counted rows"),
            ),
    )
}

fn insert(relation: &Shown) -> OperationBuilder {
    let name = relation.name();
    let body = OneOfBuilder::new()
        .item(refs::schema(name))
        .item(rows(name));
    let operation = with_shared(
        operation("post", relation),
        &["select", "columns", "on_conflict", "preferInsert"],
    );
    with_errors(
        operation
            .request_body(Some(json_body(
                body,
                "One row or an array of rows (with the same keys)",
            )))
            .response("201", created(name)),
    )
}

/// The body is there with `Prefer: return=representation` only, which a response cannot say,
/// so the document gives none (as PostgREST's): its description names the rows' schema.
fn created(name: &str) -> Response {
    let location = HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some("With `return=headers-only` and a primary key: the inserted row's URL, `?key=eq.value`."));
    let description = format!(
        "Created. With `Prefer: return=representation` the body is the inserted rows, an array \
         of `{}`; otherwise there is none.",
        refs::schema_key(name)
    );
    ResponseBuilder::new()
        .description(description)
        .header("Location", location.build())
        .build()
}

fn update(relation: &Shown) -> OperationBuilder {
    let name = relation.name();
    let operation = with_filters(operation("patch", relation), relation);
    let operation = with_shared(operation, &["or", "and", "select", "preferWrite"]);
    let body = json_body(
        partial(relation),
        "The columns to set in every row the filters match",
    );
    with_errors(
        operation
            .request_body(Some(body))
            .response(
                "200",
                rows_response(name, "OK: the updated rows (`return=representation`)"),
            )
            .response("204", no_content("No Content")),
    )
}

/// Any subset of the relation's columns: each property refers to the relation schema's own.
fn partial(relation: &Shown) -> ObjectBuilder {
    let name = relation.name();
    relation.columns.iter().fold(
        ObjectBuilder::new().schema_type(Type::Object),
        |object, column| {
            object.property(
                column.name.as_str(),
                refs::property(name, column.name.as_str()),
            )
        },
    )
}

fn upsert(relation: &Shown, keys: Vec<&Column>) -> OperationBuilder {
    let name = relation.name();
    let operation = keys
        .into_iter()
        .fold(operation("put", relation), |operation, key| {
            operation.parameter(key_filter(key))
        });
    let operation = with_shared(operation, &["select", "preferWrite"]);
    let body = json_body(
        refs::schema(name),
        "The whole row; its primary key must match the filters",
    );
    with_errors(
        operation
            .request_body(Some(body))
            .response(
                "200",
                rows_response(name, "OK: updated (`return=representation`)"),
            )
            .response(
                "201",
                rows_response(name, "Created: inserted (`return=representation`)"),
            )
            .response("204", no_content("No Content")),
    )
}

fn delete(relation: &Shown) -> OperationBuilder {
    let name = relation.name();
    let operation = with_filters(operation("delete", relation), relation);
    let operation = with_shared(operation, &["or", "and", "select", "preferWrite"]);
    with_errors(
        operation
            .response(
                "200",
                rows_response(name, "OK: the deleted rows (`return=representation`)"),
            )
            .response("204", no_content("No Content")),
    )
}

/// Tag, operation id (`get_people`), and summary and description from the relation's comment.
fn operation(method: &str, relation: &Shown) -> OperationBuilder {
    let name = relation.name();
    let (summary, description) = summary_and_description(relation.relation.comment.as_deref());
    OperationBuilder::new()
        .tag(name)
        .operation_id(Some(format!("{method}_{name}")))
        .summary(summary)
        .description(description)
}

fn with_filters(operation: OperationBuilder, relation: &Shown) -> OperationBuilder {
    filterable(relation).fold(operation, |operation, column| {
        operation.parameter(filter(column))
    })
}

/// Columns whose name is not a reserved query key (those cannot be filtered on).
fn filterable<'a>(relation: &Shown<'a>) -> impl Iterator<Item = &'a Column> {
    relation
        .columns
        .iter()
        .copied()
        .filter(|column| !RESERVED.contains(&column.name.as_str()))
}
