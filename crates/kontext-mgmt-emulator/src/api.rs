//! The `/api/v1` operations. Requests reach the handlers already authenticated,
//! rate-limited and validated against the spec; handlers only implement semantics.

use crate::locks::{read, write};
use crate::reply::{ApiError, Out};
use crate::spec::{is_uuid, Loc, Operation, PathItem, Segment};
use crate::state::App;
use crate::store::{
    app_oauth_json, integration_json, new_uuid, random_text, sa_json, ts, AppOAuth, Application, Connection,
    Integration, IntegrationOAuthConfig, Kind, Secret, ServiceAccount, Store,
};
use crate::token;
use axum::http::{header, request::Parts, Method, StatusCode};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::ops::Bound;
use uuid::Uuid;

/// A validated request.
pub struct Ctx {
    pub caller: String,
    params: Vec<(String, String)>,
    query: Vec<(String, Value)>,
    pub body: Value,
    pub now: DateTime<Utc>,
}

impl Ctx {
    fn id(&self, name: &str) -> Uuid {
        self.params.iter().find(|(n, _)| n == name).and_then(|(_, v)| Uuid::try_parse(v).ok()).unwrap_or_default()
    }
    fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
    fn q(&self, name: &str) -> Option<&Value> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    fn q_str(&self, name: &str) -> Option<&str> {
        self.q(name).and_then(Value::as_str)
    }
    fn q_i64(&self, name: &str) -> Option<i64> {
        self.q(name).and_then(Value::as_i64)
    }
    fn body_str(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

type Res = Result<Out, ApiError>;

/// Runs one API request; returns the answer and the (redacted) body for the request log.
pub fn handle(app: &App, path_idx: usize, op: Option<usize>, parts: &Parts, body: &[u8]) -> (Out, Value) {
    let item = &app.spec.paths[path_idx];
    let Some(op) = op.map(|o| &app.spec.ops[o]) else {
        let allow: Vec<&str> = item.ops.iter().map(|&o| app.spec.ops[o].method.as_str()).collect();
        let out = Out::error(StatusCode::METHOD_NOT_ALLOWED, &format!("Cannot {} {}", parts.method, parts.uri.path()))
            .header(header::ALLOW, &allow.join(", "));
        return (out, Value::Null);
    };
    let caller = match token::authenticate(app, &parts.headers) {
        Ok(c) => c,
        Err(e) => return (e.into_out(), Value::Null),
    };
    if let Err(secs) = app.rate_check(&caller) {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
        e.retry_after = Some(secs);
        return (e.into_out(), Value::Null);
    }
    let mut logged = Value::Null;
    let result = prepare(app, op, item, parts, body, caller, &mut logged).and_then(|ctx| dispatch(app, op, &ctx));
    match result {
        Ok(out) => {
            if op.method != Method::GET {
                app.persist();
            }
            (out, logged)
        }
        Err(e) => (e.into_out(), logged),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn not_found_message(template: &str, param: &str) -> &'static str {
    match param {
        "applicationId" => "Application not found",
        "integrationId" => "Integration not found",
        "sessionId" => "Session not found",
        "traceId" => "Trace not found",
        _ if template.starts_with("/integrations") => "Integration not found",
        _ if template.starts_with("/service-accounts") => "Service account not found",
        _ => "Application not found",
    }
}

/// Secrets never reach the request log.
pub(crate) fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let secret = matches!(k.as_str(), "serverToken" | "clientSecret" | "partnerApiKey" | "token");
                    let v = if secret && !v.is_null() { Value::String("***".into()) } else { redact(v) };
                    (k.clone(), v)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

fn prepare(
    app: &App,
    op: &Operation,
    item: &PathItem,
    parts: &Parts,
    body: &[u8],
    caller: String,
    logged: &mut Value,
) -> Result<Ctx, ApiError> {
    let spec = app.spec;
    // Path parameters, by position in the template.
    let raw = parts.uri.path().strip_prefix("/api/v1").unwrap_or("");
    let mut params = Vec::new();
    for (seg, value) in item.segments.iter().zip(raw.trim_start_matches('/').split('/')) {
        if let Segment::Param(name) = seg {
            let value = percent_decode(value);
            let def = op.params.iter().find(|p| p.loc == Loc::Path && &p.name == name);
            let wants_uuid = def.and_then(|p| p.schema.get("format")).and_then(Value::as_str) == Some("uuid");
            // Spec choice: a malformed id is simply an id that does not exist.
            if wants_uuid && !is_uuid(&value) {
                return Err(ApiError::not_found(not_found_message(&item.template, name)));
            }
            params.push((name.clone(), value));
        }
    }
    // Query parameters the spec declares; others are ignored.
    let mut query = Vec::new();
    let pairs: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    for p in op.params.iter().filter(|p| p.loc == Loc::Query) {
        match pairs.iter().find(|(k, _)| *k == p.name) {
            Some((_, raw)) => {
                let v = spec.coerce_query(p, raw).map_err(ApiError::bad_request)?;
                query.push((p.name.clone(), v));
            }
            None if p.required => {
                return Err(ApiError::bad_request(format!("{}: is required", p.name)));
            }
            None => {}
        }
    }
    let mut parsed = Value::Null;
    if let Some(def) = &op.body {
        if body.iter().all(u8::is_ascii_whitespace) {
            if def.required {
                return Err(ApiError::bad_request("body: is required"));
            }
        } else {
            let ct = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .map(|v| v.trim().to_ascii_lowercase())
                .unwrap_or_default();
            if !(ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))) {
                return Err(ApiError::bad_request("body: Content-Type must be application/json"));
            }
            parsed = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("body: is not valid JSON ({e})")))?;
            *logged = redact(&parsed);
            spec.validate(&def.schema, &parsed, "").map_err(ApiError::bad_request)?;
        }
    }
    Ok(Ctx { caller, params, query, body: parsed, now: Utc::now() })
}

