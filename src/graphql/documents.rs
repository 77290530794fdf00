//! Parsed documents by their text, shared by all requests: parsing a query costs more than any
//! other step of executing it (about a fifth of a small nested query's CPU), and clients send
//! the same texts again and again, with variables or as persisted queries.
//!
//! Parsing does not depend on the schema, so the cache outlives schema reloads. Only documents
//! that parse are kept; a text that does not is parsed again, and execution reports why.

use std::sync::LazyLock;

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;

/// The most query text (bytes) whose documents are kept; a document takes some ten times its
/// text's size.
const CAPACITY: u64 = 1 << 20;

static DOCUMENTS: LazyLock<moka::sync::Cache<String, ExecutableDocument>> = LazyLock::new(|| {
    moka::sync::Cache::builder()
        .weigher(|text: &String, _| u32::try_from(text.len()).unwrap_or(u32::MAX))
        .max_capacity(CAPACITY)
        .build()
});

/// `request`'s document, parsed once per text and kept in `request` for execution; `None` when
/// it does not parse.
pub(crate) fn parsed(request: &mut Request) -> Option<&ExecutableDocument> {
    match DOCUMENTS.get(request.query.as_str()) {
        Some(document) => request.set_parsed_query(document),
        None => {
            let document = request.parsed_query().ok()?.clone();
            DOCUMENTS.insert(request.query.clone(), document);
        }
    }
    request.parsed_query().ok()
}

#[cfg(test)]
mod tests {
    use async_graphql::Request;

    use super::{DOCUMENTS, parsed};

    #[test]
    fn keeps_the_documents_that_parse() {
        let text = "{ keptDocument: a }";
        let first = parsed(&mut Request::new(text)).map(|d| format!("{d:?}"));
        assert!(first.is_some());
        assert!(DOCUMENTS.contains_key(text));
        let again = parsed(&mut Request::new(text)).map(|d| format!("{d:?}"));
        assert_eq!(again, first);

        let invalid = "{ unparsableDocument";
        assert!(parsed(&mut Request::new(invalid)).is_none());
        assert!(!DOCUMENTS.contains_key(invalid));
    }
}
