//! The operators of the scalar filter types (`IntFilter`, `StringFilter`, `StringListFilter`, …)
//! with postgraphile-plugin-connection-filter's names and descriptions, and what each one means
//! in the plan. The type builder and the filter lowering both read this one table.
//!
//! The case-insensitive comparisons of text (`equalToInsensitive`, `inInsensitive`,
//! `lessThanInsensitive`, …) compare `lower(column::text)` with the lower-cased values, as the
//! plugin does for `text`/`varchar` (for `citext` the plugin leaves out `lower()`, which compares
//! the same). Not offered: the `any*` array operators (`value op ANY(column)`), which the plan
//! cannot express.

use std::sync::Arc;

use super::scalar::Scalar;
use crate::plan::Operator;

/// One input field of a scalar filter type.
#[derive(Debug)]
pub(crate) struct FilterOperator {
    pub name: &'static str,
    pub description: &'static str,
    pub operand: Operand,
    pub meaning: Meaning,
}

/// The GraphQL type of an operator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operand {
    Boolean,
    /// A value of the field's own type (a list for list fields).
    Value,
    /// A list of values of the field's type: `[Int!]`.
    ValueList,
}

/// What an operator tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Meaning {
    /// `true`: is null; `false`: is not null.
    IsNull,
    Compare {
        op: Operator,
        negated: bool,
    },
    In {
        negated: bool,
    },
    /// As `Compare` and `In`, between the lower-cased text of the field and of the values.
    CompareInsensitive {
        op: Operator,
        negated: bool,
    },
    InInsensitive {
        negated: bool,
    },
    Pattern(Pattern),
}

/// A string test that becomes a regular expression match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub kind: PatternKind,
    pub insensitive: bool,
    pub negated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternKind {
    Includes,
    StartsWith,
    EndsWith,
    /// A SQL `LIKE` pattern.
    Like,
}

const fn op(
    name: &'static str,
    description: &'static str,
    operand: Operand,
    meaning: Meaning,
) -> FilterOperator {
    FilterOperator {
        name,
        description,
        operand,
        meaning,
    }
}

const fn compare(name: &'static str, description: &'static str, op: Operator) -> FilterOperator {
    self::op(
        name,
        description,
        Operand::Value,
        Meaning::Compare { op, negated: false },
    )
}

const fn pattern(
    name: &'static str,
    description: &'static str,
    kind: PatternKind,
    insensitive: bool,
    negated: bool,
) -> FilterOperator {
    let pattern = Pattern {
        kind,
        insensitive,
        negated,
    };
    op(name, description, Operand::Value, Meaning::Pattern(pattern))
}

const IS_NULL: FilterOperator = op(
    "isNull",
    "Is null (if `true` is specified) or is not null (if `false` is specified).",
    Operand::Boolean,
    Meaning::IsNull,
);

const EQUALITY: [FilterOperator; 4] = [
    compare("equalTo", "Equal to the specified value.", Operator::Eq),
    compare(
        "notEqualTo",
        "Not equal to the specified value.",
        Operator::Neq,
    ),
    compare(
        "distinctFrom",
        "Not equal to the specified value, treating null like an ordinary value.",
        Operator::IsDistinct,
    ),
    op(
        "notDistinctFrom",
        "Equal to the specified value, treating null like an ordinary value.",
        Operand::Value,
        Meaning::Compare {
            op: Operator::IsDistinct,
            negated: true,
        },
    ),
];

const MEMBERSHIP: [FilterOperator; 2] = [
    op(
        "in",
        "Included in the specified list.",
        Operand::ValueList,
        Meaning::In { negated: false },
    ),
    op(
        "notIn",
        "Not included in the specified list.",
        Operand::ValueList,
        Meaning::In { negated: true },
    ),
];

const ORDERING: [FilterOperator; 4] = [
    compare("lessThan", "Less than the specified value.", Operator::Lt),
    compare(
        "lessThanOrEqualTo",
        "Less than or equal to the specified value.",
        Operator::Lte,
    ),
    compare(
        "greaterThan",
        "Greater than the specified value.",
        Operator::Gt,
    ),
    compare(
        "greaterThanOrEqualTo",
        "Greater than or equal to the specified value.",
        Operator::Gte,
    ),
];

