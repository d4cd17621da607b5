//! A faithful, stateful, in-memory Kontext Management API server.
//!
//! Start it in-process from any test and point a client at [`Emulator::url`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), kontext_mgmt_emulator::EmulatorError> {
//! use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
//! let emu = Emulator::start(Config::default()).await?;
//! let base = emu.url(); // "http://127.0.0.1:PORT"; the API is under {base}/api/v1
//! // POST {base}/oauth2/token with DEFAULT_CLIENT_ID / DEFAULT_CLIENT_SECRET ...
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! It serves `POST /oauth2/token` (client credentials), every operation of
//! `openapi/kontext-management.yaml` under `/api/v1` (requests are validated against
//! that spec), and emulator-only admin routes under `/_emulator/` (seeding, reset,
//! stats, request log, fault injection; see the crate README).
//!
//! # Seed format
//!
//! `--seed FILE` and `POST /_emulator/seed` take one JSON object; every key is optional
//! and objects are merged into the current state (an object whose `id` already exists
//! replaces it):
//!
//! ```json
//! {
//!   "applications":    [{"id": "…uuid", "name": "PR Reviewer", "description": "…",
//!                        "oauth": {"type": "confidential", "redirectUris": ["http://localhost/cb"]},
//!                        "integrationIds": ["…uuid"]}],
//!   "integrations":    [{"id": "…uuid", "name": "GitHub", "url": "https://mcp.github.com/sse",
//!                        "authMode": "none", "category": "gateway_remote_mcp"}],
//!   "serviceAccounts": [{"id": "…uuid", "name": "ci-bot", "description": "…",
//!                        "clientSecret": "fixed-secret-for-tests"}],
//!   "sessions":        [{"id": "…uuid", "agentId": "<application id>", "name": "swift-falcon",
//!                        "status": "active", "derivedStatus": "idle", "lastActiveAt": "2026-01-15T10:30:00Z",
//!                        "hostname": "laptop", "clientInfo": {"name": "claude-code"}}],
//!   "events":          [{"id": "e1", "traceId": "t1", "sessionId": "…", "eventType": "hook.pre_tool_call",
//!                        "status": "ok", "toolName": "search", "durationMs": 12,
//!                        "authenticatedUserId": "user_1", "createdAt": "2026-01-15T10:30:00Z"}],
//!   "traces":          [{"traceId": "t1", "sessionId": "…", "agentId": "<application id>",
//!                        "startedAt": "2026-01-15T10:30:00Z", "ownerUserId": "user_1"}],
//!   "policy":          {"policyEnabled": true,
//!                       "rules": [{"action": "allow", "scope": "tool", "level": "org", "toolName": "search"}]}
//! }
//! ```
//!
//! Applications, integrations and service accounts take the fields of their create
//! request (same validation, same uniqueness rules) plus an optional `id`; applications
//! also `integrationIds`, integrations `validationStatus`, service accounts a fixed
//! `clientSecret`. Sessions, traces and events take the fields of the `Session`,
//! `Trace` and `McpEvent` schemas; missing fields get defaults (new ids, `now`,
//! `status: active`/`ok`, trace counts computed from the seeded events, `agentName`
//! from the application) and the result is validated against the spec. Sessions accept
//! `applicationId` as an alias of `agentId`.

#![forbid(unsafe_code)]

mod admin;
mod api;
pub mod cli;
mod faults;
mod fixtures;
mod kit;
mod locks;
#[cfg(feature = "cedar")]
mod policy;
mod reply;
mod reqlog;
mod seed;
mod server;
mod spec;
mod state;
mod store;
mod token;

pub use faults::{FaultSpec, ScriptedFault};
pub use kit::{AdminReply, KitOptions};
pub use reqlog::LoggedRequest;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Client id of the bootstrap service account (documented default).
pub const DEFAULT_CLIENT_ID: &str = "sa_11111111-1111-4111-8111-111111111111";
/// Client secret of the bootstrap service account (documented default).
pub const DEFAULT_CLIENT_SECRET: &str = "kontext-emulator-secret";

