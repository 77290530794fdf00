//! Reads: a tree of levels, each a relation with its output, filters, order, page and embeds.

use super::PlanError;
use super::embed;
use super::error::closest;
use super::expr::Expr;
use super::request::{
    AggregateFunction, Condition, Direction, Embed, FieldPath, HavingTree, IsValue, JoinType,
    LogicTree, Nulls, Operator, OrderTarget, Range, ReadRequest, SelectItem,
};
use crate::schema::{Cache, Ident, QualifiedName, Relation, Relationship, SqlType};

/// How reads are limited.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// `db-max-rows`: the most rows any level returns.
    pub max_rows: Option<u64>,
    /// `db-aggregates-enabled`.
    pub aggregates: bool,
}

/// A checked read: one level of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPlan {
    pub relation: QualifiedName,
    /// This level's relation's alias in the statement (unique within it).
    pub alias: String,
    pub select: Vec<Selected>,
    pub embeds: Vec<EmbedPlan>,
    /// Conditions that must all hold.
    pub filters: Vec<Tree>,
    pub order: Vec<Ordering>,
    pub range: Range,
    /// Conditions on its groups, when it aggregates, that must all hold.
    pub having: Vec<Having>,
}

/// A checked [`HavingTree`]: conditions on a level's aggregates.
#[derive(Debug, Clone, PartialEq)]
pub enum Having {
    And(Vec<Having>),
    Or(Vec<Having>),
    /// `aggregate <operator> value::cast`.
    Compare {
        aggregate: Value,
        operator: Operator,
        value: String,
        cast: SqlType,
    },
}

/// An output column of a level.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub value: Value,
    pub key: String,
    /// `::type` on the output.
    pub cast: Option<SqlType>,
}

/// What an output column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Field(Expr),
    /// `count()` (no field), or `field.sum()` and friends, with the field's `::type` cast.
    Aggregate {
        function: AggregateFunction,
        field: Option<(Expr, Option<SqlType>)>,
    },
}

impl ReadPlan {
    /// Whether this level aggregates, which groups it by its other outputs.
    pub fn grouped(&self) -> bool {
        self.select
            .iter()
            .any(|s| matches!(s.value, Value::Aggregate { .. }))
    }
}

/// Rows related to each row of the parent level.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedPlan {
    /// The key of the embed in the parent's objects.
    pub key: String,
    /// The alias of the lateral subquery that yields the embed (unique within the statement).
    pub lateral: String,
    pub relationship: Relationship,
    pub join: JoinType,
    pub spread: bool,
    /// False for `rel()`, which only filters its parent.
    pub output: bool,
    pub plan: ReadPlan,
    /// Reads the rows the statement's nested insert of this index wrote, instead of the
    /// relation (whose snapshot does not hold them yet).
    pub written: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
    Filter(CheckedFilter),
    /// `rel=is.null` (`negated`: `rel=not.is.null`): whether the embed found rows.
    EmbedIsNull {
        lateral: String,
        negated: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedFilter {
    pub expr: Expr,
    pub negated: bool,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ordering {
    pub target: OrderExpr,
    pub direction: Option<Direction>,
    pub nulls: Option<Nulls>,
}

/// What a level is ordered by.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderExpr {
    Own(Expr),
    /// A column of the row a to-one relationship leads to.
    Related(Box<RelatedOrder>),
}

/// `order=embed(field)`: `expr` of the row `relationship` leads to, looked up as `alias`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedOrder {
    pub relationship: Relationship,
    pub alias: String,
    pub expr: Expr,
}

impl ReadPlan {
    /// Checks `request` against `relation` and the cache.
    pub fn build(
        cache: &Cache,
        relation: &Relation,
        request: ReadRequest,
        options: ReadOptions,
    ) -> Result<ReadPlan, PlanError> {
        let mut builder = Builder {
            cache,
            options,
            aliases: 0,
        };
        builder.level(relation, request, relation.name.name.to_string(), true)
    }

    /// Every output key of this level, in order (embeds included), for callers that need them.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.select
            .iter()
            .map(|s| s.key.as_str())
            .chain(self.embeds.iter().map(|e| e.key.as_str()))
    }
}

struct Builder<'c> {
    cache: &'c Cache,
    options: ReadOptions,
    aliases: usize,
}