fn dispatch(app: &App, op: &Operation, c: &Ctx) -> Res {
    match op.id.as_str() {
        "applications_list" => applications_list(app, c),
        "applications_create" => applications_create(app, c),
        "applications_accessGraph" => access_graph(app),
        "applications_get" => applications_get(app, c),
        "applications_update" => applications_update(app, c),
        "applications_archive" => applications_archive(app, c),
        "applications_rotateSecret" => applications_rotate(app, c),
        "applications_getOAuth" => applications_get_oauth(app, c),
        "applications_updateOAuth" => applications_update_oauth(app, c),
        "applications_listIntegrations" => app_integrations(app, c),
        "applications_setIntegrations" => app_set_integrations(app, c),
        "applications_attachIntegration" => app_attach(app, c),
        "applications_detachIntegration" => app_detach(app, c),
        "agentSessions_list" => sessions_list(app, c),
        "agentSessions_get" => sessions_get(app, c),
        "agentSessions_revokeAll" => sessions_revoke_all(app, c),
        "integrations_list" => integrations_list(app, c),
        "integrations_create" => integrations_create(app, c),
        "integrations_get" => integrations_get(app, c),
        "integrations_update" => integrations_update(app, c),
        "integrations_archive" => integrations_archive(app, c),
        "integrations_validate" => integrations_validate(app, c),
        "integrations_getOAuthConfig" => oauth_config_get(app, c),
        "integrations_setOAuthConfig" => oauth_config_set(app, c),
        "integrations_deleteOAuthConfig" => oauth_config_delete(app, c),
        "integrations_addConnection" => connection_add(app, c),
        "integrations_getConnectionStatus" => connection_get(app, c),
        "integrations_revokeConnection" => connection_delete(app, c),
        "serviceAccounts_list" => sa_list(app, c),
        "serviceAccounts_create" => sa_create(app, c),
        "serviceAccounts_get" => sa_get(app, c),
        "serviceAccounts_revoke" => sa_revoke(app, c),
        "serviceAccounts_rotateSecret" => sa_rotate(app, c),
        "traces_list" => traces_list(app, c),
        "traces_stats" => traces_stats(app, c),
        "traces_get" => traces_get(app, c),
        "events_list" => events_list(app, c),
        "policies_getSettings" => Ok(ok(json!({"policyEnabled": read(&app.store).policy_enabled}))),
        "policies_listRules" => Ok(ok(Value::Array(read(&app.store).policy_rules.clone()))),
        other => Err(ApiError::new(StatusCode::NOT_IMPLEMENTED, format!("{other} is not implemented by the emulator"))),
    }
}

fn ok(v: Value) -> Out {
    Out::json(StatusCode::OK, &v)
}

fn created(v: Value) -> Out {
    Out::json(StatusCode::CREATED, &v)
}

