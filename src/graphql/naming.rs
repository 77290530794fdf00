//! GraphQL names for catalog names, following PostGraphile's V4 inflection.
//!
//! PostGraphile splits names into words as lodash does (`client_id`, `clientId` and `ClientID`
//! are all two words), pluralises and singularises with the `pluralize` NPM package (mirrored by
//! the `pluralizer` crate) and keeps leading and trailing underscores. Table `people` becomes the
//! type `Person`, the connection `PeopleConnection` and the root field `allPeople`; column
//! `client_id` becomes the field `clientId` and the order value `CLIENT_ID_ASC`.

/// The names PostGraphile gives to one table's types and root fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableNames {
    /// The row type: `Person`.
    pub node: String,
    /// `PeopleConnection`.
    pub connection: String,
    /// `PeopleEdge`.
    pub edge: String,
    /// `PeopleOrderBy`.
    pub order_by: String,
    /// `PersonCondition`.
    pub condition: String,
    /// `PersonFilter`.
    pub filter: String,
    /// The root collection field: `allPeople`.
    pub all_rows: String,
    /// The field of the row in a mutation payload: `person`; and of its edge: `personEdge`.
    pub row_field: String,
    pub edge_field: String,
    /// The input type of a new row: `PersonInput`.
    pub input: String,
    /// `createPerson(input: CreatePersonInput!): CreatePersonPayload`.
    pub create: String,
    pub create_input: String,
    pub create_payload: String,
    /// The table's name in its rows' global ids: `people` in `["people", 1]`.
    pub node_id_prefix: String,
    /// `updatePerson(input: UpdatePersonInput!): UpdatePersonPayload` (by global id), whose
    /// input sets `personPatch: PersonPatch!`.
    pub update: String,
    pub update_input: String,
    pub update_payload: String,
    pub patch: String,
    pub patch_field: String,
    /// `deletePerson(input: DeletePersonInput!): DeletePersonPayload` (by global id), whose
    /// payload has `deletedPersonId`.
    pub delete: String,
    pub delete_input: String,
    pub delete_payload: String,
    pub deleted_id: String,
}

/// The root fields reading and writing a row by its key columns, and their inputs:
/// `personById`, `updatePersonById(input: UpdatePersonByIdInput!)`, `deletePersonById(…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyNames {
    pub read: String,
    pub update: String,
    pub update_input: String,
    pub delete: String,
    pub delete_input: String,
}

impl KeyNames {
    pub fn new(table: &str, key_columns: &[&str]) -> KeyNames {
        let singular = singular_table_name(table);
        let update = by_keys(&format!("update-{singular}"), key_columns);
        let delete = by_keys(&format!("delete-{singular}"), key_columns);
        KeyNames {
            read: row_by_key(table, key_columns),
            update_input: upper_camel_case(&format!("{update}-input")),
            delete_input: upper_camel_case(&format!("{delete}-input")),
            update,
            delete,
        }
    }
}

/// The mutations of several rows, which PostGraphile's core lacks (see [`super::many`]):
/// `createManyPeople(input: CreateManyPeopleInput!): CreateManyPeoplePayload`, `updateManyPeople`
/// and `deleteManyPeople`, whose inputs and payloads hold the rows in `people`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ManyNames {
    pub rows_field: String,
    pub create: String,
    pub create_input: String,
    pub create_payload: String,
    pub update: String,
    pub update_input: String,
    pub update_payload: String,
    pub delete: String,
    pub delete_input: String,
    pub delete_payload: String,
}

impl ManyNames {
    pub fn new(table: &str) -> ManyNames {
        let rows = plural(&singular_table_name(table));
        let name = |verb: &str| camel_case(&format!("{verb}-many-{rows}"));
        let input = |verb: &str| upper_camel_case(&format!("{verb}-many-{rows}-input"));
        let payload = |verb: &str| upper_camel_case(&format!("{verb}-many-{rows}-payload"));
        ManyNames {
            rows_field: camel_case(&rows),
            create: name("create"),
            create_input: input("create"),
            create_payload: payload("create"),
            update: name("update"),
            update_input: input("update"),
            update_payload: payload("update"),
            delete: name("delete"),
            delete_input: input("delete"),
            delete_payload: payload("delete"),
        }
    }
}

