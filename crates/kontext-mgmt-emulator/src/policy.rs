//! The Cedar policy of an organization: the stored state (versions, the enforced and
//! observing slots, their revisions for ETags), parsing and checking with the official
//! `cedar-policy` crate (diagnostics with byte offsets), the rule templates, and
//! evaluation of logged decisions with Cedar's `Authorizer` (replay, blocked calls).

use crate::fixtures::Decision as Logged;
use cedar_policy::{
    AuthorizationError, Authorizer, Context, Decision, Entities, EntityId, EntityTypeName, EntityUid, Policy, PolicyId,
    PolicySet, Request, Schema, ValidationMode, Validator,
};
use chrono::{DateTime, Utc};
use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::str::FromStr;
use std::sync::OnceLock;

/// The baseline both slots are evaluated with unless a replay names another: allow
/// everything, so that `forbid` rules are what blocks.
pub const DEFAULT_BASELINE: &str = "permit (principal, action, resource);";

/// The entity model the emulator evaluates decisions in (and validates policies
/// against): an agent calls a tool; the context carries what the decision log records.
const CEDAR_SCHEMA: &str = r#"
entity Agent;
entity Tool;
action tool_call appliesTo {
  principal: [Agent],
  resource: [Tool],
  context: {
    toolName: String,
    provider: String,
    operation: String,
    riskLevel: String,
    endpointId: String,
    sessionId: String,
    installationId: String,
    arguments: { command: String, path: String },
  }
};
"#;

/// Ready-made rules `add` can name by `templateId`.
pub const TEMPLATES: &[Template] = &[
    Template {
        id: "block-critical-risk",
        name: "Block critical-risk tool calls",
        description: "Blocks every tool call the risk engine rates critical.",
        category: "safety",
        cedar: "forbid (principal, action == Action::\"tool_call\", resource)\nwhen { context.riskLevel == \"critical\" };",
    },
    Template {
        id: "block-github-deletes",
        name: "Block deletes on GitHub",
        description: "Blocks GitHub operations that delete something.",
        category: "data-loss",
        cedar: "forbid (principal, action == Action::\"tool_call\", resource)\nwhen { context.provider == \"github\" && context.operation == \"delete\" };",
    },
    Template {
        id: "block-shell-exec",
        name: "Block shell commands",
        description: "Blocks every shell command an agent would run.",
        category: "safety",
        cedar: "forbid (principal, action == Action::\"tool_call\", resource)\nwhen { context.provider == \"shell\" && context.operation == \"execute\" };",
    },
    Template {
        id: "block-rm-rf",
        name: "Block recursive deletes in the shell",
        description: "Blocks shell commands that remove files recursively (reads the captured arguments).",
        category: "data-loss",
        cedar: "forbid (principal, action == Action::\"tool_call\", resource)\nwhen { context.provider == \"shell\" && context.arguments.command like \"*rm -rf*\" };",
    },
    Template {
        id: "read-only-postgres",
        name: "Read-only database",
        description: "Blocks writes and deletes on Postgres.",
        category: "data-loss",
        cedar: "forbid (principal, action == Action::\"tool_call\", resource)\nwhen { context.provider == \"postgres\" && context.operation != \"read\" };",
    },
];

pub struct Template {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    pub cedar: &'static str,
}

impl Template {
    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "description": self.description, "category": self.category, "cedar": self.cedar})
    }
}

pub fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

// ---------------------------------------------------------------------------------
// Stored state

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SlotName {
    Observing,
    Enforced,
}

impl SlotName {
    pub fn as_str(self) -> &'static str {
        match self {
            SlotName::Observing => "observing",
            SlotName::Enforced => "enforced",
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedPolicy {
    pub policy_id: String,
    /// The Cedar text, with its `@id` annotation and scoping conditions.
    pub cedar: String,
    pub template_id: Option<String>,
    pub endpoint_id: Option<String>,
    pub agent_id: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub added_at: DateTime<Utc>,
    pub enforced_at: Option<DateTime<Utc>>,
}

impl DeployedPolicy {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "policyId": self.policy_id,
            "cedar": self.cedar,
            "templateId": self.template_id,
            "endpointId": self.endpoint_id,
            "agentId": self.agent_id,
            "addedAt": crate::store::ts(&self.added_at),
            "enforcedAt": self.enforced_at.as_ref().map(crate::store::ts),
        });
        if let (Some(scopes), Some(obj)) = (&self.scopes, v.as_object_mut()) {
            obj.insert("scopes".into(), scopes.iter().map(|a| json!({"agentId": a})).collect());
        }
        v
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    pub version_id: Option<String>,
    pub policies: Vec<DeployedPolicy>,
}

