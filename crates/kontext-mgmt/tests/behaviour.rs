//! The core's behaviour against the real emulator over loopback HTTP: token cache,
//! refresh, retries, Retry-After, timeouts, pagination, errors.

use futures::{StreamExt, TryStreamExt};
use kontext_mgmt::{types, Client, ErrorKind, RetryPolicy};
use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn emulator(config: Config) -> Emulator {
    Emulator::start(Config { rate_limit: 0, ..config }).await.expect("emulator starts")
}

fn client(emu: &Emulator) -> Client {
    Client::builder()
        .base_url(emu.url())
        .credentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        .retry_policy(RetryPolicy { initial_backoff: Duration::from_millis(20), ..Default::default() })
        .build()
        .unwrap()
}

async fn admin(emu: &Emulator, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut req = reqwest::Client::new().request(method, format!("{}/_emulator/{path}", emu.url()));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    assert!(resp.status().is_success(), "admin {path}: {}", resp.status());
    resp.json().await.unwrap_or(Value::Null)
}

async fn stats(emu: &Emulator) -> Value {
    admin(emu, reqwest::Method::GET, "stats", None).await
}

fn count(stats: &Value, key: &str) -> u64 {
    stats["requests"][key].as_u64().unwrap_or(0)
}

async fn faults(emu: &Emulator, script: Value) {
    admin(emu, reqwest::Method::PUT, "faults", Some(json!({ "script": script }))).await;
}

