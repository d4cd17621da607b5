//! The test kit for Kotlin and Swift: an emulator running in this process, on the core's
//! runtime. Generic: the emulator-only routes go through one `admin` call, and the options
//! are the emulator's own description of them (`KitOptions`), which the parity test
//! checks against [`EmulatorOptions`].

use crate::{
    CreateServiceAccountInput, JsonValue, KontextError, KontextManagementClient, ServiceAccountWithCredentials,
};
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// Options of an emulator; every one is optional (Kotlin `EmulatorOptions(rateLimit = 10u)`).
#[derive(Clone, Default, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct EmulatorOptions {
    /// A seed document (JSON): `applications`, `integrations`, `serviceAccounts`, …
    #[uniffi(default = None)]
    pub seed: Option<JsonValue>,
    /// Fault injection: the `--faults` text (`"error_rate=0.5,seed=1"`) or the JSON object
    /// with a `script`.
    #[uniffi(default = None)]
    #[serde(serialize_with = "faults_value")]
    pub faults: Option<String>,
    /// Requests per minute per credential; off unless given.
    #[uniffi(default = None)]
    pub rate_limit: Option<u32>,
    /// Lifetime of access tokens, in seconds.
    #[uniffi(default = None)]
    pub token_ttl: Option<f64>,
    /// Bootstrap service-account credentials.
    #[uniffi(default = None)]
    pub client_id: Option<String>,
    #[uniffi(default = None)]
    pub client_secret: Option<String>,
    /// Address to listen on (default `127.0.0.1`).
    #[uniffi(default = None)]
    pub host: Option<String>,
    /// Port to listen on; 0 (the default) picks a free one.
    #[uniffi(default = None)]
    pub port: Option<u16>,
    /// Persist every object to this JSON file and reload it at start.
    #[uniffi(default = None)]
    pub state: Option<String>,
    /// Largest accepted request body, in bytes (larger: 413).
    #[uniffi(default = None)]
    pub max_body_bytes: Option<u64>,
    /// Seconds a client has to send a request's headers.
    #[uniffi(default = None)]
    pub header_timeout: Option<f64>,
    /// Seconds a client has to send a request's body (else 408).
    #[uniffi(default = None)]
    pub body_timeout: Option<f64>,
    /// Connections served at once.
    #[uniffi(default = None)]
    pub max_connections: Option<u64>,
    /// Longest body text kept per request in the request log.
    #[uniffi(default = None)]
    pub log_body_bytes: Option<u64>,
    /// Memory ceiling of the request log, in bytes.
    #[uniffi(default = None)]
    pub log_max_bytes: Option<u64>,
}

/// One request of the emulator's request log (Kotlin `emu.requests().last().path`).
#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub method: String,
    /// The path without the query, e.g. `/api/v1/applications`.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// The answer's status; 0 when a fault dropped the connection.
    pub status: u16,
    /// The JSON body with credentials shown as `"***"`; `null` when there was none, it was
    /// not JSON, or it was longer than the per-body limit (then see `body_prefix`).
    pub body: JsonValue,
    /// The `x-request-id` the emulator answered with.
    pub request_id: String,
    /// The body's size on the wire.
    pub body_bytes: u64,
    /// True when only `body_prefix` of the (redacted) body was kept.
    pub body_truncated: bool,
    pub body_prefix: Option<String>,
    /// SHA-256 (hex) of the whole redacted JSON text.
    pub body_sha256: Option<String>,
}

impl From<kontext_mgmt_emulator::LoggedRequest> for LoggedRequest {
    fn from(e: kontext_mgmt_emulator::LoggedRequest) -> Self {
        LoggedRequest {
            method: e.method,
            path: e.path,
            query: e.query,
            status: e.status,
            body: JsonValue(e.body.to_string()),
            request_id: e.request_id,
            body_bytes: e.body_bytes,
            body_truncated: e.body_truncated,
            body_prefix: e.body_prefix,
            body_sha256: e.body_sha256,
        }
    }
}

