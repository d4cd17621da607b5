//! Integrations, their OAuth configuration and connections.

use crate::locks::{read, write};
use crate::reply::ApiError;
use crate::state::App;
use crate::store::{
    integration_json, new_uuid, ts, Connection, Integration, IntegrationOAuthConfig, Kind, Secret, Store,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::common::*;

// ---------------------------------------------------------------------------------
// Integrations

pub(super) fn oauth_input(v: &Value) -> Value {
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

pub(super) fn integrations_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let (ids, next) = page(&store.integration_order, c)?;
    let items = ids.iter().filter_map(|id| store.integrations.get(id)).map(integration_json).collect();
    Ok(ok(list_json(items, next)))
}

pub(super) fn integrations_create(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let id = create_integration(&mut store, &c.body, None, c.now)?;
    let i = store.integrations.get(&id).ok_or_else(integration_not_found)?;
    Ok(created(json!({"integration": integration_json(i)})))
}

pub(super) fn integrations_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let i = store.live_integration(&c.id("id")).ok_or_else(integration_not_found)?;
    Ok(ok(json!({"integration": integration_json(i)})))
}

pub(super) fn integrations_update(app: &App, c: &Ctx) -> Res {
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

pub(super) fn integrations_archive(app: &App, c: &Ctx) -> Res {
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

pub(super) fn integrations_validate(app: &App, c: &Ctx) -> Res {
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

pub(super) fn oauth_config_json(o: &IntegrationOAuthConfig) -> Value {
    json!({"oauth": {
        "clientId": o.client_id,
        "authorizationUrl": o.authorization_url,
        "tokenUrl": o.token_url,
        "scopes": o.scopes,
        "clientSecretConfigured": true,
    }})
}

pub(super) fn oauth_config_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let i = store.live_integration(&c.id("id")).ok_or_else(integration_not_found)?;
    let o = i.oauth_config.as_ref().ok_or_else(|| ApiError::not_found("OAuth configuration not found"))?;
    Ok(ok(oauth_config_json(o)))
}

pub(super) fn oauth_config_set(app: &App, c: &Ctx) -> Res {
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

pub(super) fn oauth_config_delete(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let i = store.integrations.get_mut(&c.id("id")).filter(|i| !i.archived).ok_or_else(integration_not_found)?;
    if i.oauth_config.take().is_none() {
        return Err(ApiError::not_found("OAuth configuration not found"));
    }
    i.updated_at = c.now;
    Ok(no_content())
}

pub(super) fn connection_json(iid: &Uuid, conn: Option<&Connection>) -> Value {
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

pub(super) fn connection_add(app: &App, c: &Ctx) -> Res {
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

pub(super) fn connection_get(app: &App, c: &Ctx) -> Res {
    let iid = c.id("id");
    let store = read(&app.store);
    store.live_integration(&iid).ok_or_else(integration_not_found)?;
    let conn = store.connections.iter().find(|k| k.integration_id == iid && k.owner == c.caller);
    Ok(ok(connection_json(&iid, conn)))
}

pub(super) fn connection_delete(app: &App, c: &Ctx) -> Res {
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
