//! `/_emulator/*` routes and fault injection.

mod common;

use common::{config, mint, start, start_with, to_resp};
use kontext_mgmt_emulator::{Config, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn stats_count_requests_by_template_and_tokens() {
    let api = start().await;
    let id = api.create_app("A").await;
    for _ in 0..3 {
        assert_eq!(api.get(&format!("/applications/{id}")).await.status, 200);
    }
    api.get("/applications").await;
    api.get("/nope").await;
    mint(&api.client, &api.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.unwrap();
    let r = api.admin(Method::GET, "stats", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["tokensMinted"], 2);
    let req = &r.body["requests"];
    assert_eq!(req["GET /api/v1/applications/{id}"], 3);
    assert_eq!(req["POST /api/v1/applications"], 1);
    assert_eq!(req["GET /api/v1/applications"], 1);
    assert_eq!(req["POST /oauth2/token"], 2);
    assert_eq!(req["GET /api/v1/nope"], 1);
    assert!(req.get("GET /_emulator/stats").is_none(), "admin routes are not counted");

    // Reset: back to nothing, stats cleared, the bootstrap credential still works.
    let r = api.admin(Method::POST, "reset", None).await;
    assert_eq!(r.status, 200);
    let r = api.admin(Method::GET, "stats", None).await;
    assert_eq!(r.body, json!({"tokensMinted": 0, "requests": {}}));
    assert_eq!(api.get("/applications").await.status, 401, "issued tokens are cleared");
    let t = mint(&api.client, &api.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.unwrap();
    let r = api.call_with(&t, Method::GET, "/applications", None).await;
    assert_eq!(r.body["items"], json!([]));
    api.shutdown().await;
}

#[tokio::test]
async fn request_log_never_shows_credentials() {
    let api = start().await;
    let r = api
        .post(
            "/integrations",
            json!({"name": "S", "url": "https://s.example", "authMode": "server_token", "serverToken": "very-secret-token"}),
        )
        .await;
    assert_eq!(r.status, 201);
    to_resp(
        api.client
            .post(format!("{}/oauth2/token", api.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", DEFAULT_CLIENT_ID),
                ("client_secret", DEFAULT_CLIENT_SECRET),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let r = api.admin(Method::GET, "requests?limit=10", None).await;
    assert_eq!(r.status, 200);
    assert!(!r.text.contains("very-secret-token"));
    assert!(!r.text.contains(DEFAULT_CLIENT_SECRET));
    assert!(!r.text.contains(&api.token));
    let items = r.body["items"].as_array().unwrap();
    let last = items.last().unwrap();
    assert_eq!(last["method"], "POST");
    assert_eq!(last["path"], "/oauth2/token");
    assert_eq!(last["status"], 200);
    assert_eq!(last["body"]["client_id"], DEFAULT_CLIENT_ID);
    assert!(last["requestId"].is_string());
    let create = items.iter().find(|i| i["path"] == "/api/v1/integrations").unwrap();
    assert_eq!(create["status"], 201);
    assert_eq!(create["body"]["name"], "S");
    assert_eq!(create["body"]["serverToken"], "***");
    let r = api.admin(Method::GET, "requests?limit=1", None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    api.shutdown().await;
}

async fn set_faults(api: &common::Api, faults: Value) {
    let r = api.admin(Method::PUT, "faults", Some(faults)).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn scripted_status_faults_are_exact() {
    let api = start().await;
    set_faults(
        &api,
        json!({"script": [
            {"method": "POST", "path": "/api/v1/applications", "status": 500, "count": 2},
            {"path": "/api/v1/integrations*", "status": 429, "retryAfter": 3, "retryAfterMs": 2500},
            {"method": "POST", "path": "/oauth2/token", "status": 503},
        ]}),
    )
    .await;
    let body = json!({"name": "A", "oauth": {"redirectUris": []}});
    for _ in 0..2 {
        let r = api.post("/applications", body.clone()).await;
        assert_eq!(r.status, 500);
        assert_eq!(r.body["statusCode"], 500);
        assert!(r.header("x-request-id").is_some());
    }
    assert_eq!(api.post("/applications", body).await.status, 201);
    let r = api.get("/integrations?limit=5").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("3"));
    assert_eq!(r.header("retry-after-ms"), Some("2500"));
    assert_eq!(api.get("/integrations").await.status, 200);
    assert_eq!(mint(&api.client, &api.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await, Err(503));
    assert!(mint(&api.client, &api.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.is_ok());
    // Faulted requests are counted like any other.
    let r = api.admin(Method::GET, "stats", None).await;
    assert_eq!(r.body["requests"]["POST /api/v1/applications"], 3);
    // The script is used up.
    let r = api.admin(Method::GET, "faults", None).await;
    assert_eq!(r.body["script"], json!([]));
    api.shutdown().await;
}

#[tokio::test]
async fn scripted_drop_malformed_truncate_and_delay() {
    let api = start().await;
    set_faults(
        &api,
        json!({"script": [
            {"method": "GET", "path": "/api/v1/applications", "drop": true},
            {"method": "GET", "path": "/api/v1/service-accounts", "malformed": true},
            {"method": "GET", "path": "/api/v1/integrations", "truncate": true},
            {"method": "GET", "path": "/api/v1/policy/settings", "delayMs": 300},
        ]}),
    )
    .await;
    let err = api.client.get(api.url("/applications")).bearer_auth(&api.token).send().await;
    assert!(err.is_err(), "the connection is closed without an answer");
    assert_eq!(api.get("/applications").await.status, 200, "next request is fine");

    let r = api.get("/service-accounts").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err(), "malformed: {}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));

    let r = api.get("/integrations").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err(), "truncated: {}", r.text);
    assert!(r.text.starts_with('{'));

    let t = Instant::now();
    let r = api.get("/policy/settings").await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    api.shutdown().await;
}

#[tokio::test]
async fn scripted_merge_patch_changes_the_real_answer() {
    let api = start().await;
    let created = api.post("/applications", json!({"name": "patched", "oauth": {"redirectUris": []}})).await;
    let id = created.body["application"]["id"].as_str().unwrap().to_string();
    set_faults(
        &api,
        json!({"script": [{"method": "GET", "path": "/api/v1/applications/*",
                           "mergePatch": {"application": {"color": "teal", "description": null}}}]}),
    )
    .await;
    let r = api.get(&format!("/applications/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["application"]["color"], "teal", "{}", r.text);
    assert_eq!(r.body["application"]["name"], "patched", "the rest of the real answer stays");
    assert!(r.body["application"].get("description").is_none(), "null removes a member: {}", r.text);
    let r = api.get(&format!("/applications/{id}")).await;
    assert!(r.body["application"].get("color").is_none(), "used up: {}", r.text);
    api.shutdown().await;
}

#[tokio::test]
async fn scripted_status_with_merge_patch_reshapes_the_error_body() {
    let api = start().await;
    set_faults(
        &api,
        json!({"script": [{"method": "GET", "path": "/api/v1/applications",
                           "status": 403,
                           "mergePatch": {"message": null, "statusCode": null, "error": "insufficient_scope",
                                          "missingScopes": ["management:all"], "hint": "ask for it"}}]}),
    )
    .await;
    let r = api.get("/applications").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        json!({"error": "insufficient_scope", "missingScopes": ["management:all"], "hint": "ask for it"}),
        "{}",
        r.text
    );
    assert!(r.header("x-request-id").is_some());
    assert_eq!(api.get("/applications").await.status, 200, "used up");
    api.shutdown().await;
}

#[tokio::test]
async fn random_faults_from_config() {
    // Every API request fails with 503; the token endpoint is untouched.
    let api =
        start_with(Config { faults: Some("error_rate=1,error_status=503,seed=1".parse().unwrap()), ..config() }).await;
    for _ in 0..3 {
        assert_eq!(api.get("/applications").await.status, 503);
    }
    api.shutdown().await;

    // A 429 burst, then normal service.
    let api = start_with(Config { faults: Some("burst429=2,retry_after=1".parse().unwrap()), ..config() }).await;
    for _ in 0..2 {
        let r = api.get("/applications").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("1"));
    }
    assert_eq!(api.get("/applications").await.status, 200);
    api.shutdown().await;

    // paths restricts faults; latency adds delay.
    let api = start_with(Config {
        faults: Some("latency=150ms,error_rate=1,paths=/api/v1/integrations*".parse().unwrap()),
        ..config()
    })
    .await;
    assert_eq!(api.get("/applications").await.status, 200, "outside `paths`");
    let t = Instant::now();
    assert_eq!(api.get("/integrations").await.status, 500);
    assert!(t.elapsed() >= Duration::from_millis(150));
    api.shutdown().await;
}

#[tokio::test]
async fn faults_switch_at_runtime() {
    let api = start().await;
    // The --faults syntax as a JSON string.
    set_faults(&api, json!("error_rate=1")).await;
    assert_eq!(api.get("/applications").await.status, 500);
    let r = api.admin(Method::DELETE, "faults", None).await;
    assert_eq!(r.status, 204);
    assert_eq!(api.get("/applications").await.status, 200);
    let r = api.admin(Method::PUT, "faults", Some(json!({"errorRate": 3}))).await;
    assert_eq!(r.status, 400);
    let r = api.admin(Method::PUT, "faults", Some(json!({"bogus": 1}))).await;
    assert_eq!(r.status, 400);
    let r = api.admin(Method::PUT, "faults", Some(json!("nope=1"))).await;
    assert_eq!(r.status, 400);
    // Random drops with a fixed seed are reproducible and never take the server down.
    set_faults(&api, json!({"dropRate": 0.5, "seed": 7})).await;
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        let r = api.client.get(api.url("/applications")).bearer_auth(&api.token).send().await;
        outcomes.push(r.is_ok());
    }
    assert!(outcomes.iter().any(|o| *o) && outcomes.iter().any(|o| !*o));
    api.admin(Method::DELETE, "faults", None).await;
    assert_eq!(api.get("/applications").await.status, 200);
    let r = api.admin(Method::GET, "nope", None).await;
    assert_eq!(r.status, 404);
    let r = api.admin(Method::GET, "seed", None).await;
    assert_eq!(r.status, 405);
    api.shutdown().await;
}