impl Slot {
    /// The slot's Cedar text: its policies in order, blank-line separated.
    pub fn text(&self) -> String {
        self.policies.iter().map(|p| p.cedar.as_str()).collect::<Vec<_>>().join("\n\n")
    }

    fn to_json(&self) -> Value {
        json!({
            "versionId": self.version_id,
            "policies": self.policies.iter().map(DeployedPolicy::to_json).collect::<Vec<_>>(),
        })
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyVersion {
    pub id: String,
    pub seq: u64,
    pub policy_text: String,
    pub slot: SlotName,
    pub source: String,
    pub policy_count: usize,
    pub created_at: DateTime<Utc>,
}

impl PolicyVersion {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "policyText": self.policy_text,
            "slot": self.slot.as_str(),
            "source": self.source,
            "policyCount": self.policy_count,
            "createdAt": crate::store::ts(&self.created_at),
        })
    }
}

/// The Cedar policy of the organization.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CedarState {
    /// Bumped by every write of the deployment (PUT and every action): its ETag.
    pub deployment_rev: u64,
    /// Bumped by every write of the enforced slot: the ETag of `GET /policy`.
    pub policy_rev: u64,
    pub versions: Vec<PolicyVersion>,
    pub enforced: Slot,
    pub observing: Slot,
    pub updated_at: Option<DateTime<Utc>>,
    pub policy_updated_at: Option<DateTime<Utc>>,
    /// Numbers the generated policy ids (`policy-N`).
    pub generated: u64,
}

impl CedarState {
    pub fn slot(&self, name: SlotName) -> &Slot {
        match name {
            SlotName::Observing => &self.observing,
            SlotName::Enforced => &self.enforced,
        }
    }

    pub fn slot_mut(&mut self, name: SlotName) -> &mut Slot {
        match name {
            SlotName::Observing => &mut self.observing,
            SlotName::Enforced => &mut self.enforced,
        }
    }

    pub fn deployment_etag(&self) -> String {
        etag('d', self.deployment_rev, &[&self.enforced.text(), &self.observing.text()])
    }

    pub fn policy_etag(&self) -> String {
        etag('p', self.policy_rev, &[&self.enforced.text()])
    }

    pub fn deployment_json(&self) -> Value {
        json!({
            "enforced": self.enforced.to_json(),
            "observing": self.observing.to_json(),
            "updatedAt": self.updated_at.as_ref().map(crate::store::ts),
        })
    }

    pub fn version(&self, id: &str) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.id == id)
    }

    /// Whether `id` names a policy in either slot.
    pub fn holds(&self, id: &str) -> bool {
        [&self.enforced, &self.observing].iter().any(|s| s.policies.iter().any(|p| p.policy_id == id))
    }

    /// Records the current text of `slot` as a new version; the slot now points at it.
    pub fn record(&mut self, slot: SlotName, source: &str, now: DateTime<Utc>) -> String {
        let seq = self.versions.last().map_or(0, |v| v.seq) + 1;
        let id = format!("pv_{seq:04}");
        let s = self.slot(slot);
        let version = PolicyVersion {
            id: id.clone(),
            seq,
            policy_text: s.text(),
            slot,
            source: source.to_owned(),
            policy_count: s.policies.len(),
            created_at: now,
        };
        self.versions.push(version);
        self.slot_mut(slot).version_id = Some(id.clone());
        self.deployment_rev += 1;
        self.updated_at = Some(now);
        if slot == SlotName::Enforced {
            self.policy_rev += 1;
            self.policy_updated_at = Some(now);
        }
        id
    }
}

