//! Writes to one relation: inserts and upserts (POST, PUT), updates (PATCH) and deletes (DELETE),
//! each with the read of the changed rows it may return.

use serde_json::{Map, Value};

use super::read::{EmbedPlan, ReadOptions, ReadPlan};
use super::{Condition, LogicTree, NoRelationship, Operator, PlanError, Range, ReadRequest};
use crate::schema::{
    Cache, Column, Ident, Link, QualifiedName, Relation, Relationship, SqlExpr, SqlType,
};

/// Rows sent in a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// The keys of the body's objects (or `columns=`), which become the target columns.
    pub columns: Vec<String>,
    /// A JSON object or an array of objects, all with `columns` as keys.
    pub body: String,
}

/// `Prefer: resolution=…`: what an insert does with a row whose key already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    MergeDuplicates,
    IgnoreDuplicates,
}

/// `Prefer: missing=…`: what a column gets when a row of the body lacks its key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Missing {
    #[default]
    Null,
    Default,
}

/// An upsert as asked: the resolution, on `on_conflict=` columns or else the primary key.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRequest {
    pub resolution: Resolution,
    pub columns: Option<Vec<String>>,
    /// The columns a merge sets from the row that conflicted; `None`: every column of the body.
    pub update: Option<Vec<String>>,
}

/// An insert as a caller asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertRequest {
    /// The keys of the body's objects, which become the target columns.
    pub columns: Vec<String>,
    /// The body as sent: a JSON object or an array of objects, all with `columns` as keys.
    pub body: String,
    pub missing: Missing,
    pub on_conflict: Option<ConflictRequest>,
    /// What to return of the inserted rows; `None` returns nothing.
    pub returning: Option<ReadRequest>,
    /// Rows to insert with the (one) row of the body, which reference it or which it references
    /// (GraphQL's nested create).
    pub nested: Vec<NestedInsertRequest>,
}

/// Which way a nested insert's foreign key points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// Rows of the relation whose foreign key references the row, inserted after it.
    Children,
    /// The row the row's foreign key references, inserted before it.
    Parent,
}

/// Rows to insert with a row, tied to it by the foreign key `constraint`: the children get the
/// key's columns from the row, or the row gets them from its new parent.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedInsertRequest {
    pub constraint: String,
    pub nesting: Nesting,
    /// The rows, in groups each inserted by an `INSERT` of its own.
    pub rows: Vec<NestedRowsRequest>,
}

/// Rows of a nested insert inserted together.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedRowsRequest {
    /// The keys of the body's objects, which become the target columns.
    pub columns: Vec<String>,
    /// A JSON array of objects.
    pub body: String,
    /// Children to insert with the row of `body`, which must then be one row: the children take
    /// the key of the row of the `INSERT` above them, so that `INSERT` holds only their parent.
    pub nested: Vec<NestedInsertRequest>,
}

/// Checked rows inserted with an insert's row.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedInsert {
    /// The CTE holding all its rows, `pgrst_nested_<cte>`: the root's are numbered by their
    /// place in `InsertPlan::nested`, those below them after them.
    pub cte: usize,
    pub relation: QualifiedName,
    pub nesting: Nesting,
    /// `(parent column, child column)`: the foreign key's columns the parent row fills in.
    pub link: Vec<(Ident, Ident)>,
    pub rows: Vec<NestedRows>,
}

/// Checked rows of a nested insert inserted together: a row without a column's key gets the
/// column's default.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedRows {
    pub columns: Vec<InsertColumn>,
    pub body: String,
    /// The children of the (one) row of `body`.
    pub nested: Vec<NestedInsert>,
}

/// A column a write reads from the body, with the type its JSON value is read as (a domain's
/// base type). Only these columns are read, not the relation's whole row type, so a `NOT NULL`
/// domain column the body leaves out is not checked against a NULL it was never given.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyColumn {
    pub name: Ident,
    pub sql_type: SqlType,
}

impl From<&Column> for BodyColumn {
    fn from(column: &Column) -> BodyColumn {
        BodyColumn {
            name: column.name.clone(),
            sql_type: column.value_type.clone(),
        }
    }
}

/// A column an insert writes.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertColumn {
    pub column: BodyColumn,
    /// What a row without the key gets instead of NULL (`Prefer: missing=default`).
    pub default: Option<SqlExpr>,
}

