//! `KontextManagementClient`: the options of the official SDK; namespaces are generated.

use crate::support::on_runtime;
use crate::KontextError;
use std::sync::Arc;
use std::time::Duration;

/// The Kontext Management API client. One per process is enough: it shares connections
/// and a token cache between all calls and all threads, and is cheap to copy with other
/// options ([`KontextManagementClient::with_options`]).
#[derive(uniffi::Object)]
pub struct KontextManagementClient {
    client: kontext_mgmt::Client,
}

impl KontextManagementClient {
    pub(crate) fn core(&self) -> &kontext_mgmt::Client {
        &self.client
    }
}

fn non_negative(name: &str, n: Option<i32>) -> Result<Option<u32>, KontextError> {
    n.map(|n| {
        u32::try_from(n).map_err(|_| KontextError::InvalidInput { message: format!("{name} must not be negative") })
    })
    .transpose()
}

fn positive(name: &str, n: Option<i64>) -> Result<Option<u64>, KontextError> {
    n.map(|n| match u64::try_from(n) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(KontextError::InvalidInput { message: format!("{name} must be positive") }),
    })
    .transpose()
}

#[uniffi::export]
impl KontextManagementClient {
    /// A client. `base_url` is the host (`https://api.kontext.dev` by default; `/api/v1` is
    /// appended). Authenticate with `client_id` + `client_secret` (tokens are fetched and
    /// refreshed for you) or a bearer `token`; unset values come from `KONTEXT_BASE_URL`,
    /// `KONTEXT_CLIENT_ID`, `KONTEXT_CLIENT_SECRET` and `KONTEXT_TOKEN`. `timeout` is per
    /// attempt (60 s by default); `max_retries` (2 by default) applies to connection errors,
    /// 408, 429 and 5xx. `api_version` is the path segment after `/api/` (`v1`);
    /// `connect_timeout` bounds establishing a connection (5 s); `user_agent` is appended to
    /// the User-Agent header.
    /// Limits: a response body over `max_body_bytes` (32 MiB), an error
    /// body over `max_error_body_bytes` (64 KiB) or a token response over
    /// `max_token_body_bytes` (1 MiB) fails with `ResponseTooLarge`; a walk stops with
    /// `DecodeError` after `max_pages` (100 000) pages or on a repeated cursor.
    #[uniffi::constructor(default(
        base_url = None,
        client_id = None,
        client_secret = None,
        token = None,
        token_url = None,
        scopes = None,
        audience = None,
        timeout = None,
        max_retries = None,
        api_version = None,
        connect_timeout = None,
        user_agent = None,
        max_body_bytes = None,
        max_error_body_bytes = None,
        max_token_body_bytes = None,
        max_pages = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        base_url: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        token: Option<String>,
        token_url: Option<String>,
        scopes: Option<Vec<String>>,
        audience: Option<String>,
        timeout: Option<Duration>,
        max_retries: Option<i32>,
        api_version: Option<String>,
        connect_timeout: Option<Duration>,
        user_agent: Option<String>,
        max_body_bytes: Option<i64>,
        max_error_body_bytes: Option<i64>,
        max_token_body_bytes: Option<i64>,
        max_pages: Option<i64>,
    ) -> Result<Arc<Self>, KontextError> {
        let agent = match user_agent {
            Some(extra) => format!("uniffi {extra}"),
            None => "uniffi".to_string(),
        };
        let mut b = kontext_mgmt::Client::builder().user_agent_suffix(agent);
        if let Some(url) = base_url {
            b = b.base_url(url);
        }
        match (client_id, client_secret) {
            (Some(id), Some(secret)) => b = b.credentials(id, secret),
            (None, None) => {}
            _ => {
                return Err(KontextError::InvalidInput {
                    message: "clientId and clientSecret must be given together".into(),
                })
            }
        }
        if let Some(token) = token {
            b = b.token(token);
        }
        if let Some(url) = token_url {
            b = b.token_url(url);
        }
        if let Some(scopes) = scopes {
            b = b.scopes(scopes);
        }
        if let Some(audience) = audience {
            b = b.audience(audience);
        }
        if let Some(timeout) = timeout {
            b = b.timeout(timeout);
        }
        if let Some(timeout) = connect_timeout {
            if timeout.is_zero() {
                return Err(KontextError::InvalidInput { message: "connectTimeout must be positive".into() });
            }
            b = b.connect_timeout(timeout);
        }
        if let Some(version) = api_version {
            b = b.api_version(version);
        }
        if let Some(n) = non_negative("maxRetries", max_retries)? {
            b = b.max_retries(n);
        }
        if let Some(n) = positive("maxBodyBytes", max_body_bytes)? {
            b = b.max_body_bytes(n);
        }
        if let Some(n) = positive("maxErrorBodyBytes", max_error_body_bytes)? {
            b = b.max_error_body_bytes(n);
        }
        if let Some(n) = positive("maxTokenBodyBytes", max_token_body_bytes)? {
            b = b.max_token_body_bytes(n);
        }
        if let Some(n) = positive("maxPages", max_pages)? {
            b = b.max_pages(n);
        }
        Ok(Arc::new(KontextManagementClient { client: b.build()? }))
    }

    /// A client sharing this one's connections and token, with another timeout and/or
    /// number of retries.
    #[uniffi::method(default(timeout = None, max_retries = None))]
    pub fn with_options(&self, timeout: Option<Duration>, max_retries: Option<i32>) -> Result<Arc<Self>, KontextError> {
        let timeout = timeout.map(|t| kontext_mgmt::limits::clamp_timeout(t, "timeout")).transpose()?;
        let retries = non_negative("maxRetries", max_retries)?;
        let client = self.client.with_options(|o| {
            if let Some(t) = timeout {
                o.timeout = t;
            }
            if let Some(n) = retries {
                o.retry.max_retries = n;
            }
        });
        Ok(Arc::new(KontextManagementClient { client }))
    }

    /// Fetches a new token now (client credentials; a static token is left alone).
    pub async fn refresh_token(&self) -> Result<(), KontextError> {
        let client = self.client.clone();
        on_runtime(async move { Ok(client.refresh_token().await?) }).await
    }

    /// Forgets the cached token; the next call fetches a new one.
    pub fn clear_token(&self) {
        self.client.clear_token();
    }
}
