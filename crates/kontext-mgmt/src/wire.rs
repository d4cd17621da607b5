//! Numbers taken from the wire (waits, lifetimes), made safe to turn into a `Duration`. A
//! leaf module: the retry policy, the limits, the errors and the token cache all read it.

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// Longest wait or lifetime taken from the wire (Retry-After, expires_in).
pub const MAX_WIRE_DURATION: Duration = Duration::from_secs(24 * 3600);

/// `secs` as a Duration within `[min, max]`; NaN becomes `min`. Never panics, unlike
/// `Duration::from_secs_f64` on values from the wire.
pub(crate) fn clamp_secs(secs: f64, min: Duration, max: Duration) -> Duration {
    if secs.is_nan() || secs <= min.as_secs_f64() {
        return min;
    }
    if secs >= max.as_secs_f64() {
        return max;
    }
    Duration::try_from_secs_f64(secs).unwrap_or(max).clamp(min, max)
}

/// The wait a response asks for: `retry-after-ms`, else `Retry-After` (seconds or HTTP date).
/// Any value is clamped to [`MAX_WIRE_DURATION`] (a day): larger waits stay
/// above every sensible `max_retry_after`, so the call fails with `RateLimited` instead.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers.get("retry-after-ms").and_then(|v| v.to_str().ok()) {
        if let Ok(ms) = ms.trim().parse::<f64>() {
            if ms.is_finite() && ms >= 0.0 {
                return Some(clamp_secs(ms / 1000.0, Duration::ZERO, MAX_WIRE_DURATION));
            }
        }
    }
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (!secs.is_nan() && secs >= 0.0).then(|| clamp_secs(secs, Duration::ZERO, MAX_WIRE_DURATION));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO).min(MAX_WIRE_DURATION))
}