/// A strong entity tag (quotes included) of a revision: the counter makes it change on
/// every write, the hash makes it opaque.
fn etag(kind: char, rev: u64, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(rev.to_le_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("\"{kind}{rev}-{hex}\"")
}

/// Whether an `If-Match` value (`*` or a list of entity tags) names `current`, by strong
/// comparison (a weak tag never matches).
pub fn if_match(header: &str, current: &str) -> bool {
    header.split(',').map(str::trim).any(|t| t == "*" || t == current)
}

// ---------------------------------------------------------------------------------
// Parsing and diagnostics

/// Longest diagnostic message, in characters.
const MAX_MESSAGE_CHARS: usize = 1000;

/// One finding, as the API reports it.
#[derive(Clone, Debug)]
pub struct Diag {
    pub severity: &'static str,
    pub message: String,
    pub policy_id: Option<String>,
    pub span: Option<(usize, usize)>,
}

impl Diag {
    pub fn error(message: impl Into<String>, policy_id: Option<String>) -> Diag {
        Diag { severity: "error", message: message.into(), policy_id, span: None }
    }

    fn of(d: &dyn Diagnostic, severity: &'static str, policy_id: Option<String>) -> Diag {
        let span = d.labels().and_then(|mut l| l.next()).map(|l| (l.offset(), l.offset() + l.len()));
        let mut message = d.to_string();
        if let Some(help) = d.help() {
            message = format!("{message} ({help})");
        }
        // A finding can quote the text (a long name, say): keep the answer small.
        if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
            message.truncate(cut);
            message.push('…');
        }
        Diag { severity, message, policy_id, span }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({"severity": self.severity, "message": self.message});
        if let Some(obj) = v.as_object_mut() {
            if let Some(id) = &self.policy_id {
                obj.insert("policyId".into(), Value::String(id.clone()));
            }
            if let Some((start, end)) = self.span {
                obj.insert("start".into(), start.into());
                obj.insert("end".into(), end.into());
            }
        }
        v
    }
}

/// Calls `f` with the offset and byte of every byte of `text` outside string literals
/// and `//` comments, up to `end`; stops when `f` answers false.
fn scan_code(text: &str, end: usize, mut f: impl FnMut(usize, u8) -> bool) {
    let b = text.as_bytes();
    let end = end.min(b.len());
    let mut i = 0;
    while i < end {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c => {
                if !f(i, c) {
                    return;
                }
            }
        }
        i += 1;
    }
}

/// The position-based id (`policyN`) of the policy around byte `offset`: the number of
/// policies that end (a top-level `;`) before it.
fn policy_index_at(text: &str, offset: usize) -> usize {
    let mut n = 0;
    scan_code(text, offset, |_, c| {
        n += usize::from(c == b';');
        true
    });
    n
}

/// Brackets nested deeper than this, or more operators than [`MAX_OPERATORS`] in one
/// policy, are refused before the parser sees them: the Cedar parser recurses once per
/// nesting level and per operator of a chain (`1 + 1 + …`, `!!!…`), and a hostile text
/// must not exhaust the stack (it would abort the whole emulator).
const MAX_NESTING: usize = 64;
const MAX_OPERATORS: usize = 2000;

/// The first place where `text` nests or chains too deeply, as a diagnostic.
fn too_deep(text: &str) -> Option<Diag> {
    let b = text.as_bytes();
    let ident = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    let (mut depth, mut ops) = (0usize, 0usize);
    let mut at = None;
    scan_code(text, usize::MAX, |i, c| {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b';' => ops = 0,
            b'+' | b'-' | b'*' | b'!' | b'.' | b'&' | b'|' | b'<' | b'>' | b'=' => ops += 1,
            b'i' if b.get(i + 1) == Some(&b'f') && !ident(i + 2) && (i == 0 || !ident(i - 1)) => ops += 1,
            _ => {}
        }
        if depth > MAX_NESTING || ops > MAX_OPERATORS {
            at = Some(i);
        }
        at.is_none()
    });
    at.map(|i| Diag {
        severity: "error",
        message: format!(
            "the policy nests more than {MAX_NESTING} brackets or chains more than {MAX_OPERATORS} operators"
        ),
        policy_id: Some(format!("policy{}", policy_index_at(text, i))),
        span: Some((i, i + 1)),
    })
}

/// The policies of `text`, in source order, each with its id: its `@id("…")`
/// annotation, else `policyN` by position. Parse errors, templates and two policies with
/// one id are error diagnostics.
pub fn parse_policies(text: &str) -> Result<Vec<(String, Policy)>, Vec<Diag>> {
    if let Some(d) = too_deep(text) {
        return Err(vec![d]);
    }
    let set = PolicySet::from_str(text).map_err(|errs| {
        errs.iter()
            .map(|e| {
                let d = Diag::of(e, "error", None);
                let at = d.span.map_or(0, |(s, _)| s);
                Diag { policy_id: Some(format!("policy{}", policy_index_at(text, at))), ..d }
            })
            .collect::<Vec<_>>()
    })?;
    let mut diags = Vec::new();
    for t in set.templates() {
        diags.push(Diag::error(
            "templates (`?principal`, `?resource`) are not supported here",
            Some(t.id().to_string()),
        ));
    }
    let mut out: Vec<(usize, String, Policy)> = set
        .policies()
        .map(|p| {
            let auto = p.id().to_string();
            let pos = auto.strip_prefix("policy").and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
            let id = p.annotation("id").map_or(auto, str::to_owned);
            (pos, id, p.clone())
        })
        .collect();
    out.sort_by_key(|(pos, _, _)| *pos);
    for (i, (_, id, _)) in out.iter().enumerate() {
        if out[..i].iter().any(|(_, other, _)| other == id) {
            diags.push(Diag::error(format!("two policies have the id `{id}`"), Some(id.clone())));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(out.into_iter().map(|(_, id, p)| (id.clone(), p.new_id(PolicyId::new(id)))).collect())
}

fn schema() -> Option<&'static Schema> {
    static SCHEMA: OnceLock<Option<Schema>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| match Schema::from_cedarschema_str(CEDAR_SCHEMA) {
            Ok((s, _)) => Some(s),
            Err(e) => {
                tracing::error!("the emulator's Cedar schema does not parse: {e}");
                None
            }
        })
        .as_ref()
}

