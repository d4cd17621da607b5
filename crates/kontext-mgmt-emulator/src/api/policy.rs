//! The Cedar policy: the enforced text, versions, the deployment slots and their
//! actions (with ETags and `If-Match`), validation, replay and the blocked list.
//!
//! Every write checks its precondition and changes the state under one write lock of
//! the store, so two writers holding the same ETag cannot both succeed.

use super::common::*;
use crate::locks::{read, write};
use crate::policy::{self, CedarState, DeployedPolicy, Diag, Evaluator, SlotName};
use crate::reply::{ApiError, Out};
use crate::state::App;
use axum::http::{header, StatusCode};
use chrono::Duration;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Decisions one replay reads at most (newest first); more set `truncated`.
const REPLAY_LIMIT: usize = 20_000;

fn with_etag(out: Out, etag: &str) -> Out {
    out.header(header::ETAG, etag)
}

fn precondition_failed() -> ApiError {
    ApiError::precondition_failed("The policy changed since it was read; read it again and retry")
}

fn precondition_required() -> ApiError {
    ApiError::new(StatusCode::PRECONDITION_REQUIRED, "If-Match is required")
        .with("error", json!("precondition_required"))
}

fn invalid_policy(diags: Vec<Diag>) -> ApiError {
    // What is wrong where is in `diagnostics`; the message stays short.
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "The policy is not valid Cedar")
        .with("error", json!("invalid_policy"))
        .with("diagnostics", diags.iter().map(Diag::to_json).collect())
}

fn version_not_found() -> ApiError {
    ApiError::not_found("Policy version not found")
}

fn policy_json(st: &CedarState) -> Value {
    json!({
        "policyText": st.enforced.text(),
        "policyVersionId": st.enforced.version_id,
        "updatedAt": st.policy_updated_at.as_ref().map(crate::store::ts),
    })
}

pub(super) fn policy_get(app: &App) -> Res {
    let store = read(&app.store);
    let st = &store.cedar;
    if st.enforced.version_id.is_none() {
        return Err(ApiError::not_found("No policy has been written yet"));
    }
    Ok(with_etag(ok(policy_json(st)), &st.policy_etag()))
}

pub(super) fn policy_put(app: &App, c: &Ctx) -> Res {
    let text = c.body_str("policyText").unwrap_or_default();
    let mut store = write(&app.store);
    let st = &mut store.cedar;
    let exists = st.enforced.version_id.is_some();
    match (c.header("If-Match"), c.header("If-None-Match")) {
        (Some(m), _) => {
            if !exists || !policy::if_match(m, &st.policy_etag()) {
                return Err(precondition_failed());
            }
        }
        (None, Some(n)) => {
            if n.trim() != "*" {
                return Err(ApiError::bad_request("If-None-Match: only * is supported"));
            }
            if exists {
                return Err(precondition_failed());
            }
        }
        (None, None) => return Err(precondition_required()),
    }
    let parsed = policy::parse_policies(text).map_err(invalid_policy)?;
    if let Some((id, _)) = parsed.iter().find(|(id, _)| st.observing.policies.iter().any(|p| &p.policy_id == id)) {
        return Err(ApiError::conflict(format!("A policy with id `{id}` is in the observing slot")));
    }
    st.enforced.policies = parsed
        .into_iter()
        .map(|(id, p)| {
            let annotated = p.annotation("id").is_some();
            DeployedPolicy {
                cedar: policy::render_added(&p.to_string(), &id, annotated, None, &[]),
                policy_id: id,
                template_id: None,
                endpoint_id: None,
                agent_id: None,
                scopes: None,
                added_at: c.now,
                enforced_at: Some(c.now),
            }
        })
        .collect();
    st.record(SlotName::Enforced, "put", c.now);
    Ok(with_etag(ok(policy_json(st)), &st.policy_etag()))
}

pub(super) fn policy_validate(c: &Ctx) -> Res {
    let diags = policy::check(c.body_str("policyText").unwrap_or_default());
    let valid = !diags.iter().any(|d| d.severity == "error");
    Ok(ok(json!({"valid": valid, "diagnostics": diags.iter().map(Diag::to_json).collect::<Vec<_>>()})))
}

pub(super) fn deployment_get(app: &App) -> Res {
    let store = read(&app.store);
    Ok(with_etag(ok(store.cedar.deployment_json()), &store.cedar.deployment_etag()))
}

pub(super) fn versions_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let versions = &store.cedar.versions;
    // Versions are never removed: keyset pagination on their sequence numbers.
    let order: BTreeMap<u64, Uuid> = versions.iter().map(|v| (v.seq, Uuid::from_u128(u128::from(v.seq)))).collect();
    let (keys, next) = page(&order, c)?;
    let items = keys
        .iter()
        .filter_map(|k| {
            let seq = u64::try_from(k.as_u128()).ok()?;
            versions.binary_search_by_key(&seq, |v| v.seq).ok().map(|i| versions[i].to_json())
        })
        .collect();
    Ok(ok(list_json(items, next)))
}

