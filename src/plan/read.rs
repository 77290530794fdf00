//! Reads: which rows of a relation, which of their columns, in which order, which page.

use super::{Field, Filter, PlanError, error::closest};
use crate::schema::{Cache, Ident, QualifiedName, Relation};

/// A read as a caller asked for it, names unchecked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadRequest {
    /// Empty means every column.
    pub select: Vec<SelectItem>,
    pub filters: Vec<Filter<String>>,
    pub order: Vec<OrderTerm<String>>,
    pub range: Range,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// `*`: every column under its own name.
    Star,
    /// A column, output under `alias` when given.
    Column { name: String, alias: Option<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm<F> {
    pub field: F,
    pub direction: Option<Direction>,
    pub nulls: Option<Nulls>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    First,
    Last,
}

/// Rows to skip and the most to return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range {
    pub offset: u64,
    pub limit: Option<u64>,
}

/// A column in the output, under the key `output`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub column: Ident,
    pub output: String,
}

/// Where a plan's rows come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub relation: QualifiedName,
}

/// A checked read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPlan {
    pub source: Source,
    pub projection: Vec<Projection>,
    pub filters: Vec<Filter<Field>>,
    pub order: Vec<OrderTerm<Field>>,
    pub range: Range,
}

impl ReadPlan {
    /// Checks `request` against `relation`; `max_rows` caps the page size.
    pub fn build(
        relation: &Relation,
        request: ReadRequest,
        max_rows: Option<u64>,
    ) -> Result<ReadPlan, PlanError> {
        let projection = projection(relation, &request.select)?;
        let filters = request
            .filters
            .into_iter()
            .map(|filter| filter.try_map_field(|name| field(relation, &name)))
            .collect::<Result<_, _>>()?;
        let order = request
            .order
            .into_iter()
            .map(|term| {
                Ok(OrderTerm {
                    field: field(relation, &term.field)?,
                    direction: term.direction,
                    nulls: term.nulls,
                })
            })
            .collect::<Result<_, PlanError>>()?;
        let limit = match (request.range.limit, max_rows) {
            (Some(limit), Some(max)) => Some(limit.min(max)),
            (limit, max) => limit.or(max),
        };
        Ok(ReadPlan {
            source: Source {
                relation: relation.name.clone(),
            },
            projection,
            filters,
            order,
            range: Range {
                offset: request.range.offset,
                limit,
            },
        })
    }
}

/// The relation `name` of the exposed `schema`, or PostgREST's PGRST205 with a suggestion.
pub fn relation<'a>(
    cache: &'a Cache,
    schema: &Ident,
    name: &str,
) -> Result<&'a Relation, PlanError> {
    cache
        .relation(schema, name)
        .ok_or_else(|| PlanError::UnknownRelation {
            schema: schema.to_string(),
            name: name.to_owned(),
            suggestion: closest(
                name,
                cache.relations_in(schema).map(|r| r.name.name.as_str()),
            )
            .map(|close| format!("{schema}.{close}")),
        })
}

/// The output columns of `select`, every column when it is empty.
pub(super) fn projection(
    relation: &Relation,
    select: &[SelectItem],
) -> Result<Vec<Projection>, PlanError> {
    let all = || {
        relation.columns.iter().map(|c| Projection {
            column: c.name.clone(),
            output: c.name.to_string(),
        })
    };
    if select.is_empty() {
        return Ok(all().collect());
    }
    let mut projection = Vec::new();
    for item in select {
        match item {
            SelectItem::Star => projection.extend(all()),
            SelectItem::Column { name, alias } => projection.push(Projection {
                column: field(relation, name)?.column,
                output: alias.clone().unwrap_or_else(|| name.clone()),
            }),
        }
    }
    Ok(projection)
}

pub(super) fn field(relation: &Relation, name: &str) -> Result<Field, PlanError> {
    let column = relation
        .column(name)
        .ok_or_else(|| PlanError::UnknownColumn {
            relation: relation.name.name.to_string(),
            column: name.to_owned(),
        })?;
    Ok(Field {
        column: column.name.clone(),
        sql_type: column.sql_type.clone(),
    })
}