impl Builder<'_> {
    /// A statement-wide unique alias, `{base}_{n}`, within Postgres' 63-byte identifier limit
    /// (a longer one would be truncated, counter first, and could collide).
    fn next_alias(&mut self, base: &str) -> String {
        const MAX_BASE: usize = 48;
        self.aliases += 1;
        let mut end = base.len().min(MAX_BASE);
        while !base.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}_{}", &base[..end], self.aliases)
    }

    fn level(
        &mut self,
        relation: &Relation,
        request: ReadRequest,
        alias: String,
        root: bool,
    ) -> Result<ReadPlan, PlanError> {
        let mut select = Vec::new();
        let mut embeds = Vec::new();
        if request.select.is_empty() && root {
            select.extend(all_columns(relation));
        }
        for item in request.select {
            match item {
                SelectItem::Star => select.extend(all_columns(relation)),
                SelectItem::Field(field) => {
                    let expr = Expr::resolve(self.cache, relation, &field.field)?;
                    let cast = field.cast.map(|name| self.cast(&name)).transpose()?;
                    let (value, key) = match field.aggregate {
                        None => (Value::Field(expr.clone()), expr.default_key()),
                        Some(aggregate) => {
                            self.check_aggregates()?;
                            let input = aggregate.input_cast.map(|n| self.cast(&n)).transpose()?;
                            let key = function_name(aggregate.function).to_owned();
                            (
                                Value::Aggregate {
                                    function: aggregate.function,
                                    field: Some((expr, input)),
                                },
                                key,
                            )
                        }
                    };
                    select.push(Selected {
                        value,
                        key: field.alias.unwrap_or(key),
                        cast,
                    });
                }
                SelectItem::Count { alias, cast } => {
                    self.check_aggregates()?;
                    select.push(Selected {
                        value: Value::Aggregate {
                            function: AggregateFunction::Count,
                            field: None,
                        },
                        key: alias.unwrap_or_else(|| "count".to_owned()),
                        cast: cast.map(|name| self.cast(&name)).transpose()?,
                    });
                }
                SelectItem::Embed(embed) => embeds.push(self.embed(relation, embed)?),
                SelectItem::Computed(computed) => select.push(Selected {
                    value: Value::Field(Expr::computed(self.cache, relation, &computed)?),
                    key: computed.alias,
                    cast: None,
                }),
            }
        }
        let filters = request
            .filters
            .into_iter()
            .map(|tree| self.tree(relation, &embeds, tree))
            .collect::<Result<_, _>>()?;
        let order = request
            .order
            .into_iter()
            .map(|term| {
                let target = match term.target {
                    OrderTarget::Field(path) => {
                        OrderExpr::Own(Expr::resolve(self.cache, relation, &path)?)
                    }
                    OrderTarget::Related { embed, field } => {
                        self.related_order(&embeds, &embed, &field)?
                    }
                };
                Ok(Ordering {
                    target,
                    direction: term.direction,
                    nulls: term.nulls,
                })
            })
            .collect::<Result<_, PlanError>>()?;
        let having = request
            .having
            .into_iter()
            .map(|tree| self.having(relation, tree))
            .collect::<Result<_, _>>()?;
        let limit = match (request.range.limit, self.options.max_rows) {
            (Some(limit), Some(max)) => Some(limit.min(max)),
            (limit, max) => limit.or(max),
        };
        Ok(ReadPlan {
            relation: relation.name.clone(),
            alias,
            select,
            embeds,
            filters,
            order,
            range: Range {
                offset: request.range.offset,
                limit,
            },
            having,
        })
    }

    fn having(&self, relation: &Relation, tree: HavingTree) -> Result<Having, PlanError> {
        let children = |trees: Vec<HavingTree>| {
            trees
                .into_iter()
                .map(|t| self.having(relation, t))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match tree {
            HavingTree::And(trees) => Having::And(children(trees)?),
            HavingTree::Or(trees) => Having::Or(children(trees)?),
            HavingTree::Compare(compare) => {
                self.check_aggregates()?;
                let expr = Expr::resolve(self.cache, relation, &compare.field)?;
                let input = compare
                    .aggregate
                    .input_cast
                    .map(|n| self.cast(&n))
                    .transpose()?;
                Having::Compare {
                    aggregate: Value::Aggregate {
                        function: compare.aggregate.function,
                        field: Some((expr, input)),
                    },
                    operator: compare.operator,
                    value: compare.value,
                    cast: self.cast(&compare.cast)?,
                }
            }
        })
    }

    fn embed(&mut self, parent: &Relation, embed: Embed) -> Result<EmbedPlan, PlanError> {
        let relationship = embed::relationship(self.cache, parent, &embed)?.clone();
        let target = self
            .cache
            .relations
            .get(&relationship.target)
            .ok_or_else(|| PlanError::UnknownRelation {
                schema: relationship.target.schema.to_string(),
                name: relationship.target.name.to_string(),
                suggestion: None,
            })?;
        let key = embed.target().to_owned();
        let alias = self.next_alias(target.name.name.as_str());
        let lateral = self.next_alias(&format!("{}_{}", parent.name.name, embed.name));
        let output = !embed.request.select.is_empty();
        Ok(EmbedPlan {
            key,
            lateral,
            join: embed.join.unwrap_or(JoinType::Left),
            spread: embed.spread,
            output,
            plan: self.level(target, embed.request, alias, false)?,
            relationship,
            written: None,
        })
    }

    fn tree(
        &self,
        relation: &Relation,
        embeds: &[EmbedPlan],
        tree: LogicTree,
    ) -> Result<Tree, PlanError> {
        let children = |trees: Vec<LogicTree>| {
            trees
                .into_iter()
                .map(|t| self.tree(relation, embeds, t))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match tree {
            LogicTree::And(trees) => Tree::And(children(trees)?),
            LogicTree::Or(trees) => Tree::Or(children(trees)?),
            LogicTree::Not(tree) => Tree::Not(Box::new(self.tree(relation, embeds, *tree)?)),
            LogicTree::Filter(filter) => {
                let embed = embeds.iter().find(|e| e.key == filter.field.column);
                match (embed, filter.field.json_path.is_empty(), &filter.condition) {
                    (
                        Some(embed),
                        true,
                        Condition::Is(value @ (IsValue::Null | IsValue::NotNull)),
                    ) => Tree::EmbedIsNull {
                        lateral: embed.lateral.clone(),
                        negated: filter.negated != (*value == IsValue::NotNull),
                    },
                    (Some(embed), true, _) => {
                        return Err(PlanError::BadEmbedOperator(
                            embed.relationship.target.name.to_string(),
                        ));
                    }
                    _ => Tree::Filter(CheckedFilter {
                        expr: Expr::resolve(self.cache, relation, &filter.field)?,
                        negated: filter.negated,
                        condition: filter.condition,
                    }),
                }
            }
        })
    }

    /// `order=embed(field)`: only through a to-one relationship (else PGRST118).
    fn related_order(
        &mut self,
        embeds: &[EmbedPlan],
        embed: &str,
        field: &FieldPath,
    ) -> Result<OrderExpr, PlanError> {
        let embed = embeds.iter().find(|e| e.key == embed).ok_or_else(|| {
            PlanError::NotImplemented(format!(
                "'{embed}' is not an embedded resource in this request"
            ))
        })?;
        let relationship = &embed.relationship;
        if !relationship.cardinality.to_one() {
            return Err(PlanError::RelatedOrderNotToOne {
                origin: relationship.source.name.to_string(),
                target: embed.key.clone(),
            });
        }
        let target = self
            .cache
            .relations
            .get(&relationship.target)
            .ok_or_else(|| {
                PlanError::NotImplemented(format!(
                    "'{}' is not in the schema cache",
                    relationship.target
                ))
            })?;
        Ok(OrderExpr::Related(Box::new(RelatedOrder {
            relationship: relationship.clone(),
            alias: self.next_alias(target.name.name.as_str()),
            expr: Expr::resolve(self.cache, target, field)?,
        })))
    }

    fn cast(&self, name: &str) -> Result<SqlType, PlanError> {
        self.cache
            .cast_type(name)
            .cloned()
            .ok_or_else(|| PlanError::UnknownType(name.to_owned()))
    }

    fn check_aggregates(&self) -> Result<(), PlanError> {
        if self.options.aggregates {
            Ok(())
        } else {
            Err(PlanError::AggregatesDisabled)
        }
    }
}

