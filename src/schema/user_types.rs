//! Enum, composite and domain types, which GraphQL gives types of their own (`Mood`, `Address`,
//! `Email`): their labels, attributes and base types, read from the catalog with the relations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use sqlx::types::Json;

/// An enum type, a standalone composite type (`CREATE TYPE … AS (…)`) or a domain.
#[derive(Debug, Serialize)]
pub struct UserType {
    pub schema: String,
    pub name: String,
    pub comment: Option<String>,
    pub kind: UserTypeKind,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserTypeKind {
    /// The labels, in their sort order.
    Enum(Vec<String>),
    Composite(Vec<Attribute>),
    /// The `typname` of the base type (arrays as `_int4`), itself no domain.
    Domain(String),
}

/// An attribute of a composite type, its type resolved as a column's is.
#[derive(Debug, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    /// The base type's `typname` (domains resolved; arrays as `_int4`).
    pub type_name: String,
    /// The element's `typname` when the attribute is an array.
    pub element_type: Option<String>,
    pub comment: Option<String>,
}

// Enums, standalone composite types and domains outside the system schemas; attributes as
// columns are.
const USER_TYPES: &str = r#"
SELECT n.nspname::text, t.typname::text, obj_description(t.oid, 'pg_type'),
       CASE WHEN t.typtype = 'e'
            THEN array(SELECT e.enumlabel::text FROM pg_enum e
                       WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END,
       CASE WHEN t.typtype = 'c' THEN
         (SELECT coalesce(json_agg(json_build_object(
                    'name', a.attname,
                    'type_name', bt.typname,
                    'element_type', CASE WHEN bt.typcategory = 'A' THEN et.typname END,
                    'comment', col_description(t.typrelid, a.attnum)) ORDER BY a.attnum), '[]')
          FROM pg_attribute a
          JOIN pg_type at ON at.oid = a.atttypid
          JOIN pg_type bt ON bt.oid = CASE WHEN at.typtype = 'd' THEN at.typbasetype ELSE at.oid END
          LEFT JOIN pg_type et ON et.oid = bt.typelem
          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
       bt.typname::text
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  AND (t.typtype IN ('e', 'd')
       OR (t.typtype = 'c' AND EXISTS (SELECT FROM pg_class c
                                       WHERE c.oid = t.typrelid AND c.relkind = 'c')))
ORDER BY n.nspname, t.typname
"#;

type UserTypeRow = (
    String,
    String,
    Option<String>,
    Option<Vec<String>>,
    Option<Json<Vec<Attribute>>>,
    Option<String>,
);

/// The enum and composite types by `typname`; of two types with one name, the first schema's
/// in name order is kept, as columns know their type by `typname` only.
pub async fn load(conn: &mut PgConnection) -> Result<BTreeMap<String, UserType>, sqlx::Error> {
    let rows: Vec<UserTypeRow> = sqlx::query_as(USER_TYPES).fetch_all(&mut *conn).await?;
    let mut types = BTreeMap::new();
    for (schema, name, comment, labels, attributes, base) in rows {
        let kind = match (labels, attributes, base) {
            (Some(labels), _, _) => UserTypeKind::Enum(labels),
            (None, Some(Json(attributes)), _) => UserTypeKind::Composite(attributes),
            (None, None, Some(base)) => UserTypeKind::Domain(base),
            (None, None, None) => continue,
        };
        types.entry(name.clone()).or_insert(UserType {
            schema,
            name,
            comment,
            kind,
        });
    }
    Ok(types)
}
