//! What the `kontext-mgmt` build script generates besides progenitor's client:
//! forward-compatible enums, the operation table, and pagination glue.

use crate::ir::{Api, ModelKind, Pagination, TypeRef};
use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{AdditionalProperties, OpenAPI, ReferenceOr, Schema, SchemaData, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

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
            // typify reads `nullable` + single `allOf` as `Option<X>`, the type users have always
            // had; the spec writes the 3.0.3-valid `oneOf: [$ref, null]` form instead.
            if let ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Object(o)), .. }) = schema {
                for property in o.properties.values_mut() {
                    if let ReferenceOr::Item(p) = property {
                        if let Some(target) = crate::ir::nullable_ref(p).map(str::to_string) {
                            let reference = format!("#/components/schemas/{target}");
                            p.schema_data.nullable = true;
                            p.schema_kind = SchemaKind::AllOf { all_of: vec![ReferenceOr::Reference { reference }] };
                        }
                        // A server default on a reference (`allOf: [$ref]` + `default`, as
                        // 3.0.3 ignores siblings of `$ref`) documents what the server does
                        // when the field is left out: typify would make the field required
                        // and always send the default. It stays `Option<X>`, left out when
                        // unset, as every other language has it.
                        if matches!(&p.schema_kind, SchemaKind::AllOf { all_of } if all_of.len() == 1) {
                            p.schema_data.default = None;
                        }
                    }
                }
            }
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
pub fn enums(api: &Api) -> TokenStream {
    let mut out = TokenStream::new();
    for model in api.models.values() {
        let ModelKind::Enum { values } = &model.kind else {
            continue;
        };
        let name = format_ident!("{}", model.name);
        let doc = if model.description.is_empty() { format!("`{}`", model.name) } else { model.description.clone() };
        let variants: Vec<_> = values.iter().map(|v| format_ident!("{}", variant_name(v))).collect();
        let variant_docs = values.iter().map(|v| format!("`{v}`"));
        out.extend(quote! {
            #[doc = #doc]
            #[doc = ""]
            #[doc = "Values this SDK does not know yet decode to `Unknown` and are sent back unchanged."]
            #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum #name {
                #( #[doc = #variant_docs] #variants, )*
                /// A value this version of the SDK does not know.
                Unknown(String),
            }

            impl #name {
                /// The wire value.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#variants => #values, )*
                        Self::Unknown(s) => s,
                    }
                }
            }

            impl ::std::str::FromStr for #name {
                type Err = ::std::convert::Infallible;
                fn from_str(s: &str) -> Result<Self, ::std::convert::Infallible> {
                    Ok(match s {
                        #( #values => Self::#variants, )*
                        other => Self::Unknown(other.to_string()),
                    })
                }
            }

            impl ::std::convert::TryFrom<&str> for #name {
                type Error = ::std::convert::Infallible;
                fn try_from(s: &str) -> Result<Self, ::std::convert::Infallible> {
                    s.parse()
                }
            }

            impl ::std::convert::TryFrom<&String> for #name {
                type Error = ::std::convert::Infallible;
                fn try_from(s: &String) -> Result<Self, ::std::convert::Infallible> {
                    s.parse()
                }
            }

            impl ::std::convert::TryFrom<String> for #name {
                type Error = ::std::convert::Infallible;
                fn try_from(s: String) -> Result<Self, ::std::convert::Infallible> {
                    s.parse()
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                    Ok(s.parse().unwrap_or_else(|e: ::std::convert::Infallible| match e {}))
                }
            }
        });
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
pub fn op_table(api: &Api) -> TokenStream {
    let ops = api.operations.iter().map(|op| {
        let (id, namespace, method, http_method, path) = (&op.id, &op.namespace, &op.method, &op.http_method, &op.path);
        let rust_method = rust_method(&op.id);
        let path_params = op.path_params.iter().map(param_spec);
        let query_params = op.query_params.iter().map(param_spec);
        let header_params = op.header_params.iter().map(param_spec);
        let response_headers = op.response_headers.iter().map(|h| {
            let (header, property) = (&h.header, &h.property);
            quote!(HeaderProperty { header: #header, property: #property })
        });
        let body = match &op.body {
            None => quote!(BodyKind::None),
            Some(b) if b.required => quote!(BodyKind::Required),
            Some(_) => quote!(BodyKind::Optional),
        };
        let pagination = match &op.pagination {
            None => quote!(None),
            Some(Pagination::Cursor { .. }) => quote!(Some(PaginationKind::Cursor)),
            Some(Pagination::Offset { .. }) => quote!(Some(PaginationKind::Offset)),
        };
        let success_status = proc_macro2::Literal::u16_unsuffixed(op.success_status);
        let has_response_body = op.response.is_some();
        quote! {
            OpSpec {
                id: #id,
                rust_method: #rust_method,
                namespace: #namespace,
                method: #method,
                http_method: #http_method,
                path: #path,
                path_params: &[ #(#path_params),* ],
                query_params: &[ #(#query_params),* ],
                header_params: &[ #(#header_params),* ],
                body: #body,
                success_status: #success_status,
                has_response_body: #has_response_body,
                pagination: #pagination,
                response_headers: &[ #(#response_headers),* ],
            }
        }
    });
    quote! {
        pub static OPERATIONS: &[OpSpec] = &[ #(#ops),* ];
    }
}

fn param_spec(p: &crate::ir::Param) -> TokenStream {
    let name = &p.name;
    let kind = format_ident!("{}", param_kind(&p.ty));
    let required = p.required;
    let bound = |b: Option<i64>| match b {
        Some(v) => {
            let v = proc_macro2::Literal::i64_unsuffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    };
    let (minimum, maximum) = (bound(p.minimum), bound(p.maximum));
    let header = match &p.header {
        Some(h) => quote!(Some(#h)),
        None => quote!(None),
    };
    quote! {
        ParamSpec {
            name: #name, header: #header, kind: ParamKind::#kind, required: #required, minimum: #minimum, maximum: #maximum
        }
    }
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
pub fn pagination_impls(api: &Api) -> TokenStream {
    let mut out = TokenStream::new();
    for op in &api.operations {
        let Some(p) = &op.pagination else { continue };
        let (Some(TypeRef::Named(page)), TypeRef::Named(item)) = (&op.response, p.item()) else {
            continue;
        };
        let builder = format_ident!("{}", op.id.to_pascal_case());
        let (page, item) = (format_ident!("{page}"), format_ident!("{item}"));
        let (signature, start, set_next, page_ctor) = match p {
            Pagination::Cursor { .. } => (
                quote!(stream(self)),
                quote!(crate::pagination::Next::Start),
                quote!(crate::pagination::Next::Cursor(c) => req.cursor(c),),
                quote!(crate::pagination::Page::cursor(page.items, page.next_cursor)),
            ),
            Pagination::Offset { .. } => (
                quote!(stream_from(self, offset: u64)),
                quote!(crate::pagination::Next::Offset(offset)),
                quote!(crate::pagination::Next::Offset(o) => req.offset(o),),
                quote!(crate::pagination::Page::offset(page.items)),
            ),
        };
        out.extend(quote! {
            impl<'a> #builder<'a> {
                /// Every item of every page, fetched lazily one page at a time (constant memory).
                pub fn #signature -> impl ::futures::Stream<Item = ::std::result::Result<types::#item, crate::Error>> + Unpin + 'a {
                    crate::pagination::stream(#start, self.client.limits().max_pages, move |next| {
                        let req = self.clone();
                        async move {
                            let req = match next {
                                #set_next
                                _ => req,
                            };
                            let page: types::#page = req.send().await?.into_inner();
                            Ok(#page_ctor)
                        }
                    })
                }
            }
        });
    }
    out
}

/// The snake_case Rust method name progenitor gives an operation.
pub fn rust_method(op_id: &str) -> String {
    op_id.to_snake_case()
}
