//! Aggregates on connections, with the names and types of @graphile/pg-aggregates (PostGraphile's
//! aggregates plugin): `aggregates { sum { points } average { points } distinctCount { name } }`
//! and `groupedAggregates(groupBy: [TEAM_ID], having: {sum: {points: {greaterThan: 10}}}) { keys
//! sum { points } }` on every connection of a table's rows: root, nested, or a function's.
//!
//! They are computed over the rows the connection's `condition` and `filter` match, ignoring its
//! page and cursors, in the connection's one statement: each such field is a level of the shared
//! read plan that selects aggregates only (grouped by the `groupBy` columns), read beside the
//! page at the root ([`crate::sql::read_beside`]) and as an embed of the parent row below it.
//! The level's row is keyed `<aggregate>.<column>` by the fields' response keys (GraphQL names
//! have no dots), and its group keys `@k0`, `@k1`, …; `having` is the level's `HAVING`.
//!
//! Only with `db-aggregates-enabled`: otherwise the fields and types are not in the schema at
//! all, as PostGraphile without the plugin.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputObject, InputValue, Object,
    ResolverContext, Type, TypeRef,
};
use async_graphql::{Error, SelectionField, Value};
use serde_json::value::RawValue;

use super::args::Args;
use super::fields::{Page, Row, ready};
use super::lower::selection;
use super::model::{ColumnField, Table};
use super::naming;
use super::scalar::Scalar;
use crate::plan::request::Aggregate;
use crate::plan::{
    AggregateFunction, Direction, FieldPath, HavingCompare, HavingTree, LogicTree, Operator,
    OrderTarget, OrderTerm, ReadRequest, SelectField, SelectItem,
};
use crate::schema::Relation;

const AGGREGATES: &str = "aggregates";
const GROUPED: &str = "groupedAggregates";
const KEYS: &str = "keys";

/// Types without an equality operator, which `count(DISTINCT …)` and `GROUP BY` cannot compare
/// (`json` is compared as `jsonb` instead).
const WITHOUT_EQUALITY: [&str; 9] = [
    "json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle",
];

/// What the connections of one table aggregate.
#[derive(Debug)]
pub(crate) struct Aggregates {
    /// `PersonAggregates`.
    container: String,
    /// `PersonGroupBy`.
    group_by_type: String,
    /// The columns `distinctCount` counts, by index into the table's columns, with whether they
    /// are compared as `jsonb`.
    distinct: Vec<(usize, bool)>,
    /// The values of the group-by enum, with the column each groups by.
    group_by: Vec<(String, usize)>,
    /// `PersonHavingInput`, unless a table took the names of the having filters.
    having: Option<String>,
}

/// One aggregate of pg-aggregates, in the order it lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    Sum,
    DistinctCount,
    Min,
    Max,
    Average,
    StddevSample,
    StddevPopulation,
    VarianceSample,
    VariancePopulation,
}

impl Spec {
    const ALL: [Spec; 9] = [
        Spec::Sum,
        Spec::DistinctCount,
        Spec::Min,
        Spec::Max,
        Spec::Average,
        Spec::StddevSample,
        Spec::StddevPopulation,
        Spec::VarianceSample,
        Spec::VariancePopulation,
    ];

