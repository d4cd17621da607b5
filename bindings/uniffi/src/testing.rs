//! The test kit for Kotlin and Swift: an emulator running in this process, on the core's
//! runtime. Generic: the emulator-only routes go through one `admin` call, and the options
//! are the emulator's own description of them (`KitOptions`), which the parity test
//! checks against [`EmulatorOptions`].

use crate::{JsonValue, KontextError, KontextManagementClient};
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

/// An in-process Kontext Management API emulator on a free loopback port. Kotlin: `use { }`
/// or `close()`; Swift: `stop()` (or let it go). Stopping frees its port and state.
/// The `faults` option as the emulator reads it: JSON text as that JSON, any other text as
/// the `--faults` syntax (a JSON string).
fn faults_value<S: serde::Serializer>(faults: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let value = faults.as_ref().map(|text| {
        serde_json::from_str::<serde_json::Value>(text).unwrap_or_else(|_| serde_json::Value::String(text.clone()))
    });
    value.serialize(s)
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

    /// The request log, oldest first (at most `limit`, at most 1000), as a JSON array.
    #[uniffi::method(default(limit = 1000))]
    pub fn requests(&self, limit: u32) -> Result<JsonValue, KontextError> {
        let log = self.admin("GET".into(), format!("requests?limit={limit}"), None)?;
        let v: serde_json::Value = serde_json::from_str(&log.0).map_err(invalid)?;
        Ok(JsonValue(v.get("items").cloned().unwrap_or_default().to_string()))
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

    /// Replaces the fault configuration (JSON: the `--faults` text as a string, or the
    /// object); `None` clears it.
    #[uniffi::method(default(faults = None))]
    pub fn set_faults(&self, faults: Option<JsonValue>) -> Result<(), KontextError> {
        let body = faults.unwrap_or_else(|| JsonValue("null".into()));
        self.admin("PUT".into(), "faults".into(), Some(body)).map(drop)
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
    fn faults_take_the_command_line_text_or_json() {
        for faults in ["latency=1ms,seed=3", r#"{"latencyMs": 1}"#] {
            let emu = Emulator::start(Some(EmulatorOptions { faults: Some(faults.into()), ..Default::default() }))
                .expect(faults);
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