/// Every finding on `text`: parse errors as errors; what the validator says against
/// the emulator's Cedar schema as warnings (the service's schema is not published).
pub fn check(text: &str) -> Vec<Diag> {
    let policies = match parse_policies(text) {
        Ok(p) => p,
        Err(diags) => return diags,
    };
    let Some(schema) = schema() else { return Vec::new() };
    let mut set = PolicySet::new();
    for (_, p) in policies {
        // Ids are unique (checked by parse_policies).
        let _ = set.add(p);
    }
    let result = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
    let errors = result.validation_errors().map(|e| Diag::of(e, "warning", Some(e.policy_id().to_string())));
    let warnings = result.validation_warnings().map(|w| Diag::of(w, "warning", Some(w.policy_id().to_string())));
    errors.chain(warnings).collect()
}

/// The text of one policy with its id annotation and scoping conditions: `@id("id")`
/// unless the text has one, then a `when` per limit.
pub fn render_added(text: &str, id: &str, annotated: bool, endpoint: Option<&str>, agents: &[String]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.escape_default());
    let mut body = text.trim().trim_end_matches(';').trim_end().to_owned();
    match agents {
        [] => {}
        [one] => body.push_str(&format!("\nwhen {{ principal == Agent::{} }}", quote(one))),
        many => {
            let list: Vec<String> = many.iter().map(|a| format!("Agent::{}", quote(a))).collect();
            body.push_str(&format!("\nwhen {{ principal in [{}] }}", list.join(", ")));
        }
    }
    if let Some(e) = endpoint {
        body.push_str(&format!("\nwhen {{ context.endpointId == {} }}", quote(e)));
    }
    if annotated {
        format!("{body};")
    } else {
        format!("@id({})\n{body};", quote(id))
    }
}

// ---------------------------------------------------------------------------------
// Evaluation

/// A policy set ready to evaluate: the baseline plus the named policies.
pub struct Evaluator {
    set: PolicySet,
    /// The ids of the non-baseline policies, in order.
    pub ids: Vec<String>,
}

const BASELINE_PREFIX: &str = "__baseline";

impl Evaluator {
    /// `policies` from a slot or version text; `baseline` from the caller.
    pub fn new(policies: Vec<(String, Policy)>, baseline: &[(String, Policy)]) -> Result<Evaluator, Vec<Diag>> {
        let mut set = PolicySet::new();
        for (i, (_, p)) in baseline.iter().enumerate() {
            set.add(p.new_id(PolicyId::new(format!("{BASELINE_PREFIX}{i}"))))
                .map_err(|e| vec![Diag::error(e.to_string(), None)])?;
        }
        let mut ids = Vec::with_capacity(policies.len());
        for (id, p) in policies {
            set.add(p).map_err(|e| vec![Diag::error(e.to_string(), Some(id.clone()))])?;
            ids.push(id);
        }
        Ok(Evaluator { set, ids })
    }

    /// Evaluates one logged tool call; `None` when the decision is not a tool call.
    pub fn evaluate(&self, d: &Logged) -> Option<Outcome> {
        let request = request_of(d)?;
        let r = Authorizer::new().is_authorized(&request, &self.set, &Entities::empty());
        let mine = |id: &PolicyId| {
            let s = id.to_string();
            (!s.starts_with(BASELINE_PREFIX)).then_some(s)
        };
        let diagnostics = r.diagnostics();
        Some(Outcome {
            denied: r.decision() == Decision::Deny,
            determining: diagnostics.reason().filter_map(mine).collect(),
            erroring: diagnostics
                .errors()
                .filter_map(|e| match e {
                    AuthorizationError::PolicyEvaluationError(e) => mine(e.policy_id()),
                })
                .collect(),
        })
    }
}

