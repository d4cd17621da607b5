//! Applications, their OAuth settings and their integrations.

use crate::locks::{read, write};
use crate::reply::ApiError;
use crate::state::App;
use crate::store::{app_oauth_json, new_uuid, random_text, AppOAuth, Application, Kind, Secret, Store};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::common::*;

// ---------------------------------------------------------------------------------
// Applications

pub(super) fn new_app_secret() -> Secret {
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

pub(super) fn applications_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let (ids, next) = page(&store.app_order, c)?;
    let items = ids.iter().filter_map(|id| store.applications.get(id)).map(|a| store.app_json(a, c.now)).collect();
    Ok(ok(list_json(items, next)))
}

pub(super) fn applications_create(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let id = create_application(&mut store, &c.body, None, c.now)?;
    let a = store.applications.get(&id).ok_or_else(app_not_found)?;
    Ok(created(json!({
        "application": store.app_json(a, c.now),
        "oauth": app_oauth_json(a, &app.gateway_url, true),
    })))
}

pub(super) fn access_graph(app: &App) -> Res {
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

pub(super) fn applications_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let a = store.live_app(&c.id("id")).ok_or_else(app_not_found)?;
    Ok(ok(json!({"application": store.app_json(a, c.now)})))
}

pub(super) fn applications_update(app: &App, c: &Ctx) -> Res {
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

pub(super) fn applications_archive(app: &App, c: &Ctx) -> Res {
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

pub(super) fn applications_rotate(app: &App, c: &Ctx) -> Res {
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

pub(super) fn applications_get_oauth(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let a = store.live_app(&c.id("id")).ok_or_else(app_not_found)?;
    Ok(ok(json!({"oauth": app_oauth_json(a, &app.gateway_url, false)})))
}

pub(super) fn applications_update_oauth(app: &App, c: &Ctx) -> Res {
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

pub(super) fn ids_json(store: &Store, a: &Application) -> Value {
    let ids: Vec<String> =
        a.integration_ids.iter().filter(|i| store.live_integration(i).is_some()).map(Uuid::to_string).collect();
    json!({ "integrationIds": ids })
}

pub(super) fn app_integrations(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let a = store.live_app(&c.id("id")).ok_or_else(app_not_found)?;
    Ok(ok(ids_json(&store, a)))
}

pub(super) fn app_set_integrations(app: &App, c: &Ctx) -> Res {
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

pub(super) fn app_attach(app: &App, c: &Ctx) -> Res {
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

pub(super) fn app_detach(app: &App, c: &Ctx) -> Res {
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
