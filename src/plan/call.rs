//! Calls: the function an RPC names, chosen among its overloads by the names of the arguments
//! given (as PostgREST's `findProc`), its arguments typed by its parameters, and the read of what
//! it returns.

use std::collections::BTreeSet;

use super::error::{NoFunction, closest, closest_above};
use super::read::{ReadOptions, ReadPlan};
use super::{PlanError, ReadRequest};
use crate::schema::{Cache, Function, Ident, QualifiedName, ReturnKind, SqlType, Volatility};

/// A call as a caller asked for it, names as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRequest {
    pub function: String,
    pub arguments: ArgumentsRequest,
    /// The read of the result: select, filters, order, page.
    pub read: ReadRequest,
}

/// The arguments, as they came.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgumentsRequest {
    /// Named text values: a GET's query string or a form body. A VARIADIC parameter's name may
    /// repeat; otherwise the last value counts.
    Text(Vec<(String, String)>),
    /// A POST's JSON body. `keys` name the arguments (the object's keys, or `?columns=`); a
    /// function of one `json`/`jsonb` parameter gets the whole body when none matches by name.
    Json { body: String, keys: Vec<String> },
    /// A POST's raw body, for a function of one parameter of the body's type.
    Raw(RawBody),
}

/// A non-JSON body that a function of one parameter of the matching type receives whole.
#[derive(Debug, Clone, PartialEq)]
pub enum RawBody {
    /// `text/plain`: a `text` parameter.
    Text(String),
    /// `text/xml`: an `xml` parameter.
    Xml(String),
    /// `application/octet-stream`: a `bytea` parameter.
    Bytes(Vec<u8>),
}

impl RawBody {
    fn parameter_type(&self) -> &'static str {
        match self {
            RawBody::Text(_) => "text",
            RawBody::Xml(_) => "xml",
            RawBody::Bytes(_) => "bytea",
        }
    }
}

/// A checked call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPlan {
    pub function: QualifiedName,
    pub arguments: Arguments,
    pub volatility: Volatility,
    /// How what it returns is read; `None` for `void`.
    pub result: Option<ResultPlan>,
}

