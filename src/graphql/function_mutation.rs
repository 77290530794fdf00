//! VOLATILE functions as mutations, shaped as PostGraphile's V4 preset has its custom mutations:
//! `addPerson(input: AddPersonInput!): AddPersonPayload`, the input holding the arguments and
//! `clientMutationId`, the payload `clientMutationId`, `query` and the result named after its
//! type: `person` (with `personEdge` and the row's to-one relations, as a create's payload),
//! `people: [Person]` for a set of rows, `integer: Int` or `strings: [String]` for values, nothing
//! for `void`.
//!
//! The call is one statement of the shared call plan (the function materialised in a CTE, so it
//! runs once), its rows read with the relations the payload selects; it runs in the operation's
//! transaction, so a failing mutation field undoes the ones before it.

use std::sync::Arc;

use async_graphql::dynamic::{
    Field, FieldFuture, FieldValue, InputObject, InputValue, Object, ResolverContext, Type, TypeRef,
};
use async_graphql::{Error, SelectionField, Value};
use serde_json::value::RawValue;

use super::args::Args;
use super::build::{argument_type, relation_field};
use super::fields::{self, Payload, Row};
use super::functions::{self, FunctionField, Returns};
use super::lower;
use super::model::{Model, Table};
use super::mutation::{
    CLIENT_MUTATION_ID, INPUT, client_mutation_id_field, client_mutation_id_input, edge_field,
    input_argument, query_field,
};
use super::naming;
use super::resolve::{Reader, or_null};
use super::select::Select;
use crate::plan::ReadRequest;

/// `addPerson(input: AddPersonInput!): AddPersonPayload`.
pub(crate) fn field(function: &FunctionField, index: usize, reader: &Arc<Reader>) -> Field {
    let (input, payload) = naming::function_types(&function.name);
    let reader = Arc::clone(reader);
    let field = Field::new(&function.name, TypeRef::named(payload), move |ctx| {
        call(ctx, Arc::clone(&reader), index)
    })
    .argument(input_argument(&input));
    match &function.description {
        Some(description) => field.description(description),
        None => field,
    }
}

/// `AddPersonInput` and `AddPersonPayload`.
pub(crate) fn types(reader: &Arc<Reader>, function: &FunctionField) -> [Type; 2] {
    let (input_name, payload_name) = naming::function_types(&function.name);
    let mut input = InputObject::new(input_name)
        .description(format!("All input for the `{}` mutation.", function.name))
        .field(client_mutation_id_input());
    for argument in &function.arguments {
        input = input.field(InputValue::new(&argument.name, argument_type(argument)));
    }
    let mut payload = Object::new(payload_name)
        .description(format!("The output of our `{}` mutation.", function.name))
        .field(client_mutation_id_field(fields::client_mutation_id))
        .field(query_field());
    let model = &reader.model;
    if let Some(field) = result_field(model, function.returns) {
        payload = payload.field(field);
    }
    if let Returns::Row(table) = function.returns {
        let target = &model.tables[table];
        if !target.primary_key.is_empty() {
            payload = payload.field(edge_field(reader, target, table));
        }
        for relation in target.relations.iter().filter(|r| r.forward && !r.many) {
            payload = payload.field(relation_field(reader, target, relation));
        }
    }
    [input.into(), payload.into()]
}

/// The payload's field of what the function returns; none for `void`.
fn result_field(model: &Model, returns: Returns) -> Option<Field> {
    let name = result_name(model, returns)?;
    let node = |table: usize| &model.tables[table].names.node;
    Some(match returns {
        Returns::Row(table) => Field::new(name, TypeRef::named(node(table)), fields::payload_row),
        Returns::Rows(table) => Field::new(name, TypeRef::named_list(node(table)), payload_rows),
        Returns::Scalar { scalar, list } => {
            let type_ref = match list {
                false => TypeRef::named(scalar.name()),
                true => TypeRef::named_list(scalar.name()),
            };
            Field::new(name, type_ref, move |ctx| fields::column(ctx, scalar, list))
        }
        Returns::Scalars(scalar) => {
            Field::new(name, TypeRef::named_list(scalar.name()), move |ctx| {
                fields::column(ctx, scalar, true)
            })
        }
        Returns::Void => return None,
    })
}

