//! OpenAPI 3.1 → 3.0.3, for specs downloaded from a server that speaks 3.1.

use crate::error::CodegenError;
use serde_yaml::{Mapping, Value};

#[derive(Debug, Clone)]
pub struct Converted {
    pub text: String,
    /// What was changed or dropped on the way (informational).
    pub notes: Vec<String>,
    /// Constructs with no 3.0.3 equivalent, by location; the caller must refuse these.
    pub unconvertible: Vec<String>,
}

/// Converts a 3.1 document (YAML or JSON) to 3.0.3; a 3.0.x document comes back unchanged.
pub fn to_303(text: &str) -> Result<Converted, CodegenError> {
    let mut doc: Value =
        serde_yaml::from_str(text).map_err(|e| CodegenError::Spec(format!("the spec is not YAML/JSON: {e}")))?;
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or_default().to_string();
    if version.starts_with("3.0.") {
        return Ok(Converted { text: text.to_string(), notes: vec![], unconvertible: vec![] });
    }
    if !version.starts_with("3.1.") {
        return Err(CodegenError::Spec(format!(
            "unsupported OpenAPI version {version:?} (3.0.x and 3.1.x are accepted)"
        )));
    }
    let mut notes = vec![format!("openapi {version} -> 3.0.3")];
    let mut bad = Vec::new();
    let map = doc.as_mapping_mut().ok_or_else(|| CodegenError::Spec("the spec is not a mapping".into()))?;
    map.insert("openapi".into(), "3.0.3".into());
    for key in ["jsonSchemaDialect", "webhooks"] {
        if map.remove(key).is_some() {
            notes.push(format!("dropped top-level `{key}` (not used by clients)"));
        }
    }
    if let Some(Value::Mapping(license)) = map.get_mut("info").and_then(|i| i.get_mut("license")) {
        if license.remove("identifier").is_some() {
            notes.push("dropped info.license.identifier".into());
        }
    }
    walk(&mut doc, "#", &mut notes, &mut bad);
    let text = serde_yaml::to_string(&doc).map_err(|e| CodegenError::Spec(e.to_string()))?;
    Ok(Converted { text, notes, unconvertible: bad })
}

fn walk(v: &mut Value, at: &str, notes: &mut Vec<String>, bad: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            convert_schema(m, at, notes, bad);
            for (k, child) in m.iter_mut() {
                let key = k.as_str().unwrap_or("?");
                walk(child, &format!("{at}/{key}"), notes, bad);
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk(child, &format!("{at}/{i}"), notes, bad);
            }
        }
        _ => {}
    }
}

fn convert_schema(m: &mut Mapping, at: &str, notes: &mut Vec<String>, bad: &mut Vec<String>) {
    // `type: [T, "null"]` -> `type: T, nullable: true`
    if let Some(Value::Sequence(types)) = m.get("type").cloned() {
        let non_null: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        let nullable = non_null.len() < types.len();
        match non_null.as_slice() {
            [one] => {
                m.insert("type".into(), one.clone());
                if nullable {
                    m.insert("nullable".into(), true.into());
                }
            }
            [] => bad.push(format!("{at}: `type: null` alone")),
            _ => bad.push(format!("{at}: several types {types:?}")),
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Sequence(alts)) = m.get_mut(key) {
            let before = alts.len();
            alts.retain(|a| a.get("type").and_then(Value::as_str) != Some("null"));
            if alts.len() < before {
                if alts.len() == 1 {
                    let only = alts.remove(0);
                    m.remove(key);
                    m.insert("allOf".into(), Value::Sequence(vec![only]));
                }
                m.insert("nullable".into(), true.into());
            }
        }
    }
    if let Some(Value::Sequence(examples)) = m.get("examples").cloned() {
        m.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            m.insert("example".into(), first);
        }
    }
    if let Some(c) = m.remove("const") {
        m.insert("enum".into(), Value::Sequence(vec![c]));
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = m.get(exclusive).filter(|v| v.is_number()).cloned() {
            m.insert(bound.into(), n);
            m.insert(exclusive.into(), true.into());
        }
    }
    for key in ["$schema", "$id", "$anchor", "$comment", "contentMediaType", "contentEncoding"] {
        if m.remove(key).is_some() {
            notes.push(format!("{at}: dropped `{key}`"));
        }
    }
    // 3.1 allows siblings next to $ref; 3.0 ignores them, so wrap the ref.
    if m.contains_key("$ref") && m.len() > 1 && !m.contains_key("summary") {
        if let Some(r) = m.remove("$ref") {
            let mut only = Mapping::new();
            only.insert("$ref".into(), r);
            m.insert("allOf".into(), Value::Sequence(vec![Value::Mapping(only)]));
        }
    }
    for key in [
        "prefixItems",
        "if",
        "then",
        "else",
        "$dynamicRef",
        "$dynamicAnchor",
        "dependentSchemas",
        "dependentRequired",
        "unevaluatedProperties",
        "unevaluatedItems",
        "patternProperties",
        "contains",
    ] {
        if m.contains_key(key) {
            bad.push(format!("{at}: `{key}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_common_31_constructs() {
        let text = r#"
openapi: 3.1.0
info: {title: t, version: '1', license: {name: MIT, identifier: MIT}}
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        n: {type: [string, "null"], examples: [x]}
        c: {const: fixed}
        m: {type: integer, exclusiveMinimum: 0}
        o: {oneOf: [{$ref: '#/components/schemas/B'}, {type: 'null'}]}
    B: {type: string}
"#;
        let c = to_303(text).unwrap();
        assert!(c.unconvertible.is_empty(), "{:?}", c.unconvertible);
        let v: Value = serde_yaml::from_str(&c.text).unwrap();
        let p = &v["components"]["schemas"]["A"]["properties"];
        assert_eq!(v["openapi"], Value::from("3.0.3"));
        assert_eq!(p["n"]["type"], Value::from("string"));
        assert_eq!(p["n"]["nullable"], Value::from(true));
        assert_eq!(p["n"]["example"], Value::from("x"));
        assert_eq!(p["c"]["enum"][0], Value::from("fixed"));
        assert_eq!(p["m"]["minimum"], Value::from(0));
        assert_eq!(p["m"]["exclusiveMinimum"], Value::from(true));
        assert_eq!(p["o"]["nullable"], Value::from(true));
        assert!(p["o"]["allOf"].is_sequence());
    }

    #[test]
    fn names_what_it_cannot_convert() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {type: [string, integer]}\n    B: {type: array, prefixItems: [{type: string}]}\n";
        let c = to_303(text).unwrap();
        assert_eq!(c.unconvertible.len(), 2, "{:?}", c.unconvertible);
        assert!(c.unconvertible.iter().any(|u| u.contains("components/schemas/B") && u.contains("prefixItems")));
    }
}
