//! Reading the spec, shared by the gate (which checks it) and the IR (which lowers it), so
//! that neither depends on the other.

use openapiv3::{OpenAPI, ReferenceOr};

/// Splits `applications_rotateSecret` into (`applications`, `rotateSecret`).
pub fn split_operation_id(id: &str) -> Option<(&str, &str)> {
    let (ns, method) = id.split_once('_')?;
    let camel = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
    };
    (camel(ns) && camel(method)).then_some((ns, method))
}

pub fn resolve_response<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<openapiv3::Response>,
) -> Option<&'a openapiv3::Response> {
    match r {
        ReferenceOr::Item(b) => Some(b),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            match spec.components.as_ref()?.responses.get(name)? {
                ReferenceOr::Item(b) => Some(b),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_operation_ids() {
        assert_eq!(split_operation_id("applications_rotateSecret"), Some(("applications", "rotateSecret")));
        assert_eq!(split_operation_id("Applications_get"), None);
        assert_eq!(split_operation_id("applications"), None);
        assert_eq!(split_operation_id("a_b_c"), None);
    }
}

/// The extension that makes a response header a property of the returned object
/// (`ETag` → `etag`), so every language reads it where it reads the rest of the answer.
pub const PROPERTY_EXTENSION: &str = "x-kontext-property";
/// Marks a schema property that [`lift_header_properties`] added (the wire body does not
/// carry it; the core copies the header in).
pub const FROM_HEADER_EXTENSION: &str = "x-kontext-from-header";

/// A response header exposed as a property of the result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HeaderProperty {
    /// `ETag`
    pub header: String,
    /// `etag`
    pub property: String,
    pub description: String,
}

fn resolve_header<'a>(spec: &'a OpenAPI, h: &'a ReferenceOr<openapiv3::Header>) -> Option<&'a openapiv3::Header> {
    match h {
        ReferenceOr::Item(h) => Some(h),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/headers/")?;
            match spec.components.as_ref()?.headers.get(name)? {
                ReferenceOr::Item(h) => Some(h),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// The header properties of an operation's success responses, and the component schema
/// they belong to. An error names the operation when the answer is not a component object
/// or the extension is not a name.
pub fn header_properties(
    spec: &OpenAPI,
    op_id: &str,
    op: &openapiv3::Operation,
) -> Result<Vec<(String, HeaderProperty)>, String> {
    let mut out = Vec::new();
    for (code, r) in &op.responses.responses {
        if !matches!(code, openapiv3::StatusCode::Code(c) if (200..300).contains(c)) {
            continue;
        }
        let Some(r) = resolve_response(spec, r) else { continue };
        for (header, h) in &r.headers {
            let Some(h) = resolve_header(spec, h) else { continue };
            let Some(property) = h.extensions.get(PROPERTY_EXTENSION) else { continue };
            let property = property
                .as_str()
                .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
                .ok_or_else(|| format!("{op_id}: {PROPERTY_EXTENSION} of header {header} must be a camelCase name"))?;
            let schema = r
                .content
                .get("application/json")
                .and_then(|m| m.schema.as_ref())
                .and_then(|s| match s {
                    ReferenceOr::Reference { reference } => reference.strip_prefix("#/components/schemas/"),
                    ReferenceOr::Item(_) => None,
                })
                .ok_or_else(|| {
                    format!("{op_id}: header {header} becomes property {property}, so the answer must be a component schema")
                })?;
            let hp = HeaderProperty {
                header: header.clone(),
                property: property.to_string(),
                description: h.description.clone().unwrap_or_default(),
            };
            out.push((schema.to_string(), hp));
        }
    }
    Ok(out)
}

/// Adds each header property to its response schema as an optional string property, for
/// every generator (progenitor included) alike. A schema that already has a property of
/// that name is an error: the header would overwrite it.
pub fn lift_header_properties(spec: &mut OpenAPI) -> Result<(), String> {
    let mut adds = Vec::new();
    for (_, _, op) in spec.operations() {
        let id = op.operation_id.clone().unwrap_or_default();
        adds.extend(header_properties(spec, &id, op)?.into_iter().map(|(s, hp)| (id.clone(), s, hp)));
    }
    let Some(components) = spec.components.as_mut() else { return Ok(()) };
    for (op_id, schema, hp) in adds {
        let Some(ReferenceOr::Item(openapiv3::Schema {
            schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::Object(o)),
            ..
        })) = components.schemas.get_mut(&schema)
        else {
            return Err(format!(
                "{op_id}: header {} becomes a property, so {schema} must be an object schema",
                hp.header
            ));
        };
        if let Some(existing) = o.properties.get(&hp.property) {
            let lifted = matches!(existing, ReferenceOr::Item(s)
                if s.schema_data.extensions.get(FROM_HEADER_EXTENSION).and_then(|v| v.as_str()) == Some(hp.header.as_str()));
            if lifted {
                continue;
            }
            return Err(format!(
                "{op_id}: header {} would become property {} of {schema}, which already has one",
                hp.header, hp.property
            ));
        }
        let mut data = openapiv3::SchemaData { description: Some(hp.description.clone()), ..Default::default() };
        data.extensions.insert(FROM_HEADER_EXTENSION.into(), serde_json::Value::String(hp.header.clone()));
        let property = openapiv3::Schema {
            schema_data: data,
            schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::String(Default::default())),
        };
        o.properties.insert(hp.property.clone(), ReferenceOr::Item(Box::new(property)));
    }
    Ok(())
}
