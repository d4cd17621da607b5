//! The HTTP side: accept loop, routing, and the per-request pipeline shared by every
//! route (request id, stats, request log, faults, body limit).

use crate::faults::{Action, Faults};
use crate::reqlog::{LoggedBody, Record, RequestLog};
use crate::spec::{self, Spec};
use crate::store::{Persisted, PersistedRef, Store, Tokens, STATE_VERSION};
use crate::{admin, api, seed, token, Config, EmulatorError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{watch, Notify, Semaphore};
use tower::Service;

/// Largest token request body: a client-credentials form is a few hundred bytes, and
/// the form is parsed before the client is known, so it gets a tighter bound than the
/// API's bodies.
const TOKEN_BODY_LIMIT: usize = 64 << 10;
/// Pending connections the kernel may queue for us (it caps this at somaxconn).
const LISTEN_BACKLOG: u32 = 4096;

// Lock helpers: a poisoned lock only means another request panicked mid-way; the data
// is still the best we have, and the server must keep answering.
pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}
pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A response before it becomes an HTTP response (so faults can still cut its body).
pub struct Out {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub json: bool,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Out {
    pub fn json(status: StatusCode, v: &Value) -> Out {
        Out { status, body: serde_json::to_vec(v).unwrap_or_default(), json: true, headers: Vec::new() }
    }

    pub fn empty(status: StatusCode) -> Out {
        Out { status, body: Vec::new(), json: false, headers: Vec::new() }
    }

    /// The NestJS-style error body `{message, statusCode, error}`.
    pub fn error(status: StatusCode, message: &str) -> Out {
        Out::json(
            status,
            &json!({
                "message": message,
                "statusCode": status.as_u16(),
                "error": status.canonical_reason().unwrap_or("Error"),
            }),
        )
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> Out {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }
}

/// An API error: becomes `{message, statusCode, error}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), retry_after: None }
    }
    pub fn bad_request(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, m)
    }
    pub fn not_found(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, m)
    }
    pub fn conflict(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, m)
    }
    pub fn into_out(self) -> Out {
        let out = Out::error(self.status, &self.message);
        match self.retry_after {
            Some(s) => out.header(header::RETRY_AFTER, &s.to_string()),
            None => out,
        }
    }
}

/// Requests per route since start (or the last reset).
pub struct Stats {
    pub tokens_minted: AtomicU64,
    /// One counter per spec operation (index of `Spec::ops`): the hot path takes no lock.
    ops: Vec<AtomicU64>,
    other: Mutex<HashMap<String, u64>>,
}

impl Stats {
    fn new(n: usize) -> Stats {
        Stats {
            tokens_minted: AtomicU64::new(0),
            ops: (0..n).map(|_| AtomicU64::new(0)).collect(),
            other: Mutex::new(HashMap::new()),
        }
    }

    fn count(&self, op: Option<usize>, key: impl FnOnce() -> String) {
        match op.and_then(|i| self.ops.get(i)) {
            Some(c) => {
                c.fetch_add(1, Ordering::Relaxed);
            }
            None => *lock(&self.other).entry(key()).or_insert(0) += 1,
        }
    }

    pub fn reset(&self) {
        self.tokens_minted.store(0, Ordering::Relaxed);
        for c in &self.ops {
            c.store(0, Ordering::Relaxed);
        }
        lock(&self.other).clear();
    }

    pub fn to_json(&self, spec: &Spec) -> Value {
        let mut requests = serde_json::Map::new();
        for (op, c) in spec.ops.iter().zip(&self.ops) {
            let n = c.load(Ordering::Relaxed);
            if n > 0 {
                requests.insert(op.stat_key.clone(), n.into());
            }
        }
        for (k, n) in lock(&self.other).iter() {
            requests.insert(k.clone(), (*n).into());
        }
        json!({
            "tokensMinted": self.tokens_minted.load(Ordering::Relaxed),
            "requests": requests,
        })
    }
}

/// Fixed-window request counter of one credential.
struct Window {
    start: Instant,
    count: u32,
}

/// Shared state of one emulator.
pub struct App {
    pub config: Config,
    pub spec: &'static Spec,
    pub store: RwLock<Store>,
    pub tokens: RwLock<Tokens>,
    pub faults: Faults,
    pub stats: Stats,
    pub log: RequestLog,
    rate: Mutex<HashMap<String, Window>>,
    persist_lock: Mutex<()>,
    pub gateway_url: String,
}