fn app_input(name: &str) -> types::builder::CreateApplicationInput {
    types::CreateApplicationInput::builder()
        .name(name.to_string())
        .oauth(types::CreateApplicationOAuthInput::builder().redirect_uris(vec!["http://localhost/cb".to_string()]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_calls_share_one_token_request() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    let calls = (0..256).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.applications_list().limit(1).send().await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
    let s = stats(&emu).await;
    assert_eq!(s["tokensMinted"], 1, "{s}");
    assert_eq!(count(&s, "GET /api/v1/applications"), 256, "{s}");
}

#[tokio::test]
async fn expired_tokens_are_refreshed() {
    let emu = emulator(Config { token_ttl: Duration::from_secs(1), ..Config::default() }).await;
    let c = client(&emu);
    c.applications_list().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    c.applications_list().send().await.unwrap();
    let s = stats(&emu).await;
    assert_eq!(s["tokensMinted"], 2, "{s}");
    // Nothing was rejected: the client renewed before using an expired token.
    assert_eq!(count(&s, "GET /api/v1/applications"), 2, "{s}");
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_exactly_once() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    c.applications_list().send().await.unwrap();
    faults(&emu, json!([{ "method": "GET", "path": "/api/v1/applications", "status": 401, "count": 1 }])).await;
    c.applications_list().send().await.unwrap();
    let s = stats(&emu).await;
    assert_eq!(s["tokensMinted"], 2, "{s}");
    assert_eq!(count(&s, "GET /api/v1/applications"), 3, "{s}");

    // Two 401s in a row: one refresh, then the error surfaces.
    faults(&emu, json!([{ "method": "GET", "path": "/api/v1/applications", "status": 401, "count": 2 }])).await;
    let e = kontext_mgmt::Error::from(c.applications_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{e}");
    let s = stats(&emu).await;
    assert_eq!(s["tokensMinted"], 3, "{s}");
    assert_eq!(count(&s, "GET /api/v1/applications"), 5, "{s}");
}

#[tokio::test]
async fn bad_credentials_are_unauthorized_with_the_server_description() {
    let emu = emulator(Config::default()).await;
    let c = Client::builder().base_url(emu.url()).credentials(DEFAULT_CLIENT_ID, "wrong").build().unwrap();
    let e = kontext_mgmt::Error::from(c.applications_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{e}");
    assert!(e.message().contains("invalid_client"), "{e}");
    assert!(!e.to_string().contains("wrong"), "the secret leaked: {e}");
}

#[tokio::test]
async fn retries_transient_statuses_with_counts() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    faults(&emu, json!([{ "method": "GET", "path": "/api/v1/applications", "status": 503, "count": 2 }])).await;
    c.applications_list().send().await.unwrap();
    assert_eq!(count(&stats(&emu).await, "GET /api/v1/applications"), 3);

    // max_retries = 1: the second 502 is returned.
    faults(&emu, json!([{ "method": "GET", "path": "/api/v1/applications", "status": 502, "count": 2 }])).await;
    let one = c.with_options(|o| o.retry.max_retries = 1);
    let e = kontext_mgmt::Error::from(one.applications_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::ServerError, "{e}");
    assert_eq!(e.status(), Some(502));
    assert_eq!(count(&stats(&emu).await, "GET /api/v1/applications"), 5);

    // 404 is not transient: one request.
    let missing = uuid::Uuid::new_v4();
    let e = kontext_mgmt::Error::from(c.applications_get().id(missing).send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(count(&stats(&emu).await, "GET /api/v1/applications/{id}"), 1);
}

#[tokio::test]
async fn a_post_answered_500_is_not_resent_but_429_and_503_are() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    faults(&emu, json!([{ "method": "POST", "path": "/api/v1/applications", "status": 500, "count": 1 }])).await;
    let e = kontext_mgmt::Error::from(c.applications_create().body(app_input("a")).send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::ServerError, "{e}");
    assert_eq!(count(&stats(&emu).await, "POST /api/v1/applications"), 1);

    faults(
        &emu,
        json!([{ "method": "POST", "path": "/api/v1/applications", "status": 429, "count": 1, "retryAfterMs": 10 },
               { "method": "POST", "path": "/api/v1/applications", "status": 503, "count": 1 }]),
    )
    .await;
    c.applications_create().body(app_input("b")).send().await.unwrap();
    assert_eq!(count(&stats(&emu).await, "POST /api/v1/applications"), 4);
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    c.applications_list().send().await.unwrap();

    // Retry-After: 1 (seconds) is slept, within a tolerance.
    faults(&emu, json!([{ "path": "/api/v1/applications", "status": 429, "count": 1, "retryAfter": 1 }])).await;
    let t = Instant::now();
    c.applications_list().send().await.unwrap();
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(950) && waited < Duration::from_secs(3), "{waited:?}");

    // retry-after-ms wins over Retry-After.
    faults(
        &emu,
        json!([{ "path": "/api/v1/applications", "status": 429, "count": 1, "retryAfter": 30, "retryAfterMs": 200 }]),
    )
    .await;
    let t = Instant::now();
    c.applications_list().send().await.unwrap();
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(180) && waited < Duration::from_secs(2), "{waited:?}");

    // Above the 60 s cap: no sleep, RateLimited carrying the wait.
    faults(&emu, json!([{ "path": "/api/v1/applications", "status": 429, "count": 1, "retryAfter": 120 }])).await;
    let t = Instant::now();
    let e = kontext_mgmt::Error::from(c.applications_list().send().await.unwrap_err());
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn a_timeout_fires_instead_of_hanging() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    c.applications_list().send().await.unwrap();
    faults(&emu, json!([{ "path": "/api/v1/applications", "delayMs": 5000, "count": 1 }])).await;
    let quick = c.with_options(|o| {
        o.timeout = Duration::from_millis(300);
        o.retry.max_retries = 0;
    });
    let t = Instant::now();
    let e = kontext_mgmt::Error::from(quick.applications_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::TimeoutError, "{e}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

#[tokio::test]
async fn dropped_connections_and_malformed_bodies_are_typed() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu).with_options(|o| o.retry.max_retries = 0);
    c.applications_list().send().await.unwrap();
    faults(&emu, json!([{ "path": "/api/v1/applications", "drop": true, "count": 1 }])).await;
    let e = kontext_mgmt::Error::from(c.applications_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::ConnectionError, "{e}");
    faults(&emu, json!([{ "path": "/api/v1/applications", "malformed": true, "count": 1 }])).await;
    let e = kontext_mgmt::Error::from(c.applications_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::DecodeError, "{e}");
    // A GET is retried after a dropped connection by default.
    faults(&emu, json!([{ "path": "/api/v1/applications", "drop": true, "count": 1 }])).await;
    client(&emu).applications_list().send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_streams_ten_thousand_items_in_pages() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    futures::stream::iter(0..10_000)
        .map(|i| {
            let c = c.clone();
            async move { c.applications_create().body(app_input(&format!("app-{i:05}"))).send().await }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let before = count(&stats(&emu).await, "GET /api/v1/applications");
    let mut seen = std::collections::HashSet::new();
    let mut stream = c.applications_list().limit(200).stream();
    while let Some(app) = stream.try_next().await.unwrap() {
        assert!(seen.insert(app.id), "duplicate {}", app.id);
    }
    assert_eq!(seen.len(), 10_000);
    let pages = count(&stats(&emu).await, "GET /api/v1/applications") - before;
    assert_eq!(pages, 50, "10,000 items in pages of 200");

    // Resume from a saved cursor: the rest, exactly.
    let first = c.applications_list().limit(200).send().await.unwrap().into_inner();
    let rest: Vec<_> =
        c.applications_list().limit(200).cursor(first.next_cursor.unwrap()).stream().try_collect().await.unwrap();
    assert_eq!(rest.len(), 10_000 - 200);

    // The untyped pager the bindings use walks the same pages.
    let mut pager = c
        .pager(
            "applications_list",
            kontext_mgmt::ops::CallArgs { query: vec![("limit".into(), json!(200))], ..Default::default() },
        )
        .unwrap();
    let mut total = 0;
    while let Some(page) = pager.next_page().await.unwrap() {
        total += page.len;
    }
    assert_eq!(total, 10_000);
}

#[tokio::test]
async fn offset_pagination_walks_traces() {
    let emu = emulator(Config::default()).await;
    let traces: Vec<Value> = (0..23)
        .map(|i| json!({ "traceId": format!("t{i:02}"), "sessionId": "s1", "agentId": "a1", "ownerUserId": "u1" }))
        .collect();
    admin(&emu, reqwest::Method::POST, "seed", Some(json!({ "traces": traces }))).await;
    let c = client(&emu);
    let all: Vec<_> = c.traces_list().limit(5).stream_from(0).try_collect().await.unwrap();
    assert_eq!(all.len(), 23);
    let ids: std::collections::HashSet<_> = all.iter().map(|t| t.trace_id.clone()).collect();
    assert_eq!(ids.len(), 23);
}

/// The id at `ptr` of what the untyped call `op` answered.
async fn created_id(c: &Client, op: &str, body: Value, ptr: &str) -> String {
    let args = kontext_mgmt::ops::CallArgs { body: Some(body), ..Default::default() };
    let r = c.call(op, &args).await.unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    v.pointer(ptr).and_then(Value::as_str).unwrap().to_string()
}

#[tokio::test]
async fn inferred_fields_missing_unknown_enum_values_and_extra_keys_decode_typed() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu);
    let sa = created_id(&c, "serviceAccounts_create", json!({"name": "lenient"}), "/serviceAccount/id").await;
    faults(
        &emu,
        json!([{"method": "GET", "path": "/api/v1/service-accounts/*",
                "mergePatch": {"serviceAccount": {"clientId": null, "createdAt": null, "updatedAt": null,
                                                  "region": {"name": "eu"}}, "served": true}}]),
    )
    .await;
    let got = c.service_accounts_get().id(sa.as_str()).send().await.unwrap().into_inner();
    let account = got.service_account;
    assert_eq!((account.client_id, account.created_at, account.updated_at), (None, None, None));
    assert_eq!(account.name, "lenient");
    assert_eq!(account.extra["region"], json!({"name": "eu"}), "nested extra keys stay reachable");
    assert_eq!(got.extra["served"], json!(true), "top-level extra keys stay reachable");

    let integration = created_id(
        &c,
        "integrations_create",
        json!({"name": "gh", "url": "https://mcp.example.com/sse"}),
        "/integration/id",
    )
    .await;
    faults(
        &emu,
        json!([{"method": "POST", "path": "/api/v1/integrations/*/validate", "mergePatch": {"status": "pending"}}]),
    )
    .await;
    let result = c.integrations_validate().id(integration.as_str()).send().await.unwrap().into_inner();
    assert_eq!(result.status, kontext_mgmt::enums::ValidationStatus::Unknown("pending".into()));
}

#[tokio::test]
async fn a_missing_required_field_is_a_decode_error_naming_it_with_the_raw_body() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu).with_options(|o| o.retry.max_retries = 0);
    let sa = created_id(&c, "serviceAccounts_create", json!({"name": "strict"}), "/serviceAccount/id").await;
    faults(&emu, json!([{"method": "GET", "path": "/api/v1/service-accounts/*", "mergePatch": {"serviceAccount": {"name": null}}}]))
        .await;
    let e = kontext_mgmt::Error::from(c.service_accounts_get().id(sa.as_str()).send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::DecodeError, "{e}");
    assert!(e.message().contains("missing field `name`"), "{e}");
    let body: Value = serde_json::from_str(e.body().expect("the raw body is kept")).unwrap();
    assert_eq!(body["serviceAccount"]["id"], json!(sa), "{body}");
    assert!(body["serviceAccount"].get("name").is_none());

    // A success body may hold a credential: kept, but never printed.
    faults(&emu, json!([{"method": "POST", "path": "/api/v1/service-accounts", "mergePatch": {"serviceAccount": {"name": null}}}]))
        .await;
    let input = types::CreateServiceAccountInput::builder().name("secretive".to_string());
    let e = kontext_mgmt::Error::from(c.service_accounts_create().body(input).send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::DecodeError, "{e}");
    let body: Value = serde_json::from_str(e.body().unwrap()).unwrap();
    let secret = body["credentials"]["clientSecret"].as_str().expect("the body holds the new secret");
    assert!(!format!("{e:?}").contains(secret) && !e.to_string().contains(secret), "{e:?}");
}

