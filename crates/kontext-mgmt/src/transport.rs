//! The one request loop every call goes through: authentication, retries, timeouts, logs.

use crate::auth::{Auth, TokenFailure};
use crate::call::{bearer, core_failure, synthetic, timeout_message, token_error_response, CallOptions};
use reqwest::header::AUTHORIZATION;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

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
        let response = crate::limits::limit_by_status(response, &self.shared.limits);
        Ok(crate::header_props::add_header_properties(response, op))
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
                    Err(failure) => return Err(Ok(core_failure(crate::auth::token_error(failure)))),
                }
            }
        };
        request.headers_mut().insert(AUTHORIZATION, header);
        Ok(generation)
    }
}
