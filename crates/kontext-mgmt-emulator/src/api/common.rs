//! What every resource's handlers share: the validated request ([`Ctx`]), replies and
//! cursor pagination.

use crate::reply::{ApiError, Out};
use axum::http::StatusCode;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::ops::Bound;
use uuid::Uuid;

/// A validated request.
pub struct Ctx {
    pub caller: String,
    pub(super) params: Vec<(String, String)>,
    pub(super) query: Vec<(String, Value)>,
    /// The header parameters the operation declares (name as in the spec).
    #[cfg_attr(not(feature = "cedar"), allow(dead_code))]
    pub(super) headers: Vec<(String, String)>,
    pub body: Value,
    pub now: DateTime<Utc>,
}

impl Ctx {
    pub(super) fn id(&self, name: &str) -> Uuid {
        self.params.iter().find(|(n, _)| n == name).and_then(|(_, v)| Uuid::try_parse(v).ok()).unwrap_or_default()
    }
    pub(super) fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
    pub(super) fn q(&self, name: &str) -> Option<&Value> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    pub(super) fn q_str(&self, name: &str) -> Option<&str> {
        self.q(name).and_then(Value::as_str)
    }
    pub(super) fn q_i64(&self, name: &str) -> Option<i64> {
        self.q(name).and_then(Value::as_i64)
    }
    #[cfg_attr(not(feature = "cedar"), allow(dead_code))]
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    pub(super) fn body_str(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

pub(super) type Res = Result<Out, ApiError>;

pub(super) fn ok(v: Value) -> Out {
    Out::json(StatusCode::OK, &v)
}

pub(super) fn created(v: Value) -> Out {
    Out::json(StatusCode::CREATED, &v)
}

pub(super) fn no_content() -> Out {
    Out::empty(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------
// Cursor pagination: keyset on a per-object sequence number, so a walk sees every
// object that existed when it started exactly once, whatever is inserted meanwhile.

pub(super) fn encode_cursor(seq: u64, id: &impl serde::Serialize) -> String {
    let raw = json!({"id": id, "seq": seq}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

pub(super) fn decode_cursor(c: &str) -> Result<u64, ApiError> {
    let bad = || ApiError::bad_request("cursor: is invalid");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c.trim_end_matches('=')).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    v.get("seq").and_then(Value::as_u64).ok_or_else(bad)
}

/// One page of `rows` (`(seq, id, row)` in ascending `seq`, already filtered): the rows
/// after the cursor's `seq`, and the cursor of the next page when there are more.
pub(super) fn page_rows<T>(
    rows: impl Iterator<Item = (u64, String, T)>,
    c: &Ctx,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = c.q_i64("limit").unwrap_or(50).clamp(1, 200) as usize;
    let after = match c.q_str("cursor") {
        Some(cur) if !cur.is_empty() => decode_cursor(cur)?,
        _ => 0,
    };
    let mut it = rows.skip_while(|(seq, _, _)| *seq <= after);
    let mut items = Vec::new();
    let mut last = None;
    for (seq, id, row) in it.by_ref().take(limit) {
        items.push(row);
        last = Some((seq, id));
    }
    let next = match (it.next(), last) {
        (Some(_), Some((seq, id))) => Some(encode_cursor(seq, &id)),
        _ => None,
    };
    Ok((items, next))
}

pub(super) fn page(order: &BTreeMap<u64, Uuid>, c: &Ctx) -> Result<(Vec<Uuid>, Option<String>), ApiError> {
    let limit = c.q_i64("limit").unwrap_or(50).clamp(1, 200) as usize;
    let after = match c.q_str("cursor") {
        Some(cur) if !cur.is_empty() => decode_cursor(cur)?,
        _ => 0,
    };
    let mut it = order.range((Bound::Excluded(after), Bound::Unbounded));
    let mut items = Vec::with_capacity(limit.min(order.len()));
    let mut last = None;
    for (seq, id) in it.by_ref().take(limit) {
        items.push(*id);
        last = Some((*seq, *id));
    }
    let next = match (it.next(), last) {
        (Some(_), Some((seq, id))) => Some(encode_cursor(seq, &id)),
        _ => None,
    };
    Ok((items, next))
}

pub(super) fn list_json(items: Vec<Value>, next: Option<String>) -> Value {
    let mut v = json!({ "items": items });
    if let (Some(n), Some(obj)) = (next, v.as_object_mut()) {
        obj.insert("nextCursor".into(), Value::String(n));
    }
    v
}

pub(super) fn app_not_found() -> ApiError {
    ApiError::not_found("Application not found")
}

pub(super) fn integration_not_found() -> ApiError {
    ApiError::not_found("Integration not found")
}

/// The strings of a JSON array (other items skipped).
pub(super) fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
}
