//! The input types of the `filter:` argument, named and described as
//! postgraphile-plugin-connection-filter does: a table's filter (`PersonFilter`), the filter of a
//! to-many relation (`ClientToManyProjectFilter { some, every, none }`) and the scalar filters
//! (`IntFilter`, `StringFilter`, `StringListFilter`, …).

use async_graphql::dynamic::{InputObject, InputValue, TypeRef};

use super::model::{FilterField, Model, Table};
use super::operators::{FilterType, Meaning, Operand};

const DESCRIPTION_TAIL: &str = "All fields are combined with a logical ‘and.’";

/// `PersonFilter`: a field per filterable column and relation, and `and`, `or`, `not`.
pub(crate) fn table(model: &Model, table: &Table) -> InputObject {
    let names = &table.names;
    let mut input = InputObject::new(&names.filter).description(format!(
        "A filter to be used against `{}` object types. {DESCRIPTION_TAIL}",
        names.node
    ));
    for (name, field) in &table.filter_fields {
        let (type_ref, description) = match field {
            FilterField::Column(_, filter) | FilterField::Computed(_, filter) => (
                TypeRef::named(filter.name()),
                format!("Filter by the object’s `{name}` field."),
            ),
            FilterField::Relation(index) => {
                let relation = &table.relations[*index];
                let target = &model.tables[relation.target];
                let type_name = relation
                    .many_filter
                    .as_ref()
                    .unwrap_or(&target.names.filter);
                (
                    TypeRef::named(type_name),
                    format!("Filter by the object’s `{name}` relation."),
                )
            }
            FilterField::Exists(index) => {
                let relation = &table.relations[*index];
                let description = match relation.many {
                    true => format!("Some related `{}` exist.", relation.name),
                    false => format!("A related `{}` exists.", relation.name),
                };
                (TypeRef::named(TypeRef::BOOLEAN), description)
            }
            FilterField::And => (
                TypeRef::named_nn_list(&names.filter),
                "Checks for all expressions in this list.".to_owned(),
            ),
            FilterField::Or => (
                TypeRef::named_nn_list(&names.filter),
                "Checks for any expressions in this list.".to_owned(),
            ),
            FilterField::Not => (
                TypeRef::named(&names.filter),
                "Negates the expression.".to_owned(),
            ),
        };
        input = input.field(InputValue::new(name, type_ref).description(description));
    }
    input
}

/// `ClientToManyProjectFilter`: `every`, `some` and `none` with the related table's filter.
pub(crate) fn to_many(name: &str, target: &Table) -> InputObject {
    let node = &target.names.node;
    let field = |field: &str, what: &str| {
        InputValue::new(field, TypeRef::named(&target.names.filter)).description(format!(
            "{what} related `{node}` matches the filter criteria. {DESCRIPTION_TAIL}"
        ))
    };
    InputObject::new(name)
        .description(format!(
            "A filter to be used against many `{node}` object types. {DESCRIPTION_TAIL}"
        ))
        .field(field("every", "Every"))
        .field(field("some", "Some"))
        .field(field("none", "No"))
}

/// `IntFilter`, `StringListFilter`, …: a field per operator.
pub(crate) fn scalar(filter: FilterType) -> InputObject {
    let scalar = filter.operand();
    let mut input = InputObject::new(filter.name()).description(filter.description());
    for operator in filter.operators() {
        // As in the plugin, the case-insensitive comparisons of a domain over text take text.
        let scalar = match operator.meaning {
            Meaning::CompareInsensitive { .. } | Meaning::InInsensitive { .. } => {
                filter.scalar.input_name()
            }
            _ => scalar,
        };
        let type_ref = match (operator.operand, filter.list) {
            (Operand::Boolean, _) => TypeRef::named(TypeRef::BOOLEAN),
            (Operand::Value, false) => TypeRef::named(scalar),
            (Operand::Value, true) => TypeRef::named_list(scalar),
            (Operand::ValueList, _) => TypeRef::named_nn_list(scalar),
        };
        input =
            input.field(InputValue::new(operator.name, type_ref).description(operator.description));
    }
    input
}
