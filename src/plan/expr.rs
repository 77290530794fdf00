//! Expressions on a relation's columns: a column or a computed column (a function taking the
//! row), possibly followed by a JSON path.

use crate::schema::{Cache, Function, Ident, QualifiedName, Relation, SqlType, Volatility};

use super::PlanError;
use super::request::{ComputedRequest, FieldPath, JsonKey, JsonStep};

/// A column of a plan level, with an optional JSON path into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The column's name (for a computed column, the function's).
    pub column: Ident,
    /// The function computing the column from the row, for a computed column.
    pub computed: Option<QualifiedName>,
    /// A computed column's arguments after the row, by name (the others take their defaults).
    pub arguments: Vec<ComputedArgument>,
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
    /// The column `path` names, or else the computed column: a function of the relation's
    /// schema taking its row type and returning one value.
    pub fn resolve(
        cache: &Cache,
        relation: &Relation,
        path: &FieldPath,
    ) -> Result<Expr, PlanError> {
        let json_path = path.json_path.clone();
        if let Some(column) = relation.column(&path.column) {
            return Ok(Expr {
                column: column.name.clone(),
                computed: None,
                arguments: Vec::new(),
                column_type: column.sql_type.clone(),
                jsonb: column.type_name == "jsonb",
                json_path,
            });
        }
        let computed = cache.functions_in(&relation.name.schema).find(|f| {
            f.name.name.as_str() == path.column
                && !f.returns.set_of
                && f.arguments
                    .first()
                    .is_some_and(|a| a.type_name == relation.name.name.as_str())
                && f.arguments.iter().skip(1).all(|a| a.has_default)
        });
        match computed {
            Some(function) => Ok(Expr {
                column: function.name.name.clone(),
                computed: Some(function.name.clone()),
                arguments: Vec::new(),
                column_type: function.returns.sql_type.clone(),
                jsonb: function.returns.type_name == "jsonb",
                json_path,
            }),
            None => Err(PlanError::UnknownColumn {
                relation: relation.name.name.to_string(),
                column: path.column.clone(),
            }),
        }
    }

    /// The computed column `request` names, called with its arguments: a STABLE or IMMUTABLE
    /// function of the relation's schema, not overloaded, taking the relation's row first and
    /// returning one value; every parameter without a default must be given.
    pub fn computed(
        cache: &Cache,
        relation: &Relation,
        request: &ComputedRequest,
    ) -> Result<Expr, PlanError> {
        let unknown = || PlanError::UnknownColumn {
            relation: relation.name.name.to_string(),
            column: request.function.clone(),
        };
        let function = match cache
            .functions_named(&relation.name.schema, &request.function)
            .as_slice()
        {
            [function] if takes_row(function, relation) => *function,
            _ => return Err(unknown()),
        };
        let mut arguments = Vec::with_capacity(request.arguments.len());
        for parameter in function.arguments.iter().skip(1) {
            let name = parameter.name.as_ref().ok_or_else(unknown)?;
            match request.arguments.iter().find(|(n, _)| n == name.as_str()) {
                Some((_, value)) => arguments.push(ComputedArgument {
                    name: name.clone(),
                    sql_type: parameter.sql_type.clone(),
                    value: value.clone(),
                }),
                None if parameter.has_default => {}
                None => return Err(unknown()),
            }
        }
        if arguments.len() != request.arguments.len() {
            return Err(unknown());
        }
        Ok(Expr {
            column: function.name.name.clone(),
            computed: Some(function.name.clone()),
            arguments,
            column_type: function.returns.sql_type.clone(),
            jsonb: function.returns.type_name == "jsonb",
            json_path: Vec::new(),
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

/// An argument of a computed column: `"name" := $n::type`, or `NULL::type`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedArgument {
    pub name: Ident,
    pub sql_type: SqlType,
    /// The value as text, parsed by the parameter's type; `None` for null.
    pub value: Option<String>,
}

/// Whether `function` can compute a column of `relation`: it reads (is not VOLATILE), takes the
/// row first and returns one value.
fn takes_row(function: &Function, relation: &Relation) -> bool {
    function.volatility != Volatility::Volatile
        && !function.returns.set_of
        && function
            .arguments
            .first()
            .is_some_and(|a| a.type_name == relation.name.name.as_str())
}