impl App {
    pub fn new(config: Config, addr: SocketAddr) -> Result<App, EmulatorError> {
        let spec = spec::spec().map_err(EmulatorError::Config)?;
        let mut store = Store::default();
        let mut tokens = HashMap::new();
        let mut fresh = true;
        if let Some(path) = &config.state {
            match std::fs::read(path) {
                Ok(bytes) => {
                    let p: Persisted = serde_json::from_slice(&bytes)
                        .map_err(|e| EmulatorError::StateCorrupt { path: path.clone(), message: e.to_string() })?;
                    if p.version != STATE_VERSION {
                        return Err(EmulatorError::StateCorrupt {
                            path: path.clone(),
                            message: format!("unsupported version {}", p.version),
                        });
                    }
                    store = p.store;
                    store.reindex();
                    tokens = p.tokens;
                    fresh = false;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(EmulatorError::StateRead { path: path.clone(), source }),
            }
        }
        // A seed initialises a fresh state only: a restart with --state keeps what the
        // clients did instead of re-adding the fixtures.
        if let (Some(path), true) = (&config.seed, fresh) {
            let text = std::fs::read(path).map_err(|source| EmulatorError::SeedRead { path: path.clone(), source })?;
            let invalid = |message: String| EmulatorError::SeedInvalid { path: path.clone(), message };
            let v: Value = serde_json::from_slice(&text).map_err(|e| invalid(e.to_string()))?;
            seed::apply(spec, &mut store, &v).map_err(invalid)?;
        }
        let app = App {
            faults: Faults::new(config.faults.clone()),
            stats: Stats::new(spec.ops.len()),
            gateway_url: format!("http://{addr}/mcp"),
            log: RequestLog::new(config.log_body_bytes, config.log_max_bytes),
            config,
            spec,
            store: RwLock::new(store),
            tokens: RwLock::new(Tokens::from_map(tokens)),
            rate: Mutex::new(HashMap::new()),
            persist_lock: Mutex::new(()),
        };
        // Write once at start: an unwritable state path fails now, not silently later.
        app.persist_checked()?;
        Ok(app)
    }

    /// Writes the state file (if any) after a mutation; failures are logged.
    pub fn persist(&self) {
        if let Err(e) = self.persist_checked() {
            tracing::error!("{e}");
        }
    }

    fn persist_checked(&self) -> Result<(), EmulatorError> {
        let Some(path) = &self.config.state else {
            return Ok(());
        };
        // One writer at a time, and it serializes the newest state, so the file never
        // goes back in time.
        let _guard = lock(&self.persist_lock);
        let bytes = {
            let store = read(&self.store);
            let tokens = read(&self.tokens);
            serde_json::to_vec(&PersistedRef { version: STATE_VERSION, store: &store, tokens: tokens.map() })
                .unwrap_or_default()
        };
        write_atomic(path, &bytes).map_err(|source| EmulatorError::StateWrite { path: path.clone(), source })
    }

    /// Counts a request of `client_id`; `Err(seconds)` when over the limit.
    pub fn rate_check(&self, client_id: &str) -> Result<(), u64> {
        let limit = self.config.rate_limit;
        if limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut map = lock(&self.rate);
        let w = match map.get_mut(client_id) {
            Some(w) => w,
            None => map.entry(client_id.to_owned()).or_insert(Window { start: now, count: 0 }),
        };
        let elapsed = now.duration_since(w.start).as_secs_f64();
        if elapsed >= 60.0 {
            w.start = now;
            w.count = 0;
        }
        if w.count >= limit {
            let left = (60.0 - now.duration_since(w.start).as_secs_f64()).ceil();
            return Err((left as u64).max(1));
        }
        w.count += 1;
        Ok(())
    }

    pub fn reset(&self) {
        *write(&self.store) = Store::default();
        write(&self.tokens).clear();
        lock(&self.rate).clear();
        self.log.clear();
        self.stats.reset();
        self.persist();
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    // The file holds client secrets and tokens: owner-only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    std::io::Write::write_all(&mut file, bytes)?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Lets a handler close its connection without answering (the `drop` fault).
#[derive(Clone)]
struct ConnKill(Arc<Notify>);

#[derive(Clone, Copy)]
enum Kind {
    Api(usize),
    Token,
    Admin,
    NotFound,
}

fn router(app: Arc<App>) -> Router {
    let mut r = Router::new();
    for (i, item) in app.spec.paths.iter().enumerate() {
        // axum/matchit insists on one name per parameter position across routes, so
        // parameters get positional names; the spec's names are restored from the
        // template when the request is handled.
        let mut n = 0;
        let route: String = item
            .segments
            .iter()
            .map(|s| match s {
                spec::Segment::Static(s) => format!("/{s}"),
                spec::Segment::Param(_) => {
                    n += 1;
                    format!("/{{p{n}}}")
                }
            })
            .collect();
        r = r.route(
            &format!("/api/v1{route}"),
            any(move |State(app): State<Arc<App>>, req: Request| handle(app, Kind::Api(i), req)),
        );
    }
    r.route("/oauth2/token", any(|State(app): State<Arc<App>>, req: Request| handle(app, Kind::Token, req)))
        .route("/_emulator/{*rest}", any(|State(app): State<Arc<App>>, req: Request| handle(app, Kind::Admin, req)))
        .fallback(|State(app): State<Arc<App>>, req: Request| handle(app, Kind::NotFound, req))
        .with_state(app)
}

/// Binds `host:port` with a listen backlog deep enough for bursts of connections
/// (tokio's default is 1024).
pub async fn listen(host: &str, port: u16) -> Result<TcpListener, EmulatorError> {
    let text = format!("{host}:{port}");
    let bind_error = |source| EmulatorError::Bind { addr: text.clone(), source };
    let addrs = tokio::net::lookup_host((host, port)).await.map_err(bind_error)?;
    let mut last = std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, "no address");
    for addr in addrs {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() };
        let bound = socket.and_then(|s| {
            // Like std's listener: a restarted emulator can take its port back at once.
            #[cfg(unix)]
            s.set_reuseaddr(true)?;
            s.bind(addr)?;
            s.listen(LISTEN_BACKLOG)
        });
        match bound {
            Ok(l) => return Ok(l),
            Err(e) => last = e,
        }
    }
    Err(bind_error(last))
}

/// The accept loop: one task per connection (at most `max_connections` at once), each
/// of which can be killed by a fault or by shutdown, and is closed by hyper when its
/// client is too slow to send a request's headers.
pub async fn serve(listener: TcpListener, app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(app.config.max_connections));
    let header_timeout = app.config.header_timeout;
    let router = router(app);
    loop {
        // Wait for a free slot before accepting: extra clients queue in the backlog
        // instead of costing us memory and descriptors.
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let kill = Arc::new(Notify::new());
            let conn_kill = ConnKill(kill.clone());
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(conn_kill.clone());
                let mut router = router.clone();
                async move { router.call(req).await }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                // Covers trickled headers and idle keep-alive connections alike.
                .header_read_timeout(header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
                _ = stop.changed() => {}
            }
        });
    }
}