/// The arguments of a call, each bound to a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arguments {
    /// `"name" := $n::type`, each value text parsed by the parameter's type.
    Text(Vec<TextArgument>),
    /// `"name" := pgrst_body."name"` from `json_to_record(body) AS pgrst_body("name" type, …)`:
    /// JSON values converted to the parameters' types.
    Json {
        body: String,
        parameters: Vec<Parameter>,
    },
    /// The body as the only argument, positional.
    Whole { body: WholeBody, sql_type: SqlType },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: Ident,
    pub sql_type: SqlType,
    pub variadic: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TextArgument {
    pub parameter: Parameter,
    pub value: TextValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TextValue {
    One(String),
    /// Every value given for a VARIADIC parameter, as its array.
    Variadic(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum WholeBody {
    Text(String),
    Bytes(Vec<u8>),
}

/// The read of the rows a call returns.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultPlan {
    pub values: Values,
    /// A set (the body is an array), or one value or row (the body is that value or object).
    pub set_of: bool,
    /// Over the function's columns, or over the one column `pgrst_scalar` for scalars.
    pub read: ReadPlan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Scalars,
    Rows,
}

/// How the function was chosen: by the names of the arguments, or as the one function whose
/// only parameter (of this type) takes the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Match {
    ByName,
    WholeBody(SqlType),
}

impl CallPlan {
    /// Finds the function `request` names in `schema` and checks the arguments and the read.
    pub fn build(
        cache: &Cache,
        schema: &Ident,
        request: CallRequest,
        options: ReadOptions,
    ) -> Result<CallPlan, PlanError> {
        let (function, matched) = find(cache, schema, &request.function, &request.arguments)?;
        let returns = &function.returns;
        let set_of = returns.set_of;
        let (values, relation) = match &returns.kind {
            ReturnKind::Void => (None, None),
            ReturnKind::Scalar(relation) => (Some(Values::Scalars), Some(&**relation)),
            // An exposed relation's rows are read through it, so that they can embed others.
            ReturnKind::Row(own) => {
                let exposed = returns
                    .relation
                    .as_ref()
                    .and_then(|n| cache.relations.get(n));
                (Some(Values::Rows), Some(exposed.unwrap_or(own)))
            }
        };
        let result = match (values, relation) {
            (Some(values), Some(relation)) => Some(ResultPlan {
                values,
                set_of,
                read: ReadPlan::build(cache, relation, request.read, options)?,
            }),
            _ => None,
        };
        Ok(CallPlan {
            function: function.name.clone(),
            arguments: arguments(function, request.arguments, matched),
            volatility: function.volatility,
            result,
        })
    }
}

/// The names the arguments are given by (sorted, as PostgREST lists them).
fn keys(arguments: &ArgumentsRequest) -> BTreeSet<&str> {
    match arguments {
        ArgumentsRequest::Text(pairs) => pairs.iter().map(|(k, _)| k.as_str()).collect(),
        ArgumentsRequest::Json { keys, .. } => keys.iter().map(String::as_str).collect(),
        ArgumentsRequest::Raw(_) => BTreeSet::new(),
    }
}

/// The one overload whose parameters the argument names fit; else the one function of a single
/// parameter that takes the whole body. PGRST202 when there is none, PGRST203 when several fit.
fn find<'c>(
    cache: &'c Cache,
    schema: &Ident,
    name: &str,
    arguments: &ArgumentsRequest,
) -> Result<(&'c Function, Match), PlanError> {
    let keys = keys(arguments);
    let raw = matches!(arguments, ArgumentsRequest::Raw(_));
    let overloads = cache.functions_named(schema, name);
    let by_name: Vec<&Function> = overloads
        .iter()
        .copied()
        .filter(|f| fits(f, &keys, raw))
        .collect();
    let whole_body: Vec<(&Function, &SqlType)> = overloads
        .iter()
        .filter_map(|f| Some((*f, whole_body_type(f, arguments)?)))
        .collect();
    match (by_name.as_slice(), whole_body.as_slice()) {
        ([one], _) => Ok((one, Match::ByName)),
        ([], [(one, sql_type)]) => Ok((one, Match::WholeBody((*sql_type).clone()))),
        ([], []) => Err(PlanError::UnknownFunction(Box::new(NoFunction {
            schema: schema.to_string(),
            name: name.to_owned(),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            body: body_kind(arguments),
            // No hint when only a function of one parameter could have taken the raw body.
            suggestion: (!raw)
                .then(|| suggestion(cache, schema, name, &keys, &overloads))
                .flatten(),
        }))),
        ([], several) => Err(PlanError::AmbiguousFunction(
            several.iter().map(|(f, _)| signature(f)).collect(),
        )),
        (several, _) => Err(PlanError::AmbiguousFunction(
            several.iter().map(|f| signature(f)).collect(),
        )),
    }
}

/// Whether the argument names are all the parameters without default and only parameters; a
/// function without parameters fits no names, and no raw body.
fn fits(function: &Function, keys: &BTreeSet<&str>, raw_body: bool) -> bool {
    if function.arguments.is_empty() {
        return keys.is_empty() && !raw_body;
    }
    function.arguments.iter().all(|a| match &a.name {
        Some(name) => a.has_default || keys.contains(name.as_str()),
        // Unnamed parameters cannot be passed by name.
        None => false,
    }) && keys.iter().all(|key| function.argument(key).is_some())
}

/// PostgREST's fallback: a POST to a function of one parameter of the body's type takes the
/// whole body; the parameter's type, if so.
fn whole_body_type<'f>(
    function: &'f Function,
    arguments: &ArgumentsRequest,
) -> Option<&'f SqlType> {
    let [only] = function.arguments.as_slice() else {
        return None;
    };
    let takes = match arguments {
        ArgumentsRequest::Json { .. } => matches!(only.type_name.as_str(), "json" | "jsonb"),
        ArgumentsRequest::Raw(body) => only.type_name == body.parameter_type(),
        ArgumentsRequest::Text(_) => false,
    };
    takes.then_some(&only.sql_type)
}

