//! A randomized harness over every decoder of server-chosen input — `Retry-After` /
//! `retry-after-ms`, token responses, error responses, the pagination envelope and the
//! walk state — checking that none panics and that every duration stays within its clamp.
//! `cargo xtask fuzz` runs it at length; a short run is a unit test.

use crate::limits::MAX_WIRE_DURATION;
use reqwest::header::{HeaderMap, HeaderValue};
use std::time::Duration;

/// Numbers that broke (or could break) a naive decoder.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1e30",
    "1e300",
    "-1e300",
    "1e-300",
    "1e19",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "2e308",
    "4.9e-324",
    "",
    " ",
    "+5",
    "0x10",
    "1_000",
    "९",
    "1e",
    "e5",
    ".",
    "-.5e-5",
];

/// JSON fragments for bodies.
const VALUES: &[&str] = &["null", "true", "\"\"", "\"x\"", "[]", "{}", "[1,2]", "\"\\u0000\"", "\"\\ud800\""];

struct Gen(fastrand::Rng);

impl Gen {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.0.usize(..from.len())]
    }

    fn number(&mut self) -> String {
        match self.0.u8(..4) {
            0 => self.0.f64().to_string(),
            1 => format!("{}e{}", self.0.i64(..), self.0.i16(..)),
            2 => self.0.u64(..).to_string(),
            _ => self.pick(NUMBERS).to_string(),
        }
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.0.usize(..=max);
        (0..n).map(|_| self.0.u8(..)).collect()
    }

    fn value(&mut self) -> String {
        if self.0.bool() {
            self.number()
        } else {
            self.pick(VALUES).to_string()
        }
    }

    /// A JSON-ish body: well-formed with odd values, or damaged, or random bytes.
    fn body(&mut self, keys: &[&str]) -> Vec<u8> {
        if self.0.u8(..8) == 0 {
            return self.bytes(64);
        }
        let mut fields = Vec::new();
        for key in keys {
            if self.0.u8(..4) > 0 {
                fields.push(format!("\"{key}\":{}", self.value()));
            }
        }
        let mut bytes = format!("{{{}}}", fields.join(",")).into_bytes();
        if self.0.u8(..8) == 0 {
            let cut = self.0.usize(..=bytes.len());
            bytes.truncate(cut);
        }
        if self.0.u8(..8) == 0 && !bytes.is_empty() {
            let at = self.0.usize(..bytes.len());
            bytes[at] = self.0.u8(..);
        }
        bytes
    }

    fn headers(&mut self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for name in ["retry-after", "retry-after-ms", "x-request-id"] {
            if self.0.bool() {
                let value = match self.0.u8(..6) {
                    0 => httpdate::fmt_http_date(
                        std::time::UNIX_EPOCH + Duration::from_secs(self.0.u64(..u64::from(u32::MAX) * 4)),
                    ),
                    1 => String::from_utf8_lossy(&self.bytes(16)).into_owned(),
                    _ => self.number(),
                };
                if let Ok(v) = HeaderValue::from_str(&value) {
                    headers.insert(name, v);
                }
            }
        }
        headers
    }
}

/// One randomized input through every decoder; panics on a violated invariant.
fn one(g: &mut Gen) {
    let headers = g.headers();
    if let Some(wait) = crate::retry::retry_after(&headers) {
        assert!(wait <= MAX_WIRE_DURATION, "{headers:?} gave {wait:?}");
    }

    let body = g.body(&["access_token", "expires_in", "token_type", "scope"]);
    if let Ok(token) = crate::auth::parse_token_response(&body) {
        assert!(!token.access_token.trim().is_empty());
        assert!(token.ttl >= Duration::from_secs(1) && token.ttl <= MAX_WIRE_DURATION, "{:?}", token.ttl);
        // What the cache computes from it.
        let now = std::time::Instant::now();
        let _ = now + token.ttl.saturating_sub((token.ttl / 4).min(Duration::from_secs(300)));
    }

    let status = g.0.u16(..);
    let body = g.body(&["message", "statusCode", "error", "error_description"]);
    let e = crate::Error::from_response_parts(status, &headers, &body);
    let _ = (e.to_string(), e.kind().name(), e.kind().code(), e.retry_after());

    let op = &crate::ops::OPERATIONS[g.0.usize(..crate::ops::OPERATIONS.len())];
    let page = g.body(&["items", "nextCursor", "total"]);
    if let Ok((len, cursor)) = crate::ops::decode_envelope(op, &page) {
        let start =
            if g.0.bool() { crate::pagination::Next::Start } else { crate::pagination::Next::Offset(g.0.u64(..)) };
        let mut state = crate::pagination::PageState::with_max_pages(start, g.0.u64(1..5));
        for _ in 0..g.0.usize(..6) {
            if state.advance(len, cursor.clone(), g.0.bool()).is_err() {
                assert_eq!(state.next(), &crate::pagination::Next::Done);
                break;
            }
        }
    }
}

/// Runs `iterations` random inputs from `seed`; returns how many ran (all, or it panicked).
pub fn run(iterations: u64, seed: u64) -> u64 {
    let mut g = Gen(fastrand::Rng::with_seed(seed));
    for _ in 0..iterations {
        one(&mut g);
    }
    iterations
}

#[cfg(test)]
mod tests {
    #[test]
    fn smoke_10k_random_inputs_without_a_panic() {
        assert_eq!(super::run(10_000, 19), 10_000);
    }
}