    /// The field of the aggregates type.
    fn field(self) -> &'static str {
        match self {
            Spec::Sum => "sum",
            Spec::DistinctCount => "distinctCount",
            Spec::Min => "min",
            Spec::Max => "max",
            Spec::Average => "average",
            Spec::StddevSample => "stddevSample",
            Spec::StddevPopulation => "stddevPopulation",
            Spec::VarianceSample => "varianceSample",
            Spec::VariancePopulation => "variancePopulation",
        }
    }

    /// Its type's name after the row type's: `PersonSumAggregates`.
    fn type_name(self, node: &str) -> String {
        let field = self.field();
        format!(
            "{node}{}{}Aggregates",
            field[..1].to_uppercase(),
            &field[1..]
        )
    }

    /// Its input type of `having:`: `PersonHavingSumInput`.
    fn having_name(self, node: &str) -> String {
        let field = self.field();
        format!(
            "{node}Having{}{}Input",
            field[..1].to_uppercase(),
            &field[1..]
        )
    }

    fn label(self) -> &'static str {
        match self {
            Spec::Sum => "Sum",
            Spec::DistinctCount => "Distinct count",
            Spec::Min => "Minimum",
            Spec::Max => "Maximum",
            Spec::Average => "Mean average",
            Spec::StddevSample => "Sample standard deviation",
            Spec::StddevPopulation => "Population standard deviation",
            Spec::VarianceSample => "Sample variance",
            Spec::VariancePopulation => "Population variance",
        }
    }

    fn function(self) -> AggregateFunction {
        match self {
            Spec::Sum => AggregateFunction::Sum,
            Spec::DistinctCount => AggregateFunction::CountDistinct,
            Spec::Min => AggregateFunction::Min,
            Spec::Max => AggregateFunction::Max,
            Spec::Average => AggregateFunction::Avg,
            Spec::StddevSample => AggregateFunction::StddevSamp,
            Spec::StddevPopulation => AggregateFunction::StddevPop,
            Spec::VarianceSample => AggregateFunction::VarSamp,
            Spec::VariancePopulation => AggregateFunction::VarPop,
        }
    }

    /// The scalar of this aggregate of a number-like column (pg-aggregates' type map, which is
    /// Postgres': `sum(int4)` is `int8`, `avg(int4)` `numeric`, `stddev_samp(float4)` `float8`).
    fn result(self, column: Scalar) -> Scalar {
        match (self, column) {
            (Spec::Min | Spec::Max, scalar) => scalar,
            (Spec::Sum, Scalar::Int) => Scalar::BigInt,
            (_, Scalar::Float) => Scalar::Float,
            _ => Scalar::BigFloat,
        }
    }

    /// The columns of `table` it applies to, with their result's scalar.
    fn columns<'t>(
        self,
        table: &'t Table,
        aggregates: &Aggregates,
    ) -> Vec<(&'t ColumnField, Scalar)> {
        match self {
            Spec::DistinctCount => aggregates
                .distinct
                .iter()
                .map(|&(i, _)| (&table.columns[i], Scalar::BigInt))
                .collect(),
            _ => table
                .columns
                .iter()
                .filter(|c| number_like(c))
                .map(|c| (c, self.result(c.scalar)))
                .collect(),
        }
    }

    fn of(field: &str) -> Option<Spec> {
        Spec::ALL.into_iter().find(|s| s.field() == field)
    }

    /// This aggregate of `column`: a distinct count compares `json` as `jsonb`.
    fn of_column(self, table: &Table, aggregates: &Aggregates, column: &ColumnField) -> Aggregate {
        let jsonb = self == Spec::DistinctCount
            && aggregates
                .distinct
                .iter()
                .any(|&(i, jsonb)| jsonb && table.columns[i].name == column.name);
        Aggregate {
            function: self.function(),
            input_cast: jsonb.then(|| "jsonb".to_owned()),
        }
    }
}

/// Whether pg-aggregates sums and averages a column: a number that is not an array.
fn number_like(column: &ColumnField) -> bool {
    !column.list
        && matches!(
            column.scalar,
            Scalar::Int | Scalar::BigInt | Scalar::BigFloat | Scalar::Float
        )
}