fn no_content() -> Out {
    Out::empty(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------
// Cursor pagination: keyset on a per-object sequence number, so a walk sees every
// object that existed when it started exactly once, whatever is inserted meanwhile.

fn encode_cursor(seq: u64, id: &Uuid) -> String {
    let raw = json!({"id": id, "seq": seq}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(c: &str) -> Result<u64, ApiError> {
    let bad = || ApiError::bad_request("cursor: is invalid");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c.trim_end_matches('=')).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    v.get("seq").and_then(Value::as_u64).ok_or_else(bad)
}

fn page(order: &BTreeMap<u64, Uuid>, c: &Ctx) -> Result<(Vec<Uuid>, Option<String>), ApiError> {
    let limit = c.q_i64("limit").unwrap_or(50).clamp(1, 200) as usize;
    let after = match c.q_str("cursor") {
        Some(cur) if !cur.is_empty() => decode_cursor(cur)?,
        _ => 0,
    };
    let mut it = order.range((Bound::Excluded(after), Bound::Unbounded));
    let mut items = Vec::with_capacity(limit.min(order.len()));
    let mut last = None;
    for (seq, id) in it.by_ref().take(limit) {
        items.push(*id);
        last = Some((*seq, *id));
    }
    let next = match (it.next(), last) {
        (Some(_), Some((seq, id))) => Some(encode_cursor(seq, &id)),
        _ => None,
    };
    Ok((items, next))
}

fn list_json(items: Vec<Value>, next: Option<String>) -> Value {
    let mut v = json!({ "items": items });
    if let (Some(n), Some(obj)) = (next, v.as_object_mut()) {
        obj.insert("nextCursor".into(), Value::String(n));
    }
    v
}

// ---------------------------------------------------------------------------------
// Applications

fn app_not_found() -> ApiError {
    ApiError::not_found("Application not found")
}

fn integration_not_found() -> ApiError {
    ApiError::not_found("Integration not found")
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
}

fn new_app_secret() -> Secret {
    Secret(format!("app_secret_{}", random_text(24)))
}

/// Creates an application from a validated `CreateApplicationInput` (also used by seeds).
pub fn create_application(
    store: &mut Store,
    input: &Value,
    id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let name = input.get("name").and_then(Value::as_str).unwrap_or_default();
    let id = id.unwrap_or_else(new_uuid);
    if store.name_taken(Kind::App, name, id) {
        return Err(ApiError::conflict("An application with this name already exists"));
    }
    let o = input.get("oauth").cloned().unwrap_or_else(|| json!({}));
    let kind = o.get("type").and_then(Value::as_str).unwrap_or("confidential").to_owned();
    let client_secret = (kind == "confidential").then(new_app_secret);
    let seq = store.next_seq();
    if let Some(old) = store.applications.get(&id) {
        let (seq, old_name) = (old.seq, old.name.clone());
        store.app_order.remove(&seq);
        store.forget_name(Kind::App, &old_name, id);
    }
    let integration_ids = strings(input.get("integrationIds"))
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Uuid::try_parse(s).ok())
        .collect();
    store.applications.insert(
        id,
        Application {
            id,
            seq,
            name: name.to_owned(),
            description: input.get("description").and_then(Value::as_str).map(str::to_owned),
            client_id: format!("app_{id}"),
            created_at: now,
            updated_at: now,
            oauth: AppOAuth {
                kind,
                redirect_uris: strings(o.get("redirectUris")).unwrap_or_default(),
                pkce_required: o.get("pkceRequired").and_then(Value::as_bool).unwrap_or(true),
                scopes: strings(o.get("scopes")).unwrap_or_default(),
                allowed_resources: strings(o.get("allowedResources")).unwrap_or_default(),
                client_secret,
            },
            external_auth: None,
            partner_api_key: None,
            integration_ids,
            archived: false,
        },
    );
    store.app_order.insert(seq, id);
    store.rename(Kind::App, None, name, id);
    Ok(id)
}

fn applications_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let (ids, next) = page(&store.app_order, c)?;
    let items = ids.iter().filter_map(|id| store.applications.get(id)).map(|a| store.app_json(a, c.now)).collect();
    Ok(ok(list_json(items, next)))
}

fn applications_create(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let id = create_application(&mut store, &c.body, None, c.now)?;
    let a = store.applications.get(&id).ok_or_else(app_not_found)?;
    Ok(created(json!({
        "application": store.app_json(a, c.now),
        "oauth": app_oauth_json(a, &app.gateway_url, true),
    })))
}

fn access_graph(app: &App) -> Res {
    let store = read(&app.store);
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for a in store.app_order.values().filter_map(|i| store.applications.get(i)) {
        nodes.push(json!({"id": a.id, "type": "application", "name": a.name}));
        for i in &a.integration_ids {
            if store.live_integration(i).is_some() {
                edges.push(json!({"from": a.id, "to": i}));
            }
        }
    }
    for i in store.integration_order.values().filter_map(|i| store.integrations.get(i)) {
        nodes.push(json!({"id": i.id, "type": "integration", "name": i.name}));
    }
    Ok(ok(json!({"nodes": nodes, "edges": edges})))
}

fn applications_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let a = store.live_app(&c.id("id")).ok_or_else(app_not_found)?;
    Ok(ok(json!({"application": store.app_json(a, c.now)})))
}

fn applications_update(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let mut store = write(&app.store);
    let current = store.live_app(&id).ok_or_else(app_not_found)?;
    let confidential = current.oauth.kind == "confidential";
    let old_name = current.name.clone();
    if let Some(name) = c.body_str("name") {
        if store.name_taken(Kind::App, name, id) {
            return Err(ApiError::conflict("An application with this name already exists"));
        }
    }
    let external = match c.body.get("externalAuth") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(e) => {
            if !confidential {
                return Err(ApiError::bad_request("externalAuth: requires a confidential application"));
            }
            let mut stored = json!({
                "enabled": e.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                "issuer": e.get("issuer"),
                "jwksUrl": e.get("jwksUrl"),
                "audience": e.get("audience"),
                "allowedAlgorithms": e.get("allowedAlgorithms").cloned().unwrap_or_else(|| json!(["RS256"])),
                "requiredClaims": e.get("requiredClaims").cloned().unwrap_or_else(|| json!({})),
                "allowedReturnUrls": e.get("allowedReturnUrls").cloned().unwrap_or_else(|| json!([])),
                "maxTokenAgeSeconds": e.get("maxTokenAgeSeconds").cloned().unwrap_or_else(|| json!(600)),
            });
            if let Some(obj) = stored.as_object_mut() {
                obj.retain(|_, v| !v.is_null());
            }
            let key = e.get("partnerApiKey").and_then(Value::as_str).map(|k| Secret(k.to_owned()));
            Some(Some((stored, key)))
        }
    };
    let a = store.applications.get_mut(&id).ok_or_else(app_not_found)?;
    if let Some(name) = c.body_str("name") {
        a.name = name.to_owned();
    }
    match c.body.get("description") {
        Some(Value::Null) => a.description = None,
        Some(Value::String(d)) => a.description = Some(d.clone()),
        _ => {}
    }
    match external {
        Some(None) => {
            a.external_auth = None;
            a.partner_api_key = None;
        }
        Some(Some((stored, key))) => {
            a.external_auth = Some(stored);
            if key.is_some() {
                a.partner_api_key = key;
            }
        }
        None => {}
    }
    a.updated_at = c.now;
    if let Some(name) = c.body_str("name") {
        store.rename(Kind::App, Some(&old_name), name, id);
    }
    let a = store.live_app(&id).ok_or_else(app_not_found)?;
    Ok(ok(json!({"application": store.app_json(a, c.now)})))
}

