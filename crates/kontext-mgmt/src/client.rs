//! Building a [`Client`] (the options themselves are in `options.rs`), and what a built
//! client offers beyond the generated calls.

use crate::auth::Auth;
use crate::call::CallOptions;
use crate::error::Result;
use crate::options::ClientOptions;
use crate::secret::Secret;
use crate::transport::Transport;
use crate::Client;
use std::sync::Arc;

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
        crate::options::redact_url(self.baseurl())
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
            wait.await.map_err(|_| crate::call::token_timeout(options.timeout))?.map_err(crate::auth::token_error)?;
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
