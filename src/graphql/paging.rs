//! A connection's order and page: `orderBy`, `first`, `last`, `offset`, `after` and `before`,
//! its cursors and what `pageInfo` says, all decided in the connection's one statement.
//!
//! A table with a primary key ends every order with the key's columns, so its order is total and
//! a cursor holds its row's values of the order's columns (keyset paging): `after` and `before`
//! become conditions on them. A table without one pages by position: a cursor holds its row's
//! 1-based index in the filtered order. A cursor is `base64([tag, values…])` whose tag names the
//! order (`NAME_DESC,ID_ASC`, `NATURAL`), so it is only valid in the order it came from. `last`
//! reads a keyed order backwards and turns the page around.
//!
//! As in PostGraphile, one more row than `first` (or `last`) is read to tell whether there is a
//! next (previous) page; `offset` means there is a previous one, and cursors alone do not.

use async_graphql::{Error, Name, SelectionField, Value};
use serde_json::value::RawValue;

use super::args::Args;
use super::fields::{Page, Row};
use super::model::{ColumnField, OrderValue, Table};
use super::naming;
use super::opaque;
use super::scalar::Scalar;
use crate::plan::{
    Condition, Direction, FieldPath, Filter, IsValue, LogicTree, Operator, OrderTarget, OrderTerm,
    Range,
};

/// The key of a row's cursor, once its page has made it.
pub(crate) const CURSOR_KEY: &str = "@cursor";

/// The tag of cursors of rows in no order: their positions.
const NATURAL: &str = "NATURAL";

const INVALID_CURSOR: &str =
    "Invalid cursor, please enter a cursor from a previous request, or null.";

/// The order of a collection of a table's rows: column indexes and directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Order {
    terms: Vec<(usize, Direction)>,
    /// Names the order in its cursors.
    tag: String,
    /// Whether the order is total (it ends with the primary key), so cursors hold keys.
    keyed: bool,
}

impl Order {
    /// `orderBy: [AGE_DESC, NAME_ASC]` (a single value counts as a list of one; none at all means
    /// the table's default order), then the primary key's columns not ordered yet.
    pub fn of(table: &Table, args: &Args) -> Result<Order, Error> {
        let default = Value::Enum(Name::new(table.default_order()));
        let names = match args.get("orderBy").unwrap_or(&default) {
            Value::List(items) => items.iter().collect(),
            single => vec![single],
        };
        let mut terms: Vec<(usize, Direction)> = Vec::new();
        for name in names {
            let name = match name {
                Value::Enum(name) => name.as_str(),
                Value::String(name) => name.as_str(),
                other => return Err(Error::new(format!("Invalid orderBy value {other}"))),
            };
            match table.order_value(name) {
                Some(OrderValue::Natural) => {}
                Some(OrderValue::PrimaryKey(direction)) => {
                    terms.extend(table.primary_key.iter().map(|&i| (i, direction)));
                }
                Some(OrderValue::Column(index, direction)) => terms.push((index, direction)),
                None => {
                    let order_by = &table.names.order_by;
                    return Err(Error::new(format!(
                        "Invalid orderBy value {name} for {order_by}"
                    )));
                }
            }
        }
        for &index in &table.primary_key {
            if !terms.iter().any(|&(i, _)| i == index) {
                terms.push((index, Direction::Asc));
            }
        }
        let tag = match terms.is_empty() {
            true => NATURAL.to_owned(),
            false => terms
                .iter()
                .map(|&(i, direction)| {
                    naming::order_value(
                        table.columns[i].column.as_str(),
                        direction == Direction::Asc,
                    )
                })
                .collect::<Vec<_>>()
                .join(","),
        };
        Ok(Order {
            terms,
            tag,
            keyed: !table.primary_key.is_empty(),
        })
    }

    /// The plan's order, backwards for `last`.
    fn terms(&self, table: &Table, backwards: bool) -> Vec<OrderTerm> {
        self.terms
            .iter()
            .map(|&(index, direction)| OrderTerm {
                target: OrderTarget::Field(FieldPath::column(table.columns[index].column.as_str())),
                direction: Some(match (direction, backwards) {
                    (direction, false) => direction,
                    (Direction::Asc, true) => Direction::Desc,
                    (Direction::Desc, true) => Direction::Asc,
                }),
                nulls: None,
            })
            .collect()
    }

