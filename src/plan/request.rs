//! What a caller asked to read, with names as the caller wrote them.
//!
//! `rest` parses PostgREST's URL grammar into these types and `graphql` lowers selection sets
//! into them; [`ReadPlan::build`](super::ReadPlan::build) checks every name against the cache.
//! A request is a tree: each [`Embed`] carries the request for its own level.

/// One level of a read: its output, its filters, its order and its page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadRequest {
    /// Empty means every column (`select=` or no `select` at all).
    pub select: Vec<SelectItem>,
    /// Conditions on this level's rows, all of which must hold.
    pub filters: Vec<LogicTree>,
    pub order: Vec<OrderTerm>,
    pub range: Range,
    /// Conditions on the groups of a level that aggregates (`HAVING`), all of which must hold.
    pub having: Vec<HavingTree>,
}

/// A boolean combination of conditions on aggregates: GraphQL's `having:` of grouped aggregates
/// (`sum(points) > 10`).
#[derive(Debug, Clone, PartialEq)]
pub enum HavingTree {
    And(Vec<HavingTree>),
    Or(Vec<HavingTree>),
    Compare(HavingCompare),
}

/// `aggregate(field) <operator> value`, the value read as the type `cast`.
#[derive(Debug, Clone, PartialEq)]
pub struct HavingCompare {
    pub field: FieldPath,
    pub aggregate: Aggregate,
    pub operator: Operator,
    pub value: String,
    pub cast: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// `*`: every column under its own name.
    Star,
    /// `alias:col->json->>path::cast`, or an aggregate of it: `col.sum()`, `col::numeric.avg()::int`.
    Field(SelectField),
    /// `count()` of the rows (with `alias:` and an output `::cast`).
    Count {
        alias: Option<String>,
        cast: Option<String>,
    },
    /// `alias:relation!hint!inner(…)` or `...relation(…)`.
    Embed(Embed),
    /// A computed column called with arguments besides the row (GraphQL's computed column
    /// fields; PostgREST's URL grammar has no way to pass them).
    Computed(ComputedRequest),
}

/// `alias: function(row, name := value, …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedRequest {
    pub function: String,
    /// Values as text by parameter name; `None` is null.
    pub arguments: Vec<(String, Option<String>)>,
    pub alias: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectField {
    pub field: FieldPath,
    pub alias: Option<String>,
    /// `::type` after the field: the output is cast (after the aggregate, if any).
    pub cast: Option<String>,
    pub aggregate: Option<Aggregate>,
}

/// `col.sum()` and friends; `input_cast` is the `::type` between the field and the function.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub function: AggregateFunction,
    pub input_cast: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunction {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    /// `count(DISTINCT …)`, and the statistics below: GraphQL's aggregates only (PostgREST has
    /// none of them).
    CountDistinct,
    StddevSamp,
    StddevPop,
    VarSamp,
    VarPop,
}

/// A column, possibly followed by a JSON (or composite/array) path: `data->a->0->>b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    pub column: String,
    pub json_path: Vec<JsonStep>,
}

impl FieldPath {
    pub fn column(name: impl Into<String>) -> FieldPath {
        FieldPath {
            column: name.into(),
            json_path: Vec::new(),
        }
    }
}

/// One `->` (JSON result) or `->>` (text result) step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonStep {
    pub as_text: bool,
    pub key: JsonKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonKey {
    /// `->name`, `->"quoted name"`.
    Key(String),
    /// `->0`, `->-1`.
    Index(i64),
}

/// An embedded resource: rows related to each row of the parent level.
#[derive(Debug, Clone, PartialEq)]
pub struct Embed {
    /// The relation (or foreign key / column name, which PostgREST also accepts) to embed.
    pub name: String,
    pub alias: Option<String>,
    /// `!hint`: a foreign key constraint name, a column name or a junction table.
    pub hint: Option<String>,
    pub join: Option<JoinType>,
    /// `...rel(…)`: the embed's columns are lifted into the parent object.
    pub spread: bool,
    /// The embed's own select, filters (`rel.col=eq.1`), order (`rel.order=`) and page
    /// (`rel.limit=`).
    pub request: ReadRequest,
}

impl Embed {
    /// The name filters and modifiers use for this embed: its alias, else its name.
    pub fn target(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinType {
    Inner,
    Left,
}

/// A boolean combination of filters: `or=(a.eq.1,and(b.gt.2,not.c.is.null))`.
#[derive(Debug, Clone, PartialEq)]
pub enum LogicTree {
    And(Vec<LogicTree>),
    Or(Vec<LogicTree>),
    Not(Box<LogicTree>),
    Filter(Filter),
}

/// `field=[not.]operator.value`. A field that names an embed of the same level (only with
/// `is.null` / `not.is.null`) tests whether the embed found a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: FieldPath,
    pub negated: bool,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `op.value`.
    Compare(Operator, String),
    /// `op(any).{a,b}` / `op(all).{a,b}`: the value is an array literal.
    Quantified(Operator, Quantifier, String),
    /// `in.(a,"b,c")`.
    In(Vec<String>),
    /// `op` between the field and the value, both as text lower-cased (GraphQL's
    /// `equalToInsensitive`, `lessThanInsensitive`, …).
    CompareInsensitive(Operator, String),
    /// The field as text lower-cased is one of the values lower-cased (GraphQL's `inInsensitive`).
    InInsensitive(Vec<String>),
    /// `is.null` and friends.
    Is(IsValue),
    /// `fts(english).query` and friends.
    TextSearch(TextSearch, Option<String>, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    /// `*` in the value is a wildcard, as `%` in SQL.
    Like,
    ILike,
    Match,
    IMatch,
    IsDistinct,
    /// `cs`: `@>`.
    Contains,
    /// `cd`: `<@`.
    ContainedIn,
    /// `ov`: `&&`.
    Overlaps,
    /// `sl`: `<<`.
    StrictlyLeft,
    /// `sr`: `>>`.
    StrictlyRight,
    /// `nxr`: `&<`.
    NotExtendsRight,
    /// `nxl`: `&>`.
    NotExtendsLeft,
    /// `adj`: `-|-`.
    Adjacent,
}

impl Operator {
    /// Whether `(any)` / `(all)` may follow it.
    pub fn quantifiable(self) -> bool {
        use Operator::*;
        matches!(
            self,
            Eq | Gt | Gte | Lt | Lte | Like | ILike | Match | IMatch
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsValue {
    Null,
    NotNull,
    True,
    False,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSearch {
    /// `fts`: `to_tsquery`.
    Fts,
    /// `plfts`: `plainto_tsquery`.
    Plain,
    /// `phfts`: `phraseto_tsquery`.
    Phrase,
    /// `wfts`: `websearch_to_tsquery`.
    Websearch,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    pub target: OrderTarget,
    pub direction: Option<Direction>,
    pub nulls: Option<Nulls>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OrderTarget {
    Field(FieldPath),
    /// `order=embed(col).desc`: a column of a to-one embed.
    Related {
        embed: String,
        field: FieldPath,
    },
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