#[tokio::test]
async fn error_messages_say_what_the_body_explains() {
    let emu = emulator(Config::default()).await;
    let c = client(&emu).with_options(|o| o.retry.max_retries = 0);
    faults(
        &emu,
        json!([{"method": "GET", "path": "/api/v1/applications", "status": 403,
                "mergePatch": {"message": null, "statusCode": null, "error": "insufficient_scope",
                               "missingScopes": ["management:all", "traces:read"],
                               "hint": "Request a token with the missing scopes."}},
               {"method": "GET", "path": "/api/v1/integrations", "status": 400,
                "mergePatch": {"message": ["name must be a string", "url must be a URL"]}}]),
    )
    .await;
    let e = kontext_mgmt::Error::from(c.applications_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    assert_eq!(e.missing_scopes(), ["management:all", "traces:read"]);
    assert_eq!(
        e.message(),
        "insufficient_scope; missing scopes: management:all, traces:read; hint: Request a token with the missing scopes."
    );
    assert!(e.to_string().starts_with("403 Forbidden: insufficient_scope; missing scopes: "), "{e}");
    assert!(!e.to_string().contains(DEFAULT_CLIENT_SECRET));
    let e = kontext_mgmt::Error::from(c.integrations_list().send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert_eq!(e.message(), "name must be a string; url must be a URL");
    assert!(e.missing_scopes().is_empty());
}