fn applications_archive(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let mut store = write(&app.store);
    let a = store.applications.get_mut(&id).filter(|a| !a.archived).ok_or_else(app_not_found)?;
    a.archived = true;
    a.updated_at = c.now;
    let (seq, name) = (a.seq, a.name.clone());
    store.app_order.remove(&seq);
    store.forget_name(Kind::App, &name, id);
    let key = id.to_string();
    for s in store.sessions.values_mut().filter(|s| s.agent_id == key) {
        s.disconnect(c.now);
    }
    Ok(no_content())
}

fn applications_rotate(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let mut store = write(&app.store);
    let a = store.applications.get_mut(&id).filter(|a| !a.archived).ok_or_else(app_not_found)?;
    if a.oauth.kind != "confidential" {
        return Err(ApiError::bad_request("A public application has no client secret"));
    }
    a.oauth.client_secret = Some(new_app_secret());
    a.updated_at = c.now;
    Ok(ok(json!({"oauth": app_oauth_json(a, &app.gateway_url, true)})))
}

fn applications_get_oauth(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let a = store.live_app(&c.id("id")).ok_or_else(app_not_found)?;
    Ok(ok(json!({"oauth": app_oauth_json(a, &app.gateway_url, false)})))
}

fn applications_update_oauth(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let mut store = write(&app.store);
    let a = store.applications.get_mut(&id).filter(|a| !a.archived).ok_or_else(app_not_found)?;
    let b = &c.body;
    if let Some(kind) = b.get("type").and_then(Value::as_str) {
        if kind != a.oauth.kind {
            a.oauth.kind = kind.to_owned();
            // A public client has no secret; a client turned confidential gets one
            // (readable through rotate-secret).
            a.oauth.client_secret = (kind == "confidential").then(new_app_secret);
            if kind == "public" {
                a.external_auth = None;
                a.partner_api_key = None;
            }
        }
    }
    if let Some(v) = strings(b.get("redirectUris")) {
        a.oauth.redirect_uris = v;
    }
    if let Some(v) = b.get("pkceRequired").and_then(Value::as_bool) {
        a.oauth.pkce_required = v;
    }
    if let Some(v) = strings(b.get("scopes")) {
        a.oauth.scopes = v;
    }
    if let Some(v) = strings(b.get("allowedResources")) {
        a.oauth.allowed_resources = v;
    }
    a.updated_at = c.now;
    Ok(ok(json!({"oauth": app_oauth_json(a, &app.gateway_url, false)})))
}

fn ids_json(store: &Store, a: &Application) -> Value {
    let ids: Vec<String> =
        a.integration_ids.iter().filter(|i| store.live_integration(i).is_some()).map(Uuid::to_string).collect();
    json!({ "integrationIds": ids })
}

fn app_integrations(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let a = store.live_app(&c.id("id")).ok_or_else(app_not_found)?;
    Ok(ok(ids_json(&store, a)))
}

fn app_set_integrations(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let mut store = write(&app.store);
    store.live_app(&id).ok_or_else(app_not_found)?;
    let mut ids: Vec<Uuid> = Vec::new();
    for s in strings(c.body.get("integrationIds")).unwrap_or_default() {
        let iid = Uuid::try_parse(&s)
            .ok()
            .filter(|i| store.live_integration(i).is_some())
            .ok_or_else(|| ApiError::bad_request(format!("integrationIds: unknown integration {s}")))?;
        if !ids.contains(&iid) {
            ids.push(iid);
        }
    }
    let a = store.applications.get_mut(&id).ok_or_else(app_not_found)?;
    a.integration_ids = ids;
    a.updated_at = c.now;
    let a = store.live_app(&id).ok_or_else(app_not_found)?;
    Ok(ok(ids_json(&store, a)))
}

fn app_attach(app: &App, c: &Ctx) -> Res {
    let (id, iid) = (c.id("id"), c.id("integrationId"));
    let mut store = write(&app.store);
    store.live_app(&id).ok_or_else(app_not_found)?;
    store.live_integration(&iid).ok_or_else(integration_not_found)?;
    let a = store.applications.get_mut(&id).ok_or_else(app_not_found)?;
    if !a.integration_ids.contains(&iid) {
        a.integration_ids.push(iid);
        a.updated_at = c.now;
    }
    let a = store.live_app(&id).ok_or_else(app_not_found)?;
    Ok(ok(ids_json(&store, a)))
}

fn app_detach(app: &App, c: &Ctx) -> Res {
    let (id, iid) = (c.id("id"), c.id("integrationId"));
    let mut store = write(&app.store);
    let a = store.applications.get_mut(&id).filter(|a| !a.archived).ok_or_else(app_not_found)?;
    let before = a.integration_ids.len();
    a.integration_ids.retain(|i| *i != iid);
    if a.integration_ids.len() == before {
        return Err(ApiError::not_found("Integration is not attached to this application"));
    }
    a.updated_at = c.now;
    Ok(no_content())
}

