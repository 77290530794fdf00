//! Names that the schema cache does not know.

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
