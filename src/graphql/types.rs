//! GraphQL types of Postgres enum, composite and domain types, named as PostGraphile names them:
//! an enum `mood` is the GraphQL enum `Mood` (labels as `CONSTANT_CASE` values: `very sad` →
//! `VERY_SAD`), a composite type `address` the object type `Address` with a field per attribute,
//! and the input type `AddressInput` that create, patch and `condition` take, and a domain
//! `email` over a scalar type the custom scalar `Email`, whose values are its base type's
//! (a domain over an array, an enum or a composite type is its base type).
//!
//! Values cross as they do for scalars: Postgres prints a composite column as a JSON object keyed
//! by attribute (`row_to_json` of the row does so) in the same statement, and its fields read
//! their attribute out of it; an enum's label is mapped to its value on the way out and back on the
//! way in, where composite values become JSON objects for a mutation's body and record literals
//! for a comparison, which Postgres parses as the type.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, Type, TypeRef,
};
use async_graphql::indexmap::IndexMap;
use async_graphql::{Error, Name, Value};
use serde_json::value::RawValue;

use super::fields::{Row, ready};
use super::naming::{self, TableNames};
use super::scalar::Scalar;
use crate::schema::{Cache, Ident, UserType, UserTypeKind};

/// What a column or attribute holds.
#[derive(Debug, Clone)]
pub(crate) struct ValueType {
    /// How its values cross: a domain's as its base type's, an enum's labels as `String`s; a
    /// composite value does not cross as a scalar.
    pub scalar: Scalar,
    /// Whether it is an array (a GraphQL list).
    pub list: bool,
    pub named: Option<NamedType>,
}

/// An enum, composite or domain type with a GraphQL type of its own.
#[derive(Debug, Clone)]
pub(crate) enum NamedType {
    Enum(Arc<EnumType>),
    Composite(Arc<CompositeType>),
    Domain(Arc<DomainType>),
}

/// A domain over a scalar type: a custom scalar taking the base scalar's values.
#[derive(Debug)]
pub(crate) struct DomainType {
    pub name: String,
    pub base: Scalar,
}

#[derive(Debug)]
pub(crate) struct EnumType {
    pub name: String,
    pub description: Option<String>,
    /// GraphQL value and Postgres label, in the labels' order.
    pub values: Vec<(String, String)>,
}

#[derive(Debug)]
pub(crate) struct CompositeType {
    pub name: String,
    pub input: String,
    pub description: Option<String>,
    pub attributes: Vec<AttributeField>,
}

/// An attribute of a composite type as a field.
#[derive(Debug)]
pub(crate) struct AttributeField {
    pub name: String,
    /// The attribute's name in Postgres, its key in the JSON Postgres prints.
    pub attribute: String,
    pub value: ValueType,
    pub description: Option<String>,
}

/// The enum, composite and domain types of the cache that have usable GraphQL names, by
/// `typname`.
#[derive(Debug, Default)]
pub(crate) struct Types {
    by_type_name: HashMap<String, NamedType>,
}

impl Types {
    /// The types of `cache`; `type_names` holds the names taken and gets theirs. A type whose
    /// names are invalid or taken, also by the types of a relation of `schema` (which come
    /// first), or an enum with a label that makes no value of its own, is left out with a
    /// warning: its columns are then of its base type or `String`s.
    pub fn new(cache: &Cache, schema: &Ident, type_names: &mut HashSet<String>) -> Types {
        let mut taken = type_names.clone();
        for relation in cache.relations_in(schema) {
            let n = TableNames::new(relation.name.name.as_str());
            taken.extend([
                n.node,
                n.connection,
                n.edge,
                n.order_by,
                n.condition,
                n.filter,
            ]);
            taken.extend([
                n.input,
                n.patch,
                n.create_input,
                n.update_input,
                n.delete_input,
            ]);
        }
        let mut types = Types::default();
        for user_type in cache.user_types.values() {
            types.add(cache, user_type, &mut taken, 0);
        }
        let names = types.by_type_name.values().flat_map(NamedType::type_names);
        type_names.extend(names);
        types
    }

