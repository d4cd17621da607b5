//! `POST /oauth2/token` (client credentials, Ory Hydra style) and bearer-token checks
//! for `/api/v1`.

use crate::locks::{read, write};
use crate::reply::{ApiError, Out};
use crate::spec::Operation;
use crate::state::App;
use crate::store::{random_text, Secret, Token};
use axum::http::{header, request::Parts, HeaderMap, Method, StatusCode};
use base64::Engine;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use uuid::Uuid;

/// The scope that grants every operation (and the default of a token request).
pub const SCOPE: &str = "management:all";

/// What a token request without `scope` gets.
const DEFAULT_SCOPE: &str = SCOPE;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Out {
    Out::json(status, &json!({"error": error, "error_description": description}))
        .header(header::CACHE_CONTROL, "no-store")
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Handles the token endpoint. The returned JSON is what the request log shows: the
/// form without `client_secret`.
pub fn handle(app: &App, parts: &Parts, body: &[u8]) -> (Out, Value) {
    if parts.method != Method::POST {
        let out =
            oauth_error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "The token endpoint only accepts POST")
                .header(header::ALLOW, "POST");
        return (out, Value::Null);
    }
    let form_ct = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !form_ct {
        return (
            oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The request must be application/x-www-form-urlencoded",
            ),
            Value::Null,
        );
    }
    let mut form: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(body) {
        // First value wins; repeated parameters are not something clients send.
        if !form.iter().any(|(n, _)| *n == k) {
            form.push((k.into_owned(), v.into_owned()));
        }
    }
    let logged = {
        let mut m = serde_json::Map::new();
        for (k, v) in &form {
            if k != "client_secret" {
                m.insert(k.clone(), Value::String(v.clone()));
            }
        }
        Value::Object(m)
    };
    let out = mint(app, &parts.headers, &form);
    (out, logged)
}

fn mint(app: &App, headers: &HeaderMap, form: &[(String, String)]) -> Out {
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match get("grant_type") {
        None | Some("") => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The request is missing the required parameter grant_type",
            )
        }
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server",
            )
        }
    }
    // Client authentication: HTTP Basic (client_secret_basic) or form fields
    // (client_secret_post).
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        })
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            // RFC 6749 §2.3.1: both parts are form-urlencoded before encoding.
            Some((decode_component(id), decode_component(secret)))
        });
    let used_basic = basic.is_some();
    let (client_id, client_secret) = match basic {
        Some(pair) => pair,
        None => match (get("client_id"), get("client_secret")) {
            (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
            _ => (String::new(), String::new()),
        },
    };
    let Some(sa_id) = authenticate_client(app, &client_id, &client_secret) else {
        let out = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
        return if used_basic { out.header(header::WWW_AUTHENTICATE, "Basic realm=\"kontext\"") } else { out };
    };
    let scope = match granted_scope(app, get("scope").unwrap_or("")) {
        Ok(scope) => scope,
        Err(out) => return out,
    };
    if let Some(audience) = get("audience") {
        if !audience_ok(app, headers, audience) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The requested audience is not allowed: use this server's <url>/api/v1",
            );
        }
    }
    let ttl = app.config.token_ttl;
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    let token = issue(app, &client_id, sa_id, &scope, ttl_ms);
    if let Some(id) = sa_id {
        if let Some(sa) = write(&app.store).service_accounts.get_mut(&id) {
            sa.last_used_at = Some(chrono::Utc::now());
        }
    }
    app.persist();
    Out::json(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": ttl.as_secs(),
            "scope": scope,
        }),
    )
    .header(header::CACHE_CONTROL, "no-store")
    .header(header::PRAGMA, "no-cache")
}

/// The scopes a token request gets: the requested ones (each declared by the spec),
/// space-separated and once each; [`DEFAULT_SCOPE`] when none is requested.
fn granted_scope(app: &App, requested: &str) -> Result<String, Out> {
    let mut scopes: Vec<&str> = Vec::new();
    for s in requested.split_whitespace() {
        if !app.spec.known_scopes.iter().any(|k| k == s) {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed",
            ));
        }
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    Ok(if scopes.is_empty() { DEFAULT_SCOPE.to_owned() } else { scopes.join(" ") })
}

