//! Functions as fields, as PostGraphile exposes them. A function of the schema whose parameters
//! are all named becomes a root field: a STABLE or IMMUTABLE one a query field
//! (`peopleOver(minAge: Int, …)`, answering a connection of a table's rows for `SETOF people`,
//! one row for `RETURNS people`, or one value), a VOLATILE one a mutation field
//! (`addPerson(input: AddPersonInput!): AddPersonPayload`, see
//! [`function_mutation`](super::function_mutation)). A function taking a table's row first whose
//! name starts with the table's is a computed column instead (see [`computed`](super::computed)).
//!
//! A smart comment's `@name` renames the field (and a mutation's input and payload types), and
//! `@omit` (or `@omit execute`) leaves it out.
//!
//! Left out, with a debug log line: overloaded names, unnamed or VARIADIC parameters, other
//! functions taking a row of a table, queries returning a set of scalars or `void`, and functions
//! returning a record or a row of a table that is no type.

use std::collections::HashSet;

use async_graphql::{Error, Value};

use super::args::Args;
use super::computed;
use super::model::Table;
use super::naming;
use super::scalar::Scalar;
use super::smart_tags::{Action, SmartTags};
use crate::plan::ArgumentsRequest;
use crate::schema::{Argument, Cache, Function, Ident, ReturnKind, Volatility};

/// A function as a root field.
#[derive(Debug)]
pub(crate) struct FunctionField {
    /// `peopleOver`.
    pub name: String,
    /// The function's own name, as the plan looks it up.
    pub function: String,
    pub description: Option<String>,
    pub arguments: Vec<ArgumentField>,
    pub returns: Returns,
}

/// An argument of a function field.
#[derive(Debug)]
pub(crate) struct ArgumentField {
    /// `minAge`.
    pub name: String,
    /// `min_age`.
    pub parameter: String,
    pub scalar: Scalar,
    pub list: bool,
    /// Whether it must be given: a parameter without a default of a STRICT function (which
    /// would answer null for a null argument), as PostGraphile has it.
    pub required: bool,
    pub has_default: bool,
}

/// What a function field answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Returns {
    /// The rows of the table at this index: a connection (a list in a mutation's payload).
    Rows(usize),
    /// One row of the table at this index, or null.
    Row(usize),
    /// One value.
    Scalar { scalar: Scalar, list: bool },
    /// A set of values (mutations only).
    Scalars(Scalar),
    /// Nothing (mutations only).
    Void,
}

impl Returns {
    /// The scalar of the values it returns, if they are values.
    pub fn scalar(self) -> Option<Scalar> {
        match self {
            Returns::Scalar { scalar, .. } | Returns::Scalars(scalar) => Some(scalar),
            _ => None,
        }
    }
}

/// The STABLE and IMMUTABLE function fields of `schema`; `root_fields` holds the names taken and
/// gets theirs.
pub(crate) fn queries(
    cache: &Cache,
    schema: &Ident,
    tables: &[Table],
    root_fields: &mut HashSet<String>,
) -> Vec<FunctionField> {
    let candidates = cache
        .functions_in(schema)
        .filter(|f| f.volatility != Volatility::Volatile);
    fields(
        cache,
        schema,
        candidates,
        tables,
        root_fields,
        |field| match field.returns {
            Returns::Scalars(_) => Err("it returns a set of scalars"),
            Returns::Void => Err("it returns nothing"),
            _ => Ok(()),
        },
    )
}

/// The VOLATILE function fields of `schema`, PostGraphile's custom mutations; `names` holds the
/// mutation fields' and types' names taken and gets theirs.
pub(crate) fn mutations(
    cache: &Cache,
    schema: &Ident,
    tables: &[Table],
    names: &mut HashSet<String>,
) -> Vec<FunctionField> {
    let candidates = cache
        .functions_in(schema)
        .filter(|f| f.volatility == Volatility::Volatile);
    let mut taken = names.clone();
    let fields = fields(cache, schema, candidates, tables, &mut taken, |field| {
        let (input, payload) = naming::function_types(&field.name);
        match names.contains(&input) || names.contains(&payload) {
            true => Err("its input or payload type's name is taken"),
            false => Ok(()),
        }
    });
    for field in &fields {
        let (input, payload) = naming::function_types(&field.name);
        names.extend([field.name.clone(), input, payload]);
    }
    fields
}

/// The fields of `functions` that `usable` accepts, named uniquely among `taken`.
fn fields<'c>(
    cache: &Cache,
    schema: &Ident,
    functions: impl Iterator<Item = &'c Function>,
    tables: &[Table],
    taken: &mut HashSet<String>,
    usable: impl Fn(&FunctionField) -> Result<(), &'static str>,
) -> Vec<FunctionField> {
    let mut fields = Vec::new();
    for function in functions {
        let overloaded = cache
            .functions_named(schema, function.name.name.as_str())
            .len()
            > 1;
        let field = match overloaded {
            true => Err("it is overloaded"),
            false => field(function, tables),
        };
        let field = field.and_then(|field| {
            usable(&field)?;
            let named = naming::is_valid_name(&field.name)
                && !taken.contains(&field.name)
                && field
                    .arguments
                    .iter()
                    .all(|a| naming::is_valid_name(&a.name))
                && unique(field.arguments.iter().map(|a| a.name.as_str()));
            named
                .then_some(field)
                .ok_or("its name or an argument's is invalid or taken")
        });
        match field {
            Ok(field) => {
                taken.insert(field.name.clone());
                fields.push(field);
            }
            Err(why) => tracing::debug!("GraphQL: function {} skipped: {why}", function.name),
        }
    }
    fields
}

