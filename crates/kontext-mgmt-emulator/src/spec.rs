//! The project's OpenAPI document, parsed once, and a validator for the subset of
//! JSON Schema (OpenAPI 3.0 flavour) that the document uses.
//!
//! Requests are checked against the spec itself rather than by hand-written
//! per-field code, so adding a field or an operation to the spec is enough for the
//! emulator to validate it.

use axum::http::Method;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The spec, embedded at build time (a symlink to `openapi/` at the workspace root, so
/// `cargo package` carries a copy).
pub const SPEC_YAML: &str = include_str!("../openapi/kontext-management.yaml");

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    Path,
    Query,
    Header,
    Other,
}

#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub loc: Loc,
    pub required: bool,
    pub schema: Value,
}

#[derive(Debug)]
pub struct BodyDef {
    pub required: bool,
    pub schema: Value,
}

#[derive(Debug)]
pub struct Operation {
    pub id: String,
    pub method: Method,
    pub params: Vec<Param>,
    pub body: Option<BodyDef>,
    /// The OAuth2 scopes of the operation's `security` (else the document's): a token
    /// holding any one of them may call it. Empty when no requirement names a scope.
    pub scopes: Vec<String>,
    /// `"GET /api/v1/applications/{id}"`: the key used by `/_emulator/stats`.
    pub stat_key: String,
}

#[derive(Debug)]
pub struct PathItem {
    /// The spec's template, e.g. `/applications/{id}`.
    pub template: String,
    /// The template split on `/`; `None` marks a parameter segment, with its name.
    pub segments: Vec<Segment>,
    /// Indices into [`Spec::ops`].
    pub ops: Vec<usize>,
}

#[derive(Debug)]
pub enum Segment {
    Static(String),
    Param(String),
}

pub struct Spec {
    pub root: Value,
    pub paths: Vec<PathItem>,
    pub ops: Vec<Operation>,
    /// Every scope the OAuth2 security schemes declare (what a token request may ask for).
    pub known_scopes: Vec<String>,
}

/// The parsed spec; parsing happens once per process.
pub fn spec() -> Result<&'static Spec, String> {
    static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
    SPEC.get_or_init(|| Spec::parse(SPEC_YAML)).as_ref().map_err(Clone::clone)
}

const METHODS: [&str; 7] = ["get", "put", "post", "patch", "delete", "head", "options"];

impl Spec {
    fn parse(yaml: &str) -> Result<Spec, String> {
        let root: Value = serde_yaml::from_str(yaml).map_err(|e| format!("spec: {e}"))?;
        let mut spec = Spec { root: Value::Null, paths: Vec::new(), ops: Vec::new(), known_scopes: Vec::new() };
        spec.known_scopes = declared_scopes(&root);
        let paths = root.get("paths").and_then(Value::as_object).ok_or("spec: no paths")?;
        for (template, item) in paths {
            let segments = template
                .trim_start_matches('/')
                .split('/')
                .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_owned()),
                    None => Segment::Static(s.to_owned()),
                })
                .collect();
            let mut path_item = PathItem { template: template.clone(), segments, ops: Vec::new() };
            let common = params_of(&root, item.get("parameters"))?;
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let mut params: Vec<Param> = Vec::new();
                // Operation-level parameters override path-level ones with the same name.
                for p in params_of(&root, op.get("parameters"))?.into_iter().chain(common.iter().map(|p| Param {
                    name: p.name.clone(),
                    loc: p.loc,
                    required: p.required,
                    schema: p.schema.clone(),
                })) {
                    if !params.iter().any(|q| q.name == p.name && q.loc == p.loc) {
                        params.push(p);
                    }
                }
                let body = match op.get("requestBody") {
                    None => None,
                    Some(rb) => {
                        let rb = resolve(&root, rb);
                        let schema = rb
                            .pointer("/content/application~1json/schema")
                            .cloned()
                            .ok_or_else(|| format!("spec: {m} {template}: no JSON body"))?;
                        Some(BodyDef { required: rb.get("required").and_then(Value::as_bool).unwrap_or(false), schema })
                    }
                };
                let method = Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|e| format!("spec: {e}"))?;
                path_item.ops.push(spec.ops.len());
                spec.ops.push(Operation {
                    id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("spec: {m} {template}: no operationId"))?
                        .to_owned(),
                    stat_key: format!("{method} /api/v1{template}"),
                    method,
                    params,
                    body,
                    scopes: scopes_of(op.get("security").or_else(|| root.get("security"))),
                });
            }
            spec.paths.push(path_item);
        }
        spec.root = root;
        Ok(spec)
    }

    /// A schema of `#/components/schemas`.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.root.pointer(&format!("/components/schemas/{name}"))
    }

    /// Checks `value` against `schema`; the error names the offending field
    /// (`at` is the field path so far, empty for the root).
    pub fn validate(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        validate(&self.root, schema, value, at)
    }

    /// Converts a raw query-string value to JSON according to the parameter's schema
    /// and validates it.
    pub fn coerce_query(&self, param: &Param, raw: &str) -> Result<Value, String> {
        let schema = resolve(&self.root, &param.schema);
        let name = &param.name;
        let value = match schema.get("type").and_then(Value::as_str) {
            Some("integer") => {
                raw.parse::<i64>().map(Value::from).map_err(|_| format!("{name}: must be an integer"))?
            }
            Some("number") => raw
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::from)
                .ok_or_else(|| format!("{name}: must be a number"))?,
            Some("boolean") => match raw {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(format!("{name}: must be true or false")),
            },
            _ => Value::String(raw.to_owned()),
        };
        self.validate(schema, &value, name)?;
        Ok(value)
    }
}

