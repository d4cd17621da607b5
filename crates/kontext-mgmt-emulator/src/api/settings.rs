//! `GET/PATCH /policy/settings` with optimistic concurrency on `updatedAt`.

use crate::locks::{read, write};
use crate::reply::ApiError;
use crate::state::App;
use crate::store::{ts, Store};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::common::*;

/// `payloadCaptureMode` until one is set.
const DEFAULT_CAPTURE: &str = "full";

/// `updatedAt` of settings nobody changed yet.
fn initial_updated_at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default() // 2026-01-01T00:00:00Z
}

fn settings_json(s: &Store) -> Value {
    json!({
        "policyEnabled": s.policy_enabled,
        "payloadCaptureMode": s.payload_capture_mode.as_deref().unwrap_or(DEFAULT_CAPTURE),
        "updatedAt": ts(&s.settings_updated_at.unwrap_or_else(initial_updated_at)),
    })
}

pub(super) fn settings_get(app: &App) -> Res {
    Ok(ok(settings_json(&read(&app.store))))
}

pub(super) fn settings_update(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let current = store.settings_updated_at.unwrap_or_else(initial_updated_at);
    if let Some(expected) = c.body_str("expectedUpdatedAt") {
        // The spec validated the format; times compare at the millisecond the API shows.
        let expected = DateTime::parse_from_rfc3339(expected).map(|t| t.timestamp_millis()).unwrap_or(i64::MIN);
        if expected != current.timestamp_millis() {
            return Err(ApiError::precondition_failed(
                "The settings changed since they were read; read them again and retry",
            ));
        }
    }
    if let Some(enabled) = c.body.get("policyEnabled").and_then(Value::as_bool) {
        store.policy_enabled = enabled;
    }
    if let Some(mode) = c.body_str("payloadCaptureMode") {
        store.payload_capture_mode = Some(mode.to_owned());
    }
    // Every write moves updatedAt forward by at least a millisecond, so a stale value is
    // always told apart.
    let now_ms = c.now.timestamp_millis().max(current.timestamp_millis() + 1);
    store.settings_updated_at = DateTime::from_timestamp_millis(now_ms);
    Ok(ok(settings_json(&store)))
}