/// What one set decides about one request.
pub struct Outcome {
    pub denied: bool,
    /// The policies that determined the decision (the forbids when denied).
    pub determining: Vec<String>,
    /// The policies whose evaluation failed (e.g. they read an attribute the log lacks).
    pub erroring: Vec<String>,
}

fn request_of(d: &Logged) -> Option<Request> {
    let tool = d.tool_name()?;
    let uid = |ty: &str, id: &str| {
        EntityTypeName::from_str(ty).ok().map(|t| EntityUid::from_type_name_and_id(t, EntityId::new(id)))
    };
    // The context's attributes are the logged decision's, under the same names (absent
    // when the log has none, so a policy reading them errs rather than matches).
    let mut ctx = serde_json::Map::new();
    ctx.insert("toolName".into(), json!(tool));
    for key in ["provider", "operation", "riskLevel", "sessionId", "installationId"] {
        if let Some(v) = d.field(key) {
            ctx.insert(key.into(), json!(v));
        }
    }
    ctx.insert("endpointId".into(), json!(d.endpoint_id));
    if let Some(args) = &d.arguments {
        ctx.insert("arguments".into(), args.clone());
    }
    let context = Context::from_json_value(Value::Object(ctx), None).ok()?;
    Request::new(uid("Agent", &d.agent_id)?, uid("Action", "tool_call")?, uid("Tool", tool)?, context, None).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_policy_and_the_bytes() {
        let text = "permit (principal, action, resource);\npermitt (principal, action, resource);";
        let diags = parse_policies(text).expect_err("invalid");
        let d = &diags[0];
        assert_eq!(d.severity, "error");
        assert_eq!(d.policy_id.as_deref(), Some("policy1"));
        let (start, end) = d.span.expect("span");
        assert_eq!(&text[start..end], "permitt", "{d:?}");
    }

    #[test]
    fn ids_come_from_annotations_or_position_and_must_be_unique() {
        let ok =
            parse_policies("@id(\"a\") permit (principal, action, resource);\nforbid (principal, action, resource);")
                .expect("valid");
        let ids: Vec<&str> = ok.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["a", "policy1"]);
        let dup = parse_policies(
            "@id(\"a\") permit (principal, action, resource);\n@id(\"a\") forbid (principal, action, resource);",
        );
        assert!(dup.expect_err("dup")[0].message.contains("`a`"));
    }

    #[test]
    fn schema_findings_are_warnings() {
        assert!(check(TEMPLATES[0].cedar).is_empty(), "{:?}", check(TEMPLATES[0].cedar));
        let w = check("forbid (principal, action == Action::\"tool_call\", resource) when { context.nope == 1 };");
        assert!(!w.is_empty() && w.iter().all(|d| d.severity == "warning"), "{w:?}");
    }

    #[test]
    fn rendered_scopes_parse() {
        let agents = vec!["anthropic-claude-code".to_owned(), "openai-\"codex\"".to_owned()];
        let text = render_added(TEMPLATES[0].cedar, "t", false, Some("ep_1"), &agents);
        let parsed = parse_policies(&text).expect("parses");
        assert_eq!(parsed[0].0, "t");
        assert!(text.contains("principal in ["), "{text}");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!(
            "permit (principal, action, resource) when {{ {}true{} }};",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let d = &parse_policies(&deep).expect_err("refused")[0];
        assert!(d.message.contains("nests"), "{d:?}");
        for chain in [" + 1".repeat(100_000), "!".repeat(100_000), ".a".repeat(100_000)] {
            let text = format!("permit (principal, action, resource) when {{ context{chain} == 1 }};");
            assert!(parse_policies(&text).is_err());
        }
        // Many small policies are fine: the count is per policy.
        let many = "permit (principal, action, resource) when { 1 + 1 == 2 && context.a.b.c == 3 };\n".repeat(1000);
        assert_eq!(parse_policies(&many).map(|p| p.len()).ok(), Some(1000));
        let fine = format!("permit (principal, action, resource) when {{ {}true{} }};", "(".repeat(20), ")".repeat(20));
        assert!(parse_policies(&fine).is_ok());
        // Brackets inside strings and comments do not count.
        let quoted = format!(
            "// {}\npermit (principal, action, resource) when {{ \"{}\" == \"\" }};",
            "(".repeat(200),
            "[".repeat(200)
        );
        assert!(parse_policies(&quoted).is_ok());
    }

    #[test]
    fn if_match_is_strong() {
        assert!(if_match("\"a\", \"b\"", "\"b\""));
        assert!(if_match("*", "\"b\""));
        assert!(!if_match("W/\"b\"", "\"b\""));
    }
}