    /// The columns a keyed cursor is made of, with the keys a level reads them under (one per
    /// column, so the cursors of several orders can share them).
    pub fn cursor_columns<'t>(&self, table: &'t Table) -> Vec<(String, &'t str)> {
        match self.keyed {
            true => self
                .terms
                .iter()
                .map(|&(index, _)| (cursor_key(index), table.columns[index].column.as_str()))
                .collect(),
            false => Vec::new(),
        }
    }

    /// The keyed cursor of `row`, which has read the cursor columns.
    pub fn keyed_cursor(&self, row: &Row) -> Result<String, Error> {
        let values = self
            .terms
            .iter()
            .map(|&(index, _)| {
                row.get(&cursor_key(index))
                    .map(AsRef::as_ref)
                    .ok_or_else(|| Error::new("internal: the row's cursor was not read"))
            })
            .collect::<Result<Vec<&RawValue>, _>>()?;
        Ok(opaque::encode(&self.tag, values))
    }

    /// The position a cursor names in this order.
    fn position(&self, table: &Table, cursor: &str, argument: &str) -> Result<Position, Error> {
        let invalid = || Error::new(INVALID_CURSOR);
        let (tag, values) = opaque::decode(cursor).ok_or_else(invalid)?;
        if tag != self.tag {
            return Err(Error::new(format!(
                "Invalid '{argument}' cursor - a cursor is only valid within a specific ordering, \
                 if you change the order then you'll need different cursors."
            )));
        }
        if !self.keyed {
            return match values.as_slice() {
                [index] => index
                    .get()
                    .parse()
                    .map(Position::Index)
                    .map_err(|_| invalid()),
                _ => Err(invalid()),
            };
        }
        if values.len() != self.terms.len() {
            return Err(invalid());
        }
        self.terms
            .iter()
            .zip(&values)
            .map(|(&(index, _), value)| cursor_text(&table.columns[index], value))
            .collect::<Option<_>>()
            .map(Position::Keys)
            .ok_or_else(invalid)
    }
}

/// The key under which a level reads the column at `index` for cursors.
fn cursor_key(index: usize) -> String {
    format!("@c{index}")
}

/// A cursor value as the text Postgres parses as its column's type (`None`: null).
fn cursor_text(column: &ColumnField, value: &RawValue) -> Option<Option<String>> {
    if value.get() == "null" {
        return Some(None);
    }
    match (column.list, column.scalar) {
        (true, scalar) => {
            let json: serde_json::Value = serde_json::from_str(value.get()).ok()?;
            let value = Value::from_json(json).ok()?;
            scalar.input_text(&value, true).ok()
        }
        (false, Scalar::Json) => Some(Some(value.get().to_owned())),
        (false, _) => opaque::text(value),
    }
}

/// Where a cursor points: its row's order values, or its row's index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    Keys(Vec<Option<String>>),
    Index(u64),
}

/// A connection's arguments, checked against its order. `first` and `last` are capped by
/// `db-max-rows`, and `first` is that cap when neither is given, so a capped page still tells
/// whether there is more.
#[derive(Debug, Clone)]
pub(crate) struct Paging {
    order: Order,
    first: Option<u64>,
    last: Option<u64>,
    offset: u64,
    after: Option<Position>,
    before: Option<Position>,
}

/// What a page adds to its level's request.
pub(crate) struct Window {
    pub order: Vec<OrderTerm>,
    /// Conditions the cursors add to the filters.
    pub filters: Vec<LogicTree>,
    pub range: Range,
}

impl Paging {
    /// The page of a collection ordered by its `orderBy`.
    pub fn of(table: &Table, args: &Args, max_rows: Option<u64>) -> Result<Paging, Error> {
        Self::in_order(Order::of(table, args)?, table, args, max_rows)
    }

    /// The page of rows in the order they come, as a function returns them: paged by position.
    pub fn natural(table: &Table, args: &Args, max_rows: Option<u64>) -> Result<Paging, Error> {
        let order = Order {
            terms: Vec::new(),
            tag: NATURAL.to_owned(),
            keyed: false,
        };
        Self::in_order(order, table, args, max_rows)
    }

