//! Load generator for the emulator: N keep-alive HTTP/1.1 connections issuing
//! `GET /api/v1/applications/{id}` as fast as they can; prints requests per second.
//! With `--scenario mint` they mint tokens instead (`POST /oauth2/token`), first until
//! `--live` tokens are alive, then for the measured seconds; prints tokens per second.
//!
//! ```text
//! cargo run --release -p kontext-mgmt-emulator --example loadgen -- [--url URL] [--connections 32] [--seconds 10]
//!     [--scenario get|mint] [--live 100000]
//! ```
//!
//! Without `--url` it starts an emulator in-process (rate limit off). With `--url` it
//! uses the default bootstrap credentials (or `--client-id`/`--client-secret`); the
//! target should run with `--rate-limit 0`. The client is a minimal hand-written
//! HTTP/1.1 loop so that it costs as little CPU as possible on a shared machine.

#![forbid(unsafe_code)]

use clap::Parser;
use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser)]
struct Args {
    /// Emulator base URL (`http://HOST:PORT`); default: start one in-process.
    #[arg(long)]
    url: Option<String>,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value = DEFAULT_CLIENT_ID)]
    client_id: String,
    #[arg(long, default_value = DEFAULT_CLIENT_SECRET)]
    client_secret: String,
    /// `get` (read an application) or `mint` (token requests).
    #[arg(long, default_value = "get")]
    scenario: String,
    /// For `mint`: tokens minted before measuring (they stay alive for the token TTL).
    #[arg(long, default_value_t = 100_000)]
    live: u64,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// One keep-alive connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(host: &str) -> Result<Conn, Error> {
        let stream = TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: Vec::with_capacity(8192) })
    }

    /// Sends a prepared request and returns (status, body).
    async fn roundtrip(&mut self, request: &[u8]) -> Result<(u16, Vec<u8>), Error> {
        self.stream.write_all(request).await?;
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end])?;
                let status: u16 = head.split(' ').nth(1).ok_or("no status")?.parse()?;
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let total = end + 4 + len;
                while self.buf.len() < total {
                    self.fill().await?;
                }
                let body = self.buf[end + 4..total].to_vec();
                self.buf.drain(..total);
                return Ok((status, body));
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> Result<(), Error> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

fn json_field(body: &[u8], pointer: &str) -> Result<String, Error> {
    let v: serde_json::Value = serde_json::from_slice(body)?;
    v.pointer(pointer)
        .and_then(|x| x.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("no {pointer} in {}", String::from_utf8_lossy(body)).into())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let _emulator;
    let url = match &args.url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => {
            let e = Emulator::start(Config { rate_limit: 0, ..Config::default() }).await?;
            let u = e.url();
            _emulator = e;
            u
        }
    };
    let host = url.strip_prefix("http://").ok_or("only http:// URLs are supported")?.to_owned();

    // Token, and one application to read.
    let mut setup = Conn::open(&host).await?;
    let form = "grant_type=client_credentials&scope=management%3Aall";
    let mint_request = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        basic(&args.client_id, &args.client_secret),
        form.len()
    );
    if args.scenario == "mint" {
        return mint(&host, mint_request.into_bytes(), &args).await;
    }
    if args.scenario != "get" {
        return Err(format!("unknown scenario {:?} (get or mint)", args.scenario).into());
    }
    let (status, body) = setup.roundtrip(mint_request.as_bytes()).await?;
    if status != 200 {
        return Err(format!("token request failed: {status}").into());
    }
    let token = json_field(&body, "/access_token")?;
    let name = format!("loadgen-{}", std::process::id());
    let payload = format!("{{\"name\":\"{name}\",\"oauth\":{{\"redirectUris\":[]}}}}");
    let req = format!(
        "POST /api/v1/applications HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    let (status, body) = setup.roundtrip(req.as_bytes()).await?;
    if status != 201 {
        return Err(format!("create application failed: {status}").into());
    }
    let id = json_field(&body, "/application/id")?;
    let request = Arc::new(
        format!("GET /api/v1/applications/{id} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n")
            .into_bytes(),
    );

    let load = Load::start(&host, request, args.connections, 200);
    // One second of warm-up, then measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (done, elapsed) = load.measure(Duration::from_secs(args.seconds)).await;
    let failed = load.finish().await;
    let rps = done as f64 / elapsed;
    println!(
        "GET /api/v1/applications/{{id}}: {done} requests in {elapsed:.1}s over {} keep-alive connections = {rps:.0} requests/s ({failed} failed)",
        args.connections,
    );
    Ok(())
}

/// Token minting with `args.live` tokens alive: what a token store that slows down
/// with its size would show.
async fn mint(host: &str, request: Vec<u8>, args: &Args) -> Result<(), Error> {
    let load = Load::start(host, Arc::new(request), args.connections, 200);
    let filled = Instant::now();
    while load.ok.load(Ordering::Relaxed) < args.live {
        if load.failed.load(Ordering::Relaxed) > 0 {
            return Err("token requests failed while filling the store".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fill = filled.elapsed().as_secs_f64();
    let (done, elapsed) = load.measure(Duration::from_secs(args.seconds)).await;
    let live = load.ok.load(Ordering::Relaxed);
    let failed = load.finish().await;
    let rate = done as f64 / elapsed;
    println!(
        "POST /oauth2/token: first {} tokens in {fill:.1}s, then {done} in {elapsed:.1}s over {} keep-alive connections with {live} live tokens at the end = {rate:.0} tokens/s ({failed} failed)",
        args.live, args.connections,
    );
    Ok(())
}

/// N connections sending one request in a loop until stopped.
struct Load {
    ok: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(host: &str, request: Arc<Vec<u8>>, connections: usize, expect: u16) -> Load {
        let ok = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (request, ok, failed, stop, host) =
                (request.clone(), ok.clone(), failed.clone(), stop.clone(), host.to_owned());
            tasks.push(tokio::spawn(async move {
                let mut conn = match Conn::open(&host).await {
                    Ok(c) => c,
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                };
                while !stop.load(Ordering::Relaxed) {
                    match conn.roundtrip(&request).await {
                        Ok((status, _)) if status == expect => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(_) => failed.fetch_add(1, Ordering::Relaxed),
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    };
                }
            }));
        }
        Load { ok, failed, stop, tasks }
    }

    /// Successful requests during the next `period`, and its length in seconds.
    async fn measure(&self, period: Duration) -> (u64, f64) {
        let start_count = self.ok.load(Ordering::Relaxed);
        let started = Instant::now();
        tokio::time::sleep(period).await;
        (self.ok.load(Ordering::Relaxed) - start_count, started.elapsed().as_secs_f64())
    }

    /// Stops the connections; returns how many requests failed.
    async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            let _ = t.await;
        }
        self.failed.load(Ordering::Relaxed)
    }
}