/// `ON CONFLICT (columns) DO UPDATE SET update | DO NOTHING`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnConflict {
    pub columns: Vec<Ident>,
    /// The columns `DO UPDATE` sets to the proposed row's values; none is `DO NOTHING`.
    pub update: Vec<Ident>,
}

/// A checked insert.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertPlan {
    pub relation: QualifiedName,
    pub columns: Vec<InsertColumn>,
    pub body: String,
    /// `None` for a plain insert, and for an upsert on a relation without a key to conflict on.
    pub on_conflict: Option<OnConflict>,
    /// A read of the inserted rows.
    pub returning: Option<ReadPlan>,
    /// Inserted with the row: its new parents before it, its children after it. The returning
    /// read's embeds of them read the rows inserted (`EmbedPlan::written`, by CTE).
    pub nested: Vec<NestedInsert>,
    /// CTEs of nested rows inserted in several CTEs that an embed reads together.
    pub unions: Vec<NestedUnion>,
}

/// `pgrst_nested_<cte> AS (SELECT * FROM pgrst_nested_<part> UNION ALL …)`: the rows of the
/// nested inserts `parts`, which an embed reads at once (the grandchildren of several children).
#[derive(Debug, Clone, PartialEq)]
pub struct NestedUnion {
    pub cte: usize,
    pub parts: Vec<usize>,
}

impl InsertPlan {
    pub fn build(
        cache: &Cache,
        relation: &Relation,
        request: InsertRequest,
        options: ReadOptions,
    ) -> Result<InsertPlan, PlanError> {
        let names = payload_columns(relation, &request.columns)?;
        let on_conflict = match request.on_conflict {
            None => None,
            Some(conflict) => {
                let inserted: Vec<Ident> = names.iter().map(|c| c.name.clone()).collect();
                on_conflict(relation, conflict, &inserted)?
            }
        };
        let columns = insert_columns(relation, names, request.missing);
        let nested = request
            .nested
            .into_iter()
            .map(|nested| nested_insert(cache, relation, nested))
            .collect::<Result<Vec<_>, _>>()?;
        // A key a new parent fills in cannot come from the body too.
        let mut parent_keys = nested
            .iter()
            .filter(|n| n.nesting == Nesting::Parent)
            .flat_map(|n| n.link.iter().map(|(_, child)| child));
        if let Some(column) = parent_keys.find(|key| columns.iter().any(|c| &c.column.name == *key))
        {
            return Err(PlanError::UnknownPayloadColumn {
                relation: relation.name.name.to_string(),
                column: column.to_string(),
            });
        }
        let mut nested = nested;
        let mut next = nested.len();
        for (cte, insert) in nested.iter_mut().enumerate() {
            insert.cte = cte;
            number(&mut insert.rows, &mut next);
        }
        let mut returning = returning(cache, relation, request.returning, options)?;
        let mut unions = Vec::new();
        for embed in returning.iter_mut().flat_map(|read| &mut read.embeds) {
            let readers = nested.iter().filter(|n| n.read_by(&embed.relationship));
            mark_written(embed, readers.collect(), &mut next, &mut unions);
        }
        Ok(InsertPlan {
            relation: relation.name.clone(),
            columns,
            body: request.body,
            on_conflict,
            returning,
            nested,
            unions,
        })
    }

    /// `PUT`: an upsert of the one row the URL names by its whole primary key
    /// (`?id=eq.1`), which the body must repeat.
    pub fn build_put(
        cache: &Cache,
        relation: &Relation,
        request: PutRequest,
        options: ReadOptions,
    ) -> Result<InsertPlan, PlanError> {
        let PutRequest {
            payload,
            first_row,
            missing,
            read,
            returning,
        } = request;
        if read.range != Range::default() {
            return Err(PlanError::PutRange);
        }
        let key = primary_key_filters(relation, &read.filters).ok_or(PlanError::PutFilters)?;
        let matches = key.iter().all(|(column, value)| {
            first_row
                .get(*column)
                .is_some_and(|sent| same_value(sent, value))
        });
        if !matches {
            return Err(PlanError::PutKeyMismatch);
        }
        let request = InsertRequest {
            columns: payload.columns,
            body: payload.body,
            missing,
            on_conflict: Some(ConflictRequest {
                resolution: Resolution::MergeDuplicates,
                columns: None,
                update: None,
            }),
            returning: returning.then_some(ReadRequest {
                filters: Vec::new(),
                ..read
            }),
            nested: Vec::new(),
        };
        Self::build(cache, relation, request, options)
    }
}

