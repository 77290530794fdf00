//! What can be wrong with a request once names are checked against the schema cache.

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("Could not find the table '{schema}.{name}' in the schema cache")]
    UnknownRelation {
        schema: String,
        name: String,
        suggestion: Option<String>,
    },
    #[error("column {relation}.{column} does not exist")]
    UnknownColumn { relation: String, column: String },
    #[error("Could not find the '{column}' column of '{relation}' in the schema cache")]
    UnknownPayloadColumn { relation: String, column: String },
    #[error(
        "Could not find a relationship between '{}' and '{}' in the schema cache",
        .0.source_name,
        .0.target
    )]
    NoRelationship(Box<NoRelationship>),
    #[error(
        "Could not embed because more than one relationship was found for '{}' and '{}'",
        .0.source_name,
        .0.target
    )]
    AmbiguousRelationship(Box<Ambiguity>),
    #[error("A related order on '{target}' is not possible")]
    RelatedOrderNotToOne { origin: String, target: String },
    #[error("Bad operator on the '{0}' embedded resource")]
    BadEmbedOperator(String),
    #[error("type \"{0}\" does not exist")]
    UnknownType(String),
    #[error("Use of aggregate functions is not allowed")]
    AggregatesDisabled,
    #[error("Feature not implemented")]
    NotImplemented(String),
    #[error("Filters must include all and only primary key columns with 'eq' operators")]
    PutFilters,
    #[error("limit/offset querystring parameters are not allowed for PUT")]
    PutRange,
    #[error("Payload values do not match URL in primary key column(s)")]
    PutKeyMismatch,
}

/// PGRST200: no relationship from `source_name` fits the embed `target` (and `hint`).
#[derive(Debug)]
pub struct NoRelationship {
    pub source_name: String,
    pub target: String,
    pub hint: Option<String>,
    pub schema: String,
    /// A relationship's target with a close name.
    pub suggestion: Option<String>,
}

/// PGRST201: several relationships fit; `details` describes them, `suggestions` are the hints
/// that pick each.
#[derive(Debug)]
pub struct Ambiguity {
    pub source_name: String,
    pub target: String,
    pub details: Value,
    pub suggestions: Vec<String>,
}

/// The closest of `candidates` to `name`, if any is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(name, candidate),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}
