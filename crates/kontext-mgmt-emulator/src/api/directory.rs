//! Directory (SCIM) status, groups and reconciliation; the groups and users are fixtures
//! (see `crate::fixtures`), the token count is live.

use crate::locks::read;
use crate::state::App;
use crate::store::ts;
use serde_json::{json, Map, Value};

use super::common::*;
use super::org_tokens::{active_count, SCIM};

pub(super) fn directory_status(app: &App) -> Res {
    let tokens = active_count(&read(&app.store), SCIM);
    let f = &app.fixtures;
    Ok(ok(json!({
        "scimEnabled": tokens > 0,
        "scimBaseUrl": format!("{}/scim/v2", app.api_url.trim_end_matches("/api/v1")),
        "activeTokenCount": tokens,
        "userCount": f.reconciliation.len(),
        "groupCount": f.groups.len(),
        "lastSyncAt": (tokens > 0).then(|| ts(&f.last_sync_at)),
    })))
}

pub(super) fn directory_groups(app: &App, c: &Ctx) -> Res {
    let rows = app.fixtures.groups.iter().enumerate().map(|(i, g)| {
        let id = g["id"].as_str().unwrap_or_default().to_owned();
        (i as u64 + 1, id, g.clone())
    });
    let (items, next) = page_rows(rows, c)?;
    Ok(ok(list_json(items, next)))
}

pub(super) fn directory_reconciliation(app: &App) -> Res {
    let items = &app.fixtures.reconciliation;
    let mut counts = Map::new();
    for state in ["matched", "no_email", "unmatched", "ambiguous"] {
        let n = items.iter().filter(|e| e["state"] == state).count();
        counts.insert(state.into(), Value::from(n));
    }
    Ok(ok(json!({"items": items, "counts": counts})))
}
