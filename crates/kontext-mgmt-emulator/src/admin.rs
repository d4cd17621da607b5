//! Emulator-only routes under `/_emulator/` (no auth; never under `/api/v1`).
//!
//! | route | what |
//! | --- | --- |
//! | `POST /_emulator/seed` | merge a seed document (same JSON as `--seed`); all or nothing |
//! | `POST /_emulator/reset` | back to an empty state (the bootstrap credential stays); clears stats, request log and issued tokens |
//! | `GET /_emulator/stats` | `{"tokensMinted": N, "requests": {"GET /api/v1/applications": N, …}}` |
//! | `GET /_emulator/requests?limit=N` | the last N requests (default 50, at most 1000), oldest first, bodies bounded (see `reqlog`) |
//! | `GET`/`PUT`/`DELETE /_emulator/faults` | read, replace or clear the fault configuration |
//! | `GET /_emulator/decision-log` | `{"items": […]}`: the decisions `GET /api/v1/decisions` lists, with what `POST /api/v1/policy/replay` and `GET /api/v1/policy/blocked` also read (agent, endpoint, captured arguments), newest first |
//! | `POST /_emulator/tokens` | mint a token directly: `{"clientId"?, "scope"?, "expiresIn"?}` (e.g. a token without `management:all` to test 403s) |

use crate::faults::FaultSpec;
use crate::locks::{read, write};
use crate::reply::Out;
use crate::seed;
use crate::state::App;
use crate::token;
use axum::http::{header, request::Parts, Method, StatusCode};
use serde_json::{json, Value};

pub fn handle(app: &App, parts: &Parts, body: &[u8]) -> Out {
    let path = parts.uri.path().trim_start_matches("/_emulator/");
    let m = &parts.method;
    match (path, m) {
        ("seed", &Method::POST) => seed_route(app, body),
        ("reset", &Method::POST) => {
            app.reset();
            Out::json(StatusCode::OK, &json!({"ok": true}))
        }
        ("stats", &Method::GET) => Out::json(StatusCode::OK, &app.stats.to_json(app.spec)),
        ("requests", &Method::GET) => requests(app, parts),
        ("faults", &Method::GET) => {
            Out::json(StatusCode::OK, &serde_json::to_value(app.faults.get()).unwrap_or(Value::Null))
        }
        ("faults", &Method::PUT) => set_faults(app, body),
        ("faults", &Method::DELETE) => {
            app.faults.set(None);
            Out::empty(StatusCode::NO_CONTENT)
        }
        ("tokens", &Method::POST) => mint(app, body),
        ("decision-log", &Method::GET) => {
            let items: Vec<Value> = app.fixtures.decisions.iter().map(|d| d.log_json()).collect();
            Out::json(StatusCode::OK, &json!({"items": items}))
        }
        ("health", &Method::GET) => Out::json(StatusCode::OK, &json!({"ok": true})),
        ("seed" | "reset" | "tokens", _) => not_allowed(parts, "POST"),
        ("stats" | "requests" | "health" | "decision-log", _) => not_allowed(parts, "GET"),
        ("faults", _) => not_allowed(parts, "GET, PUT, DELETE"),
        _ => crate::reply::not_found(m, parts.uri.path()),
    }
}

fn not_allowed(parts: &Parts, allow: &str) -> Out {
    Out::error(StatusCode::METHOD_NOT_ALLOWED, &format!("Cannot {} {}", parts.method, parts.uri.path()))
        .header(header::ALLOW, allow)
}

fn parse(body: &[u8]) -> Result<Value, Out> {
    serde_json::from_slice(body)
        .map_err(|e| Out::error(StatusCode::BAD_REQUEST, &format!("body: is not valid JSON ({e})")))
}

fn seed_route(app: &App, body: &[u8]) -> Out {
    let v = match parse(body) {
        Ok(v) => v,
        Err(out) => return out,
    };
    {
        let mut store = write(&app.store);
        // All or nothing: apply to a copy, swap it in only when every object is valid.
        let mut copy = store.clone();
        if let Err(e) = seed::apply(app.spec, &mut copy, &v) {
            return Out::error(StatusCode::BAD_REQUEST, &e);
        }
        *store = copy;
    }
    app.persist();
    let store = read(&app.store);
    Out::json(
        StatusCode::OK,
        &json!({
            "applications": store.app_order.len(),
            "integrations": store.integration_order.len(),
            "serviceAccounts": store.sa_order.len(),
            "sessions": store.sessions.len(),
            "traces": store.traces.len(),
            "events": store.events.len(),
            "policyRules": store.policy_rules.len(),
        }),
    )
}

fn requests(app: &App, parts: &Parts) -> Out {
    let limit = parts
        .uri
        .query()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "limit").map(|(_, v)| v.into_owned()))
        .map(|v| v.parse::<usize>());
    let limit = match limit {
        None => 50,
        Some(Ok(n)) => n.min(1000),
        Some(Err(_)) => return Out::error(StatusCode::BAD_REQUEST, "limit: must be an integer"),
    };
    Out::json(StatusCode::OK, &app.log.to_json(limit))
}

fn set_faults(app: &App, body: &[u8]) -> Out {
    let v = match parse(body) {
        Ok(v) => v,
        Err(out) => return out,
    };
    // Either the JSON object or the `--faults` text as a JSON string.
    let spec: Result<FaultSpec, String> = match v {
        Value::String(s) => s.parse(),
        Value::Null => {
            app.faults.set(None);
            return Out::empty(StatusCode::NO_CONTENT);
        }
        other => {
            serde_json::from_value::<FaultSpec>(other).map_err(|e| e.to_string()).and_then(|s| s.check().map(|()| s))
        }
    };
    match spec {
        Ok(s) => {
            let shown = serde_json::to_value(&s).unwrap_or(Value::Null);
            app.faults.set(Some(s));
            Out::json(StatusCode::OK, &shown)
        }
        Err(e) => Out::error(StatusCode::BAD_REQUEST, &format!("faults: {e}")),
    }
}

fn mint(app: &App, body: &[u8]) -> Out {
    let v = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match parse(body) {
            Ok(v) => v,
            Err(out) => return out,
        }
    };
    let client_id = v.get("clientId").and_then(Value::as_str).unwrap_or(&app.config.client_id).to_owned();
    let scope = v.get("scope").and_then(Value::as_str).unwrap_or(token::SCOPE).to_owned();
    let ttl = v.get("expiresIn").and_then(Value::as_u64).unwrap_or(app.config.token_ttl.as_secs());
    let ttl_ms = i64::try_from(ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
    let t = token::issue(app, &client_id, None, &scope, ttl_ms);
    app.persist();
    Out::json(StatusCode::OK, &json!({"access_token": t, "token_type": "bearer", "expires_in": ttl, "scope": scope}))
}
