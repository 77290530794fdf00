//! How the document spells references, component keys and URL paths.
//!
//! OpenAPI restricts component keys to `[a-zA-Z0-9._-]`, so a relation whose name has other
//! characters gets an escaped key ([`schema_key`]). `$ref`s are URI fragments holding JSON
//! pointers: a column name in one is pointer-escaped (`~0`, `~1`) and then percent-encoded. URL
//! paths percent-encode a name as one path segment (the REST layer percent-decodes it back).

use utoipa::openapi::Ref;

/// The key of the error body's schema, beside the relations' schemas.
pub(super) const ERROR: &str = "Error";

/// The key of a relation's schema (or of [`ERROR`]) in `components.schemas`.
///
/// A name of ASCII letters, digits, `.` and `_` other than `Error` is its own key. Any other name
/// is escaped into a key that starts with `-`, where `-` doubles and every other byte outside
/// that set becomes `-XX`: so no two names, nor a name and `Error`, share a key.
pub(super) fn schema_key(name: &str) -> String {
    let plain = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'_';
    if name != ERROR && name.bytes().all(plain) {
        return name.to_owned();
    }
    name.bytes().fold(String::from("-"), |mut key, byte| {
        match byte {
            b'-' => key.push_str("--"),
            _ if plain(byte) => key.push(char::from(byte)),
            _ => key.push_str(&format!("-{byte:02X}")),
        }
        key
    })
}

/// `#/components/schemas/<key>` of the relation `name`.
pub(super) fn schema(name: &str) -> Ref {
    Ref::new(format!("#/components/schemas/{}", schema_key(name)))
}

/// `#/components/schemas/<key>/properties/<column>`.
pub(super) fn property(relation: &str, column: &str) -> Ref {
    let (relation, column) = (schema_key(relation), pointer_token(column));
    Ref::new(format!(
        "#/components/schemas/{relation}/properties/{column}"
    ))
}

/// `#/components/parameters/<name>` (our own ASCII names).
pub(super) fn parameter(name: &str) -> Ref {
    Ref::new(format!("#/components/parameters/{name}"))
}

/// `#/components/headers/<name>` (our own ASCII names).
pub(super) fn header(name: &str) -> Ref {
    Ref::new(format!("#/components/headers/{name}"))
}

/// `#/components/schemas/Error`.
pub(super) fn error_schema() -> Ref {
    Ref::from_schema_name(ERROR)
}

/// `#/components/responses/Error`.
pub(super) fn error_response() -> Ref {
    Ref::from_response_name(ERROR)
}

/// A catalog name as one URL path segment.
pub(super) fn path_segment(name: &str) -> String {
    percent_encode(name)
}

fn pointer_token(name: &str) -> String {
    percent_encode(&name.replace('~', "~0").replace('/', "~1"))
}

/// Percent-encodes every byte that is not an RFC 3986 `pchar` (unreserved, sub-delims, `:`, `@`).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .fold(String::with_capacity(text.len()), |mut out, byte| {
            if is_pchar(byte) {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
            out
        })
}

fn is_pchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys_are_valid_and_distinct() {
        assert_eq!(schema_key("people"), "people");
        assert_eq!(schema_key("Error"), "-Error");
        assert_eq!(schema_key("my-table"), "-my--table");
        assert_eq!(schema_key("odd/name ~"), "-odd-2Fname-20-7E");
        assert_eq!(schema_key("café"), "-caf-C3-A9");
        assert_ne!(schema_key("a-2F"), schema_key("a/"));
    }

    #[test]
    fn paths_and_pointers_are_encoded() {
        assert_eq!(path_segment("odd/name ~"), "odd%2Fname%20~");
        assert_eq!(
            property("people", "a/b~c").ref_location,
            "#/components/schemas/people/properties/a~1b~0c"
        );
    }
}
