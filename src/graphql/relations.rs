//! Relation fields: which foreign keys become fields of which row types, under PostGraphile's
//! V4 names.
//!
//! A foreign key `projects.client_id → clients.id` gives `Project.clientByClientId: Client`
//! and `Client.projectsByClientId: ProjectsConnection!`; when its columns are also a key of
//! `projects`, the back-relation is one row: `Client.projectByClientId: Project`. Both tables must
//! be types of the schema. Many-to-many relationships through junction tables are not fields,
//! as in PostGraphile without its many-to-many plugin.
//!
//! Smart comments rename them: a foreign key's `@fieldName` names its field and
//! `@foreignFieldName` its back-relation; otherwise the names are inflected from the tables' and
//! columns' `@name`s. `@omit` on the foreign key leaves out both fields, `@omit many` on it or on
//! the table holding it the connection back-relation.
//!
//! Each field is read as an embed of the plan, named so that the plan picks exactly the
//! relationship the field stands for; that is checked here, once, by planning the embed. A field
//! whose name is invalid or taken, or that the plan cannot tell apart from another relationship
//! (a table referencing itself), is left out with a warning.

use std::collections::{HashMap, HashSet};

use super::model::Table;
use super::naming;
use super::smart_tags::{Action, SmartTags};
use crate::plan::request::Embed;
use crate::plan::{ReadOptions, ReadPlan, ReadRequest, SelectItem};
use crate::schema::{Cache, Cardinality, Ident, Link, Relation, Relationship};

/// A field of a row type that reads related rows.
#[derive(Debug)]
pub(crate) struct RelationField {
    /// `clientByClientId`, `projectsByClientId`.
    pub name: String,
    /// The related table, by index into the model's tables.
    pub target: usize,
    /// A connection of many rows, else one row or null.
    pub many: bool,
    /// Whether the row holds the foreign key (else the related rows hold it).
    pub forward: bool,
    /// The embed that reads it: the relation (or foreign key) name the plan resolves, and the
    /// foreign key's name as the hint.
    pub embed: String,
    pub constraint: String,
    /// The filter field testing whether a related row exists (`clientByClientIdExists`,
    /// `projectsByClientIdExist`), unless there always is one.
    pub exists: Option<String>,
    /// The filter type of a to-many relation: `ClientToManyProjectFilter`.
    pub many_filter: Option<String>,
}

/// Adds the relation fields of every table; `type_names` holds the names already taken and gets
/// the to-many filter types' names.
pub(crate) fn attach(cache: &Cache, tables: &mut [Table], type_names: &mut HashSet<String>) {
    let mut many_filters: HashMap<String, (usize, usize)> = HashMap::new();
    for index in 0..tables.len() {
        let Some(source) = cache.relations.get(&tables[index].relation) else {
            continue;
        };
        let mut fields: Vec<RelationField> = Vec::new();
        for relationship in cache.relationships_of(&source.name) {
            let Some(field) = field(cache, source, relationship, tables) else {
                continue;
            };
            let table = &tables[index];
            let taken =
                table.column(&field.name).is_some() || fields.iter().any(|f| f.name == field.name);
            let filter_taken =
                field
                    .many_filter
                    .as_ref()
                    .is_some_and(|name| match many_filters.get(name) {
                        Some(pair) => *pair != (index, field.target),
                        None => type_names.contains(name) || !naming::is_valid_name(name),
                    });
            if !naming::is_valid_name(&field.name) || taken || filter_taken {
                tracing::warn!(
                    "GraphQL: relation field {}.{} (foreign key {}) skipped: its name is invalid \
                     or taken",
                    table.names.node,
                    field.name,
                    relationship.constraint
                );
                continue;
            }
            if !plans_exactly(cache, source, &field, relationship) {
                tracing::warn!(
                    "GraphQL: relation field {}.{} (foreign key {}) skipped: the plan cannot \
                     tell it from another relationship",
                    table.names.node,
                    field.name,
                    relationship.constraint
                );
                continue;
            }
            if let Some(name) = &field.many_filter {
                type_names.insert(name.clone());
                many_filters.insert(name.clone(), (index, field.target));
            }
            fields.push(field);
        }
        tables[index].relations = fields;
    }
}