/// The scopes named by a `security` list (`[{scheme: [scope, …]}, …]`), in order, once each.
fn scopes_of(security: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let requirements = security.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object);
    for scope in requirements.flat_map(|r| r.values()).filter_map(Value::as_array).flatten().filter_map(Value::as_str) {
        if !out.iter().any(|s| s == scope) {
            out.push(scope.to_owned());
        }
    }
    out
}

/// The scopes of every OAuth2 flow of every OAuth2 security scheme.
fn declared_scopes(root: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let schemes = root.pointer("/components/securitySchemes").and_then(Value::as_object).into_iter().flatten();
    for (_, scheme) in schemes.filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("oauth2")) {
        let flows = scheme.get("flows").and_then(Value::as_object).into_iter().flatten();
        for scope in flows.filter_map(|(_, f)| f.get("scopes").and_then(Value::as_object)).flat_map(|m| m.keys()) {
            if !out.contains(scope) {
                out.push(scope.clone());
            }
        }
    }
    out
}

fn params_of(root: &Value, list: Option<&Value>) -> Result<Vec<Param>, String> {
    let mut out = Vec::new();
    for p in list.and_then(Value::as_array).into_iter().flatten() {
        let p = resolve(root, p);
        let name = p.get("name").and_then(Value::as_str).ok_or("spec: parameter without name")?;
        let loc = match p.get("in").and_then(Value::as_str) {
            Some("path") => Loc::Path,
            Some("query") => Loc::Query,
            Some("header") => Loc::Header,
            _ => Loc::Other,
        };
        out.push(Param {
            name: name.to_owned(),
            loc,
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            schema: p.get("schema").cloned().unwrap_or(Value::Null),
        });
    }
    Ok(out)
}

/// Follows a local `$ref` (possibly several); anything unresolvable is returned as is.
fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn label(at: &str) -> &str {
    if at.is_empty() {
        "body"
    } else {
        at
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn validate(root: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(root, schema);
    let Some(s) = schema.as_object() else {
        return Ok(()); // `{}`/absent: anything goes
    };
    let nullable = s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
    if value.is_null() {
        if nullable {
            return Ok(());
        }
        // A schema with no constraint on type (e.g. `requestJson`) accepts null only
        // when nullable; say so plainly.
        if s.contains_key("type") || s.contains_key("allOf") || s.contains_key("$ref") {
            return Err(format!("{}: must not be null", label(at)));
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for sub in all {
            validate(root, sub, value, at)?;
        }
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let ok = one.iter().filter(|sub| validate(root, sub, value, at).is_ok()).count();
        if ok != 1 {
            return Err(format!("{}: has an invalid value", label(at)));
        }
    }
    // Open enums are `anyOf: [{enum}, {type: string}]`: one match is enough.
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        if let Some(Err(first)) = any.iter().map(|sub| validate(root, sub, value, at)).reduce(|a, b| a.or(b)) {
            return Err(first);
        }
    }
    if let Some(ty) = s.get("type").and_then(Value::as_str) {
        check_type(ty, value, at)?;
    }
    if let Some(options) = s.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            let list: Vec<String> =
                options.iter().map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_owned)).collect();
            return Err(format!("{}: must be one of {}", label(at), list.join(", ")));
        }
    }
    match value {
        Value::String(text) => check_string(s, text, at)?,
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
                if f < min {
                    return Err(format!("{}: must be >= {min}", label(at)));
                }
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
                if f > max {
                    return Err(format!("{}: must be <= {max}", label(at)));
                }
            }
        }
        Value::Array(items) => {
            if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
                if (items.len() as u64) < min {
                    return Err(format!("{}: must have at least {min} items", label(at)));
                }
            }
            if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
                if (items.len() as u64) > max {
                    return Err(format!("{}: must have at most {max} items", label(at)));
                }
            }
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(root, item_schema, item, &format!("{}[{i}]", label(at)))?;
                }
            }
        }
        Value::Object(map) => check_object(root, s, map, at)?,
        _ => {}
    }
    Ok(())
}

