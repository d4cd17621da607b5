//! Fixture data (`--seed FILE`, `POST /_emulator/seed`); the format is documented in
//! the crate docs and README.

use crate::api;
use crate::locks::write;
use crate::spec::Spec;
use crate::state::App;
use crate::store::{new_uuid, random_text, ts, Session, Store};
use crate::EmulatorError;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

const ORG_ID: &str = "org_emulator";

fn items<'a>(seed: &'a Value, key: &str) -> Result<&'a [Value], String> {
    match seed.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{key}: must be an array")),
    }
}

fn id_of(v: &Value, key: &str, at: &str) -> Result<Option<Uuid>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Uuid::try_parse(s).map(Some).map_err(|_| format!("{at}.{key}: must be a UUID")),
        Some(_) => Err(format!("{at}.{key}: must be a UUID")),
    }
}

/// Fills `defaults` into `obj` where absent.
fn with_defaults(v: &Value, at: &str, defaults: Vec<(&str, Value)>) -> Result<Map<String, Value>, String> {
    let mut obj = v.as_object().cloned().ok_or_else(|| format!("{at}: must be an object"))?;
    for (k, d) in defaults {
        obj.entry(k).or_insert(d);
    }
    Ok(obj)
}

fn normalize_time(obj: &mut Map<String, Value>, key: &str, at: &str) -> Result<(), String> {
    if let Some(Value::String(s)) = obj.get(key) {
        let t = DateTime::parse_from_rfc3339(s).map_err(|_| format!("{at}.{key}: must be an RFC 3339 date-time"))?;
        obj.insert(key.into(), Value::String(ts(&t.with_timezone(&Utc))));
    }
    Ok(())
}