/// An upsert's types (see [`super::conflict`]): `PersonOnConflict`, the enum of the constraints
/// to conflict on `PersonConstraint` and of the columns to update `PersonUpdateColumn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConflictNames {
    pub on_conflict: String,
    pub constraint: String,
    pub update_column: String,
}

impl ConflictNames {
    pub fn new(table: &str) -> ConflictNames {
        let singular = singular_table_name(table);
        ConflictNames {
            on_conflict: upper_camel_case(&format!("{singular}-on-conflict")),
            constraint: upper_camel_case(&format!("{singular}-constraint")),
            update_column: upper_camel_case(&format!("{singular}-update-column")),
        }
    }
}

/// A nested create through a foreign key, as postgraphile-plugin-nested-mutations names it (see
/// [`super::nested`]): for `members.team_id → teams.id` (`members_team_id_fkey`), the children
/// `TeamInput.membersUsingId: MembersTeamIdFkeyInverseInput` with
/// `create: [MembersTeamIdFkeyMembersCreateInput!]`, and the parent
/// `MemberInput.teamToTeamId: MembersTeamIdFkeyInput` with
/// `create: MembersTeamIdFkeyTeamsCreateInput`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NestedNames {
    pub field: String,
    pub connector: String,
    pub create_input: String,
}

impl NestedNames {
    /// `several`: whether the child table has more than one foreign key to the parent, which
    /// puts the child's key columns in the field's name (`membersToTeamIdUsingId`).
    pub fn new(
        child: &str,
        constraint: &str,
        child_columns: &[&str],
        parent_columns: &[&str],
        several: bool,
    ) -> NestedNames {
        let columns = |names: &[&str]| {
            names
                .iter()
                .map(|c| field(c))
                .collect::<Vec<_>>()
                .join("-and-")
        };
        let rows = plural(&camel_case(&singular_table_name(child)));
        let field = match several {
            false => camel_case(&format!("{rows}-using-{}", columns(parent_columns))),
            true => camel_case(&format!(
                "{rows}-to-{}-using-{}",
                columns(child_columns),
                columns(parent_columns)
            )),
        };
        NestedNames {
            field,
            connector: upper_camel_case(&format!("{constraint}_Inverse_input")),
            create_input: upper_camel_case(&format!("{constraint}_{child}_create_input")),
        }
    }

    /// The parent `parent` of a row whose foreign key `constraint` has `columns`.
    pub fn parent(parent: &str, constraint: &str, columns: &[&str]) -> NestedNames {
        let columns: Vec<String> = columns.iter().map(|c| field(c)).collect();
        NestedNames {
            field: camel_case(&format!(
                "{}-to-{}",
                singular_table_name(parent),
                columns.join("-and-")
            )),
            connector: upper_camel_case(&format!("{constraint}__input")),
            create_input: upper_camel_case(&format!("{constraint}_{parent}_create_input")),
        }
    }
}

impl TableNames {
    pub fn new(table: &str) -> TableNames {
        let singular = singular_table_name(table);
        let node = upper_camel_case(&singular);
        let plural_node = plural(&node);
        TableNames {
            connection: upper_camel_case(&format!("{plural_node}-connection")),
            edge: upper_camel_case(&format!("{plural_node}-edge")),
            order_by: upper_camel_case(&format!("{plural_node}-order-by")),
            condition: upper_camel_case(&format!("{node}-condition")),
            filter: upper_camel_case(&format!("{node}-filter")),
            all_rows: camel_case(&format!("all-{}", plural(&singular))),
            row_field: camel_case(&singular),
            edge_field: camel_case(&format!("{singular}-edge")),
            input: upper_camel_case(&format!("{singular}-input")),
            create: camel_case(&format!("create-{singular}")),
            create_input: upper_camel_case(&format!("create-{singular}-input")),
            create_payload: upper_camel_case(&format!("create-{singular}-payload")),
            node_id_prefix: plural(&singular),
            update: camel_case(&format!("update-{singular}")),
            update_input: upper_camel_case(&format!("update-{singular}-input")),
            update_payload: upper_camel_case(&format!("update-{singular}-payload")),
            patch: upper_camel_case(&format!("{singular}-patch")),
            patch_field: camel_case(&format!("{singular}-patch")),
            delete: camel_case(&format!("delete-{singular}")),
            delete_input: upper_camel_case(&format!("delete-{singular}-input")),
            delete_payload: upper_camel_case(&format!("delete-{singular}-payload")),
            deleted_id: camel_case(&format!("deleted-{singular}-id")),
            node,
        }
    }
}

