//! Conformance runner for Rust (tests/scenarios/README.md): every scenario of
//! `tests/scenarios/*.json` through the untyped call path (`client.call` / `client.pager`),
//! against a fresh emulator state, writing the normalized transcript to
//! `target/scenarios/rust.txt` (or `$KONTEXT_SCENARIO_OUT`). Uses the emulator at
//! `$KONTEXT_EMULATOR_URL` when set (tests/scenarios/run.sh), else starts one in process;
//! runs the scenarios of `$KONTEXT_SCENARIO_DIR` when set (a selection), else all.

use kontext_mgmt::ops::CallArgs;
use kontext_mgmt::Client;
use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn is_uuid_at(s: &[u8]) -> bool {
    s.len() >= 36
        && s[..36].iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..19].iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            _ => c.is_ascii_digit(),
        })
}

fn volatile_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["secret", "token", "cursor", "requestid", "sha256"].iter().any(|w| k.contains(w))
}

struct Normalizer {
    base: String,
    seen: HashMap<(&'static str, String), usize>,
    counts: HashMap<&'static str, usize>,
}

impl Normalizer {
    fn new(base: &str) -> Self {
        Normalizer { base: base.to_string(), seen: HashMap::new(), counts: HashMap::new() }
    }

    fn num(&mut self, kind: &'static str, value: &str) -> String {
        let key = (kind, value.to_string());
        if !self.seen.contains_key(&key) {
            let n = self.counts.entry(kind).or_insert(0);
            *n += 1;
            self.seen.insert(key.clone(), *n);
        }
        format!("<{kind}:{}>", self.seen[&key])
    }

    fn value(&mut self, v: &Value, key: &str) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), self.value(&m[k], k));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.value(x, key)).collect()),
            Value::String(s) => {
                if is_timestamp(s) {
                    return json!("<timestamp>");
                }
                if volatile_key(key) && !(s.len() == 36 && is_uuid_at(s.as_bytes())) {
                    return Value::String(self.num("secret", s));
                }
                let s = s.replace(&self.base, "<base>");
                let (bytes, mut out, mut i) = (s.as_bytes(), String::new(), 0);
                while i < bytes.len() {
                    if is_uuid_at(&bytes[i..]) {
                        out.push_str(&self.num("uuid", &s[i..i + 36]));
                        i += 36;
                    } else {
                        let ch = s[i..].chars().next().unwrap();
                        out.push(ch);
                        i += ch.len_utf8();
                    }
                }
                Value::String(out)
            }
            // 1.0 and 1 are one JSON number (JavaScript prints both as 1).
            Value::Number(n)
                if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) && !n.is_i64() && !n.is_u64() =>
            {
                json!(n.as_f64().unwrap() as i64)
            }
            other => other.clone(),
        }
    }
}

fn pointer<'a>(doc: &'a Value, ptr: &str) -> Option<&'a Value> {
    doc.pointer(ptr)
}

fn subst(v: &Value, env: &HashMap<String, Value>) -> Value {
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                if !name.contains('$') {
                    return env.get(name).unwrap_or_else(|| panic!("unknown variable {name}")).clone();
                }
            }
            let mut out = s.clone();
            for (k, val) in env {
                let text = match val {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("${{{k}}}"), &text);
            }
            Value::String(out)
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), subst(x, env))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(|x| subst(x, env)).collect()),
        other => other.clone(),
    }
}

async fn admin(http: &reqwest::Client, url: &str, method: &str, path: &str, body: Option<&Value>) -> Value {
    let mut req = http.request(method.parse().unwrap(), format!("{url}{path}"));
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.expect("admin request");
    assert!(resp.status().is_success(), "admin {method} {path}: {}", resp.status());
    let bytes = resp.bytes().await.unwrap();
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    }
}

enum Outcome {
    Ok(Option<u16>, Value),
    Err(String, Option<u16>, Value),
}