/// Merges a seed document into `store`, validating every object against the spec.
pub fn apply(spec: &Spec, store: &mut Store, seed: &Value) -> Result<(), String> {
    if !seed.is_object() {
        return Err("seed: must be a JSON object".into());
    }
    let now = Utc::now();
    let schema = |name: &str| spec.schema(name).cloned().unwrap_or(Value::Null);

    for (i, v) in items(seed, "integrations")?.iter().enumerate() {
        let at = format!("integrations[{i}]");
        spec.validate(&schema("CreateIntegrationInput"), v, &at)?;
        if let Some(s) = v.get("validationStatus").filter(|s| !s.is_null()) {
            spec.validate(&schema("ValidationStatus"), s, &format!("{at}.validationStatus"))?;
        }
        let id = id_of(v, "id", &at)?;
        api::create_integration(store, v, id, now).map_err(|e| format!("{at}: {}", e.message))?;
    }
    for (i, v) in items(seed, "applications")?.iter().enumerate() {
        let at = format!("applications[{i}]");
        let mut obj = with_defaults(v, &at, vec![("oauth", json!({"redirectUris": []}))])?;
        if let Some(ids) = obj.get("integrationIds") {
            for (j, iid) in ids.as_array().ok_or(format!("{at}.integrationIds: must be an array"))?.iter().enumerate() {
                let ok = iid
                    .as_str()
                    .and_then(|s| Uuid::try_parse(s).ok())
                    .is_some_and(|u| store.live_integration(&u).is_some());
                if !ok {
                    return Err(format!("{at}.integrationIds[{j}]: unknown integration"));
                }
            }
        }
        let input = Value::Object(std::mem::take(&mut obj));
        spec.validate(&schema("CreateApplicationInput"), &input, &at)?;
        let id = id_of(&input, "id", &at)?;
        api::create_application(store, &input, id, now).map_err(|e| format!("{at}: {}", e.message))?;
    }
    for (i, v) in items(seed, "serviceAccounts")?.iter().enumerate() {
        let at = format!("serviceAccounts[{i}]");
        spec.validate(&schema("CreateServiceAccountInput"), v, &at)?;
        let secret = match v.get("clientSecret") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(_) => return Err(format!("{at}.clientSecret: must be a non-empty string")),
        };
        let id = id_of(v, "id", &at)?;
        api::create_service_account(store, v, id, secret, now).map_err(|e| format!("{at}: {}", e.message))?;
    }
    for (i, v) in items(seed, "sessions")?.iter().enumerate() {
        let at = format!("sessions[{i}]");
        let mut obj = with_defaults(
            v,
            &at,
            vec![
                ("id", json!(new_uuid())),
                ("status", json!("active")),
                ("createdAt", json!(ts(&now))),
                ("organizationId", json!(ORG_ID)),
            ],
        )?;
        if !obj.contains_key("agentId") {
            let app_id = obj.remove("applicationId").ok_or_else(|| format!("{at}.agentId: is required"))?;
            obj.insert("agentId".into(), app_id);
        }
        obj.remove("applicationId");
        let n = store.sessions.len() + 1;
        obj.entry("name").or_insert_with(|| json!(format!("session-{n}")));
        if !obj.contains_key("connectedAt") {
            let created = obj.get("createdAt").cloned().unwrap_or(Value::Null);
            obj.insert("connectedAt".into(), created);
        }
        if obj.get("status") == Some(&json!("disconnected")) && !obj.contains_key("disconnectedAt") {
            obj.insert("disconnectedAt".into(), json!(ts(&now)));
        }
        for k in ["tokenExpiresAt", "lastActiveAt", "connectedAt", "disconnectedAt", "createdAt"] {
            normalize_time(&mut obj, k, &at)?;
        }
        // derivedStatus is optional in a seed (it is computed), required in the schema.
        let mut check = obj.clone();
        check.entry("derivedStatus").or_insert(json!("active"));
        spec.validate(&schema("Session"), &Value::Object(check), &at)?;
        let session: Session = serde_json::from_value(Value::Object(obj)).map_err(|e| format!("{at}: {e}"))?;
        store.sessions.insert(session.id, session);
    }
    for (i, v) in items(seed, "events")?.iter().enumerate() {
        let at = format!("events[{i}]");
        let mut obj = with_defaults(
            v,
            &at,
            vec![
                ("id", json!(new_uuid().to_string())),
                ("eventType", json!("hook.pre_tool_call")),
                ("status", json!("ok")),
                ("createdAt", json!(ts(&now))),
            ],
        )?;
        normalize_time(&mut obj, "createdAt", &at)?;
        let ev = Value::Object(obj);
        spec.validate(&schema("McpEvent"), &ev, &at)?;
        let id = ev.get("id").cloned();
        store.events.retain(|e| e.get("id") != id.as_ref());
        store.events.push(ev);
    }
    // Newest first, as the API lists them.
    store.events.sort_by(|a, b| {
        let k = |v: &Value| v.get("createdAt").and_then(Value::as_str).unwrap_or("").to_owned();
        k(b).cmp(&k(a))
    });
    for (i, v) in items(seed, "traces")?.iter().enumerate() {
        let at = format!("traces[{i}]");
        let trace_id = match v.get("traceId") {
            Some(Value::String(s)) => s.clone(),
            _ => new_uuid().to_string(),
        };
        let evs: Vec<&Value> =
            store.events.iter().filter(|e| e.get("traceId").and_then(Value::as_str) == Some(&trace_id)).collect();
        let count = |pred: &dyn Fn(&str) -> bool| {
            evs.iter().filter(|e| pred(e.get("status").and_then(Value::as_str).unwrap_or(""))).count()
        };
        let agent = v.get("agentId").and_then(Value::as_str).unwrap_or("").to_owned();
        let agent_name = Uuid::try_parse(&agent)
            .ok()
            .and_then(|u| store.applications.get(&u))
            .map_or_else(String::new, |a| a.name.clone());
        let mut obj = with_defaults(
            v,
            &at,
            vec![
                ("traceId", json!(trace_id)),
                ("sessionId", json!("")),
                ("startedAt", json!(ts(&now))),
                ("endedAt", Value::Null),
                ("eventCount", json!(evs.len())),
                ("okCount", json!(count(&|s| s == "ok"))),
                ("warnCount", json!(count(&|s| s == "warn"))),
                ("errorCount", json!(count(&|s| s.starts_with("error")))),
                ("agentId", json!(agent)),
                ("agentName", json!(agent_name)),
                ("ownerUserId", json!("user_emulator")),
                ("ownerEmail", json!("user@example.com")),
            ],
        )?;
        normalize_time(&mut obj, "startedAt", &at)?;
        normalize_time(&mut obj, "endedAt", &at)?;
        let t = Value::Object(obj);
        spec.validate(&schema("Trace"), &t, &at)?;
        store.traces.retain(|x| x.get("traceId").and_then(Value::as_str) != Some(&trace_id));
        store.traces.push(t);
    }
    store.traces.sort_by(|a, b| {
        let k = |v: &Value| v.get("startedAt").and_then(Value::as_str).unwrap_or("").to_owned();
        k(b).cmp(&k(a))
    });
    for (key, kind) in [("installTokens", api::INSTALL_TOKENS), ("scimTokens", api::SCIM_TOKENS)] {
        for (i, v) in items(seed, key)?.iter().enumerate() {
            let at = format!("{key}[{i}]");
            spec.validate(&schema("CreateOrgTokenInput"), v, &at)?;
            let token = match v.get("token") {
                None | Some(Value::Null) => random_text(32),
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(_) => return Err(format!("{at}.token: must be a non-empty string")),
            };
            let revoked = match v.get("revoked") {
                None | Some(Value::Null) => false,
                Some(b) => b.as_bool().ok_or(format!("{at}.revoked: must be a boolean"))?,
            };
            let label = v.get("label").and_then(Value::as_str).unwrap_or_default();
            kind.add(store, label, &token, revoked, now);
        }
    }
    if let Some(p) = seed.get("policy").filter(|p| !p.is_null()) {
        if let Some(enabled) = p.get("policyEnabled") {
            store.policy_enabled = enabled.as_bool().ok_or("policy.policyEnabled: must be a boolean")?;
        }
        if let Some(mode) = p.get("payloadCaptureMode") {
            spec.validate(&schema("PayloadCaptureMode"), mode, "policy.payloadCaptureMode")?;
            store.payload_capture_mode = mode.as_str().map(str::to_owned);
        }
        if let Some(rules) = p.get("rules") {
            let rules = rules.as_array().ok_or("policy.rules: must be an array")?;
            for (i, r) in rules.iter().enumerate() {
                spec.validate(&schema("PolicyRule"), r, &format!("policy.rules[{i}]"))?;
            }
            store.policy_rules = rules.clone();
        }
    }
    Ok(())
}

/// Seeds a fresh state from `config.seed` (a restart with --state keeps what the clients
/// did instead of re-adding the fixtures, so only a fresh state is seeded).
pub fn initial(app: &App) -> Result<(), EmulatorError> {
    let Some(path) = &app.config.seed else {
        return Ok(());
    };
    let text = std::fs::read(path).map_err(|source| EmulatorError::SeedRead { path: path.clone(), source })?;
    let invalid = |message: String| EmulatorError::SeedInvalid { path: path.clone(), message };
    let v: Value = serde_json::from_slice(&text).map_err(|e| invalid(e.to_string()))?;
    apply(app.spec, &mut write(&app.store), &v).map_err(invalid)
}