/// The root field reading one row by its key columns: `personById`, `postByUserIdAndTag`.
/// Relations to one row are named the same way: `clientByClientId` (the target table and the
/// foreign key's columns), `profileByUserId` (a one-to-one back-relation: the table holding the
/// key, and its columns).
pub(crate) fn row_by_key(table: &str, key_columns: &[&str]) -> String {
    by_keys(&singular_table_name(table), key_columns)
}

/// A relation to many rows: `projectsByClientId`, from the table holding the foreign key and
/// the key's columns.
pub(crate) fn many_relation(table: &str, key_columns: &[&str]) -> String {
    by_keys(&plural(&singular_table_name(table)), key_columns)
}

/// The filter of a to-many relation from `table` to `target`: `ClientToManyProjectFilter`.
pub(crate) fn to_many_filter(table: &str, target: &str) -> String {
    upper_camel_case(&format!(
        "{}-to-many-{}-filter",
        singular_table_name(table),
        singular_table_name(target)
    ))
}

fn by_keys(prefix: &str, key_columns: &[&str]) -> String {
    let keys: Vec<String> = key_columns.iter().map(|c| field(c)).collect();
    camel_case(&format!("{prefix}-by-{}", keys.join("-and-")))
}

/// A VOLATILE function's mutation input and payload types: `add_person` → `AddPersonInput`,
/// `AddPersonPayload`.
pub(crate) fn function_types(function: &str) -> (String, String) {
    (
        upper_camel_case(&format!("{function}-input")),
        upper_camel_case(&format!("{function}-payload")),
    )
}

/// The payload field of what a mutation function returns, named after its GraphQL type as
/// PostGraphile names it: `person`, `people` (a set), `integer`, `strings` (an array or a set).
pub(crate) fn function_result(type_name: &str, plural: bool) -> String {
    let singular = match type_name {
        "Int" => "integer".to_owned(),
        other => camel_case(other),
    };
    match plural {
        true => self::plural(&singular),
        false => singular,
    }
}

/// The field (and argument) name of a column: `client_id` → `clientId`.
pub(crate) fn field(column: &str) -> String {
    camel_case(column)
}

/// The order-by enum value of a column: `client_id`, ascending → `CLIENT_ID_ASC`.
pub(crate) fn order_value(column: &str, ascending: bool) -> String {
    constant_case(&format!(
        "{column}_{}",
        if ascending { "asc" } else { "desc" }
    ))
}

/// The group-by enum value of a column (@graphile/pg-aggregates): `client_id` → `CLIENT_ID`.
pub(crate) fn group_by_value(column: &str) -> String {
    constant_case(column)
}

/// The type of an enum or composite type: `mood` → `Mood`, `postal_address` → `PostalAddress`.
pub(crate) fn user_type(type_name: &str) -> String {
    upper_camel_case(type_name)
}

/// The input type of a composite type: `address` → `AddressInput`.
pub(crate) fn user_type_input(type_name: &str) -> String {
    upper_camel_case(&format!("{type_name}-input"))
}

/// An enum label as a GraphQL enum value: `very sad` → `VERY_SAD`, `camelCase` → `CAMEL_CASE`.
pub(crate) fn enum_value(label: &str) -> String {
    constant_case(label)
}

/// Whether `name` is a valid GraphQL name that is not reserved for introspection.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
    starts_well && chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) && !name.starts_with("__")
}

