//! A small HTTP/1.1 server on loopback that misbehaves on purpose, for the SDK's hostile
//! tests (Rust, Python, Node). There is no control protocol beyond the URL: a client's
//! base URL is `{url}/{scenario}`, so its API calls arrive at `/{scenario}/api/v1/...` and
//! its token requests at `/{scenario}/oauth2/token`. Scenarios are `+`-joined words:
//!
//! API answers (to any API path; a 200 is a valid empty `ApplicationList` unless said):
//! - `body-N`: 200 whose body is N bytes (Content-Length), streamed, mostly spaces.
//! - `chunked-N`: the same without Content-Length (chunked).
//! - `endless`: 200 with an endless chunked body.
//! - `error-body-N`: 404 with an N-byte chunked body.
//! - `status-S`: status S (e.g. `status-404`, `status-429`) with an error JSON body.
//! - `retry-after-V` / `retry-after-ms-V`: that header (V raw, e.g. `1e30`) on the answer.
//! - `cursor-repeat`: a page of one item whose `nextCursor` is always `again`.
//! - `cursor-repeat-empty`: the same with no items.
//! - `invalid-utf8`: 200 with invalid UTF-8 inside a JSON string.
//! - `not-json`: 200 with a text body.
//! - `api-fail-P`: P % of API requests answer 503.
//! - `api-hang`: API requests are never answered.
//!
//! Token endpoint (a working token with `expires_in: 300` unless said):
//! - `token-hang`: never answers.
//! - `token-fail-P`: P % of token requests answer 503.
//! - `token-expires-V`: `expires_in` is V, raw JSON (e.g. `1e300`).
//! - `token-empty`: `access_token` is `""`; `token-missing`: no `access_token`.
//! - `token-endless`: 200 with an endless chunked body.
//! - `basic-ID:SECRET`: answers 401 `invalid_client` unless the Basic credentials, decoded
//!   per RFC 6749 §2.3.1, are ID and SECRET (both given form-urlencoded in the URL).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running hostile server (stops when dropped).
#[derive(Debug)]
pub struct Server {
    url: String,
    stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

/// Request counters.
#[derive(Debug, Default)]
pub struct Stats {
    pub api: AtomicU64,
    pub token: AtomicU64,
}

impl Server {
    /// Starts on an ephemeral loopback port in the current tokio runtime.
    pub async fn start() -> std::io::Result<Server> {
        Server::start_on(0).await
    }

    pub async fn start_on(port: u16) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let stats = Arc::new(Stats::default());
        let counters = Arc::clone(&stats);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counters = Arc::clone(&counters);
                tokio::spawn(async move {
                    let _ = serve(stream, &counters).await;
                });
            }
        });
        Ok(Server { url, stats, task })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The base URL of a scenario.
    pub fn base(&self, scenario: &str) -> String {
        format!("{}/{scenario}", self.url)
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Request {
    path: String,
    authorization: Option<String>,
}

/// Reads one request (head and body; bodies are skipped), answers it, closes.
async fn serve(mut stream: TcpStream, stats: &Stats) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if head.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let path = lines.next().and_then(|l| l.split(' ').nth(1)).unwrap_or("/").to_string();
    let mut authorization = None;
    let mut content_length = 0usize;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "authorization" => authorization = Some(value.trim().to_string()),
                "content-length" => content_length = value.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    let mut have = head.len() - end - 4;
    while have < content_length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    answer(&mut stream, &Request { path, authorization }, stats).await
}

fn words(path: &str) -> (Vec<String>, String) {
    let path = path.split('?').next().unwrap_or("");
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let scenario = segments.next().unwrap_or("").to_string();
    let rest = format!("/{}", segments.next().unwrap_or(""));
    (scenario.split('+').map(str::to_string).collect(), rest)
}

fn param<'a>(words: &'a [String], prefix: &str) -> Option<&'a str> {
    words.iter().find_map(|w| w.strip_prefix(prefix))
}

fn chance(percent: Option<&str>) -> bool {
    percent.and_then(|p| p.parse::<f64>().ok()).is_some_and(|p| fastrand::f64() * 100.0 < p)
}

