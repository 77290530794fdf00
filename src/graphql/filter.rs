//! `filter:` arguments (postgraphile-plugin-connection-filter) as logic trees of the plan.
//!
//! Fields of one filter object are combined with `and`; `and`, `or` and `not` nest. A column's
//! operators become filters on it (see [`operators`](super::operators)). A relation's filter
//! becomes an embed of the level that outputs nothing, reads at most one row and holds the
//! related filter, tested with `is [not] null` in the tree — an `EXISTS` that can stand anywhere
//! in `and`/`or`/`not`:
//!
//! - to one row, `clientByClientId: {…}`: a related row matching exists;
//! - to many, `some: {…}`: one matching exists; `none: {…}`: none does; `every: {…}`: none
//!   fails to match (`NOT (…)`, so a row for which the filter is unknown does not count against
//!   it, as in the plugin);
//! - `clientByClientIdExists: true|false`, `projectsByClientIdExist: true|false`: a related row
//!   exists or not.
//!
//! As the plugin does by default, null values and empty objects are rejected rather than
//! ignored, and an empty `and: []` or `or: []` is no condition at all.

use async_graphql::{Error, Value};

use super::computed::Computes;
use super::model::{FilterField, Model, Table};
use super::operators::{FilterType, Meaning};
use super::pattern;
use super::relations::RelationField;
use super::select::Select;
use super::types::ValueType;
use crate::plan::{Condition, FieldPath, Filter, IsValue, LogicTree, Operator, Range, ReadRequest};

/// The tree of `value`, a filter on `table`; embeds for relation filters go to `select`. `None`
/// when it tests nothing: an empty `and` or `or` is no condition at all (not even under `not`),
/// as in the plugin.
pub(crate) fn lower(
    model: &Model,
    table: &Table,
    value: &Value,
    select: &mut Select,
) -> Result<Option<LogicTree>, Error> {
    let mut trees = Vec::new();
    for (name, value) in object(value)? {
        let field = table
            .filter_field(name.as_str())
            .ok_or_else(|| Error::new(format!("{} has no field {name}", table.names.filter)))?;
        let tree = match field {
            FilterField::And => all(list(model, table, value, select)?),
            FilterField::Or => {
                let trees = list(model, table, value, select)?;
                (!trees.is_empty()).then_some(LogicTree::Or(trees))
            }
            FilterField::Not => {
                lower(model, table, value, select)?.map(|tree| LogicTree::Not(Box::new(tree)))
            }
            FilterField::Column(index, filter) => {
                let column = &table.columns[index];
                let tested = Tested {
                    name: &column.name,
                    value: column.value_type(),
                    column: column.column.as_str(),
                };
                Some(scalar_filter(tested, filter, value)?)
            }
            FilterField::Computed(index, filter) => {
                let computed = &table.computed[index];
                let Computes::Value { scalar, list } = computed.returns else {
                    return Err(Error::new(
                        "internal: a computed column of rows in a filter",
                    ));
                };
                let tested = Tested {
                    name: &computed.name,
                    value: ValueType {
                        scalar,
                        list,
                        named: None,
                    },
                    // The plan finds the computed column by its function's name.
                    column: &computed.function,
                };
                Some(scalar_filter(tested, filter, value)?)
            }
            FilterField::Relation(index) => {
                Some(relation(model, &table.relations[index], value, select)?)
            }
            FilterField::Exists(index) => {
                let Value::Boolean(exists) = value else {
                    return Err(Error::new(format!("{name} must be a Boolean, not {value}")));
                };
                Some(related(
                    model,
                    &table.relations[index],
                    Rows::Any,
                    *exists,
                    select,
                )?)
            }
        };
        trees.extend(tree);
    }
    Ok(all(trees))
}

/// The fields of a filter object, none of them null.
fn object(value: &Value) -> Result<impl Iterator<Item = (&async_graphql::Name, &Value)>, Error> {
    let Value::Object(fields) = value else {
        return Err(Error::new(format!(
            "A filter must be an object, not {value}"
        )));
    };
    if fields.is_empty() {
        return Err(Error::new(
            "Empty objects are forbidden in filter argument input.",
        ));
    }
    if fields.values().any(|v| matches!(v, Value::Null)) {
        return Err(Error::new(
            "Null literals are forbidden in filter argument input.",
        ));
    }
    Ok(fields.iter())
}

