//! What the `kontext-mgmt` build script generates besides progenitor's client:
//! forward-compatible enums, the operation table, and pagination glue.

use crate::ir::{Api, ModelKind, Pagination, TypeRef};
use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{AdditionalProperties, OpenAPI, ReferenceOr, Schema, SchemaData, SchemaKind, Type};
use std::fmt::Write;

/// Rewrites the spec progenitor sees so its response types are forward compatible: every
/// object schema only used in responses keeps unknown fields (`additionalProperties: {}`
/// makes typify emit a flattened `extra` map). Schemas that requests use stay closed, so
/// their builders need no `extra` (unknown fields there still decode, but are dropped).
/// Enums are replaced separately (see [`enum_names`]).
pub fn prepare_for_progenitor(spec: &OpenAPI) -> OpenAPI {
    let inputs = request_schemas(spec);
    let mut spec = spec.clone();
    if let Some(components) = spec.components.as_mut() {
        for (name, schema) in components.schemas.iter_mut() {
            if inputs.contains(name) {
                continue;
            }
            if let ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Object(o)), .. }) = schema {
                if o.additional_properties.is_none() && !o.properties.is_empty() {
                    let any =
                        Schema { schema_data: SchemaData::default(), schema_kind: SchemaKind::Any(Default::default()) };
                    o.additional_properties = Some(AdditionalProperties::Schema(Box::new(ReferenceOr::Item(any))));
                }
            }
        }
    }
    spec
}