async fn answer(stream: &mut TcpStream, request: &Request, stats: &Stats) -> std::io::Result<()> {
    let (words, rest) = words(&request.path);
    let has = |w: &str| words.iter().any(|x| x == w);
    if rest.ends_with("/oauth2/token") {
        stats.token.fetch_add(1, Ordering::Relaxed);
        if has("token-hang") {
            return hang().await;
        }
        if chance(param(&words, "token-fail-")) {
            return send(stream, 503, &[], br#"{"error":"temporarily_unavailable"}"#).await;
        }
        if has("token-endless") {
            return endless(stream, 200).await;
        }
        if let Some(expected) = param(&words, "basic-") {
            if !basic_matches(request.authorization.as_deref(), expected) {
                return send(stream, 401, &[], br#"{"error":"invalid_client"}"#).await;
            }
        }
        let expires = param(&words, "token-expires-").unwrap_or("300");
        let body = if has("token-empty") {
            format!(r#"{{"access_token":"","token_type":"bearer","expires_in":{expires}}}"#)
        } else if has("token-missing") {
            format!(r#"{{"token_type":"bearer","expires_in":{expires}}}"#)
        } else {
            format!(r#"{{"access_token":"hostile-token","token_type":"bearer","expires_in":{expires}}}"#)
        };
        return send(stream, 200, &[], body.as_bytes()).await;
    }
    stats.api.fetch_add(1, Ordering::Relaxed);
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(v) = param(&words, "retry-after-ms-") {
        headers.push(("retry-after-ms", v));
    } else if let Some(v) = param(&words, "retry-after-") {
        headers.push(("retry-after", v));
    }
    if has("api-hang") {
        return hang().await;
    }
    if chance(param(&words, "api-fail-")) {
        return send(stream, 503, &headers, br#"{"message":"unavailable","statusCode":503}"#).await;
    }
    if let Some(n) = param(&words, "body-").and_then(|n| n.parse().ok()) {
        return sized(stream, 200, n, false).await;
    }
    if let Some(n) = param(&words, "chunked-").and_then(|n| n.parse().ok()) {
        return sized(stream, 200, n, true).await;
    }
    if let Some(n) = param(&words, "error-body-").and_then(|n| n.parse().ok()) {
        return sized(stream, 404, n, true).await;
    }
    if has("endless") {
        return endless(stream, 200).await;
    }
    if let Some(status) = param(&words, "status-").and_then(|s| s.parse().ok()) {
        let body = format!(r#"{{"message":"hostile {status}","statusCode":{status}}}"#);
        return send(stream, status, &headers, body.as_bytes()).await;
    }
    if has("cursor-repeat") {
        let item = r#"{"id":"00000000-0000-4000-8000-000000000001","name":"loop"}"#;
        let body = format!(r#"{{"items":[{item}],"nextCursor":"again"}}"#);
        return send(stream, 200, &headers, body.as_bytes()).await;
    }
    if has("cursor-repeat-empty") {
        return send(stream, 200, &headers, br#"{"items":[],"nextCursor":"again"}"#).await;
    }
    if has("invalid-utf8") {
        return send(stream, 200, &headers, b"{\"items\":[],\"nextCursor\":null,\"x\":\"\xff\xfe\"}").await;
    }
    if has("not-json") {
        return send(stream, 200, &headers, b"this is not json").await;
    }
    send(stream, 200, &headers, br#"{"items":[],"nextCursor":null}"#).await
}

fn basic_matches(header: Option<&str>, expected: &str) -> bool {
    use base64::Engine;
    let decode = |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    let Some((want_id, want_secret)) = expected.split_once(':') else { return false };
    let (want_id, want_secret) = (decode(want_id), decode(want_secret));
    let Some(b64) = header.and_then(|h| h.strip_prefix("Basic ")) else { return false };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else { return false };
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let Some((id, secret)) = raw.split_once(':') else { return false };
    decode(id) == want_id && decode(secret) == want_secret
}

async fn hang() -> std::io::Result<()> {
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

async fn send(stream: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

const CHUNK: usize = 64 * 1024;

/// A body of `n` bytes starting like JSON, streamed in 64 KiB pieces (so a reader that
/// stops early makes the write fail and the server stop).
async fn sized(stream: &mut TcpStream, status: u16, n: u64, chunked: bool) -> std::io::Result<()> {
    let length = if chunked { "transfer-encoding: chunked".to_string() } else { format!("content-length: {n}") };
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\n{length}\r\nconnection: close\r\n\r\n",
        reason(status)
    );
    stream.write_all(head.as_bytes()).await?;
    let piece = vec![b' '; CHUNK];
    let mut left = n;
    while left > 0 {
        let take = left.min(CHUNK as u64) as usize;
        if chunked {
            stream.write_all(format!("{take:x}\r\n").as_bytes()).await?;
            stream.write_all(&piece[..take]).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(&piece[..take]).await?;
        }
        left -= take as u64;
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.shutdown().await
}

async fn endless(stream: &mut TcpStream, status: u16) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        reason(status)
    );
    stream.write_all(head.as_bytes()).await?;
    let piece = format!("{CHUNK:x}\r\n{}\r\n", " ".repeat(CHUNK));
    loop {
        stream.write_all(piece.as_bytes()).await?;
    }
}
