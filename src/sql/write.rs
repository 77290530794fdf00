//! `INSERT`, `UPDATE` and `DELETE` for write plans. A body is bound once as JSON and expanded in
//! SQL, so any number of rows is one statement with one parameter; the changed rows land in the
//! `pgrst_source` CTE, which the representation reads like a relation.

use super::filter::tree;
use super::read::{Mode, Shape, Source, body as shaped, level, nested_cte, tests_embed};
use super::{Bind, SqlBuilder, Statement};
use crate::plan::{
    BodyColumn, InsertColumn, InsertPlan, JoinType, MutatePlan, Mutation, NestedInsert, Nesting,
    ReadPlan,
};
use crate::schema::Ident;

/// The insert as one statement; the representation, if asked for, is shaped as `shape`.
/// Takes the plan by value so the body (possibly megabytes) moves into its bind uncopied.
///
/// An upsert also returns how many rows it inserted (rather than updated), which decides
/// between 200 and 201.
pub fn insert(plan: InsertPlan, shape: Shape, count: bool) -> Statement {
    let mut sql = SqlBuilder::default();
    let relation = &plan.relation;
    let upsert = plan.on_conflict.is_some();
    let (parents, children): (Vec<_>, Vec<_>) = plan
        .nested
        .into_iter()
        .enumerate()
        .partition(|(_, nested)| nested.nesting == Nesting::Parent);
    sql.push("WITH ");
    for (n, parent) in &parents {
        sql.push_ident(&nested_cte(*n))
            .push(" AS (INSERT INTO ")
            .push_qualified(&parent.relation)
            .push(" AS pgrst_target");
        // The plan gives a new parent one group of one row.
        for group in &parent.rows {
            rows(&mut sql, &group.columns, group.body.clone(), &[]);
        }
        sql.push(" RETURNING pgrst_target.*), ");
    }
    sql.push(if upsert {
        "pgrst_write AS (INSERT INTO "
    } else {
        "pgrst_source AS (INSERT INTO "
    });
    sql.push_qualified(relation).push(" AS pgrst_target");
    let from_parents: Vec<(String, &[(Ident, Ident)])> = parents
        .iter()
        .map(|(n, parent)| (nested_cte(*n), parent.link.as_slice()))
        .collect();
    rows(&mut sql, &plan.columns, plan.body, &from_parents);
    if let Some(conflict) = &plan.on_conflict {
        sql.push(" ON CONFLICT (");
        sql.push_list(&conflict.columns, ", ", |sql, c| {
            sql.push_ident(c.as_str());
        });
        sql.push(")");
        if conflict.update.is_empty() {
            sql.push(" DO NOTHING");
        } else {
            sql.push(" DO UPDATE SET ");
            sql.push_list(&conflict.update, ", ", |sql, c| {
                sql.push_ident(c.as_str())
                    .push(" = EXCLUDED.")
                    .push_ident(c.as_str());
            });
        }
        // `xmax` is 0 in a freshly inserted row version, not in an updated one.
        sql.push(
            " RETURNING pgrst_target AS pgrst_row, pgrst_target.xmax = 0 AS pgrst_inserted), \
             pgrst_source AS (SELECT (pgrst_row).* FROM pgrst_write)",
        );
    } else {
        sql.push(" RETURNING pgrst_target.*)");
    }
    for (_, child) in children {
        children_ctes(&mut sql, child, "pgrst_source");
    }
    for union in &plan.unions {
        sql.push(", ")
            .push_ident(&nested_cte(union.cte))
            .push(" AS (");
        sql.push_list(&union.parts, " UNION ALL ", |sql, part| {
            sql.push("SELECT * FROM ").push_ident(&nested_cte(*part));
        });
        sql.push(")");
    }
    representation(&mut sql, plan.returning.as_ref(), shape, count, upsert);
    sql.finish()
}

/// `, pgrst_nested_<cte> AS (INSERT …)`: `child`'s rows, taking the key from the row of the CTE
/// `parent`, then their own children's CTEs.
///
/// Each group of rows is an `INSERT` of its own, and a row with children of its own is a group of
/// its own (the plan checks it): its children take the key from the one row its CTE returns. So
/// each grandchild gets its own parent's key without relying on the order of `RETURNING` (which
/// Postgres does not promise) or on a unique column to match rows by. Several groups
/// (`pgrst_nested_<cte>_<group>`) are one CTE again as a `UNION ALL` of theirs, which the
/// payload's relation reads.
fn children_ctes(sql: &mut SqlBuilder, child: NestedInsert, parent: &str) {
    let cte = nested_cte(child.cte);
    let several = child.rows.len() > 1;
    let mut groups = Vec::with_capacity(child.rows.len());
    for (g, group) in child.rows.into_iter().enumerate() {
        let name = match several {
            true => format!("{cte}_{g}"),
            false => cte.clone(),
        };
        sql.push(", ")
            .push_ident(&name)
            .push(" AS (INSERT INTO ")
            .push_qualified(&child.relation)
            .push(" AS pgrst_target");
        let from_parent = [(parent.to_owned(), child.link.as_slice())];
        rows(sql, &group.columns, group.body, &from_parent);
        sql.push(" RETURNING pgrst_target.*)");
        for grandchild in group.nested {
            children_ctes(sql, grandchild, &name);
        }
        groups.push(name);
    }
    if several {
        sql.push(", ").push_ident(&cte).push(" AS (");
        sql.push_list(&groups, " UNION ALL ", |sql, group| {
            sql.push("SELECT * FROM ").push_ident(group);
        });
        sql.push(")");
    }
}

