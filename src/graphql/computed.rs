//! Computed columns, as PostGraphile has them: a STABLE or IMMUTABLE function taking a table's
//! row first, whose name starts with the table's name and `_`, is a field of the table's type
//! named after the rest (`people_initials(p people)` → `Person.initials`), its other parameters
//! the field's arguments. It returns a value, one row (`Task.client: Client`) or a set of rows
//! (`Client.openTasks(first, …, filter): TasksConnection!`, paged in the order the function
//! returns them); those returning rows take no other parameters, as they are read through the
//! schema cache's computed relationships. Such functions are not root fields.
//!
//! A computed column is read in its parent row's statement: a value is the function called on
//! the row in the select list (`"api"."people_initials"("people")`), rows a lateral subquery
//! over the function's result, like any relation.
//!
//! A smart comment's `@fieldName` names the field instead, and `@omit` (or `@omit execute`) leaves
//! it out.

use std::sync::Arc;

use async_graphql::dynamic::{Field, InputValue, TypeRef};
use async_graphql::{Error, SelectionField};

use super::args::Args;
use super::build::{argument_type, paging_arguments};
use super::fields;
use super::functions::{self, ArgumentField, Returns};
use super::lower::{self, Counted};
use super::model::{Model, NODE_ID, Table};
use super::naming;
use super::operators::FilterType;
use super::resolve::Reader;
use super::scalar::Scalar;
use super::select::Select;
use super::smart_tags::{Action, SmartTags};
use crate::plan::ComputedRequest;
use crate::plan::request::Embed;
use crate::schema::{Cache, Function, Ident, Volatility};

/// A computed column as a field of its table's type.
#[derive(Debug)]
pub(crate) struct ComputedField {
    /// `initials`.
    pub name: String,
    /// `people_initials`.
    pub function: String,
    pub description: Option<String>,
    /// The parameters after the row.
    pub arguments: Vec<ArgumentField>,
    pub returns: Computes,
}

/// What a computed column answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Computes {
    Value {
        scalar: Scalar,
        list: bool,
    },
    /// One row of the table at this index, or null.
    Row(usize),
    /// A connection of the rows of the table at this index.
    Rows(usize),
}

/// The index of the table whose computed column `function` is, if it is one.
pub(crate) fn table_of(function: &Function, tables: &[Table]) -> Option<usize> {
    if function.volatility == Volatility::Volatile {
        return None;
    }
    let first = function.arguments.first()?;
    let table = functions::table_named(function, &first.type_name, tables)?;
    let prefix = format!("{}_", tables[table].relation.name);
    let name = function.name.name.as_str();
    (name.len() > prefix.len() && name.starts_with(&prefix)).then_some(table)
}

/// Adds the computed columns of `schema`'s functions to their tables.
pub(crate) fn attach(cache: &Cache, schema: &Ident, tables: &mut [Table]) {
    for function in cache.functions_in(schema) {
        let Some(index) = table_of(function, tables) else {
            continue;
        };
        match field(cache, function, index, tables) {
            Ok(field) => tables[index].computed.push(field),
            Err(why) => {
                tracing::debug!("GraphQL: computed column {} skipped: {why}", function.name)
            }
        }
    }
}

/// The field `function` would be on the table at `index`, or why it is none.
fn field(
    cache: &Cache,
    function: &Function,
    index: usize,
    tables: &[Table],
) -> Result<ComputedField, &'static str> {
    let schema = &function.name.schema;
    if cache
        .functions_named(schema, function.name.name.as_str())
        .len()
        > 1
    {
        return Err("it is overloaded");
    }
    let arguments = functions::arguments(function, &function.arguments[1..], tables)?;
    let returns = match functions::returns(function, tables)? {
        Returns::Scalar { scalar, list } => Computes::Value { scalar, list },
        Returns::Row(table) if arguments.is_empty() => Computes::Row(table),
        Returns::Rows(table) if arguments.is_empty() => Computes::Rows(table),
        Returns::Row(_) | Returns::Rows(_) => {
            return Err("it returns rows and takes parameters besides the row");
        }
        Returns::Scalars(_) | Returns::Void => return Err("it returns a set of values or nothing"),
    };
    let tags = SmartTags::parse(function.comment.as_deref());
    if tags.omits(Action::Execute) {
        return Err("its smart comment omits it");
    }
    let table = &tables[index];
    let name = tags.field_name.clone().unwrap_or_else(|| {
        naming::field(&function.name.name.as_str()[table.relation.name.as_str().len() + 1..])
    });
    let taken = name == NODE_ID
        || table.column(&name).is_some()
        || table.relation(&name).is_some()
        || table.computed(&name).is_some();
    let named = naming::is_valid_name(&name)
        && !taken
        && arguments.iter().all(|a| naming::is_valid_name(&a.name))
        && functions::unique(arguments.iter().map(|a| a.name.as_str()));
    if !named {
        return Err("its name or an argument's is invalid or taken");
    }
    Ok(ComputedField {
        name,
        function: function.name.name.to_string(),
        description: tags.description,
        arguments,
        returns,
    })
}

