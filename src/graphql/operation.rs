//! What the operation a request executes needs from its transaction, read from the parsed
//! document before execution: whether it writes, and how many statements it runs at most.
//!
//! The document is parsed once ([`documents`] keeps it per text), and the request keeps it for
//! execution.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Positioned, Request};

use super::documents;
use super::model::{NODE_ID, QUERY_FIELD};

/// The executed operation as its transaction sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operation {
    pub mutation: bool,
    /// Statements its root fields run, at most (a field a directive skips is counted).
    pub statements: usize,
}

impl Operation {
    /// The operation `request` names; a query of no statements when the document does not parse
    /// or has no such operation, which execution then reports.
    pub fn of(request: &mut Request) -> Operation {
        let name = request.operation_name.clone();
        let none = Operation {
            mutation: false,
            statements: 0,
        };
        let Some(document) = documents::parsed(request) else {
            return none;
        };
        find(document, name.as_deref()).map_or(none, |operation| {
            let mutation = operation.node.ty == OperationType::Mutation;
            let counter = Counter {
                fragments: &document.fragments,
            };
            Operation {
                mutation,
                statements: counter.root(&operation.node.selection_set.node, mutation, 0),
            }
        })
    }
}

fn find<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<async_graphql::parser::types::OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Fragments nest at most this deep; deeper (or cyclic) ones are invalid and count no more.
const MAX_FRAGMENT_DEPTH: usize = 32;

struct Counter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
}

impl Counter<'_> {
    /// A root field runs one statement, except introspection, `nodeId` and `query` (whose own
    /// fields are root fields again); a mutation's payload may ask `query` for more.
    fn root(&self, set: &SelectionSet, mutation: bool, depth: usize) -> usize {
        self.fields(set, depth, &mut |field, depth| {
            let name = field.name.node.as_str();
            match name {
                QUERY_FIELD => self.root(&field.selection_set.node, false, depth),
                NODE_ID => 0,
                _ if name.starts_with("__") => 0,
                _ if mutation => 1 + self.payload_queries(&field.selection_set.node, depth),
                _ => 1,
            }
        })
    }

    /// The statements of the `query` fields of a mutation's payload.
    fn payload_queries(&self, set: &SelectionSet, depth: usize) -> usize {
        self.fields(
            set,
            depth,
            &mut |field, depth| match field.name.node.as_str() {
                QUERY_FIELD => self.root(&field.selection_set.node, false, depth),
                _ => 0,
            },
        )
    }

    /// The sum of `count` over the fields of `set`, through fragments.
    fn fields(
        &self,
        set: &SelectionSet,
        depth: usize,
        count: &mut dyn FnMut(&async_graphql::parser::types::Field, usize) -> usize,
    ) -> usize {
        if depth > MAX_FRAGMENT_DEPTH {
            return 0;
        }
        let mut total = 0;
        for selection in &set.items {
            total += match &selection.node {
                Selection::Field(field) => count(&field.node, depth),
                Selection::InlineFragment(fragment) => {
                    self.fields(&fragment.node.selection_set.node, depth + 1, count)
                }
                Selection::FragmentSpread(spread) => self
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(0, |fragment| {
                        self.fields(&fragment.node.selection_set.node, depth + 1, count)
                    }),
            };
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    fn of(query: &str, name: Option<&str>) -> Operation {
        let mut request = async_graphql::Request::new(query);
        if let Some(name) = name {
            request = request.operation_name(name);
        }
        Operation::of(&mut request)
    }

    #[test]
    fn counts_the_statements_of_root_fields() {
        let cases = [
            ("{ a b }", None, false, 2),
            (
                "{ __typename nodeId a query { b query { c } } }",
                None,
                false,
                3,
            ),
            (
                "{ ...F x: a } fragment F on Query { b ... on Query { c } }",
                None,
                false,
                3,
            ),
            ("query A { a } query B { a b }", Some("B"), false, 2),
            ("query A { a } query B { a b }", None, false, 0),
            ("mutation { a { x } b { query { c d } } }", None, true, 4),
            ("{ unparsable", None, false, 0),
        ];
        for (query, name, mutation, statements) in cases {
            assert_eq!(
                of(query, name),
                Operation {
                    mutation,
                    statements
                },
                "{query}"
            );
        }
        // Cyclic fragments are invalid; counting them stops.
        let cyclic = of("fragment F on Query { ...F a } { ...F }", None);
        assert!(cyclic.statements <= super::MAX_FRAGMENT_DEPTH + 1);
    }
}
