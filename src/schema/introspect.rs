//! Reads the catalog (`pg_catalog`, never `information_schema`, which hides what the login role
//! cannot use) into a [`Cache`], in one read-only snapshot.

use std::collections::BTreeMap;

use sqlx::PgConnection;
use sqlx::types::Json;

use super::{
    Argument, Cache, Column, ForeignKey, Function, Ident, QualifiedName, Relation, RelationKind,
    ReturnKind, ReturnType, SCALAR_COLUMN, SqlExpr, SqlType, UniqueKey, Volatility,
};

/// Loads the cache of the `schemas` exposed, in that order.
pub async fn load(conn: &mut PgConnection, schemas: &[String]) -> Result<Cache, sqlx::Error> {
    sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await?;
    let loaded = load_snapshot(conn, schemas).await;
    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
    loaded
}

async fn load_snapshot(conn: &mut PgConnection, schemas: &[String]) -> Result<Cache, sqlx::Error> {
    let mut relations = relations(conn, schemas).await?;
    for column in columns(conn, schemas).await? {
        if let Some(relation) = relations.get_mut(&column.0) {
            relation.columns.push(column.1);
        }
    }
    for (owner, constraint) in constraints(conn, schemas).await? {
        let Some(relation) = relations.get_mut(&owner) else {
            continue;
        };
        match constraint {
            Constraint::PrimaryKey(constraint, columns) => {
                relation.primary_key = columns;
                relation.primary_key_constraint = Some(constraint);
            }
            Constraint::Unique(key) => relation.unique_keys.push(key),
            Constraint::ForeignKey(fk) => relation.foreign_keys.push(fk),
        }
    }
    super::views::project_keys(&mut relations, &view_columns(conn, schemas).await?);
    let functions = functions(conn, schemas).await?;
    let mut relationships = super::relationships::derive(&relations);
    super::relationships::add_computed(&mut relationships, &relations, &functions);
    Ok(Cache {
        schemas: schemas.iter().map(|s| Ident::new(s.as_str())).collect(),
        schema_comments: schema_comments(conn, schemas).await?,
        relations,
        relationships,
        functions,
        types: types(conn, schemas).await?,
        user_types: super::user_types::load(conn).await?,
        postgis: sqlx::query_scalar(
            "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis')",
        )
        .fetch_one(&mut *conn)
        .await?,
    })
}

fn qualified(schema: String, name: String) -> QualifiedName {
    QualifiedName {
        schema: Ident::new(schema),
        name: Ident::new(name),
    }
}

const RELATIONS: &str = r#"
SELECT n.nspname::text, c.relname::text, c.relkind::text,
       obj_description(c.oid, 'pg_class'),
       pg_relation_is_updatable(c.oid::regclass, true)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p') AND NOT c.relispartition
"#;

async fn relations(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<BTreeMap<QualifiedName, Relation>, sqlx::Error> {
    // Event bits of pg_relation_is_updatable: 1 << CMD_UPDATE, CMD_INSERT, CMD_DELETE.
    const UPDATE: i32 = 1 << 2;
    const INSERT: i32 = 1 << 3;
    const DELETE: i32 = 1 << 4;
    let rows: Vec<(String, String, String, Option<String>, i32)> = sqlx::query_as(RELATIONS)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(schema, name, kind, comment, events)| {
            let name = qualified(schema, name);
            let relation = Relation {
                name: name.clone(),
                kind: match kind.as_str() {
                    "v" => RelationKind::View,
                    "m" => RelationKind::MaterializedView,
                    "f" => RelationKind::ForeignTable,
                    "p" => RelationKind::PartitionedTable,
                    _ => RelationKind::Table,
                },
                comment,
                columns: Vec::new(),
                primary_key: Vec::new(),
                primary_key_constraint: None,
                unique_keys: Vec::new(),
                foreign_keys: Vec::new(),
                insertable: events & INSERT != 0,
                updatable: events & UPDATE != 0,
                deletable: events & DELETE != 0,
            };
            (name, relation)
        })
        .collect())
}

