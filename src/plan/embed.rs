//! Choosing the relationship an embed follows (PGRST200 when none, PGRST201 when several).

use serde_json::{Value, json};

use super::error::closest;
use super::request::Embed;
use super::{Ambiguity, NoRelationship, PlanError};
use crate::schema::{Cache, Cardinality, Link, Relation, Relationship};

/// The one relationship from `source` that `embed` names.
pub(super) fn relationship<'c>(
    cache: &'c Cache,
    source: &Relation,
    embed: &Embed,
) -> Result<&'c Relationship, PlanError> {
    let all = cache.relationships_of(&source.name);
    let named = |r: &&Relationship| match r.link {
        // A computed relationship is named by its function only.
        Link::Computed(_) => r.constraint == embed.name,
        _ => {
            r.target.name.as_str() == embed.name
                || (r.cardinality.to_one()
                    && (r.constraint == embed.name
                        || matches!(r.source_columns().as_slice(), [column] if column.as_str() == embed.name)))
        }
    };
    let hinted = |r: &&Relationship| {
        embed
            .hint
            .as_deref()
            .is_none_or(|hint| r.matches_hint(hint))
    };
    let mut candidates: Vec<&Relationship> = all.iter().filter(named).filter(hinted).collect();
    // A computed relationship overrides foreign keys to a relation of the same name.
    if candidates
        .iter()
        .any(|r| matches!(r.link, Link::Computed(_)))
    {
        candidates.retain(|r| matches!(r.link, Link::Computed(_)));
    }
    // A self-referencing key matches a column hint both ways; the hint's column on the source
    // side picks the direction (`!parent_id`: to the parent, `!id`: to the children).
    if let (Some(hint), [_, _, ..]) = (embed.hint.as_deref(), candidates.as_slice()) {
        let on_source = |r: &&&Relationship| r.source_columns().iter().any(|c| c.as_str() == hint);
        if candidates.iter().filter(on_source).count() == 1 {
            candidates.retain(|r| on_source(&r));
        }
    }
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(PlanError::NoRelationship(Box::new(NoRelationship {
            source_name: source.name.name.to_string(),
            target: embed.name.clone(),
            hint: embed.hint.clone(),
            schema: source.name.schema.to_string(),
            suggestion: closest(&embed.name, all.iter().map(|r| r.target.name.as_str()))
                .filter(|close| *close != embed.name)
                .map(str::to_owned),
        }))),
        several => Err(PlanError::AmbiguousRelationship(Box::new(Ambiguity {
            source_name: source.name.name.to_string(),
            target: embed.name.clone(),
            details: Value::Array(several.iter().map(|r| describe(r)).collect()),
            suggestions: several
                .iter()
                .map(|r| format!("{}!{}", embed.name, hint_for(r)))
                .collect(),
        }))),
    }
}

fn cardinality(c: Cardinality) -> &'static str {
    match c {
        Cardinality::ManyToOne => "many-to-one",
        Cardinality::OneToMany => "one-to-many",
        Cardinality::OneToOne => "one-to-one",
        Cardinality::ManyToMany => "many-to-many",
    }
}

/// The hint that picks `relationship`: its constraint, or its junction for many-to-many.
fn hint_for(relationship: &Relationship) -> String {
    match &relationship.link {
        Link::Junction { junction, .. } => junction.name.to_string(),
        Link::Direct(_) | Link::Computed(_) => relationship.constraint.clone(),
    }
}

/// PostgREST's description of a candidate in PGRST201's details.
fn describe(r: &Relationship) -> Value {
    let columns = |pairs: &[(crate::schema::Ident, crate::schema::Ident)], first: bool| {
        pairs
            .iter()
            .map(|(a, b)| if first { a.to_string() } else { b.to_string() })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let relationship = match &r.link {
        Link::Direct(pairs) => format!(
            "{} using {}({}) and {}({})",
            r.constraint,
            r.source.name,
            columns(pairs, true),
            r.target.name,
            columns(pairs, false)
        ),
        Link::Junction {
            junction,
            source,
            target,
            target_constraint,
        } => format!(
            "{} using {}({}) and {}({})",
            junction.name,
            r.constraint,
            columns(source, false),
            target_constraint,
            columns(target, true)
        ),
        Link::Computed(function) => format!("computed by {function}"),
    };
    json!({
        "cardinality": cardinality(r.cardinality),
        "embedding": format!("{} with {}", r.source.name, r.target.name),
        "relationship": relationship,
    })
}