/// The singular table name, with `_` appended to names ending in "input" or "patch", which
/// PostGraphile reserves for its mutation input types.
fn singular_table_name(table: &str) -> String {
    let singular = singular(table);
    let reserved = ["_input", "-input", "Input", "_patch", "-patch", "Patch"]
        .iter()
        .any(|suffix| singular.len() > suffix.len() && singular.ends_with(suffix));
    if reserved {
        format!("{singular}_")
    } else {
        singular
    }
}

fn singular(word: &str) -> String {
    pluralizer::pluralize(word, 1, false)
}

fn plural(word: &str) -> String {
    pluralizer::pluralize(word, 2, false)
}

/// lodash's `camelCase`, keeping leading and trailing underscores.
fn camel_case(name: &str) -> String {
    inside_underscores(name, |middle| {
        let mut out = String::with_capacity(middle.len());
        for (i, word) in words(middle).iter().enumerate() {
            let lower = word.to_lowercase();
            if i == 0 {
                out.push_str(&lower)
            } else {
                out.push_str(&upper_first(&lower))
            }
        }
        out
    })
}

/// `camelCase` with its first letter upper-cased: `person` → `Person`.
fn upper_camel_case(name: &str) -> String {
    inside_underscores(name, |middle| upper_first(&camel_case(middle)))
}

/// graphile-build's `constantCase`: `clientId_asc` → `CLIENT_ID_ASC`, `f4_asc` → `F4_ASC`,
/// `HTTPStatus` → `HTTPSTATUS`. Unlike lodash's `snakeCase` it splits words only before a run of
/// capitals and never before a digit.
fn constant_case(name: &str) -> String {
    inside_underscores(name, |middle| {
        let mut out = String::with_capacity(middle.len() + 4);
        let mut previous_upper = false;
        for c in middle.chars() {
            let kept = c.is_ascii_alphanumeric() || c == '_';
            let upper = c.is_ascii_uppercase();
            // Other characters become `_`, and a run of capitals starts a word.
            if (!kept || (upper && !previous_upper)) && !out.ends_with('_') {
                out.push('_');
            }
            if kept && !(c == '_' && out.ends_with('_')) {
                out.push(c.to_ascii_uppercase());
            }
            previous_upper = upper;
        }
        let out = out.trim_start_matches('_');
        match out.starts_with(|c: char| c.is_ascii_digit()) {
            // GraphQL names cannot start with a digit.
            true => format!("_{out}"),
            false => out.to_owned(),
        }
    })
}

/// Applies `format` to `name` without its leading and trailing underscores, then puts them back.
fn inside_underscores(name: &str, format: impl FnOnce(&str) -> String) -> String {
    let trimmed_start = name.trim_start_matches('_');
    let middle = trimmed_start.trim_end_matches('_');
    let leading = &name[..name.len() - trimmed_start.len()];
    let trailing = &trimmed_start[middle.len()..];
    format!("{leading}{}{trailing}", format(middle))
}

fn upper_first(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Upper,
    Lower,
    Digit,
    Separator,
}

fn class(c: char) -> CharClass {
    if c.is_uppercase() {
        CharClass::Upper
    } else if c.is_alphabetic() {
        CharClass::Lower
    } else if c.is_numeric() {
        CharClass::Digit
    } else {
        CharClass::Separator
    }
}