/// An in-process Kontext Management API emulator on a free loopback port. Kotlin: `use { }`
/// or `close()`; Swift: `stop()` (or let it go). Stopping frees its port and state.
/// The `faults` option as the emulator reads it: JSON text as that JSON, any other text as
/// the `--faults` syntax (a JSON string).
fn faults_value<S: serde::Serializer>(faults: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    faults_json(faults).serialize(s)
}

fn faults_json(faults: &Option<String>) -> serde_json::Value {
    faults.as_ref().map_or(serde_json::Value::Null, |text| {
        serde_json::from_str::<serde_json::Value>(text).unwrap_or_else(|_| serde_json::Value::String(text.clone()))
    })
}

#[derive(uniffi::Object)]
pub struct Emulator {
    inner: Mutex<Option<kontext_mgmt_emulator::Emulator>>,
    url: String,
    client_id: String,
    client_secret: String,
}

fn invalid(message: impl std::fmt::Display) -> KontextError {
    KontextError::InvalidInput { message: format!("emulator: {message}") }
}

#[uniffi::export]
impl Emulator {
    /// Starts one; resolves once it listens (and its seed is applied).
    #[uniffi::constructor(default(options = None))]
    pub fn start(options: Option<EmulatorOptions>) -> Result<Arc<Emulator>, KontextError> {
        let json = serde_json::to_string(&options.unwrap_or_default()).map_err(invalid)?;
        let options = kontext_mgmt_emulator::KitOptions::from_json(&json).map_err(invalid)?;
        let emulator = kontext_mgmt::runtime::runtime()
            .block_on(kontext_mgmt_emulator::Emulator::start_kit(options))
            .map_err(invalid)?;
        Ok(Arc::new(Emulator {
            url: emulator.url(),
            client_id: emulator.client_id().to_owned(),
            client_secret: emulator.client_secret().to_owned(),
            inner: Mutex::new(Some(emulator)),
        }))
    }

    /// `http://127.0.0.1:PORT`: the `baseUrl` of a client (the API is under `/api/v1`).
    pub fn base_url(&self) -> String {
        self.url.clone()
    }

    /// The client id of the bootstrap service account (it can always mint tokens).
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// The client secret of the bootstrap service account.
    pub fn client_secret(&self) -> String {
        self.client_secret.clone()
    }

