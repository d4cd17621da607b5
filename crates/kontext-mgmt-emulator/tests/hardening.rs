//! What a hostile or broken client cannot do to the emulator: oversized bodies (413),
//! slow headers or bodies (closed / 408 within the configured timeout), a request log
//! that grows without bound or keeps anonymous bodies, and RFC 6749 §2.3.1 Basic
//! credentials (form-urlencoded id and secret).

mod common;

use common::{config, mint, start_with, to_resp};
use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn host(base: &str) -> &str {
    base.strip_prefix("http://").expect("http base")
}

/// Reads until the server closes the connection (EOF or reset); returns what it sent.
/// Fails when it stays open longer than `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => {
                panic!("the server kept the connection open for {within:?}; got {:?}", String::from_utf8_lossy(&got))
            }
            Ok(Ok(0)) | Ok(Err(_)) => return got,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// The last `n` entries of the request log and the log's own figures.
async fn log(api: &common::Api, n: usize) -> Value {
    let r = api.admin(Method::GET, &format!("requests?limit={n}"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// An authorized POST of exactly these bytes as JSON.
async fn post_json_bytes(api: &common::Api, url: &str, body: impl Into<reqwest::Body>) -> common::Resp {
    let req = api.client.post(url).bearer_auth(&api.token).header("content-type", "application/json").body(body);
    to_resp(req.send().await.unwrap()).await
}

fn compact_sha256(v: &Value) -> String {
    format!("{:x}", Sha256::digest(serde_json::to_vec(v).unwrap()))
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_declared_or_chunked() {
    let api = start_with(Config { max_body_bytes: 1000, ..config() }).await;
    let url = api.url("/applications");
    // Declared by Content-Length: refused before a byte of it is read.
    let big = format!("{{\"name\":\"{}\",\"oauth\":{{\"redirectUris\":[]}}}}", "x".repeat(2000));
    let r = post_json_bytes(&api, &url, big.clone()).await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(r.message(), "request body: must be at most 1000 bytes");
    // Chunked (no length up front): refused once the limit is passed.
    let mut s = TcpStream::connect(host(&api.base)).await.unwrap();
    let head = format!(
        "POST /api/v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        api.token
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len()).as_bytes()).await.unwrap();
    let answer = String::from_utf8_lossy(&read_until_closed(&mut s, Duration::from_secs(10)).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // At the limit it is an ordinary request.
    let r = api.post("/applications", json!({"name": "small", "oauth": {"redirectUris": []}})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    api.shutdown().await;
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed_within_the_header_timeout() {
    let timeout = Duration::from_millis(800);
    let api = start_with(Config { header_timeout: timeout, ..config() }).await;
    let mut trickle = TcpStream::connect(host(&api.base)).await.unwrap();
    let mut idle = TcpStream::connect(host(&api.base)).await.unwrap();
    let started = Instant::now();
    trickle.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let (a, b) = tokio::join!(read_until_closed(&mut trickle, timeout * 5), read_until_closed(&mut idle, timeout * 5));
    let took = started.elapsed();
    assert!(a.is_empty() && b.is_empty(), "no answer to half a request: {a:?} {b:?}");
    assert!(took >= timeout.mul_f64(0.9), "closed after {took:?}, before the {timeout:?} timeout");
    // A complete request on a fresh connection is still answered.
    let r = api.admin(Method::GET, "health", None).await;
    assert_eq!(r.status, 200);
    api.shutdown().await;
}

#[tokio::test]
async fn a_slow_body_gets_408_and_the_connection_closed() {
    let timeout = Duration::from_millis(800);
    let api = start_with(Config { body_timeout: timeout, ..config() }).await;
    for authorized in [true, false] {
        let mut s = TcpStream::connect(host(&api.base)).await.unwrap();
        let auth = if authorized { format!("Authorization: Bearer {}\r\n", api.token) } else { String::new() };
        let head = format!(
            "POST /api/v1/applications HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
        );
        let started = Instant::now();
        s.write_all(head.as_bytes()).await.unwrap();
        let answer = String::from_utf8_lossy(&read_until_closed(&mut s, timeout * 5).await).into_owned();
        assert!(answer.starts_with("HTTP/1.1 408"), "authorized={authorized}: {answer}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
        assert!(started.elapsed() >= timeout.mul_f64(0.9));
    }
    api.shutdown().await;
}

#[tokio::test]
async fn the_log_keeps_a_prefix_size_and_hash_of_large_bodies_and_never_their_secrets() {
    let api = start_with(Config { log_body_bytes: 1024, ..config() }).await;
    // An authenticated call to a route this spec does not know is logged with its body.
    let big = json!({"blob": "y".repeat(10_000), "token": "hunter2-secret", "n": 1});
    let wire = serde_json::to_vec(&big).unwrap();
    let r = post_json_bytes(&api, &api.url("/future-thing"), wire.clone()).await;
    assert_eq!(r.status, 404);
    let small = json!({"name": "tiny", "token": "hunter2-secret"});
    let r = api.post("/future-thing", small.clone()).await;
    assert_eq!(r.status, 404);
    let l = log(&api, 2).await;
    let text = l.to_string();
    assert!(!text.contains("hunter2-secret"), "a secret reached the log: {text}");
    let (e_big, e_small) = (&l["items"][0], &l["items"][1]);

    let mut redacted = big.clone();
    redacted["token"] = json!("***");
    let redacted_text = serde_json::to_string(&redacted).unwrap();
    assert_eq!(e_big["body"], Value::Null, "a truncated body is not shown as JSON");
    assert_eq!(e_big["bodyTruncated"], true);
    assert_eq!(e_big["bodyBytes"], wire.len());
    let prefix = e_big["bodyPrefix"].as_str().unwrap();
    assert_eq!(prefix.len(), 1024);
    assert!(redacted_text.starts_with(prefix));
    assert_eq!(e_big["bodySha256"], compact_sha256(&redacted));

    let mut redacted = small.clone();
    redacted["token"] = json!("***");
    assert_eq!(e_small["body"], redacted);
    assert_eq!(e_small["bodyTruncated"], false);
    assert!(e_small.get("bodyPrefix").is_none());
    assert_eq!(e_small["bodyBytes"], serde_json::to_vec(&small).unwrap().len());
    assert_eq!(e_small["bodySha256"], compact_sha256(&redacted));
    api.shutdown().await;
}

#[tokio::test]
async fn the_log_stays_under_its_ceiling_and_reset_empties_it() {
    let ceiling = 64 * 1024;
    let api = start_with(Config { log_body_bytes: 8 * 1024, log_max_bytes: ceiling, ..config() }).await;
    for i in 0..40 {
        let r = api.post("/future-thing", json!({"i": i, "pad": "z".repeat(20_000)})).await;
        assert_eq!(r.status, 404);
        let l = log(&api, 1000).await;
        assert!(l["bytes"].as_u64().unwrap() <= ceiling as u64, "{} > {ceiling}", l["bytes"]);
        assert_eq!(l["maxBytes"], ceiling);
    }
    let l = log(&api, 1000).await;
    let items = l["items"].as_array().unwrap();
    assert!(items.len() < 40 && items.len() >= 4, "{} entries kept", items.len());
    // The newest entry is the last request, whole in its summary.
    assert!(items.last().unwrap()["bodyPrefix"].as_str().unwrap().contains("\"i\":39"));
    let r = api.admin(Method::POST, "reset", None).await;
    assert_eq!(r.status, 200);
    let l = log(&api, 1000).await;
    assert_eq!(l["items"], json!([]));
    assert_eq!(l["bytes"], 0);
    api.shutdown().await;
}

#[tokio::test]
async fn anonymous_bodies_are_counted_but_never_logged() {
    let api = start_with(config()).await;
    let body = json!({"hello": "world", "note": "anonymous payload"});
    let size = serde_json::to_vec(&body).unwrap().len();
    // Unknown route, no token.
    let r = to_resp(api.client.post(format!("{}/nowhere", api.base)).json(&body).send().await.unwrap()).await;
    assert_eq!(r.status, 404);
    // Known route, wrong token.
    let r =
        to_resp(api.client.post(api.url("/applications")).bearer_auth("nope").json(&body).send().await.unwrap()).await;
    assert_eq!(r.status, 401);
    let l = log(&api, 2).await;
    assert!(!l.to_string().contains("anonymous payload"), "{l}");
    for (e, path) in l["items"].as_array().unwrap().iter().zip(["/nowhere", "/api/v1/applications"]) {
        assert_eq!(e["path"], path);
        assert_eq!(e["body"], Value::Null);
        assert_eq!(e["bodyBytes"], size);
        assert_eq!(e["bodyTruncated"], false);
        assert!(e.get("bodySha256").is_none() && e.get("bodyPrefix").is_none(), "{e}");
    }
    // The same body with a token is logged as before.
    let r = api.post("/nowhere", body.clone()).await;
    assert_eq!(r.status, 404);
    assert_eq!(log(&api, 1).await["items"][0]["body"], body);
    api.shutdown().await;
}

#[tokio::test]
async fn basic_credentials_are_form_urlencoded_as_rfc_6749_says() {
    let api = start_with(config()).await;
    let secret = "p+ss%41word&x=y z";
    let r = api.seed(json!({"serviceAccounts": [{"name": "odd-secret", "clientSecret": secret}]})).await;
    assert_eq!(r.body["serviceAccounts"], 1);
    let r = api.get("/service-accounts").await;
    let id = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|sa| sa["name"] == "odd-secret")
        .and_then(|sa| sa["clientId"].as_str())
        .unwrap()
        .to_owned();
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // Encoded id and secret: accepted.
    let token = mint(&api.client, &api.base, &encode(&id), &encode(secret)).await;
    assert!(token.is_ok(), "{token:?}");
    // The raw secret decodes to something else: refused.
    assert_eq!(mint(&api.client, &api.base, &id, secret).await, Err(401));
    // Ids and secrets without `%` or `+` are the same raw or encoded.
    assert!(mint(&api.client, &api.base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await.is_ok());
    // Form fields are form-decoded by the form itself, as always.
    let r = to_resp(
        api.client
            .post(format!("{}/oauth2/token", api.base))
            .form(&[("grant_type", "client_credentials"), ("client_id", id.as_str()), ("client_secret", secret)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    api.shutdown().await;
}

#[tokio::test]
async fn connections_over_the_limit_wait_for_a_free_slot() {
    // No helper here: its token request would keep a pooled connection in the one slot.
    let emu = Emulator::start(Config { max_connections: 1, ..config() }).await.unwrap();
    // The only slot, held by a connection that sends nothing.
    let held = TcpStream::connect(host(&emu.url())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let url = format!("{}/_emulator/health", emu.url());
    let client = common::client();
    let waiting = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a second connection was served while the only slot was taken");
    drop(held);
    let status = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("served once the slot is free");
    assert_eq!(status.unwrap().unwrap(), 200);
    emu.shutdown().await;
}
