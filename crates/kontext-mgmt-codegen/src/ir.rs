//! The language-neutral description of the API surface, read once from the spec.
//!
//! Every emitter (Rust op table, Python, Node, Kotlin, Swift, docs) works from this and
//! never from the raw OpenAPI document, so naming and typing rules live in one place.

use crate::error::{CodegenError, TypeError};
use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole API.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    pub title: String,
    pub version: String,
    /// Maintainers' notes on the document as a whole (`x-kontext-notes` of `info`).
    pub notes: Vec<String>,
    /// In spec order (paths, then methods in a fixed order).
    pub operations: Vec<Operation>,
    /// Component schemas by name, sorted.
    pub models: BTreeMap<String, Model>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// `applications_rotateSecret`
    pub id: String,
    /// `applications` (camelCase; the tag)
    pub namespace: String,
    /// `rotateSecret` (camelCase)
    pub method: String,
    /// `GET`, `POST`, ...
    pub http_method: String,
    /// `/applications/{id}/rotate-secret`, relative to the `/api/v1` base.
    pub path: String,
    pub summary: String,
    pub description: String,
    /// Maintainers' notes (`x-kontext-notes`): why the spec says what it says. Never
    /// copied into user-facing docs; `openapi/operations.md` lists them as decisions.
    pub notes: Vec<String>,
    /// In the order they appear in the path.
    pub path_params: Vec<Param>,
    pub query_params: Vec<Param>,
    /// Request headers the operation takes (`If-Match`): optional named arguments in every
    /// language, passed to the core with the query values under their `name` (`ifMatch`);
    /// the core sends them as headers.
    pub header_params: Vec<Param>,
    pub body: Option<Body>,
    /// The success body type; `None` for 204-style operations.
    pub response: Option<TypeRef>,
    pub success_status: u16,
    pub pagination: Option<Pagination>,
    /// Response headers the result carries as properties (`ETag` → `etag`); the core copies
    /// them into the answer, and the response model has them as optional strings.
    pub response_headers: Vec<crate::spec::HeaderProperty>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Body {
    pub ty: TypeRef,
    pub required: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Wire name (`applicationId`, `limit`); for a header parameter its camelCase form
    /// (`ifMatch`), the header itself being in `header`.
    pub name: String,
    /// The HTTP header (`If-Match`) of a header parameter.
    pub header: Option<String>,
    pub ty: TypeRef,
    pub required: bool,
    pub description: String,
    pub default: Option<serde_json::Value>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
}

/// How a list operation pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Pagination {
    /// `cursor` query parameter, `nextCursor` in the body, absent on the last page.
    Cursor { items: String, item: TypeRef },
    /// `limit`/`offset` query parameters; the last page is shorter than `limit`.
    Offset { items: String, item: TypeRef },
}

impl Operation {
    /// The named (non-path) arguments of a call: query parameters, then header parameters.
    /// Bindings pass both to the core by `name`; the core knows which are headers.
    pub fn named_params(&self) -> impl Iterator<Item = &Param> {
        self.query_params.iter().chain(&self.header_params)
    }
}

impl Pagination {
    pub fn items_field(&self) -> &str {
        match self {
            Pagination::Cursor { items, .. } | Pagination::Offset { items, .. } => items,
        }
    }
    pub fn item(&self) -> &TypeRef {
        match self {
            Pagination::Cursor { item, .. } | Pagination::Offset { item, .. } => item,
        }
    }
}