/// ` (columns) SELECT … FROM <the body's rows>`: what an insert inserts. Rows with `parents`
/// (CTEs of one row each, and the `(parent column, column)` pairs they fill in) take those columns
/// from them.
fn rows(
    sql: &mut SqlBuilder,
    columns: &[InsertColumn],
    json: String,
    parents: &[(String, &[(Ident, Ident)])],
) {
    let links = || {
        parents
            .iter()
            .flat_map(|(cte, link)| link.iter().map(move |pair| (cte, pair)))
    };
    let names: Vec<&Ident> = columns
        .iter()
        .map(|c| &c.column.name)
        .chain(links().map(|(_, (_, child))| child))
        .collect();
    // Each value after `lead`, the others after commas.
    let parent_values = |sql: &mut SqlBuilder, lead: &'static str| {
        for (i, (cte, (parent, _))) in links().enumerate() {
            sql.push(if i == 0 { lead } else { ", " });
            sql.push_ident(cte).push(".").push_ident(parent.as_str());
        }
    };
    let parent_row = |sql: &mut SqlBuilder| {
        for (cte, _) in parents {
            sql.push(", ").push_ident(cte);
        }
    };
    if columns.is_empty() {
        // `{}` or `[{}, …]`: one row of defaults per object.
        if !names.is_empty() {
            column_list(sql, &names);
        }
        sql.push(" SELECT");
        parent_values(sql, " ");
        sql.push(" FROM json_array_elements(");
        body(sql, json);
        sql.push(") AS pgrst_payload");
        parent_row(sql);
    } else if columns.iter().any(|c| c.default.is_some()) {
        // `missing=default`: a row without a key gets the column's default, row by row.
        column_list(sql, &names);
        sql.push(" SELECT ");
        sql.push_list(columns, ", ", |sql, column| {
            let name = column.column.name.as_str();
            match &column.default {
                Some(default) => {
                    sql.push("CASE WHEN pgrst_row ? ")
                        .push_bind(Bind::Text(name.to_owned()))
                        .push(" THEN pgrst_values.")
                        .push_ident(name)
                        .push(" ELSE ")
                        .push_expr(default)
                        .push(" END");
                }
                None => {
                    sql.push("pgrst_values.").push_ident(name);
                }
            }
        });
        parent_values(sql, ", ");
        sql.push(" FROM jsonb_array_elements(");
        body(sql, json);
        sql.push("::jsonb) AS pgrst_rows(pgrst_row), jsonb_to_record(pgrst_row) AS pgrst_values");
        record_columns(sql, columns.iter().map(|c| &c.column));
        parent_row(sql);
    } else {
        column_list(sql, &names);
        sql.push(" SELECT ");
        sql.push_list(columns, ", ", |sql, c| {
            sql.push("pgrst_payload.")
                .push_ident(c.column.name.as_str());
        });
        parent_values(sql, ", ");
        sql.push(" FROM json_to_recordset(");
        body(sql, json);
        sql.push(") AS pgrst_payload");
        record_columns(sql, columns.iter().map(|c| &c.column));
        parent_row(sql);
    }
}

/// `("a" integer, "b" text)`: the columns a write reads from its JSON body, as the column
/// definition list of `json_to_recordset`.
fn record_columns<'c>(sql: &mut SqlBuilder, columns: impl IntoIterator<Item = &'c BodyColumn>) {
    sql.push("(");
    sql.push_list(columns, ", ", |sql, column| {
        sql.push_ident(column.name.as_str())
            .push(" ")
            .push_type(&column.sql_type);
    });
    sql.push(")");
}

/// ` ("a", "b")`: the columns an insert writes.
fn column_list(sql: &mut SqlBuilder, names: &[&Ident]) {
    sql.push(" (");
    sql.push_list(names, ", ", |sql, c| {
        sql.push_ident(c.as_str());
    });
    sql.push(")");
}

