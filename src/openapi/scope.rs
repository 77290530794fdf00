//! What one document shows: the relations and functions of a schema with, for each relation, the
//! operations and columns it documents. Everything (`ignore-privileges`), or only what one role
//! may use (`follow-privileges`).
//!
//! A role's privileges come from Postgres, asked once per request as the request's role by
//! [`privileges_statement`]. Its answer is JSON that [`Privileges`] reads; the same text keys the
//! cache of documents, so callers whose privileges are alike share one document, and a GRANT or
//! REVOKE shows in the next request without a schema reload.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::schema::{Cache, Column, Function, Ident, Relation};
use crate::sql::{Bind, Statement};

/// A statement of `sql::Statement`'s shape whose body is the [`Privileges`] of the current role
/// in the schema `$1`: for each relation it may use, whether it may SELECT, INSERT or UPDATE any
/// column and DELETE rows, and which columns it may not use at all (only asked column by column
/// when it has no table-wide privilege); and the functions of which it may execute at least one
/// overload. Without USAGE on the schema it may use nothing in it. No `response.*` settings:
/// the document is pgway's own answer.
const PRIVILEGES: &str = "\
WITH n AS (SELECT oid, has_schema_privilege(oid, 'USAGE') AS usage FROM pg_namespace WHERE nspname = $1)
SELECT NULL::int8, 0::int8, json_build_object(
  'relations', coalesce((
    SELECT json_object_agg(c.relname, json_build_object(
      'select', p.may_select, 'insert', p.may_insert, 'update', p.may_update,
      'delete', p.may_delete,
      'hidden', CASE WHEN has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')
        THEN '{}' ELSE ARRAY(
          SELECT a.attname FROM pg_attribute a
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            AND NOT has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES')
          ORDER BY a.attnum) END)
      ORDER BY c.relname)
    FROM n JOIN pg_class c ON c.relnamespace = n.oid
    CROSS JOIN LATERAL (SELECT
      has_any_column_privilege(c.oid, 'SELECT') AS may_select,
      has_any_column_privilege(c.oid, 'INSERT') AS may_insert,
      has_any_column_privilege(c.oid, 'UPDATE') AS may_update,
      has_table_privilege(c.oid, 'DELETE') AS may_delete) p
    WHERE n.usage AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
      AND (p.may_select OR p.may_insert OR p.may_update OR p.may_delete)), '{}'),
  'functions', ARRAY(
    SELECT DISTINCT p.proname FROM n JOIN pg_proc p ON p.pronamespace = n.oid
    WHERE n.usage AND has_function_privilege(p.oid, 'EXECUTE')
    ORDER BY p.proname)
)::text, NULL::text, NULL::text";

/// The statement asking what the request's role may use in `schema`.
pub fn privileges_statement(schema: &Ident) -> Statement {
    Statement {
        sql: PRIVILEGES.to_owned(),
        binds: vec![Bind::Text(schema.as_str().to_owned())],
    }
}

/// What one role may use in one schema, as [`privileges_statement`] answered.
#[derive(Debug, Deserialize)]
pub struct Privileges {
    relations: BTreeMap<String, Grants>,
    functions: BTreeSet<String>,
}

#[derive(Debug, Deserialize)]
struct Grants {
    select: bool,
    insert: bool,
    update: bool,
    delete: bool,
    /// Columns the role has no privilege on.
    hidden: BTreeSet<String>,
}

/// Whose document: everyone's, or one role's.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Everything,
    Granted(&'a Privileges),
}

/// The operations a document lists for a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Operations {
    pub read: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
}

/// A relation as one document shows it.
pub(super) struct Shown<'a> {
    pub relation: &'a Relation,
    pub columns: Vec<&'a Column>,
    pub operations: Operations,
}

impl Shown<'_> {
    pub fn name(&self) -> &str {
        self.relation.name.name.as_str()
    }
}

/// The contents of one document.
pub(super) struct Contents<'a> {
    /// By name.
    pub relations: Vec<Shown<'a>>,
    /// By name; the first of overloaded functions.
    pub functions: Vec<&'a Function>,
}

impl<'a> Contents<'a> {
    pub fn of(cache: &'a Cache, schema: &'a Ident, scope: Scope<'_>) -> Contents<'a> {
        let relations = cache
            .relations_in(schema)
            .filter_map(|relation| shown(relation, scope))
            .collect();
        let mut seen = BTreeSet::new();
        let functions = cache
            .functions_in(schema)
            .filter(|function| seen.insert(function.name.name.as_str()))
            .filter(|function| match scope {
                Scope::Everything => true,
                Scope::Granted(privileges) => {
                    privileges.functions.contains(function.name.name.as_str())
                }
            })
            .collect();
        Contents {
            relations,
            functions,
        }
    }

    /// Whether the document describes the relation `name` (so `$ref`s to it resolve).
    pub fn has_relation(&self, name: &str) -> bool {
        self.relations.iter().any(|shown| shown.name() == name)
    }
}

/// The relation with what `scope` may do to it, or `None` when it may do nothing.
fn shown<'a>(relation: &'a Relation, scope: Scope<'_>) -> Option<Shown<'a>> {
    let possible = Operations {
        read: true,
        insert: relation.insertable,
        update: relation.updatable,
        delete: relation.deletable,
    };
    let (operations, columns) = match scope {
        Scope::Everything => (possible, relation.columns.iter().collect()),
        Scope::Granted(privileges) => {
            let grants = privileges.relations.get(relation.name.name.as_str())?;
            let operations = Operations {
                read: grants.select,
                insert: possible.insert && grants.insert,
                update: possible.update && grants.update,
                delete: possible.delete && grants.delete,
            };
            let columns = relation
                .columns
                .iter()
                .filter(|column| !grants.hidden.contains(column.name.as_str()))
                .collect();
            (operations, columns)
        }
    };
    let any = operations.read || operations.insert || operations.update || operations.delete;
    any.then_some(Shown {
        relation,
        columns,
        operations,
    })
}