/// The field `relationship` of `source` would be, if its target is a table of the schema.
fn field(
    cache: &Cache,
    source: &Relation,
    relationship: &Relationship,
    tables: &[Table],
) -> Option<RelationField> {
    let Link::Direct(pairs) = &relationship.link else {
        return None;
    };
    let target = tables
        .iter()
        .position(|t| t.relation == relationship.target)?;
    let target_relation = cache.relations.get(&relationship.target)?;
    let source_columns: Vec<&Ident> = pairs.iter().map(|(s, _)| s).collect();
    let target_columns: Vec<&Ident> = pairs.iter().map(|(_, t)| t).collect();
    let forward = holds_key(source, relationship, &source_columns);
    let tags = key_tags(source, target_relation, relationship);
    if tags.omits(Action::Read) {
        return None;
    }
    let source_table = tables.iter().find(|t| t.relation == source.name)?;
    let target_table = &tables[target];
    let table = target_table.base_name.as_str();
    let (name, exists, many) = match relationship.cardinality {
        Cardinality::ManyToMany => return None,
        Cardinality::ManyToOne | Cardinality::OneToOne if forward => {
            let name = tags.field_name.clone().unwrap_or_else(|| {
                naming::row_by_key(table, &base_names(source_table, &source_columns))
            });
            let optional = source_columns
                .iter()
                .any(|c| source.column(c.as_str()).is_none_or(|c| c.nullable));
            let exists = optional.then(|| format!("{name}Exists"));
            (name, exists, false)
        }
        Cardinality::ManyToOne | Cardinality::OneToOne => {
            let name = tags.foreign_field_name.clone().unwrap_or_else(|| {
                naming::row_by_key(table, &base_names(target_table, &target_columns))
            });
            let exists = Some(format!("{name}Exists"));
            (name, exists, false)
        }
        Cardinality::OneToMany => {
            if tags.omits(Action::Many) || target_table.tags.omits(Action::Many) {
                return None;
            }
            let name = tags.foreign_field_name.clone().unwrap_or_else(|| {
                naming::many_relation(table, &base_names(target_table, &target_columns))
            });
            let exists = Some(format!("{name}Exist"));
            (name, exists, true)
        }
    };
    Some(RelationField {
        name,
        target,
        many,
        forward,
        // A to-one embed may be named by its foreign key, which sets it apart from the
        // opposite direction of a key between a table and itself.
        embed: if many {
            target_relation.name.name.to_string()
        } else {
            relationship.constraint.clone()
        },
        constraint: relationship.constraint.clone(),
        exists,
        many_filter: many.then(|| naming::to_many_filter(&source_table.base_name, table)),
    })
}

/// Whether `source` holds the foreign key of `relationship` (on `columns`), rather than being
/// referenced by it.
fn holds_key(source: &Relation, relationship: &Relationship, columns: &[&Ident]) -> bool {
    source.foreign_keys.iter().any(|fk| {
        fk.constraint == relationship.constraint
            && fk.target == relationship.target
            && fk.columns.iter().eq(columns.iter().copied())
    })
}

/// The smart tags of the foreign key behind `relationship`, held by `source` or `target`.
fn key_tags(source: &Relation, target: &Relation, relationship: &Relationship) -> SmartTags {
    let key = source
        .foreign_keys
        .iter()
        .chain(&target.foreign_keys)
        .find(|fk| fk.constraint == relationship.constraint);
    SmartTags::parse(key.and_then(|fk| fk.comment.as_deref()))
}

/// The names `columns` of `table` are inflected from (their `@name`s).
fn base_names<'a>(table: &'a Table, columns: &[&'a Ident]) -> Vec<&'a str> {
    columns
        .iter()
        .map(|&c| {
            table
                .columns
                .iter()
                .find(|f| &f.column == c)
                .map_or(c.as_str(), |f| f.base_name.as_str())
        })
        .collect()
}

/// Whether the plan resolves `field`'s embed to `relationship` and nothing else.
fn plans_exactly(
    cache: &Cache,
    source: &Relation,
    field: &RelationField,
    relationship: &Relationship,
) -> bool {
    let request = ReadRequest {
        select: vec![SelectItem::Embed(embed(
            field,
            None,
            ReadRequest::default(),
        ))],
        ..ReadRequest::default()
    };
    ReadPlan::build(cache, source, request, ReadOptions::default()).is_ok_and(|plan| {
        plan.embeds
            .first()
            .is_some_and(|e| e.relationship == *relationship)
    })
}

/// The embed reading `field` under `key` (`None`: the embed's own name).
pub(crate) fn embed(field: &RelationField, key: Option<String>, request: ReadRequest) -> Embed {
    Embed {
        name: field.embed.clone(),
        alias: key,
        hint: Some(field.constraint.clone()),
        join: None,
        spread: false,
        request,
    }
}
