//! Agent sessions.

use crate::locks::{read, write};
use crate::reply::ApiError;
use crate::state::App;
use serde_json::{json, Value};

use super::common::*;

// ---------------------------------------------------------------------------------
// Agent sessions

pub(super) fn sessions_list(app: &App, c: &Ctx) -> Res {
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

pub(super) fn sessions_get(app: &App, c: &Ctx) -> Res {
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

pub(super) fn sessions_revoke_all(app: &App, c: &Ctx) -> Res {
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