fn request_id(headers: &HeaderMap) -> String {
    // Echo a sane caller-supplied id so logs on both sides line up.
    if let Some(v) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        if !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()) {
            return v.to_owned();
        }
    }
    crate::store::new_uuid().to_string()
}

async fn handle(app: Arc<App>, kind: Kind, req: Request) -> Response {
    let request_id = request_id(req.headers());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let admin = matches!(kind, Kind::Admin);
    let op = match kind {
        Kind::Api(p) => app.spec.paths[p].ops.iter().copied().find(|&o| app.spec.ops[o].method == method),
        _ => None,
    };
    if !admin {
        app.stats.count(op, || match kind {
            Kind::Api(p) => format!("{method} /api/v1{}", app.spec.paths[p].template),
            _ => format!("{method} {path}"),
        });
    }
    let decision = if admin {
        Default::default()
    } else {
        app.faults.decide(method.as_str(), &path, matches!(kind, Kind::Api(_)), matches!(kind, Kind::Token))
    };
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let truncate = decision.action == Action::Truncate;
    let patch = match &decision.action {
        Action::MergePatch(patch) => Some(patch.clone()),
        _ => None,
    };
    let mut logged = Value::Null;
    let mut body_bytes = 0u64;
    let mut out = match decision.action {
        Action::Drop => {
            record(&app, &method, &path, query.clone(), 0, LoggedBody::default(), &request_id);
            if let Some(kill) = req.extensions().get::<ConnKill>() {
                kill.0.notify_one();
                // The connection task drops this future together with the connection.
                std::future::pending::<()>().await;
            }
            Out::error(StatusCode::INTERNAL_SERVER_ERROR, "Injected fault")
        }
        Action::Status { status, retry_after, retry_after_ms } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message =
                if status == StatusCode::TOO_MANY_REQUESTS { "Rate limit exceeded" } else { "Injected fault" };
            let mut out = Out::error(status, message);
            if let Some(s) = retry_after {
                out = out.header(header::RETRY_AFTER, &s.to_string());
            }
            if let Some(ms) = retry_after_ms {
                out = out.header(HeaderName::from_static("retry-after-ms"), &ms.to_string());
            }
            out
        }
        Action::Malformed => Out {
            status: StatusCode::OK,
            body: b"{\"items\": [{\"id\": \"malformed".to_vec(),
            json: true,
            headers: Vec::new(),
        },
        Action::Normal | Action::Truncate | Action::MergePatch(_) => {
            let (parts, body) = req.into_parts();
            // A caller without a valid token gets a 401 or 404 whatever its body says,
            // so its body is counted but never buffered, parsed or logged.
            let anonymous =
                matches!(kind, Kind::Api(_) | Kind::NotFound) && token::authenticate(&app, &parts.headers).is_err();
            let limit = match kind {
                Kind::Token => TOKEN_BODY_LIMIT.min(app.config.max_body_bytes),
                _ => app.config.max_body_bytes,
            };
            match read_body(&parts.headers, body, limit, app.config.body_timeout, anonymous).await {
                Err(out) => out,
                Ok((bytes, size)) => {
                    body_bytes = size;
                    match kind {
                        Kind::Api(p) => {
                            let (out, body) = api::handle(&app, p, op, &parts, &bytes);
                            logged = body;
                            out
                        }
                        Kind::Token => {
                            let (out, body) = token::handle(&app, &parts, &bytes);
                            logged = body;
                            out
                        }
                        Kind::Admin => admin::handle(&app, &parts, &bytes),
                        Kind::NotFound => {
                            // Unknown routes are logged with their body too (e.g. an operation
                            // a newer spec added), secrets redacted.
                            logged =
                                serde_json::from_slice::<Value>(&bytes).map(|v| api::redact(&v)).unwrap_or(Value::Null);
                            not_found(&method, &path)
                        }
                    }
                }
            }
        }
    };
    if let Some(patch) = patch.filter(|_| out.json) {
        if let Ok(mut doc) = serde_json::from_slice::<Value>(&out.body) {
            json_patch::merge(&mut doc, &patch);
            out.body = doc.to_string().into_bytes();
        }
    }
    if truncate && !out.body.is_empty() {
        let keep = out.body.len() / 2;
        out.body.truncate(keep);
    }
    if !admin {
        let body = LoggedBody::new(&logged, body_bytes, app.log.body_bytes);
        drop(logged);
        record(&app, &method, &path, query, out.status.as_u16(), body, &request_id);
    }
    tracing::debug!(
        %method,
        %path,
        status = out.status.as_u16(),
        request_id = %request_id,
        "request"
    );
    finish(out, &request_id)
}