/// The output key PostgREST gives an aggregate without alias.
fn function_name(function: AggregateFunction) -> &'static str {
    match function {
        AggregateFunction::Count => "count",
        AggregateFunction::Sum => "sum",
        AggregateFunction::Avg => "avg",
        AggregateFunction::Min => "min",
        AggregateFunction::Max => "max",
        AggregateFunction::CountDistinct => "count_distinct",
        AggregateFunction::StddevSamp => "stddev_samp",
        AggregateFunction::StddevPop => "stddev_pop",
        AggregateFunction::VarSamp => "var_samp",
        AggregateFunction::VarPop => "var_pop",
    }
}

fn all_columns(relation: &Relation) -> impl Iterator<Item = Selected> + '_ {
    relation.columns.iter().map(|column| Selected {
        value: Value::Field(Expr {
            column: column.name.clone(),
            computed: None,
            arguments: Vec::new(),
            column_type: column.sql_type.clone(),
            jsonb: column.type_name == "jsonb",
            json_path: Vec::new(),
        }),
        key: column.name.to_string(),
        cast: None,
    })
}

/// The relation `name` of the exposed `schema`, or PostgREST's PGRST205 with a suggestion.
pub fn relation<'a>(
    cache: &'a Cache,
    schema: &Ident,
    name: &str,
) -> Result<&'a Relation, PlanError> {
    cache
        .relation(schema, name)
        .ok_or_else(|| PlanError::UnknownRelation {
            schema: schema.to_string(),
            name: name.to_owned(),
            suggestion: closest(
                name,
                cache.relations_in(schema).map(|r| r.name.name.as_str()),
            )
            .map(|close| format!("{schema}.{close}")),
        })
}