/// How to run an emulator.
#[derive(Clone)]
pub struct Config {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// Bootstrap service-account credentials (can always mint tokens; not listed).
    pub client_id: String,
    pub client_secret: String,
    pub token_ttl: Duration,
    /// Requests per minute per credential; 0 turns the limit off.
    pub rate_limit: u32,
    /// Fixture data applied at start (see the crate docs for the format).
    pub seed: Option<PathBuf>,
    /// Persist every object to this JSON file (atomic writes) and reload it at start.
    pub state: Option<PathBuf>,
    pub faults: Option<FaultSpec>,
    /// Largest accepted request body; larger ones get 413.
    pub max_body_bytes: usize,
    /// Time a client has to send a request's headers (also how long an idle
    /// keep-alive connection stays open); the connection is closed after it.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body once its headers are in; 408 after it.
    pub body_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// Per-request share of the request log: a logged body longer than this keeps
    /// only a prefix (with its size and SHA-256).
    pub log_body_bytes: usize,
    /// Memory ceiling of the whole request log; the oldest entries go first.
    pub log_max_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            token_ttl: Duration::from_secs(3600),
            rate_limit: 120,
            seed: None,
            state: None,
            faults: None,
            max_body_bytes: 1 << 20,
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            log_body_bytes: 16 << 10,
            log_max_bytes: 16 << 20,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("token_ttl", &self.token_ttl)
            .field("rate_limit", &self.rate_limit)
            .field("seed", &self.seed)
            .field("state", &self.state)
            .field("faults", &self.faults)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("max_connections", &self.max_connections)
            .field("log_body_bytes", &self.log_body_bytes)
            .field("log_max_bytes", &self.log_max_bytes)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read state file {}: {source}", path.display())]
    StateRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state file {} is corrupt: {message} (fix or remove it)", path.display())]
    StateCorrupt { path: PathBuf, message: String },
    #[error("cannot write state file {}: {source}", path.display())]
    StateWrite {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read seed file {}: {source}", path.display())]
    SeedRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("seed file {} is invalid: {message}", path.display())]
    SeedInvalid { path: PathBuf, message: String },
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// A running emulator. Dropping it stops the server too; [`Emulator::shutdown`] also
/// waits for the listener to close.
pub struct Emulator {
    addr: SocketAddr,
    app: Arc<state::App>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).finish()
    }
}

impl Emulator {
    /// Binds, loads `state`/`seed`, and spawns the server on the current tokio runtime.
    pub async fn start(config: Config) -> Result<Emulator, EmulatorError> {
        if let Some(f) = &config.faults {
            f.check().map_err(EmulatorError::Config)?;
        }
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(EmulatorError::Config("client id and client secret must not be empty".into()));
        }
        if config.max_body_bytes == 0 || config.max_connections == 0 || config.log_max_bytes == 0 {
            return Err(EmulatorError::Config(
                "max body bytes, max connections and log max bytes must be positive".into(),
            ));
        }
        if config.header_timeout.is_zero() || config.body_timeout.is_zero() {
            return Err(EmulatorError::Config("header and body timeouts must be positive".into()));
        }
        let listener = server::listen(&config.host, config.port).await?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind { addr: format!("{}:{}", config.host, config.port), source })?;
        let (app, fresh) = state::App::open(config, addr)?;
        if fresh {
            seed::initial(&app)?;
        }
        app.persist_checked()?;
        let app = Arc::new(app);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&app), stopped));
        tracing::info!(%addr, "kontext emulator listening");
        Ok(Emulator { addr, app, stop, task })
    }

    /// `http://HOST:PORT`, without a trailing slash and without `/api/v1`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The client id of the bootstrap service account (it can always mint tokens).
    pub fn client_id(&self) -> &str {
        &self.app.config.client_id
    }

    /// The client secret of the bootstrap service account.
    pub fn client_secret(&self) -> &str {
        &self.app.config.client_secret
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config { client_secret: "top-secret-value".into(), ..Config::default() };
        let shown = format!("{config:?}");
        assert!(!shown.contains("top-secret-value"));
        assert!(shown.contains(DEFAULT_CLIENT_ID));
        let secret = store::Secret("another-secret".into());
        assert!(!format!("{secret:?}").contains("another-secret"));
    }
}
