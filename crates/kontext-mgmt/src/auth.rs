//! Service-account tokens: fetched lazily, refreshed early in the background, refreshed
//! blocking (one request shared by every waiter) when nearly expired.

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
}

impl TokenCache {
    pub fn new(
        http: reqwest::Client,
        token_url: String,
        client_id: String,
        client_secret: Secret,
        scopes: Vec<String>,
        audience: Option<String>,
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
        }
    }

    fn cached(&self) -> Option<Arc<Token>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A token valid for a while yet.
    pub async fn get(self: &Arc<Self>) -> Result<Arc<Token>, TokenFailure> {
        if let Some(token) = self.cached() {
            let now = Instant::now();
            if now < token.stale_at {
                if now >= token.refresh_at && !self.background.swap(true, Ordering::AcqRel) {
                    let this = Arc::clone(self);
                    let generation = token.generation;
                    tokio::spawn(async move {
                        let _guard = this.fetch.lock().await;
                        if this.cached().is_some_and(|t| t.generation == generation) {
                            match this.fetch_token().await {
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
        self.refresh(None).await
    }

    /// Fetches a new token unless another caller already replaced `stale` (or, with no
    /// `stale`, unless a usable token appeared while we waited).
    pub async fn refresh(&self, stale: Option<u64>) -> Result<Arc<Token>, TokenFailure> {
        let _guard = self.fetch.lock().await;
        if let Some(token) = self.cached() {
            let replaced = stale.is_some_and(|g| g != token.generation);
            if (stale.is_none() && Instant::now() < token.stale_at) || replaced {
                return Ok(token);
            }
        }
        self.fetch_token().await
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

    async fn fetch_token(&self) -> Result<Arc<Token>, TokenFailure> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        let scope = self.scopes.join(" ");
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        if let Some(audience) = &self.audience {
            form.push(("audience", audience));
        }
        let started = Instant::now();
        let response = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(TokenFailure::Transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(TokenFailure::Transport)?;
        tracing::debug!(status, duration_ms = started.elapsed().as_millis() as u64, "token request");
        if !(200..300).contains(&status) {
            return Err(TokenFailure::Status { status, headers, body });
        }
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<f64>,
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| TokenFailure::Decode(format!("token endpoint answered with an unreadable body: {e}")))?;
        // Without expires_in, assume the 300 s Kontext's own scripts assume.
        let ttl = Duration::from_secs_f64(parsed.expires_in.filter(|s| s.is_finite() && *s > 0.0).unwrap_or(300.0));
        let now = Instant::now();
        let header = crate::transport::bearer(&parsed.access_token).ok_or_else(|| {
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
