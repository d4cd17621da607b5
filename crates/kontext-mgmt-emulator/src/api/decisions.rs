//! Authorization decisions (read-only fixtures, see `crate::fixtures`).

use crate::fixtures::Decision;
use crate::reply::ApiError;
use crate::state::App;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::common::*;

/// The string filters of `GET /decisions`: each matches the field of the same name exactly.
const FIELD_FILTERS: [&str; 7] =
    ["provider", "decisionResult", "decisionCategory", "reasonCode", "riskLevel", "installationId", "sessionId"];

fn time(c: &Ctx, name: &str) -> Option<DateTime<Utc>> {
    // The spec validated the format already.
    c.q_str(name).and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc))
}

pub(super) fn decisions_list(app: &App, c: &Ctx) -> Res {
    let filters: Vec<(&str, &str)> = FIELD_FILTERS.iter().filter_map(|f| c.q_str(f).map(|v| (*f, v))).collect();
    let (from, to) = (time(c, "from"), time(c, "to"));
    let keep = |d: &&Decision| {
        filters.iter().all(|(f, v)| d.field(f) == Some(v))
            && from.is_none_or(|t| d.occurred_at >= t)
            && to.is_none_or(|t| d.occurred_at <= t)
    };
    let rows = app.fixtures.decisions.iter().filter(keep).map(|d| (d.seq, d.id.clone(), d.json.clone()));
    let (items, next) = page_rows(rows, c)?;
    Ok(ok(list_json(items, next)))
}

pub(super) fn decisions_get(app: &App, c: &Ctx) -> Res {
    let id = c.param("id");
    let d =
        app.fixtures.decisions.iter().find(|d| d.id == id).ok_or_else(|| ApiError::not_found("Decision not found"))?;
    Ok(ok(json!({"decision": d.json})))
}
