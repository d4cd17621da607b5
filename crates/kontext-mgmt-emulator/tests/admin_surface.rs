//! The newer admin surface: decisions, releases, install and SCIM tokens, directory,
//! policy settings with optimistic concurrency, per-operation scopes and the token
//! request's audience.

mod common;

use common::{start, to_resp, Api};
use kontext_mgmt_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// Every page of `path` (with `query`), following `nextCursor`.
async fn walk(api: &Api, path: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut url = format!("{path}?{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = api.get(&url).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        items.extend(r.body["items"].as_array().unwrap().iter().cloned());
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => {
                assert!(r.body.get("nextCursor").is_none(), "the last page has no nextCursor key");
                return items;
            }
        }
    }
    panic!("{path}: more than 100 pages");
}

#[tokio::test]
async fn decisions_walk_with_filters() {
    let api = start().await;
    let all = walk(&api, "/decisions", "limit=200").await;
    assert_eq!(all.len(), 600, "the fixed seed generates 600 decisions");
    let ids: HashSet<&str> = all.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 600, "every decision once");
    let times: Vec<&str> = all.iter().map(|d| d["occurredAt"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Small pages walk the same rows in the same order.
    let small = walk(&api, "/decisions", "limit=7").await;
    assert_eq!(small, all);

    // One filter: exactly the matching rows, in order, whatever the page size.
    let denied: Vec<Value> = all.iter().filter(|d| d["decisionResult"] == "deny").cloned().collect();
    assert!(!denied.is_empty() && denied.len() < all.len());
    assert_eq!(walk(&api, "/decisions", "decisionResult=deny&limit=9").await, denied);

    // Several filters and a time window (inclusive bounds).
    let provider = all[3]["provider"].as_str().unwrap().to_owned();
    let (to, from) = (all[10]["occurredAt"].as_str().unwrap(), all[120]["occurredAt"].as_str().unwrap());
    let want: Vec<Value> = all[10..=120]
        .iter()
        .filter(|d| d["provider"] == provider.as_str() && d["decisionResult"] == "allow")
        .cloned()
        .collect();
    assert!(!want.is_empty());
    let q = format!("provider={provider}&decisionResult=allow&from={from}&to={to}&limit=5");
    assert_eq!(walk(&api, "/decisions", &q).await, want);

    // The other string filters.
    for field in ["decisionCategory", "reasonCode", "riskLevel", "installationId", "sessionId"] {
        let value = all.iter().find_map(|d| d[field].as_str()).unwrap().to_owned();
        let want: Vec<Value> = all.iter().filter(|d| d[field] == value.as_str()).cloned().collect();
        assert_eq!(walk(&api, "/decisions", &format!("{field}={value}&limit=50")).await, want, "{field}");
    }
    let r = api.get("/decisions?provider=nobody").await;
    assert_eq!(r.body, json!({"items": []}));

    // One decision; unknown ids and bad parameters.
    let id = all[42]["id"].as_str().unwrap();
    let r = api.get(&format!("/decisions/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["decision"], all[42]);
    let r = api.get("/decisions/nope").await;
    assert_eq!((r.status.as_u16(), r.message()), (404, "Decision not found"));
    let r = api.get("/decisions?limit=201").await;
    assert_eq!((r.status.as_u16(), r.message()), (400, "limit: must be <= 200"));
    let r = api.get("/decisions?riskLevel=extreme").await;
    assert_eq!(r.status, 400);
    let r = api.get("/decisions?from=yesterday").await;
    assert_eq!(r.status, 400);
    let r = api.get("/decisions?cursor=!!").await;
    assert_eq!(r.status, 400);

    // A second emulator generates the same rows.
    let other = start().await;
    assert_eq!(walk(&other, "/decisions", "limit=200").await, all);
    other.shutdown().await;
    api.shutdown().await;
}

#[tokio::test]
async fn releases_and_download_urls() {
    let api = start().await;
    let releases = walk(&api, "/deployments/releases", "limit=2").await;
    assert!(releases.len() >= 2);
    let latest = api.get("/deployments/releases/latest").await;
    assert_eq!(latest.status, 200);
    assert_eq!(latest.body["release"], releases[0]);
    let version = releases[1]["version"].as_str().unwrap();
    let mut urls = HashSet::new();
    for kind in ["package", "install_script", "package"] {
        let artifact = releases[1]["artifacts"].as_array().unwrap().iter().find(|a| a["kind"] == kind).unwrap();
        let before = chrono::Utc::now();
        let r = api.post_empty(&format!("/deployments/releases/{version}/artifacts/{kind}/download-url")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["sha256"], artifact["sha256"]);
        assert_eq!(r.body["sha256"].as_str().unwrap().len(), 64);
        assert!(r.body["url"].as_str().unwrap().starts_with(&api.base));
        urls.insert(r.body["url"].as_str().unwrap().to_owned());
        let expires = chrono::DateTime::parse_from_rfc3339(r.body["expiresAt"].as_str().unwrap()).unwrap();
        let minutes = (expires.with_timezone(&chrono::Utc) - before).num_seconds() as f64 / 60.0;
        assert!((14.0..=16.0).contains(&minutes), "valid about 15 minutes, not {minutes}");
    }
    assert_eq!(urls.len(), 3, "every URL is new");
    let r = api.post_empty(&format!("/deployments/releases/{version}/artifacts/source/download-url")).await;
    assert_eq!(r.status, 404);
    let r = api.post_empty("/deployments/releases/0.0.0/artifacts/package/download-url").await;
    assert_eq!((r.status.as_u16(), r.message()), (404, "Release not found"));
    api.shutdown().await;
}

/// Creates, lists and revokes tokens at `base` (install or SCIM tokens): the raw token
/// only in the create answer, only its sha256 afterwards.
async fn token_lifecycle(api: &Api, base: &str, key: &str) {
    let mut made = Vec::new();
    for label in ["ci", "laptop", "ci"] {
        let r = api.post(base, json!({"label": label})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let raw = r.body["token"].as_str().unwrap().to_owned();
        let t = &r.body[key];
        assert_eq!(t["label"], label);
        assert_eq!(t["sha256"], format!("{:x}", Sha256::digest(raw.as_bytes())), "sha256 of the raw token");
        assert_eq!(t["revokedAt"], Value::Null);
        made.push((raw, t["sha256"].as_str().unwrap().to_owned()));
    }
    assert_ne!(made[0].0, made[2].0, "the same label gets a new token");
    let listed = walk(api, base, "limit=2").await;
    assert_eq!(listed.len(), 3);
    let text = serde_json::to_string(&listed).unwrap();
    for (raw, sha) in &made {
        assert!(!text.contains(raw.as_str()), "the list never shows the raw token");
        assert!(text.contains(sha.as_str()));
    }
    assert!(listed.iter().all(|t| t.get("token").is_none()));

    let sha = &made[1].1;
    let r = api.post_empty(&format!("{base}/{sha}/revoke")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let revoked_at = r.body[key]["revokedAt"].as_str().unwrap().to_owned();
    // Again: unchanged.
    let r = api.post_empty(&format!("{base}/{}/revoke", sha.to_ascii_uppercase())).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body[key]["revokedAt"], revoked_at.as_str());
    let listed = walk(api, base, "").await;
    let states: Vec<bool> = listed.iter().map(|t| t["revokedAt"].is_string()).collect();
    assert_eq!(states, [false, true, false], "revoked tokens stay listed with revokedAt");
    let r = api.post_empty(&format!("{base}/{}/revoke", "0".repeat(64))).await;
    assert_eq!(r.status, 404);
    let r = api.post(base, json!({"label": ""})).await;
    assert_eq!(r.status, 400);
    let r = api.post(base, json!({})).await;
    assert_eq!((r.status.as_u16(), r.message()), (400, "label: is required"));
}

#[tokio::test]
async fn install_and_scim_tokens_are_shown_once_and_revocable() {
    let api = start().await;
    token_lifecycle(&api, "/organizations/current/install-tokens", "installToken").await;
    // The directory reports SCIM as enabled only while a SCIM token is active.
    let r = api.get("/organizations/current/directory/status").await;
    assert_eq!(r.status, 200);
    assert_eq!((r.body["scimEnabled"].clone(), r.body["activeTokenCount"].clone()), (json!(false), json!(0)));
    token_lifecycle(&api, "/organizations/current/directory/scim-tokens", "scimToken").await;
    let r = api.get("/organizations/current/directory/status").await;
    assert_eq!((r.body["scimEnabled"].clone(), r.body["activeTokenCount"].clone()), (json!(true), json!(2)));
    assert!(r.body["scimBaseUrl"].as_str().unwrap().ends_with("/scim/v2"));
    // The two lists are separate.
    assert_eq!(walk(&api, "/organizations/current/install-tokens", "").await.len(), 3);
    // A reset forgets the tokens.
    api.admin(Method::POST, "reset", None).await;
    let api = Api {
        token: common::mint(&api.client, &api.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.unwrap(),
        ..api
    };
    assert_eq!(api.get("/organizations/current/directory/scim-tokens").await.body, json!({"items": []}));
    api.shutdown().await;
}

#[tokio::test]
async fn seeded_tokens_keep_only_their_sha256() {
    let api = start().await;
    api.seed(json!({"installTokens": [{"label": "ci", "token": "kit_known"}, {"label": "old", "revoked": true}],
                    "scimTokens": [{"label": "entra", "token": "scim_known"}]}))
        .await;
    let listed = walk(&api, "/organizations/current/install-tokens", "").await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["sha256"], format!("{:x}", Sha256::digest(b"kit_known")));
    assert_eq!((listed[0]["revokedAt"].is_null(), listed[1]["revokedAt"].is_string()), (true, true));
    let scim = walk(&api, "/organizations/current/directory/scim-tokens", "").await;
    assert_eq!(scim[0]["sha256"], format!("{:x}", Sha256::digest(b"scim_known")));
    let r = api.get("/organizations/current/directory/status").await;
    assert_eq!(r.body["activeTokenCount"], 1);
    for bad in [json!({"installTokens": [{"token": "x"}]}), json!({"scimTokens": [{"label": "x", "token": 1}]})] {
        let r = api.admin(Method::POST, "seed", Some(bad.clone())).await;
        assert_eq!(r.status, 400, "{bad}");
    }
    api.shutdown().await;
}

#[tokio::test]
async fn directory_groups_and_reconciliation() {
    let api = start().await;
    let groups = walk(&api, "/organizations/current/directory/groups", "limit=5").await;
    assert!(groups.len() > 5);
    let ids: HashSet<&str> = groups.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), groups.len());
    let r = api.get("/organizations/current/directory/status").await;
    assert_eq!(r.body["groupCount"], groups.len());
    let r = api.get("/organizations/current/directory/reconciliation").await;
    assert_eq!(r.status, 200);
    let items = r.body["items"].as_array().unwrap();
    for state in ["matched", "no_email", "unmatched", "ambiguous"] {
        let n = items.iter().filter(|e| e["state"] == state).count();
        assert!(n > 0, "{state}");
        assert_eq!(r.body["counts"][state], n);
    }
    assert!(items.iter().filter(|e| e["state"] == "no_email").all(|e| e["email"].is_null()));
    assert!(items.iter().filter(|e| e["state"] == "matched").all(|e| e["userId"].is_string()));
    api.shutdown().await;
}

#[tokio::test]
async fn settings_patch_is_refused_when_stale() {
    let api = start().await;
    api.seed(json!({"policy": {"payloadCaptureMode": "none"}})).await;
    let r = api.admin(Method::POST, "seed", Some(json!({"policy": {"payloadCaptureMode": "all"}}))).await;
    assert_eq!(r.status, 400, "a seed is checked against the spec's enum");
    let r = api.get("/policy/settings").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["payloadCaptureMode"], "none");
    let first = r.body["updatedAt"].as_str().unwrap().to_owned();
    let r = api
        .patch(
            "/policy/settings",
            json!({"policyEnabled": true, "payloadCaptureMode": "metadata", "expectedUpdatedAt": first}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["policyEnabled"], true);
    assert_eq!(r.body["payloadCaptureMode"], "metadata");
    let second = r.body["updatedAt"].as_str().unwrap().to_owned();
    assert!(second > first);
    // A second writer with the old updatedAt is refused and changes nothing.
    let r = api.patch("/policy/settings", json!({"policyEnabled": false, "expectedUpdatedAt": first})).await;
    assert_eq!(r.status, 412, "{}", r.text);
    assert_eq!(r.body["error"], "precondition_failed");
    assert_eq!(r.body["statusCode"], 412);
    assert!(!r.message().is_empty());
    let r = api.get("/policy/settings").await;
    assert_eq!(r.body, json!({"policyEnabled": true, "payloadCaptureMode": "metadata", "updatedAt": second}));
    // The same instant in another offset matches; after a re-read the retry succeeds.
    let shifted = chrono::DateTime::parse_from_rfc3339(&second)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .to_rfc3339();
    let r = api.patch("/policy/settings", json!({"policyEnabled": false, "expectedUpdatedAt": shifted})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["policyEnabled"], false);
    // Without expectedUpdatedAt the write is unconditional; bad values are 400.
    let r = api.patch("/policy/settings", json!({"payloadCaptureMode": "none"})).await;
    assert_eq!((r.status.as_u16(), r.body["payloadCaptureMode"].clone()), (200, json!("none")));
    let r = api.patch("/policy/settings", json!({"payloadCaptureMode": "everything"})).await;
    assert_eq!(r.status, 400);
    let r = api.patch("/policy/settings", json!({"expectedUpdatedAt": "soon"})).await;
    assert_eq!(r.status, 400);
    api.shutdown().await;
}

/// A token for the bootstrap credential with `scope` (and `audience`, when given).
async fn token_request(api: &Api, scope: &str, audience: Option<&str>) -> common::Resp {
    let mut form = vec![("grant_type", "client_credentials"), ("scope", scope)];
    if let Some(a) = audience {
        form.push(("audience", a));
    }
    let req = api
        .client
        .post(format!("{}/oauth2/token", api.base))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET));
    to_resp(req.form(&form).send().await.unwrap()).await
}