/// The columns an insert writes; with `Missing::Default`, a row without a column's key gets the
/// column's default.
fn insert_columns(
    relation: &Relation,
    names: Vec<BodyColumn>,
    missing: Missing,
) -> Vec<InsertColumn> {
    names
        .into_iter()
        .map(|column| InsertColumn {
            default: match missing {
                Missing::Null => None,
                Missing::Default => relation
                    .column(column.name.as_str())
                    .and_then(|c| c.default_expr.clone()),
            },
            column,
        })
        .collect()
}

impl NestedInsert {
    /// Whether an embed of the inserted row following `relationship` reads these rows.
    fn read_by(&self, relationship: &Relationship) -> bool {
        let Link::Direct(pairs) = &relationship.link else {
            return false;
        };
        let flipped = || {
            pairs
                .iter()
                .map(|(a, b)| (b.clone(), a.clone()))
                .collect::<Vec<_>>()
        };
        relationship.target == self.relation
            && match self.nesting {
                Nesting::Children => !relationship.cardinality.to_one() && *pairs == self.link,
                Nesting::Parent => relationship.cardinality.to_one() && flipped() == self.link,
            }
    }
}

/// The rows `request` asks for with a row of `relation`, through one of their foreign keys
/// (PGRST200 for a key that is none); the children (or the row) may not set the key's columns
/// themselves (PGRST204).
fn nested_insert(
    cache: &Cache,
    relation: &Relation,
    request: NestedInsertRequest,
) -> Result<NestedInsert, PlanError> {
    let (nested, link) = match request.nesting {
        Nesting::Children => {
            let children = cache.relations.values().find_map(|child| {
                let key = child
                    .foreign_keys
                    .iter()
                    .find(|fk| fk.constraint == request.constraint && fk.target == relation.name)?;
                Some((child, key))
            });
            children.map(|(child, key)| (child, pairs(&key.target_columns, &key.columns)))
        }
        Nesting::Parent => relation
            .foreign_keys
            .iter()
            .find(|fk| fk.constraint == request.constraint)
            .and_then(|key| {
                let parent = cache.relations.get(&key.target)?;
                Some((parent, pairs(&key.target_columns, &key.columns)))
            }),
    }
    .ok_or_else(|| {
        PlanError::NoRelationship(Box::new(NoRelationship {
            source_name: relation.name.name.to_string(),
            target: request.constraint.clone(),
            hint: None,
            schema: relation.name.schema.to_string(),
            suggestion: None,
        }))
    })?;
    let rows = request
        .rows
        .into_iter()
        .map(|rows| nested_rows(cache, nested, request.nesting, &link, rows))
        .collect::<Result<Vec<_>, _>>()?;
    // The row takes the key of every row of its parent's `INSERT`: there must be one.
    if request.nesting == Nesting::Parent && !matches!(&rows[..], [only] if one_row(&only.body)) {
        return Err(PlanError::NotImplemented(format!(
            "several new parents in {}",
            nested.name.name
        )));
    }
    Ok(NestedInsert {
        cte: 0,
        relation: nested.name.clone(),
        nesting: request.nesting,
        link,
        rows,
    })
}

/// The checked `rows` of `relation`, tied to their parent (or child) by `link`, and the children
/// of their row.
fn nested_rows(
    cache: &Cache,
    relation: &Relation,
    nesting: Nesting,
    link: &[(Ident, Ident)],
    rows: NestedRowsRequest,
) -> Result<NestedRows, PlanError> {
    let names = payload_columns(relation, &rows.columns)?;
    if nesting == Nesting::Children
        && let Some(column) = names
            .iter()
            .find(|c| link.iter().any(|(_, k)| *k == c.name))
    {
        return Err(PlanError::UnknownPayloadColumn {
            relation: relation.name.name.to_string(),
            column: column.name.to_string(),
        });
    }
    // Children take the key of every row of the `INSERT` above them, so it must hold one row,
    // and only children follow it.
    let parent_of_children = rows.nested.is_empty()
        || (nesting == Nesting::Children
            && rows.nested.iter().all(|n| n.nesting == Nesting::Children)
            && one_row(&rows.body));
    if !parent_of_children {
        return Err(PlanError::NotImplemented(format!(
            "nested inserts below several rows of {}",
            relation.name.name
        )));
    }
    let nested = rows
        .nested
        .into_iter()
        .map(|child| nested_insert(cache, relation, child))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NestedRows {
        columns: insert_columns(relation, names, Missing::Default),
        body: rows.body,
        nested,
    })
}

