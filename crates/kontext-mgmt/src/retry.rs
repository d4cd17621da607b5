//! When and how long to wait before sending a request again.

pub use crate::wire::retry_after;
use std::time::Duration;

/// Retry settings; [`RetryPolicy::default`] is 2 retries on connection errors, 408, 429, 5xx.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Statuses worth another attempt.
    pub statuses: Vec<u16>,
    /// First backoff; doubles each retry.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// A server-requested wait above this is not slept: the call fails with `RateLimited`
    /// carrying the wait, so the caller decides.
    pub max_retry_after: Duration,
    /// Total time for all attempts and waits of one call; `None` = no limit beyond timeouts.
    pub budget: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            statuses: vec![408, 429, 500, 502, 503, 504],
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            budget: None,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..Default::default() }
    }

    /// `initial·2ⁿ` capped at `max_backoff`, times a jitter in [0.75, 1].
    pub fn backoff(&self, retry: u32) -> Duration {
        let base = self.initial_backoff.saturating_mul(1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX));
        base.min(self.max_backoff).mul_f64(0.75 + fastrand::f64() * 0.25)
    }

    /// Whether a status may be retried for this method. A POST/PATCH that reached the
    /// server may have taken effect, so it is only resent when the server said it did not
    /// process it (429, 503).
    pub fn retries_status(&self, method: &reqwest::Method, status: u16) -> bool {
        self.statuses.contains(&status) && (is_idempotent(method) || status == 429 || status == 503)
    }
}

pub(crate) fn is_idempotent(method: &reqwest::Method) -> bool {
    !matches!(*method, reqwest::Method::POST | reqwest::Method::PATCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use reqwest::header::HeaderValue;
    use std::time::SystemTime;

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let p = RetryPolicy::default();
        for (n, base) in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)] {
            let d = p.backoff(n).as_secs_f64();
            assert!(d >= base * 0.75 - 1e-9 && d <= base + 1e-9, "retry {n}: {d}");
        }
    }

    #[test]
    fn parses_retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        let later = SystemTime::now() + Duration::from_secs(30);
        h.insert("retry-after", HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d <= Duration::from_secs(30) && d >= Duration::from_secs(28), "{d:?}");
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn extreme_retry_after_is_clamped_to_a_day() {
        let day = crate::limits::MAX_WIRE_DURATION;
        for (name, value) in [
            ("retry-after", "1e30"),
            ("retry-after", "inf"),
            ("retry-after", "18446744073709551616"),
            ("retry-after-ms", "1e30"),
            ("retry-after-ms", "1e300"),
        ] {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_static(value));
            assert_eq!(retry_after(&h), Some(day), "{name}: {value}");
        }
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("NaN"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn never_resends_non_idempotent_on_500() {
        let p = RetryPolicy::default();
        assert!(!p.retries_status(&reqwest::Method::POST, 500));
        assert!(p.retries_status(&reqwest::Method::POST, 429));
        assert!(p.retries_status(&reqwest::Method::POST, 503));
        assert!(p.retries_status(&reqwest::Method::GET, 500));
        assert!(!p.retries_status(&reqwest::Method::GET, 404));
    }
}