/// A type as used at one place (a field, parameter or body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "camelCase")]
pub enum TypeRef {
    String,
    /// `format: date-time`
    DateTime,
    Integer,
    Number,
    Boolean,
    /// Any JSON value.
    Any,
    Array(Box<TypeRef>),
    /// A JSON object with arbitrary keys.
    Map(Box<TypeRef>),
    /// A component schema.
    Named(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub name: String,
    pub description: String,
    /// Maintainers' notes (`x-kontext-notes`), as on [`Operation::notes`].
    pub notes: Vec<String>,
    pub kind: ModelKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ModelKind {
    Object {
        fields: Vec<Field>,
    },
    /// A string enum; unknown values must still decode in every language.
    Enum {
        values: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Wire name (`clientSecret`).
    pub name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    pub description: String,
    /// `format: password`, or a name that always holds a credential: masked in every
    /// `repr`/`Debug`/`inspect`.
    pub secret: bool,
}

/// Field names that hold credentials even where the spec does not say `format: password`.
pub const SECRET_FIELD_NAMES: &[&str] =
    &["clientSecret", "serverToken", "partnerApiKey", "token", "access_token", "accessToken"];

impl Api {
    /// Reads a gated spec. Call [`crate::gate::check`] first: this assumes its rules hold.
    pub fn from_spec(spec: &OpenAPI) -> Result<Api, CodegenError> {
        let mut models = BTreeMap::new();
        if let Some(components) = &spec.components {
            for (name, schema) in &components.schemas {
                let ReferenceOr::Item(schema) = schema else {
                    return Err(CodegenError::schema(name, "a component schema may not be a bare $ref"));
                };
                if let Some(model) = model(name, schema)? {
                    models.insert(name.clone(), model);
                }
            }
        }
        let mut operations = Vec::new();
        for (path, method, op) in spec.operations() {
            let id = op
                .operation_id
                .clone()
                .ok_or_else(|| CodegenError::operation(format!("{method} {path}"), "no operationId"))?;
            let (namespace, m) =
                crate::spec::split_operation_id(&id).ok_or_else(|| CodegenError::operation(&id, "bad operationId"))?;
            let item = match spec.paths.paths.get(path) {
                Some(ReferenceOr::Item(item)) => item,
                _ => return Err(CodegenError::operation(&id, "path item must be inline")),
            };
            let mut path_params = Vec::new();
            let mut query_params = Vec::new();
            let mut header_params = Vec::new();
            for p in item.parameters.iter().chain(op.parameters.iter()) {
                let p = resolve_param(spec, p).ok_or_else(|| CodegenError::operation(&id, "unresolvable parameter"))?;
                let (data, is_path, is_header) = match p {
                    Parameter::Path { parameter_data, .. } => (parameter_data, true, false),
                    Parameter::Query { parameter_data, .. } => (parameter_data, false, false),
                    Parameter::Header { parameter_data, .. } => (parameter_data, false, true),
                    Parameter::Cookie { .. } => {
                        return Err(CodegenError::operation(&id, "cookie parameters are not supported"))
                    }
                };
                let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                    return Err(CodegenError::operation(&id, format!("parameter {} must have a schema", data.name)));
                };
                let (ty, default, minimum, maximum) = match schema {
                    ReferenceOr::Item(s) => {
                        let (min, max) = match &s.schema_kind {
                            SchemaKind::Type(Type::Integer(i)) => (i.minimum, i.maximum),
                            _ => (None, None),
                        };
                        (
                            type_of(schema).map_err(|e| CodegenError::operation(&id, e))?,
                            s.schema_data.default.clone(),
                            min,
                            max,
                        )
                    }
                    ReferenceOr::Reference { .. } => {
                        (type_of(schema).map_err(|e| CodegenError::operation(&id, e))?, None, None, None)
                    }
                };
                let (name, header) = if is_header {
                    if data.required {
                        // A required header would be a positional argument in some languages
                        // and a named one in others; no operation needs one.
                        return Err(CodegenError::operation(
                            &id,
                            format!("header parameter {} must be optional", data.name),
                        ));
                    }
                    if !matches!(ty, TypeRef::String) {
                        return Err(CodegenError::operation(
                            &id,
                            format!("header parameter {} must be a string", data.name),
                        ));
                    }
                    (crate::names::camel(&data.name), Some(data.name.clone()))
                } else {
                    (data.name.clone(), None)
                };
                let param = Param {
                    name,
                    header,
                    ty,
                    required: data.required || is_path,
                    description: data.description.clone().unwrap_or_default(),
                    default,
                    minimum,
                    maximum,
                };
                if is_path {
                    path_params.push(param);
                } else if is_header {
                    header_params.push(param);
                } else {
                    query_params.push(param);
                }
            }
            // Path parameters in the order the path names them (what positional args follow).
            path_params.sort_by_key(|p| path.find(&format!("{{{}}}", p.name)).unwrap_or(usize::MAX));
            let body = match &op.request_body {
                None => None,
                Some(ReferenceOr::Item(b)) => {
                    let media = b
                        .content
                        .get("application/json")
                        .ok_or_else(|| CodegenError::operation(&id, "body must be JSON"))?;
                    let schema =
                        media.schema.as_ref().ok_or_else(|| CodegenError::operation(&id, "body needs a schema"))?;
                    Some(Body {
                        ty: type_of(schema).map_err(|e| CodegenError::operation(&id, e))?,
                        required: b.required,
                    })
                }
                Some(ReferenceOr::Reference { .. }) => return Err(CodegenError::operation(&id, "body must be inline")),
            };
            let mut response = None;
            let mut success_status = 204;
            for (code, r) in &op.responses.responses {
                let openapiv3::StatusCode::Code(c) = code else {
                    continue;
                };
                if !(200..300).contains(c) {
                    continue;
                }
                success_status = *c;
                let r = crate::spec::resolve_response(spec, r)
                    .ok_or_else(|| CodegenError::operation(&id, "unresolvable response"))?;
                if let Some(schema) = r.content.get("application/json").and_then(|m| m.schema.as_ref()) {
                    response = Some(type_of(schema).map_err(|e| CodegenError::operation(&id, e))?);
                }
            }
            let pagination = pagination(&models, &query_params, response.as_ref());
            let response_headers = crate::spec::header_properties(spec, &id, op)
                .map_err(|e| CodegenError::operation(&id, e))?
                .into_iter()
                .map(|(_, hp)| hp)
                .collect();
            operations.push(Operation {
                id: id.clone(),
                namespace: namespace.to_string(),
                method: m.to_string(),
                http_method: method.to_uppercase(),
                path: path.to_string(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                notes: notes(op.extensions.get(NOTES_EXTENSION)).map_err(|e| CodegenError::operation(&id, e))?,
                path_params,
                query_params,
                header_params,
                body,
                response,
                success_status,
                pagination,
                response_headers,
            });
        }
        // A `$ref` to a component that is not a model (e.g. an integer enum) would name a type
        // no generator defines: refuse it here, naming where it is used.
        let unknown = |t: &TypeRef| -> Option<String> {
            let mut t = t;
            loop {
                match t {
                    TypeRef::Array(inner) | TypeRef::Map(inner) => t = inner,
                    TypeRef::Named(n) if !models.contains_key(n) => return Some(n.clone()),
                    _ => return None,
                }
            }
        };
        let reason =
            |n: String| format!("refers to {n}, which is not an object or string enum schema; inline scalar types");
        for m in models.values() {
            if let ModelKind::Object { fields } = &m.kind {
                if let Some(n) = fields.iter().find_map(|f| unknown(&f.ty)) {
                    return Err(CodegenError::schema(&m.name, reason(n)));
                }
            }
        }
        for op in &operations {
            let params = op.path_params.iter().chain(op.named_params()).map(|p| &p.ty);
            let types = params.chain(op.body.as_ref().map(|b| &b.ty)).chain(op.response.as_ref());
            if let Some(n) = types.into_iter().find_map(unknown) {
                return Err(CodegenError::operation(&op.id, reason(n)));
            }
        }
        Ok(Api {
            title: spec.info.title.clone(),
            version: spec.info.version.clone(),
            notes: notes(spec.info.extensions.get(NOTES_EXTENSION)).map_err(CodegenError::Spec)?,
            operations,
            models,
        })
    }

    /// Namespaces in first-seen order.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for op in &self.operations {
            if !out.contains(&op.namespace.as_str()) {
                out.push(&op.namespace);
            }
        }
        out
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

fn pagination(models: &BTreeMap<String, Model>, query: &[Param], response: Option<&TypeRef>) -> Option<Pagination> {
    let Some(TypeRef::Named(name)) = response else {
        return None;
    };
    let ModelKind::Object { fields } = &models.get(name)?.kind else {
        return None;
    };
    let items = fields.iter().find(|f| f.name == "items")?;
    let TypeRef::Array(item) = &items.ty else {
        return None;
    };
    let has = |n: &str| query.iter().any(|p| p.name == n);
    if has("cursor") && fields.iter().any(|f| f.name == "nextCursor") {
        Some(Pagination::Cursor { items: "items".into(), item: (**item).clone() })
    } else if has("offset") && has("limit") {
        Some(Pagination::Offset { items: "items".into(), item: (**item).clone() })
    } else {
        None
    }
}

fn resolve_param<'a>(spec: &'a OpenAPI, p: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            match spec.components.as_ref()?.parameters.get(name)? {
                ReferenceOr::Item(p) => Some(p),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn model(name: &str, schema: &Schema) -> Result<Option<Model>, CodegenError> {
    let description = schema.schema_data.description.clone().unwrap_or_default();
    let kind = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            ModelKind::Enum { values: s.enumeration.iter().flatten().cloned().collect() }
        }
        // An open enum as other tools read it too: `anyOf: [{type: string, enum: [...]}, {type: string}]`.
        // Every generator of ours already decodes unknown enum values, so it is an enum here.
        SchemaKind::AnyOf { any_of } => match open_enum_values(any_of) {
            Some(values) => ModelKind::Enum { values },
            None => return Err(CodegenError::schema(name, "anyOf is only supported as an open string enum")),
        },
        SchemaKind::Type(Type::Object(o)) => {
            let mut fields = Vec::new();
            for (fname, fschema) in &o.properties {
                let unboxed = fschema.clone().unbox();
                let (nullable, fdesc, password) = match &unboxed {
                    ReferenceOr::Item(s) => (
                        // A schema without a type (any JSON) admits null too; OpenAPI 3.0.3
                        // allows `nullable` only beside `type`.
                        s.schema_data.nullable
                            || nullable_ref(s).is_some()
                            || matches!(&s.schema_kind, SchemaKind::Any(a) if a.typ.is_none() && a.properties.is_empty()),
                        s.schema_data.description.clone().unwrap_or_default(),
                        matches!(&s.schema_kind, SchemaKind::Type(Type::String(st))
                            if matches!(&st.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password))),
                    ),
                    ReferenceOr::Reference { .. } => (false, String::new(), false),
                };
                fields.push(Field {
                    name: fname.clone(),
                    ty: type_of(&unboxed).map_err(|e| CodegenError::schema(format!("{name}.{fname}"), e))?,
                    required: o.required.contains(fname),
                    nullable,
                    description: fdesc,
                    secret: password || SECRET_FIELD_NAMES.contains(&fname.as_str()),
                });
            }
            ModelKind::Object { fields }
        }
        // Component schemas that are plain aliases (none today) are inlined where used.
        _ => return Ok(None),
    };
    let notes = notes(schema.schema_data.extensions.get(NOTES_EXTENSION)).map_err(|e| CodegenError::schema(name, e))?;
    Ok(Some(Model { name: name.to_string(), description, notes, kind }))
}

/// A nullable reference as OpenAPI 3.0.3 allows it (`nullable` beside `$ref` has no effect):
/// `oneOf: [{$ref: X}, {nullable: true, enum: [null], ...}]`. Returns `X`.
pub fn nullable_ref(schema: &Schema) -> Option<&str> {
    let SchemaKind::OneOf { one_of } = &schema.schema_kind else { return None };
    let [ReferenceOr::Reference { reference }, ReferenceOr::Item(null)] = one_of.as_slice() else { return None };
    let only_null = match &null.schema_kind {
        SchemaKind::Type(Type::Object(o)) => o.properties.is_empty(),
        // `enum` beside `type: object` makes openapiv3 read it as an untyped schema.
        SchemaKind::Any(a) => a.properties.is_empty() && a.typ.as_deref().is_none_or(|t| t == "object"),
        _ => false,
    };
    (null.schema_data.nullable && only_null).then_some(())?;
    reference.strip_prefix("#/components/schemas/")
}

/// The known values of an open string enum: one string member with `enum` and one plain
/// string member, in any order.
fn open_enum_values(members: &[ReferenceOr<Schema>]) -> Option<Vec<String>> {
    let strings: Vec<&openapiv3::StringType> = members
        .iter()
        .map(|m| match m {
            ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::String(st)), .. }) => Some(st),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let [a, b] = strings.as_slice() else { return None };
    let (known, open) = if a.enumeration.is_empty() { (b, a) } else { (a, b) };
    (!known.enumeration.is_empty() && open.enumeration.is_empty())
        .then(|| known.enumeration.iter().flatten().cloned().collect())
}

