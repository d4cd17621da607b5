//! The `kontext-emulator` binary: startup contract, --state, --seed, signals.

mod common;

use common::{client, mint, spawn_binary, to_resp, Running, BIN};
use kontext_mgmt_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use serde_json::json;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

/// Starts the binary and reads its banner (the address, then two credential lines).
fn spawn(args: &[&str]) -> (Running, Vec<String>) {
    let mut r =
        spawn_binary(Command::new(BIN).args(["--port", "0", "--rate-limit", "0"]).args(args).stderr(Stdio::piped()));
    let mut rest = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        r.stdout.read_line(&mut line).expect("read banner");
        rest.push(line.trim_end().to_owned());
    }
    (r, rest)
}

/// SIGTERM, then the exit status.
fn terminate(mut r: Running) -> std::process::ExitStatus {
    let pid = r.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(status.success());
    r.child.wait().expect("wait")
}

/// Runs the binary to completion (for startup failures).
fn run_to_exit(args: &[&str]) -> (std::process::ExitStatus, String) {
    let out = Command::new(BIN).args(["--port", "0"]).args(args).output().expect("run kontext-emulator");
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test]
async fn first_line_is_the_address_then_credentials() {
    let (r, rest) = spawn(&[]);
    assert!(r.base.starts_with("http://127.0.0.1:"), "{}", r.base);
    let port: u16 = r.base.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    assert!(rest[0].contains(DEFAULT_CLIENT_ID));
    assert!(rest[1].contains(DEFAULT_CLIENT_SECRET));
    let c = client();
    let t = mint(&c, &r.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.unwrap();
    let resp = to_resp(c.get(format!("{}/api/v1/applications", r.base)).bearer_auth(&t).send().await.unwrap()).await;
    assert_eq!(resp.status, 200);
    let status = terminate(r);
    assert!(status.success(), "clean exit on SIGTERM: {status}");
}

#[tokio::test]
async fn custom_credentials_from_flags_and_env() {
    let r = spawn_binary(
        Command::new(BIN)
            .args(["--port", "0", "--client-id", "sa_custom"])
            .env("KONTEXT_EMULATOR_CLIENT_SECRET", "env-secret")
            .stderr(Stdio::null()),
    );
    let base = r.base.clone();
    let c = client();
    assert!(mint(&c, &base, "sa_custom", "env-secret").await.is_ok());
    assert_eq!(mint(&c, &base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await, Err(401));
}

async fn api_call(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> common::Resp {
    let c = client();
    let mut req = c.request(method, format!("{base}/api/v1{path}")).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    to_resp(req.send().await.unwrap()).await
}

#[tokio::test]
async fn state_file_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let (r, _) = spawn(&["--state", state_arg]);
    let c = client();
    let token = mint(&c, &r.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.unwrap();
    let app = api_call(
        &r.base,
        &token,
        reqwest::Method::POST,
        "/applications",
        Some(json!({"name": "Persisted", "oauth": {"redirectUris": ["http://x/cb"]}})),
    )
    .await;
    assert_eq!(app.status, 201);
    let app_id = app.body["application"]["id"].as_str().unwrap().to_owned();
    let integ = api_call(
        &r.base,
        &token,
        reqwest::Method::POST,
        "/integrations",
        Some(json!({"name": "GH", "url": "https://mcp.github.com/sse"})),
    )
    .await;
    let integ_id = integ.body["integration"]["id"].as_str().unwrap().to_owned();
    let sa = api_call(&r.base, &token, reqwest::Method::POST, "/service-accounts", Some(json!({"name": "bot"}))).await;
    let sa_client = sa.body["credentials"]["clientId"].as_str().unwrap().to_owned();
    let sa_secret = sa.body["credentials"]["clientSecret"].as_str().unwrap().to_owned();
    let attach = api_call(
        &r.base,
        &token,
        reqwest::Method::POST,
        &format!("/applications/{app_id}/integrations/{integ_id}"),
        None,
    )
    .await;
    assert_eq!(attach.status, 200);
    let seeded = c
        .post(format!("{}/_emulator/seed", r.base))
        .json(&json!({"sessions": [{"agentId": app_id, "name": "kept"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(seeded.status(), 200);
    assert!(terminate(r).success());
    assert!(!std::fs::read_to_string(&state).unwrap().is_empty());

    // Restart with the same file: every object is back, the SA secret still mints,
    // and a token issued before the restart still works.
    let (r, _) = spawn(&["--state", state_arg]);
    let got = api_call(&r.base, &token, reqwest::Method::GET, &format!("/applications/{app_id}"), None).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.body["application"]["name"], "Persisted");
    assert_eq!(got.body["application"]["sessions"]["total"], 1);
    let ids =
        api_call(&r.base, &token, reqwest::Method::GET, &format!("/applications/{app_id}/integrations"), None).await;
    assert_eq!(ids.body["integrationIds"], json!([integ_id]));
    let sa_token = mint(&c, &r.base, &sa_client, &sa_secret).await.unwrap();
    let list = api_call(&r.base, &sa_token, reqwest::Method::GET, "/service-accounts", None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    // New objects keep unique ids and sort after the old ones.
    let app2 = api_call(
        &r.base,
        &token,
        reqwest::Method::POST,
        "/applications",
        Some(json!({"name": "Second", "oauth": {"redirectUris": []}})),
    )
    .await;
    assert_eq!(app2.status, 201);
    let dup = api_call(
        &r.base,
        &token,
        reqwest::Method::POST,
        "/applications",
        Some(json!({"name": "Persisted", "oauth": {"redirectUris": []}})),
    )
    .await;
    assert_eq!(dup.status, 409, "uniqueness survives the restart");
    let list = api_call(&r.base, &token, reqwest::Method::GET, "/applications", None).await;
    let names: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Persisted", "Second"]);
    assert!(terminate(r).success());
}

#[test]
fn corrupt_state_file_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("broken-state.json");
    std::fs::write(&state, b"{\"version\": 1, \"store\": {\"applications\": [").unwrap();
    let (status, stderr) = run_to_exit(&["--state", state.to_str().unwrap()]);
    assert!(!status.success());
    assert!(stderr.contains("broken-state.json"), "{stderr}");
    assert!(stderr.contains("corrupt"), "{stderr}");
    // The file is left alone (never silently reset).
    assert_eq!(std::fs::read(&state).unwrap(), b"{\"version\": 1, \"store\": {\"applications\": [");
}

#[test]
fn bad_flags_fail_at_startup() {
    let (status, stderr) = run_to_exit(&["--faults", "error_rate=7"]);
    assert!(!status.success());
    assert!(stderr.contains("error_rate"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, b"{\"sessions\": [{\"name\": \"no agent\"}]}").unwrap();
    let (status, stderr) = run_to_exit(&["--seed", seed.to_str().unwrap()]);
    assert!(!status.success());
    assert!(stderr.contains("seed.json") && stderr.contains("agentId"), "{stderr}");
    let (status, stderr) = run_to_exit(&["--seed", "/nonexistent/seed.json"]);
    assert!(!status.success());
    assert!(stderr.contains("/nonexistent/seed.json"), "{stderr}");
}

#[tokio::test]
async fn seed_file_populates_a_fresh_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    write_seed(&seed);
    let (r, _) = spawn(&["--seed", seed.to_str().unwrap()]);
    let c = client();
    let token = mint(&c, &r.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.unwrap();
    let s = api_call(
        &r.base,
        &token,
        reqwest::Method::GET,
        "/applications/550e8400-e29b-41d4-a716-446655440000/sessions",
        None,
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.body["items"][0]["name"], "swift-falcon");
    let t = api_call(&r.base, &token, reqwest::Method::GET, "/traces", None).await;
    assert_eq!(t.body["items"][0]["agentName"], "PR Reviewer");
    let sa = mint(&c, &r.base, "sa_33333333-3333-4333-8333-333333333333", "fixed-secret").await;
    assert!(sa.is_ok(), "seeded service account can mint");
    assert!(terminate(r).success());
}

fn write_seed(path: &Path) {
    let seed = json!({
        "applications": [{"id": "550e8400-e29b-41d4-a716-446655440000", "name": "PR Reviewer",
                          "oauth": {"redirectUris": ["http://localhost:3000/callback"]}}],
        "serviceAccounts": [{"id": "33333333-3333-4333-8333-333333333333", "name": "ci-bot", "clientSecret": "fixed-secret"}],
        "sessions": [{"id": "44444444-4444-4444-8444-444444444444",
                      "agentId": "550e8400-e29b-41d4-a716-446655440000", "name": "swift-falcon"}],
        "events": [{"id": "e1", "traceId": "t1", "status": "ok"}],
        "traces": [{"traceId": "t1", "sessionId": "44444444-4444-4444-8444-444444444444",
                    "agentId": "550e8400-e29b-41d4-a716-446655440000"}],
        "policy": {"policyEnabled": false, "rules": []}
    });
    std::fs::write(path, serde_json::to_vec_pretty(&seed).unwrap()).unwrap();
}
