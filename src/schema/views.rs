//! Foreign keys of views, traced to their base tables, so that views embed and are embedded like
//! tables.
//!
//! Postgres records, for each output column of a view's query, the table column it comes from
//! (`resorigtbl`/`resorigcol` of its target entries). A foreign key holds between any views (or
//! tables) that show all of its columns on both sides.

use std::collections::BTreeMap;

use super::{ForeignKey, Ident, QualifiedName, Relation, RelationKind};

/// `view.column` comes from `table.column`.
#[derive(Debug, Clone)]
pub struct ColumnSource {
    pub view: QualifiedName,
    pub column: Ident,
    pub table: QualifiedName,
    pub table_column: Ident,
}

/// Adds foreign keys to the views of `relations` from their base tables'.
pub fn project_keys(relations: &mut BTreeMap<QualifiedName, Relation>, sources: &[ColumnSource]) {
    let views = columns_by_view(sources);
    let mut added = Vec::new();
    for table in relations.values().filter(|r| r.kind != RelationKind::View) {
        for fk in &table.foreign_keys {
            let sources = shown(&views, &table.name, &fk.columns);
            let targets = shown(&views, &fk.target, &fk.target_columns);
            for (source, columns) in
                std::iter::once((table.name.clone(), fk.columns.clone())).chain(sources)
            {
                let direct = std::iter::once((fk.target.clone(), fk.target_columns.clone()));
                for (target, target_columns) in direct.chain(targets.iter().cloned()) {
                    if source == table.name && target == fk.target {
                        continue;
                    }
                    added.push((
                        source.clone(),
                        ForeignKey {
                            constraint: fk.constraint.clone(),
                            columns: columns.clone(),
                            target,
                            target_columns,
                            comment: fk.comment.clone(),
                        },
                    ));
                }
            }
        }
    }
    for (source, fk) in added {
        if let Some(relation) = relations.get_mut(&source) {
            relation.foreign_keys.push(fk);
        }
    }
}

/// For each view: `(table, table column) → view column`, keeping only unambiguous sources.
type ViewColumns = BTreeMap<QualifiedName, BTreeMap<(QualifiedName, Ident), Ident>>;

fn columns_by_view(sources: &[ColumnSource]) -> ViewColumns {
    let mut views: ViewColumns = BTreeMap::new();
    for source in sources {
        views
            .entry(source.view.clone())
            .or_default()
            .entry((source.table.clone(), source.table_column.clone()))
            .or_insert_with(|| source.column.clone());
    }
    views
}

/// The views that show every one of `columns` of `table`, with their names for them.
fn shown(
    views: &ViewColumns,
    table: &QualifiedName,
    columns: &[Ident],
) -> Vec<(QualifiedName, Vec<Ident>)> {
    views
        .iter()
        .filter_map(|(view, shows)| {
            let names: Option<Vec<Ident>> = columns
                .iter()
                .map(|c| shows.get(&(table.clone(), c.clone())).cloned())
                .collect();
            Some((view.clone(), names?))
        })
        .collect()
}
