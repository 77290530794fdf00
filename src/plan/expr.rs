//! Expressions on a relation's columns: a column, possibly followed by a JSON path.

use crate::schema::{Ident, Relation, SqlType};

use super::PlanError;
use super::request::{FieldPath, JsonKey, JsonStep};

/// A column of a plan level, with an optional JSON path into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub column: Ident,
    /// The column's type.
    pub column_type: SqlType,
    /// Whether the column is `jsonb` (`json`, composite and array columns go through `to_jsonb`).
    pub jsonb: bool,
    pub json_path: Vec<JsonStep>,
}

/// What an expression yields, which decides how a filter value is cast.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprType<'a> {
    Column(&'a SqlType),
    Jsonb,
    Text,
}

impl Expr {
    pub fn resolve(relation: &Relation, path: &FieldPath) -> Result<Expr, PlanError> {
        let column = relation
            .column(&path.column)
            .ok_or_else(|| PlanError::UnknownColumn {
                relation: relation.name.name.to_string(),
                column: path.column.clone(),
            })?;
        Ok(Expr {
            column: column.name.clone(),
            column_type: column.sql_type.clone(),
            jsonb: column.type_name == "jsonb",
            json_path: path.json_path.clone(),
        })
    }

    pub fn value_type(&self) -> ExprType<'_> {
        match self.json_path.last() {
            None => ExprType::Column(&self.column_type),
            Some(step) if step.as_text => ExprType::Text,
            Some(_) => ExprType::Jsonb,
        }
    }

    /// The output key PostgREST gives a selected field without alias: the last key of its JSON
    /// path, else the column's name.
    pub fn default_key(&self) -> String {
        self.json_path
            .iter()
            .rev()
            .find_map(|step| match &step.key {
                JsonKey::Key(key) => Some(key.clone()),
                JsonKey::Index(_) => None,
            })
            .unwrap_or_else(|| self.column.to_string())
    }
}
