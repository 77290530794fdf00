//! Inserts: a JSON body of one object or an array of objects into a relation.

use super::read::{field, projection};
use super::{PlanError, Projection, SelectItem};
use crate::schema::{Ident, QualifiedName, Relation};

/// An insert as a caller asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertRequest {
    /// The keys of the body's objects, which become the target columns.
    pub columns: Vec<String>,
    /// The body as sent: a JSON object or an array of objects, all with `columns` as keys.
    pub body: String,
    /// What to return of the inserted rows; `None` returns nothing.
    pub returning: Option<Vec<SelectItem>>,
}

/// A checked insert.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertPlan {
    pub relation: QualifiedName,
    pub columns: Vec<Ident>,
    pub body: String,
    pub returning: Option<Vec<Projection>>,
}

impl InsertPlan {
    pub fn build(relation: &Relation, request: InsertRequest) -> Result<InsertPlan, PlanError> {
        let columns = request
            .columns
            .iter()
            .map(|name| {
                field(relation, name).map(|f| f.column).map_err(|_| {
                    PlanError::UnknownPayloadColumn {
                        relation: relation.name.name.to_string(),
                        column: name.clone(),
                    }
                })
            })
            .collect::<Result<_, _>>()?;
        let returning = request
            .returning
            .map(|select| projection(relation, &select))
            .transpose()?;
        Ok(InsertPlan {
            relation: relation.name.clone(),
            columns,
            body: request.body,
            returning,
        })
    }
}