/// The name of the payload's field of what the function returns, after its type: `person`,
/// `people`, `integer`, `integers`; none for `void`.
fn result_name(model: &Model, returns: Returns) -> Option<String> {
    let node = |table: usize| &model.tables[table].names.node;
    Some(match returns {
        Returns::Row(table) => naming::function_result(node(table), false),
        Returns::Rows(table) => naming::function_result(node(table), true),
        Returns::Scalar {
            scalar,
            list: false,
        } => naming::function_result(scalar.name(), false),
        Returns::Scalar { scalar, list: true } | Returns::Scalars(scalar) => {
            naming::function_result(scalar.name(), true)
        }
        Returns::Void => return None,
    })
}

/// The rows of a payload's `people`, which its row holds under the field's key.
fn payload_rows(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let rows = (|| {
        let Ok(Payload { row: Some(row), .. }) = ctx.parent_value.try_downcast_ref::<Payload>()
        else {
            return Ok(None);
        };
        let field = ctx.field();
        let key = field.alias().unwrap_or(field.name());
        let raw = row
            .get(key)
            .ok_or_else(|| Error::new(format!("internal: no value for \"{key}\"")))?;
        let rows: Vec<Row> = serde_json::from_str(raw.get())
            .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))?;
        Ok(Some(FieldValue::list(
            rows.into_iter().map(FieldValue::owned_any),
        )))
    })();
    match rows {
        Ok(value) => FieldFuture::Value(value),
        Err(error) => fields::ready(Err(error)),
    }
}

/// `addPerson(input: {…})`: calls the function with the input's arguments and reads what it
/// returns as the payload selects it.
fn call(ctx: ResolverContext<'_>, reader: Arc<Reader>, index: usize) -> FieldFuture<'_> {
    FieldFuture::new(async move {
        let payload = async {
            let function = &reader.model.mutation_functions[index];
            let field = ctx.field();
            let args = Args::of(&field)?;
            let input = match args.get(INPUT) {
                Some(Value::Object(input)) => input,
                _ => return Err(Error::new("Argument \"input\" is required.")),
            };
            let arguments = functions::call_arguments(&function.arguments, |name| input.get(name))?;
            let read = read(&reader.model, function.returns, &field)?;
            let output = reader
                .call(&ctx, &function.function, arguments, read, false)
                .await?;
            let client_mutation_id = match input.get(CLIENT_MUTATION_ID) {
                Some(Value::String(id)) => Some(id.clone()),
                _ => None,
            };
            let row = match function.returns {
                Returns::Row(_) => serde_json::from_str::<Option<Row>>(&output.body)
                    .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))?,
                Returns::Void => None,
                returns => Some(result_row(
                    result_name(&reader.model, returns),
                    &field,
                    output.body,
                )?),
            };
            Ok(Payload {
                row,
                client_mutation_id,
            })
        };
        Ok(or_null(&ctx, payload.await.map(FieldValue::owned_any)))
    })
}

/// What the call reads of the rows it returns: for one row, what the payload selects of it as a
/// create's payload; for a set of rows, their fields selected under the result's name.
fn read(model: &Model, returns: Returns, field: &SelectionField<'_>) -> Result<ReadRequest, Error> {
    match returns {
        Returns::Row(table) => lower::payload(model, &model.tables[table], field),
        Returns::Rows(table) => {
            let table: &Table = &model.tables[table];
            let name = result_name(model, returns);
            let mut select = Select::default();
            let selected = lower::selection(field)?;
            for child in selected
                .iter()
                .filter(|f| Some(f.name()) == name.as_deref())
            {
                lower::object(model, table, child, &mut select)?;
            }
            Ok(ReadRequest {
                select: select.finish(table),
                ..ReadRequest::default()
            })
        }
        _ => Ok(ReadRequest::default()),
    }
}

/// The payload's row of a result that is no row: the result's JSON under each response key of
/// the result's field, which reads it as a column.
fn result_row(
    name: Option<String>,
    field: &SelectionField<'_>,
    body: String,
) -> Result<Row, Error> {
    let raw = RawValue::from_string(body)
        .map_err(|e| Error::new(format!("internal: unreadable result: {e}")))?;
    let mut row = Row::new();
    let Some(name) = name else {
        return Ok(row);
    };
    for child in lower::selection(field)?.iter().filter(|f| f.name() == name) {
        row.insert(child.alias().unwrap_or(&name).to_owned(), raw.clone());
    }
    Ok(row)
}