// ---------------------------------------------------------------------------------
// Agent sessions

fn sessions_list(app: &App, c: &Ctx) -> Res {
    let id = c.id("applicationId");
    let store = read(&app.store);
    store.live_app(&id).ok_or_else(app_not_found)?;
    let mut status = c.q_str("status").unwrap_or("active");
    if status == "active" && c.q("includeInactive").and_then(Value::as_bool) == Some(true) {
        status = "all";
    }
    let limit = c.q_i64("limit").unwrap_or(100).clamp(1, 200) as usize;
    let key = id.to_string();
    let mut sessions: Vec<_> = store
        .sessions
        .values()
        .filter(|s| s.agent_id == key)
        .filter(|s| {
            let live = matches!(s.derived(c.now), "active" | "idle");
            match status {
                "active" => live,
                "inactive" => !live,
                _ => true,
            }
        })
        .collect();
    // Newest first; the id breaks ties so the order is stable.
    sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let items: Vec<Value> = sessions.into_iter().take(limit).map(|s| s.to_json(c.now)).collect();
    Ok(ok(json!({ "items": items })))
}

fn sessions_get(app: &App, c: &Ctx) -> Res {
    let id = c.id("applicationId");
    let store = read(&app.store);
    store.live_app(&id).ok_or_else(app_not_found)?;
    let key = id.to_string();
    let s = store
        .sessions
        .get(&c.id("sessionId"))
        .filter(|s| s.agent_id == key)
        .ok_or_else(|| ApiError::not_found("Session not found"))?;
    Ok(ok(json!({"session": s.to_json(c.now)})))
}

fn sessions_revoke_all(app: &App, c: &Ctx) -> Res {
    let id = c.id("applicationId");
    let mut store = write(&app.store);
    store.live_app(&id).ok_or_else(app_not_found)?;
    let key = id.to_string();
    let n = store
        .sessions
        .values_mut()
        .filter(|s| s.agent_id == key)
        .map(|s| s.disconnect(c.now))
        .filter(|changed| *changed)
        .count();
    Ok(ok(json!({"success": true, "disconnectedCount": n})))
}

// ---------------------------------------------------------------------------------
// Integrations

fn oauth_input(v: &Value) -> Value {
    let mut o = Map::new();
    for k in ["provider", "issuer", "scopes"] {
        if let Some(x) = v.get(k) {
            o.insert(k.into(), x.clone());
        }
    }
    o.insert("metadata".into(), Value::Null);
    Value::Object(o)
}

/// Creates an integration from a validated `CreateIntegrationInput` (also used by seeds).
pub fn create_integration(
    store: &mut Store,
    b: &Value,
    id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let name = b.get("name").and_then(Value::as_str).unwrap_or_default();
    let id = id.unwrap_or_else(new_uuid);
    if store.name_taken(Kind::Integration, name, id) {
        return Err(ApiError::conflict("An integration with this name already exists"));
    }
    let mode = b.get("authMode").and_then(Value::as_str).unwrap_or("none");
    let server_token = b.get("serverToken").and_then(Value::as_str);
    match (mode, server_token) {
        ("server_token", None) => {
            return Err(ApiError::bad_request("serverToken: is required when authMode is server_token"))
        }
        (m, Some(_)) if m != "server_token" => {
            return Err(ApiError::bad_request("serverToken: is only allowed when authMode is server_token"))
        }
        _ => {}
    }
    if b.get("oauth").is_some() && mode != "oauth" {
        return Err(ApiError::bad_request("oauth: is only allowed when authMode is oauth"));
    }
    let seq = store.next_seq();
    if let Some(old) = store.integrations.get(&id) {
        let (seq, old_name) = (old.seq, old.name.clone());
        store.integration_order.remove(&seq);
        store.forget_name(Kind::Integration, &old_name, id);
    }
    store.integrations.insert(
        id,
        Integration {
            id,
            seq,
            name: name.to_owned(),
            url: b.get("url").and_then(Value::as_str).unwrap_or_default().to_owned(),
            auth_mode: mode.to_owned(),
            category: b.get("category").and_then(Value::as_str).unwrap_or("gateway_remote_mcp").to_owned(),
            capabilities: b.get("capabilities").cloned(),
            credential_schema: b.get("credentialSchema").cloned(),
            oauth: (mode == "oauth").then(|| oauth_input(b.get("oauth").unwrap_or(&Value::Null))),
            server_token: server_token.map(|t| Secret(t.to_owned())),
            validation_status: b.get("validationStatus").and_then(Value::as_str).map(str::to_owned),
            oauth_config: None,
            created_at: now,
            updated_at: now,
            archived: false,
        },
    );
    store.integration_order.insert(seq, id);
    store.rename(Kind::Integration, None, name, id);
    Ok(id)
}

fn integrations_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let (ids, next) = page(&store.integration_order, c)?;
    let items = ids.iter().filter_map(|id| store.integrations.get(id)).map(integration_json).collect();
    Ok(ok(list_json(items, next)))
}

fn integrations_create(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let id = create_integration(&mut store, &c.body, None, c.now)?;
    let i = store.integrations.get(&id).ok_or_else(integration_not_found)?;
    Ok(created(json!({"integration": integration_json(i)})))
}