const COLUMNS: &str = r#"
SELECT n.nspname::text, c.relname::text, a.attname::text,
       format_type(a.atttypid, a.atttypmod),
       bt.typname::text,
       CASE WHEN bt.typcategory = 'A' THEN et.typname::text END,
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = bt.oid), '{}'),
       CASE WHEN bt.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4
            THEN a.atttypmod - 4 END,
       NOT (a.attnotnull OR (t.typtype = 'd' AND t.typnotnull)),
       pg_get_expr(d.adbin, d.adrelid),
       col_description(c.oid, a.attnum),
       coalesce(pg_get_expr(d.adbin, d.adrelid),
                (SELECT format('nextval(%L::regclass)', s.oid::regclass)
                 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid
                 WHERE a.attidentity = 'd' AND dep.refobjid = c.oid
                   AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' AND s.relkind = 'S'),
                CASE WHEN t.typtype = 'd' THEN pg_get_expr(t.typdefaultbin, 0) END),
       CASE WHEN t.typtype = 'd' THEN t.typname::text END,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY n.nspname, c.relname, a.attnum
"#;

type ColumnRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Vec<String>,
    Option<i32>,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

async fn columns(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<Vec<(QualifiedName, Column)>, sqlx::Error> {
    let rows: Vec<ColumnRow> = sqlx::query_as(COLUMNS)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (schema, relation, name, sql_type, type_name, element_type, enum_values) =
                (row.0, row.1, row.2, row.3, row.4, row.5, row.6);
            let sql_type = SqlType::new(sql_type);
            let column = Column {
                name: Ident::new(name),
                value_type: row.13.map_or_else(|| sql_type.clone(), SqlType::new),
                sql_type,
                type_name,
                element_type,
                enum_values,
                max_length: row.7,
                nullable: row.8,
                default: row.9,
                comment: row.10,
                default_expr: row.11.map(SqlExpr::new),
                domain: row.12,
            };
            (qualified(schema, relation), column)
        })
        .collect())
}

enum Constraint {
    /// Its name and columns.
    PrimaryKey(String, Vec<Ident>),
    Unique(UniqueKey),
    ForeignKey(ForeignKey),
}

const CONSTRAINTS: &str = r#"
SELECT con.contype::text, con.conname::text, n.nspname::text, c.relname::text,
       array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
       fn.nspname::text, fc.relname::text,
       array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord),
       obj_description(con.oid, 'pg_constraint')
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'u', 'f') AND n.nspname = ANY($1)
ORDER BY n.nspname, c.relname, con.conname
"#;

type ConstraintRow = (
    String,
    String,
    String,
    String,
    Vec<String>,
    Option<String>,
    Option<String>,
    Vec<String>,
    Option<String>,
);

async fn constraints(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<Vec<(QualifiedName, Constraint)>, sqlx::Error> {
    let rows: Vec<ConstraintRow> = sqlx::query_as(CONSTRAINTS)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    let idents = |names: Vec<String>| names.into_iter().map(Ident::new).collect::<Vec<_>>();
    Ok(rows
        .into_iter()
        .filter_map(
            |(kind, name, schema, relation, columns, fschema, frelation, fcolumns, comment)| {
                let constraint = match (kind.as_str(), fschema, frelation) {
                    ("p", _, _) => Constraint::PrimaryKey(name, idents(columns)),
                    ("u", _, _) => Constraint::Unique(UniqueKey {
                        constraint: name,
                        columns: idents(columns),
                    }),
                    ("f", Some(fschema), Some(frelation)) => Constraint::ForeignKey(ForeignKey {
                        constraint: name,
                        columns: idents(columns),
                        target: qualified(fschema, frelation),
                        target_columns: idents(fcolumns),
                        comment,
                    }),
                    _ => return None,
                };
                Some((qualified(schema, relation), constraint))
            },
        )
        .collect())
}

const SCHEMA_COMMENTS: &str = r#"
SELECT nspname::text, obj_description(oid, 'pg_namespace')
FROM pg_namespace WHERE nspname = ANY($1)
"#;

async fn schema_comments(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<BTreeMap<Ident, String>, sqlx::Error> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(SCHEMA_COMMENTS)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(schema, comment)| Some((Ident::new(schema), comment?)))
        .collect())
}