/// The vendor extension that carries maintainers' notes (Chosen / Conflict remarks).
pub const NOTES_EXTENSION: &str = "x-kontext-notes";

/// Reads `x-kontext-notes`: a list of strings (or one string).
fn notes(value: Option<&serde_json::Value>) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(serde_json::Value::String(s)) => Ok(vec![s.clone()]),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| format!("{NOTES_EXTENSION} must hold strings")))
            .collect(),
        Some(_) => Err(format!("{NOTES_EXTENSION} must be a list of strings")),
    }
}

/// The type of a schema at a point of use. Named component schemas stay named; inline
/// schemas must be primitives, arrays, maps, or a nullable `allOf` of one `$ref`.
pub fn type_of(schema: &ReferenceOr<Schema>) -> Result<TypeRef, TypeError> {
    let s = match schema {
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .ok_or_else(|| TypeError(format!("unsupported $ref {reference}")))?;
            return Ok(TypeRef::Named(name.to_string()));
        }
        ReferenceOr::Item(s) => s,
    };
    Ok(match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) => {
            if !st.enumeration.is_empty() {
                return Err(TypeError(
                    "inline string enums are not supported: make the enum a component schema".into(),
                ));
            }
            match &st.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => TypeRef::DateTime,
                _ => TypeRef::String,
            }
        }
        SchemaKind::Type(Type::Integer(_)) => TypeRef::Integer,
        SchemaKind::Type(Type::Number(_)) => TypeRef::Number,
        SchemaKind::Type(Type::Boolean(_)) => TypeRef::Boolean,
        SchemaKind::Type(Type::Array(a)) => match &a.items {
            Some(items) => TypeRef::Array(Box::new(type_of(&items.clone().unbox())?)),
            None => TypeRef::Array(Box::new(TypeRef::Any)),
        },
        SchemaKind::Type(Type::Object(o)) => {
            if !o.properties.is_empty() {
                return Err(TypeError(
                    "inline objects with properties are not supported: make it a component schema".into(),
                ));
            }
            match &o.additional_properties {
                Some(AdditionalProperties::Schema(inner)) => TypeRef::Map(Box::new(type_of(inner)?)),
                _ => TypeRef::Map(Box::new(TypeRef::Any)),
            }
        }
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => type_of(&all_of[0])?,
        SchemaKind::Any(a) if a.properties.is_empty() && a.typ.is_none() => TypeRef::Any,
        SchemaKind::OneOf { .. } if nullable_ref(s).is_some() => {
            TypeRef::Named(nullable_ref(s).unwrap_or_default().to_string())
        }
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => TypeRef::Any,
        other => return Err(TypeError(format!("unsupported inline schema {other:?}"))),
    })
}