/// An `audience` names this server's API: `http://<the address it listens on>/api/v1`, or
/// the host the client reached it by (`Host`), over http or https; a trailing `/` is fine.
fn audience_ok(app: &App, headers: &HeaderMap, audience: &str) -> bool {
    let audience = audience.trim().trim_end_matches('/');
    if audience.is_empty() || audience == app.api_url {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    !host.is_empty()
        && ["http", "https"].iter().any(|scheme| {
            audience.strip_prefix(scheme).and_then(|r| r.strip_prefix("://")).and_then(|r| r.strip_suffix("/api/v1"))
                == Some(host)
        })
}

/// Whether a token's scopes (space-separated) let it call `op`; else the 403
/// `insufficient_scope` naming the operation's own scope (the spec's `security` of it).
pub fn authorize(op: &Operation, token_scope: &str) -> Result<(), ApiError> {
    if op.scopes.is_empty() || token_scope.split_whitespace().any(|s| op.scopes.iter().any(|o| o == s)) {
        return Ok(());
    }
    let specific: Vec<&String> = op.scopes.iter().filter(|s| *s != SCOPE).collect();
    let missing: Vec<&String> = if specific.is_empty() { op.scopes.iter().collect() } else { specific };
    let list = missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let hint = format!("Request a token with scope {list} (or {SCOPE}) from a service account that may have it.");
    Err(ApiError::new(StatusCode::FORBIDDEN, format!("The token lacks the scope {list}"))
        .with("error", json!("insufficient_scope"))
        .with("missingScopes", json!(missing))
        .with("hint", json!(hint)))
}

/// Undoes the form-urlencoding RFC 6749 §2.3.1 puts on the client id and secret inside
/// Basic credentials: `+` is a space and `%XX` a byte. Only the one component is
/// decoded, so a raw `&` or `=` stays part of it. Ids and secrets without `%` or `+`
/// come out as they went in.
fn decode_component(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// `Some(None)` for the bootstrap credential, `Some(Some(id))` for a service account,
/// `None` when authentication fails.
fn authenticate_client(app: &App, id: &str, secret: &str) -> Option<Option<Uuid>> {
    if id.is_empty() {
        return None;
    }
    if id == app.config.client_id {
        return Secret(app.config.client_secret.clone()).matches(secret).then_some(None);
    }
    let store = read(&app.store);
    store
        .service_accounts
        .values()
        .find(|sa| sa.client_id == id)
        .filter(|sa| sa.secret.matches(secret))
        .map(|sa| Some(sa.id))
}

/// Stores and returns a new access token.
pub fn issue(app: &App, client_id: &str, sa_id: Option<Uuid>, scope: &str, ttl_ms: i64) -> String {
    let token = format!("ory_at_{}.{}", random_text(32), random_text(32));
    let now = now_ms();
    let mut tokens = write(&app.tokens);
    tokens.insert(
        token.clone(),
        Token {
            client_id: client_id.to_owned(),
            sa_id,
            scope: scope.to_owned(),
            expires_at_ms: now.saturating_add(ttl_ms),
        },
        now,
    );
    drop(tokens);
    app.stats.tokens_minted.fetch_add(1, Ordering::Relaxed);
    token
}

/// A caller with a valid token.
pub struct Caller {
    pub client_id: String,
    /// The token's scopes, space-separated.
    pub scope: String,
}

/// Checks the bearer token of an API request; the scopes are checked per operation
/// ([`authorize`]).
pub fn authenticate(app: &App, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, m);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
        })
        .ok_or_else(|| unauthorized("Unauthorized"))?;
    let (client_id, sa_id, scope) = {
        let tokens = read(&app.tokens);
        let t = tokens.get(token).ok_or_else(|| unauthorized("Unauthorized"))?;
        if t.expires_at_ms <= now_ms() {
            return Err(unauthorized("Token expired"));
        }
        (t.client_id.clone(), t.sa_id, t.scope.clone())
    };
    if let Some(id) = sa_id {
        // A deleted service account's tokens stop working at once.
        if !read(&app.store).service_accounts.contains_key(&id) {
            return Err(unauthorized("Unauthorized"));
        }
    }
    Ok(Caller { client_id, scope })
}
