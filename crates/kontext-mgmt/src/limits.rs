//! Bounds on everything a server (or a caller) can make us hold or wait for: body sizes,
//! page counts, and every number that becomes a `Duration`.

use crate::error::{Error, Result, TooLarge};
use crate::wire::clamp_secs;
pub use crate::wire::MAX_WIRE_DURATION;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Size and count limits of a client; see [`crate::ClientBuilder::max_body_bytes`] and its
/// siblings for what each bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest successful (2xx) response body.
    pub max_body_bytes: u64,
    /// Largest error response body.
    pub max_error_body_bytes: u64,
    /// Largest token endpoint response body.
    pub max_token_body_bytes: u64,
    /// Most pages one pagination walk fetches.
    pub max_pages: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 32 * 1024 * 1024,
            max_error_body_bytes: 64 * 1024,
            max_token_body_bytes: 1024 * 1024,
            max_pages: 100_000,
        }
    }
}

/// Longest user-supplied timeout; longer ones are clamped to it (a year is "forever" for a
/// request, and keeps every `Instant + timeout` far from overflowing).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);
/// Shortest user-supplied timeout; shorter ones are refused (they could never succeed).
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// A user-supplied timeout in seconds: NaN, negative, zero or below [`MIN_TIMEOUT`] is
/// `InvalidInput`; above [`MAX_TIMEOUT`] (infinity included) it is clamped.
pub fn timeout_from_secs(secs: f64, name: &str) -> Result<Duration> {
    if secs.is_nan() || secs < MIN_TIMEOUT.as_secs_f64() {
        return Err(Error::InvalidInput(format!("`{name}` must be at least 0.001 seconds (got {secs})")));
    }
    Ok(clamp_secs(secs, MIN_TIMEOUT, MAX_TIMEOUT))
}

/// A user-supplied `Duration` timeout, with the same rules as [`timeout_from_secs`].
pub fn clamp_timeout(timeout: Duration, name: &str) -> Result<Duration> {
    if timeout < MIN_TIMEOUT {
        return Err(Error::InvalidInput(format!("`{name}` must be at least 1 ms (got {timeout:?})")));
    }
    Ok(timeout.min(MAX_TIMEOUT))
}

/// Which limit applies to a body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyLimit {
    Success,
    Error,
    Token,
}

impl BodyLimit {
    fn describe(self, limits: &Limits) -> TooLarge {
        let (limit, what, option) = match self {
            BodyLimit::Success => (limits.max_body_bytes, "response body", "max_body_bytes"),
            BodyLimit::Error => (limits.max_error_body_bytes, "error response body", "max_error_body_bytes"),
            BodyLimit::Token => (limits.max_token_body_bytes, "token response body", "max_token_body_bytes"),
        };
        TooLarge { limit, what, option }
    }
}

/// `response` with a body that fails with [`TooLarge`] as soon as more than the limit has
/// arrived (or at once when Content-Length announces more), so a huge or endless body is
/// never buffered. The connection is dropped with the unread rest.
pub(crate) fn limit_response(response: reqwest::Response, kind: BodyLimit, limits: &Limits) -> reqwest::Response {
    let too_large = kind.describe(limits);
    let declared = response.content_length();
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
    let limited = LimitedBody { inner: body, seen: 0, declared, too_large: Some(too_large) };
    reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(limited)))
}

/// Picks the limit by status: a 2xx body may be large, an error body is small.
pub(crate) fn limit_by_status(response: reqwest::Response, limits: &Limits) -> reqwest::Response {
    let kind = if response.status().is_success() { BodyLimit::Success } else { BodyLimit::Error };
    limit_response(response, kind, limits)
}

struct LimitedBody {
    inner: reqwest::Body,
    seen: u64,
    declared: Option<u64>,
    /// Taken when the limit is hit; `None` afterwards ends the body.
    too_large: Option<TooLarge>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl LimitedBody {
    fn fail(&mut self) -> Poll<Option<std::result::Result<Frame<Bytes>, BoxError>>> {
        match self.too_large.take() {
            Some(e) => Poll::Ready(Some(Err(Box::new(e)))),
            None => Poll::Ready(None),
        }
    }
}

impl HttpBody for LimitedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let Some(limit) = this.too_large.as_ref().map(|t| t.limit) else {
            return Poll::Ready(None);
        };
        if this.declared.is_some_and(|n| n > limit) {
            return this.fail();
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.seen = this.seen.saturating_add(data.len() as u64);
                    if this.seen > limit {
                        return this.fail();
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.too_large.is_none() || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_never_panic() {
        let (lo, hi) = (Duration::from_secs(1), MAX_WIRE_DURATION);
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, 1e-300, 1e19, 1e30, 1e300, f64::MAX] {
            let d = clamp_secs(v, lo, hi);
            assert!(d >= lo && d <= hi, "{v}: {d:?}");
        }
        assert_eq!(clamp_secs(3.5, lo, hi), Duration::from_millis(3500));
    }

    #[test]
    fn user_timeouts_are_refused_or_clamped() {
        assert_eq!(timeout_from_secs(1e300, "timeout").unwrap(), MAX_TIMEOUT);
        assert_eq!(timeout_from_secs(f64::INFINITY, "timeout").unwrap(), MAX_TIMEOUT);
        assert_eq!(timeout_from_secs(2.5, "timeout").unwrap(), Duration::from_millis(2500));
        for bad in [1e-300, 0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
            let e = timeout_from_secs(bad, "timeout").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad}");
        }
    }
}
