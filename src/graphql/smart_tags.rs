//! PostGraphile's smart comments: `@tag value` lines at the start of a `COMMENT ON` a table,
//! view, column, function or foreign key, which rename or hide what GraphQL makes of it. The
//! lines after the first one that is no tag are the description.
//!
//! ```sql
//! COMMENT ON TABLE original_table IS E'@name renamed_table\n@omit delete\nA renamed table.';
//! ```
//!
//! The schema cache keeps comments as they are, since REST and OpenAPI show them whole as
//! PostgREST does; the GraphQL model parses each one once, when it is built, into [`SmartTags`].
//!
//! Understood: `@name` (the name inflection starts from), `@omit` (with no value, or with the
//! actions of PostGraphile 4: `create`, `read`, `update`, `delete`, `all`, `many`, `filter`,
//! `order`, `execute`, or their one-letter forms after a colon, `:CRUD`), and on a foreign key
//! `@fieldName` and `@foreignFieldName` (the names of its field and of its back-relation). Other
//! tags are read and ignored.

/// What PostGraphile 4's `@omit` can leave out of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// The `create` mutation, or a column's field of the row input.
    Create,
    /// Reading rows one at a time (`personById`, `person(nodeId:)`), or a column's field of the
    /// row type.
    Read,
    /// The `update` mutations, or a column's field of the patch.
    Update,
    Delete,
    /// The root connection (`allPeople`).
    All,
    /// Connections of the rows through a foreign key (`projectsByClientId`).
    Many,
    /// The `condition` and `filter` arguments, or a column's fields of them.
    Filter,
    /// The `orderBy` argument, or a column's order values.
    Order,
    /// A function's field.
    Execute,
}

impl Action {
    fn named(name: &str) -> Option<Action> {
        Some(match name {
            "create" => Action::Create,
            "read" => Action::Read,
            "update" => Action::Update,
            "delete" => Action::Delete,
            "all" => Action::All,
            "many" => Action::Many,
            "filter" => Action::Filter,
            "order" => Action::Order,
            "execute" => Action::Execute,
            _ => return None,
        })
    }

    fn abbreviated(letter: char) -> Option<Action> {
        Some(match letter {
            'C' => Action::Create,
            'R' => Action::Read,
            'U' => Action::Update,
            'D' => Action::Delete,
            'A' => Action::All,
            'M' => Action::Many,
            'F' => Action::Filter,
            'O' => Action::Order,
            'X' => Action::Execute,
            _ => return None,
        })
    }
}

/// What `@omit` leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Omit {
    #[default]
    Nothing,
    /// `@omit` alone (or `@omit *`): the whole thing.
    Everything,
    Actions(Vec<Action>),
}

/// The tags of one comment, and the rest of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SmartTags {
    /// `@name`: the name to inflect instead of the catalog's.
    pub name: Option<String>,
    pub omit: Omit,
    /// `@fieldName` of a foreign key: its field on the row holding it.
    pub field_name: Option<String>,
    /// `@foreignFieldName` of a foreign key: its back-relation's field on the referenced row.
    pub foreign_field_name: Option<String>,
    /// The comment without its tags; `None` when nothing is left.
    pub description: Option<String>,
}