    fn in_order(
        order: Order,
        table: &Table,
        args: &Args,
        max_rows: Option<u64>,
    ) -> Result<Paging, Error> {
        let count = |name: &str| -> Result<Option<u64>, Error> {
            let Some(value) = args.get(name) else {
                return Ok(None);
            };
            let n = match value {
                Value::Number(n) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| Error::new(format!("Argument \"{name}\" must be an integer.")))?;
            u64::try_from(n).map(Some).map_err(|_| {
                Error::new(format!(
                    "Argument \"{name}\" must not be negative, got {n}."
                ))
            })
        };
        let cursor = |name: &str| match args.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => order.position(table, text, name).map(Some),
            Some(_) => Err(Error::new(INVALID_CURSOR)),
        };
        let paging = Paging {
            first: count("first")?,
            last: count("last")?,
            offset: count("offset")?.unwrap_or(0),
            after: cursor("after")?,
            before: cursor("before")?,
            order,
        };
        if paging.first.is_some() && paging.last.is_some() {
            return Err(Error::new(
                "Arguments \"first\" and \"last\" may not be used together.",
            ));
        }
        if paging.last.is_some() && paging.offset > 0 {
            return Err(Error::new(
                "Argument \"offset\" may not be used with \"last\".",
            ));
        }
        if paging.last.is_some() && !paging.order.keyed && paging.before.is_none() {
            return Err(Error::new(format!(
                "`{}` rows in this order have no key to page backwards by: \"last\" needs a \"before\" cursor.",
                table.names.node
            )));
        }
        let cap = |n: Option<u64>| match (n, max_rows) {
            (Some(n), Some(max)) => Some(n.min(max)),
            (n, max) => n.or(max),
        };
        Ok(match paging.last {
            Some(_) => Paging {
                last: cap(paging.last),
                ..paging
            },
            None => Paging {
                first: cap(paging.first),
                ..paging
            },
        })
    }

    pub fn order(&self) -> &Order {
        &self.order
    }

    /// Whether the cursors add conditions, which `totalCount` must not see.
    pub fn filters(&self) -> bool {
        self.order.keyed && (self.after.is_some() || self.before.is_some())
    }

    /// The order, cursor conditions and range of the rows to read.
    pub fn window(&self, table: &Table) -> Window {
        let backwards = self.order.keyed && self.last.is_some();
        let mut filters = Vec::new();
        if self.order.keyed {
            for (position, after) in [(&self.after, true), (&self.before, false)] {
                if let Some(Position::Keys(values)) = position {
                    filters.push(self.beyond(table, values, after));
                }
            }
        }
        Window {
            order: self.order.terms(table, backwards),
            filters,
            range: self.range(),
        }
    }

    /// The range of the rows to read, one more than the page holds to tell whether there is
    /// more. (A nested page needs only this, once per parent row.)
    pub fn range(&self) -> Range {
        let plus_one = |n: u64| n.saturating_add(1);
        if self.order.keyed {
            return match (self.first, self.last) {
                (_, Some(last)) => Range {
                    offset: 0,
                    limit: Some(plus_one(last)),
                },
                (first, None) => Range {
                    offset: self.offset,
                    limit: first.map(plus_one),
                },
            };
        }
        let start = self
            .index(&self.after)
            .unwrap_or(0)
            .saturating_add(self.offset);
        // Rows before the `before` row: those at indexes 1 to k - 1.
        let end = self
            .index(&self.before)
            .map(|k| k.saturating_sub(1).max(start));
        match (self.first, self.last, end) {
            (_, Some(last), Some(end)) => {
                let from = end.saturating_sub(plus_one(last)).max(start);
                Range {
                    offset: from,
                    limit: Some(end - from),
                }
            }
            (first, _, end) => Range {
                offset: start,
                limit: match (first.map(plus_one), end.map(|end| end - start)) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
            },
        }
    }

    fn index(&self, position: &Option<Position>) -> Option<u64> {
        match position {
            Some(Position::Index(index)) => Some(*index),
            _ => None,
        }
    }

    /// The rows after (or before) the row whose order values are `values`: for some term, equal
    /// in the terms before it and beyond in it. Postgres puts nulls last in ascending order and
    /// first in descending order.
    fn beyond(&self, table: &Table, values: &[Option<String>], after: bool) -> LogicTree {
        let column = |index: usize| FieldPath::column(table.columns[index].column.as_str());
        let test = |index: usize, condition: Condition| {
            LogicTree::Filter(Filter {
                field: column(index),
                negated: false,
                condition,
            })
        };
        let mut alternatives = Vec::new();
        for (k, (&(index, direction), value)) in self.order.terms.iter().zip(values).enumerate() {
            // Whether this term's nulls come after its values in the direction of travel.
            let nulls_beyond = (direction == Direction::Asc) == after;
            let beyond = match (value, nulls_beyond) {
                (None, true) => None,
                (None, false) => Some(test(index, Condition::Is(IsValue::NotNull))),
                (Some(value), nulls_beyond) => {
                    let operator = if (direction == Direction::Asc) == after {
                        Operator::Gt
                    } else {
                        Operator::Lt
                    };
                    let compare = test(index, Condition::Compare(operator, value.clone()));
                    Some(match nulls_beyond {
                        true => {
                            LogicTree::Or(vec![compare, test(index, Condition::Is(IsValue::Null))])
                        }
                        false => compare,
                    })
                }
            };
            let Some(beyond) = beyond else {
                continue;
            };
            let mut all: Vec<LogicTree> = self.order.terms[..k]
                .iter()
                .zip(values)
                .map(|(&(index, _), value)| match value {
                    Some(value) => test(index, Condition::Compare(Operator::Eq, value.clone())),
                    None => test(index, Condition::Is(IsValue::Null)),
                })
                .collect();
            all.push(beyond);
            alternatives.push(LogicTree::And(all));
        }
        LogicTree::Or(alternatives)
    }

    /// The page of `rows` read for this window: one more than `first`/`last` tells there is
    /// more; with `cursors`, each row gets its cursor under [`CURSOR_KEY`].
    pub fn page(
        &self,
        mut rows: Vec<Row>,
        range: Range,
        total: Option<i64>,
        cursors: bool,
    ) -> Result<Page, Error> {
        let limit = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let (mut has_next, mut has_previous) = (false, self.offset > 0);
        let mut first_index = range.offset;
        match (self.first, self.last) {
            (Some(first), _) => {
                has_next = rows.len() > limit(first);
                rows.truncate(limit(first));
            }
            (None, Some(last)) if self.order.keyed => {
                has_previous = rows.len() > limit(last);
                rows.truncate(limit(last));
                rows.reverse();
            }
            (None, Some(last)) => {
                let extra = rows.len().saturating_sub(limit(last));
                has_previous = extra > 0;
                rows.drain(..extra);
                first_index += extra as u64;
            }
            (None, None) => {}
        }
        if cursors {
            for (i, row) in rows.iter_mut().enumerate() {
                let cursor = match self.order.keyed {
                    true => self.order.keyed_cursor(row)?,
                    false => {
                        let index = first_index + i as u64 + 1;
                        let raw = RawValue::from_string(index.to_string())
                            .map_err(|e| Error::new(format!("internal: {e}")))?;
                        opaque::encode(&self.order.tag, [raw.as_ref()])
                    }
                };
                insert_cursor(row, &cursor)?;
            }
        }
        Ok(Page {
            rows,
            has_next,
            has_previous,
            total,
            aggregates: Row::new(),
        })
    }
}

/// Puts `cursor` into `row` under [`CURSOR_KEY`].
pub(crate) fn insert_cursor(row: &mut Row, cursor: &str) -> Result<(), Error> {
    let raw = RawValue::from_string(serde_json::Value::from(cursor).to_string())
        .map_err(|e| Error::new(format!("internal: {e}")))?;
    row.insert(CURSOR_KEY.to_owned(), raw);
    Ok(())
}

/// Whether a connection's selection asks for cursors: `edges { cursor }` or
/// `pageInfo { startCursor endCursor }`.
pub(crate) fn wants_cursors(field: &SelectionField<'_>) -> bool {
    field.selection_set().any(|child| match child.name() {
        "edges" => child.selection_set().any(|f| f.name() == "cursor"),
        "pageInfo" => child
            .selection_set()
            .any(|f| matches!(f.name(), "startCursor" | "endCursor")),
        _ => false,
    })
}