const TEXT: [FilterOperator; 16] = {
    use PatternKind::*;
    [
        pattern(
            "includes",
            "Contains the specified string (case-sensitive).",
            Includes,
            false,
            false,
        ),
        pattern(
            "notIncludes",
            "Does not contain the specified string (case-sensitive).",
            Includes,
            false,
            true,
        ),
        pattern(
            "includesInsensitive",
            "Contains the specified string (case-insensitive).",
            Includes,
            true,
            false,
        ),
        pattern(
            "notIncludesInsensitive",
            "Does not contain the specified string (case-insensitive).",
            Includes,
            true,
            true,
        ),
        pattern(
            "startsWith",
            "Starts with the specified string (case-sensitive).",
            StartsWith,
            false,
            false,
        ),
        pattern(
            "notStartsWith",
            "Does not start with the specified string (case-sensitive).",
            StartsWith,
            false,
            true,
        ),
        pattern(
            "startsWithInsensitive",
            "Starts with the specified string (case-insensitive).",
            StartsWith,
            true,
            false,
        ),
        pattern(
            "notStartsWithInsensitive",
            "Does not start with the specified string (case-insensitive).",
            StartsWith,
            true,
            true,
        ),
        pattern(
            "endsWith",
            "Ends with the specified string (case-sensitive).",
            EndsWith,
            false,
            false,
        ),
        pattern(
            "notEndsWith",
            "Does not end with the specified string (case-sensitive).",
            EndsWith,
            false,
            true,
        ),
        pattern(
            "endsWithInsensitive",
            "Ends with the specified string (case-insensitive).",
            EndsWith,
            true,
            false,
        ),
        pattern(
            "notEndsWithInsensitive",
            "Does not end with the specified string (case-insensitive).",
            EndsWith,
            true,
            true,
        ),
        pattern(
            "like",
            "Matches the specified pattern (case-sensitive). An underscore (_) matches any \
             single character; a percent sign (%) matches any sequence of zero or more characters.",
            Like,
            false,
            false,
        ),
        pattern(
            "notLike",
            "Does not match the specified pattern (case-sensitive). An underscore (_) matches \
             any single character; a percent sign (%) matches any sequence of zero or more \
             characters.",
            Like,
            false,
            true,
        ),
        pattern(
            "likeInsensitive",
            "Matches the specified pattern (case-insensitive). An underscore (_) matches any \
             single character; a percent sign (%) matches any sequence of zero or more characters.",
            Like,
            true,
            false,
        ),
        pattern(
            "notLikeInsensitive",
            "Does not match the specified pattern (case-insensitive). An underscore (_) \
             matches any single character; a percent sign (%) matches any sequence of zero or \
             more characters.",
            Like,
            true,
            true,
        ),
    ]
};

const fn insensitive(
    name: &'static str,
    description: &'static str,
    op: Operator,
    negated: bool,
) -> FilterOperator {
    self::op(
        name,
        description,
        Operand::Value,
        Meaning::CompareInsensitive { op, negated },
    )
}

/// The plugin's case-insensitive versions of the equality, membership and ordering operators.
const INSENSITIVE: [FilterOperator; 10] = [
    insensitive(
        "equalToInsensitive",
        "Equal to the specified value (case-insensitive).",
        Operator::Eq,
        false,
    ),
    insensitive(
        "notEqualToInsensitive",
        "Not equal to the specified value (case-insensitive).",
        Operator::Neq,
        false,
    ),
    insensitive(
        "distinctFromInsensitive",
        "Not equal to the specified value, treating null like an ordinary value \
         (case-insensitive).",
        Operator::IsDistinct,
        false,
    ),
    insensitive(
        "notDistinctFromInsensitive",
        "Equal to the specified value, treating null like an ordinary value (case-insensitive).",
        Operator::IsDistinct,
        true,
    ),
    op(
        "inInsensitive",
        "Included in the specified list (case-insensitive).",
        Operand::ValueList,
        Meaning::InInsensitive { negated: false },
    ),
    op(
        "notInInsensitive",
        "Not included in the specified list (case-insensitive).",
        Operand::ValueList,
        Meaning::InInsensitive { negated: true },
    ),
    insensitive(
        "lessThanInsensitive",
        "Less than the specified value (case-insensitive).",
        Operator::Lt,
        false,
    ),
    insensitive(
        "lessThanOrEqualToInsensitive",
        "Less than or equal to the specified value (case-insensitive).",
        Operator::Lte,
        false,
    ),
    insensitive(
        "greaterThanInsensitive",
        "Greater than the specified value (case-insensitive).",
        Operator::Gt,
        false,
    ),
    insensitive(
        "greaterThanOrEqualToInsensitive",
        "Greater than or equal to the specified value (case-insensitive).",
        Operator::Gte,
        false,
    ),
];

const ARRAY: [FilterOperator; 3] = [
    compare(
        "contains",
        "Contains the specified list of values.",
        Operator::Contains,
    ),
    compare(
        "containedBy",
        "Contained by the specified list of values.",
        Operator::ContainedIn,
    ),
    compare(
        "overlaps",
        "Overlaps the specified list of values.",
        Operator::Overlaps,
    ),
];

