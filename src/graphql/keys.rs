//! A table's keys as root fields: besides the primary key's `personById`, every UNIQUE constraint
//! whose columns are all fields reads and writes one row by its columns, named as PostGraphile's
//! V4 preset names them — `personByEmail(email: String!)`, `updatePersonByEmail(input:
//! UpdatePersonByEmailInput!)`, `deletePersonByEmail(…)`, and for `UNIQUE (org, badge)`
//! `personByOrgAndBadge`. These work on tables without a primary key too (only the global-id
//! fields need one).

use std::collections::HashSet;

use super::model::{ColumnField, Table};
use super::naming::{self, KeyNames};
use super::smart_tags::Action;
use crate::schema::Cache;

/// Which key of a table names a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Primary,
    /// By index into [`Table::unique_keys`].
    Unique(usize),
}

/// A UNIQUE constraint other than the primary key, with its root fields' names.
#[derive(Debug)]
pub(crate) struct UniqueKeyField {
    /// Indexes into `Table::columns`, in key order.
    pub columns: Vec<usize>,
    pub names: KeyNames,
}

impl Table {
    /// The keys naming a row: the primary key, if any, then the unique keys.
    pub fn keys(&self) -> impl Iterator<Item = (Key, &[usize], &KeyNames)> {
        let primary = self
            .by_key
            .as_ref()
            .map(|names| (Key::Primary, self.primary_key.as_slice(), names));
        let unique = self
            .unique_keys
            .iter()
            .enumerate()
            .map(|(i, key)| (Key::Unique(i), key.columns.as_slice(), &key.names));
        primary.into_iter().chain(unique)
    }

    /// The columns of `key`, by index into `columns`.
    pub fn key_columns(&self, key: Key) -> &[usize] {
        match key {
            Key::Primary => &self.primary_key,
            Key::Unique(i) => &self.unique_keys[i].columns,
        }
    }

    /// Whether a row can be named by a key, so that it can be updated and deleted one at a time.
    pub fn has_keys(&self) -> bool {
        self.by_key.is_some() || !self.unique_keys.is_empty()
    }
}

/// Gives each table its unique keys. A key is left out (with a debug line) when one of its
/// columns is not a field, when its columns are the primary key's or an earlier key's, or when
/// its names are invalid or taken; `type_names` and `field_names` hold the names taken.
pub(crate) fn attach(
    cache: &Cache,
    tables: &mut [Table],
    type_names: &mut HashSet<String>,
    field_names: &mut HashSet<String>,
) {
    for table in tables.iter_mut() {
        let Some(relation) = cache.relations.get(&table.relation) else {
            continue;
        };
        let mut keys: Vec<UniqueKeyField> = Vec::new();
        for key in &relation.unique_keys {
            // As in PostGraphile, a key with an omitted column (`@omit`) names no row.
            let columns: Option<Vec<usize>> = key
                .columns
                .iter()
                .map(|name| {
                    let visible = |c: &&ColumnField| !c.tags.omits(Action::Read);
                    table
                        .columns
                        .iter()
                        .position(|c| &c.column == name && visible(&c))
                })
                .collect();
            let Some(columns) = columns else {
                tracing::debug!(
                    "GraphQL: unique key {} skipped: a column is not a field",
                    key.constraint
                );
                continue;
            };
            let same = |other: &[usize]| same_columns(other, &columns);
            let repeated = same(&table.primary_key) || keys.iter().any(|k| same(&k.columns));
            let base_names: Vec<&str> = columns
                .iter()
                .map(|&i| table.columns[i].base_name.as_str())
                .collect();
            let names = KeyNames::new(&table.base_name, &base_names);
            let types = [&names.update_input, &names.delete_input];
            let fields = [&names.read, &names.update, &names.delete];
            let valid = types
                .iter()
                .chain(&fields)
                .all(|n| naming::is_valid_name(n));
            let free = types.iter().all(|n| !type_names.contains(*n))
                && fields.iter().all(|n| !field_names.contains(*n));
            if repeated || !valid || !free {
                tracing::debug!(
                    "GraphQL: unique key {} skipped: it repeats a key, or its names are invalid \
                     or taken ({})",
                    key.constraint,
                    names.read
                );
                continue;
            }
            type_names.extend(types.map(String::clone));
            field_names.extend(fields.map(String::clone));
            keys.push(UniqueKeyField { columns, names });
        }
        table.unique_keys = keys;
    }
}

fn same_columns(a: &[usize], b: &[usize]) -> bool {
    let set = |columns: &[usize]| columns.iter().copied().collect::<HashSet<usize>>();
    !a.is_empty() && set(a) == set(b)
}