// Every parameter (all modes, in order) and, for a composite return type, its attributes, as JSON
// arrays; type names of columns resolve domains to their base type, as COLUMNS does.
const FUNCTIONS: &str = r#"
SELECT n.nspname::text, p.proname::text, obj_description(p.oid, 'pg_proc'),
       (SELECT coalesce(json_agg(json_build_array(coalesce(p.proargnames[a.o], ''),
                                                  coalesce(p.proargmodes[a.o]::text, 'i'),
                                                  format_type(a.t, NULL), t.typname::text,
                                                  coalesce(bt.typname, t.typname)::text)
                                 ORDER BY a.o), '[]')
        FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY a(t, o)
        JOIN pg_type t ON t.oid = a.t
        LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype),
       p.pronargdefaults::int4,
       format_type(p.prorettype, NULL), rt.typname::text, coalesce(rbt.typname, rt.typname)::text,
       p.proretset, p.provolatile::text,
       rn.nspname::text, rc.relname::text,
       (SELECT json_agg(json_build_array(a.attname::text, format_type(a.atttypid, a.atttypmod),
                                         t.typname::text, coalesce(bt.typname, t.typname)::text)
                        ORDER BY a.attnum)
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
        WHERE a.attrelid = rt.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
       p.proisstrict
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_type rt ON rt.oid = p.prorettype
LEFT JOIN pg_type rbt ON rt.typtype = 'd' AND rbt.oid = rt.typbasetype
LEFT JOIN pg_class rc ON rc.oid = rt.typrelid AND rc.relkind IN ('r', 'v', 'm', 'f', 'p')
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = ANY($1) AND p.prokind = 'f'
ORDER BY n.nspname, p.proname, p.oid
"#;

/// A parameter: name (empty when unnamed), mode (`i`, `o`, `b`, `v`, `t`), type as SQL, its
/// `typname`, and the base type's `typname`.
type ParameterRow = (String, String, String, String, String);
/// An attribute of a composite type: name, type as SQL, its `typname`, the base type's `typname`.
type AttributeRow = (String, String, String, String);

type FunctionRow = (
    String,
    String,
    Option<String>,
    Json<Vec<ParameterRow>>,
    i32,
    String,
    String,
    String,
    bool,
    String,
    Option<String>,
    Option<String>,
    Option<Json<Vec<AttributeRow>>>,
    bool,
);

async fn functions(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<Vec<Function>, sqlx::Error> {
    let rows: Vec<FunctionRow> = sqlx::query_as(FUNCTIONS)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(function).collect())
}

fn function(row: FunctionRow) -> Function {
    let (schema, name, comment, Json(parameters), defaults) = (row.0, row.1, row.2, row.3, row.4);
    let (sql_type, type_name, base_type, set_of, volatility) = (row.5, row.6, row.7, row.8, row.9);
    let name = qualified(schema, name);
    // Outputs are the OUT, INOUT and TABLE parameters; inputs the IN, INOUT and VARIADIC ones.
    let outputs: Vec<ResultColumn> = parameters
        .iter()
        .filter(|(_, mode, ..)| matches!(mode.as_str(), "o" | "b" | "t"))
        .map(|(name, _, sql_type, _, base)| (name.clone(), sql_type.clone(), base.clone()))
        .collect();
    let inputs: Vec<ParameterRow> = parameters
        .into_iter()
        .filter(|(_, mode, ..)| matches!(mode.as_str(), "i" | "b" | "v"))
        .collect();
    let first_default = inputs
        .len()
        .saturating_sub(usize::try_from(defaults).unwrap_or(0));
    let arguments = inputs
        .into_iter()
        .enumerate()
        .map(|(i, (name, mode, sql_type, type_name, _))| Argument {
            name: (!name.is_empty()).then(|| Ident::new(name)),
            sql_type: SqlType::new(sql_type),
            type_name,
            has_default: i >= first_default,
            variadic: mode == "v",
        })
        .collect();
    let relation = match (row.10, row.11) {
        (Some(schema), Some(name)) => Some(qualified(schema, name)),
        _ => None,
    };
    let attributes = row.12.map(|Json(attributes)| {
        attributes
            .into_iter()
            .map(|(name, sql_type, _, base)| (name, sql_type, base))
            .collect::<Vec<_>>()
    });
    // A row is named after its composite type, else (OUT parameters) after the function.
    let kind = match (outputs.is_empty(), attributes) {
        (false, _) => ReturnKind::Row(result_relation(name.clone(), outputs)),
        (true, Some(attributes)) => {
            let row_name = QualifiedName {
                schema: name.schema.clone(),
                name: Ident::new(type_name.as_str()),
            };
            ReturnKind::Row(result_relation(row_name, attributes))
        }
        (true, None) if type_name == "void" => ReturnKind::Void,
        (true, None) => {
            let column = (SCALAR_COLUMN.to_owned(), sql_type.clone(), base_type);
            ReturnKind::Scalar(result_relation(name.clone(), vec![column]))
        }
    };
    Function {
        name,
        comment,
        arguments,
        returns: ReturnType {
            sql_type: SqlType::new(sql_type),
            type_name,
            set_of,
            relation,
            kind,
        },
        volatility: match volatility.as_str() {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        },
        strict: row.13,
    }
}

/// A result column: name, type as SQL, base type's `typname`.
type ResultColumn = (String, String, String);

/// The rows a function returns, as a relation reads can be planned on.
fn result_relation(name: QualifiedName, columns: Vec<ResultColumn>) -> Box<Relation> {
    let columns = columns
        .into_iter()
        .map(|(column, sql_type, type_name)| Column {
            name: Ident::new(column),
            sql_type: SqlType::new(&*sql_type),
            value_type: SqlType::new(sql_type),
            type_name,
            element_type: None,
            enum_values: Vec::new(),
            max_length: None,
            nullable: true,
            default: None,
            comment: None,
            default_expr: None,
            domain: None,
        })
        .collect();
    Box::new(Relation {
        name,
        kind: RelationKind::FunctionResult,
        comment: None,
        columns,
        primary_key: Vec::new(),
        primary_key_constraint: None,
        unique_keys: Vec::new(),
        foreign_keys: Vec::new(),
        insertable: false,
        updatable: false,
        deletable: false,
    })
}

// Types a client may name in a cast (`col::type`): base, enum, domain and range types of
// pg_catalog and the exposed schemas.
const TYPES: &str = r#"
SELECT n.nspname::text, t.typname::text
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE (n.nspname = 'pg_catalog' OR n.nspname = ANY($1))
  AND t.typtype IN ('b', 'e', 'd', 'r') AND t.typname !~ '^_' AND t.typisdefined
"#;

async fn types(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<BTreeMap<String, SqlType>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(TYPES)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    let mut types = BTreeMap::new();
    for (schema, name) in rows {
        let quoted = format!(
            "{}.{}",
            crate::sql::quote_ident(&schema),
            crate::sql::quote_ident(&name)
        );
        types.insert(name, SqlType::new(quoted));
    }
    Ok(types)
}

// The table column behind each column of a view (from the target entries of its rewrite rule;
// names with spaces and other specials are backslash-escaped in the node text).
const VIEW_COLUMNS: &str = r#"
SELECT vn.nspname::text, v.relname::text, m[1], tn.nspname::text, t.relname::text, a.attname::text
FROM pg_rewrite r
JOIN pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
JOIN pg_namespace vn ON vn.oid = v.relnamespace
CROSS JOIN LATERAL regexp_matches(r.ev_action::text,
    ':resname ((?:[^ \\]|\\.)+) :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (\d+)', 'g') m
JOIN pg_class t ON t.oid = m[2]::oid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = m[3]::int2
WHERE vn.nspname = ANY($1) AND m[2] <> '0'
"#;

async fn view_columns(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<Vec<super::views::ColumnSource>, sqlx::Error> {
    let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(VIEW_COLUMNS)
        .bind(schemas)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(vschema, view, column, tschema, table, table_column)| super::views::ColumnSource {
                view: qualified(vschema, view),
                column: Ident::new(unescape(&column)),
                table: qualified(tschema, table),
                table_column: Ident::new(table_column),
            },
        )
        .collect())
}

/// Undoes the node text's backslash escapes (`odd\ name` → `odd name`).
fn unescape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or(c)
        } else {
            c
        });
    }
    out
}