    pub fn running(&self) -> bool {
        self.inner.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// A client for this emulator, authenticated as the bootstrap service account, or with
    /// other credentials or a token.
    #[uniffi::method(default(client_id = None, client_secret = None, token = None, max_retries = None))]
    pub fn client(
        &self,
        client_id: Option<String>,
        client_secret: Option<String>,
        token: Option<String>,
        max_retries: Option<i32>,
    ) -> Result<Arc<KontextManagementClient>, KontextError> {
        let mut options = kontext_mgmt::ClientOptions::default();
        options.base_url = Some(self.url.clone());
        options.max_retries = crate::client::non_negative("maxRetries", max_retries)?;
        match (token, client_id) {
            (Some(token), _) => options.token = Some(kontext_mgmt::Secret::new(token)),
            (None, Some(id)) => {
                options.client_id = Some(id);
                options.client_secret = client_secret.map(kontext_mgmt::Secret::new);
            }
            (None, None) => {
                options.client_id = Some(self.client_id.clone());
                options.client_secret = Some(kontext_mgmt::Secret::new(self.client_secret.clone()));
            }
        }
        crate::client::from_options(options)
    }

    /// `METHOD /_emulator/ROUTE` in-process (the routes of the emulator's README); the JSON
    /// answer, or `InvalidInput` with the emulator's message.
    #[uniffi::method(default(body = None))]
    pub fn admin(&self, method: String, route: String, body: Option<JsonValue>) -> Result<JsonValue, KontextError> {
        let guard = self.inner.lock().map_err(|_| invalid("its lock is poisoned"))?;
        let emulator = guard.as_ref().ok_or_else(|| invalid("it is stopped"))?;
        let body = body.map(|b| b.0).unwrap_or_default();
        let reply = emulator.admin(&method, &route, body.as_bytes());
        if !reply.ok() {
            return Err(invalid(reply.message()));
        }
        let text = String::from_utf8_lossy(&reply.body);
        Ok(JsonValue(if text.is_empty() { "null".into() } else { text.into_owned() }))
    }

    /// The request log, oldest first: the last `limit` requests (the log keeps at most 1000).
    #[uniffi::method(default(limit = 1000))]
    pub fn requests(&self, limit: u32) -> Result<Vec<LoggedRequest>, KontextError> {
        let guard = self.inner.lock().map_err(|_| invalid("its lock is poisoned"))?;
        let emulator = guard.as_ref().ok_or_else(|| invalid("it is stopped"))?;
        Ok(emulator.requests(limit as usize).into_iter().map(LoggedRequest::from).collect())
    }

    /// Creates a service account through the API (as the bootstrap account); its
    /// `credentials` work for [`Emulator::client`].
    #[uniffi::method(default(description = None))]
    pub async fn create_service_account(
        &self,
        name: String,
        description: Option<String>,
    ) -> Result<ServiceAccountWithCredentials, KontextError> {
        // Built from JSON so that optional fields the spec adds later keep their defaults.
        let input: CreateServiceAccountInput =
            serde_json::from_value(serde_json::json!({ "name": name, "description": description })).map_err(invalid)?;
        self.client(None, None, None, None)?.ns_service_accounts().create(input).await
    }

    /// `{"tokensMinted": N, "requests": {"GET /api/v1/applications": N, …}}`.
    pub fn stats(&self) -> Result<JsonValue, KontextError> {
        self.admin("GET".into(), "stats".into(), None)
    }

    /// Merges a seed document into the state (all or nothing); the object counts.
    pub fn seed(&self, document: JsonValue) -> Result<JsonValue, KontextError> {
        self.admin("POST".into(), "seed".into(), Some(document))
    }

    /// Back to an empty state (the bootstrap credential stays).
    pub fn reset(&self) -> Result<(), KontextError> {
        self.admin("POST".into(), "reset".into(), None).map(drop)
    }

    /// Replaces the fault configuration: the `--faults` text (`"error_rate=0.5,seed=1"`) or
    /// the JSON object with a `script`, as the `faults` option takes; `None` clears it.
    #[uniffi::method(default(faults = None))]
    pub fn set_faults(&self, faults: Option<String>) -> Result<(), KontextError> {
        let body = serde_json::to_string(&faults_json(&faults)).map_err(invalid)?;
        self.admin("PUT".into(), "faults".into(), Some(JsonValue(body))).map(drop)
    }

    /// Mints an access token directly (e.g. one without `management:all` to test 403s).
    #[uniffi::method(default(scope = None))]
    pub fn mint_token(&self, scope: Option<String>) -> Result<String, KontextError> {
        let body = match scope {
            Some(scope) => serde_json::json!({ "scope": scope }),
            None => serde_json::json!({}),
        };
        let reply = self.admin("POST".into(), "tokens".into(), Some(JsonValue(body.to_string())))?;
        let v: serde_json::Value = serde_json::from_str(&reply.0).map_err(invalid)?;
        v.get("access_token").and_then(|t| t.as_str()).map(str::to_owned).ok_or_else(|| invalid("no access_token"))
    }

    /// Stops accepting, closes connections and waits for the server; idempotent.
    pub fn stop(&self) {
        let taken = self.inner.lock().ok().and_then(|mut g| g.take());
        if let Some(emulator) = taken {
            kontext_mgmt::runtime::runtime().block_on(emulator.shutdown());
        }
    }
}

/// Kotlin's `close()` (`use { }`) and Swift's last reference end here: stop as `stop()`
/// does, so the port is free and the connections closed when they return (dropping the
/// emulator alone only signals its server task). On a runtime thread, where blocking is not
/// allowed, the signal is all it gets.
impl Drop for Emulator {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            self.stop();
        }
    }
}

