//! `INSERT` for an [`InsertPlan`]: the body is bound once as JSON and expanded in SQL, so any
//! number of rows is one statement with one parameter.

use super::read::{Mode, Shape, Source, body as shaped, level};
use super::{Bind, SqlBuilder, Statement};
use crate::plan::InsertPlan;

/// The insert as one statement; the representation, if asked for, is shaped as `shape`.
/// Takes the plan by value so the body (possibly megabytes) moves into its bind uncopied.
pub fn insert(plan: InsertPlan, shape: Shape) -> Statement {
    let mut sql = SqlBuilder::default();
    let relation = &plan.relation;
    sql.push("WITH pgrst_source AS (INSERT INTO ")
        .push_qualified(relation);
    if plan.columns.is_empty() {
        // `{}` or `[{}, …]`: one row of defaults per object.
        sql.push(" SELECT FROM json_array_elements(");
        body(&mut sql, plan.body);
        sql.push(")");
    } else {
        sql.push(" (");
        sql.push_list(&plan.columns, ", ", |sql, c| {
            sql.push_ident(c.as_str());
        });
        sql.push(") SELECT ");
        sql.push_list(&plan.columns, ", ", |sql, c| {
            sql.push_ident(c.as_str());
        });
        sql.push(" FROM json_populate_recordset(NULL::")
            .push_qualified(relation)
            .push(", ");
        body(&mut sql, plan.body);
        sql.push(")");
    }
    match &plan.returning {
        Some(read) => {
            sql.push(" RETURNING ").push_qualified(relation).push(".*)");
            sql.push(" SELECT NULL::int8, count(*)::int8, ");
            shaped(&mut sql, shape);
            sql.push(" FROM (");
            level(&mut sql, read, Source::WriteResult, None, Mode::Rows);
            sql.push(") _postgrest_t");
        }
        None => {
            sql.push(" RETURNING 1) SELECT NULL::int8, count(*)::int8, ''::text FROM pgrst_source");
        }
    }
    sql.finish()
}

/// The body as a JSON array, whether it was sent as an object or an array.
fn body(sql: &mut SqlBuilder, body: String) {
    sql.push("(SELECT CASE WHEN json_typeof(b) = 'array' THEN b ELSE json_build_array(b) END FROM (SELECT ");
    sql.push_bind(Bind::Text(body)).push("::json AS b) _body)");
}