impl Aggregates {
    /// What `table`'s connections aggregate; `None` (with a warning) when one of its type names
    /// is invalid or in `taken`, which gets them otherwise.
    pub fn of(relation: &Relation, table: &Table, taken: &mut HashSet<String>) -> Option<Self> {
        let node = &table.names.node;
        let names = type_names(node);
        if names
            .iter()
            .any(|n| taken.contains(n) || !naming::is_valid_name(n))
        {
            tracing::warn!(
                "GraphQL: aggregates of {} skipped: their type names are invalid or taken",
                relation.name
            );
            return None;
        }
        taken.extend(names);
        // The filters are shared by all tables: a table of the same name rules `having` out.
        let having = HavingFilter::ALL
            .iter()
            .all(|f| !taken.contains(f.name()))
            .then(|| format!("{node}HavingInput"));
        let mut distinct = Vec::new();
        let mut group_by: Vec<(String, usize)> = Vec::new();
        for (index, field) in table.columns.iter().enumerate() {
            let Some(column) = relation.column(field.column.as_str()) else {
                continue;
            };
            let base = column.element_type.as_deref().unwrap_or(&column.type_name);
            let comparable = !WITHOUT_EQUALITY.contains(&base);
            let json = column.element_type.is_none() && base == "json";
            if comparable || json {
                distinct.push((index, json));
            }
            // Grouping by a column that is unique on its own gives one group per row.
            let unique = std::iter::once(&relation.primary_key)
                .chain(relation.unique_keys.iter().map(|key| &key.columns))
                .any(|key| key.as_slice() == std::slice::from_ref(&column.name));
            let value = naming::group_by_value(field.column.as_str());
            let free = naming::is_valid_name(&value) && group_by.iter().all(|(v, _)| *v != value);
            if comparable && !unique && free {
                group_by.push((value, index));
            }
        }
        Some(Aggregates {
            container: format!("{node}Aggregates"),
            group_by_type: format!("{node}GroupBy"),
            distinct,
            group_by,
            having,
        })
    }
}

/// The names of the types of a table's aggregates, by its row type's name.
fn type_names(node: &str) -> Vec<String> {
    let mut names = vec![
        format!("{node}Aggregates"),
        format!("{node}GroupBy"),
        format!("{node}HavingInput"),
    ];
    names.extend(Spec::ALL.map(|spec| spec.type_name(node)));
    names.extend(Spec::ALL.map(|spec| spec.having_name(node)));
    names
}

/// The types of `table`'s aggregates: the aggregates type, one type per aggregate with a field
/// per column it applies to (none when there is no such column), and the group-by enum (none
/// when it would have no values).
pub(crate) fn types(table: &Table) -> Vec<Type> {
    let Some(aggregates) = &table.aggregates else {
        return Vec::new();
    };
    let node = &table.names.node;
    let mut types = Vec::new();
    let mut container = Object::new(&aggregates.container)
        .description(format!("Aggregates of `{node}` rows."))
        .field(
            Field::new(KEYS, TypeRef::named_list(TypeRef::STRING), keys).description(
                "The values of the `groupBy` columns of this group, as strings (null when not \
                 grouped).",
            ),
        );
    for spec in Spec::ALL {
        let columns = spec.columns(table, aggregates);
        if columns.is_empty() {
            continue;
        }
        let type_name = spec.type_name(node);
        let mut object = Object::new(&type_name);
        for (column, scalar) in columns {
            let type_ref = match spec {
                // pg-aggregates sums with `coalesce(sum(…), 0)`: never null.
                Spec::Sum => TypeRef::named_nn(scalar.name()),
                _ => TypeRef::named(scalar.name()),
            };
            object = object.field(
                Field::new(&column.name, type_ref, move |ctx| value(ctx, spec, scalar))
                    .description(format!(
                        "{} of {} across the matching connection",
                        spec.label(),
                        column.name
                    )),
            );
        }
        types.push(object.into());
        container = container.field(
            Field::new(spec.field(), TypeRef::named(&type_name), aggregate).description(format!(
                "{} aggregates across the matching connection (ignoring \
                     before/after/first/last/offset)",
                spec.label()
            )),
        );
    }
    types.push(container.into());
    if let (Some(having), false) = (&aggregates.having, aggregates.group_by.is_empty()) {
        types.extend(having_types(table, aggregates, having));
    }
    if !aggregates.group_by.is_empty() {
        let group_by = Enum::new(&aggregates.group_by_type)
            .description(format!(
                "Grouping methods for `{node}` for usage during aggregation."
            ))
            .items(
                aggregates
                    .group_by
                    .iter()
                    .map(|(name, _)| EnumItem::new(name)),
            );
        types.push(group_by.into());
    }
    types
}