fn integrations_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let i = store.live_integration(&c.id("id")).ok_or_else(integration_not_found)?;
    Ok(ok(json!({"integration": integration_json(i)})))
}

fn integrations_update(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let b = &c.body;
    let mut store = write(&app.store);
    let current = store.live_integration(&id).ok_or_else(integration_not_found)?;
    let old_name = current.name.clone();
    if let Some(name) = b.get("name").and_then(Value::as_str) {
        if store.name_taken(Kind::Integration, name, id) {
            return Err(ApiError::conflict("An integration with this name already exists"));
        }
    }
    // The authMode rules of create apply to the result of the update.
    let mode = b.get("authMode").and_then(Value::as_str).unwrap_or(&current.auth_mode).to_owned();
    let new_token = b.get("serverToken").and_then(Value::as_str);
    if new_token.is_some() && mode != "server_token" {
        return Err(ApiError::bad_request("serverToken: is only allowed when authMode is server_token"));
    }
    if mode == "server_token" && new_token.is_none() && current.server_token.is_none() {
        return Err(ApiError::bad_request("serverToken: is required when authMode is server_token"));
    }
    if b.get("oauth").is_some() && mode != "oauth" {
        return Err(ApiError::bad_request("oauth: is only allowed when authMode is oauth"));
    }
    let i = store.integrations.get_mut(&id).ok_or_else(integration_not_found)?;
    if let Some(name) = b.get("name").and_then(Value::as_str) {
        i.name = name.to_owned();
    }
    if let Some(url) = b.get("url").and_then(Value::as_str) {
        if url != i.url {
            i.url = url.to_owned();
            // A new endpoint has not been validated yet.
            i.validation_status = None;
            if let Some(o) = i.oauth.as_mut().and_then(Value::as_object_mut) {
                o.insert("metadata".into(), Value::Null);
            }
        }
    }
    if let Some(cat) = b.get("category").and_then(Value::as_str) {
        i.category = cat.to_owned();
    }
    if let Some(caps) = b.get("capabilities") {
        i.capabilities = Some(caps.clone());
    }
    if let Some(cs) = b.get("credentialSchema") {
        i.credential_schema = Some(cs.clone());
    }
    if mode != "server_token" {
        i.server_token = None;
    } else if let Some(t) = new_token {
        i.server_token = Some(Secret(t.to_owned()));
    }
    if mode != "oauth" {
        i.oauth = None;
    } else if let Some(o) = b.get("oauth") {
        i.oauth = Some(oauth_input(o));
    } else if i.oauth.is_none() {
        i.oauth = Some(oauth_input(&Value::Null));
    }
    i.auth_mode = mode;
    i.updated_at = c.now;
    let out = json!({"integration": integration_json(i)});
    if let Some(name) = b.get("name").and_then(Value::as_str) {
        store.rename(Kind::Integration, Some(&old_name), name, id);
    }
    Ok(ok(out))
}

fn integrations_archive(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let mut store = write(&app.store);
    let i = store.integrations.get_mut(&id).filter(|i| !i.archived).ok_or_else(integration_not_found)?;
    i.archived = true;
    i.updated_at = c.now;
    let (seq, name) = (i.seq, i.name.clone());
    store.integration_order.remove(&seq);
    store.forget_name(Kind::Integration, &name, id);
    for a in store.applications.values_mut() {
        a.integration_ids.retain(|x| *x != id);
    }
    Ok(no_content())
}

fn integrations_validate(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let i = store.integrations.get_mut(&c.id("id")).filter(|i| !i.archived).ok_or_else(integration_not_found)?;
    // Deterministic stand-in for a connectivity check: https endpoints are reachable.
    let valid = i.url.to_ascii_lowercase().starts_with("https://") && i.url.len() > 8;
    let (status, message) = if valid {
        ("valid", format!("Connected to {}", i.url))
    } else {
        ("invalid", "The MCP endpoint must be an https URL".to_owned())
    };
    i.validation_status = Some(status.to_owned());
    if let Some(o) = i.oauth.as_mut().and_then(Value::as_object_mut) {
        let metadata = if valid {
            let origin: String = {
                let rest = &i.url["https://".len()..];
                let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
                format!("https://{host}")
            };
            let issuer = o.get("issuer").and_then(Value::as_str).map_or(origin, str::to_owned);
            let issuer = issuer.trim_end_matches('/').to_owned();
            json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/oauth/authorize"),
                "token_endpoint": format!("{issuer}/oauth/token"),
                "scopes_supported": o.get("scopes").cloned().unwrap_or_else(|| json!([])),
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            })
        } else {
            Value::Null
        };
        o.insert("metadata".into(), metadata);
    }
    i.updated_at = c.now;
    Ok(ok(json!({"status": status, "message": message})))
}

fn oauth_config_json(o: &IntegrationOAuthConfig) -> Value {
    json!({"oauth": {
        "clientId": o.client_id,
        "authorizationUrl": o.authorization_url,
        "tokenUrl": o.token_url,
        "scopes": o.scopes,
        "clientSecretConfigured": true,
    }})
}

fn oauth_config_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let i = store.live_integration(&c.id("id")).ok_or_else(integration_not_found)?;
    let o = i.oauth_config.as_ref().ok_or_else(|| ApiError::not_found("OAuth configuration not found"))?;
    Ok(ok(oauth_config_json(o)))
}