pub(crate) fn unique<'a>(names: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = HashSet::new();
    names.into_iter().all(|name| seen.insert(name))
}

/// The field `function` would be, or why it is none.
fn field(function: &Function, tables: &[Table]) -> Result<FunctionField, &'static str> {
    if computed::table_of(function, tables).is_some() {
        return Err("it is a computed column");
    }
    let tags = SmartTags::parse(function.comment.as_deref());
    if tags.omits(Action::Execute) {
        return Err("its smart comment omits it");
    }
    Ok(FunctionField {
        name: naming::field(tags.name.as_deref().unwrap_or(function.name.name.as_str())),
        function: function.name.name.to_string(),
        description: tags.description,
        arguments: arguments(function, &function.arguments, tables)?,
        returns: returns(function, tables)?,
    })
}

/// The arguments of `parameters` (of `function`), or why they cannot be.
pub(crate) fn arguments(
    function: &Function,
    parameters: &[Argument],
    tables: &[Table],
) -> Result<Vec<ArgumentField>, &'static str> {
    let mut arguments = Vec::with_capacity(parameters.len());
    for argument in parameters {
        let name = argument.name.as_ref().ok_or("a parameter has no name")?;
        if argument.variadic {
            return Err("it is VARIADIC");
        }
        if table_named(function, &argument.type_name, tables).is_some() {
            return Err("it takes a row of a table");
        }
        let (scalar, list) = scalar(&argument.type_name);
        arguments.push(ArgumentField {
            name: naming::field(name.as_str()),
            parameter: name.to_string(),
            scalar,
            list,
            required: function.strict && !argument.has_default,
            has_default: argument.has_default,
        });
    }
    Ok(arguments)
}

/// What `function` returns as a field, or why it cannot be one.
pub(crate) fn returns(function: &Function, tables: &[Table]) -> Result<Returns, &'static str> {
    let returns = &function.returns;
    Ok(match (&returns.kind, returns.set_of) {
        (ReturnKind::Row(_), set_of) => {
            let table = returns
                .relation
                .as_ref()
                .filter(|r| r.schema == function.name.schema)
                .and_then(|r| table_named(function, r.name.as_str(), tables))
                .ok_or("it returns rows of no table of the schema")?;
            match set_of {
                true => Returns::Rows(table),
                false => Returns::Row(table),
            }
        }
        (ReturnKind::Scalar(_), false) => {
            let (scalar, list) = scalar(&returns.type_name);
            Returns::Scalar { scalar, list }
        }
        (ReturnKind::Scalar(_), true) => match scalar(&returns.type_name) {
            (scalar, false) => Returns::Scalars(scalar),
            (_, true) => return Err("it returns a set of arrays"),
        },
        (ReturnKind::Void, _) => Returns::Void,
    })
}

/// The index of the table of `function`'s schema called `name`.
pub(crate) fn table_named(function: &Function, name: &str, tables: &[Table]) -> Option<usize> {
    tables
        .iter()
        .position(|t| t.relation.schema == function.name.schema && t.relation.name.as_str() == name)
}

/// The scalar of a `pg_type.typname`, and whether it is an array of it (`_int4`).
fn scalar(type_name: &str) -> (Scalar, bool) {
    match type_name.strip_prefix('_') {
        Some(element) => (Scalar::of(element), true),
        None => (Scalar::of(type_name), false),
    }
}

/// The arguments of a call, from the values `value` gives by argument name, as a JSON object by
/// parameter name (so that null can be passed): an argument left out or null is left out when
/// its parameter has a default, else passed as null.
pub(crate) fn call_arguments<'a>(
    arguments: &[ArgumentField],
    value: impl Fn(&str) -> Option<&'a Value>,
) -> Result<ArgumentsRequest, Error> {
    let mut body = serde_json::Map::new();
    for argument in arguments {
        let given = value(&argument.name).filter(|v| !matches!(v, Value::Null));
        let json = match given {
            None if argument.has_default => continue,
            None => serde_json::Value::Null,
            Some(value) => json_value(argument, value)?,
        };
        body.insert(argument.parameter.clone(), json);
    }
    Ok(ArgumentsRequest::Json {
        keys: body.keys().cloned().collect(),
        body: serde_json::Value::Object(body).to_string(),
    })
}

/// An argument's value as JSON that `json_to_record` turns into the parameter's type: its text
/// as a string, which the type's input function parses, or the JSON itself for a JSON scalar.
fn json_value(argument: &ArgumentField, value: &Value) -> Result<serde_json::Value, Error> {
    let invalid = |e: String| Error::new(format!("Invalid value for {}: {e}", argument.name));
    let text = argument
        .scalar
        .input_text(value, argument.list)
        .map_err(invalid)?
        .unwrap_or_default();
    match (argument.scalar, argument.list) {
        (Scalar::Json, false) => serde_json::from_str(&text).map_err(|e| invalid(e.to_string())),
        _ => Ok(serde_json::Value::String(text)),
    }
}

/// The arguments a query field was given.
pub(crate) fn field_arguments(
    function: &FunctionField,
    args: &Args,
) -> Result<ArgumentsRequest, Error> {
    call_arguments(&function.arguments, |name| args.get(name))
}
