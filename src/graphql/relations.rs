//! Relation fields: which foreign keys become fields of which row types, under PostGraphile's
//! V4 names.
//!
//! A foreign key `projects.client_id → clients.id` gives `Project.clientByClientId: Client`
//! and `Client.projectsByClientId: ProjectsConnection!`; when its columns are also a key of
//! `projects`, the back-relation is one row: `Client.projectByClientId: Project`. Both tables must
//! be types of the schema. Many-to-many relationships through junction tables are not fields,
//! as in PostGraphile without its many-to-many plugin.
//!
//! Each field is read as an embed of the plan, named so that the plan picks exactly the
//! relationship the field stands for; that is checked here, once, by planning the embed. A field
//! whose name is invalid or taken, or that the plan cannot tell apart from another relationship
//! (a table referencing itself), is left out with a warning.

use std::collections::{HashMap, HashSet};

use super::model::Table;
use super::naming;
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
    let table = relationship.target.name.as_str();
    let (name, exists, many) = match relationship.cardinality {
        Cardinality::ManyToMany => return None,
        Cardinality::ManyToOne | Cardinality::OneToOne if forward => {
            let name = naming::row_by_key(table, &names(&source_columns));
            let optional = source_columns
                .iter()
                .any(|c| source.column(c.as_str()).is_none_or(|c| c.nullable));
            let exists = optional.then(|| format!("{name}Exists"));
            (name, exists, false)
        }
        Cardinality::ManyToOne | Cardinality::OneToOne => {
            let name = naming::row_by_key(table, &names(&target_columns));
            let exists = Some(format!("{name}Exists"));
            (name, exists, false)
        }
        Cardinality::OneToMany => {
            let name = naming::many_relation(table, &names(&target_columns));
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
        many_filter: many.then(|| naming::to_many_filter(source.name.name.as_str(), table)),
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

fn names<'a>(columns: &[&'a Ident]) -> Vec<&'a str> {
    columns.iter().map(|c| c.as_str()).collect()
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