#[tokio::test]
async fn fine_grained_scopes_are_enforced_per_operation() {
    let api = start().await;
    let r = token_request(&api, "management:logs:read", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["scope"], "management:logs:read");
    let logs = r.body["access_token"].as_str().unwrap().to_owned();
    // Its own area works...
    let r = api.call_with(&logs, Method::GET, "/decisions?limit=3", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    let r = api.call_with(&logs, Method::GET, "/traces", None).await;
    assert_eq!(r.status, 200);
    // ...another area's write gets the insufficient_scope body and changes nothing.
    let r = api
        .call_with(&logs, Method::POST, "/applications", Some(json!({"name": "x", "oauth": {"redirectUris": []}})))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"], "insufficient_scope");
    assert_eq!(r.body["statusCode"], 403);
    assert_eq!(r.body["missingScopes"], json!(["management:applications:write"]));
    assert!(r.body["hint"].as_str().is_some_and(|h| !h.is_empty()));
    assert!(r.message().contains("management:applications:write"));
    assert_eq!(api.get("/applications").await.body["items"], json!([]));
    let r = api.call_with(&logs, Method::GET, "/applications", None).await;
    assert_eq!(r.body["missingScopes"], json!(["management:applications:read"]));
    let r = api.call_with(&logs, Method::PATCH, "/policy/settings", Some(json!({"policyEnabled": true}))).await;
    assert_eq!(r.body["missingScopes"], json!(["management:settings:write"]));

    // Several scopes; read does not grant write.
    let r = token_request(&api, "management:applications:read management:deployments:write", None).await;
    assert_eq!(r.body["scope"], "management:applications:read management:deployments:write");
    let two = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(api.call_with(&two, Method::GET, "/applications", None).await.status, 200);
    let r =
        api.call_with(&two, Method::POST, "/organizations/current/install-tokens", Some(json!({"label": "ci"}))).await;
    assert_eq!(r.status, 201);
    let r = api.call_with(&two, Method::DELETE, "/applications/550e8400-e29b-41d4-a716-446655440000", None).await;
    assert_eq!(r.body["missingScopes"], json!(["management:applications:write"]));
    let r = api.call_with(&two, Method::GET, "/deployments/releases/latest", None).await;
    assert_eq!(r.body["missingScopes"], json!(["management:deployments:read"]));

    // management:all still grants everything (the default token of these tests has it).
    let r = token_request(&api, "management:all", None).await;
    let all = r.body["access_token"].as_str().unwrap().to_owned();
    for (method, path, body) in [
        (Method::POST, "/applications", Some(json!({"name": "ok", "oauth": {"redirectUris": []}}))),
        (Method::GET, "/decisions", None),
        (Method::PATCH, "/policy/settings", Some(json!({"policyEnabled": true}))),
        (Method::POST, "/organizations/current/directory/scim-tokens", Some(json!({"label": "entra"}))),
    ] {
        let r = api.call_with(&all, method, path, body).await;
        assert!(r.status.is_success(), "{path}: {}", r.text);
    }
    // Unknown scopes are refused at the token endpoint.
    let r = token_request(&api, "management:logs:read management:everything", None).await;
    assert_eq!((r.status.as_u16(), r.body["error"].clone()), (400, json!("invalid_scope")));
    api.shutdown().await;
}

#[tokio::test]
async fn token_request_audience() {
    let api = start().await;
    let own = format!("{}/api/v1", api.base);
    for audience in [None, Some(own.clone()), Some(format!("{own}/"))] {
        let r = token_request(&api, "management:all", audience.as_deref()).await;
        assert_eq!(r.status, 200, "{audience:?}: {}", r.text);
    }
    // The host the client used (here 127.0.0.1 and its port) is what counts.
    let host = api.base.trim_start_matches("http://");
    let r = token_request(&api, "management:all", Some(&format!("https://{host}/api/v1"))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for bad in ["https://api.kontext.dev/api/v1", "http://other.example/api/v1", &format!("{}/api/v2", api.base), "x"] {
        let r = token_request(&api, "management:all", Some(bad)).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.body["error"], "invalid_request", "{bad}");
        assert!(r.body.get("access_token").is_none());
    }
    api.shutdown().await;
}