/// The emulator's option names (camelCase), as it describes them.
#[uniffi::export]
pub fn emulator_options() -> Vec<String> {
    kontext_mgmt_emulator::KitOptions::names().iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_has_exactly_the_emulator_options() {
        let all = EmulatorOptions {
            seed: Some(JsonValue("{}".into())),
            faults: Some("{}".into()),
            rate_limit: Some(1),
            token_ttl: Some(1.0),
            client_id: Some(String::new()),
            client_secret: Some(String::new()),
            host: Some(String::new()),
            port: Some(0),
            state: Some(String::new()),
            max_body_bytes: Some(1),
            header_timeout: Some(1.0),
            body_timeout: Some(1.0),
            max_connections: Some(1),
            log_body_bytes: Some(1),
            log_max_bytes: Some(1),
        };
        let v = serde_json::to_value(&all).expect("serializes");
        let mut ours: Vec<&str> = v.as_object().expect("an object").keys().map(String::as_str).collect();
        let mut theirs = kontext_mgmt_emulator::KitOptions::names().to_vec();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_log_entry_has_exactly_the_emulators_fields() {
        let entry = LoggedRequest {
            method: String::new(),
            path: String::new(),
            query: None,
            status: 0,
            body: JsonValue("null".into()),
            request_id: String::new(),
            body_bytes: 0,
            body_truncated: false,
            body_prefix: Some(String::new()),
            body_sha256: Some(String::new()),
        };
        let v = serde_json::to_value(&entry).expect("serializes");
        let mut ours: Vec<&str> = v.as_object().expect("an object").keys().map(String::as_str).collect();
        let mut theirs = kontext_mgmt_emulator::LoggedRequest::names().to_vec();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn faults_take_the_command_line_text_or_json() {
        for faults in ["latency=1ms,seed=3", r#"{"latencyMs": 1}"#] {
            let emu = Emulator::start(Some(EmulatorOptions { faults: Some(faults.into()), ..Default::default() }))
                .expect(faults);
            let shown = emu.admin("GET".into(), "faults".into(), None).expect("reads");
            assert!(shown.0.contains(r#""latencyMs":1"#), "{faults}: {}", shown.0);
            emu.set_faults(None).expect("clears");
            emu.set_faults(Some(faults.into())).expect("the same text sets them again");
            let shown = emu.admin("GET".into(), "faults".into(), None).expect("reads");
            assert!(shown.0.contains(r#""latencyMs":1"#), "{faults}: {}", shown.0);
            emu.stop();
        }
        let e = Emulator::start(Some(EmulatorOptions { faults: Some("error_rate=7".into()), ..Default::default() }));
        assert!(matches!(e, Err(KontextError::InvalidInput { ref message }) if message.contains("faults")));
        let e = Emulator::start(None).and_then(|emu| emu.client(None, None, None, Some(-1)).map(drop));
        assert!(matches!(e, Err(KontextError::InvalidInput { ref message }) if message.contains("maxRetries")));
    }

    #[test]
    fn an_emulator_starts_serves_and_stops() {
        let emu = Emulator::start(Some(EmulatorOptions {
            seed: Some(JsonValue(r#"{"applications":[{"name":"seeded"}]}"#.into())),
            ..Default::default()
        }))
        .expect("starts");
        let stats = emu.seed(JsonValue(r#"{"applications":[{"name":"second"}]}"#.into())).expect("seeds");
        assert!(stats.0.contains(r#""applications":2"#), "{}", stats.0);
        assert!(matches!(
            emu.seed(JsonValue(r#"{"applications":[{}]}"#.into())),
            Err(KontextError::InvalidInput { .. })
        ));
        emu.stop();
        assert!(!emu.running());
        assert!(emu.stats().is_err());
    }

    #[test]
    fn dropping_an_emulator_frees_its_port_before_it_returns() {
        let emu = Emulator::start(None).expect("starts");
        let addr = emu.base_url().trim_start_matches("http://").to_owned();
        drop(emu);
        // Nothing listens there any more: a new listener can take the port at once.
        let listener = std::net::TcpListener::bind(&addr).expect("the port is free");
        drop(listener);
    }
}
