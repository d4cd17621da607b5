//! Semantics of the resources: applications, integrations, sessions, traces, events,
//! policies, pagination.

mod common;

use common::start;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;

#[tokio::test]
async fn application_lifecycle() {
    let api = start().await;
    let r = api
        .post(
            "/applications",
            json!({"name": "PR Reviewer", "description": "Reviews PRs",
                   "oauth": {"redirectUris": ["http://localhost:3000/callback"], "scopes": ["mcp:invoke"]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let app = &r.body["application"];
    let id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(app["clientId"], format!("app_{id}"));
    assert_eq!(app["sessions"], json!({"active": 0, "idle": 0, "live": 0, "total": 0}));
    let oauth = &r.body["oauth"];
    assert_eq!(oauth["type"], "confidential", "type defaults to confidential");
    assert_eq!(oauth["pkceRequired"], true);
    let secret = oauth["clientSecret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("app_secret_"));

    // Secrets only on create/rotate.
    for path in [format!("/applications/{id}"), format!("/applications/{id}/oauth"), "/applications".into()] {
        let r = api.get(&path).await;
        assert_eq!(r.status, 200);
        assert!(!r.text.contains(&secret), "{path} leaks the secret");
        assert!(!r.text.contains("clientSecret"), "{path} has clientSecret");
    }
    let r = api.post_empty(&format!("/applications/{id}/rotate-secret")).await;
    assert_eq!(r.status, 200);
    let secret2 = r.body["oauth"]["clientSecret"].as_str().unwrap();
    assert_ne!(secret2, secret);

    // Duplicate names conflict.
    let r = api.post("/applications", json!({"name": "PR Reviewer", "oauth": {"redirectUris": []}})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["statusCode"], 409);
    let other = api.create_app("Other").await;
    let r = api.patch(&format!("/applications/{other}"), json!({"name": "PR Reviewer"})).await;
    assert_eq!(r.status, 409);

    // Update: name, description (null clears), externalAuth.
    let r = api
        .patch(
            &format!("/applications/{id}"),
            json!({"name": "Renamed", "description": null,
                   "externalAuth": {"issuer": "https://auth.example.com", "jwksUrl": "https://auth.example.com/jwks", "audience": "kontext", "partnerApiKey": "k"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The old name is free again after the rename, the new one taken.
    let reuse = api.post("/applications", json!({"name": "PR Reviewer", "oauth": {"redirectUris": []}})).await;
    assert_eq!(reuse.status, 201, "{}", reuse.text);
    let taken = api.patch(&format!("/applications/{other}"), json!({"name": "Renamed"})).await;
    assert_eq!(taken.status, 409);
    // Archiving frees the name.
    let reused = reuse.body["application"]["id"].as_str().unwrap().to_string();
    assert_eq!(api.delete(&format!("/applications/{reused}")).await.status, 204);
    let again = api.post("/applications", json!({"name": "PR Reviewer", "oauth": {"redirectUris": []}})).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(
        api.delete(&format!("/applications/{}", again.body["application"]["id"].as_str().unwrap())).await.status,
        204
    );
    let a = &r.body["application"];
    assert_eq!(a["name"], "Renamed");
    assert_eq!(a["description"], Value::Null);
    assert_eq!(a["externalAuth"]["partnerApiKeyConfigured"], true);
    assert_eq!(a["externalAuth"]["allowedAlgorithms"], json!(["RS256"]));
    assert!(!r.text.contains("partnerApiKey\""), "the key is write-only");

    // OAuth update; turning public drops the secret, rotate then is a 400.
    let r = api.patch(&format!("/applications/{id}/oauth"), json!({"type": "public", "pkceRequired": false})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["oauth"]["type"], "public");
    assert_eq!(r.body["oauth"]["pkceRequired"], false);
    let r = api.post_empty(&format!("/applications/{id}/rotate-secret")).await;
    assert_eq!(r.status, 400);

    // Archive: 204, then 404 and not listed; the name is free again.
    let r = api.delete(&format!("/applications/{id}")).await;
    assert_eq!(r.status, 204);
    assert_eq!(api.get(&format!("/applications/{id}")).await.status, 404);
    assert_eq!(api.delete(&format!("/applications/{id}")).await.status, 404);
    let r = api.get("/applications").await;
    let ids: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![other.as_str()]);
    assert!(r.body.get("nextCursor").is_none());
    api.create_app("Renamed").await;
    api.shutdown().await;
}

#[tokio::test]
async fn archive_disconnects_sessions_and_counts_are_live() {
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("state.json");
    let api =
        common::start_with(kontext_mgmt_emulator::Config { state: Some(state_path.clone()), ..common::config() }).await;
    let app = api.create_app("Agent").await;
    api.seed(json!({"sessions": [
        {"id": "44444444-4444-4444-8444-444444444444", "agentId": app, "name": "swift-falcon"},
        {"agentId": app, "derivedStatus": "idle"},
        {"applicationId": app, "status": "disconnected"},
    ]}))
    .await;
    let r = api.get(&format!("/applications/{app}")).await;
    assert_eq!(r.body["application"]["sessions"], json!({"active": 1, "idle": 1, "live": 2, "total": 3}));
    let r = api.get(&format!("/applications/{app}/sessions")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "default: active only");
    let r = api.get(&format!("/applications/{app}/sessions?includeInactive=true")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    let r = api.get(&format!("/applications/{app}/sessions?status=inactive")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = api.get(&format!("/applications/{app}/sessions?status=all&limit=1")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = api.get(&format!("/applications/{app}/sessions/44444444-4444-4444-8444-444444444444")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["session"]["name"], "swift-falcon");
    assert_eq!(r.body["session"]["derivedStatus"], "active");

    // revokeAll disconnects the live ones.
    let other = api.create_app("Other").await;
    api.seed(json!({"sessions": [{"agentId": other}, {"agentId": other}]})).await;
    let r = api.delete(&format!("/applications/{other}/sessions")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"success": true, "disconnectedCount": 2}));

    // Archive disconnects every session of the app: the app is then unreadable, so
    // look at the persisted state.
    assert_eq!(api.delete(&format!("/applications/{app}")).await.status, 204);
    let state: Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    let sessions = state["store"]["sessions"].as_object().unwrap();
    let mine: Vec<&Value> = sessions.values().filter(|s| s["agentId"] == app.as_str()).collect();
    assert_eq!(mine.len(), 3);
    for s in mine {
        assert_eq!(s["status"], "disconnected");
        assert!(s["disconnectedAt"].is_string());
    }
    let r = api.get(&format!("/applications/{app}/sessions")).await;
    assert_eq!(r.status, 404);
    api.shutdown().await;
}

#[tokio::test]
async fn integrations_rules_validate_oauth_and_connections() {
    let api = start().await;
    // authMode rules.
    let r = api
        .post("/integrations", json!({"name": "A", "url": "https://a.example/mcp", "authMode": "server_token"}))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("serverToken"), "{}", r.message());
    let r = api.post("/integrations", json!({"name": "A", "url": "https://a.example/mcp", "serverToken": "x"})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("serverToken"));
    let r = api
        .post("/integrations", json!({"name": "A", "url": "https://a.example/mcp", "oauth": {"provider": "github"}}))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.message().starts_with("oauth"));

    let st = api
        .create_integration(json!({"name": "Server", "url": "https://s.example/mcp", "authMode": "server_token", "serverToken": "tok-123"}))
        .await;
    let r = api.get(&format!("/integrations/{st}")).await;
    assert_eq!(r.body["integration"]["serverTokenConfigured"], true);
    assert_eq!(r.body["integration"]["authMode"], "server_token");
    assert_eq!(r.body["integration"]["category"], "gateway_remote_mcp");
    assert_eq!(r.body["integration"]["validationStatus"], Value::Null);
    assert!(!r.text.contains("tok-123"));
    // Switching away from server_token drops the token.
    let r = api.patch(&format!("/integrations/{st}"), json!({"authMode": "none"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["integration"]["serverTokenConfigured"], false);
    let r = api.patch(&format!("/integrations/{st}"), json!({"authMode": "server_token"})).await;
    assert_eq!(r.status, 400, "server_token without a token");

    // Duplicate names.
    let r = api.post("/integrations", json!({"name": "Server", "url": "https://x.example"})).await;
    assert_eq!(r.status, 409);

    // validate: https → valid (+ oauth metadata), otherwise invalid.
    let gh = api
        .create_integration(json!({"name": "GitHub", "url": "https://mcp.github.com/sse", "authMode": "oauth", "oauth": {"provider": "github", "scopes": ["repo"]}}))
        .await;
    let r = api.post_empty(&format!("/integrations/{gh}/validate")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "valid");
    let r = api.get(&format!("/integrations/{gh}")).await;
    assert_eq!(r.body["integration"]["validationStatus"], "valid");
    assert_eq!(r.body["integration"]["oauth"]["metadata"]["issuer"], "https://mcp.github.com");
    let plain = api.create_integration(json!({"name": "Plain", "url": "http://plain.example/mcp"})).await;
    let r = api.post_empty(&format!("/integrations/{plain}/validate")).await;
    assert_eq!(r.body["status"], "invalid");

    // OAuth app override.
    let r = api.get(&format!("/integrations/{gh}/oauth")).await;
    assert_eq!(r.status, 404);
    let r = api
        .put(
            &format!("/integrations/{gh}/oauth"),
            json!({"clientId": "cid", "clientSecret": "csecret", "authorizationUrl": "https://github.com/login/oauth/authorize", "tokenUrl": "https://github.com/login/oauth/access_token", "scopes": ["repo"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["oauth"]["clientSecretConfigured"], true);
    assert!(!r.text.contains("csecret"));
    let r = api.get(&format!("/integrations/{gh}/oauth")).await;
    assert_eq!(r.body["oauth"]["clientId"], "cid");
    assert_eq!(api.delete(&format!("/integrations/{gh}/oauth")).await.status, 204);
    assert_eq!(api.delete(&format!("/integrations/{gh}/oauth")).await.status, 404);

    // Connections: user_token only, per caller.
    let r = api.post(&format!("/integrations/{gh}/connection"), json!({"token": "ghp_x"})).await;
    assert_eq!(r.status, 400);
    let ut = api
        .create_integration(json!({"name": "Linear", "url": "https://mcp.linear.app/sse", "authMode": "user_token"}))
        .await;
    let r = api.get(&format!("/integrations/{ut}/connection")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["connection"]["status"], "not_connected");
    let r = api.post(&format!("/integrations/{ut}/connection"), json!({"token": "lin_abc", "displayName": "me"})).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["connection"]["connected"], true);
    assert!(!r.text.contains("lin_abc"));
    let r = api.get(&format!("/integrations/{ut}/connection")).await;
    assert_eq!(r.body["connection"]["status"], "connected");
    assert_eq!(r.body["connection"]["displayName"], "me");
    assert_eq!(api.delete(&format!("/integrations/{ut}/connection")).await.status, 204);
    assert_eq!(api.delete(&format!("/integrations/{ut}/connection")).await.status, 404);

    // Archive hides it.
    assert_eq!(api.delete(&format!("/integrations/{ut}")).await.status, 204);
    assert_eq!(api.get(&format!("/integrations/{ut}")).await.status, 404);
    api.shutdown().await;
}

#[tokio::test]
async fn attach_detach_set_and_access_graph() {
    let api = start().await;
    let app = api.create_app("Agent").await;
    let a = api.create_integration(json!({"name": "A", "url": "https://a.example"})).await;
    let b = api.create_integration(json!({"name": "B", "url": "https://b.example"})).await;
    let r = api.get(&format!("/applications/{app}/integrations")).await;
    assert_eq!(r.body, json!({"integrationIds": []}));
    let r = api.post_empty(&format!("/applications/{app}/integrations/{a}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"integrationIds": [a]}));
    let r = api.post_empty(&format!("/applications/{app}/integrations/{a}")).await;
    assert_eq!(r.body, json!({"integrationIds": [a]}), "attach is idempotent");
    let r = api.post_empty(&format!("/applications/{app}/integrations/00000000-0000-4000-8000-000000000000")).await;
    assert_eq!(r.status, 404);
    let r = api.put(&format!("/applications/{app}/integrations"), json!({"integrationIds": [b, a, b]})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"integrationIds": [b, a]}));
    let r = api
        .put(
            &format!("/applications/{app}/integrations"),
            json!({"integrationIds": ["00000000-0000-4000-8000-000000000000"]}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("integrationIds"));
    let r = api.get("/applications/access-graph").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["edges"].as_array().unwrap().len(), 2);
    assert_eq!(api.delete(&format!("/applications/{app}/integrations/{b}")).await.status, 204);
    assert_eq!(api.delete(&format!("/applications/{app}/integrations/{b}")).await.status, 404);
    // Archiving an integration detaches it everywhere.
    assert_eq!(api.delete(&format!("/integrations/{a}")).await.status, 204);
    let r = api.get(&format!("/applications/{app}/integrations")).await;
    assert_eq!(r.body, json!({"integrationIds": []}));
    api.shutdown().await;
}

#[tokio::test]
async fn traces_events_policies_from_seed() {
    let api = start().await;
    let app = api.create_app("Agent").await;
    api.seed(json!({
        "events": [
            {"id": "e1", "traceId": "t1", "status": "ok", "toolName": "search", "durationMs": 10, "authenticatedUserId": "u1"},
            {"id": "e2", "traceId": "t1", "status": "error_remote", "toolName": "search", "durationMs": 30, "authenticatedUserId": "u1"},
            {"id": "e3", "traceId": "t2", "status": "warn", "toolName": "write", "durationMs": 20, "createdAt": "2020-01-01T00:00:00Z"},
        ],
        "traces": [
            {"traceId": "t1", "sessionId": "s1", "agentId": app, "ownerUserId": "u1"},
            {"traceId": "t2", "sessionId": "s2", "agentId": "other", "startedAt": "2020-01-01T00:00:00Z"},
        ],
        "policy": {"policyEnabled": true, "rules": [{"action": "deny", "scope": "server", "level": "org"}]},
    }))
    .await;
    let r = api.get("/traces").await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["traceId"], "t1", "newest first");
    assert_eq!(items[0]["agentName"], "Agent");
    assert_eq!(items[0]["eventCount"], 2);
    assert_eq!(items[0]["errorCount"], 1);
    let r = api.get(&format!("/traces?agentId={app}")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = api.get(&format!("/traces?applicationId={app}&offset=1")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
    let r = api.get("/traces?userId=u1&limit=1").await;
    assert_eq!(r.body["items"][0]["traceId"], "t1");
    let r = api.get("/traces/t1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["events"].as_array().unwrap().len(), 2);
    assert_eq!(api.get("/traces/nope").await.status, 404);
    let r = api.get("/traces/stats?period=1d").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["totalTraces"], 1);
    assert_eq!(r.body["totalEvents"], 2);
    assert_eq!(r.body["errorRate"], 50.0);
    assert_eq!(r.body["topTools"][0], json!({"toolName": "search", "count": 2}));
    let r = api.get("/traces/stats?period=weekly").await;
    assert_eq!(r.status, 400);
    assert!(r.message().starts_with("period"));
    let r = api.get("/mcp-events?limit=2").await;
    let ids: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&"e3"), "oldest event is cut: {ids:?}");
    let r = api.get("/policy/settings").await;
    assert_eq!(r.body["policyEnabled"], true);
    assert_eq!(r.body["payloadCaptureMode"], "full", "the default until one is set");
    let r = api.get("/policy/rules").await;
    assert_eq!(r.body, json!([{"action": "deny", "scope": "server", "level": "org"}]));
    // A bad seed is rejected whole.
    let r = api
        .admin(reqwest::Method::POST, "seed", Some(json!({"events": [{"id": "e9"}], "traces": [{"traceId": 5}]})))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("traces[0]"), "{}", r.message());
    let r = api.get("/mcp-events").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    api.shutdown().await;
}

#[tokio::test]
async fn service_account_pagination() {
    let api = start().await;
    for i in 0..5 {
        let r = api.post("/service-accounts", json!({"name": format!("sa-{i}")})).await;
        assert_eq!(r.status, 201);
    }
    assert_eq!(api.post("/service-accounts", json!({"name": "sa-0"})).await.status, 409);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/service-accounts?limit=2&cursor={c}"),
            None => "/service-accounts?limit=2".into(),
        };
        let r = api.get(&path).await;
        assert_eq!(r.status, 200);
        for sa in r.body["items"].as_array().unwrap() {
            seen.push(sa["name"].as_str().unwrap().to_owned());
        }
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, vec!["sa-0", "sa-1", "sa-2", "sa-3", "sa-4"]);
    api.shutdown().await;
}

/// A 1,000-application walk with limit=7 sees every pre-existing id exactly once while
/// other tasks insert applications concurrently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_walk_is_stable_under_concurrent_inserts() {
    let api = Arc::new(start().await);
    let seed: Vec<Value> =
        (0..1000).map(|i| json!({"name": format!("app-{i:04}"), "oauth": {"redirectUris": []}})).collect();
    api.seed(json!({"applications": seed})).await;
    let before: HashSet<String> = {
        let mut all = HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/applications?limit=200&cursor={c}"),
                None => "/applications?limit=200".into(),
            };
            let r = api.get(&path).await;
            for a in r.body["items"].as_array().unwrap() {
                all.insert(a["id"].as_str().unwrap().to_owned());
            }
            match r.body.get("nextCursor").and_then(Value::as_str) {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        all
    };
    assert_eq!(before.len(), 1000);

    let writers: Vec<_> = (0..3)
        .map(|w| {
            let api = api.clone();
            tokio::spawn(async move {
                for i in 0..100 {
                    let r = api
                        .post("/applications", json!({"name": format!("new-{w}-{i}"), "oauth": {"redirectUris": []}}))
                        .await;
                    assert_eq!(r.status, 201);
                }
            })
        })
        .collect();

    let mut counts: std::collections::HashMap<String, u32> = Default::default();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/applications?limit=7&cursor={c}"),
            None => "/applications?limit=7".into(),
        };
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        for a in items {
            *counts.entry(a["id"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        pages += 1;
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    assert!(pages >= 143);
    for id in &before {
        assert_eq!(counts.get(id), Some(&1), "{id} seen {:?} times", counts.get(id));
    }
    assert!(counts.values().all(|&n| n == 1), "no id twice");
    let r = api.get("/applications?limit=7&cursor=not-a-cursor").await;
    assert_eq!(r.status, 400);
    assert!(r.message().starts_with("cursor"));
}
