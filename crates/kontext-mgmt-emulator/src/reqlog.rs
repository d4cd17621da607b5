//! The request log behind `/_emulator/requests`: a ring of the last requests whose
//! memory is bounded twice, per body (a prefix plus a size and hash summary) and in
//! total (oldest entries go first), so no client can make the emulator hold more than
//! `--log-max-bytes` for it, whatever it sends.

use crate::locks::lock;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many requests the log remembers at most.
pub const RING_SIZE: usize = 1000;
/// Bookkeeping per entry on top of its strings (the `Record` itself, the deque slot,
/// allocator headers), so that many tiny entries are still counted honestly.
const ENTRY_OVERHEAD: usize = 256;

/// What the log keeps of a request body. Never holds credentials: `json` and `prefix`
/// are cut from the redacted JSON, and the hash is taken over that same text.
#[derive(Default)]
pub struct LoggedBody {
    /// Size on the wire.
    pub bytes: u64,
    /// The whole redacted JSON, compact, when it fits the per-body limit.
    json: Option<Box<str>>,
    /// The first bytes of the redacted JSON when it does not fit.
    prefix: Option<Box<str>>,
    /// SHA-256 (hex) of the whole redacted JSON text, when there was JSON to log.
    sha256: Option<Box<str>>,
}

impl LoggedBody {
    /// A body that is not logged (no JSON, not read, or an unauthenticated caller):
    /// only its size.
    pub fn size_only(bytes: u64) -> LoggedBody {
        LoggedBody { bytes, ..LoggedBody::default() }
    }

    /// `value` is the redacted JSON form of a body of `bytes` bytes on the wire.
    /// `Value::Null` means there is nothing to log besides the size.
    pub fn new(value: &Value, bytes: u64, limit: usize) -> LoggedBody {
        if value.is_null() {
            return LoggedBody::size_only(bytes);
        }
        let mut w = PrefixWriter { keep: Vec::new(), limit, total: 0, hash: Sha256::new() };
        // Writing into memory cannot fail; the writer keeps at most `limit` bytes and
        // hashes everything.
        let _ = serde_json::to_writer(&mut w, value);
        let sha256 = Some(format!("{:x}", w.hash.finalize()).into_boxed_str());
        let truncated = w.total > limit;
        // serde_json writes UTF-8; cut the prefix back to a character boundary.
        let text = match String::from_utf8(w.keep) {
            Ok(s) => s,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                bytes.truncate(valid);
                String::from_utf8(bytes).unwrap_or_default()
            }
        };
        let text = text.into_boxed_str();
        if truncated {
            LoggedBody { bytes, json: None, prefix: Some(text), sha256 }
        } else {
            LoggedBody { bytes, json: Some(text), prefix: None, sha256 }
        }
    }

    fn heap_bytes(&self) -> usize {
        [&self.json, &self.prefix, &self.sha256].iter().map(|s| s.as_ref().map_or(0, |s| s.len())).sum()
    }
}

/// Keeps the first `limit` bytes written, counts and hashes all of them.
struct PrefixWriter {
    keep: Vec<u8>,
    limit: usize,
    total: usize,
    hash: Sha256,
}

impl std::io::Write for PrefixWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.limit.saturating_sub(self.keep.len());
        self.keep.extend_from_slice(&buf[..room.min(buf.len())]);
        self.total = self.total.saturating_add(buf.len());
        self.hash.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One entry of `/_emulator/requests`.
pub struct Record {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// 0 when the connection was dropped by a fault.
    pub status: u16,
    pub body: LoggedBody,
    pub request_id: String,
}

impl Record {
    fn cost(&self) -> usize {
        ENTRY_OVERHEAD
            + self.method.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + self.request_id.len()
            + self.body.heap_bytes()
    }

    fn entry(&self) -> LoggedRequest {
        let b = &self.body;
        // Logged text is our own serialization of a Value, so it parses back.
        let body = b.json.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok()).unwrap_or(Value::Null);
        LoggedRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            status: self.status,
            body,
            request_id: self.request_id.clone(),
            body_bytes: b.bytes,
            body_truncated: b.prefix.is_some(),
            body_prefix: b.prefix.as_deref().map(str::to_owned),
            body_sha256: b.sha256.as_deref().map(str::to_owned),
        }
    }
}

/// One request as the request log shows it: an item of `GET /_emulator/requests`, and the
/// test kit's typed entry in every language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub method: String,
    /// The path without the query, e.g. `/api/v1/applications`.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// The answer's status; 0 when a fault dropped the connection.
    pub status: u16,
    /// The JSON body with credentials shown as `"***"`; null when there was none, it was
    /// not JSON, or it was longer than the per-body limit (then see `body_prefix`).
    pub body: Value,
    /// The `x-request-id` the emulator answered with.
    pub request_id: String,
    /// The body's size on the wire.
    pub body_bytes: u64,
    /// True when only `body_prefix` of the (redacted) body was kept.
    pub body_truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_prefix: Option<String>,
    /// SHA-256 (hex) of the whole redacted JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
}

impl LoggedRequest {
    /// The field names on the wire, as the log serializes them (the kit's parity tests).
    pub fn names() -> &'static [&'static str] {
        serde_aux::serde_introspection::serde_introspect::<LoggedRequest>()
    }
}

struct Ring {
    items: VecDeque<Record>,
    bytes: usize,
}

/// The bounded log.
pub struct RequestLog {
    ring: Mutex<Ring>,
    /// Per-body limit of the logged JSON text.
    pub body_bytes: usize,
    max_bytes: usize,
}

impl RequestLog {
    pub fn new(body_bytes: usize, max_bytes: usize) -> RequestLog {
        RequestLog { ring: Mutex::new(Ring { items: VecDeque::new(), bytes: 0 }), body_bytes, max_bytes }
    }

    pub fn push(&self, record: Record) {
        let cost = record.cost();
        let mut ring = lock(&self.ring);
        while !ring.items.is_empty() && (ring.items.len() >= RING_SIZE || ring.bytes + cost > self.max_bytes) {
            if let Some(old) = ring.items.pop_front() {
                ring.bytes -= old.cost();
            }
        }
        // An entry larger than the whole budget is kept without its body text.
        let record = if cost > self.max_bytes {
            Record { body: LoggedBody::size_only(record.body.bytes), ..record }
        } else {
            record
        };
        ring.bytes += record.cost();
        ring.items.push_back(record);
    }

    /// Forgets everything and gives the memory back.
    pub fn clear(&self) {
        let mut ring = lock(&self.ring);
        ring.items = VecDeque::new();
        ring.bytes = 0;
    }

    /// The last `limit` entries, oldest first.
    pub fn entries(&self, limit: usize) -> Vec<LoggedRequest> {
        let ring = lock(&self.ring);
        ring.items.iter().skip(ring.items.len().saturating_sub(limit)).map(Record::entry).collect()
    }

    /// `{items, bytes, maxBytes}` with the last `limit` entries, oldest first.
    pub fn to_json(&self, limit: usize) -> Value {
        let ring = lock(&self.ring);
        let items: Vec<Value> = ring
            .items
            .iter()
            .skip(ring.items.len().saturating_sub(limit))
            .map(|r| serde_json::to_value(r.entry()).unwrap_or_default())
            .collect();
        json!({ "items": items, "bytes": ring.bytes, "maxBytes": self.max_bytes })
    }
}