/// What the typed Rust model of `op`'s answer reads (re-serialized: an absent optional field
/// is absent), and the pointers of `step["unknown"]` that it decoded as an `Unknown(..)` enum
/// value. Only the operations whose scenarios have a `read` list are here; this runner
/// otherwise calls the untyped path.
fn typed_view(op: &str, body: &[u8]) -> Result<(Value, Vec<&'static str>), String> {
    use kontext_mgmt::enums::{ConnectionState, ValidationStatus};
    use kontext_mgmt::types;
    fn decode<T: serde::de::DeserializeOwned + serde::Serialize>(body: &[u8]) -> Result<(T, Value), String> {
        let typed: T = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let view = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
        Ok((typed, view))
    }
    Ok(match op {
        "serviceAccounts_get" => (decode::<types::ServiceAccountResponse>(body)?.1, vec![]),
        "integrations_get" => (decode::<types::IntegrationResponse>(body)?.1, vec![]),
        "events_list" => (decode::<types::McpEventList>(body)?.1, vec![]),
        "traces_stats" => (decode::<types::TraceStats>(body)?.1, vec![]),
        "applications_get" => (decode::<types::ApplicationResponse>(body)?.1, vec![]),
        "applications_list" => (decode::<types::ApplicationList>(body)?.1, vec![]),
        "integrations_validate" => {
            let (t, v) = decode::<types::ValidationResult>(body)?;
            (v, if matches!(t.status, ValidationStatus::Unknown(_)) { vec!["/status"] } else { vec![] })
        }
        "integrations_getConnectionStatus" => {
            let (t, v) = decode::<types::ConnectionResponse>(body)?;
            (
                v,
                if matches!(t.connection.status, ConnectionState::Unknown(_)) {
                    vec!["/connection/status"]
                } else {
                    vec![]
                },
            )
        }
        other => return Err(format!("no typed view of {other} in the Rust runner")),
    })
}

/// `{"message": ..., "missingScopes": [...], "diagnostics": [...]}` of an error, as the scenario's `expect` compares it.
fn explained(e: &kontext_mgmt::Error) -> Value {
    json!({ "message": e.message(), "missingScopes": e.missing_scopes(), "diagnostics": e.diagnostics() })
}

