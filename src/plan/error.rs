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
    #[error("{0}")]
    UnknownFunction(Box<NoFunction>),
    /// PGRST203: the signatures (`api.f(a => integer)`) of the overloads that fit.
    #[error("Could not choose the best candidate function between: {}", .0.join(", "))]
    AmbiguousFunction(Vec<String>),
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

/// PGRST202: no function `schema.name` fits the argument names `keys` (sorted).
#[derive(Debug)]
pub struct NoFunction {
    pub schema: String,
    pub name: String,
    pub keys: Vec<String>,
    /// For a POST, the type of single parameter the body could have gone to whole
    /// (`json/jsonb`, `text`, `xml`, `bytea`).
    pub body: Option<&'static str>,
    /// A close function name, or the function's name with its closest parameter list.
    pub suggestion: Option<String>,
}

impl NoFunction {
    /// Whether only a function of one parameter could have taken the (raw, non-JSON) body.
    fn raw_body(&self) -> bool {
        matches!(self.body, Some("text" | "xml" | "bytea"))
    }

    /// PostgREST's details: what was searched for.
    pub fn details(&self) -> String {
        let parameters = match self.keys.as_slice() {
            [] => " without parameters".to_owned(),
            [one] => format!(" with parameter {one}"),
            keys => format!(" with parameters {}", keys.join(", ")),
        };
        let searched = match self.body {
            Some(raw) if self.raw_body() => format!(" with a single unnamed {raw} parameter"),
            Some(json) => format!("{parameters} or with a single unnamed {json} parameter"),
            None => parameters,
        };
        format!(
            "Searched for the function {}.{}{searched}, but no matches were found in the schema cache.",
            self.schema, self.name
        )
    }

    pub fn hint(&self) -> Option<String> {
        let suggestion = self.suggestion.as_ref()?;
        Some(format!(
            "Perhaps you meant to call the function {}.{suggestion}",
            self.schema
        ))
    }
}

impl std::fmt::Display for NoFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Could not find the function {}.{}",
            self.schema, self.name
        )?;
        if !self.raw_body() {
            match self.keys.as_slice() {
                [] => f.write_str(" without parameters")?,
                keys => write!(f, "({})", keys.join(", "))?,
            }
        }
        f.write_str(" in the schema cache")
    }
}

/// The closest of `candidates` to `name`, if any is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    closest_above(name, candidates, 0.5)
}

/// The closest of `candidates` to `name` with a similarity (0 to 1) of at least `min`.
pub(crate) fn closest_above<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    min: f64,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(name, candidate),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= min)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}