/// A scalar or enum filter type: `IntFilter`, `StringListFilter`, `MoodFilter`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FilterType {
    pub scalar: Scalar,
    pub list: bool,
    /// The enum or domain whose values it compares, when not `scalar`'s.
    pub named: Option<Arc<str>>,
    /// Whether `named` is an enum, whose labels cross as `String`s without the text operators.
    pub enumeration: bool,
}

impl FilterType {
    /// The filter type of a field of `scalar` (`list`: an array field); `None` for JSON and
    /// binary data, which have no filter.
    pub fn of(scalar: Scalar, list: bool) -> Option<FilterType> {
        let filterable = !matches!(scalar, Scalar::Json | Scalar::Base64);
        filterable.then_some(FilterType {
            scalar,
            list,
            named: None,
            enumeration: false,
        })
    }

    /// The filter type of a field of the enum `name`.
    pub fn of_enum(name: &str, list: bool) -> FilterType {
        FilterType {
            scalar: Scalar::String,
            list,
            named: Some(Arc::from(name)),
            enumeration: true,
        }
    }

    /// The filter type of a field of the domain `name` over `base`: the base's operators.
    pub fn of_domain(name: &str, base: Scalar, list: bool) -> Option<FilterType> {
        let mut filter = FilterType::of(base, list)?;
        filter.named = Some(Arc::from(name));
        Some(filter)
    }

    /// The type of the values it compares: `Int`, `Mood`, `IntervalInput`.
    pub fn operand(&self) -> &str {
        self.named.as_deref().unwrap_or(self.scalar.input_name())
    }

    /// The name of what it filters: `Int`, `Mood`, `Interval`.
    fn subject(&self) -> &str {
        self.named.as_deref().unwrap_or(self.scalar.name())
    }

    /// Every filter type there can be, so their names can be reserved.
    pub fn all() -> impl Iterator<Item = FilterType> {
        Scalar::ALL.into_iter().flat_map(|scalar| {
            [false, true]
                .into_iter()
                .filter_map(move |list| FilterType::of(scalar, list))
        })
    }

    pub fn name(&self) -> String {
        let list = if self.list { "List" } else { "" };
        format!("{}{list}Filter", self.subject())
    }

    pub fn description(&self) -> String {
        let list = if self.list { " List" } else { "" };
        format!(
            "A filter to be used against {}{list} fields. All fields are combined with a logical \
             ‘and.’",
            self.subject()
        )
    }

    /// The type's fields, in the order they are listed.
    pub fn operators(&self) -> impl Iterator<Item = &'static FilterOperator> + use<> {
        let (text, insensitive): (&'static [FilterOperator], &'static [FilterOperator]) =
            match self.scalar {
                Scalar::String if !self.list && !self.enumeration => (&TEXT, &INSENSITIVE),
                _ => (&[], &[]),
            };
        let (membership, array): (&'static [FilterOperator], &'static [FilterOperator]) =
            match self.list {
                false => (&MEMBERSHIP, &[]),
                true => (&[], &ARRAY),
            };
        std::iter::once(&IS_NULL)
            .chain(&EQUALITY)
            .chain(membership)
            .chain(&ORDERING)
            .chain(text)
            .chain(insensitive)
            .chain(array)
    }

    pub fn operator(&self, name: &str) -> Option<&'static FilterOperator> {
        self.operators().find(|op| op.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(filter: &FilterType) -> Vec<&'static str> {
        filter.operators().map(|op| op.name).collect()
    }

    #[test]
    fn scalar_filters_have_the_plugin_names() {
        let int = FilterType::of(Scalar::Int, false).unwrap();
        assert_eq!(int.name(), "IntFilter");
        assert_eq!(
            names(&int),
            [
                "isNull",
                "equalTo",
                "notEqualTo",
                "distinctFrom",
                "notDistinctFrom",
                "in",
                "notIn",
                "lessThan",
                "lessThanOrEqualTo",
                "greaterThan",
                "greaterThanOrEqualTo"
            ]
        );
        let string = FilterType::of(Scalar::String, false).unwrap();
        assert_eq!(names(&string).len(), 37);
        assert_eq!(
            names(&string)[27..29],
            ["equalToInsensitive", "notEqualToInsensitive"]
        );
        assert!(string.operator("startsWithInsensitive").is_some());
        let list = FilterType::of(Scalar::String, true).unwrap();
        assert_eq!(list.name(), "StringListFilter");
        assert!(list.operator("overlaps").is_some());
        assert!(list.operator("in").is_none() && list.operator("includes").is_none());
        assert_eq!(FilterType::of(Scalar::Json, false), None);
        assert_eq!(
            FilterType::of(Scalar::Uuid, false).unwrap().name(),
            "UUIDFilter"
        );
    }
}
