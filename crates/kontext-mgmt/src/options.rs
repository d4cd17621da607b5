//! The client options, defined once.
//!
//! Every option of every language is a field of [`ClientOptions`]: the bindings' constructor
//! arguments (Python's `Client(...)` keywords, Node's `KontextManagementClientOptions`,
//! Kotlin's and Swift's `KontextManagementClient(...)`) and the setters of
//! [`ClientBuilder`](crate::ClientBuilder) are generated from these fields by
//! `kontext-mgmt-codegen` (its `options` module reads this file): a field's doc comment is
//! the option's documentation in every language, and its type decides the native type
//! (`Duration` is seconds in Python, milliseconds in Node, `Duration`/`TimeInterval` in
//! Kotlin/Swift). The environment defaults and all validation are in [`ClientOptions::build`].

use crate::auth::{Auth, TokenCache};
use crate::call::CallOptions;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{Shared, Transport};
use crate::Client;
use std::sync::Arc;
use std::time::Duration;

/// Options of a [`Client`]. Every one is optional: unset values come from the environment
/// (`KONTEXT_BASE_URL`, `KONTEXT_CLIENT_ID`, `KONTEXT_CLIENT_SECRET`, `KONTEXT_TOKEN`), then
/// from the defaults.
///
/// The field order is the order of the Kotlin and Swift constructor's parameters.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Host of the API, e.g. `https://api.kontext.dev` (the default, or `KONTEXT_BASE_URL`); `/api/{api_version}` is appended.
    pub base_url: Option<String>,
    /// Service-account client id, given together with `client_secret` (default `KONTEXT_CLIENT_ID`); tokens are fetched, cached and refreshed for you.
    pub client_id: Option<String>,
    /// Service-account client secret, given together with `client_id` (default `KONTEXT_CLIENT_SECRET`).
    pub client_secret: Option<Secret>,
    /// A bearer token to send as is, instead of client credentials (default `KONTEXT_TOKEN`).
    pub token: Option<Secret>,
    /// Where tokens are fetched; `{base_url}/oauth2/token` by default.
    pub token_url: Option<String>,
    /// Scopes asked for with client credentials; `["management:all"]` by default.
    pub scopes: Option<Vec<String>>,
    /// Audience asked for with client credentials; `{base_url}/api/{api_version}` by default.
    pub audience: Option<String>,
    /// Time for one attempt; 60 s by default (at least 1 ms; above a year it is clamped).
    pub timeout: Option<Duration>,
    /// Retries after connection errors, 408, 429 and 5xx; 2 by default.
    pub max_retries: Option<u32>,
    /// The path segment after `/api/`; `v1` by default.
    pub api_version: Option<String>,
    /// Time to establish a connection; 5 s by default (at least 1 ms).
    pub connect_timeout: Option<Duration>,
    /// Appended to the User-Agent header, after the SDK's own product token.
    pub user_agent_suffix: Option<String>,
    /// Largest successful response body, in bytes; 32 MiB by default. A larger one fails the call with `ResponseTooLarge` without being read to the end.
    pub max_body_bytes: Option<u64>,
    /// Largest error response body, in bytes; 64 KiB by default (`ResponseTooLarge` above it).
    pub max_error_body_bytes: Option<u64>,
    /// Largest token endpoint response, in bytes; 1 MiB by default (`ResponseTooLarge` above it).
    pub max_token_body_bytes: Option<u64>,
    /// Most pages one pagination walk fetches; 100 000 by default. The walk then fails with `DecodeError` (as it does when the server repeats a cursor).
    pub max_pages: Option<u64>,
    /// Backoff curve, retried statuses and total time budget of a call (Rust only: the other languages set `max_retries`); `max_retries` overrides its count.
    pub retry_policy: Option<RetryPolicy>,
}

impl ClientOptions {
    /// A client with these options, completed from the environment and the defaults.
    pub fn build(self) -> Result<Client> {
        crate::logging::init_from_env();
        // Checked before the environment fills in: half a pair from the caller is a mistake
        // even when the environment holds the other half.
        if self.client_id.is_some() != self.client_secret.is_some() {
            return Err(Error::InvalidInput("client_id and client_secret must be given together".into()));
        }
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
        let defaults = Limits::default();
        let limits = Limits {
            max_body_bytes: self.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            max_error_body_bytes: self.max_error_body_bytes.unwrap_or(defaults.max_error_body_bytes),
            max_token_body_bytes: self.max_token_body_bytes.unwrap_or(defaults.max_token_body_bytes),
            max_pages: self.max_pages.unwrap_or(defaults.max_pages),
        };
        if limits.max_body_bytes == 0 || limits.max_error_body_bytes == 0 || limits.max_token_body_bytes == 0 {
            return Err(Error::InvalidInput("body size limits must be positive".into()));
        }
        if limits.max_pages == 0 {
            return Err(Error::InvalidInput("max_pages must be positive".into()));
        }
        let mut retry = self.retry_policy.unwrap_or_default();
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

// One setter of `ClientBuilder` per field above, generated by the build script.
include!(concat!(env!("OUT_DIR"), "/client_builder.rs"));

/// The production host. The SDK appends `/api/{api_version}`.
pub const DEFAULT_BASE_URL: &str = "https://api.kontext.dev";

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
pub(crate) fn tls_config() -> Result<rustls::ClientConfig> {
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