/// The type of parameter a POST's body could have gone to whole.
fn body_kind(arguments: &ArgumentsRequest) -> Option<&'static str> {
    match arguments {
        ArgumentsRequest::Json { .. } => Some("json/jsonb"),
        ArgumentsRequest::Raw(body) => Some(body.parameter_type()),
        ArgumentsRequest::Text(_) => None,
    }
}

/// A close function name, or, when the function exists, the closest of its parameter lists.
fn suggestion(
    cache: &Cache,
    schema: &Ident,
    name: &str,
    keys: &BTreeSet<&str>,
    overloads: &[&Function],
) -> Option<String> {
    if overloads.is_empty() {
        let names = cache.functions_in(schema).map(|f| f.name.name.as_str());
        return closest(name, names).map(str::to_owned);
    }
    let lists: Vec<String> = overloads.iter().map(|f| parameter_list(f)).collect();
    let given = format!("({})", keys.iter().copied().collect::<Vec<_>>().join(", "));
    // PostgREST accepts a looser match for parameter lists than for names.
    closest_above(&given, lists.iter().map(String::as_str), 0.3).map(|list| format!("{name}{list}"))
}

/// `(a, b)`: the named parameters, sorted.
fn parameter_list(function: &Function) -> String {
    let mut names: Vec<&str> = function
        .arguments
        .iter()
        .filter_map(|a| a.name.as_ref().map(Ident::as_str))
        .collect();
    names.sort_unstable();
    format!("({})", names.join(", "))
}

/// `api.f(a => integer, b => text)`, as PostgREST lists ambiguous overloads.
fn signature(function: &Function) -> String {
    let parameters: Vec<String> = function
        .arguments
        .iter()
        .map(|a| {
            let name = a.name.as_ref().map_or("", Ident::as_str);
            format!("{name} => {}", a.sql_type.as_str())
        })
        .collect();
    format!("{}({})", function.name, parameters.join(", "))
}

/// Binds the arguments to the parameters they name (`find` checked that they all exist).
fn arguments(function: &Function, request: ArgumentsRequest, matched: Match) -> Arguments {
    let named = function.arguments.iter().filter_map(|argument| {
        Some(Parameter {
            name: argument.name.clone()?,
            sql_type: argument.sql_type.clone(),
            variadic: argument.variadic,
        })
    });
    match (request, matched) {
        (ArgumentsRequest::Text(pairs), _) => Arguments::Text(
            named
                .filter_map(|parameter| {
                    let mut values = pairs
                        .iter()
                        .filter(|(key, _)| key == parameter.name.as_str())
                        .map(|(_, value)| value.clone())
                        .peekable();
                    values.peek()?;
                    let value = if parameter.variadic {
                        TextValue::Variadic(values.collect())
                    } else {
                        TextValue::One(values.last()?)
                    };
                    Some(TextArgument { parameter, value })
                })
                .collect(),
        ),
        (ArgumentsRequest::Json { body, keys }, Match::ByName) => Arguments::Json {
            body,
            parameters: named
                .filter(|p| keys.iter().any(|k| k == p.name.as_str()))
                .collect(),
        },
        // A function whose parameters all have defaults, called without arguments.
        (ArgumentsRequest::Raw(_), Match::ByName) => Arguments::Text(Vec::new()),
        (ArgumentsRequest::Json { body, .. }, Match::WholeBody(sql_type)) => Arguments::Whole {
            body: WholeBody::Text(body),
            sql_type,
        },
        (
            ArgumentsRequest::Raw(RawBody::Text(text) | RawBody::Xml(text)),
            Match::WholeBody(sql_type),
        ) => Arguments::Whole {
            body: WholeBody::Text(text),
            sql_type,
        },
        (ArgumentsRequest::Raw(RawBody::Bytes(bytes)), Match::WholeBody(sql_type)) => {
            Arguments::Whole {
                body: WholeBody::Bytes(bytes),
                sql_type,
            }
        }
    }
}