/// Whether the JSON `body` is one object, or an array of one.
fn one_row(body: &str) -> bool {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(_)) => true,
        Ok(Value::Array(rows)) => rows.len() == 1,
        _ => false,
    }
}

/// Numbers the CTEs of the nested inserts below `rows` from `next` on.
fn number(rows: &mut [NestedRows], next: &mut usize) {
    for insert in rows.iter_mut().flat_map(|rows| &mut rows.nested) {
        insert.cte = *next;
        *next += 1;
        number(&mut insert.rows, next);
    }
}

/// Has `embed` read the rows of `readers` (nested inserts of its relation), and its embeds
/// the rows inserted below them along their relationships: new rows are not in the statement's
/// snapshot of the tables. Several nested inserts are read as one `unions` CTE numbered `next`.
fn mark_written(
    embed: &mut EmbedPlan,
    readers: Vec<&NestedInsert>,
    next: &mut usize,
    unions: &mut Vec<NestedUnion>,
) {
    embed.written = match readers.as_slice() {
        [] => None,
        [one] => Some(one.cte),
        several => {
            *next += 1;
            unions.push(NestedUnion {
                cte: *next - 1,
                parts: several.iter().map(|n| n.cte).collect(),
            });
            Some(*next - 1)
        }
    };
    for below in &mut embed.plan.embeds {
        let children = readers
            .iter()
            .flat_map(|n| &n.rows)
            .flat_map(|rows| &rows.nested)
            .filter(|n| n.read_by(&below.relationship));
        mark_written(below, children.collect(), next, unions);
    }
}

/// `(parent column, child column)` pairs of a foreign key.
fn pairs(parent: &[Ident], child: &[Ident]) -> Vec<(Ident, Ident)> {
    parent.iter().cloned().zip(child.iter().cloned()).collect()
}

/// The `ON CONFLICT` clause of `conflict`, for an insert of `inserted` columns.
fn on_conflict(
    relation: &Relation,
    conflict: ConflictRequest,
    inserted: &[Ident],
) -> Result<Option<OnConflict>, PlanError> {
    let columns = match conflict.columns {
        Some(names) => known_columns(relation, &names)?,
        // Without a key, PostgREST ignores the resolution.
        None if relation.primary_key.is_empty() => return Ok(None),
        None => relation.primary_key.clone(),
    };
    let update = match (conflict.resolution, conflict.update) {
        (Resolution::IgnoreDuplicates, _) => Vec::new(),
        (Resolution::MergeDuplicates, Some(names)) => known_columns(relation, &names)?,
        (Resolution::MergeDuplicates, None) => inserted.to_vec(),
    };
    Ok(Some(OnConflict { columns, update }))
}

/// A `PUT` as a caller asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct PutRequest {
    pub payload: Payload,
    /// The body's first object, whose key must be the URL's.
    pub first_row: Map<String, Value>,
    pub missing: Missing,
    /// The URL's filters (the key) and what to return.
    pub read: ReadRequest,
    pub returning: bool,
}

