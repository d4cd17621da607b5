//! Traces, their statistics, and events.

use crate::locks::read;
use crate::reply::ApiError;
use crate::state::App;
use crate::store::ts;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use super::common::*;

// ---------------------------------------------------------------------------------
// Traces, events, stats

pub(super) fn field<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn traces_list(app: &App, c: &Ctx) -> Res {
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

pub(super) fn traces_get(app: &App, c: &Ctx) -> Res {
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

pub(super) fn events_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let limit = c.q_i64("limit").unwrap_or(50).clamp(1, 200) as usize;
    let items: Vec<Value> = store.events.iter().take(limit).cloned().collect();
    Ok(ok(json!({ "items": items })))
}

pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(super) fn traces_stats(app: &App, c: &Ctx) -> Res {
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
