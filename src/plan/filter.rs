//! Row filters: a field, an operator and the caller's value(s), kept as text so Postgres parses
//! them as the field's type.

/// A condition on `field`, negated when `negated` (`not.` in the URL grammar).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter<F> {
    pub field: F,
    pub negated: bool,
    pub condition: Condition,
}

impl<F> Filter<F> {
    /// The same filter on another kind of field (a name resolved to a column).
    pub fn try_map_field<G, E>(
        self,
        resolve: impl FnOnce(F) -> Result<G, E>,
    ) -> Result<Filter<G>, E> {
        Ok(Filter {
            field: resolve(self.field)?,
            negated: self.negated,
            condition: self.condition,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare(CompareOp, String),
    /// `*` in the value is a wildcard, as `%` in SQL.
    Pattern(PatternOp, String),
    In(Vec<String>),
    Is(IsValue),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternOp {
    Like,
    ILike,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsValue {
    Null,
    NotNull,
    True,
    False,
    Unknown,
}
