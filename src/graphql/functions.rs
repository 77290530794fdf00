//! Functions as root query fields, as PostGraphile exposes them: a STABLE or IMMUTABLE function
//! of the schema whose arguments are all named becomes `peopleOver(minAge: Int, …)`, answering a
//! connection of a table's rows (`SETOF people`), one row (`RETURNS people`) or one scalar.
//!
//! Left out, with a debug log line: VOLATILE functions (PostGraphile's custom mutations),
//! overloaded names, unnamed or VARIADIC parameters, functions taking a row of a table (computed
//! columns), and those returning a set of scalars, a record or a row of a table that is no type.

use std::collections::HashSet;

use super::model::Table;
use super::naming;
use super::scalar::Scalar;
use crate::schema::{Cache, Function, Ident, ReturnKind, Volatility};

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
    /// Without a default, the call needs it (a null argument cannot be passed, for now).
    pub required: bool,
}

/// What a function field answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Returns {
    /// A connection of the rows of the table at this index.
    Rows(usize),
    /// One row of the table at this index, or null.
    Row(usize),
    /// One value.
    Scalar { scalar: Scalar, list: bool },
}

/// The function fields of `schema`; `root_fields` holds the names taken and gets theirs.
pub(crate) fn fields(
    cache: &Cache,
    schema: &Ident,
    tables: &[Table],
    root_fields: &mut HashSet<String>,
) -> Vec<FunctionField> {
    let mut fields = Vec::new();
    for function in cache.functions_in(schema) {
        let overloaded = cache
            .functions_named(schema, function.name.name.as_str())
            .len()
            > 1;
        let field = match overloaded {
            true => Err("it is overloaded"),
            false => field(function, tables),
        };
        let field = field.and_then(|field| {
            let usable = naming::is_valid_name(&field.name)
                && !root_fields.contains(&field.name)
                && field
                    .arguments
                    .iter()
                    .all(|a| naming::is_valid_name(&a.name))
                && unique(field.arguments.iter().map(|a| a.name.as_str()));
            usable
                .then_some(field)
                .ok_or("its name or an argument's is invalid or taken")
        });
        match field {
            Ok(field) => {
                root_fields.insert(field.name.clone());
                fields.push(field);
            }
            Err(why) => tracing::debug!("GraphQL: function {} skipped: {why}", function.name),
        }
    }
    fields
}

fn unique<'a>(names: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = HashSet::new();
    names.into_iter().all(|name| seen.insert(name))
}

/// The field `function` would be, or why it is none.
fn field(function: &Function, tables: &[Table]) -> Result<FunctionField, &'static str> {
    if function.volatility == Volatility::Volatile {
        return Err("it is VOLATILE");
    }
    let table_of = |name: &str| {
        tables.iter().position(|t| {
            t.relation.schema == function.name.schema && t.relation.name.as_str() == name
        })
    };
    let mut arguments = Vec::with_capacity(function.arguments.len());
    for argument in &function.arguments {
        let name = argument.name.as_ref().ok_or("a parameter has no name")?;
        if argument.variadic {
            return Err("it is VARIADIC");
        }
        if table_of(&argument.type_name).is_some() {
            return Err("it takes a row of a table");
        }
        let (scalar, list) = scalar(&argument.type_name);
        arguments.push(ArgumentField {
            name: naming::field(name.as_str()),
            parameter: name.to_string(),
            scalar,
            list,
            required: !argument.has_default,
        });
    }
    let returns = &function.returns;
    let returns = match (&returns.kind, returns.set_of) {
        (ReturnKind::Row(_), set_of) => {
            let table = returns
                .relation
                .as_ref()
                .filter(|r| r.schema == function.name.schema)
                .and_then(|r| table_of(r.name.as_str()))
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
        (ReturnKind::Scalar(_), true) => return Err("it returns a set of scalars"),
        (ReturnKind::Void, _) => return Err("it returns nothing"),
    };
    Ok(FunctionField {
        name: naming::field(function.name.name.as_str()),
        function: function.name.name.to_string(),
        description: function.comment.clone(),
        arguments,
        returns,
    })
}

/// The scalar of a `pg_type.typname`, and whether it is an array of it (`_int4`).
fn scalar(type_name: &str) -> (Scalar, bool) {
    match type_name.strip_prefix('_') {
        Some(element) => (Scalar::of(element), true),
        None => (Scalar::of(type_name), false),
    }
}
