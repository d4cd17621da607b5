//! Service-account tokens: fetched lazily, refreshed early in the background, refreshed
//! blocking (one request shared by every waiter) when nearly expired.

use crate::call::CallOptions;
use crate::secret::Secret;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a client authenticates.
#[derive(Clone)]
pub(crate) enum Auth {
    Static(Secret),
    Credentials(Arc<TokenCache>),
}

pub(crate) struct Token {
    /// The ready `Authorization` header (sensitive: never printed).
    pub header: reqwest::header::HeaderValue,
    pub generation: u64,
    /// From here on a refresh starts in the background while this token is still used.
    refresh_at: Instant,
    /// From here on callers wait for a fresh token.
    stale_at: Instant,
}

/// Why no token could be had.
pub(crate) enum TokenFailure {
    Transport(reqwest::Error),
    /// The token endpoint answered with an error status (body as sent).
    Status {
        status: u16,
        headers: HeaderMap,
        body: Bytes,
    },
    Decode(String),
    /// The caller's time for one attempt ran out while waiting for a token.
    Timeout(String),
}

pub(crate) struct TokenCache {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: Secret,
    scopes: Vec<String>,
    audience: Option<String>,
    current: Mutex<Option<Arc<Token>>>,
    background: std::sync::atomic::AtomicBool,
    /// Serializes fetches: waiters queue here and reuse the token the first one got.
    fetch: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    limits: crate::limits::Limits,
}

impl TokenCache {
    pub fn new(
        http: reqwest::Client,
        token_url: String,
        client_id: String,
        client_secret: Secret,
        scopes: Vec<String>,
        audience: Option<String>,
        limits: crate::limits::Limits,
    ) -> TokenCache {
        TokenCache {
            http,
            token_url,
            client_id,
            client_secret,
            scopes,
            audience,
            current: Mutex::new(None),
            background: false.into(),
            fetch: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
            limits,
        }
    }

    fn cached(&self) -> Option<Arc<Token>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A token valid for a while yet.
    /// Token requests use the caller's `options` (per-attempt timeout, retry policy).
    pub async fn get(self: &Arc<Self>, options: &CallOptions) -> Result<Arc<Token>, TokenFailure> {
        if let Some(token) = self.cached() {
            let now = Instant::now();
            if now < token.stale_at {
                if now >= token.refresh_at && !self.background.swap(true, Ordering::AcqRel) {
                    let this = Arc::clone(self);
                    let generation = token.generation;
                    let options = options.clone();
                    tokio::spawn(async move {
                        let _guard = this.fetch.lock().await;
                        if this.cached().is_some_and(|t| t.generation == generation) {
                            match this.fetch_token(&options).await {
                                Ok(t) => {
                                    tracing::debug!(generation = t.generation, "token refreshed in the background")
                                }
                                Err(_) => {
                                    tracing::debug!("background token refresh failed; will retry")
                                }
                            }
                        }
                        this.background.store(false, Ordering::Release);
                    });
                }
                return Ok(token);
            }
        }
        self.refresh(None, options).await
    }

    /// Fetches a new token unless another caller already replaced `stale` (or, with no
    /// `stale`, unless a usable token appeared while we waited).
    pub async fn refresh(&self, stale: Option<u64>, options: &CallOptions) -> Result<Arc<Token>, TokenFailure> {
        let _guard = self.fetch.lock().await;
        if let Some(token) = self.cached() {
            let replaced = stale.is_some_and(|g| g != token.generation);
            if (stale.is_none() && Instant::now() < token.stale_at) || replaced {
                return Ok(token);
            }
        }
        self.fetch_token(options).await
    }