pub(super) fn version_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    store.cedar.version(c.param("id")).map(|v| ok(v.to_json())).ok_or_else(version_not_found)
}

pub(super) fn templates_list() -> Out {
    ok(json!({"items": policy::TEMPLATES.iter().map(policy::Template::to_json).collect::<Vec<_>>()}))
}

fn required<'a>(c: &'a Ctx, field: &str) -> Result<&'a str, ApiError> {
    c.body_str(field).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::bad_request(format!("{field}: is required")))
}

pub(super) fn action_apply(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let st = &mut store.cedar;
    let m = c.header("If-Match").ok_or_else(precondition_required)?;
    if !policy::if_match(m, &st.deployment_etag()) {
        return Err(precondition_failed());
    }
    match c.body_str("action").unwrap_or_default() {
        "add" => add(st, c)?,
        "enforce" => {
            let id = required(c, "policyId")?;
            move_policy(st, id, SlotName::Observing, SlotName::Enforced, c)?;
        }
        "stop" => {
            let id = required(c, "policyId")?;
            move_policy(st, id, SlotName::Enforced, SlotName::Observing, c)?;
        }
        "delete" => {
            let id = required(c, "policyId")?;
            let slot = match c.body_str("where") {
                Some("enforced") => SlotName::Enforced,
                _ => SlotName::Observing,
            };
            let policies = &mut st.slot_mut(slot).policies;
            let i = policies.iter().position(|p| p.policy_id == id).ok_or_else(|| not_in(id, slot))?;
            policies.remove(i);
            st.record(slot, "delete", c.now);
        }
        other => return Err(ApiError::bad_request(format!("action: unknown action `{other}`"))),
    }
    Ok(with_etag(ok(st.deployment_json()), &st.deployment_etag()))
}

fn not_in(id: &str, slot: SlotName) -> ApiError {
    ApiError::not_found(format!("No policy `{id}` in the {} slot", slot.as_str()))
}

fn move_policy(st: &mut CedarState, id: &str, from: SlotName, to: SlotName, c: &Ctx) -> Result<(), ApiError> {
    let i = st.slot(from).policies.iter().position(|p| p.policy_id == id);
    let Some(i) = i else {
        if st.slot(to).policies.iter().any(|p| p.policy_id == id) {
            return Err(ApiError::conflict(format!("Policy `{id}` is already {}", to.as_str())));
        }
        return Err(not_in(id, from));
    };
    let mut p = st.slot_mut(from).policies.remove(i);
    p.enforced_at = (to == SlotName::Enforced).then_some(c.now);
    st.slot_mut(to).policies.push(p);
    let source = if to == SlotName::Enforced { "enforce" } else { "stop" };
    st.record(from, source, c.now);
    st.record(to, source, c.now);
    Ok(())
}

