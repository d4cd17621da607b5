//! The spec gate: rejects what the generators cannot handle, with a message naming the
//! operation, before progenitor (which asserts instead of erroring) ever sees the spec.

use openapiv3::{OpenAPI, Operation, ReferenceOr, StatusCode};
use std::collections::BTreeSet;

/// One reason a spec is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    #[error("the spec could not be parsed: {0}")]
    Parse(String),
    #[error("unsupported OpenAPI version {0:?}: only 3.0.x is supported")]
    Version(String),
    #[error("{method} {path}: operation has no operationId")]
    MissingOperationId { method: String, path: String },
    #[error("{method} {path}: operationId {id:?} is also used by {other}")]
    DuplicateOperationId { id: String, method: String, path: String, other: String },
    #[error("operation {id}: operationId must be `<namespace>_<method>` in camelCase parts, with the namespace as its only tag")]
    Naming { id: String },
    #[error("operation {id}: {count} different success body types ({codes}); exactly one is supported (a `default` response counts as a success: describe errors with explicit codes or 4XX/5XX)")]
    SuccessBodies { id: String, count: usize, codes: String },
    #[error("operation {id}: request body content type {content_type:?} is not supported (only application/json)")]
    RequestContentType { id: String, content_type: String },
    #[error("operation {id}: response {code} has content type {content_type:?} (only application/json)")]
    ResponseContentType { id: String, code: String, content_type: String },
    #[error("{0}")]
    HeaderProperty(String),
    #[error("{at}: a description holds a maintainers' note ({marker:?}); move it to `x-kontext-notes` (descriptions reach user docs)")]
    InternalNote { at: String, marker: String },
}

/// Words that open a maintainers' note; they belong in `x-kontext-notes`, not in a
/// description that generators copy into user-facing docs.
pub const NOTE_MARKERS: &[&str] = &["Chosen:", "Conflict:"];

/// Every problem found, so a user fixes them in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateErrors(pub Vec<GateError>);

impl std::fmt::Display for GateErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "the OpenAPI spec failed the gate ({} problem(s)):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GateErrors {}

/// Parses YAML or JSON text and runs the gate.
pub fn parse_and_check(text: &str) -> Result<OpenAPI, GateErrors> {
    // Check the version on the untyped document first: a 3.1 document may not even
    // deserialize into the 3.0 model, and "wrong version" is the useful message then.
    let raw: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| GateErrors(vec![GateError::Parse(e.to_string())]))?;
    let version = raw.get("openapi").and_then(|v| v.as_str()).unwrap_or("").to_string();
    if !version.starts_with("3.0.") {
        return Err(GateErrors(vec![GateError::Version(version)]));
    }
    let mut notes = Vec::new();
    notes_in_descriptions(&raw, &mut String::new(), &mut notes);
    let mut spec: OpenAPI =
        serde_yaml::from_value(raw).map_err(|e| GateErrors(vec![GateError::Parse(e.to_string())]))?;
    match check(&spec) {
        Ok(()) if notes.is_empty() => {
            // Response headers that are properties of the result join their schema here, so
            // the IR and progenitor see the same models.
            crate::spec::lift_header_properties(&mut spec)
                .map_err(|e| GateErrors(vec![GateError::HeaderProperty(e)]))?;
            Ok(spec)
        }
        Ok(()) => Err(GateErrors(notes)),
        Err(GateErrors(mut errors)) => {
            errors.extend(notes);
            Err(GateErrors(errors))
        }
    }
}

/// Finds every `description` (at any depth) that carries a note marker; `at` is a JSON
/// pointer to it.
fn notes_in_descriptions(value: &serde_yaml::Value, at: &mut String, out: &mut Vec<GateError>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (k, v) in map {
                let key = k.as_str().unwrap_or_default();
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                if key == "description" {
                    if let Some(marker) = v.as_str().and_then(|d| NOTE_MARKERS.iter().find(|m| d.contains(*m))) {
                        out.push(GateError::InternalNote { at: at.clone(), marker: marker.to_string() });
                    }
                } else {
                    notes_in_descriptions(v, at, out);
                }
                at.truncate(len);
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                notes_in_descriptions(v, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Runs every rule over a parsed spec.
pub fn check(spec: &OpenAPI) -> Result<(), GateErrors> {
    let mut errors = Vec::new();
    if !spec.openapi.starts_with("3.0.") {
        errors.push(GateError::Version(spec.openapi.clone()));
    }
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    for (path, method, op) in spec.operations() {
        let method = method.to_uppercase();
        let Some(id) = op.operation_id.clone() else {
            errors.push(GateError::MissingOperationId { method, path: path.to_string() });
            continue;
        };
        let here = format!("{method} {path}");
        if let Some(other) = seen.insert(id.clone(), here.clone()) {
            errors.push(GateError::DuplicateOperationId { id: id.clone(), method, path: path.to_string(), other });
        }
        if crate::spec::split_operation_id(&id).is_none_or(|(ns, _)| op.tags != [ns.to_string()]) {
            errors.push(GateError::Naming { id: id.clone() });
        }
        check_bodies(spec, &id, op, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(GateErrors(errors))
    }
}

fn check_bodies(spec: &OpenAPI, id: &str, op: &Operation, errors: &mut Vec<GateError>) {
    if let Some(body) = &op.request_body {
        if let Some(body) = resolve_body(spec, body) {
            for ct in body.content.keys() {
                if ct != "application/json" {
                    errors.push(GateError::RequestContentType { id: id.into(), content_type: ct.clone() });
                }
            }
        }
    }
    let mut success = BTreeSet::new();
    let mut codes = Vec::new();
    let all = op
        .responses
        .responses
        .iter()
        .map(|(c, r)| (c.to_string(), is_success(c), r))
        .chain(op.responses.default.iter().map(|r| ("default".to_string(), true, r)));
    for (code, is_success, response) in all {
        let Some(response) = crate::spec::resolve_response(spec, response) else {
            continue;
        };
        for ct in response.content.keys() {
            if ct != "application/json" {
                errors.push(GateError::ResponseContentType {
                    id: id.into(),
                    code: code.clone(),
                    content_type: ct.clone(),
                });
            }
        }
        if is_success {
            let body = response
                .content
                .get("application/json")
                .and_then(|m| m.schema.as_ref())
                .map(|s| serde_json::to_string(s).unwrap_or_default());
            if let Some(body) = body {
                success.insert(body);
                codes.push(code);
            }
        }
    }
    if success.len() > 1 {
        errors.push(GateError::SuccessBodies { id: id.into(), count: success.len(), codes: codes.join(", ") });
    }
}

fn is_success(code: &StatusCode) -> bool {
    match code {
        StatusCode::Code(c) => (200..300).contains(c),
        StatusCode::Range(r) => *r == 2,
    }
}

fn resolve_body<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<openapiv3::RequestBody>,
) -> Option<&'a openapiv3::RequestBody> {
    match r {
        ReferenceOr::Item(b) => Some(b),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/requestBodies/")?;
            match spec.components.as_ref()?.request_bodies.get(name)? {
                ReferenceOr::Item(b) => Some(b),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}