/// lodash's `words`: runs of digits, lower-case words with an optional capital, and upper-case
/// runs (an acronym ends before the capital that starts the next word: `HTTPServer`).
/// Apostrophes are dropped first, as lodash's case functions do.
fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}'))
        .collect();
    let classes: Vec<CharClass> = chars.iter().map(|&c| class(c)).collect();
    let run_end = |from: usize, class: CharClass| {
        (from..chars.len())
            .find(|&i| classes[i] != class)
            .unwrap_or(chars.len())
    };
    let mut words = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let end = match classes[start] {
            CharClass::Separator => {
                start += 1;
                continue;
            }
            CharClass::Digit => run_end(start, CharClass::Digit),
            CharClass::Lower => run_end(start, CharClass::Lower),
            CharClass::Upper => {
                let upper_end = run_end(start, CharClass::Upper);
                let then_lower = classes.get(upper_end) == Some(&CharClass::Lower);
                match (then_lower, upper_end - start) {
                    (true, 1) => run_end(upper_end, CharClass::Lower),
                    (true, _) => upper_end - 1,
                    (false, _) => upper_end,
                }
            }
        };
        words.push(chars[start..end].iter().collect());
        start = end;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_follow_postgraphile_v4() {
        let people = TableNames::new("people");
        assert_eq!(people.node, "Person");
        assert_eq!(people.connection, "PeopleConnection");
        assert_eq!(people.edge, "PeopleEdge");
        assert_eq!(people.order_by, "PeopleOrderBy");
        assert_eq!(people.condition, "PersonCondition");
        assert_eq!(people.filter, "PersonFilter");
        assert_eq!(people.all_rows, "allPeople");
        assert_eq!(row_by_key("people", &["id"]), "personById");
        assert_eq!(people.row_field, "person");
        assert_eq!(people.edge_field, "personEdge");
        assert_eq!(people.input, "PersonInput");
        assert_eq!(people.create, "createPerson");
        assert_eq!(people.create_input, "CreatePersonInput");
        assert_eq!(people.create_payload, "CreatePersonPayload");
        assert_eq!(people.node_id_prefix, "people");
        assert_eq!(people.update, "updatePerson");
        assert_eq!(people.update_input, "UpdatePersonInput");
        assert_eq!(people.update_payload, "UpdatePersonPayload");
        assert_eq!(people.patch, "PersonPatch");
        assert_eq!(people.patch_field, "personPatch");
        assert_eq!(people.delete, "deletePerson");
        assert_eq!(people.delete_input, "DeletePersonInput");
        assert_eq!(people.delete_payload, "DeletePersonPayload");
        assert_eq!(people.deleted_id, "deletedPersonId");
        assert_eq!(
            KeyNames::new("people", &["id"]),
            KeyNames {
                read: "personById".into(),
                update: "updatePersonById".into(),
                update_input: "UpdatePersonByIdInput".into(),
                delete: "deletePersonById".into(),
                delete_input: "DeletePersonByIdInput".into(),
            }
        );
        assert_eq!(
            KeyNames::new("user_accounts", &["user_id", "account_id"]).update_input,
            "UpdateUserAccountByUserIdAndAccountIdInput"
        );

        let clients = TableNames::new("clients");
        assert_eq!(
            (clients.node.as_str(), clients.all_rows.as_str()),
            ("Client", "allClients")
        );
        assert_eq!(row_by_key("clients", &["id"]), "clientById");

        let post = TableNames::new("post");
        assert_eq!(
            (post.node.as_str(), post.all_rows.as_str()),
            ("Post", "allPosts")
        );
        assert_eq!(post.connection, "PostsConnection");
        assert_eq!(post.node_id_prefix, "posts");
        assert_eq!(row_by_key("post", &["id"]), "postById");

        let adults = TableNames::new("adults");
        assert_eq!(
            (adults.node.as_str(), adults.all_rows.as_str()),
            ("Adult", "allAdults")
        );
    }

    #[test]
    fn names_of_many_rows_and_upserts() {
        let people = ManyNames::new("people");
        assert_eq!(people.rows_field, "people");
        assert_eq!(people.create, "createManyPeople");
        assert_eq!(people.create_input, "CreateManyPeopleInput");
        assert_eq!(people.update_payload, "UpdateManyPeoplePayload");
        assert_eq!(people.delete, "deleteManyPeople");
        let accounts = ManyNames::new("user_accounts");
        assert_eq!(accounts.rows_field, "userAccounts");
        assert_eq!(accounts.update, "updateManyUserAccounts");
        assert_eq!(
            ConflictNames::new("people"),
            ConflictNames {
                on_conflict: "PersonOnConflict".into(),
                constraint: "PersonConstraint".into(),
                update_column: "PersonUpdateColumn".into(),
            }
        );
    }

    #[test]
    fn nested_create_names_follow_the_nested_mutations_plugin() {
        assert_eq!(
            NestedNames::new(
                "members",
                "members_team_id_fkey",
                &["team_id"],
                &["id"],
                false
            ),
            NestedNames {
                field: "membersUsingId".into(),
                connector: "MembersTeamIdFkeyInverseInput".into(),
                create_input: "MembersTeamIdFkeyMembersCreateInput".into(),
            }
        );
        assert_eq!(
            NestedNames::new("post", "post_author_id_fkey", &["author_id"], &["id"], true).field,
            "postsToAuthorIdUsingId"
        );
        assert_eq!(
            NestedNames::parent("teams", "members_team_id_fkey", &["team_id"]),
            NestedNames {
                field: "teamToTeamId".into(),
                connector: "MembersTeamIdFkeyInput".into(),
                create_input: "MembersTeamIdFkeyTeamsCreateInput".into(),
            }
        );
    }

    #[test]
    fn multi_word_and_reserved_table_names() {
        let names = TableNames::new("user_accounts");
        assert_eq!(names.node, "UserAccount");
        assert_eq!(names.connection, "UserAccountsConnection");
        assert_eq!(names.all_rows, "allUserAccounts");
        assert_eq!(names.row_field, "userAccount");
        assert_eq!(names.create_payload, "CreateUserAccountPayload");
        assert_eq!(names.node_id_prefix, "user_accounts");
        assert_eq!(
            row_by_key("user_accounts", &["user_id", "account_id"]),
            "userAccountByUserIdAndAccountId"
        );
        assert_eq!(TableNames::new("user_input").node, "UserInput_");
        assert_eq!(TableNames::new("_private").node, "_Private");
    }

    #[test]
    fn relation_names_follow_postgraphile_v4() {
        assert_eq!(row_by_key("clients", &["client_id"]), "clientByClientId");
        assert_eq!(row_by_key("profiles", &["user_id"]), "profileByUserId");
        assert_eq!(
            many_relation("projects", &["client_id"]),
            "projectsByClientId"
        );
        assert_eq!(many_relation("post", &["author_id"]), "postsByAuthorId");
        assert_eq!(
            many_relation("user_accounts", &["org_id", "team_id"]),
            "userAccountsByOrgIdAndTeamId"
        );
        assert_eq!(
            to_many_filter("clients", "projects"),
            "ClientToManyProjectFilter"
        );
        assert_eq!(
            to_many_filter("user_accounts", "post"),
            "UserAccountToManyPostFilter"
        );
    }

    #[test]
    fn column_names_are_camel_case() {
        assert_eq!(field("client_id"), "clientId");
        assert_eq!(field("contact_email"), "contactEmail");
        assert_eq!(field("name"), "name");
        assert_eq!(field("HTTPServer"), "httpServer");
        assert_eq!(field("address_line2"), "addressLine2");
        assert_eq!(field("_secret_"), "_secret_");
        assert_eq!(field("fooBar"), "fooBar");
    }

    #[test]
    fn order_values_are_constant_case() {
        assert_eq!(order_value("id", true), "ID_ASC");
        assert_eq!(order_value("age", false), "AGE_DESC");
        assert_eq!(order_value("client_id", true), "CLIENT_ID_ASC");
        assert_eq!(order_value("contactEmail", false), "CONTACT_EMAIL_DESC");
        assert_eq!(order_value("f4", true), "F4_ASC");
        assert_eq!(order_value("address_line2", true), "ADDRESS_LINE2_ASC");
        assert_eq!(order_value("HTTPStatus", true), "HTTPSTATUS_ASC");
        assert_eq!(order_value("très bien", true), "TR_S_BIEN_ASC");
        assert_eq!(enum_value("very sad"), "VERY_SAD");
        assert_eq!(enum_value("okay-ish"), "OKAY_ISH");
        assert_eq!(enum_value("camelCase"), "CAMEL_CASE");
        assert_eq!(enum_value("4ever"), "_4EVER");
        assert_eq!(enum_value("_private"), "_PRIVATE");
        assert_eq!(enum_value("a--b-"), "A_B_");
    }

    #[test]
    fn validates_graphql_names() {
        assert!(is_valid_name("Person"));
        assert!(is_valid_name("_x1"));
        assert!(!is_valid_name("1st"));
        assert!(!is_valid_name("__Type"));
        assert!(!is_valid_name("café"));
        assert!(!is_valid_name(""));
    }
}