/// The PATCH or DELETE as one statement; `count` adds the number of changed rows as the total.
pub fn mutate(plan: MutatePlan, shape: Shape, count: bool) -> Statement {
    let mut sql = SqlBuilder::default();
    let rows = &plan.rows;
    let alias = rows.alias.as_str();
    match plan.mutation {
        Mutation::Update {
            columns, defaults, ..
        } if columns.is_empty() && defaults.is_empty() => {
            // Nothing to set: PostgREST changes no row.
            sql.push("WITH pgrst_source AS (SELECT ")
                .push_ident(alias)
                .push(".* FROM ")
                .push_qualified(&rows.relation)
                .push(" AS ")
                .push_ident(alias)
                .push(" WHERE false)");
        }
        Mutation::Update {
            columns,
            defaults,
            body: json,
        } => {
            sql.push("WITH pgrst_source AS (UPDATE ")
                .push_qualified(&rows.relation)
                .push(" AS ")
                .push_ident(alias)
                .push(" SET ");
            let sets = columns
                .iter()
                .map(|c| (&c.name, true))
                .chain(defaults.iter().map(|c| (c, false)));
            sql.push_list(sets, ", ", |sql, (column, from_body)| {
                sql.push_ident(column.as_str());
                if from_body {
                    sql.push(" = pgrst_body.").push_ident(column.as_str());
                } else {
                    sql.push(" = DEFAULT");
                }
            });
            // The body's first object supplies the values.
            sql.push(" FROM (SELECT * FROM json_to_recordset(");
            body(&mut sql, json);
            sql.push(") AS pgrst_body");
            record_columns(&mut sql, &columns);
            sql.push(" LIMIT 1) AS pgrst_body");
            selection(&mut sql, rows);
            sql.push(" RETURNING ").push_ident(alias).push(".*)");
        }
        Mutation::Delete => {
            sql.push("WITH pgrst_source AS (DELETE FROM ")
                .push_qualified(&rows.relation)
                .push(" AS ")
                .push_ident(alias);
            selection(&mut sql, rows);
            sql.push(" RETURNING ").push_ident(alias).push(".*)");
        }
    }
    representation(&mut sql, plan.returning.as_ref(), shape, count, false);
    sql.finish()
}

/// `WHERE` choosing the rows a PATCH or DELETE changes. Plain filters apply to the target
/// directly (so views work too); a page or a filter through an embed needs the rows picked by a
/// read of the table, by `ctid`.
fn selection(sql: &mut SqlBuilder, rows: &ReadPlan) {
    let through_embeds = rows.embeds.iter().any(|embed| {
        embed.join == JoinType::Inner
            || rows
                .filters
                .iter()
                .any(|filter| tests_embed(filter, &embed.lateral))
    });
    let paged = rows.range.limit.is_some() || rows.range.offset > 0;
    if through_embeds || paged {
        sql.push(" WHERE ")
            .push_ident(&rows.alias)
            .push(".ctid = ANY (ARRAY(");
        level(sql, rows, Source::Relation, None, Mode::Keys);
        sql.push("))");
        return;
    }
    for (i, filter) in rows.filters.iter().enumerate() {
        sql.push(if i == 0 { " WHERE " } else { " AND " });
        tree(sql, &rows.alias, filter);
    }
}

/// The statement's row over `pgrst_source`: total, changed rows, the body (empty without a
/// representation), the response settings and, for an upsert, the number of rows inserted.
fn representation(
    sql: &mut SqlBuilder,
    returning: Option<&ReadPlan>,
    shape: Shape,
    count: bool,
    upsert: bool,
) {
    sql.push(if count {
        " SELECT (SELECT count(*) FROM pgrst_source)::int8, count(*)::int8, "
    } else {
        " SELECT NULL::int8, count(*)::int8, "
    });
    match returning {
        Some(_) => shaped(sql, shape),
        None => {
            sql.push("''::text");
        }
    }
    super::response_settings(sql);
    if upsert {
        sql.push(", (SELECT count(*) FROM pgrst_write WHERE pgrst_inserted)::int8");
    }
    match returning {
        Some(read) => {
            sql.push(" FROM (");
            level(sql, read, Source::WriteResult, None, Mode::Rows);
            sql.push(") _postgrest_t");
        }
        None => {
            sql.push(" FROM pgrst_source");
        }
    }
}

/// The body as a JSON array, whether it was sent as an object or an array.
fn body(sql: &mut SqlBuilder, body: String) {
    sql.push("(SELECT CASE WHEN json_typeof(b) = 'array' THEN b ELSE json_build_array(b) END FROM (SELECT ");
    sql.push_bind(Bind::Text(body)).push("::json AS b) _body)");
}