    /// The type of a column or attribute of base type `type_name` (`element`: an array's
    /// element type; `domain`: the domain it has).
    pub fn value_type(
        &self,
        type_name: &str,
        element: Option<&str>,
        domain: Option<&str>,
    ) -> ValueType {
        let domain = domain
            .filter(|_| element.is_none())
            .and_then(|d| self.by_type_name.get(d));
        let type_name = element.unwrap_or(type_name);
        let named = domain.or_else(|| self.by_type_name.get(type_name)).cloned();
        let scalar = match &named {
            Some(NamedType::Domain(d)) => d.base,
            Some(_) => Scalar::String,
            None => Scalar::of(type_name),
        };
        ValueType {
            scalar,
            list: element.is_some(),
            named,
        }
    }

    /// Adds `user_type` once, after the composite types its attributes use (a composite type
    /// cannot contain itself, so `depth` only guards against a catalog that says otherwise).
    fn add(
        &mut self,
        cache: &Cache,
        user_type: &UserType,
        type_names: &mut HashSet<String>,
        depth: usize,
    ) {
        if self.by_type_name.contains_key(&user_type.name) || depth > 32 {
            return;
        }
        let name = naming::user_type(&user_type.name);
        let named = match &user_type.kind {
            UserTypeKind::Enum(labels) => {
                let values: Vec<(String, String)> = labels
                    .iter()
                    .map(|label| (naming::enum_value(label), label.clone()))
                    .collect();
                let distinct: HashSet<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
                let usable = distinct.len() == values.len()
                    && values.iter().all(|(v, _)| naming::is_valid_name(v));
                let filters = [format!("{name}Filter"), format!("{name}ListFilter")];
                if !usable || !claim(type_names, &[&name, &filters[0], &filters[1]]) {
                    return skipped(user_type, &name);
                }
                NamedType::Enum(Arc::new(EnumType {
                    name,
                    description: user_type.comment.clone(),
                    values,
                }))
            }
            UserTypeKind::Composite(attributes) => {
                for attribute in attributes {
                    let used = attribute
                        .element_type
                        .as_ref()
                        .unwrap_or(&attribute.type_name);
                    if let Some(inner) = cache.user_types.get(used) {
                        self.add(cache, inner, type_names, depth + 1);
                    }
                }
                let mut fields: Vec<AttributeField> = Vec::new();
                for attribute in attributes {
                    let field = naming::field(&attribute.name);
                    if !naming::is_valid_name(&field) || fields.iter().any(|f| f.name == field) {
                        return skipped(user_type, &name);
                    }
                    fields.push(AttributeField {
                        name: field,
                        attribute: attribute.name.clone(),
                        value: self.value_type(
                            &attribute.type_name,
                            attribute.element_type.as_deref(),
                            None,
                        ),
                        description: attribute.comment.clone(),
                    });
                }
                let input = naming::user_type_input(&user_type.name);
                if fields.is_empty() || !claim(type_names, &[&name, &input]) {
                    return skipped(user_type, &name);
                }
                NamedType::Composite(Arc::new(CompositeType {
                    name,
                    input,
                    description: user_type.comment.clone(),
                    attributes: fields,
                }))
            }
            UserTypeKind::Domain(base) => {
                if let Some(inner) = cache.user_types.get(base) {
                    self.add(cache, inner, type_names, depth + 1);
                }
                let base = match self.by_type_name.get(base) {
                    Some(NamedType::Domain(inner)) => inner.base,
                    // Its columns are of the base type.
                    Some(_) => return,
                    None if base.starts_with('_') => return,
                    None => Scalar::of(base),
                };
                let filters = [format!("{name}Filter"), format!("{name}ListFilter")];
                let usable = !matches!(base, Scalar::Interval);
                if !usable || !claim(type_names, &[&name, &filters[0], &filters[1]]) {
                    return skipped(user_type, &name);
                }
                NamedType::Domain(Arc::new(DomainType { name, base }))
            }
        };
        self.by_type_name.insert(user_type.name.clone(), named);
    }
}