/// The scalars of `table`'s aggregates' values.
pub(crate) fn scalars(table: &Table) -> Vec<Scalar> {
    let Some(aggregates) = &table.aggregates else {
        return Vec::new();
    };
    Spec::ALL
        .iter()
        .flat_map(|spec| spec.columns(table, aggregates))
        .map(|(_, scalar)| scalar)
        .collect()
}

/// `aggregates` and `groupedAggregates(groupBy:)` of `table`'s connection type.
pub(crate) fn connection_fields(table: &Table, mut connection: Object) -> Object {
    let Some(aggregates) = &table.aggregates else {
        return connection;
    };
    connection = connection.field(
        Field::new(
            AGGREGATES,
            TypeRef::named(&aggregates.container),
            connection_aggregates,
        )
        .description(
            "Aggregates across the matching connection (ignoring before/after/first/last/offset)",
        ),
    );
    if aggregates.group_by.is_empty() {
        return connection;
    }
    // The scalars of the group-by columns, which `keys` shows their values as.
    let keys: Arc<[(String, Scalar, bool)]> = aggregates
        .group_by
        .iter()
        .map(|(name, i)| {
            (
                name.clone(),
                table.columns[*i].scalar,
                table.columns[*i].list,
            )
        })
        .collect();
    let grouped = Field::new(
        GROUPED,
        TypeRef::named_nn_list(&aggregates.container),
        move |ctx| grouped_aggregates(ctx, &keys),
    )
    .description(
        "Grouped aggregates across the matching connection (ignoring \
         before/after/first/last/offset)",
    )
    .argument(
        InputValue::new(
            "groupBy",
            TypeRef::NonNull(Box::new(TypeRef::named_nn_list(&aggregates.group_by_type))),
        )
        .description(format!(
            "The method to use when grouping `{}` for these aggregates.",
            table.names.node
        )),
    );
    connection.field(match &aggregates.having {
        Some(having) => grouped.argument(
            InputValue::new("having", TypeRef::named(having))
                .description("Conditions on the grouped aggregates."),
        ),
        None => grouped,
    })
}

/// pg-aggregates' filters of `having:`, by the scalar they compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum HavingFilter {
    Int,
    Bigint,
    Float,
    Bigfloat,
}

/// The operators of the having filters, and the plan's operator each is.
const HAVING_OPERATORS: [(&str, Operator); 6] = [
    ("equalTo", Operator::Eq),
    ("notEqualTo", Operator::Neq),
    ("greaterThan", Operator::Gt),
    ("greaterThanOrEqualTo", Operator::Gte),
    ("lessThan", Operator::Lt),
    ("lessThanOrEqualTo", Operator::Lte),
];

impl HavingFilter {
    const ALL: [HavingFilter; 4] = [
        HavingFilter::Int,
        HavingFilter::Bigint,
        HavingFilter::Float,
        HavingFilter::Bigfloat,
    ];