    /// Forgets `generation` (after the API rejected it) so the next call fetches anew.
    pub fn invalidate(&self, generation: u64) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if current.as_ref().is_some_and(|t| t.generation == generation) {
            *current = None;
        }
    }

    pub fn clear(&self) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn current_generation(&self) -> Option<u64> {
        self.cached().map(|t| t.generation)
    }

    /// Requests a token with the retry policy of API calls: connection errors, timeouts and
    /// the policy's statuses are retried with backoff (or the server's Retry-After).
    async fn fetch_token(&self, options: &CallOptions) -> Result<Arc<Token>, TokenFailure> {
        let policy = &options.retry;
        let mut retries = 0u32;
        loop {
            let failure = match self.fetch_once(options.timeout).await {
                Ok(token) => return Ok(token),
                Err(failure) => failure,
            };
            let delay = match &failure {
                TokenFailure::Transport(_) => policy.backoff(retries),
                TokenFailure::Status { status, headers, .. } if policy.statuses.contains(status) => {
                    match crate::wire::retry_after(headers) {
                        Some(wait) if wait > policy.max_retry_after => return Err(failure),
                        Some(wait) => wait,
                        None => policy.backoff(retries),
                    }
                }
                _ => return Err(failure),
            };
            if retries >= policy.max_retries {
                return Err(failure);
            }
            retries += 1;
            tracing::debug!(retry = retries, delay_ms = delay.as_millis() as u64, "retrying the token request");
            tokio::time::sleep(delay).await;
        }
    }

    async fn fetch_once(&self, timeout: Duration) -> Result<Arc<Token>, TokenFailure> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        let scope = self.scopes.join(" ");
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        if let Some(audience) = &self.audience {
            form.push(("audience", audience));
        }
        let started = Instant::now();
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding.
        let id = form_urlencode(&self.client_id);
        let secret = Secret::new(form_urlencode(self.client_secret.expose()));
        let response = self
            .http
            .post(&self.token_url)
            .timeout(timeout)
            .basic_auth(&id, Some(secret.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(TokenFailure::Transport)?;
        let response = crate::limits::limit_response(response, crate::limits::BodyLimit::Token, &self.limits);
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(TokenFailure::Transport)?;
        tracing::debug!(status, duration_ms = started.elapsed().as_millis() as u64, "token request");
        if !(200..300).contains(&status) {
            return Err(TokenFailure::Status { status, headers, body });
        }
        let parsed = parse_token_response(&body).map_err(TokenFailure::Decode)?;
        let now = Instant::now();
        let ttl = parsed.ttl;
        let header = crate::call::bearer(&parsed.access_token).ok_or_else(|| {
            TokenFailure::Decode("the token endpoint returned a token that is not a valid header value".into())
        })?;
        let token = Arc::new(Token {
            header,
            generation: self.generation.fetch_add(1, Ordering::AcqRel) + 1,
            refresh_at: now + ttl.saturating_sub((ttl / 4).min(Duration::from_secs(300))),
            stale_at: now + ttl.saturating_sub((ttl / 10).min(Duration::from_secs(30))),
        });
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::clone(&token));
        Ok(token)
    }
}

fn form_urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A decoded token response.
#[derive(Debug)]
pub struct TokenResponse {
    pub access_token: String,
    /// `expires_in` clamped to 1 s ..= 1 day (300 s when absent or not a number).
    pub ttl: Duration,
}

/// Decodes a 2xx token endpoint body; an empty or missing `access_token` is an error.
pub fn parse_token_response(body: &[u8]) -> Result<TokenResponse, String> {
    #[derive(serde::Deserialize)]
    struct Raw {
        access_token: Option<String>,
        expires_in: Option<serde_json::Value>,
    }
    let raw: Raw =
        serde_json::from_slice(body).map_err(|e| format!("token endpoint answered with an unreadable body: {e}"))?;
    let access_token = raw
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| "token endpoint answered without an access_token".to_string())?;
    // Without expires_in, assume the 300 s Kontext's own scripts assume.
    let secs = raw.expires_in.as_ref().and_then(serde_json::Value::as_f64).unwrap_or(300.0);
    let ttl = crate::wire::clamp_secs(secs, Duration::from_secs(1), crate::wire::MAX_WIRE_DURATION);
    Ok(TokenResponse { access_token, ttl })
}

/// The SDK error for a token request that failed (what the caller of the API call sees).
pub(crate) fn token_error(failure: TokenFailure) -> crate::Error {
    match failure {
        TokenFailure::Transport(e) => crate::Error::from_reqwest(e),
        TokenFailure::Status { status, headers, body } => crate::Error::from_response_parts(status, &headers, &body),
        TokenFailure::Decode(message) => crate::Error::Decode { message, body: None, source: None },
        TokenFailure::Timeout(message) => crate::Error::Timeout { message, source: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_expires_in_is_clamped() {
        let day = crate::wire::MAX_WIRE_DURATION;
        for (raw, want) in [
            ("1e300", day),
            ("18446744073709551615", day),
            ("1e19", day),
            ("-5", Duration::from_secs(1)),
            ("0", Duration::from_secs(1)),
            ("\"soon\"", Duration::from_secs(300)),
            ("null", Duration::from_secs(300)),
            ("120", Duration::from_secs(120)),
        ] {
            let body = format!(r#"{{"access_token":"t","expires_in":{raw}}}"#);
            assert_eq!(parse_token_response(body.as_bytes()).unwrap().ttl, want, "{raw}");
        }
    }

    #[test]
    fn empty_or_missing_token_is_refused() {
        for body in [r#"{"access_token":""}"#, r#"{"expires_in":5}"#, r#"{"access_token":null}"#, "[]", "x"] {
            assert!(parse_token_response(body.as_bytes()).is_err(), "{body}");
        }
    }

    #[test]
    fn basic_credentials_are_form_urlencoded() {
        assert_eq!(form_urlencode("p+ss%41word"), "p%2Bss%2541word");
        assert_eq!(form_urlencode("a b:c"), "a+b%3Ac");
    }
}
