//! The one request loop every call goes through: authentication, retries, timeouts, logs.

use crate::auth::{Auth, TokenFailure};
use crate::retry::RetryPolicy;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

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

/// The generated client's inner state: shared connection pool and token cache, plus the
/// options of this handle.
#[derive(Clone)]
pub struct Transport {
    pub(crate) shared: Arc<Shared>,
    pub(crate) options: Arc<CallOptions>,
}

pub(crate) struct Shared {
    pub http: reqwest::Client,
    pub auth: Auth,
    pub limits: crate::limits::Limits,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.shared.auth {
            Auth::Static(_) => "token",
            Auth::Credentials(_) => "client credentials",
        };
        f.debug_struct("Transport").field("auth", &auth).field("options", &self.options).finish()
    }
}

impl Transport {
    /// Sends `request` (an operation of the spec) with auth, retries and timeouts.
    ///
    /// Errors are returned the way the generated code expects them: transport failures as
    /// `reqwest::Error`, everything the server said as a response — including a failed
    /// token request, which is answered as the 401/400 the token endpoint gave.
    pub(crate) async fn execute(
        &self,
        request: reqwest::Request,
        op: &crate::ops::OpSpec,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::debug_span!("kontext.request", op = op.id, method = op.http_method, path = op.path);
        let response = self.execute_inner(request).instrument(span).await?;
        Ok(crate::limits::limit_by_status(response, &self.shared.limits))
    }

    async fn execute_inner(&self, request: reqwest::Request) -> reqwest::Result<reqwest::Response> {
        let policy = &self.options.retry;
        let started = Instant::now();
        // `checked_add`: a budget too large to represent is no budget at all.
        let deadline = policy.budget.and_then(|b| started.checked_add(b));
        let mut retries = 0u32;
        let mut reauthenticated = false;
        loop {
            let Some(mut attempt) = request.try_clone() else {
                // Streaming bodies cannot be replayed; we never build them, so just send once.
                return self.shared.http.execute(request).await;
            };
            *attempt.timeout_mut() = Some(match deadline {
                Some(d) => self.options.timeout.min(d.saturating_duration_since(Instant::now())),
                None => self.options.timeout,
            });
            let generation = match self.authorize(&mut attempt).await {
                Ok(g) => g,
                Err(response) => return response,
            };
            let attempt_started = Instant::now();
            let result = self.shared.http.execute(attempt).await;
            let elapsed_ms = attempt_started.elapsed().as_millis() as u64;
            let retry_delay = match &result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let request_id = crate::error::header_str(response.headers(), "x-request-id");
                    tracing::debug!(attempt = retries + 1, status, elapsed_ms, request_id, "response");
                    if status == 401 && !reauthenticated {
                        if let (Auth::Credentials(cache), Some(g)) = (&self.shared.auth, generation) {
                            // The token was revoked or expired early: get a new one, once.
                            cache.invalidate(g);
                            reauthenticated = true;
                            continue;
                        }
                    }
                    if retries >= policy.max_retries || !policy.retries_status(request.method(), status) {
                        return result;
                    }
                    match crate::retry::retry_after(response.headers()) {
                        // Above the cap: hand the 429 to the caller, who sees RateLimited with the wait.
                        Some(wait) if wait > policy.max_retry_after => return result,
                        Some(wait) => wait,
                        None => policy.backoff(retries),
                    }
                }
                Err(e) => {
                    let shown = crate::error::describe(e);
                    tracing::debug!(attempt = retries + 1, elapsed_ms, error = %shown, "request failed");
                    // A connect error never reached the server; anything else may have.
                    let safe = e.is_connect() || crate::retry::is_idempotent(request.method());
                    if retries >= policy.max_retries || !safe {
                        return result;
                    }
                    policy.backoff(retries)
                }
            };
            if deadline.is_some_and(|d| Instant::now().checked_add(retry_delay).is_none_or(|t| t >= d)) {
                return result;
            }
            drop(result);
            retries += 1;
            tracing::debug!(retry = retries, delay_ms = retry_delay.as_millis() as u64, "retrying");
            tokio::time::sleep(retry_delay).await;
        }
    }

    /// Sets the Authorization header; returns the token generation used, or the response
    /// to give back when no token could be had.
    async fn authorize(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<Option<u64>, reqwest::Result<reqwest::Response>> {
        let (header, generation) = match &self.shared.auth {
            Auth::Static(token) => match bearer(token.expose()) {
                Some(header) => (header, None),
                None => {
                    return Err(Ok(synthetic(
                        401,
                        None,
                        "the access token contains invalid characters",
                        "Unauthorized",
                    )))
                }
            },
            Auth::Credentials(cache) => {
                // A waiter on another caller's token request gives up at its own deadline.
                let timeout = request.timeout().copied().unwrap_or(self.options.timeout);
                let got = match tokio::time::timeout(timeout, cache.get(&self.options)).await {
                    Ok(got) => got,
                    Err(_) => Err(TokenFailure::Timeout(timeout_message(timeout))),
                };
                match got {
                    Ok(token) => (token.header.clone(), Some(token.generation)),
                    Err(TokenFailure::Transport(e)) => return Err(Err(e)),
                    Err(TokenFailure::Status { status, headers, body }) => {
                        return Err(Ok(token_error_response(status, &headers, &body)))
                    }
                    Err(failure) => return Err(Ok(core_failure(crate::client::token_error(failure)))),
                }
            }
        };
        request.headers_mut().insert(AUTHORIZATION, header);
        Ok(generation)
    }
}

fn timeout_message(timeout: Duration) -> String {
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

fn core_failure(error: crate::Error) -> reqwest::Response {
    let mut response = synthetic(502, None, &error.message(), "Bad Gateway");
    response.extensions_mut().insert(CoreFailure(Arc::new(std::sync::Mutex::new(Some(error)))));
    response
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
fn token_error_response(status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> reqwest::Response {
    let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = parsed.get("error").and_then(|v| v.as_str()).unwrap_or("token_error");
    let message = match parsed.get("error_description").and_then(|v| v.as_str()) {
        Some(d) => format!("token request failed: {error}: {d}"),
        None => format!("token request failed: {error}"),
    };
    let request_id = crate::error::header_str(headers, "x-request-id");
    synthetic(status, request_id.as_deref(), &message, error)
}

fn synthetic(status: u16, request_id: Option<&str>, message: &str, error: &str) -> reqwest::Response {
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

impl progenitor_client::ClientHooks<Transport> for crate::generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let op = crate::ops::find(info.operation_id).ok_or_else(|| {
            progenitor_client::Error::InvalidRequest(format!("unknown operation {}", info.operation_id))
        })?;
        crate::ops::validate(op, request).map_err(progenitor_client::Error::InvalidRequest)
    }

    /// Turns an SDK error carried by a synthetic response into the generated client's
    /// error (decoded again by `From<progenitor_client::Error>`).
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &progenitor_client::OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match result.as_ref().ok().and_then(take_core_failure) {
            Some(error) => Err(progenitor_client::Error::Custom(crate::error::encode_custom(&error))),
            None => Ok(()),
        }
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        match crate::ops::find(info.operation_id) {
            Some(op) => self.inner().execute(request, op).await,
            // `pre` already refused unknown operations.
            None => Ok(synthetic(400, None, "unknown operation", "Bad Request")),
        }
    }
}