/// Takes `names` when all are valid and free.
fn claim(type_names: &mut HashSet<String>, names: &[&str]) -> bool {
    let free = names
        .iter()
        .all(|n| naming::is_valid_name(n) && !type_names.contains(*n));
    if free {
        type_names.extend(names.iter().map(|n| n.to_string()));
    }
    free
}

fn skipped(user_type: &UserType, name: &str) {
    tracing::warn!(
        "GraphQL: type {}.{} is a String: its names are invalid or taken ({name})",
        user_type.schema,
        user_type.name
    );
}

impl NamedType {
    pub fn name(&self) -> &str {
        match self {
            NamedType::Enum(e) => &e.name,
            NamedType::Composite(c) => &c.name,
            NamedType::Domain(d) => &d.name,
        }
    }

    /// The names of the types it defines.
    fn type_names(&self) -> Vec<String> {
        match self {
            NamedType::Composite(c) => vec![c.name.clone(), c.input.clone()],
            NamedType::Enum(_) | NamedType::Domain(_) => {
                let name = self.name();
                vec![
                    name.to_owned(),
                    format!("{name}Filter"),
                    format!("{name}ListFilter"),
                ]
            }
        }
    }

    /// The type its values have as input: the enum, or the composite type's input type.
    pub fn input_name(&self) -> &str {
        match self {
            NamedType::Enum(e) => &e.name,
            NamedType::Composite(c) => &c.input,
            NamedType::Domain(d) => &d.name,
        }
    }
}

impl ValueType {
    /// The GraphQL type of its values as output.
    pub fn type_name(&self) -> &str {
        self.named
            .as_ref()
            .map_or(self.scalar.name(), NamedType::name)
    }

    /// The GraphQL type of its values as input.
    pub fn input_type_name(&self) -> &str {
        self.named
            .as_ref()
            .map_or(self.scalar.input_name(), NamedType::input_name)
    }