fn add(st: &mut CedarState, c: &Ctx) -> Result<(), ApiError> {
    let template_id = c.body_str("templateId");
    let (text, template) = match (template_id, c.body_str("cedar")) {
        (Some(_), Some(_)) => return Err(ApiError::bad_request("templateId, cedar: give one of them, not both")),
        (None, None) => return Err(ApiError::bad_request("templateId: is required (or cedar)")),
        (Some(t), None) => {
            (policy::template(t).ok_or_else(|| ApiError::not_found("Rule template not found"))?.cedar, Some(t))
        }
        (None, Some(text)) => (text, None),
    };
    let mut parsed = policy::parse_policies(text).map_err(invalid_policy)?;
    if parsed.len() != 1 {
        let n = parsed.len();
        return Err(invalid_policy(vec![Diag::error(format!("`add` takes exactly one policy, not {n}"), None)]));
    }
    let (_, p) = parsed.remove(0);
    let annotated = p.annotation("id").map(str::to_owned);
    let id = match (c.body_str("policyId"), &annotated, template) {
        (Some(given), Some(a), _) if given != a => {
            return Err(ApiError::bad_request("policyId: differs from the @id annotation of cedar"))
        }
        (Some(given), _, _) => given.to_owned(),
        (None, Some(a), _) => a.clone(),
        (None, None, Some(t)) => t.to_owned(),
        (None, None, None) => loop {
            st.generated += 1;
            let id = format!("policy-{}", st.generated);
            if !st.holds(&id) {
                break id;
            }
        },
    };
    if id.is_empty() {
        return Err(ApiError::bad_request("policyId: must not be empty"));
    }
    if st.holds(&id) {
        return Err(ApiError::conflict(format!("A policy with id `{id}` already exists")));
    }
    let endpoint = c.body_str("endpointId").map(str::to_owned);
    let agent = c.body_str("agentId").map(str::to_owned);
    let scopes: Option<Vec<String>> = c
        .body
        .get("scopes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.get("agentId").and_then(Value::as_str)).map(str::to_owned).collect());
    let mut agents: Vec<String> = agent.iter().chain(scopes.iter().flatten()).cloned().collect();
    agents.dedup();
    let cedar = policy::render_added(&p.to_string(), &id, annotated.is_some(), endpoint.as_deref(), &agents);
    // The scoping is our text: check that the result still is one valid policy.
    policy::parse_policies(&cedar).map_err(invalid_policy)?;
    st.observing.policies.push(DeployedPolicy {
        policy_id: id,
        cedar,
        template_id: template.map(str::to_owned),
        endpoint_id: endpoint,
        agent_id: agent,
        scopes,
        added_at: c.now,
        enforced_at: None,
    });
    st.record(SlotName::Observing, "add", c.now);
    Ok(())
}

/// The version id and text a replay evaluates: the named version, else the slot's.
fn replay_source(st: &CedarState, field: Option<&str>, slot: SlotName) -> Result<(Option<String>, String), ApiError> {
    match field {
        Some(id) => st.version(id).map(|v| (Some(v.id.clone()), v.policy_text.clone())).ok_or_else(version_not_found),
        None => Ok((st.slot(slot).version_id.clone(), st.slot(slot).text())),
    }
}

fn evaluator(text: &str, baseline: &[(String, cedar_policy::Policy)]) -> Result<Evaluator, ApiError> {
    Evaluator::new(policy::parse_policies(text).map_err(invalid_policy)?, baseline).map_err(invalid_policy)
}

#[derive(Default)]
struct Counts {
    block: u64,
    capture: u64,
}

pub(super) fn replay(app: &App, c: &Ctx) -> Res {
    let days = c.body.get("days").and_then(Value::as_i64).unwrap_or(7);
    let (enforcing, observing) = {
        let store = read(&app.store);
        let st = &store.cedar;
        (
            replay_source(st, c.body_str("enforcingVersionId"), SlotName::Enforced)?,
            replay_source(st, c.body_str("observingVersionId"), SlotName::Observing)?,
        )
    };
    let baseline = policy::parse_policies(c.body_str("baselinePolicyText").unwrap_or(policy::DEFAULT_BASELINE))
        .map_err(invalid_policy)?;
    let sets = [
        (SlotName::Enforced, evaluator(&enforcing.1, &baseline)?),
        (SlotName::Observing, evaluator(&observing.1, &baseline)?),
    ];
    let mut window: Vec<_> = app.fixtures.decisions_since(c.now - Duration::days(days)).collect();
    let truncated = window.len() > REPLAY_LIMIT;
    window.truncate(REPLAY_LIMIT);
    let replayable = window.iter().filter(|d| d.tool_name().is_some()).count() as u64;
    let not_replayable = window.len() as u64 - replayable;
    let mut rows = Vec::new();
    for (slot, ev) in &sets {
        let mut counts: BTreeMap<&str, Counts> = ev.ids.iter().map(|id| (id.as_str(), Counts::default())).collect();
        for outcome in window.iter().filter_map(|d| ev.evaluate(d)) {
            for id in &outcome.erroring {
                if let Some(n) = counts.get_mut(id.as_str()) {
                    n.capture += 1;
                }
            }
            if outcome.denied {
                for id in &outcome.determining {
                    if let Some(n) = counts.get_mut(id.as_str()) {
                        n.block += 1;
                    }
                }
            }
        }
        for id in &ev.ids {
            let n = counts.get(id.as_str()).map_or((0, 0), |n| (n.block, n.capture));
            rows.push(json!({
                "policyId": id,
                "slot": slot.as_str(),
                "wouldBlock": n.0,
                "wouldAllow": replayable.saturating_sub(n.0 + n.1),
                "needsCapture": n.1,
                "notReplayable": not_replayable,
                "truncated": truncated,
            }));
        }
    }
    Ok(ok(json!({
        "days": days,
        "enforcingVersionId": enforcing.0,
        "observingVersionId": observing.0,
        "decisionsInWindow": window.len(),
        "decisionsReplayed": replayable,
        "policies": rows,
    })))
}

pub(super) fn blocked_list(app: &App, c: &Ctx) -> Res {
    let days = c.q_i64("days").unwrap_or(7);
    let limit = c.q_i64("limit").unwrap_or(50).clamp(1, 200) as usize;
    let text = read(&app.store).cedar.enforced.text();
    let baseline = policy::parse_policies(policy::DEFAULT_BASELINE).map_err(invalid_policy)?;
    let ev = evaluator(&text, &baseline)?;
    let mut total = 0u64;
    let mut items = Vec::new();
    for d in app.fixtures.decisions_since(c.now - Duration::days(days)) {
        let Some(outcome) = ev.evaluate(d) else { continue };
        if !outcome.denied || outcome.determining.is_empty() {
            continue;
        }
        total += 1;
        if items.len() < limit {
            items.push(json!({
                "decisionId": d.id,
                "occurredAt": crate::store::ts(&d.occurred_at),
                "toolName": d.tool_name(),
                "agentId": d.agent_id,
                "endpointId": d.endpoint_id,
                "provider": d.field("provider"),
                "operation": d.field("operation"),
                "riskLevel": d.field("riskLevel"),
                "policyIds": outcome.determining,
            }));
        }
    }
    Ok(ok(json!({"days": days, "total": total, "items": items})))
}
