//! The select items of one plan level, keyed by the fields' response keys.
//!
//! `nodes` and `edges { node }` of a connection read the same rows, so both add their fields to
//! one level: a response key may repeat across them only for the same column, or for the same
//! relation with the same arguments (whose selections are then merged). Relation filters add
//! embeds that output nothing, and a level that answers no field at all still reads one column,
//! so that its rows exist; both use keys starting with `@`, which no GraphQL name can.

use async_graphql::Error;

use super::model::Table;
use super::relations::{self, RelationField};
use crate::plan::request::Embed;
use crate::plan::{ComputedRequest, FieldPath, ReadRequest, SelectField, SelectItem};

/// Postgres cuts longer names, which would lose the value of a longer response key.
const MAX_KEY_BYTES: usize = 63;

/// The key of the column a level that answers no field reads.
const ROW_KEY: &str = "@row";

/// The keys of embeds that only filter start with this.
const FILTER_KEY: &str = "@filter";

#[derive(Debug, Default)]
pub(crate) struct Select {
    items: Vec<SelectItem>,
    /// Whether any item answers a field.
    answers: bool,
    filter_embeds: usize,
}

impl Select {
    /// `column` under `key`.
    pub fn column(&mut self, key: &str, column: &str) -> Result<(), Error> {
        check_length(key)?;
        self.answers = true;
        merge(&mut self.items, field(key, column))
    }

    /// A computed column called with arguments, under its alias.
    pub fn computed(&mut self, computed: ComputedRequest) -> Result<(), Error> {
        check_length(&computed.alias)?;
        self.answers = true;
        merge(&mut self.items, SelectItem::Computed(computed))
    }

    /// Related rows under their embed's key.
    pub fn relation(&mut self, embed: Embed) -> Result<(), Error> {
        check_length(embed.target())?;
        self.answers = true;
        merge(&mut self.items, SelectItem::Embed(embed))
    }

    /// An embed of `relation` that only filters this level's rows; returns the key filters test.
    pub fn filter_embed(&mut self, relation: &RelationField, request: ReadRequest) -> String {
        self.filter_embeds += 1;
        let key = format!("{FILTER_KEY}{}", self.filter_embeds);
        let embed = relations::embed(relation, Some(key.clone()), request);
        self.items.push(SelectItem::Embed(embed));
        key
    }

    /// The embeds that only filter, which counting the level's rows needs.
    pub fn filter_items(&self) -> Vec<SelectItem> {
        self.items
            .iter()
            .filter(
                |item| matches!(item, SelectItem::Embed(e) if e.target().starts_with(FILTER_KEY)),
            )
            .cloned()
            .collect()
    }

    /// The items of a level whose rows are output.
    pub fn finish(mut self, table: &Table) -> Vec<SelectItem> {
        if let (false, Some(first)) = (self.answers, table.columns.first()) {
            self.items.push(field(ROW_KEY, first.column.as_str()));
        }
        self.items
    }

    /// The items of a level that only filters.
    pub fn into_items(self) -> Vec<SelectItem> {
        self.items
    }
}

fn field(key: &str, column: &str) -> SelectItem {
    SelectItem::Field(SelectField {
        field: FieldPath::column(column),
        alias: Some(key.to_owned()),
        cast: None,
        aggregate: None,
    })
}

fn check_length(key: &str) -> Result<(), Error> {
    match key.len() > MAX_KEY_BYTES {
        true => Err(Error::new(format!(
            "The response key \"{key}\" is longer than the {MAX_KEY_BYTES} bytes Postgres allows \
             in a name; use a shorter alias."
        ))),
        false => Ok(()),
    }
}

/// The response key of an item.
fn key(item: &SelectItem) -> Option<&str> {
    match item {
        SelectItem::Field(field) => field.alias.as_deref(),
        SelectItem::Embed(embed) => Some(embed.target()),
        SelectItem::Computed(computed) => Some(&computed.alias),
        _ => None,
    }
}

/// Adds `item` to `items`, merging it with an item of the same key that reads the same thing.
fn merge(items: &mut Vec<SelectItem>, item: SelectItem) -> Result<(), Error> {
    let Some(name) = key(&item) else {
        items.push(item);
        return Ok(());
    };
    let Some(existing) = items.iter_mut().find(|i| key(i) == Some(name)) else {
        items.push(item);
        return Ok(());
    };
    match (existing, item) {
        (SelectItem::Field(a), SelectItem::Field(b)) if a.field == b.field => Ok(()),
        (SelectItem::Computed(a), SelectItem::Computed(b)) if *a == b => Ok(()),
        (SelectItem::Embed(a), SelectItem::Embed(b)) if same_rows(a, &b) => {
            for item in b.request.select {
                merge(&mut a.request.select, item)?;
            }
            Ok(())
        }
        (_, item) => Err(Error::new(format!(
            "The response key \"{}\" stands for different fields or arguments across nodes and \
             edges; give them different aliases.",
            key(&item).unwrap_or_default()
        ))),
    }
}

/// Whether two embeds read the same rows.
fn same_rows(a: &Embed, b: &Embed) -> bool {
    let (a_request, b_request) = (&a.request, &b.request);
    a.name == b.name
        && a.hint == b.hint
        && a.join == b.join
        && a_request.filters == b_request.filters
        && a_request.order == b_request.order
        && a_request.range == b_request.range
}
