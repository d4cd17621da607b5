//! Building a [`Client`] (the options themselves are in `options.rs`), and what a built
//! client offers beyond the generated calls.

use crate::auth::Auth;
use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::secret::Secret;
use crate::transport::{CallOptions, Transport};
use crate::Client;
use std::sync::Arc;

/// The production host. The SDK appends `/api/{api_version}`.
pub const DEFAULT_BASE_URL: &str = "https://api.kontext.dev";

/// Builds a [`Client`] from [`ClientOptions`], one setter per option (generated from the
/// options' fields, with their docs), plus [`ClientBuilder::credentials`] for the pair.
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    pub(crate) options: ClientOptions,
}

impl ClientBuilder {
    /// Service-account client credentials (tokens are fetched and refreshed for you).
    pub fn credentials(self, client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        self.client_id(client_id).client_secret(client_secret)
    }

    /// The options set so far.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    pub fn build(self) -> Result<Client> {
        self.options.build()
    }
}

impl From<ClientOptions> for ClientBuilder {
    fn from(options: ClientOptions) -> Self {
        ClientBuilder { options }
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