/// `(column, value)` of each `column=eq.value` filter when they name exactly the primary key.
fn primary_key_filters<'a>(
    relation: &Relation,
    filters: &'a [LogicTree],
) -> Option<Vec<(&'a str, &'a str)>> {
    let pairs = filters
        .iter()
        .map(|filter| match filter {
            LogicTree::Filter(filter) if !filter.negated && filter.field.json_path.is_empty() => {
                match &filter.condition {
                    Condition::Compare(Operator::Eq, value) => {
                        Some((filter.field.column.as_str(), value.as_str()))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let key = &relation.primary_key;
    let exact = !key.is_empty()
        && pairs.len() == key.len()
        && key
            .iter()
            .all(|column| pairs.iter().any(|(name, _)| *name == column.as_str()));
    exact.then_some(pairs)
}

/// Whether a body value is the value the URL gave as text.
fn same_value(sent: &Value, url: &str) -> bool {
    match sent {
        Value::String(text) => text == url,
        Value::Number(number) => number.to_string() == url,
        Value::Bool(true) => url == "true",
        Value::Bool(false) => url == "false",
        Value::Null | Value::Array(_) | Value::Object(_) => false,
    }
}

/// PATCH or DELETE: what becomes of the rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    /// Set `columns` from the body's (first) object, and `defaults` to their defaults.
    Update {
        columns: Vec<BodyColumn>,
        defaults: Vec<Ident>,
        body: String,
    },
    Delete,
}

/// A PATCH or DELETE as a caller asked for it.
#[derive(Debug, Clone, PartialEq)]
pub enum MutationRequest {
    /// `defaults` are columns of `columns=` the body leaves out, with `Prefer: missing=default`.
    Update {
        payload: Payload,
        defaults: Vec<String>,
    },
    Delete,
}

/// A checked PATCH or DELETE.
#[derive(Debug, Clone, PartialEq)]
pub struct MutatePlan {
    pub mutation: Mutation,
    /// The rows to change: the root level's filters, the embeds they need (`!inner`, `rel=is.null`),
    /// and an `order` with `limit`/`offset` that picks some of them.
    pub rows: ReadPlan,
    /// A read of the changed rows.
    pub returning: Option<ReadPlan>,
}

impl MutatePlan {
    pub fn build(
        cache: &Cache,
        relation: &Relation,
        mutation: MutationRequest,
        read: ReadRequest,
        returning: bool,
        options: ReadOptions,
    ) -> Result<MutatePlan, PlanError> {
        let mutation = match mutation {
            MutationRequest::Update { payload, defaults } => {
                let defaults: Vec<Ident> = payload_columns(relation, &defaults)?
                    .into_iter()
                    .map(|c| c.name)
                    .collect();
                let columns = payload_columns(relation, &payload.columns)?
                    .into_iter()
                    .filter(|column| !defaults.contains(&column.name))
                    .collect();
                Mutation::Update {
                    columns,
                    defaults,
                    body: payload.body,
                }
            }
            MutationRequest::Delete => Mutation::Delete,
        };
        // db-max-rows caps what is read, never what is written.
        let options = ReadOptions {
            max_rows: None,
            ..options
        };
        let rows = ReadPlan::build(cache, relation, read, options)?;
        // The changed rows are returned whole: the root level's filters and page chose them.
        let returning = returning.then(|| ReadPlan {
            filters: Vec::new(),
            range: Range::default(),
            ..rows.clone()
        });
        Ok(MutatePlan {
            mutation,
            rows,
            returning,
        })
    }
}

/// The payload's keys as columns of the relation (PGRST204 for any other).
fn payload_columns(relation: &Relation, names: &[String]) -> Result<Vec<BodyColumn>, PlanError> {
    columns_of(relation, names, |relation, column| {
        PlanError::UnknownPayloadColumn { relation, column }
    })
}

/// Columns named in the query string (42703 for any other).
fn known_columns(relation: &Relation, names: &[String]) -> Result<Vec<Ident>, PlanError> {
    let columns = columns_of(relation, names, |relation, column| {
        PlanError::UnknownColumn { relation, column }
    })?;
    Ok(columns.into_iter().map(|c| c.name).collect())
}

fn columns_of(
    relation: &Relation,
    names: &[String],
    unknown: impl Fn(String, String) -> PlanError,
) -> Result<Vec<BodyColumn>, PlanError> {
    names
        .iter()
        .map(|name| {
            relation
                .column(name)
                .map(BodyColumn::from)
                .ok_or_else(|| unknown(relation.name.name.to_string(), name.clone()))
        })
        .collect()
}

/// The read of a write's rows, uncapped: the representation is every changed row.
fn returning(
    cache: &Cache,
    relation: &Relation,
    read: Option<ReadRequest>,
    options: ReadOptions,
) -> Result<Option<ReadPlan>, PlanError> {
    let options = ReadOptions {
        max_rows: None,
        ..options
    };
    read.map(|read| ReadPlan::build(cache, relation, read, options))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::one_row;

    /// Children may follow only an `INSERT` of one row, whose key they all take.
    #[test]
    fn one_row_is_an_object_or_an_array_of_one() {
        assert!(one_row(r#"{"a": 1}"#));
        assert!(one_row(r#"[{"a": 1}]"#));
        assert!(!one_row(r#"[{"a": 1}, {"a": 2}]"#));
        assert!(!one_row("[]"));
        assert!(!one_row("not json"));
    }
}