    fn name(self) -> &'static str {
        match self {
            HavingFilter::Int => "HavingIntFilter",
            HavingFilter::Bigint => "HavingBigintFilter",
            HavingFilter::Float => "HavingFloatFilter",
            HavingFilter::Bigfloat => "HavingBigfloatFilter",
        }
    }

    fn scalar(self) -> Scalar {
        match self {
            HavingFilter::Int => Scalar::Int,
            HavingFilter::Bigint => Scalar::BigInt,
            HavingFilter::Float => Scalar::Float,
            HavingFilter::Bigfloat => Scalar::BigFloat,
        }
    }

    /// The type its values are read as.
    fn sql_type(self) -> &'static str {
        match self {
            HavingFilter::Int => "int4",
            HavingFilter::Bigint => "int8",
            HavingFilter::Float => "float8",
            HavingFilter::Bigfloat => "numeric",
        }
    }

    /// The filter of the aggregates of a column of `scalar`: as in pg-aggregates, the filter of
    /// the column's type; the distinct count of a column of another type is compared as the
    /// `BigInt` it is (pg-aggregates has no field for it).
    fn of(scalar: Scalar) -> HavingFilter {
        match scalar {
            Scalar::Int => HavingFilter::Int,
            Scalar::Float => HavingFilter::Float,
            Scalar::BigFloat => HavingFilter::Bigfloat,
            _ => HavingFilter::Bigint,
        }
    }

    fn definition(self) -> InputObject {
        let scalar = self.scalar().name();
        HAVING_OPERATORS
            .iter()
            .fold(InputObject::new(self.name()), |input, (name, _)| {
                input.field(InputValue::new(*name, TypeRef::named(scalar)))
            })
    }
}

/// `PersonHavingInput { AND, OR, sum: PersonHavingSumInput, … }`, and the inputs it refers to.
fn having_types(table: &Table, aggregates: &Aggregates, having: &str) -> Vec<Type> {
    let node = &table.names.node;
    let list = TypeRef::named_nn_list(having);
    let mut input = InputObject::new(having)
        .description(format!("Conditions for `{node}` aggregates."))
        .field(InputValue::new("AND", list.clone()))
        .field(InputValue::new("OR", list));
    let mut types = Vec::new();
    for spec in Spec::ALL {
        let columns = spec.columns(table, aggregates);
        if columns.is_empty() {
            continue;
        }
        let name = spec.having_name(node);
        let fields = columns.iter().map(|(column, _)| {
            let filter = HavingFilter::of(column.scalar);
            InputValue::new(&column.name, TypeRef::named(filter.name()))
        });
        types.push(
            fields
                .fold(InputObject::new(&name), InputObject::field)
                .into(),
        );
        input = input.field(InputValue::new(spec.field(), TypeRef::named(&name)));
    }
    types.push(input.into());
    types
}

/// The having filters the aggregates of `tables` use, which they share.
pub(crate) fn having_filters(tables: &[&Table]) -> Vec<InputObject> {
    let mut filters: Vec<HavingFilter> = tables
        .iter()
        .filter_map(|table| Some((table, table.aggregates.as_ref()?)))
        .filter(|(_, aggregates)| aggregates.having.is_some() && !aggregates.group_by.is_empty())
        .flat_map(|(table, aggregates)| {
            Spec::ALL.iter().flat_map(move |&spec| {
                spec.columns(table, aggregates)
                    .into_iter()
                    .map(move |(column, _)| HavingFilter::of(column.scalar))
            })
        })
        .collect();
    filters.sort();
    filters.dedup();
    filters.into_iter().map(HavingFilter::definition).collect()
}

/// The read of one `aggregates` or `groupedAggregates` field of a connection.
#[derive(Debug)]
pub(crate) struct Request {
    /// The field's response key.
    pub key: String,
    pub request: ReadRequest,
}

/// Whether a field of a connection is an aggregates field.
pub(crate) fn is_aggregates(name: &str) -> bool {
    name == AGGREGATES || name == GROUPED
}