async fn run_step(http: &reqwest::Client, url: &str, client: &Client, step: &Value) -> (String, Outcome) {
    if let Some(kind) = step["admin"].as_str() {
        let (method, path) = match kind {
            "seed" => ("POST", "/_emulator/seed"),
            "faults" => ("PUT", "/_emulator/faults"),
            "tokens" => ("POST", "/_emulator/tokens"),
            "stats" => ("GET", "/_emulator/stats"),
            "reset" => ("POST", "/_emulator/reset"),
            other => panic!("unknown admin step {other}"),
        };
        let body = admin(http, url, method, path, step.get("body")).await;
        return (format!("admin:{kind}"), Outcome::Ok(None, body));
    }
    let op = step["op"].as_str().expect("op").to_string();
    let mut c = client.clone();
    if let Some(cfg) = step.get("client") {
        let mut b = Client::builder().base_url(url);
        b = match cfg.get("token").and_then(Value::as_str) {
            Some(t) => b.token(t.to_string()),
            None => b.credentials(
                cfg["clientId"].as_str().unwrap_or(DEFAULT_CLIENT_ID).to_string(),
                cfg["clientSecret"].as_str().unwrap_or(DEFAULT_CLIENT_SECRET).to_string(),
            ),
        };
        if let Some(scopes) = cfg.get("scopes").and_then(Value::as_array) {
            b = b.scopes(scopes.iter().map(|s| s.as_str().expect("a scope is a string")));
        }
        c = b.build().expect("client");
    }
    if let Some(opts) = step.get("options") {
        let timeout = opts.get("timeout").and_then(Value::as_f64);
        let retries = opts.get("maxRetries").and_then(Value::as_u64);
        c = c.with_options(|o| {
            if let Some(t) = timeout {
                o.timeout = Duration::from_secs_f64(t);
            }
            if let Some(r) = retries {
                o.retry.max_retries = r as u32;
            }
        });
    }
    let args = CallArgs {
        path: step["path"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default(),
        query: step["query"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        body: step.get("body").cloned(),
    };
    let err = |e: kontext_mgmt::Error| Outcome::Err(e.kind().name().to_string(), e.status(), explained(&e));
    if step["walk"].as_bool() == Some(true) {
        let mut pager = match c.pager(&op, args) {
            Ok(p) => p,
            Err(e) => return (op, err(e)),
        };
        let mut items = Vec::new();
        loop {
            match pager.next_page().await {
                Ok(Some(page)) => {
                    let v: Value = serde_json::from_slice(&page.body).unwrap();
                    items.extend(v["items"].as_array().cloned().unwrap_or_default());
                }
                Ok(None) => break,
                Err(e) => return (op, err(e)),
            }
        }
        return (op, Outcome::Ok(None, json!({ "items": items })));
    }
    match c.call(&op, &args).await {
        Ok(r) => {
            let body = if r.body.is_empty() { Value::Null } else { serde_json::from_slice(&r.body).unwrap() };
            (op, Outcome::Ok(Some(r.status), body))
        }
        Err(e) => (op, err(e)),
    }
}

/// Where the scenarios are, and whether that is all of them: `$KONTEXT_SCENARIO_DIR` holds
/// a selection (tests/scenarios/run.sh NAME…), else tests/scenarios.
fn scenario_dir() -> (PathBuf, bool) {
    match std::env::var_os("KONTEXT_SCENARIO_DIR") {
        Some(dir) => (PathBuf::from(dir), false),
        None => (Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios"), true),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios() {
    let (emu, url) = match std::env::var("KONTEXT_EMULATOR_URL") {
        Ok(u) => (None, u.trim_end_matches('/').to_string()),
        Err(_) => {
            let emu = Emulator::start(Config { rate_limit: 0, ..Config::default() }).await.unwrap();
            let u = emu.url().to_string();
            (Some(emu), u)
        }
    };
    // Building a client installs the core's TLS crypto provider, which reqwest needs.
    let _ = Client::builder().base_url(&url).token("unused").build().unwrap();
    let http = reqwest::Client::new();
    let (dir, all) = scenario_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= if all { 30 } else { 1 }, "only {} scenarios in {}", files.len(), dir.display());
    let (mut lines, mut failures, mut ops_seen) = (Vec::new(), Vec::new(), BTreeSet::new());
    for f in &files {
        let scen = f.file_stem().unwrap().to_str().unwrap().to_string();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        admin(&http, &url, "DELETE", "/_emulator/faults", None).await;
        admin(&http, &url, "POST", "/_emulator/reset", None).await;
        let client =
            Client::builder().base_url(&url).credentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).build().unwrap();
        let mut norm = Normalizer::new(&url);
        let mut env: HashMap<String, Value> = HashMap::new();
        for (i, raw) in doc["steps"].as_array().expect("steps").iter().enumerate() {
            let i = i + 1;
            let step = subst(raw, &env);
            let (label, outcome) = run_step(&http, &url, &client, &step).await;
            if step.get("op").is_some() {
                ops_seen.insert(label.clone());
            }
            let exp = step.get("expect").cloned().unwrap_or(json!({}));
            let at = format!("{scen} step {i} ({label})");
            match outcome {
                Outcome::Err(class, status, said) => {
                    let st = status.map_or("-".to_string(), |s| s.to_string());
                    let mut line = format!("{scen}\t{i}\t{label}\terror {class} {st}");
                    if exp.get("message").is_some() {
                        line.push_str(&format!(" {}", norm.value(&said, "")));
                        for key in ["message", "missingScopes", "diagnostics"] {
                            if exp.get(key).is_some_and(|want| want != &said[key]) {
                                failures.push(format!("{at}: {key} {}, expected {}", said[key], exp[key]));
                            }
                        }
                    }
                    lines.push(line);
                    if exp["error"].as_str() != Some(class.as_str()) {
                        failures.push(format!("{at}: unexpected error {class} {st}"));
                    } else if exp.get("status").is_some() && exp["status"].as_u64().map(|s| s as u16) != status {
                        failures.push(format!("{at}: status {st}, expected {}", exp["status"]));
                    }
                }
                Outcome::Ok(status, body) => {
                    let mut line = format!("{scen}\t{i}\t{label}\tok {}", norm.value(&body, ""));
                    if let Some(reads) = step.get("read").and_then(Value::as_array) {
                        match typed_view(&label, body.to_string().as_bytes()) {
                            Err(e) => {
                                line.push_str("\tread error DecodeError");
                                failures.push(format!("{at}: the typed model does not decode: {e}"));
                            }
                            Ok((view, unknown)) => {
                                let mut read = Map::new();
                                for ptr in reads.iter().filter_map(Value::as_str) {
                                    read.insert(ptr.to_string(), view.pointer(ptr).cloned().unwrap_or(Value::Null));
                                }
                                let read = norm.value(&Value::Object(read), "");
                                line.push_str(&format!("\tread {read}"));
                                for (ptr, want) in exp.get("read").and_then(Value::as_object).into_iter().flatten() {
                                    if &read[ptr.as_str()] != want {
                                        failures.push(format!(
                                            "{at}: the typed model reads {ptr} = {}, expected {want}",
                                            read[ptr.as_str()]
                                        ));
                                    }
                                }
                                for ptr in step.get("unknown").and_then(Value::as_array).into_iter().flatten() {
                                    if !unknown.iter().any(|u| Some(*u) == ptr.as_str()) {
                                        failures.push(format!("{at}: {ptr} is not an Unknown(..) enum value"));
                                    }
                                }
                            }
                        }
                    }
                    lines.push(line);
                    if let Some(e) = exp.get("error") {
                        failures.push(format!("{at}: expected {e}, got a success"));
                        continue;
                    }
                    if let (Some(want), Some(got)) = (exp.get("status"), status) {
                        if want.as_u64() != Some(got as u64) {
                            failures.push(format!("{at}: status {got}, expected {want}"));
                        }
                    }
                    if let Some(m) = exp.get("match").and_then(Value::as_object) {
                        for (ptr, want) in m {
                            if pointer(&body, ptr) != Some(want) {
                                failures.push(format!("{at}: {ptr} = {:?}, expected {want}", pointer(&body, ptr)));
                            }
                        }
                    }
                    if let Some(n) = exp.get("count") {
                        let got = body["items"].as_array().map_or(0, Vec::len);
                        if n.as_u64() != Some(got as u64) {
                            failures.push(format!("{at}: {got} items, expected {n}"));
                        }
                    }
                    if let Some(save) = step.get("save").and_then(Value::as_object) {
                        for (var, ptr) in save {
                            match pointer(&body, ptr.as_str().unwrap()) {
                                Some(v) => {
                                    env.insert(var.clone(), v.clone());
                                }
                                None => failures.push(format!("{at}: nothing at {ptr} to save")),
                            }
                        }
                    }
                }
            }
        }
    }
    let out = std::env::var("KONTEXT_SCENARIO_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/scenarios/rust.txt"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, lines.join("\n") + "\n").unwrap();
    eprintln!(
        "rust: {} scenarios, {} steps, {} failures -> {}",
        files.len(),
        lines.len(),
        failures.len(),
        out.display()
    );
    if let Some(emu) = emu {
        emu.shutdown().await;
    }
    // A selection need not cover every operation; all of the scenarios must.
    let missing: Vec<_> =
        kontext_mgmt::ops::OPERATIONS.iter().map(|o| o.id.to_string()).filter(|id| !ops_seen.contains(id)).collect();
    assert!(!all || missing.is_empty(), "operations no scenario covers: {missing:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