    /// The field value of one JSON value Postgres printed; `None` for null.
    pub fn output<'a>(&self, raw: &RawValue) -> Result<Option<FieldValue<'a>>, Error> {
        if raw.get() == "null" {
            return Ok(None);
        }
        match (&self.named, self.list) {
            (None | Some(NamedType::Domain(_)), _) => {
                let value = match self.list {
                    true => self.scalar.output_list(raw),
                    false => self.scalar.output(raw),
                };
                match value.map_err(Error::new)? {
                    Value::Null => Ok(None),
                    value => Ok(Some(FieldValue::value(value))),
                }
            }
            (Some(_), true) => {
                let items: Vec<Box<RawValue>> = parse(raw.get())?;
                let element = ValueType {
                    list: false,
                    ..self.clone()
                };
                // The engine resolves every element of a list of an object or enum type as a
                // value of that type, and fails on null.
                let values = items
                    .iter()
                    .map(|item| {
                        element.output(item)?.ok_or_else(|| {
                            Error::new(format!(
                                "A list of {} with null elements cannot be read",
                                self.type_name()
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, Error>>()?;
                Ok(Some(FieldValue::list(values)))
            }
            (Some(NamedType::Enum(e)), false) => {
                let label: String = parse(raw.get())?;
                let value =
                    e.values.iter().find(|(_, l)| *l == label).ok_or_else(|| {
                        Error::new(format!("{} has no value for {label:?}", e.name))
                    })?;
                Ok(Some(FieldValue::value(Value::Enum(Name::new(&value.0)))))
            }
            (Some(NamedType::Composite(_)), false) => {
                Ok(Some(FieldValue::owned_any(parse::<Row>(raw.get())?)))
            }
        }
    }

    /// The text Postgres parses as a value of this type (an array or record literal for arrays
    /// and composite values); `None` for null.
    pub fn input_text(&self, value: &Value) -> Result<Option<String>, String> {
        match (&self.named, value) {
            (_, Value::Null) => Ok(None),
            (None | Some(NamedType::Domain(_)), _) => self.scalar.input_text(value, self.list),
            (Some(_), Value::List(items)) if self.list => {
                let element = ValueType {
                    list: false,
                    ..self.clone()
                };
                let items = items
                    .iter()
                    .map(|item| element.input_text(item))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some(literal('{', '}', &items, "NULL")))
            }
            (Some(NamedType::Enum(e)), value) => e.label(value).map(|l| Some(l.to_owned())),
            (Some(NamedType::Composite(c)), value) => {
                let given = c.fields(value)?;
                let items = c
                    .attributes
                    .iter()
                    .map(|a| match given.get(a.name.as_str()) {
                        Some(value) => a.value.input_text(value),
                        None => Ok(None),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some(literal('(', ')', &items, "")))
            }
        }
    }

    /// A value as JSON that `json_populate_record` reads as this type: a composite value as an
    /// object keyed by attribute (a list of them as an array), `json`/`jsonb` as itself, and
    /// everything else as the text Postgres parses, in a string.
    pub fn input_json(&self, value: &Value) -> Result<String, String> {
        match (&self.named, value) {
            (_, Value::Null) => Ok("null".to_owned()),
            (Some(NamedType::Composite(_)), Value::List(items)) if self.list => {
                let element = ValueType {
                    list: false,
                    ..self.clone()
                };
                let items = items
                    .iter()
                    .map(|item| element.input_json(item))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(format!("[{}]", items.join(",")))
            }
            (Some(NamedType::Composite(c)), value) if !self.list => {
                let given = c.fields(value)?;
                let mut object = serde_json::Map::new();
                for attribute in &c.attributes {
                    if let Some(value) = given.get(attribute.name.as_str()) {
                        let json = attribute.value.input_json(value)?;
                        let json = serde_json::from_str(&json).map_err(|e| e.to_string())?;
                        object.insert(attribute.attribute.clone(), json);
                    }
                }
                Ok(serde_json::Value::Object(object).to_string())
            }
            _ => {
                let Some(text) = self.input_text(value)? else {
                    return Ok("null".to_owned());
                };
                match (self.scalar, self.list, &self.named) {
                    (Scalar::Json, false, None | Some(NamedType::Domain(_))) => {
                        RawValue::from_string(text)
                            .map(|raw| raw.get().to_owned())
                            .map_err(|e| format!("not JSON: {e}"))
                    }
                    _ => Ok(serde_json::Value::String(text).to_string()),
                }
            }
        }
    }
}

impl EnumType {
    /// The label of the enum value `value` (a variable's value may arrive as a string).
    fn label(&self, value: &Value) -> Result<&str, String> {
        let name = match value {
            Value::Enum(name) => name.as_str(),
            Value::String(name) => name.as_str(),
            other => return Err(format!("{} cannot represent {other}", self.name)),
        };
        self.values
            .iter()
            .find(|(v, _)| v == name)
            .map(|(_, label)| label.as_str())
            .ok_or_else(|| format!("{} has no value {name}", self.name))
    }
}

impl CompositeType {
    /// The fields of an input object of this type, each one known.
    fn fields<'a>(&self, value: &'a Value) -> Result<&'a IndexMap<Name, Value>, String> {
        let Value::Object(fields) = value else {
            return Err(format!("{} must be an object, not {value}", self.input));
        };
        match fields
            .keys()
            .find(|k| !self.attributes.iter().any(|a| a.name == k.as_str()))
        {
            Some(unknown) => Err(format!("{} has no field {unknown}", self.input)),
            None => Ok(fields),
        }
    }
}

/// `{"a","b",NULL}` or `("a",,"b")`: every value quoted, so commas, quotes and spaces survive.
fn literal(open: char, close: char, items: &[Option<String>], null: &str) -> String {
    let mut literal = String::from(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            literal.push(',');
        }
        match item {
            None => literal.push_str(null),
            Some(text) => {
                literal.push('"');
                for c in text.chars() {
                    if matches!(c, '"' | '\\') {
                        literal.push('\\');
                    }
                    literal.push(c);
                }
                literal.push('"');
            }
        }
    }
    literal.push(close);
    literal
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::new(format!("internal: unreadable result: {e}")))
}

/// The GraphQL field of one column or attribute's value.
pub(crate) fn output<'a>(value: &ValueType, raw: &RawValue) -> FieldFuture<'a> {
    match value.output(raw) {
        Ok(None) => FieldFuture::Value(None),
        result => ready(result.map(|v| v.unwrap_or(FieldValue::NULL))),
    }
}

/// The output type of a value: `Mood`, `[Address]`, `Email!`.
pub(crate) fn type_ref(name: &str, list: bool, nullable: bool) -> TypeRef {
    match (list, nullable) {
        (false, true) => TypeRef::named(name),
        (false, false) => TypeRef::named_nn(name),
        (true, true) => TypeRef::named_list(name),
        (true, false) => TypeRef::named_list_nn(name),
    }
}

/// The definitions of `used` and of the types and scalars their attributes use, each once.
pub(crate) fn definitions<'a>(
    used: impl Iterator<Item = &'a NamedType>,
) -> (Vec<Type>, Vec<Scalar>) {
    let mut seen = HashSet::new();
    let (mut types, mut scalars) = (Vec::new(), Vec::new());
    let mut pending: Vec<NamedType> = used.cloned().collect();
    while let Some(named) = pending.pop() {
        if !seen.insert(named.name().to_owned()) {
            continue;
        }
        match named {
            NamedType::Enum(e) => types.push(enumeration(&e).into()),
            NamedType::Domain(d) => {
                let scalar =
                    async_graphql::dynamic::Scalar::new(&d.name).validator(d.base.validator());
                types.push(scalar.into());
            }
            NamedType::Composite(c) => {
                for attribute in &c.attributes {
                    match &attribute.value.named {
                        Some(inner) => pending.push(inner.clone()),
                        None => scalars.push(attribute.value.scalar),
                    }
                }
                types.push(object(&c).into());
                types.push(input(&c).into());
            }
        }
    }
    (types, scalars)
}

fn enumeration(e: &EnumType) -> Enum {
    let mut definition = Enum::new(&e.name).items(e.values.iter().map(|(v, _)| EnumItem::new(v)));
    if let Some(description) = &e.description {
        definition = definition.description(description);
    }
    definition
}

/// `Address`: a field per attribute, reading it from the object Postgres printed.
fn object(c: &Arc<CompositeType>) -> Object {
    let mut object = Object::new(&c.name);
    if let Some(description) = &c.description {
        object = object.description(description);
    }
    for (index, attribute) in c.attributes.iter().enumerate() {
        let value = &attribute.value;
        let composite = Arc::clone(c);
        let mut field = Field::new(
            &attribute.name,
            type_ref(value.type_name(), value.list, true),
            move |ctx| {
                let attribute = &composite.attributes[index];
                match ctx.parent_value.try_downcast_ref::<Row>() {
                    Ok(row) => match row.get(&attribute.attribute) {
                        Some(raw) => output(&attribute.value, raw),
                        None => FieldFuture::Value(None),
                    },
                    Err(error) => ready(Err(error)),
                }
            },
        );
        if let Some(description) = &attribute.description {
            field = field.description(description);
        }
        object = object.field(field);
    }
    object
}

/// `AddressInput`: an optional field per attribute.
fn input(c: &CompositeType) -> InputObject {
    let mut input = InputObject::new(&c.input)
        .description(format!("An input for mutations affecting `{}`", c.name));
    for attribute in &c.attributes {
        let value = &attribute.value;
        let mut field = InputValue::new(
            &attribute.name,
            type_ref(value.input_type_name(), value.list, true),
        );
        if let Some(description) = &attribute.description {
            field = field.description(description);
        }
        input = input.field(field);
    }
    input
}