/// The read of the aggregates `field` of a connection of `table`, over the rows `filters` match
/// (`filter_items`: the embeds those filters test).
pub(crate) fn lower(
    table: &Table,
    field: &SelectionField<'_>,
    filters: &[LogicTree],
    filter_items: Vec<SelectItem>,
) -> Result<Request, Error> {
    let mut select = filter_items;
    // An aggregate of no column still makes the level aggregate, so it has its one row per
    // group (or one row in all) whatever is selected.
    select.push(SelectItem::Count {
        alias: Some("@n".to_owned()),
        cast: None,
    });
    let aggregates = table
        .aggregates
        .as_ref()
        .ok_or_else(|| Error::new("internal: aggregates are disabled"))?;
    let mut order = Vec::new();
    let mut having = Vec::new();
    if field.name() == GROUPED {
        let args = Args::of(field)?;
        if let Some(value) = args.get("having") {
            having = self::having(table, aggregates, value)?;
        }
        for (i, column) in group_by(table, &args)?.into_iter().enumerate() {
            select.push(item(format!("@k{i}"), column, None));
            order.push(OrderTerm {
                target: OrderTarget::Field(FieldPath::column(column.column.as_str())),
                direction: Some(Direction::Asc),
                nulls: None,
            });
        }
    }
    for spec_field in selection(field)? {
        let Some(spec) = Spec::of(spec_field.name()) else {
            continue;
        };
        let spec_key = spec_field.alias().unwrap_or(spec_field.name());
        for child in selection(&spec_field)? {
            let Some(column) = table.column(child.name()) else {
                continue;
            };
            let key = format!("{spec_key}.{}", child.alias().unwrap_or(child.name()));
            check_length(&key)?;
            let item = item(key, column, Some(spec.of_column(table, aggregates, column)));
            if !select.contains(&item) {
                select.push(item);
            }
        }
    }
    Ok(Request {
        key: field.alias().unwrap_or(field.name()).to_owned(),
        request: ReadRequest {
            select,
            filters: filters.to_vec(),
            order,
            having,
            ..ReadRequest::default()
        },
    })
}

/// `having: {sum: {points: {greaterThan: 10}}, OR: […]}`: all its conditions.
fn having(table: &Table, aggregates: &Aggregates, value: &Value) -> Result<Vec<HavingTree>, Error> {
    let Value::Object(fields) = value else {
        return Err(Error::new(format!("having must be an object, not {value}")));
    };
    let mut trees = Vec::new();
    for (name, value) in fields {
        match (name.as_str(), value) {
            // No condition, as in pg-aggregates (an empty `OR` too).
            (_, Value::Null) => {}
            ("AND" | "OR", Value::List(items)) if items.is_empty() => {}
            (logic @ ("AND" | "OR"), Value::List(items)) => {
                let children = items
                    .iter()
                    .map(|item| having(table, aggregates, item).map(HavingTree::And))
                    .collect::<Result<_, _>>()?;
                trees.push(match logic {
                    "AND" => HavingTree::And(children),
                    _ => HavingTree::Or(children),
                });
            }
            (name, Value::Object(columns)) => {
                let spec = Spec::of(name)
                    .ok_or_else(|| Error::new(format!("Invalid having field {name}")))?;
                for (column, filter) in columns {
                    let column = table
                        .column(column.as_str())
                        .ok_or_else(|| Error::new(format!("Invalid having field {column}")))?;
                    trees.extend(compare(table, aggregates, spec, column, filter)?);
                }
            }
            (name, _) => return Err(Error::new(format!("Invalid value for having field {name}"))),
        }
    }
    Ok(trees)
}

/// `{greaterThan: 10, lessThan: 20}` of `spec` of `column`.
fn compare(
    table: &Table,
    aggregates: &Aggregates,
    spec: Spec,
    column: &ColumnField,
    filter: &Value,
) -> Result<Vec<HavingTree>, Error> {
    let Value::Object(operators) = filter else {
        return Ok(Vec::new());
    };
    let having_filter = HavingFilter::of(column.scalar);
    let mut trees = Vec::new();
    for (name, value) in operators {
        let operator = HAVING_OPERATORS
            .iter()
            .find(|(n, _)| *n == name.as_str())
            .map(|&(_, operator)| operator)
            .ok_or_else(|| Error::new(format!("Invalid having operator {name}")))?;
        let text = having_filter
            .scalar()
            .input_text(value, false)
            .map_err(|e| Error::new(format!("Invalid value for {name}: {e}")))?;
        let Some(value) = text else {
            continue;
        };
        trees.push(HavingTree::Compare(HavingCompare {
            field: FieldPath::column(column.column.as_str()),
            aggregate: spec.of_column(table, aggregates, column),
            operator,
            value,
            cast: having_filter.sql_type().to_owned(),
        }));
    }
    Ok(trees)
}

