//! Building a [`Client`]: base URL, credentials, timeouts, retries, environment.

use crate::auth::{Auth, TokenCache};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{CallOptions, Shared, Transport};
use crate::Client;
use std::sync::Arc;
use std::time::Duration;

/// The production host. The SDK appends `/api/{api_version}`.
pub const DEFAULT_BASE_URL: &str = "https://api.kontext.dev";

/// Options for [`Client`]. Unset values come from `KONTEXT_BASE_URL`, `KONTEXT_CLIENT_ID`,
/// `KONTEXT_CLIENT_SECRET` and `KONTEXT_TOKEN`, then from the defaults.
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    api_version: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    token: Option<Secret>,
    token_url: Option<String>,
    scopes: Option<Vec<String>>,
    audience: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_retries: Option<u32>,
    user_agent_suffix: Option<String>,
    limits: crate::limits::Limits,
}

impl ClientBuilder {
    /// Host only, e.g. `https://api.kontext.dev` (default).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// `v1` by default.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }
    /// Service-account client credentials (tokens are fetched and refreshed for you).
    pub fn credentials(mut self, client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret.into());
        self
    }
    /// A bearer token to send as is.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }
    /// `{base}/oauth2/token` by default.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
    /// `["management:all"]` by default.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }
    /// `{base}/api/{version}` by default.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }
    /// Per attempt; 60 s by default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// 5 s by default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// 2 by default.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
    /// Largest successful response body, 32 MiB by default; a larger one fails the call
    /// with `ResponseTooLarge` without being read to the end.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_body_bytes = bytes;
        self
    }
    /// Largest error response body, 64 KiB by default (`ResponseTooLarge` above it).
    pub fn max_error_body_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_error_body_bytes = bytes;
        self
    }
    /// Largest token endpoint response, 1 MiB by default (`ResponseTooLarge` above it).
    pub fn max_token_body_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_token_body_bytes = bytes;
        self
    }
    /// Most pages one pagination walk fetches, 100 000 by default; the walk then fails
    /// with `DecodeError`.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.limits.max_pages = pages;
        self
    }
    /// Appended to the User-Agent (bindings name themselves here).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    pub fn build(self) -> Result<Client> {
        crate::logging::init_from_env();
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let base = self.base_url.or_else(|| env("KONTEXT_BASE_URL")).unwrap_or_else(|| DEFAULT_BASE_URL.into());
        let base = base.trim_end_matches('/').to_string();
        let shown = redact_url(&base);
        let parsed =
            reqwest::Url::parse(&base).map_err(|e| Error::InvalidInput(format!("invalid base URL {shown:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::InvalidInput(format!("invalid base URL {shown:?}: expected http(s)://host")));
        }
        // Userinfo in the URL is never sent (the Authorization header is always ours), so it
        // is dropped here, before the URL can reach a Debug output, an error or a log.
        let base = if parsed.password().is_some() || !parsed.username().is_empty() {
            let mut clean = parsed.clone();
            let _ = clean.set_username("");
            let _ = clean.set_password(None);
            clean.to_string().trim_end_matches('/').to_string()
        } else {
            base
        };
        let version = self.api_version.unwrap_or_else(|| "v1".into());
        let api_base = format!("{base}/api/{version}");
        let timeout = crate::limits::clamp_timeout(self.timeout.unwrap_or(Duration::from_secs(60)), "timeout")?;
        let connect_timeout =
            crate::limits::clamp_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(5)), "connect_timeout")?;
        let limits = self.limits;
        if limits.max_body_bytes == 0 || limits.max_error_body_bytes == 0 || limits.max_token_body_bytes == 0 {
            return Err(Error::InvalidInput("body size limits must be positive".into()));
        }
        if limits.max_pages == 0 {
            return Err(Error::InvalidInput("max_pages must be positive".into()));
        }
        let mut retry = self.retry.unwrap_or_default();
        if let Some(n) = self.max_retries {
            retry.max_retries = n;
        }

        let mut agent = format!("kontext-mgmt-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(suffix) = &self.user_agent_suffix {
            agent = format!("{agent} {suffix}");
        }
        let http = reqwest::Client::builder()
            .user_agent(agent)
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .tls_backend_preconfigured(tls_config()?)
            // The API never redirects; not following keeps credentials where they were
            // sent and skips reqwest's per-request redirect bookkeeping.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::InvalidInput(format!("cannot build the HTTP client: {e}")))?;

        let client_id = self.client_id.or_else(|| env("KONTEXT_CLIENT_ID"));
        let client_secret = self.client_secret.or_else(|| env("KONTEXT_CLIENT_SECRET").map(Secret::new));
        let token = self.token.or_else(|| env("KONTEXT_TOKEN").map(Secret::new));
        let auth = match (client_id, client_secret, token) {
            (_, _, Some(token)) if !token.expose().is_empty() => Auth::Static(token),
            (Some(id), Some(secret), _) if !id.is_empty() && !secret.expose().is_empty() => {
                let token_url = self.token_url.unwrap_or_else(|| format!("{base}/oauth2/token"));
                reqwest::Url::parse(&token_url)
                    .map_err(|e| Error::InvalidInput(format!("invalid token URL {token_url:?}: {e}")))?;
                Auth::Credentials(Arc::new(TokenCache::new(
                    http.clone(),
                    token_url,
                    id,
                    secret,
                    self.scopes.unwrap_or_else(|| vec!["management:all".into()]),
                    Some(self.audience.unwrap_or_else(|| api_base.clone())),
                    limits,
                )))
            }
            (Some(_), None, _) | (None, Some(_), _) => {
                return Err(Error::InvalidInput("client_id and client_secret must be given together".into()))
            }
            _ => {
                return Err(Error::InvalidInput(
                    "no credentials: pass client_id and client_secret, or a token \
                     (or set KONTEXT_CLIENT_ID and KONTEXT_CLIENT_SECRET, or KONTEXT_TOKEN)"
                        .into(),
                ))
            }
        };
        let transport = Transport {
            shared: Arc::new(Shared { http: http.clone(), auth, limits }),
            options: Arc::new(CallOptions { timeout, retry }),
        };
        Ok(Client::new_with_client(&api_base, http, transport))
    }
}

