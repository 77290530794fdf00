//! Relationships between relations, derived from foreign keys: what `select=*,rel(*)` and
//! GraphQL relation fields can embed.
//!
//! A foreign key from `child` to `parent` gives `child → parent` (many-to-one) and
//! `parent → child` (one-to-many); one-to-one in both directions when the key's columns are also
//! the child's primary key or a unique key. A junction table whose foreign keys to `a` and `b`
//! are both part of its primary key gives `a → b` and `b → a` (many-to-many).
//!
//! A function taking one relation's row and returning rows of another is a computed relationship
//! named after the function (PostgREST's): `SETOF` makes it to-many, a single row to-one.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{ForeignKey, Function, Ident, QualifiedName, Relation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cardinality {
    ManyToOne,
    OneToMany,
    OneToOne,
    ManyToMany,
}

impl Cardinality {
    /// Whether each source row has at most one target row.
    pub fn to_one(self) -> bool {
        matches!(self, Cardinality::ManyToOne | Cardinality::OneToOne)
    }
}

/// How target rows are found from a source row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// `(source column, target column)` pairs that are equal.
    Direct(Vec<(Ident, Ident)>),
    /// Through a junction table: `(source column, junction column)` and
    /// `(junction column, target column)` pairs.
    Junction {
        junction: QualifiedName,
        source: Vec<(Ident, Ident)>,
        target: Vec<(Ident, Ident)>,
        /// The junction's foreign key to the target.
        target_constraint: String,
    },
    /// The target rows are what this function returns for the source row.
    Computed(QualifiedName),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relationship {
    pub source: QualifiedName,
    pub target: QualifiedName,
    pub cardinality: Cardinality,
    /// The foreign key's name (for many-to-many, the junction's key to the source).
    pub constraint: String,
    pub link: Link,
}

impl Relationship {
    /// Whether `hint` (from `rel!hint`) picks this relationship: a constraint name, a column of
    /// the link, or the junction table.
    pub fn matches_hint(&self, hint: &str) -> bool {
        let column = |pairs: &[(Ident, Ident)]| {
            pairs
                .iter()
                .any(|(a, b)| a.as_str() == hint || b.as_str() == hint)
        };
        self.constraint == hint
            || match &self.link {
                Link::Direct(pairs) => column(pairs),
                Link::Junction {
                    junction,
                    source,
                    target,
                    target_constraint,
                } => {
                    junction.name.as_str() == hint
                        || target_constraint == hint
                        || column(source)
                        || column(target)
                }
                Link::Computed(_) => false,
            }
    }

    /// The source's columns that link to the target (for messages and to-one embedding by
    /// column name).
    pub fn source_columns(&self) -> Vec<&Ident> {
        match &self.link {
            Link::Direct(pairs) => pairs.iter().map(|(s, _)| s).collect(),
            Link::Junction { source, .. } => source.iter().map(|(s, _)| s).collect(),
            Link::Computed(_) => Vec::new(),
        }
    }
}

/// Every relationship among `relations`, grouped by source.
pub fn derive(
    relations: &BTreeMap<QualifiedName, Relation>,
) -> BTreeMap<QualifiedName, Vec<Relationship>> {
    let mut all: BTreeMap<QualifiedName, Vec<Relationship>> = BTreeMap::new();
    let mut add = |relationship: Relationship| {
        all.entry(relationship.source.clone())
            .or_default()
            .push(relationship);
    };
    for child in relations.values() {
        for fk in child
            .foreign_keys
            .iter()
            .filter(|fk| relations.contains_key(&fk.target))
        {
            let one_to_one = is_key(child, &fk.columns);
            let pairs: Vec<(Ident, Ident)> = fk
                .columns
                .iter()
                .cloned()
                .zip(fk.target_columns.iter().cloned())
                .collect();
            add(Relationship {
                source: child.name.clone(),
                target: fk.target.clone(),
                cardinality: if one_to_one {
                    Cardinality::OneToOne
                } else {
                    Cardinality::ManyToOne
                },
                constraint: fk.constraint.clone(),
                link: Link::Direct(pairs.clone()),
            });
            add(Relationship {
                source: fk.target.clone(),
                target: child.name.clone(),
                cardinality: if one_to_one {
                    Cardinality::OneToOne
                } else {
                    Cardinality::OneToMany
                },
                constraint: fk.constraint.clone(),
                link: Link::Direct(pairs.into_iter().map(|(c, p)| (p, c)).collect()),
            });
        }
        for (to_source, to_target) in junction_pairs(child, relations) {
            add(Relationship {
                source: to_source.target.clone(),
                target: to_target.target.clone(),
                cardinality: Cardinality::ManyToMany,
                constraint: to_source.constraint.clone(),
                link: Link::Junction {
                    junction: child.name.clone(),
                    source: to_source
                        .target_columns
                        .iter()
                        .cloned()
                        .zip(to_source.columns.iter().cloned())
                        .collect(),
                    target: to_target
                        .columns
                        .iter()
                        .cloned()
                        .zip(to_target.target_columns.iter().cloned())
                        .collect(),
                    target_constraint: to_target.constraint.clone(),
                },
            });
        }
    }
    all
}

/// Adds the computed relationships: functions of exactly one argument, a row of a relation, that
/// return rows of a relation (both in the function's schema).
pub fn add_computed(
    relationships: &mut BTreeMap<QualifiedName, Vec<Relationship>>,
    relations: &BTreeMap<QualifiedName, Relation>,
    functions: &[Function],
) {
    for function in functions {
        let ([argument], Some(target)) =
            (function.arguments.as_slice(), &function.returns.relation)
        else {
            continue;
        };
        let source = QualifiedName {
            schema: function.name.schema.clone(),
            name: Ident::new(argument.type_name.as_str()),
        };
        if !relations.contains_key(&source) || !relations.contains_key(target) {
            continue;
        }
        relationships
            .entry(source.clone())
            .or_default()
            .push(Relationship {
                source,
                target: target.clone(),
                cardinality: if function.returns.set_of {
                    Cardinality::OneToMany
                } else {
                    Cardinality::ManyToOne
                },
                constraint: function.name.name.to_string(),
                link: Link::Computed(function.name.clone()),
            });
    }
}

/// Whether `columns` are exactly the primary key or a unique key of `relation`.
fn is_key(relation: &Relation, columns: &[Ident]) -> bool {
    let set: BTreeSet<&Ident> = columns.iter().collect();
    std::iter::once(&relation.primary_key)
        .chain(relation.unique_keys.iter().map(|key| &key.columns))
        .any(|key| !key.is_empty() && key.iter().collect::<BTreeSet<_>>() == set)
}

/// Ordered pairs of distinct foreign keys of a junction table, both within its primary key.
fn junction_pairs<'a>(
    junction: &'a Relation,
    relations: &BTreeMap<QualifiedName, Relation>,
) -> Vec<(&'a ForeignKey, &'a ForeignKey)> {
    let in_key = |fk: &&ForeignKey| {
        relations.contains_key(&fk.target)
            && fk.columns.iter().all(|c| junction.primary_key.contains(c))
    };
    let keys: Vec<&ForeignKey> = junction.foreign_keys.iter().filter(in_key).collect();
    let mut pairs = Vec::new();
    for (i, a) in keys.iter().enumerate() {
        for (j, b) in keys.iter().enumerate() {
            if i != j {
                pairs.push((*a, *b));
            }
        }
    }
    pairs
}
