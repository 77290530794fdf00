//! The schema cache: what the exposed schemas contain, read from the catalog at start-up.
//!
//! A [`Cache`] is immutable; a reload builds a new one and swaps it in whole. Every identifier the
//! rest of the program puts into SQL is an [`Ident`], and the only way to get one is to look a name
//! up here, so a name a client typed can only reach SQL after it was found in the catalog.

mod introspect;
mod relationships;
mod user_types;
mod views;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

pub use introspect::load;
pub use relationships::{Cardinality, Link, Relationship};
pub use user_types::{Attribute, UserType, UserTypeKind};

/// A name that exists in the catalog (schema, relation, column or type), as Postgres spells it.
///
/// It cannot be built outside this module: it is minted by introspection only.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ident(Arc<str>);

impl Ident {
    fn new(name: impl Into<Arc<str>>) -> Self {
        Ident(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Ident {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A type as `format_type()` prints it (e.g. `integer`, `character varying(20)`, `"Mood"[]`):
/// catalog text that is valid SQL in a cast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SqlType(Arc<str>);

impl SqlType {
    fn new(name: impl Into<Arc<str>>) -> Self {
        SqlType(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An expression from the catalog (`pg_get_expr` output, e.g. a column's default): valid SQL as
/// Postgres printed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SqlExpr(Arc<str>);

impl SqlExpr {
    fn new(expression: impl Into<Arc<str>>) -> Self {
        SqlExpr(expression.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `schema.name` of a relation or function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: Ident,
    pub name: Ident,
}

/// As `schema.name`, so that it can key a JSON object.
impl Serialize for QualifiedName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Table,
    View,
    MaterializedView,
    ForeignTable,
    PartitionedTable,
    /// The rows a function returns (never in [`Cache::relations`]).
    FunctionResult,
}

/// A table-like object that can be read (and maybe written) through the API.
#[derive(Debug, Serialize)]
pub struct Relation {
    pub name: QualifiedName,
    pub kind: RelationKind,
    pub comment: Option<String>,
    pub columns: Vec<Column>,
    /// Primary key columns, in key order; empty when there is none.
    pub primary_key: Vec<Ident>,
    /// The primary key constraint's name, when there is one.
    pub primary_key_constraint: Option<String>,
    /// Each UNIQUE constraint, in name order.
    pub unique_keys: Vec<UniqueKey>,
    pub foreign_keys: Vec<ForeignKey>,
    /// What Postgres would let any role do to it (`pg_relation_is_updatable`), grants aside.
    pub insertable: bool,
    pub updatable: bool,
    pub deletable: bool,
}

impl Relation {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name.as_str() == name)
    }
}

/// A UNIQUE constraint: its name and its columns, in key order.
#[derive(Debug, Serialize)]
pub struct UniqueKey {
    pub constraint: String,
    pub columns: Vec<Ident>,
}

#[derive(Debug, Serialize)]
pub struct Column {
    pub name: Ident,
    pub sql_type: SqlType,
    /// The type a write reads the column's JSON value as: `sql_type`, or a domain's base type, so
    /// that the domain's constraints are checked when the row is written, not on the NULL of a
    /// key the body leaves out (a `NOT NULL` domain with a default).
    pub value_type: SqlType,
    /// The underlying base type's `pg_type.typname` (domains resolved; arrays as `_int4`).
    pub type_name: String,
    /// The element's `typname` when the column is an array.
    pub element_type: Option<String>,
    /// Labels when the column's type is an enum.
    pub enum_values: Vec<String>,
    /// Declared length of `varchar(n)` / `char(n)` columns.
    pub max_length: Option<i32>,
    pub nullable: bool,
    pub default: Option<String>,
    pub comment: Option<String>,
    /// What an insert that leaves the column out writes: its default, the next value of its
    /// `GENERATED BY DEFAULT` identity, or its domain's default.
    pub default_expr: Option<SqlExpr>,
    /// The `typname` of its type when that is a domain (`type_name` is the domain's base type).
    pub domain: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ForeignKey {
    pub constraint: String,
    pub columns: Vec<Ident>,
    pub target: QualifiedName,
    pub target_columns: Vec<Ident>,
    /// `COMMENT ON CONSTRAINT`, as written (GraphQL reads smart tags from it).
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

#[derive(Debug, Serialize)]
pub struct Function {
    pub name: QualifiedName,
    pub comment: Option<String>,
    /// The input parameters (IN, INOUT and VARIADIC), in order.
    pub arguments: Vec<Argument>,
    pub returns: ReturnType,
    pub volatility: Volatility,
    /// `STRICT`: a null argument makes the result null without calling it.
    pub strict: bool,
}

#[derive(Debug, Serialize)]
pub struct Argument {
    /// `None` for an unnamed parameter.
    pub name: Option<Ident>,
    pub sql_type: SqlType,
    pub type_name: String,
    /// Only the last `pronargdefaults` input parameters have one.
    pub has_default: bool,
    /// `VARIADIC`: the parameter is an array that takes the variadic arguments.
    pub variadic: bool,
}

#[derive(Debug, Serialize)]
pub struct ReturnType {
    /// `format_type` of `prorettype` (`record` for several OUT parameters).
    pub sql_type: SqlType,
    pub type_name: String,
    pub set_of: bool,
    /// The relation whose row type the function returns, if any.
    pub relation: Option<QualifiedName>,
    pub kind: ReturnKind,
}

/// What one call yields (one value, or each of a set).
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    Void,
    /// A value that is no row, read as the one column [`SCALAR_COLUMN`] of this relation.
    Scalar(Box<Relation>),
    /// A row: the columns of its composite type, or of the OUT, INOUT and TABLE parameters.
    Row(Box<Relation>),
}

/// The column a scalar result is read as (PostgREST's name for it).
pub const SCALAR_COLUMN: &str = "pgrst_scalar";

impl Function {
    pub fn argument(&self, name: &str) -> Option<&Argument> {
        self.arguments
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|n| n.as_str() == name))
    }
}

/// Everything the API serves from the exposed schemas.
#[derive(Debug, Default, Serialize)]
pub struct Cache {
    /// Exposed schemas in configuration order; the first is the default.
    pub schemas: Vec<Ident>,
    pub schema_comments: BTreeMap<Ident, String>,
    pub relations: BTreeMap<QualifiedName, Relation>,
    /// Every relationship, grouped by the relation it starts from.
    pub relationships: BTreeMap<QualifiedName, Vec<Relationship>>,
    pub functions: Vec<Function>,
    /// Types a cast may name, by `typname`, as SQL (`"pg_catalog"."int4"`).
    pub types: BTreeMap<String, SqlType>,
    /// Enum and composite types by `typname`.
    pub user_types: BTreeMap<String, UserType>,
    /// PostGIS is installed, so rows can be answered as GeoJSON.
    pub postgis: bool,
}

impl Cache {
    /// The exposed schema called `name`.
    pub fn schema(&self, name: &str) -> Option<&Ident> {
        self.schemas.iter().find(|s| s.as_str() == name)
    }

    pub fn relation(&self, schema: &Ident, name: &str) -> Option<&Relation> {
        let key = QualifiedName {
            schema: schema.clone(),
            name: Ident::new(name),
        };
        self.relations.get(&key)
    }

    /// The relations of one schema, ordered by name.
    pub fn relations_in<'a>(&'a self, schema: &Ident) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations
            .range(self.schema_range(schema))
            .map(|(_, r)| r)
    }

    /// The relationships starting from `relation`.
    pub fn relationships_of(&self, relation: &QualifiedName) -> &[Relationship] {
        self.relationships.get(relation).map_or(&[], Vec::as_slice)
    }

    /// The type a cast names: a `typname` (`int4`) or an SQL name (`integer`, `bigint`, …).
    pub fn cast_type(&self, name: &str) -> Option<&SqlType> {
        let name = name.trim().to_ascii_lowercase();
        let typname = match name.as_str() {
            "int" | "integer" => "int4",
            "smallint" => "int2",
            "bigint" => "int8",
            "real" => "float4",
            "double precision" | "float" => "float8",
            "boolean" => "bool",
            "decimal" => "numeric",
            "character varying" => "varchar",
            "character" | "char" => "bpchar",
            "timestamp without time zone" => "timestamp",
            "timestamp with time zone" => "timestamptz",
            other => other,
        };
        self.types.get(typname)
    }

    /// The functions called `name` in `schema` (overloads), in catalog order.
    pub fn functions_named(&self, schema: &Ident, name: &str) -> Vec<&Function> {
        self.functions
            .iter()
            .filter(|f| &f.name.schema == schema && f.name.name.as_str() == name)
            .collect()
    }

    pub fn functions_in<'a>(
        &'a self,
        schema: &'a Ident,
    ) -> impl Iterator<Item = &'a Function> + 'a {
        self.functions
            .iter()
            .filter(move |f| &f.name.schema == schema)
    }

    fn schema_range(&self, schema: &Ident) -> std::ops::RangeInclusive<QualifiedName> {
        let from = QualifiedName {
            schema: schema.clone(),
            name: Ident::new(""),
        };
        let to = QualifiedName {
            schema: schema.clone(),
            name: Ident::new("\u{10FFFF}"),
        };
        from..=to
    }
}