pub fn not_found(method: &Method, path: &str) -> Out {
    Out::error(StatusCode::NOT_FOUND, &format!("Cannot {method} {path}"))
}

/// Reads a request body of at most `limit` bytes within `timeout`; returns it with its
/// size. With `discard` the bytes are only counted, so they take no memory. Too large:
/// 413; too slow: 408 (the connection is closed in both cases, since the rest of the
/// body is not read).
async fn read_body(
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
    timeout: Duration,
    discard: bool,
) -> Result<(Bytes, u64), Out> {
    let too_large = || {
        Out::error(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body: must be at most {limit} bytes"))
            .header(header::CONNECTION, "close")
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut buf = bytes::BytesMut::new();
    let mut size = 0u64;
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| Out::error(StatusCode::BAD_REQUEST, "request body: could not be read"))?;
            if let Ok(chunk) = frame.into_data() {
                size += chunk.len() as u64;
                if size > limit as u64 {
                    return Err(too_large());
                }
                if !discard {
                    buf.extend_from_slice(&chunk);
                }
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => Ok((buf.freeze(), size)),
        Ok(Err(out)) => Err(out),
        Err(_) => Err(Out::error(
            StatusCode::REQUEST_TIMEOUT,
            &format!("request body: not received within {} ms", timeout.as_millis()),
        )
        .header(header::CONNECTION, "close")),
    }
}

fn record(
    app: &App,
    method: &Method,
    path: &str,
    query: Option<String>,
    status: u16,
    body: LoggedBody,
    request_id: &str,
) {
    app.log.push(Record {
        method: method.as_str().to_owned(),
        path: path.to_owned(),
        query,
        status,
        body,
        request_id: request_id.to_owned(),
    });
}

fn finish(out: Out, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(out.body));
    *resp.status_mut() = out.status;
    let h = resp.headers_mut();
    if out.json {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(HeaderName::from_static("x-request-id"), v);
    }
    for (k, v) in out.headers {
        h.append(k, v);
    }
    resp
}