fn oauth_config_set(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let i = store.integrations.get_mut(&c.id("id")).filter(|i| !i.archived).ok_or_else(integration_not_found)?;
    let s = |k: &str| c.body_str(k).unwrap_or_default().to_owned();
    let cfg = IntegrationOAuthConfig {
        client_id: s("clientId"),
        client_secret: Secret(s("clientSecret")),
        authorization_url: s("authorizationUrl"),
        token_url: s("tokenUrl"),
        scopes: strings(c.body.get("scopes")).unwrap_or_default(),
    };
    let out = oauth_config_json(&cfg);
    i.oauth_config = Some(cfg);
    i.updated_at = c.now;
    Ok(ok(out))
}

fn oauth_config_delete(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let i = store.integrations.get_mut(&c.id("id")).filter(|i| !i.archived).ok_or_else(integration_not_found)?;
    if i.oauth_config.take().is_none() {
        return Err(ApiError::not_found("OAuth configuration not found"));
    }
    i.updated_at = c.now;
    Ok(no_content())
}

fn connection_json(iid: &Uuid, conn: Option<&Connection>) -> Value {
    match conn {
        Some(k) => json!({"connection": {
            "integrationId": iid,
            "status": "connected",
            "connected": true,
            "displayName": k.display_name,
            "expiresAt": null,
            "connectedAt": ts(&k.connected_at),
        }}),
        None => json!({"connection": {
            "integrationId": iid,
            "status": "not_connected",
            "connected": false,
            "displayName": null,
            "expiresAt": null,
            "connectedAt": null,
        }}),
    }
}

fn connection_add(app: &App, c: &Ctx) -> Res {
    let iid = c.id("id");
    let mut store = write(&app.store);
    let i = store.live_integration(&iid).ok_or_else(integration_not_found)?;
    if i.auth_mode != "user_token" {
        return Err(ApiError::bad_request("Connections are only supported for integrations with authMode user_token"));
    }
    let conn = Connection {
        integration_id: iid,
        owner: c.caller.clone(),
        token: Secret(c.body_str("token").unwrap_or_default().to_owned()),
        display_name: c.body_str("displayName").map(str::to_owned),
        connected_at: c.now,
    };
    store.connections.retain(|k| !(k.integration_id == iid && k.owner == c.caller));
    let out = connection_json(&iid, Some(&conn));
    store.connections.push(conn);
    Ok(created(out))
}

fn connection_get(app: &App, c: &Ctx) -> Res {
    let iid = c.id("id");
    let store = read(&app.store);
    store.live_integration(&iid).ok_or_else(integration_not_found)?;
    let conn = store.connections.iter().find(|k| k.integration_id == iid && k.owner == c.caller);
    Ok(ok(connection_json(&iid, conn)))
}

fn connection_delete(app: &App, c: &Ctx) -> Res {
    let iid = c.id("id");
    let mut store = write(&app.store);
    store.live_integration(&iid).ok_or_else(integration_not_found)?;
    let before = store.connections.len();
    store.connections.retain(|k| !(k.integration_id == iid && k.owner == c.caller));
    if store.connections.len() == before {
        return Err(ApiError::not_found("Connection not found"));
    }
    Ok(no_content())
}

// ---------------------------------------------------------------------------------
// Service accounts

fn sa_not_found() -> ApiError {
    ApiError::not_found("Service account not found")
}

/// Creates a service account from a validated `CreateServiceAccountInput` (also used
/// by seeds, which may fix the secret).
pub fn create_service_account(
    store: &mut Store,
    b: &Value,
    id: Option<Uuid>,
    secret: Option<String>,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let name = b.get("name").and_then(Value::as_str).unwrap_or_default();
    let id = id.unwrap_or_else(new_uuid);
    if store.name_taken(Kind::ServiceAccount, name, id) {
        return Err(ApiError::conflict("A service account with this name already exists"));
    }
    let seq = store.next_seq();
    if let Some(old) = store.service_accounts.get(&id) {
        let (seq, old_name) = (old.seq, old.name.clone());
        store.sa_order.remove(&seq);
        store.forget_name(Kind::ServiceAccount, &old_name, id);
    }
    store.service_accounts.insert(
        id,
        ServiceAccount {
            id,
            seq,
            name: name.to_owned(),
            description: b.get("description").and_then(Value::as_str).map(str::to_owned),
            client_id: format!("sa_{id}"),
            secret: Secret(secret.unwrap_or_else(|| random_text(32))),
            created_at: now,
            updated_at: now,
            last_used_at: None,
        },
    );
    store.sa_order.insert(seq, id);
    store.rename(Kind::ServiceAccount, None, name, id);
    Ok(id)
}

fn sa_with_credentials(sa: &ServiceAccount) -> Value {
    json!({
        "serviceAccount": sa_json(sa),
        "credentials": {"clientId": sa.client_id, "clientSecret": sa.secret.0},
    })
}

fn sa_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let (ids, next) = page(&store.sa_order, c)?;
    let items = ids.iter().filter_map(|id| store.service_accounts.get(id)).map(sa_json).collect();
    Ok(ok(list_json(items, next)))
}

