//! Inserts: a JSON body of one object or an array of objects into a relation.

use super::read::{ReadOptions, ReadPlan};
use super::{PlanError, ReadRequest};
use crate::schema::{Cache, Ident, QualifiedName, Relation};

/// An insert as a caller asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertRequest {
    /// The keys of the body's objects, which become the target columns.
    pub columns: Vec<String>,
    /// The body as sent: a JSON object or an array of objects, all with `columns` as keys.
    pub body: String,
    /// What to return of the inserted rows; `None` returns nothing.
    pub returning: Option<ReadRequest>,
}

/// A checked insert.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertPlan {
    pub relation: QualifiedName,
    pub columns: Vec<Ident>,
    pub body: String,
    /// A read of the inserted rows.
    pub returning: Option<ReadPlan>,
}

impl InsertPlan {
    pub fn build(
        cache: &Cache,
        relation: &Relation,
        request: InsertRequest,
        options: ReadOptions,
    ) -> Result<InsertPlan, PlanError> {
        let columns = request
            .columns
            .iter()
            .map(|name| {
                relation
                    .column(name)
                    .map(|c| c.name.clone())
                    .ok_or_else(|| PlanError::UnknownPayloadColumn {
                        relation: relation.name.name.to_string(),
                        column: name.clone(),
                    })
            })
            .collect::<Result<_, _>>()?;
        // The representation is every inserted row, whatever the read limits are.
        let options = ReadOptions {
            max_rows: None,
            ..options
        };
        let returning = request
            .returning
            .map(|read| ReadPlan::build(cache, relation, read, options))
            .transpose()?;
        Ok(InsertPlan {
            relation: relation.name.clone(),
            columns,
            body: request.body,
            returning,
        })
    }
}
