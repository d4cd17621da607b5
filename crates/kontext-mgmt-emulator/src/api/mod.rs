//! The `/api/v1` operations. Requests reach the handlers already authenticated,
//! rate-limited and validated against the spec; handlers only implement semantics.

mod applications;
mod common;
mod decisions;
mod directory;
mod integrations;
mod org_tokens;
#[cfg(feature = "cedar")]
mod policy;
mod releases;
mod service_accounts;
mod sessions;
mod settings;
mod traces;

use crate::locks::read;
use crate::reply::{ApiError, Out};
use crate::spec::{is_uuid, Loc, Operation, PathItem, Segment};
use crate::state::App;
use crate::token;
use axum::http::{header, request::Parts, Method, StatusCode};
use chrono::Utc;
use serde_json::{Map, Value};

use applications::*;
use common::*;
use decisions::*;
use directory::*;
use integrations::*;
use org_tokens::{tokens_create, tokens_list, tokens_revoke, INSTALL, SCIM};
#[cfg(feature = "cedar")]
use policy::*;
use releases::*;
use service_accounts::*;
use sessions::*;
use settings::*;
use traces::*;

pub use applications::create_application;
pub use integrations::create_integration;
pub use org_tokens::{INSTALL as INSTALL_TOKENS, SCIM as SCIM_TOKENS};
pub use service_accounts::create_service_account;

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
    let scope_check = token::authorize(op, &caller.scope);
    let caller = caller.client_id;
    if let Err(secs) = app.rate_check(&caller) {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
        e.retry_after = Some(secs);
        return (e.into_out(), Value::Null);
    }
    if let Err(e) = scope_check {
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
    // Header parameters the spec declares (If-Match, …); others are not the handlers' business.
    let mut headers = Vec::new();
    for p in op.params.iter().filter(|p| p.loc == Loc::Header) {
        if let Some(v) = parts.headers.get(p.name.as_str()) {
            let v = v.to_str().map_err(|_| ApiError::bad_request(format!("{}: must be visible ASCII", p.name)))?;
            headers.push((p.name.clone(), v.to_owned()));
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
    Ok(Ctx { caller, params, query, headers, body: parsed, now: Utc::now() })
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
        "policies_getSettings" => settings_get(app),
        "policies_updateSettings" => settings_update(app, c),
        "decisions_list" => decisions_list(app, c),
        "decisions_get" => decisions_get(app, c),
        "releases_list" => releases_list(app, c),
        "releases_getLatest" => releases_latest(app),
        "releases_createDownloadUrl" => releases_download_url(app, c),
        "installTokens_list" => tokens_list(app, c, INSTALL),
        "installTokens_create" => tokens_create(app, c, INSTALL),
        "installTokens_revoke" => tokens_revoke(app, c, INSTALL),
        "directory_listScimTokens" => tokens_list(app, c, SCIM),
        "directory_createScimToken" => tokens_create(app, c, SCIM),
        "directory_revokeScimToken" => tokens_revoke(app, c, SCIM),
        "directory_getStatus" => directory_status(app),
        "directory_listGroups" => directory_groups(app, c),
        "directory_getReconciliation" => directory_reconciliation(app),
        "policies_listRules" => Ok(ok(Value::Array(read(&app.store).policy_rules.clone()))),
        #[cfg(feature = "cedar")]
        "policies_getPolicy" => policy_get(app),
        #[cfg(feature = "cedar")]
        "policies_putPolicy" => policy_put(app, c),
        #[cfg(feature = "cedar")]
        "policies_validate" => policy_validate(c),
        #[cfg(feature = "cedar")]
        "policies_getDeployment" => deployment_get(app),
        #[cfg(feature = "cedar")]
        "policies_listVersions" => versions_list(app, c),
        #[cfg(feature = "cedar")]
        "policies_getVersion" => version_get(app, c),
        #[cfg(feature = "cedar")]
        "policies_listRuleTemplates" => Ok(templates_list()),
        #[cfg(feature = "cedar")]
        "policies_applyAction" => action_apply(app, c),
        #[cfg(feature = "cedar")]
        "policies_replay" => replay(app, c),
        #[cfg(feature = "cedar")]
        "policies_listBlocked" => blocked_list(app, c),
        #[cfg(not(feature = "cedar"))]
        "policies_getPolicy" | "policies_putPolicy" | "policies_validate" | "policies_getDeployment"
        | "policies_listVersions" | "policies_getVersion" | "policies_listRuleTemplates" | "policies_applyAction"
        | "policies_replay" | "policies_listBlocked" => Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "The Cedar policy routes are not in this build of the emulator (the SDK packages' test kit leaves the Cedar engine out); the kontext-emulator built with cargo has them",
        )),
        other => Err(ApiError::new(StatusCode::NOT_IMPLEMENTED, format!("{other} is not implemented by the emulator"))),
    }
}
