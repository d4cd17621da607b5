//! Request validation against the spec, body limits, unknown routes, robustness.

mod common;

use common::{start, to_resp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn body_validation_names_the_field() {
    let api = start().await;
    let cases = [
        (json!({"oauth": {"redirectUris": []}}), "name: is required"),
        (json!({"name": 5, "oauth": {"redirectUris": []}}), "name: must be a string, not a number"),
        (json!({"name": "", "oauth": {"redirectUris": []}}), "name: must not be empty"),
        (json!({"name": "x"}), "oauth: is required"),
        (json!({"name": "x", "oauth": {}}), "oauth.redirectUris: is required"),
        (
            json!({"name": "x", "oauth": {"redirectUris": [], "type": "secret"}}),
            "oauth.type: must be one of public, confidential",
        ),
        (json!({"name": "x", "oauth": {"redirectUris": [1]}}), "oauth.redirectUris[0]: must be a string, not a number"),
        (
            json!({"name": "x", "oauth": {"redirectUris": [], "pkceRequired": "yes"}}),
            "oauth.pkceRequired: must be a boolean, not a string",
        ),
        (json!([1, 2]), "body: must be an object, not an array"),
    ];
    for (body, message) in cases {
        let r = api.post("/applications", body.clone()).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body["message"], message, "{body}");
        assert_eq!(r.body["statusCode"], 400);
        assert_eq!(r.body["error"], "Bad Request");
    }
    let r = api.post("/integrations", json!({"name": "x", "url": "not a url"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.message(), "url: must be a URI");
    let r = api.post("/integrations", json!({"name": "x", "url": "https://x", "authMode": "magic"})).await;
    assert!(r.message().starts_with("authMode: must be one of"));
    let r = api.post("/service-accounts", json!({"name": "x".repeat(201)})).await;
    assert_eq!(r.message(), "name: must be at most 200 characters");
    let r = api.patch("/applications/00000000-0000-4000-8000-000000000000", json!({"name": null})).await;
    assert_eq!(r.status, 400, "validation comes before lookup");
    assert_eq!(r.message(), "name: must not be null");
    api.shutdown().await;
}

#[tokio::test]
async fn query_validation_names_the_parameter() {
    let api = start().await;
    for q in ["limit=0", "limit=201", "limit=abc", "limit=1.5", "limit="] {
        let r = api.get(&format!("/applications?{q}")).await;
        assert_eq!(r.status, 400, "{q}");
        assert!(r.message().starts_with("limit:"), "{q}: {}", r.message());
    }
    for path in ["/integrations?limit=500", "/service-accounts?limit=-1", "/traces?limit=x", "/mcp-events?limit=0"] {
        let r = api.get(path).await;
        assert_eq!(r.status, 400, "{path}");
        assert!(r.message().starts_with("limit:"), "{path}");
    }
    assert_eq!(api.get("/applications?limit=1").await.status, 200);
    assert_eq!(api.get("/applications?limit=200&all=true").await.status, 200);
    let r = api.get("/applications?all=maybe").await;
    assert_eq!(r.message(), "all: must be true or false");
    let r = api.get("/traces?offset=-1").await;
    assert!(r.message().starts_with("offset:"));
    let app = api.create_app("A").await;
    let r = api.get(&format!("/applications/{app}/sessions?status=sleeping")).await;
    assert!(r.message().starts_with("status: must be one of active, inactive, all"));
    let r = api.get("/applications?cursor=%%%").await;
    assert_eq!(r.status, 400);
    assert!(r.message().starts_with("cursor"));
    api.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_and_content_types() {
    let api = start().await;
    let send = |ct: Option<&'static str>, body: &'static str| {
        let mut req = api.client.post(api.url("/applications")).bearer_auth(&api.token).body(body);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        async move { to_resp(req.send().await.unwrap()).await }
    };
    let r = send(Some("application/json"), "{\"name\": ").await;
    assert_eq!(r.status, 400);
    assert!(r.message().starts_with("body: is not valid JSON"));
    let r = send(Some("text/plain"), "{\"name\": \"x\"}").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.message(), "body: Content-Type must be application/json");
    let r = send(None, "").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.message(), "body: is required");
    let r =
        send(Some("application/json; charset=utf-8"), "{\"name\": \"ok\", \"oauth\": {\"redirectUris\": []}}").await;
    assert_eq!(r.status, 201);
    api.shutdown().await;
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let api = start().await;
    let big = format!("{{\"name\": \"{}\", \"oauth\": {{\"redirectUris\": []}}}}", "x".repeat(1_100_000));
    let r = to_resp(
        api.client
            .post(api.url("/applications"))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.body["statusCode"], 413);
    assert!(r.header("x-request-id").is_some());
    // Just under the limit is fine (and then a 400 for the too-long name).
    let ok = format!("{{\"name\": \"{}\"}}", "x".repeat(1_000_000));
    let r = to_resp(
        api.client
            .post(api.url("/service-accounts"))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body(ok)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 400);
    api.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_methods_and_ids() {
    let api = start().await;
    let r = to_resp(api.client.get(format!("{}/x", api.base)).send().await.unwrap()).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, json!({"message": "Cannot GET /x", "statusCode": 404, "error": "Not Found"}));
    let r = api.get("/nothing/here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.message(), "Cannot GET /api/v1/nothing/here");
    let r = api.call(Method::PUT, "/applications", Some(json!({}))).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
    assert_eq!(r.body["statusCode"], 405);
    // Malformed UUIDs are unknown ids (404), as the spec chooses.
    for path in ["/applications/not-a-uuid", "/integrations/123", "/service-accounts/x/rotate-secret"] {
        let r = if path.ends_with("rotate-secret") { api.post_empty(path).await } else { api.get(path).await };
        assert_eq!(r.status, 404, "{path}");
        assert!(r.message().ends_with("not found"), "{path}: {}", r.message());
    }
    let r = api.get("/applications/550e8400-e29b-41d4-a716-446655440000").await;
    assert_eq!(r.message(), "Application not found");
    api.shutdown().await;
}

/// Nothing a client sends produces a 5xx: a deterministic barrage of odd requests.
#[tokio::test]
async fn odd_requests_never_produce_5xx() {
    let api = start().await;
    let app = api.create_app("A").await;
    let paths = [
        "/applications".to_owned(),
        format!("/applications/{app}"),
        format!("/applications/{app}/oauth"),
        format!("/applications/{app}/integrations"),
        format!("/applications/{app}/integrations/{app}"),
        format!("/applications/{app}/sessions"),
        format!("/applications/{app}/sessions/{app}"),
        "/integrations".into(),
        format!("/integrations/{app}/connection"),
        "/service-accounts".into(),
        "/traces/%00%ff".into(),
        "/traces/stats?period=%FF".into(),
        "/mcp-events?limit=99999999999999999999999".into(),
        "/applications?cursor=eyJpZCI6Ijk".into(),
        "/applications?cursor=bnVsbA".into(),
        "/policy/rules".into(),
    ];
    let bodies = [
        "",
        "null",
        "{}",
        "[]",
        "\"x\"",
        "{\"name\": {\"$ref\": \"#\"}}",
        "{\"integrationIds\": [null, 1, \"x\"]}",
        "{\"name\": \"\\u0000\", \"url\": \"https://\\u0000\"}",
        "{\"externalAuth\": {\"issuer\": 1}}",
        "{\"token\": \"\"}",
        "1e999999",
        "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    ];
    let methods =
        [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::HEAD, Method::OPTIONS];
    for path in &paths {
        for m in &methods {
            for b in &bodies {
                let r = api
                    .client
                    .request(m.clone(), api.url(path))
                    .bearer_auth(&api.token)
                    .header("content-type", "application/json")
                    .body(*b)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().as_u16() < 500, "{m} {path} {b} -> {}", r.status());
            }
        }
    }
    api.shutdown().await;
}
