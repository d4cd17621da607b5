//! The emulator as every language's test kit starts and drives it.
//!
//! One description of what a kit can set ([`KitOptions`], JSON in camelCase, so the Python,
//! Node, Kotlin and Swift kits hand it over unchanged) and one entry point for the
//! emulator-only routes ([`Emulator::admin`]), so the kits carry no per-route code: the
//! request log, stats, faults, seeding, reset and token minting behave exactly as they do
//! over HTTP under `/_emulator/`.

use crate::{Config, Emulator, EmulatorError, FaultSpec};
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// Everything a test kit can set; every key is optional (JSON, camelCase).
///
/// Defaults are [`Config`]'s, except that the rate limit is off unless `rateLimit` is
/// given: a test suite should not be throttled by accident.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KitOptions {
    /// Address to listen on (default `127.0.0.1`).
    pub host: Option<String>,
    /// Port to listen on; 0 (the default) picks a free one.
    pub port: Option<u16>,
    /// A seed document (the JSON of `--seed`), applied after start.
    pub seed: Option<Value>,
    /// Fault injection: the JSON object of `PUT /_emulator/faults` or the `--faults` text.
    pub faults: Option<Value>,
    /// Requests per minute per credential; 0 or absent: no limit.
    pub rate_limit: Option<u32>,
    /// Lifetime of access tokens, in seconds.
    pub token_ttl: Option<f64>,
    /// Bootstrap service-account credentials.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Persist every object to this JSON file and reload it at start.
    pub state: Option<PathBuf>,
    /// Largest accepted request body, in bytes (larger: 413).
    pub max_body_bytes: Option<usize>,
    /// Seconds a client has to send a request's headers (also the idle keep-alive timeout).
    pub header_timeout: Option<f64>,
    /// Seconds a client has to send a request's body (else 408).
    pub body_timeout: Option<f64>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Longest body text kept per request in the request log.
    pub log_body_bytes: Option<usize>,
    /// Memory ceiling of the request log, in bytes.
    pub log_max_bytes: Option<usize>,
}

// By hand: the bootstrap secret never reaches a Debug line (Config's Debug masks it too).
impl std::fmt::Debug for KitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KitOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("seed", &self.seed.as_ref().map(|_| "…"))
            .field("faults", &self.faults)
            .field("rate_limit", &self.rate_limit)
            .field("token_ttl", &self.token_ttl)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("state", &self.state)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("max_connections", &self.max_connections)
            .field("log_body_bytes", &self.log_body_bytes)
            .field("log_max_bytes", &self.log_max_bytes)
            .finish()
    }
}

/// The longest duration a kit accepts (one day), so a huge number cannot overflow.
const MAX_SECONDS: f64 = 86_400.0;

fn seconds(name: &str, value: Option<f64>, default: Duration) -> Result<Duration, EmulatorError> {
    match value {
        None => Ok(default),
        Some(s) if s > 0.0 && s <= MAX_SECONDS => Ok(Duration::from_secs_f64(s)),
        Some(s) => Err(EmulatorError::Config(format!("{name} must be more than 0 and at most 86400 seconds, not {s}"))),
    }
}

impl KitOptions {
    /// Every option's name (camelCase): what each language's kit must expose (their
    /// parity tests compare against this list).
    pub fn names() -> &'static [&'static str] {
        serde_aux::serde_introspection::serde_introspect::<KitOptions>()
    }

    /// Parses the kit's JSON (an empty string or `null` means every default).
    pub fn from_json(text: &str) -> Result<KitOptions, EmulatorError> {
        if text.trim().is_empty() {
            return Ok(KitOptions::default());
        }
        let v: Value = serde_json::from_str(text).map_err(|e| EmulatorError::Config(format!("options: {e}")))?;
        if v.is_null() {
            return Ok(KitOptions::default());
        }
        serde_json::from_value(v).map_err(|e| EmulatorError::Config(format!("options: {e}")))
    }

    /// The server's configuration, and the seed to apply once it runs.
    pub fn into_config(self) -> Result<(Config, Option<Value>), EmulatorError> {
        let d = Config::default();
        let faults = match self.faults {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => {
                Some(text.parse::<FaultSpec>().map_err(|e| EmulatorError::Config(format!("faults: {e}")))?)
            }
            Some(v) => Some(
                serde_json::from_value::<FaultSpec>(v).map_err(|e| EmulatorError::Config(format!("faults: {e}")))?,
            ),
        };
        let config = Config {
            host: self.host.unwrap_or(d.host),
            port: self.port.unwrap_or(d.port),
            client_id: self.client_id.unwrap_or(d.client_id),
            client_secret: self.client_secret.unwrap_or(d.client_secret),
            token_ttl: seconds("tokenTtl", self.token_ttl, d.token_ttl)?,
            rate_limit: self.rate_limit.unwrap_or(0),
            seed: None,
            state: self.state,
            faults,
            max_body_bytes: self.max_body_bytes.unwrap_or(d.max_body_bytes),
            header_timeout: seconds("headerTimeout", self.header_timeout, d.header_timeout)?,
            body_timeout: seconds("bodyTimeout", self.body_timeout, d.body_timeout)?,
            max_connections: self.max_connections.unwrap_or(d.max_connections),
            log_body_bytes: self.log_body_bytes.unwrap_or(d.log_body_bytes),
            log_max_bytes: self.log_max_bytes.unwrap_or(d.log_max_bytes),
        };
        Ok((config, self.seed.filter(|s| !s.is_null())))
    }
}

/// What an emulator-only route answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminReply {
    pub status: u16,
    /// The JSON body (empty for 204).
    pub body: Vec<u8>,
}

impl AdminReply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error message of a failed call (the body's `message`, or the status).
    pub fn message(&self) -> String {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| format!("status {}", self.status))
    }
}

impl Emulator {
    /// Starts an emulator from a kit's options (see [`KitOptions`]) and applies its seed;
    /// a seed that does not validate stops the emulator again and is the error.
    pub async fn start_kit(options: KitOptions) -> Result<Emulator, EmulatorError> {
        let (config, seed) = options.into_config()?;
        let emulator = Emulator::start(config).await?;
        if let Some(seed) = seed {
            let reply = emulator.admin("POST", "seed", &serde_json::to_vec(&seed).unwrap_or_default());
            if !reply.ok() {
                emulator.shutdown().await;
                return Err(EmulatorError::Config(format!("seed: {}", reply.message())));
            }
        }
        Ok(emulator)
    }

    /// The request log, oldest first: the last `limit` requests (the log keeps at most
    /// 1000, and at most `log_max_bytes` of them).
    pub fn requests(&self, limit: usize) -> Vec<crate::LoggedRequest> {
        self.app.log.entries(limit)
    }

    /// Calls an emulator-only route in-process, with the semantics of
    /// `METHOD /_emulator/ROUTE` over HTTP: `route` is e.g. `"requests?limit=10"`, `"stats"`,
    /// `"faults"`, `"seed"`, `"reset"`, `"tokens"`; `body` is its JSON (or empty).
    pub fn admin(&self, method: &str, route: &str, body: &[u8]) -> AdminReply {
        let uri = format!("/_emulator/{}", route.trim_start_matches('/'));
        let request = axum::http::Request::builder().method(method).uri(uri).body(());
        let Ok(request) = request else {
            return AdminReply { status: 400, body: br#"{"message":"not a valid method or route"}"#.to_vec() };
        };
        let (parts, ()) = request.into_parts();
        let out = crate::admin::handle(&self.app, &parts, body);
        AdminReply { status: out.status.as_u16(), body: out.body }
    }
}