/// The columns `groupBy: [TEAM_ID, …]` names.
fn group_by<'t>(table: &'t Table, args: &Args) -> Result<Vec<&'t ColumnField>, Error> {
    let aggregates = table.aggregates.as_ref();
    group_by_values(args)
        .into_iter()
        .map(|value| {
            let name = match value {
                Value::Enum(name) => name.as_str(),
                Value::String(name) => name.as_str(),
                _ => "",
            };
            aggregates
                .and_then(|a| a.group_by.iter().find(|(n, _)| n == name))
                .map(|&(_, index)| &table.columns[index])
                .ok_or_else(|| Error::new(format!("Invalid groupBy value {value}")))
        })
        .collect()
}

/// The values of `groupBy` (a single value counts as a list of one).
fn group_by_values(args: &Args) -> Vec<&Value> {
    match args.get("groupBy") {
        Some(Value::List(values)) => values.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    }
}

fn item(key: String, column: &ColumnField, aggregate: Option<Aggregate>) -> SelectItem {
    SelectItem::Field(SelectField {
        field: FieldPath::column(column.column.as_str()),
        alias: Some(key),
        cast: None,
        aggregate,
    })
}

/// Postgres cuts longer names, which would lose the value.
fn check_length(key: &str) -> Result<(), Error> {
    const MAX_KEY_BYTES: usize = 63;
    match key.len() > MAX_KEY_BYTES {
        true => Err(Error::new(format!(
            "The aggregate's response key \"{key}\" is longer than the {MAX_KEY_BYTES} bytes \
             Postgres allows in a name; use shorter aliases."
        ))),
        false => Ok(()),
    }
}

/// The key under which a nested connection's aggregates field is read in its parent's row.
pub(crate) fn nested_key(connection: &str, field: &str) -> String {
    format!("@agg:{connection}:{field}")
}

/// The aggregates of the nested connection `connection` that its parent `row` holds, by the
/// aggregates fields' response keys.
pub(crate) fn nested(row: &Row, connection: &str) -> Row {
    let prefix = nested_key(connection, "");
    row.iter()
        .filter_map(|(key, value)| Some((key.strip_prefix(&prefix)?.to_owned(), value.clone())))
        .collect()
}

/// The rows of the connection's aggregates field `ctx` resolves.
fn rows(ctx: &ResolverContext<'_>) -> Result<Vec<Row>, Error> {
    let page = ctx.parent_value.try_downcast_ref::<Page>()?;
    let field = ctx.field();
    let key = field.alias().unwrap_or(field.name());
    let raw = page
        .aggregates
        .get(key)
        .ok_or_else(|| Error::new(format!("internal: the aggregates \"{key}\" were not read")))?;
    serde_json::from_str(raw.get())
        .map_err(|e| Error::new(format!("internal: unreadable aggregates: {e}")))
}

/// One row of aggregates: of all the rows, or of a group, with its `groupBy` values.
struct Group {
    keys: Option<Vec<Value>>,
    row: Row,
}

/// `aggregates` of a connection: the one row of its aggregates.
fn connection_aggregates(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let row = rows(&ctx).and_then(|rows| {
        rows.into_iter()
            .next()
            .ok_or_else(|| Error::new("internal: no aggregates row"))
    });
    ready(row.map(|row| FieldValue::owned_any(Group { keys: None, row })))
}

