//! Shared helpers: start an emulator in-process and talk to it over loopback HTTP.
#![allow(dead_code)]

use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

pub struct Api {
    pub emu: Option<Emulator>,
    pub base: String,
    pub client: Client,
    pub token: String,
}

pub fn config() -> Config {
    Config { rate_limit: 0, ..Config::default() }
}

pub async fn start() -> Api {
    start_with(config()).await
}

/// A reqwest client; plain http needs no TLS, but reqwest insists on a crypto provider.
pub fn client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new()
}

pub async fn start_with(cfg: Config) -> Api {
    let emu = Emulator::start(cfg).await.expect("start emulator");
    let base = emu.url();
    let client = client();
    let token = mint(&client, &base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.expect("bootstrap token");
    Api { emu: Some(emu), base, client, token }
}

/// Client-credentials grant with HTTP Basic; `Err(status)` on failure.
pub async fn mint(client: &Client, base: &str, id: &str, secret: &str) -> Result<String, u16> {
    let r = client
        .post(format!("{base}/oauth2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "management:all")])
        .send()
        .await
        .expect("token request");
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    match v["access_token"].as_str() {
        Some(t) if status == 200 => Ok(t.to_owned()),
        _ => Err(status),
    }
}

pub async fn to_resp(r: reqwest::Response) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp { status, headers, body, text }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub async fn call_with(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut req = self.client.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        to_resp(req.send().await.expect("request")).await
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.call_with(&self.token, method, path, body).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn post_empty(&self, path: &str) -> Resp {
        self.call(Method::POST, path, None).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut req = self.client.request(method, format!("{}/_emulator/{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        to_resp(req.send().await.expect("admin request")).await
    }

    /// Every item of a cursor list, walked `limit` at a time (asserting each page's size).
    pub async fn walk(&self, path: &str, limit: usize) -> Vec<Value> {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let sep = if path.contains('?') { '&' } else { '?' };
        loop {
            let page = match &cursor {
                Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
                None => format!("{path}{sep}limit={limit}"),
            };
            let r = self.get(&page).await;
            assert_eq!(r.status, 200, "{page}: {}", r.text);
            let items = r.body["items"].as_array().expect("items");
            assert!(items.len() <= limit, "{page}: {} items", items.len());
            seen.extend(items.iter().cloned());
            match r.body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return seen,
            }
        }
    }

    pub async fn seed(&self, seed: Value) -> Resp {
        let r = self.admin(Method::POST, "seed", Some(seed)).await;
        assert_eq!(r.status, 200, "seed failed: {}", r.text);
        r
    }

    /// Creates an application and returns its id.
    pub async fn create_app(&self, name: &str) -> String {
        let r = self
            .post(
                "/applications",
                serde_json::json!({"name": name, "oauth": {"redirectUris": ["http://localhost/cb"]}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["application"]["id"].as_str().expect("id").to_owned()
    }

    pub async fn create_integration(&self, body: Value) -> String {
        let r = self.post("/integrations", body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["integration"]["id"].as_str().expect("id").to_owned()
    }

    pub async fn shutdown(mut self) {
        if let Some(e) = self.emu.take() {
            e.shutdown().await;
        }
    }
}

/// The `kontext-emulator` binary as a process (the startup-contract and flood tests).
pub const BIN: &str = env!("CARGO_BIN_EXE_kontext-emulator");

/// A `kontext-emulator` process, killed on drop; `stdout` is after its first line.
pub struct Running {
    pub child: std::process::Child,
    pub base: String,
    pub stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `cmd` (the binary, its arguments and stderr set by the caller) and reads its first
/// line, `listening on URL`; panics with its stderr (when piped) if it prints nothing.
pub fn spawn_binary(cmd: &mut std::process::Command) -> Running {
    use std::io::{BufRead, Read};
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().expect("spawn kontext-emulator");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("read first line");
    if first.is_empty() {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        panic!("emulator printed nothing; stderr: {err}");
    }
    let base = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    Running { child, base, stdout }
}
