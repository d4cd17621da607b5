//! Token endpoint, bearer checks, credential lifecycle, expiry, rate limiting.

mod common;

use common::{config, mint, start, start_with, to_resp};
use kontext_mgmt_emulator::{Config, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn token_endpoint_basic_and_form_auth() {
    let api = start().await;
    let url = format!("{}/oauth2/token", api.base);
    // HTTP Basic with audience.
    let r = to_resp(
        api.client
            .post(&url)
            .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "management:all"),
                ("audience", format!("{}/api/v1", api.base).as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["access_token"].as_str().unwrap().starts_with("ory_at_"));
    assert_eq!(r.body["token_type"], "bearer");
    assert_eq!(r.body["expires_in"], 3600);
    assert_eq!(r.body["scope"], "management:all");
    assert!(r.header("x-request-id").is_some());
    // Form fields, no scope (defaults to management:all).
    let r = to_resp(
        api.client
            .post(&url)
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
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["scope"], "management:all");
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    let r = api.call_with(&token, Method::GET, "/applications", None).await;
    assert_eq!(r.status, 200);
    api.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_errors() {
    let api = start().await;
    let url = format!("{}/oauth2/token", api.base);
    let post = |form: Vec<(&'static str, &'static str)>, basic: Option<(&'static str, &'static str)>| {
        let mut req = api.client.post(&url).form(&form);
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        async move { to_resp(req.send().await.unwrap()).await }
    };
    let r = post(vec![("grant_type", "client_credentials")], Some((DEFAULT_CLIENT_ID, "wrong"))).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, json!({"error": "invalid_client", "error_description": "Client authentication failed"}));
    assert!(r.header("x-request-id").is_some());
    let r = post(vec![("grant_type", "client_credentials")], None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"], "invalid_client");
    let r = post(vec![("grant_type", "password")], Some((DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "unsupported_grant_type");
    let r = post(vec![], Some((DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_request");
    let r = post(
        vec![("grant_type", "client_credentials"), ("scope", "mcp:invoke")],
        Some((DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_scope");
    // JSON instead of a form.
    let r =
        to_resp(api.client.post(&url).json(&json!({"grant_type": "client_credentials"})).send().await.unwrap()).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_request");
    api.shutdown().await;
}

#[tokio::test]
async fn api_requires_a_valid_bearer_token() {
    let api = start().await;
    let r = to_resp(api.client.get(api.url("/applications")).send().await.unwrap()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, json!({"message": "Unauthorized", "statusCode": 401, "error": "Unauthorized"}));
    assert!(r.header("x-request-id").is_some());
    let r = api.call_with("ory_at_unknown", Method::GET, "/applications", None).await;
    assert_eq!(r.status, 401);
    // A token without management:all (minted through the admin route) gets 403.
    let t = api.admin(Method::POST, "tokens", Some(json!({"scope": "mcp:invoke"}))).await;
    let narrow = t.body["access_token"].as_str().unwrap().to_owned();
    let r = api.call_with(&narrow, Method::GET, "/applications", None).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["statusCode"], 403);
    assert_eq!(r.body["error"], "insufficient_scope");
    assert_eq!(r.body["missingScopes"], json!(["management:applications:read"]));
    api.shutdown().await;
}

#[tokio::test]
async fn tokens_expire_after_ttl() {
    let api = start_with(Config { token_ttl: Duration::from_secs(1), ..config() }).await;
    let r = api.get("/applications").await;
    assert_eq!(r.status, 200);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let r = api.get("/applications").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["statusCode"], 401);
    // A fresh token works again.
    let t = mint(&api.client, &api.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.unwrap();
    let r = api.call_with(&t, Method::GET, "/applications", None).await;
    assert_eq!(r.status, 200);
    api.shutdown().await;
}

#[tokio::test]
async fn service_account_credentials_rotate_and_delete() {
    let api = start().await;
    let r = api.post("/service-accounts", json!({"name": "ci-bot", "description": "CI"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let sa_id = r.body["serviceAccount"]["id"].as_str().unwrap().to_owned();
    let client_id = r.body["credentials"]["clientId"].as_str().unwrap().to_owned();
    let secret1 = r.body["credentials"]["clientSecret"].as_str().unwrap().to_owned();
    assert_eq!(client_id, format!("sa_{sa_id}"));
    assert!(r.body["serviceAccount"].get("clientSecret").is_none());

    // The new account can mint tokens that work.
    let token1 = mint(&api.client, &api.base, &client_id, &secret1).await.unwrap();
    let r = api.call_with(&token1, Method::GET, "/applications", None).await;
    assert_eq!(r.status, 200);

    // Rotation: the old secret stops minting, the old token keeps working.
    let r = api.post_empty(&format!("/service-accounts/{sa_id}/rotate-secret")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let secret2 = r.body["credentials"]["clientSecret"].as_str().unwrap().to_owned();
    assert_ne!(secret1, secret2);
    assert_eq!(mint(&api.client, &api.base, &client_id, &secret1).await, Err(401));
    let token2 = mint(&api.client, &api.base, &client_id, &secret2).await.unwrap();
    let r = api.call_with(&token1, Method::GET, "/applications", None).await;
    assert_eq!(r.status, 200, "tokens issued before rotation stay valid");

    // Get/list never show the secret; lastUsedAt is set once it minted a token.
    let r = api.get(&format!("/service-accounts/{sa_id}")).await;
    assert_eq!(r.status, 200);
    assert!(!r.text.contains(&secret2));
    assert!(r.body["serviceAccount"]["lastUsedAt"].is_string());
    let r = api.get("/service-accounts").await;
    assert!(!r.text.contains(&secret2));
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);

    // Deletion: credentials stop minting and existing tokens stop working.
    let r = api.delete(&format!("/service-accounts/{sa_id}")).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
    assert_eq!(mint(&api.client, &api.base, &client_id, &secret2).await, Err(401));
    for t in [&token1, &token2] {
        let r = api.call_with(t, Method::GET, "/applications", None).await;
        assert_eq!(r.status, 401);
    }
    let r = api.get(&format!("/service-accounts/{sa_id}")).await;
    assert_eq!(r.status, 404);
    api.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let api = start_with(Config { rate_limit: 5, ..config() }).await;
    for _ in 0..5 {
        assert_eq!(api.get("/applications").await.status, 200);
    }
    let r = api.get("/applications").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["statusCode"], 429);
    assert_eq!(r.body["message"], "Rate limit exceeded");
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs));
    assert!(r.header("x-request-id").is_some());
    // The limit is per credential: another service account is not affected.
    let r = to_resp(
        api.client
            .post(format!("{}/_emulator/tokens", api.base))
            .json(&json!({"clientId": "sa_other"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let other = r.body["access_token"].as_str().unwrap().to_owned();
    let r = api.call_with(&other, Method::GET, "/applications", None).await;
    assert_eq!(r.status, 200);
    api.shutdown().await;
}

#[tokio::test]
async fn request_id_on_every_response() {
    let api = start().await;
    let c = &api.client;
    let responses = vec![
        c.get(api.url("/applications")).bearer_auth(&api.token).send().await.unwrap(),
        c.get(api.url("/applications")).send().await.unwrap(),
        c.get(format!("{}/nope", api.base)).send().await.unwrap(),
        c.get(format!("{}/oauth2/token", api.base)).send().await.unwrap(),
        c.post(format!("{}/oauth2/token", api.base)).send().await.unwrap(),
        c.get(format!("{}/_emulator/stats", api.base)).send().await.unwrap(),
        c.delete(api.url("/applications/00000000-0000-4000-8000-000000000000"))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap(),
    ];
    for r in responses {
        let status = r.status();
        let id = r.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
        assert!(id.is_some_and(|id| !id.is_empty()), "no x-request-id on {status}");
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(body.is_object(), "JSON body expected for {status}");
    }
    // A caller-supplied request id is echoed.
    let r = c
        .get(api.url("/applications"))
        .bearer_auth(&api.token)
        .header("x-request-id", "my-trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "my-trace-123");
    api.shutdown().await;
}
