//! Benchmark contenders for `cargo xtask bench`: the raw `reqwest` floor and the Rust core.
//!
//! `bench --url URL --scenario NAME [--n N] [--contender reqwest-raw|kontext-rust]` prints
//! one JSON line per measurement: `{"contender", "scenario", "value", "unit", "reps"}`.

use futures::{StreamExt, TryStreamExt};
use kontext_mgmt::{types, Client};
use serde_json::json;
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "sa_11111111-1111-4111-8111-111111111111";
const CLIENT_SECRET: &str = "kontext-emulator-secret";

struct Args {
    url: String,
    scenario: String,
    contender: Option<String>,
    n: usize,
}

fn args() -> Args {
    let mut a = Args { url: String::new(), scenario: "get_seq".into(), contender: None, n: 2000 };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--url" => a.url = v,
            "--scenario" => a.scenario = v,
            "--contender" => a.contender = Some(v),
            "--n" => a.n = v.parse().expect("--n takes a number"),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(!a.url.is_empty(), "--url is required");
    a
}

fn emit(contender: &str, scenario: &str, value: f64, unit: &str) {
    println!(
        "{}",
        json!({ "contender": contender, "scenario": scenario, "value": value, "unit": unit, "reps": [value] })
    );
}

/// Peak resident set (VmHWM) and current (VmRSS), in MB.
fn rss() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmHWM:"), field("VmRSS:"))
}

struct Raw {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Raw {
    async fn new(url: &str) -> Raw {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{url}/oauth2/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials"), ("scope", "management:all")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let auth = format!("Bearer {}", token["access_token"].as_str().unwrap());
        Raw { http, base: format!("{url}/api/v1"), auth }
    }
    async fn get(&self, id: &str) -> serde_json::Value {
        let r = self.http.get(format!("{}/applications/{id}", self.base)).header("authorization", &self.auth);
        let resp = r.send().await.unwrap();
        assert!(resp.status().is_success());
        resp.json().await.unwrap()
    }
    async fn create(&self, name: &str) -> serde_json::Value {
        let body = json!({ "name": name, "oauth": { "redirectUris": ["http://localhost/cb"] } });
        let resp = self
            .http
            .post(format!("{}/applications", self.base))
            .header("authorization", &self.auth)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
        resp.json().await.unwrap()
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let core = Client::builder().base_url(&a.url).credentials(CLIENT_ID, CLIENT_SECRET).build().unwrap();
    let raw = Raw::new(&a.url).await;
    let created = raw.create(&format!("bench-target-{}", uuid::Uuid::new_v4())).await;
    let id = created["application"]["id"].as_str().unwrap().to_string();
    let uuid: uuid::Uuid = id.parse().unwrap();
    // Warm up both (connections, token).
    for _ in 0..50 {
        raw.get(&id).await;
        core.applications_get().id(uuid).send().await.unwrap();
    }
    let want = |c: &str| a.contender.as_deref().is_none_or(|w| w == c);
    let n = a.n;
    // Contenders alternate in blocks so that machine drift hits both alike.
    const BLOCKS: usize = 10;
    let mut raw_time = Duration::ZERO;
    let mut core_time = Duration::ZERO;
    let mut raw_n = 0usize;
    let mut core_n = 0usize;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut made = 0usize;
    match a.scenario.as_str() {
        "get_seq" | "create_get_seq" | "concurrent64" => {
            let per_block = match a.scenario.as_str() {
                "create_get_seq" => n / 4 / BLOCKS,
                "concurrent64" => n * 4 / BLOCKS,
                _ => n / BLOCKS,
            };
            for _ in 0..BLOCKS {
                if want("reqwest-raw") {
                    let t = Instant::now();
                    match a.scenario.as_str() {
                        "get_seq" => {
                            for _ in 0..per_block {
                                raw.get(&id).await;
                            }
                        }
                        "create_get_seq" => {
                            for _ in 0..per_block {
                                made += 1;
                                let app = raw.create(&format!("r-{tag}-{made}")).await;
                                raw.get(app["application"]["id"].as_str().unwrap()).await;
                            }
                        }
                        _ => {
                            futures::stream::iter(0..per_block)
                                .for_each_concurrent(64, |_| async { drop(raw.get(&id).await) })
                                .await
                        }
                    }
                    raw_time += t.elapsed();
                    raw_n += per_block;
                }
                if want("kontext-rust") {
                    let t = Instant::now();
                    match a.scenario.as_str() {
                        "get_seq" => {
                            for _ in 0..per_block {
                                core.applications_get().id(uuid).send().await.unwrap();
                            }
                        }
                        "create_get_seq" => {
                            for _ in 0..per_block {
                                made += 1;
                                let body =
                                    types::CreateApplicationInput::builder().name(format!("k-{tag}-{made}")).oauth(
                                        types::CreateApplicationOAuthInput::builder()
                                            .redirect_uris(vec!["http://localhost/cb".to_string()]),
                                    );
                                let app = core.applications_create().body(body).send().await.unwrap();
                                core.applications_get().id(app.application.id).send().await.unwrap();
                            }
                        }
                        _ => {
                            futures::stream::iter(0..per_block)
                                .for_each_concurrent(64, |_| async {
                                    core.applications_get().id(uuid).send().await.unwrap();
                                })
                                .await
                        }
                    }
                    core_time += t.elapsed();
                    core_n += per_block;
                }
            }
            // The untyped path the bindings use (no typed decode), on get_seq only.
            if a.scenario == "get_seq" && want("kontext-rust-untyped") {
                let args = kontext_mgmt::ops::CallArgs { path: vec![id.clone()], ..Default::default() };
                let t = Instant::now();
                for _ in 0..n {
                    core.call("applications_get", &args).await.unwrap();
                }
                emit("kontext-rust-untyped", "get_seq", n as f64 / t.elapsed().as_secs_f64(), "req/s");
            }
            if raw_n > 0 {
                emit("reqwest-raw", &a.scenario, raw_n as f64 / raw_time.as_secs_f64(), "req/s");
            }
            if core_n > 0 {
                emit("kontext-rust", &a.scenario, core_n as f64 / core_time.as_secs_f64(), "req/s");
            }
        }
        "stream100k" => {
            if want("kontext-rust") {
                let (_, before) = rss();
                let t = Instant::now();
                let count =
                    core.applications_list().limit(200).stream().try_fold(0usize, |n, _| async move { Ok(n + 1) });
                let count = count.await.unwrap();
                let rate = count as f64 / t.elapsed().as_secs_f64();
                let (peak, _) = rss();
                emit("kontext-rust", "stream100k", rate, "req/s");
                emit("kontext-rust", "stream100k_rss", (peak - before).max(0.0), "MB");
                eprintln!("streamed {count} applications");
            }
        }
        "kit_start" => {
            // The test kit in Rust: ms to start an in-process emulator until it listens (then
            // stopped); the first start loads the spec.
            let start = || kontext_mgmt_emulator::Emulator::start_kit(kontext_mgmt_emulator::KitOptions::default());
            start().await.unwrap().shutdown().await;
            let mut reps = Vec::new();
            for _ in 0..20 {
                let t = Instant::now();
                let emulator = start().await.unwrap();
                reps.push(t.elapsed().as_secs_f64() * 1000.0);
                emulator.shutdown().await;
            }
            let mut sorted = reps.clone();
            sorted.sort_by(f64::total_cmp);
            println!(
                "{}",
                json!({ "contender": "kontext-rust-kit", "scenario": "kit_start", "value": sorted[sorted.len() / 2], "unit": "ms", "reps": reps })
            );
        }
        other => panic!("unknown scenario {other}"),
    }
}