/// `url` with the userinfo's password replaced by `***` (the user name stays).
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string().trim_end_matches('/').to_string()
        }
        Ok(_) => url.to_string(),
        // Unparsable: shown as given unless it may hold userinfo.
        Err(_) if !url.contains('@') => url.to_string(),
        Err(_) => "<invalid URL with userinfo>".to_string(),
    }
}

/// One TLS configuration per process: loading the system's root certificates costs a few
/// milliseconds, which every client would otherwise pay again.
fn tls_config() -> Result<rustls::ClientConfig> {
    static CONFIG: std::sync::OnceLock<std::result::Result<rustls::ClientConfig, String>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            // Also the process default, for other rustls users that expect one (reqwest's own
            // default client among them); an existing default is left alone.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| e.to_string())?;
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(config)
        })
        .clone()
        .map_err(|e| Error::InvalidInput(format!("cannot set up TLS: {e}")))
}

impl Client {
    /// Start configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment alone.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::default().build()
    }

    /// A handle sharing this client's connections and token, with other call options
    /// (timeout, retries) — e.g. `client.with_options(|o| o.timeout = Duration::from_secs(5))`.
    pub fn with_options(&self, change: impl FnOnce(&mut CallOptions)) -> Client {
        use progenitor_client::ClientInfo;
        let mut options = (*self.inner().options).clone();
        change(&mut options);
        // Same bounds as the builder's; a zero timeout becomes the 1 ms minimum here.
        options.timeout = options.timeout.clamp(crate::limits::MIN_TIMEOUT, crate::limits::MAX_TIMEOUT);
        let transport = Transport { shared: Arc::clone(&self.inner().shared), options: Arc::new(options) };
        Client::new_with_client(self.baseurl(), self.client().clone(), transport)
    }

    /// The API base URL with any password in it masked, for reprs and logs.
    pub fn redacted_base_url(&self) -> String {
        use progenitor_client::ClientInfo;
        redact_url(self.baseurl())
    }

    /// The size and page limits of this client.
    pub fn limits(&self) -> &crate::limits::Limits {
        use progenitor_client::ClientInfo;
        &self.inner().shared.limits
    }

    /// This handle's call options.
    pub fn options(&self) -> &CallOptions {
        use progenitor_client::ClientInfo;
        &self.inner().options
    }

    /// Fetches a new token now (client credentials only; a static token is left alone).
    pub async fn refresh_token(&self) -> Result<()> {
        use progenitor_client::ClientInfo;
        if let Auth::Credentials(cache) = &self.inner().shared.auth {
            let stale = cache.current_generation().unwrap_or(0);
            let options = &self.inner().options;
            let wait = tokio::time::timeout(options.timeout, cache.refresh(Some(stale), options));
            wait.await.map_err(|_| crate::transport::token_timeout(options.timeout))?.map_err(token_error)?;
        }
        Ok(())
    }

    /// Forgets the cached token; the next call fetches a new one.
    pub fn clear_token(&self) {
        use progenitor_client::ClientInfo;
        if let Auth::Credentials(cache) = &self.inner().shared.auth {
            cache.clear();
        }
    }
}

pub(crate) fn token_error(failure: crate::auth::TokenFailure) -> Error {
    match failure {
        crate::auth::TokenFailure::Transport(e) => Error::from_reqwest(e),
        crate::auth::TokenFailure::Status { status, headers, body } => {
            Error::from_response_parts(status, &headers, &body)
        }
        crate::auth::TokenFailure::Decode(message) => Error::Decode { message, source: None },
        crate::auth::TokenFailure::Timeout(message) => Error::Timeout { message, source: None },
    }
}