/// Component schemas reachable from any request body.
fn request_schemas(spec: &OpenAPI) -> std::collections::BTreeSet<String> {
    let mut todo: Vec<String> = Vec::new();
    for (_, _, op) in spec.operations() {
        if let Some(ReferenceOr::Item(body)) = &op.request_body {
            for media in body.content.values() {
                if let Some(schema) = &media.schema {
                    collect_refs(&serde_json::to_value(schema).unwrap_or_default(), &mut todo);
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = spec.components.as_ref().and_then(|c| c.schemas.get(&name)) {
            collect_refs(&serde_json::to_value(schema).unwrap_or_default(), &mut todo);
        }
    }
    seen
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(name) =
                m.get("$ref").and_then(|r| r.as_str()).and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

/// Names of the component enums, which progenitor must replace with [`enums`]' types.
pub fn enum_names(api: &Api) -> Vec<String> {
    api.models.values().filter(|m| matches!(m.kind, ModelKind::Enum { .. })).map(|m| m.name.clone()).collect()
}

/// Forward-compatible string enums: an unknown value decodes to `Unknown(String)`.
pub fn enums(api: &Api) -> String {
    let mut out = String::new();
    for model in api.models.values() {
        let ModelKind::Enum { values } = &model.kind else {
            continue;
        };
        let name = &model.name;
        let variants: Vec<(String, &String)> = values.iter().map(|v| (variant_name(v), v)).collect();
        let doc = if model.description.is_empty() { format!("`{name}`") } else { model.description.clone() };
        let _ = writeln!(out, "#[doc = {doc:?}]\n#[doc = \"\"]\n#[doc = \"Values this SDK does not know yet decode to `Unknown` and are sent back unchanged.\"]");
        let _ = writeln!(out, "#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum {name} {{");
        for (v, wire) in &variants {
            let _ = writeln!(out, "    #[doc = \"`{wire}`\"]\n    {v},");
        }
        let _ = writeln!(out, "    /// A value this version of the SDK does not know.\n    Unknown(String),\n}}");
        let _ = writeln!(
            out,
            "impl {name} {{\n    /// The wire value.\n    pub fn as_str(&self) -> &str {{\n        match self {{"
        );
        for (v, wire) in &variants {
            let _ = writeln!(out, "            Self::{v} => {wire:?},");
        }
        let _ = writeln!(out, "            Self::Unknown(s) => s,\n        }}\n    }}\n}}");
        let _ = writeln!(out, "impl ::std::str::FromStr for {name} {{\n    type Err = ::std::convert::Infallible;\n    fn from_str(s: &str) -> Result<Self, ::std::convert::Infallible> {{\n        Ok(match s {{");
        for (v, wire) in &variants {
            let _ = writeln!(out, "            {wire:?} => Self::{v},");
        }
        let _ = writeln!(out, "            other => Self::Unknown(other.to_string()),\n        }})\n    }}\n}}");
        let _ = writeln!(out, "impl ::std::convert::TryFrom<&str> for {name} {{ type Error = ::std::convert::Infallible; fn try_from(s: &str) -> Result<Self, ::std::convert::Infallible> {{ s.parse() }} }}");
        let _ = writeln!(out, "impl ::std::convert::TryFrom<&String> for {name} {{ type Error = ::std::convert::Infallible; fn try_from(s: &String) -> Result<Self, ::std::convert::Infallible> {{ s.parse() }} }}");
        let _ = writeln!(out, "impl ::std::convert::TryFrom<String> for {name} {{ type Error = ::std::convert::Infallible; fn try_from(s: String) -> Result<Self, ::std::convert::Infallible> {{ s.parse() }} }}");
        let _ = writeln!(out, "impl ::std::fmt::Display for {name} {{ fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{ f.write_str(self.as_str()) }} }}");
        let _ = writeln!(out, "impl ::serde::Serialize for {name} {{ fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{ s.serialize_str(self.as_str()) }} }}");
        let _ = writeln!(out, "impl<'de> ::serde::Deserialize<'de> for {name} {{ fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{ let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?; Ok(s.parse().unwrap_or_else(|e: ::std::convert::Infallible| match e {{}})) }} }}");
    }
    out
}

fn variant_name(wire: &str) -> String {
    let v = wire.to_pascal_case();
    if v.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("P{v}")
    } else {
        v
    }
}

/// The operation table the core validates requests with and the bindings call through.
pub fn op_table(api: &Api) -> String {
    let mut out = String::from("pub static OPERATIONS: &[OpSpec] = &[\n");
    for op in &api.operations {
        let params = |ps: &[crate::ir::Param]| {
            ps.iter()
                .map(|p| {
                    format!(
                        "ParamSpec {{ name: {:?}, kind: ParamKind::{}, required: {}, minimum: {:?}, maximum: {:?} }}",
                        p.name,
                        param_kind(&p.ty),
                        p.required,
                        p.minimum,
                        p.maximum
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let pagination = match &op.pagination {
            None => "None".to_string(),
            Some(Pagination::Cursor { .. }) => "Some(PaginationKind::Cursor)".to_string(),
            Some(Pagination::Offset { .. }) => "Some(PaginationKind::Offset)".to_string(),
        };
        let _ = writeln!(
            out,
            "    OpSpec {{ id: {:?}, rust_method: {:?}, namespace: {:?}, method: {:?}, http_method: {:?}, path: {:?}, path_params: &[{}], query_params: &[{}], body: {}, success_status: {}, has_response_body: {}, pagination: {} }},",
            op.id,
            rust_method(&op.id),
            op.namespace,
            op.method,
            op.http_method,
            op.path,
            params(&op.path_params),
            params(&op.query_params),
            match &op.body {
                None => "BodyKind::None",
                Some(b) if b.required => "BodyKind::Required",
                Some(_) => "BodyKind::Optional",
            },
            op.success_status,
            op.response.is_some(),
            pagination,
        );
    }
    out.push_str("];\n");
    out
}

fn param_kind(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Integer => "Integer",
        TypeRef::Number => "Number",
        TypeRef::Boolean => "Boolean",
        TypeRef::Named(_) => "Enum",
        _ => "String",
    }
}

/// `impl builder::X { pub fn stream(self) -> ... }` for every paginated operation, so the
/// Rust surface pages lazily through the core's one pagination loop. A cursor stream starts
/// at the builder's `cursor` (set it to resume); an offset stream at its `offset`'s value
/// given to `stream_from` (progenitor's builder fields are private).
pub fn pagination_impls(api: &Api) -> String {
    let mut out = String::new();
    for op in &api.operations {
        let Some(p) = &op.pagination else { continue };
        let builder = op.id.to_pascal_case();
        let Some(TypeRef::Named(page)) = &op.response else {
            continue;
        };
        let TypeRef::Named(item) = p.item() else {
            continue;
        };
        let (signature, start, set_next, page_ctor) = match p {
            Pagination::Cursor { .. } => (
                "stream(self)".to_string(),
                "crate::pagination::Next::Start",
                "crate::pagination::Next::Cursor(c) => req.cursor(c),",
                "crate::pagination::Page::cursor(page.items, page.next_cursor)",
            ),
            Pagination::Offset { .. } => (
                "stream_from(self, offset: u64)".to_string(),
                "crate::pagination::Next::Offset(offset)",
                "crate::pagination::Next::Offset(o) => req.offset(o),",
                "crate::pagination::Page::offset(page.items)",
            ),
        };
        let _ = writeln!(
            out,
            "impl<'a> {builder}<'a> {{
    #[doc = \"Every item of every page, fetched lazily one page at a time (constant memory).\"]
    pub fn {signature} -> impl ::futures::Stream<Item = ::std::result::Result<types::{item}, crate::Error>> + Unpin + 'a {{
        crate::pagination::stream({start}, self.client.limits().max_pages, move |next| {{
            let req = self.clone();
            async move {{
                let req = match next {{
                    {set_next}
                    _ => req,
                }};
                let page: types::{page} = req.send().await?.into_inner();
                Ok({page_ctor})
            }}
        }})
    }}
}}"
        );
    }
    out
}

/// The snake_case Rust method name progenitor gives an operation.
pub fn rust_method(op_id: &str) -> String {
    op_id.to_snake_case()
}