/// `groupedAggregates(groupBy:)` of a connection: a row per group, whose keys are the values of
/// the `groupBy` columns (of `scalars`, by group-by value) as strings, as their scalars show
/// them.
fn grouped_aggregates<'a>(
    ctx: ResolverContext<'a>,
    scalars: &[(String, Scalar, bool)],
) -> FieldFuture<'a> {
    let groups = rows(&ctx).and_then(|rows| {
        let args = Args::of(&ctx.field())?;
        let columns: Vec<(Scalar, bool)> = group_by_values(&args)
            .into_iter()
            .map(|value| {
                let name = match value {
                    Value::Enum(name) => name.as_str(),
                    _ => "",
                };
                scalars
                    .iter()
                    .find(|(n, _, _)| n == name)
                    .map(|&(_, scalar, list)| (scalar, list))
                    .ok_or_else(|| Error::new(format!("Invalid groupBy value {value}")))
            })
            .collect::<Result<_, _>>()?;
        let groups = rows.into_iter().map(|row| {
            let keys = columns.iter().enumerate().map(|(i, &(scalar, list))| {
                match row.get(&format!("@k{i}")) {
                    Some(raw) => key_text(raw, scalar, list),
                    None => Value::Null,
                }
            });
            let keys = (!columns.is_empty()).then(|| keys.collect());
            FieldValue::owned_any(Group { keys, row })
        });
        Ok(FieldValue::list(groups.collect::<Vec<_>>()))
    });
    ready(groups)
}

/// `keys` of a group; null when not grouped.
fn keys(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    match ctx.parent_value.try_downcast_ref::<Group>() {
        Ok(Group {
            keys: Some(keys), ..
        }) => ready(Ok(FieldValue::value(Value::List(keys.clone())))),
        Ok(_) => FieldFuture::Value(None),
        Err(error) => ready(Err(error)),
    }
}

/// A group's value of a column of `scalar` as a string: as the scalar shows it (a timestamp with
/// its six fraction digits, as PostGraphile), numbers and booleans as their JSON text, arrays
/// as JSON.
fn key_text(raw: &RawValue, scalar: Scalar, list: bool) -> Value {
    if list {
        return match raw.get() {
            "null" => Value::Null,
            text => Value::String(text.to_owned()),
        };
    }
    match scalar.output(raw) {
        Ok(Value::Null) => Value::Null,
        Ok(Value::String(text)) => Value::String(text),
        Ok(other) => Value::String(other.to_string()),
        Err(_) => Value::String(raw.get().to_owned()),
    }
}

/// `sum` and the other aggregates of an aggregates row: its values keyed `<this key>.…`, under
/// the keys of the columns' fields.
fn aggregate(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
    let field = ctx.field();
    let prefix = format!("{}.", field.alias().unwrap_or(field.name()));
    let row = ctx
        .parent_value
        .try_downcast_ref::<Group>()
        .map(|Group { row, .. }| {
            row.iter()
                .filter_map(|(key, value)| {
                    Some((key.strip_prefix(&prefix)?.to_owned(), value.clone()))
                })
                .collect::<Row>()
        });
    ready(row.map(FieldValue::owned_any))
}

/// One aggregate of a column: a sum of no rows is 0, as in pg-aggregates.
fn value(ctx: ResolverContext<'_>, spec: Spec, scalar: Scalar) -> FieldFuture<'_> {
    let field = ctx.field();
    let key = field.alias().unwrap_or(field.name());
    let value = ctx.parent_value.try_downcast_ref::<Row>().and_then(|row| {
        let raw = row
            .get(key)
            .ok_or_else(|| Error::new(format!("internal: no value for \"{key}\"")))?;
        let value = scalar.output(raw).map_err(Error::new)?;
        Ok(match (value, spec) {
            (Value::Null, Spec::Sum) => zero(scalar),
            (value, _) => value,
        })
    });
    match value {
        Ok(Value::Null) => FieldFuture::Value(None),
        value => ready(value.map(FieldValue::value)),
    }
}

/// 0 as a sum's scalar shows it: `BigInt` and `BigFloat` as strings.
fn zero(scalar: Scalar) -> Value {
    match scalar {
        Scalar::Int | Scalar::Float => Value::Number(0.into()),
        _ => Value::String("0".to_owned()),
    }
}