/// The filter type of a computed column a filter can test, as postgraphile-plugin-connection-
/// filter has them: a value computed from the row alone (its other parameters have defaults).
pub(crate) fn filter_type(computed: &ComputedField) -> Option<FilterType> {
    let Computes::Value { scalar, list } = computed.returns else {
        return None;
    };
    let row_only = computed.arguments.iter().all(|a| a.has_default);
    row_only.then(|| FilterType::of(scalar, list)).flatten()
}

/// The scalars a table's computed columns take and return.
pub(crate) fn scalars(table: &Table) -> impl Iterator<Item = Scalar> + '_ {
    table.computed.iter().flat_map(|computed| {
        let arguments = computed.arguments.iter().map(|a| a.scalar);
        let value = match computed.returns {
            Computes::Value { scalar, .. } => Some(scalar),
            Computes::Row(_) | Computes::Rows(_) => None,
        };
        arguments.chain(value)
    })
}

/// The field of `computed` on its table's type.
pub(crate) fn object_field(reader: &Arc<Reader>, computed: &ComputedField) -> Field {
    let tables = &reader.model.tables;
    let field = match computed.returns {
        Computes::Rows(target) => {
            let reader = Arc::clone(reader);
            let node = &tables[target].names.node;
            let field = Field::new(
                &computed.name,
                TypeRef::named_nn(&tables[target].names.connection),
                move |ctx| {
                    let model = &reader.model;
                    fields::function_rows(ctx, model, &model.tables[target])
                },
            )
            .description(computed.description.clone().unwrap_or_else(|| {
                format!("Reads and enables pagination through a set of `{node}`.")
            }));
            return paging_arguments(field).argument(
                InputValue::new("filter", TypeRef::named(&tables[target].names.filter))
                    .description(
                        "A filter to be used in determining which values should be returned by \
                         the collection.",
                    ),
            );
        }
        Computes::Row(target) => Field::new(
            &computed.name,
            TypeRef::named(&tables[target].names.node),
            fields::to_one,
        ),
        Computes::Value { scalar, list } => {
            let type_ref = match list {
                false => TypeRef::named(scalar.name()),
                true => TypeRef::named_list(scalar.name()),
            };
            Field::new(&computed.name, type_ref, move |ctx| {
                fields::column(ctx, scalar, list)
            })
        }
    };
    let field = computed.arguments.iter().fold(field, |field, argument| {
        field.argument(InputValue::new(&argument.name, argument_type(argument)))
    });
    match &computed.description {
        Some(description) => field.description(description),
        None => field,
    }
}

/// Adds the computed column `computed` of `table`, selected as `child`, to `select`.
pub(crate) fn member(
    model: &Model,
    computed: &ComputedField,
    child: &SelectionField<'_>,
    select: &mut Select,
) -> Result<(), Error> {
    let key = child.alias().unwrap_or(child.name()).to_owned();
    let embed = |request| Embed {
        name: computed.function.clone(),
        alias: Some(key.clone()),
        hint: None,
        join: None,
        spread: false,
        request,
    };
    match computed.returns {
        Computes::Value { .. } => select.computed(ComputedRequest {
            function: computed.function.clone(),
            arguments: arguments(computed, &Args::of(child)?)?,
            alias: key.clone(),
        }),
        Computes::Row(target) => {
            let request = lower::function_row(model, &model.tables[target], child)?;
            select.relation(embed(request))
        }
        Computes::Rows(target) => {
            let lowered = lower::function_connection(model, &model.tables[target], child)?;
            if let Some(Counted { request, .. }) = lowered.count {
                let mut count = embed(lower::count_request(request));
                count.alias = Some(lower::count_key(&key));
                select.relation(count)?;
            }
            select.relation(embed(lowered.request))
        }
    }
}

/// The arguments given to a computed column, as text by parameter name: one left out or null
/// is left out when its parameter has a default, else passed as null.
fn arguments(
    computed: &ComputedField,
    args: &Args,
) -> Result<Vec<(String, Option<String>)>, Error> {
    let mut values = Vec::with_capacity(computed.arguments.len());
    for argument in &computed.arguments {
        let text = match args.get(&argument.name) {
            None if argument.has_default => continue,
            None => None,
            Some(value) => argument
                .scalar
                .input_text(value, argument.list)
                .map_err(|e| Error::new(format!("Invalid value for {}: {e}", argument.name)))?,
        };
        values.push((argument.parameter.clone(), text));
    }
    Ok(values)
}