fn check_type(ty: &str, value: &Value, at: &str) -> Result<(), String> {
    let ok = match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let want = match ty {
        "object" => "an object",
        "array" => "an array",
        "string" => "a string",
        "boolean" => "a boolean",
        "number" => "a number",
        "integer" => "an integer",
        other => other,
    };
    Err(format!("{}: must be {want}, not {}", label(at), type_name(value)))
}

fn check_string(s: &Map<String, Value>, text: &str, at: &str) -> Result<(), String> {
    let len = text.chars().count() as u64;
    if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
        if len < min {
            return Err(if min == 1 {
                format!("{}: must not be empty", label(at))
            } else {
                format!("{}: must be at least {min} characters", label(at))
            });
        }
    }
    if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
        if len > max {
            return Err(format!("{}: must be at most {max} characters", label(at)));
        }
    }
    match s.get("format").and_then(Value::as_str) {
        Some("uuid") if !is_uuid(text) => Err(format!("{}: must be a UUID", label(at))),
        Some("uri") if !is_uri(text) => Err(format!("{}: must be a URI", label(at))),
        Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
            Err(format!("{}: must be an RFC 3339 date-time", label(at)))
        }
        _ => Ok(()),
    }
}

fn check_object(root: &Value, s: &Map<String, Value>, map: &Map<String, Value>, at: &str) -> Result<(), String> {
    if let Some(required) = s.get("required").and_then(Value::as_array) {
        for r in required.iter().filter_map(Value::as_str) {
            if !map.contains_key(r) {
                return Err(format!("{}: is required", join(at, r)));
            }
        }
    }
    let props = s.get("properties").and_then(Value::as_object);
    for (key, v) in map {
        match props.and_then(|p| p.get(key)) {
            Some(prop) => validate(root, prop, v, &join(at, key))?,
            None => match s.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    return Err(format!("{}: is not allowed", join(at, key)));
                }
                Some(extra @ Value::Object(_)) => validate(root, extra, v, &join(at, key))?,
                // Unknown fields are ignored, as JSON Schema allows by default.
                _ => {}
            },
        }
    }
    Ok(())
}

/// A canonical, hyphenated UUID (the only form the API hands out).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// An absolute URI: a scheme (RFC 3986 §3.1), a colon and something after it, with no
/// whitespace or control characters.
pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_parses_with_every_operation() {
        let spec = spec().expect("spec");
        assert_eq!(spec.ops.len(), 64);
    }

    #[test]
    fn every_operation_names_its_scopes() {
        let spec = spec().expect("spec");
        assert_eq!(spec.known_scopes.len(), 15, "{:?}", spec.known_scopes);
        for op in &spec.ops {
            assert_eq!(op.scopes.len(), 2, "{}: {:?}", op.id, op.scopes);
            assert_eq!(op.scopes[0], "management:all", "{}", op.id);
            assert!(spec.known_scopes.contains(&op.scopes[1]), "{}: {:?}", op.id, op.scopes);
        }
        let scopes = |id: &str| spec.ops.iter().find(|o| o.id == id).map(|o| o.scopes[1].clone());
        assert_eq!(scopes("decisions_list").as_deref(), Some("management:logs:read"));
        assert_eq!(scopes("applications_create").as_deref(), Some("management:applications:write"));
        assert_eq!(scopes("policies_updateSettings").as_deref(), Some("management:settings:write"));
    }

    #[test]
    fn validation_names_fields() {
        let spec = spec().expect("spec");
        let schema = spec.schema("CreateApplicationInput").expect("schema").clone();
        let err = spec.validate(&schema, &json!({"oauth": {"redirectUris": []}}), "");
        assert_eq!(err.unwrap_err(), "name: is required");
        let err = spec.validate(&schema, &json!({"name": "x", "oauth": {"redirectUris": [], "type": "weird"}}), "");
        assert_eq!(err.unwrap_err(), "oauth.type: must be one of public, confidential");
        let err = spec.validate(&schema, &json!({"name": 1, "oauth": {"redirectUris": []}}), "");
        assert_eq!(err.unwrap_err(), "name: must be a string, not a number");
        let err = spec.validate(&schema, &json!([]), "");
        assert_eq!(err.unwrap_err(), "body: must be an object, not an array");
        assert!(spec.validate(&schema, &json!({"name": "x", "oauth": {"redirectUris": ["a"]}}), "").is_ok());
    }

    #[test]
    fn uri_and_uuid() {
        assert!(is_uri("https://x.example/mcp"));
        assert!(is_uri("urn:x"));
        assert!(!is_uri("not a uri"));
        assert!(!is_uri("://x"));
        assert!(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
        assert!(!is_uuid("550e8400e29b41d4a716446655440000"));
    }
}
