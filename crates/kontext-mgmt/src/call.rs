//! What one call carries besides its request: its options, and an SDK error riding on a
//! synthetic response through the generated client (whose hooks only pass responses).

use crate::retry::RetryPolicy;
use reqwest::header::HeaderValue;
use std::sync::Arc;
use std::time::Duration;

/// Per-call settings; override them for some calls with [`crate::Client::with_options`].
#[derive(Debug, Clone, PartialEq)]
pub struct CallOptions {
    /// Time for one attempt, from sending to the end of the body.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for CallOptions {
    fn default() -> Self {
        CallOptions { timeout: Duration::from_secs(60), retry: RetryPolicy::default() }
    }
}

pub(crate) fn timeout_message(timeout: Duration) -> String {
    format!("no token from the token endpoint within {:.3}s", timeout.as_secs_f64())
}

pub(crate) fn token_timeout(timeout: Duration) -> crate::Error {
    crate::Error::Timeout { message: timeout_message(timeout), source: None }
}

/// An error of the SDK itself (not of reqwest, not an answer of the server) travelling
/// through the generated client, whose hooks only pass responses: it rides on a synthetic
/// response, and [`take_core_failure`] gets it back.
#[derive(Clone)]
struct CoreFailure(Arc<std::sync::Mutex<Option<crate::Error>>>);

pub(crate) fn core_failure(error: crate::Error) -> reqwest::Response {
    let mut response = synthetic(502, None, &error.message(), "Bad Gateway");
    response.extensions_mut().insert(CoreFailure(Arc::new(std::sync::Mutex::new(Some(error)))));
    response
}

/// Whether the response is one made by [`core_failure`].
pub(crate) fn is_core_failure(response: &reqwest::Response) -> bool {
    response.extensions().get::<CoreFailure>().is_some()
}

/// The SDK error a response stands for, if it is one made by [`core_failure`].
pub(crate) fn take_core_failure(response: &reqwest::Response) -> Option<crate::Error> {
    let failure = response.extensions().get::<CoreFailure>()?;
    let taken = failure.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    taken
}

/// `Authorization: Bearer …`, marked sensitive so it never prints.
pub(crate) fn bearer(token: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The token endpoint's OAuth error (`invalid_client`, …) as an API error response.
pub(crate) fn token_error_response(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> reqwest::Response {
    let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = parsed.get("error").and_then(|v| v.as_str()).unwrap_or("token_error");
    let message = match parsed.get("error_description").and_then(|v| v.as_str()) {
        Some(d) => format!("token request failed: {error}: {d}"),
        None => format!("token request failed: {error}"),
    };
    let request_id = crate::error::header_str(headers, "x-request-id");
    synthetic(status, request_id.as_deref(), &message, error)
}

pub(crate) fn synthetic(status: u16, request_id: Option<&str>, message: &str, error: &str) -> reqwest::Response {
    let body = serde_json::json!({ "message": message, "statusCode": status, "error": error });
    let mut builder = http::Response::builder().status(status).header("content-type", "application/json");
    if let Some(id) = request_id {
        builder = builder.header("x-request-id", id);
    }
    let response = builder
        .body(body.to_string())
        .unwrap_or_else(|_| http::Response::new(String::from("{\"message\":\"token request failed\"}")));
    reqwest::Response::from(response)
}
