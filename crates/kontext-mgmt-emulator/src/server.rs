//! The HTTP side: accept loop, routing, and the per-request pipeline shared by every
//! route (request id, stats, request log, faults, body limit).

use crate::faults::Action;
use crate::reply::{not_found, Out};
use crate::reqlog::{LoggedBody, Record};
use crate::spec;
use crate::state::App;
use crate::{admin, api, token, EmulatorError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{watch, Notify, Semaphore};
use tower::Service;

/// Largest token request body: a client-credentials form is a few hundred bytes, and
/// the form is parsed before the client is known, so it gets a tighter bound than the
/// API's bodies.
const TOKEN_BODY_LIMIT: usize = 64 << 10;
/// Pending connections the kernel may queue for us (it caps this at somaxconn).
const LISTEN_BACKLOG: u32 = 4096;

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
        Action::MergePatch(patch) | Action::Status { patch: Some(patch), .. } => Some(patch.clone()),
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
        Action::Status { status, retry_after, retry_after_ms, .. } => {
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