/// The trees of `and: [{…}, {…}]` (a single object counts as a list of one) that test
/// something.
fn list(
    model: &Model,
    table: &Table,
    value: &Value,
    select: &mut Select,
) -> Result<Vec<LogicTree>, Error> {
    let items = match value {
        Value::List(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut trees = Vec::new();
    for item in items {
        trees.extend(lower(model, table, item, select)?);
    }
    Ok(trees)
}

/// All of `trees`; `None` for none.
fn all(trees: Vec<LogicTree>) -> Option<LogicTree> {
    (!trees.is_empty()).then(|| conjunction(trees))
}

/// All of `trees`: the tree itself when there is one.
fn conjunction(mut trees: Vec<LogicTree>) -> LogicTree {
    match trees.len() {
        1 => trees.remove(0),
        _ => LogicTree::And(trees),
    }
}

/// `age: {greaterThanOrEqualTo: 18, lessThan: 65}`.
/// What a scalar filter tests: a column or a computed column, by its field's name.
struct Tested<'a> {
    name: &'a str,
    value: ValueType,
    column: &'a str,
}

fn scalar_filter(
    column: Tested<'_>,
    filter: FilterType,
    value: &Value,
) -> Result<LogicTree, Error> {
    let mut trees = Vec::new();
    for (name, value) in object(value)? {
        let operator = filter
            .operator(name.as_str())
            .ok_or_else(|| Error::new(format!("{} has no field {name}", filter.name())))?;
        let invalid =
            |e: String| Error::new(format!("Invalid value for {}.{name}: {e}", column.name));
        let text = |value: &Value| -> Result<String, Error> {
            column
                .value
                .input_text(value)
                .map_err(invalid)?
                .ok_or_else(|| Error::new("Null literals are forbidden in filter argument input."))
        };
        // A single value counts as a list of one.
        let list = |value: &Value| -> Result<Vec<String>, Error> {
            match value {
                Value::List(items) => items.iter().map(text).collect(),
                single => Ok(vec![text(single)?]),
            }
        };
        let (negated, condition) = match operator.meaning {
            Meaning::IsNull => match value {
                Value::Boolean(true) => (false, Condition::Is(IsValue::Null)),
                Value::Boolean(false) => (false, Condition::Is(IsValue::NotNull)),
                other => return Err(invalid(format!("expected a Boolean, not {other}"))),
            },
            Meaning::Compare { op, negated } => (negated, Condition::Compare(op, text(value)?)),
            Meaning::In { negated } => (negated, Condition::In(list(value)?)),
            Meaning::CompareInsensitive { op, negated } => {
                (negated, Condition::CompareInsensitive(op, text(value)?))
            }
            Meaning::InInsensitive { negated } => (negated, Condition::InInsensitive(list(value)?)),
            Meaning::Pattern(pattern) => {
                let regex = pattern::regex(pattern.kind, &text(value)?).map_err(invalid)?;
                let op = match pattern.insensitive {
                    true => Operator::IMatch,
                    false => Operator::Match,
                };
                (pattern.negated, Condition::Compare(op, regex))
            }
        };
        trees.push(LogicTree::Filter(Filter {
            field: FieldPath::column(column.column),
            negated,
            condition,
        }));
    }
    Ok(conjunction(trees))
}

/// `clientByClientId: {…}` or `projectsByClientId: {some: {…}, every: {…}, none: {…}}`.
fn relation(
    model: &Model,
    relation: &RelationField,
    value: &Value,
    select: &mut Select,
) -> Result<LogicTree, Error> {
    if !relation.many {
        return related(model, relation, Rows::Matching(value), true, select);
    }
    let mut trees = Vec::new();
    for (name, value) in object(value)? {
        let (rows, exists) = match name.as_str() {
            "some" => (Rows::Matching(value), true),
            "none" => (Rows::Matching(value), false),
            "every" => (Rows::Failing(value), false),
            other => {
                let filter = relation.many_filter.as_deref().unwrap_or_default();
                return Err(Error::new(format!("{filter} has no field {other}")));
            }
        };
        trees.push(related(model, relation, rows, exists, select)?);
    }
    Ok(conjunction(trees))
}

/// Which related rows a relation filter looks for.
#[derive(Clone, Copy)]
enum Rows<'a> {
    Any,
    Matching(&'a Value),
    /// Rows for which the filter is false (not unknown).
    Failing(&'a Value),
}

/// Whether a row of `relation` of the kind `rows` exists (`exists`) or not.
fn related(
    model: &Model,
    relation: &RelationField,
    rows: Rows<'_>,
    exists: bool,
    select: &mut Select,
) -> Result<LogicTree, Error> {
    let target = &model.tables[relation.target];
    let mut inner = Select::default();
    let filters = match rows {
        Rows::Any => Vec::new(),
        Rows::Matching(value) => lower(model, target, value, &mut inner)?
            .into_iter()
            .collect(),
        Rows::Failing(value) => vec![match lower(model, target, value, &mut inner)? {
            Some(tree) => LogicTree::Not(Box::new(tree)),
            // "No condition" fails for no row.
            None => LogicTree::Or(Vec::new()),
        }],
    };
    let request = ReadRequest {
        select: inner.into_items(),
        filters,
        order: Vec::new(),
        range: Range {
            offset: 0,
            limit: Some(1),
        },
        ..ReadRequest::default()
    };
    let key = select.filter_embed(relation, request);
    Ok(LogicTree::Filter(Filter {
        field: FieldPath::column(key),
        negated: false,
        condition: Condition::Is(match exists {
            true => IsValue::NotNull,
            false => IsValue::Null,
        }),
    }))
}