impl SmartTags {
    /// The tags of `comment`. A tag given twice keeps its last value, except `@omit`, whose
    /// actions add up.
    pub fn parse(comment: Option<&str>) -> SmartTags {
        let mut tags = SmartTags::default();
        let Some(comment) = comment else {
            return tags;
        };
        let mut lines = comment.split('\n');
        let mut description = Vec::new();
        for line in lines.by_ref() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            match tag(line) {
                Some((name, value)) => tags.set(name, value),
                None => {
                    description.push(line);
                    break;
                }
            }
        }
        description.extend(lines);
        let description = description.join("\n");
        tags.description = (!description.is_empty()).then_some(description);
        tags
    }

    /// Whether `@omit` leaves out `action`.
    pub fn omits(&self, action: Action) -> bool {
        match &self.omit {
            Omit::Nothing => false,
            Omit::Everything => true,
            Omit::Actions(actions) => actions.contains(&action),
        }
    }

    /// Whether `@omit` leaves out the whole thing.
    pub fn omitted(&self) -> bool {
        self.omit == Omit::Everything
    }

    fn set(&mut self, name: &str, value: Option<&str>) {
        let text = || value.map(str::to_owned);
        match name {
            "name" => self.name = text(),
            "fieldName" => self.field_name = text(),
            "foreignFieldName" => self.foreign_field_name = text(),
            "omit" => self.omit = self.omit.clone().with(value),
            _ => {}
        }
    }
}

impl Omit {
    /// `self` and what the `@omit` value `value` leaves out; an action it does not know is
    /// ignored with a warning.
    fn with(self, value: Option<&str>) -> Omit {
        let mut actions = match self {
            Omit::Everything => return Omit::Everything,
            Omit::Nothing => Vec::new(),
            Omit::Actions(actions) => actions,
        };
        let value = value.map(str::trim).unwrap_or("*");
        if value == "*" {
            return Omit::Everything;
        }
        // Each action as written, and what it means.
        let written: Vec<(String, Option<Action>)> = match value.strip_prefix(':') {
            Some(letters) => letters
                .chars()
                .map(|c| (c.to_string(), Action::abbreviated(c)))
                .collect(),
            None => value
                .split(',')
                .map(str::trim)
                .map(|a| (a.to_owned(), Action::named(a)))
                .collect(),
        };
        for (text, action) in written {
            match action {
                Some(action) => actions.push(action),
                None => tracing::warn!("GraphQL: @omit {text:?} is no action it knows; ignored"),
            }
        }
        Omit::Actions(actions)
    }
}

/// The name and value of a tag line: `@name value` or `@name`.
fn tag(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('@')?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(end);
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic());
    match after.chars().next() {
        _ if !valid => None,
        None => Some((name, None)),
        Some(c) if c.is_whitespace() => Some((name, Some(&after[c.len_utf8()..]))),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_first_and_the_rest_is_the_description() {
        let tags = SmartTags::parse(Some(
            "@name renamed_table\n@omit create,update\nA table.\n@x",
        ));
        assert_eq!(tags.name.as_deref(), Some("renamed_table"));
        assert!(tags.omits(Action::Create) && tags.omits(Action::Update));
        assert!(!tags.omits(Action::Delete) && !tags.omitted());
        assert_eq!(tags.description.as_deref(), Some("A table.\n@x"));
    }

    #[test]
    fn omit_alone_omits_everything() {
        assert!(SmartTags::parse(Some("@omit")).omitted());
        assert!(SmartTags::parse(Some("@omit *")).omitted());
        assert_eq!(SmartTags::parse(Some("@omit")).description, None);
        let letters = SmartTags::parse(Some("@omit :CUD"));
        assert!(letters.omits(Action::Update) && !letters.omits(Action::Read));
    }

    #[test]
    fn plain_comments_have_no_tags() {
        let tags = SmartTags::parse(Some("Just text, @name not a tag"));
        assert_eq!(tags.name, None);
        assert_eq!(
            tags.description.as_deref(),
            Some("Just text, @name not a tag")
        );
        assert_eq!(
            SmartTags::parse(Some("@1 no")).description.as_deref(),
            Some("@1 no")
        );
        assert_eq!(SmartTags::parse(None), SmartTags::default());
    }

    #[test]
    fn foreign_key_names() {
        let tags = SmartTags::parse(Some("@fieldName parent\r\n@foreignFieldName kids"));
        assert_eq!(tags.field_name.as_deref(), Some("parent"));
        assert_eq!(tags.foreign_field_name.as_deref(), Some("kids"));
        assert_eq!(tags.description, None);
    }
}