fn sa_create(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let id = create_service_account(&mut store, &c.body, None, None, c.now)?;
    let sa = store.service_accounts.get(&id).ok_or_else(sa_not_found)?;
    Ok(created(sa_with_credentials(sa)))
}

fn sa_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let sa = store.service_accounts.get(&c.id("id")).ok_or_else(sa_not_found)?;
    Ok(ok(json!({"serviceAccount": sa_json(sa)})))
}

fn sa_revoke(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let sa = {
        let mut store = write(&app.store);
        let sa = store.service_accounts.remove(&id).ok_or_else(sa_not_found)?;
        store.sa_order.remove(&sa.seq);
        store.forget_name(Kind::ServiceAccount, &sa.name, id);
        sa
    };
    // Its tokens stop working at once (authenticate also checks the account exists).
    write(&app.tokens).remove_service_account(sa.id);
    Ok(no_content())
}

fn sa_rotate(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let sa = store.service_accounts.get_mut(&c.id("id")).ok_or_else(sa_not_found)?;
    // Tokens minted with the old secret stay valid until they expire.
    sa.secret = Secret(random_text(32));
    sa.updated_at = c.now;
    Ok(ok(sa_with_credentials(sa)))
}

// ---------------------------------------------------------------------------------
// Traces, events, stats

fn field<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn traces_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let limit = c.q_i64("limit").unwrap_or(50).clamp(1, 200) as usize;
    let offset = c.q_i64("offset").unwrap_or(0).max(0) as usize;
    let agent = c.q_str("agentId").or(c.q_str("applicationId"));
    let items: Vec<Value> = store
        .traces
        .iter()
        .filter(|t| c.q_str("userId").is_none_or(|u| field(t, "ownerUserId") == u))
        .filter(|t| c.q_str("sessionId").is_none_or(|s| field(t, "sessionId") == s))
        .filter(|t| agent.is_none_or(|a| field(t, "agentId") == a))
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    Ok(ok(json!({ "items": items })))
}

fn traces_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let trace_id = c.param("traceId");
    let t = store
        .traces
        .iter()
        .find(|t| field(t, "traceId") == trace_id)
        .filter(|t| c.q_str("userId").is_none_or(|u| field(t, "ownerUserId") == u))
        .ok_or_else(|| ApiError::not_found("Trace not found"))?;
    let mut events: Vec<Value> = store.events.iter().filter(|e| field(e, "traceId") == trace_id).cloned().collect();
    events.sort_by(|a, b| field(a, "createdAt").cmp(field(b, "createdAt")));
    Ok(ok(json!({"trace": t, "events": events})))
}

fn events_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let limit = c.q_i64("limit").unwrap_or(50).clamp(1, 200) as usize;
    let items: Vec<Value> = store.events.iter().take(limit).cloned().collect();
    Ok(ok(json!({ "items": items })))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn traces_stats(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let days = match c.q_str("period").unwrap_or("7d") {
        "1d" => 1,
        "30d" => 30,
        _ => 7,
    };
    let cutoff = ts(&(c.now - chrono::Duration::days(days)));
    let user = c.q_str("userId");
    let total_traces = store
        .traces
        .iter()
        .filter(|t| field(t, "startedAt") >= cutoff.as_str())
        .filter(|t| user.is_none_or(|u| field(t, "ownerUserId") == u))
        .count();
    let events: Vec<&Value> = store
        .events
        .iter()
        .filter(|e| field(e, "createdAt") >= cutoff.as_str())
        .filter(|e| user.is_none_or(|u| field(e, "authenticatedUserId") == u))
        .collect();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut tools: BTreeMap<&str, u64> = BTreeMap::new();
    let mut latencies = Vec::new();
    let (mut bytes_in, mut bytes_out) = (0u64, 0u64);
    for e in &events {
        *counts.entry(field(e, "status")).or_default() += 1;
        if let Some(t) = e.get("toolName").and_then(Value::as_str) {
            *tools.entry(t).or_default() += 1;
        }
        if let Some(d) = e.get("durationMs").and_then(Value::as_f64) {
            latencies.push(d);
        }
        let size = |k: &str| e.get(k).filter(|v| !v.is_null()).map_or(0, |v| v.to_string().len() as u64);
        bytes_in += size("requestJson");
        bytes_out += size("responseJson");
    }
    latencies.sort_by(f64::total_cmp);
    let errors: u64 = counts.iter().filter(|(k, _)| k.starts_with("error")).map(|(_, n)| n).sum();
    let error_rate = if events.is_empty() { 0.0 } else { errors as f64 * 100.0 / events.len() as f64 };
    let mut top: Vec<(&str, u64)> = tools.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Ok(ok(json!({
        "totalTraces": total_traces,
        "totalEvents": events.len(),
        "eventCounts": counts,
        "errorRate": error_rate,
        "latency": {
            "p50": percentile(&latencies, 50.0),
            "p95": percentile(&latencies, 95.0),
            "p99": percentile(&latencies, 99.0),
        },
        "bytesTransferred": {"in": bytes_in, "out": bytes_out},
        "errorsByType": counts.iter().filter(|(k, _)| k.starts_with("error"))
            .map(|(k, n)| json!({"type": k, "count": n})).collect::<Vec<_>>(),
        "topTools": top.iter().take(10)
            .map(|(t, n)| json!({"toolName": t, "count": n})).collect::<Vec<_>>(),
    })))
}
