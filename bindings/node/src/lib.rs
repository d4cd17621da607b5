//! Node.js glue of the Kontext Management SDK (napi-rs v3).
//!
//! Generic on purpose: nothing here knows an operation. JavaScript (generated from the spec
//! by `kontext-mgmt-codegen`) calls `NativeClient.call(id, opId, path, query, body)`; this
//! module hands the call to the Rust core on its shared tokio runtime and returns at once,
//! so the event loop never waits for the network. When the call is done, its outcome is
//! queued to the client's one `settle(id, outcome)` JavaScript callback (a single weak
//! threadsafe function per client, shared by every call: far cheaper than a promise with its
//! own threadsafe function per call, and completions that arrive together are delivered in
//! one turn of the event loop). The JavaScript layer keeps a table of pending promises and
//! keeps the event loop alive while any is pending.
//!
//! Every answer crosses as one JSON string that JavaScript parses with `JSON.parse`
//! (measured 4-5x faster than building the object tree through N-API, see
//! `bench/json_transfer.mjs`). Failures cross as a [`NativeError`] record (kind, status,
//! code, request id, body, retry-after) and the JavaScript layer throws the matching class
//! of the `KontextError` hierarchy, with the caller's async stack.
//!
//! No panic crosses into Node: every exported function is `#[napi(catch_unwind)]`, and the
//! futures run on the core's runtime are wrapped in `catch_unwind` and settle their Promise
//! with an error record instead.
// The napi-derive macros expand to `unsafe` FFI trampolines; no hand-written code uses it.
#![deny(unsafe_code)]

pub mod testing;

use futures::future::{AbortHandle, Abortable};
use futures::FutureExt;
use kontext_mgmt::ops::{CallArgs, Pager};
use kontext_mgmt::{Client, Error as CoreError};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

// `NativeOptions`, the options object of `new NativeClient(...)`, and its conversion into the
// core's options: generated from the core's `ClientOptions` by the build script.
include!(concat!(env!("OUT_DIR"), "/options.rs"));

/// A failed call, as data: the JavaScript layer turns it into an error class.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeError {
    /// The class name: `NotFound`, `RateLimited`, `TimeoutError`, `InvalidInput`, ...
    pub kind: String,
    /// The official SDK's code: `kontext_not_found`, ...
    pub code: String,
    /// The core's one-line description (never contains a secret).
    pub message: String,
    /// The server's own message (API errors) or the description without a prefix.
    pub detail: String,
    pub status: Option<u32>,
    pub request_id: Option<String>,
    /// The raw error body as received.
    pub body: Option<String>,
    /// Seconds the server asked us to wait (429/503).
    pub retry_after: Option<f64>,
    /// The scopes the credentials lack, when a 403's body lists them.
    pub missing_scopes: Vec<String>,
    /// What is wrong where, when a 422's body lists `diagnostics`.
    pub diagnostics: Vec<NativeDiagnostic>,
}

/// One finding of an error body's `diagnostics` (the core reads and bounds them).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeDiagnostic {
    pub severity: Option<String>,
    pub message: String,
    pub policy_id: Option<String>,
    pub start: Option<f64>,
    pub end: Option<f64>,
}

impl NativeError {
    fn from_core(e: &CoreError) -> NativeError {
        let kind = e.kind();
        let api = e.api();
        NativeError {
            kind: kind.name().to_string(),
            code: kind.code().to_string(),
            message: e.to_string(),
            detail: e.message(),
            status: e.status().map(u32::from),
            request_id: e.request_id().map(str::to_string),
            body: api.map(|a| a.body.clone()),
            retry_after: e.retry_after().map(|d| d.as_secs_f64()),
            missing_scopes: e.missing_scopes().to_vec(),
            diagnostics: e
                .diagnostics()
                .iter()
                .map(|d| NativeDiagnostic {
                    severity: d.severity.clone(),
                    message: d.message.clone(),
                    policy_id: d.policy_id.clone(),
                    // Offsets in a request body: far below 2^53.
                    start: d.start.map(|n| n as f64),
                    end: d.end.map(|n| n as f64),
                })
                .collect(),
        }
    }

    fn invalid(message: String) -> NativeError {
        NativeError::from_core(&CoreError::InvalidInput(message))
    }

    fn panicked(what: &str) -> NativeError {
        NativeError {
            kind: "KontextError".into(),
            code: "kontext_internal_error".into(),
            message: format!("internal error in the native module during {what} (please report it)"),
            detail: "internal error".into(),
            status: None,
            request_id: None,
            body: None,
            retry_after: None,
            missing_scopes: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

/// The outcome of a call: the JSON body (empty for 204), or an error record.
type Outcome = Either<String, NativeError>;

/// The JavaScript `settle(id, outcome)` callback of a client, callable from any thread.
/// Weak: it does not keep the event loop alive by itself (the JavaScript layer does, while
/// calls are pending), so an idle client never holds the process open.
type Settle = ThreadsafeFunction<FnArgs<(u32, Outcome)>, (), FnArgs<(u32, Outcome)>, Status, false, true>;

fn body_text(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

/// Calls that JavaScript may cancel (an `AbortSignal` was given), by id.
#[derive(Default)]
struct Cancels(Mutex<HashMap<u32, AbortHandle>>);

impl Cancels {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<u32, AbortHandle>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a spawned call needs besides its work: where to report, and how to be cancelled.
#[derive(Clone)]
struct Channel {
    settle: Arc<Settle>,
    cancels: Arc<Cancels>,
}

impl Channel {
    /// Runs `fut` on the core's runtime and hands its outcome to `settle` with `id`. When
    /// `cancellable`, `cancel(id)` drops the work (and with it the HTTP request).
    fn spawn<F>(&self, id: u32, cancellable: bool, what: &'static str, fut: F)
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let settle = Arc::clone(&self.settle);
        let cancels = Arc::clone(&self.cancels);
        let fut = AssertUnwindSafe(fut).catch_unwind();
        let abortable = if cancellable {
            let (handle, registration) = AbortHandle::new_pair();
            cancels.map().insert(id, handle);
            Some(registration)
        } else {
            None
        };
        kontext_mgmt::runtime::runtime().spawn(async move {
            let outcome = match abortable {
                None => Some(fut.await),
                Some(registration) => {
                    let result = Abortable::new(fut, registration).await.ok();
                    cancels.map().remove(&id);
                    result
                }
            };
            let outcome = match outcome {
                // Cancelled: JavaScript has already rejected the promise.
                None => return,
                Some(Ok(outcome)) => outcome,
                Some(Err(_)) => Either::B(NativeError::panicked(what)),
            };
            // `Closing` means the JavaScript environment is gone (a terminated worker):
            // nobody is waiting any more.
            let _ = settle.call(FnArgs::from((id, outcome)), ThreadsafeFunctionCallMode::NonBlocking);
        });
    }

    fn cancel(&self, id: u32) {
        if let Some(handle) = self.cancels.map().remove(&id) {
            handle.abort();
        }
    }
}

/// Validation failures of the arguments (all `InvalidInput`).
type Invalid<T> = std::result::Result<T, String>;

/// Milliseconds from JavaScript: under 1 ms (or NaN) is refused, over a year is clamped.
fn millis(ms: f64, what: &str) -> Invalid<Duration> {
    kontext_mgmt::limits::timeout_from_secs(ms / 1000.0, what)
        .map_err(|_| format!("{what} must be at least 1 millisecond (got {ms})"))
}

/// A JavaScript string holds at most ~512 MiB: a larger body could not become one.
const MAX_JS_BODY_BYTES: f64 = (256 * 1024 * 1024) as f64;
/// `Number.MAX_SAFE_INTEGER`: the largest count a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn count(value: f64, what: &str, max: f64) -> Invalid<u64> {
    if value.fract() != 0.0 || !(1.0..=max).contains(&value) {
        return Err(format!("{what} must be an integer from 1 to {max} (got {value})"));
    }
    Ok(value as u64)
}

/// Throws a JS `Error` whose `code` is the error class name (the JS layer maps it).
fn throw_invalid(message: String) -> napi::Error {
    throw(NativeError::invalid(message))
}

fn throw(e: NativeError) -> napi::Error {
    napi::Error::new(Status::GenericFailure, format!("{}\u{0}{}", e.kind, e.detail))
}

fn parse_args(path: Vec<String>, query: Option<String>, body: Option<String>) -> Invalid<CallArgs> {
    let query = match query.as_deref() {
        None | Some("") => Vec::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            Ok(serde_json::Value::Null) => Vec::new(),
            Ok(_) => return Err("query parameters must be an object".into()),
            Err(e) => return Err(format!("query parameters are not JSON: {e}")),
        },
    };
    let body = match body.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| format!("the request body is not JSON: {e}"))?,
        ),
    };
    Ok(CallArgs { path, query, body })
}

/// Per-call options (`{ timeout, maxRetries }`), applied to a cheap handle of the client.
#[napi(object)]
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeCallOptions {
    /// Per attempt, in milliseconds.
    pub timeout: Option<f64>,
    /// To establish a connection, in milliseconds.
    pub connect_timeout: Option<f64>,
    pub max_retries: Option<u32>,
    /// The caller may cancel this call with `cancel(id)` (an `AbortSignal` was given).
    pub cancellable: Option<bool>,
}

fn cancellable(options: &Option<NativeCallOptions>) -> bool {
    options.as_ref().and_then(|o| o.cancellable).unwrap_or(false)
}

fn with_options(client: &Client, options: Option<NativeCallOptions>) -> Invalid<Client> {
    let Some(o) = options else {
        return Ok(client.clone());
    };
    if o.timeout.is_none() && o.max_retries.is_none() {
        return Ok(client.clone());
    }
    let timeout = o.timeout.map(|t| millis(t, "timeout")).transpose()?;
    Ok(client.with_options(|opts| {
        if let Some(t) = timeout {
            opts.timeout = t;
        }
        if let Some(n) = o.max_retries {
            opts.retry.max_retries = n;
        }
    }))
}

/// A client of the core: connection pool, token cache, retry policy.
#[napi]
pub struct NativeClient {
    client: Client,
    channel: Channel,
}

#[napi]
impl NativeClient {
    /// Builds a client; throws `Error("InvalidInput\0message")` on bad options (the JS
    /// layer turns `Kind\0message` into the error class).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        options: Option<NativeOptions>,
        #[napi(ts_arg_type = "(id: number, outcome: string | NativeError) => void")] settle: Settle,
    ) -> Result<Self> {
        let mut options = options.unwrap_or_default().into_core().map_err(throw_invalid)?;
        let extra = options.user_agent_suffix.take();
        options.user_agent_suffix = Some(match extra {
            Some(extra) => format!("node/{} {extra}", std::env::consts::OS),
            None => format!("node/{}", std::env::consts::OS),
        });
        let client = options.build().map_err(|e| throw(NativeError::from_core(&e)))?;
        Ok(NativeClient { client, channel: Channel { settle: Arc::new(settle), cancels: Arc::default() } })
    }

    /// A client sharing this one's connections and token with other call options.
    #[napi(catch_unwind)]
    pub fn with_options(&self, options: NativeCallOptions) -> Result<NativeClient> {
        let client = with_options(&self.client, Some(options)).map_err(throw_invalid)?;
        Ok(NativeClient { client, channel: self.channel.clone() })
    }

    /// Starts an operation; `settle(id, outcome)` receives the response's JSON text (`""`
    /// for 204) or a [`NativeError`].
    #[napi(catch_unwind)]
    pub fn call(
        &self,
        id: u32,
        op_id: String,
        path: Vec<String>,
        query: Option<String>,
        body: Option<String>,
        options: Option<NativeCallOptions>,
    ) {
        let cancellable = cancellable(&options);
        let prepared = with_options(&self.client, options).and_then(|c| Ok((c, parse_args(path, query, body)?)));
        self.channel.spawn(id, cancellable, "a call", async move {
            let (client, args) = match prepared {
                Ok(p) => p,
                Err(e) => return Either::B(NativeError::invalid(e)),
            };
            match client.call(&op_id, &args).await {
                Ok(response) => Either::A(body_text(&response.body)),
                Err(e) => Either::B(NativeError::from_core(&e)),
            }
        });
    }

    /// A lazy walk over the pages of a paginated operation.
    #[napi(catch_unwind)]
    pub fn pager(
        &self,
        op_id: String,
        path: Vec<String>,
        query: Option<String>,
        options: Option<NativeCallOptions>,
    ) -> Result<NativePager> {
        let client = with_options(&self.client, options).map_err(throw_invalid)?;
        let args = parse_args(path, query, None).map_err(throw_invalid)?;
        let pager = client.pager(&op_id, args).map_err(|e| throw(NativeError::from_core(&e)))?;
        Ok(NativePager {
            pager: Arc::new(tokio::sync::Mutex::new(pager)),
            channel: self.channel.clone(),
            cancellable: cancellable(&options),
        })
    }

    /// Fetches a new token now (client credentials only); settles `id` with `""` or an error.
    #[napi(catch_unwind)]
    pub fn refresh_token(&self, id: u32) {
        let client = self.client.clone();
        self.channel.spawn(id, false, "refreshToken", async move {
            match client.refresh_token().await {
                Ok(()) => Either::A(String::new()),
                Err(e) => Either::B(NativeError::from_core(&e)),
            }
        });
    }

    /// Cancels the call `id` (started with `cancellable`): its work and HTTP request are
    /// dropped and it is never settled.
    #[napi(catch_unwind)]
    pub fn cancel(&self, id: u32) {
        self.channel.cancel(id);
    }

    /// Forgets the cached token; the next call fetches a new one.
    #[napi(catch_unwind)]
    pub fn clear_token(&self) {
        self.client.clear_token();
    }

    /// Timeout (ms) and retries of this handle, for display.
    #[napi(catch_unwind)]
    pub fn describe(&self) -> String {
        let o = self.client.options();
        format!("timeout={}ms maxRetries={}", o.timeout.as_millis(), o.retry.max_retries)
    }
}

/// Test hooks, built only with the `test-hooks` feature (bindings/node/test.sh, the bench):
/// the published addon does not have them.
#[cfg(feature = "test-hooks")]
#[napi]
impl NativeClient {
    /// Panics on purpose, inside a future on the runtime (`inFuture`, settling `id`) or
    /// right here, to prove in tests that a panic becomes an error instead of a crash.
    #[napi(catch_unwind, js_name = "_panicForTest")]
    pub fn panic_for_test(&self, id: u32, in_future: bool) {
        if !in_future {
            panic!("deliberate panic in a synchronous native call");
        }
        self.channel.spawn(id, false, "a self-test", async {
            if std::hint::black_box(true) {
                panic!("deliberate panic in a native future");
            }
            Either::A(String::new())
        });
    }
}

/// Pages of one paginated call; `nextPage(id)` settles `id` with the page's JSON text,
/// `""` after the last page, or a [`NativeError`].
#[napi]
pub struct NativePager {
    pager: Arc<tokio::sync::Mutex<Pager>>,
    channel: Channel,
    cancellable: bool,
}

#[napi]
impl NativePager {
    #[napi(catch_unwind)]
    pub fn next_page(&self, id: u32) {
        let pager = Arc::clone(&self.pager);
        self.channel.spawn(id, self.cancellable, "nextPage", async move {
            let mut pager = pager.lock().await;
            match pager.next_page().await {
                Ok(Some(page)) => Either::A(body_text(&page.body)),
                Ok(None) => Either::A(String::new()),
                Err(e) => Either::B(NativeError::from_core(&e)),
            }
        });
    }

    /// Cancels the page request `id`.
    #[napi(catch_unwind)]
    pub fn cancel(&self, id: u32) {
        self.channel.cancel(id);
    }

    /// The cursor of the first page not fetched yet (to resume a walk later).
    #[napi(catch_unwind, getter)]
    pub fn resume_cursor(&self) -> Option<String> {
        self.pager.try_lock().ok().and_then(|p| p.resume_cursor().map(str::to_string))
    }
}

/// Operation ids this native module was built with (from the spec it was compiled from).
#[napi(catch_unwind)]
pub fn operation_ids() -> Vec<String> {
    kontext_mgmt::ops::OPERATIONS.iter().map(|o| o.id.to_string()).collect()
}

/// Support of `bench/json_transfer.mjs`: how should a response cross into JavaScript — as
/// JSON text that JavaScript parses, or as objects built through N-API from serde values?
/// Built only with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
pub mod bench_support {
    use napi_derive::napi;
    use std::sync::Mutex;

    static SAMPLE: Mutex<Vec<u8>> = Mutex::new(Vec::new());

    /// Stores a response body in native memory, as the core holds one after a call.
    #[napi(catch_unwind, js_name = "_benchSetSample")]
    pub fn bench_set_sample(text: String) {
        *SAMPLE.lock().unwrap_or_else(|p| p.into_inner()) = text.into_bytes();
    }

    /// The stored body as a JS string (what `NativeClient.call` does).
    #[napi(catch_unwind, js_name = "_benchAsString")]
    pub fn bench_as_string() -> String {
        super::body_text(&SAMPLE.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The stored body parsed by serde and converted to JS objects through N-API.
    #[napi(catch_unwind, js_name = "_benchAsObject")]
    pub fn bench_as_object() -> napi::Result<serde_json::Value> {
        serde_json::from_slice(&SAMPLE.lock().unwrap_or_else(|p| p.into_inner()))
            .map_err(|e| napi::Error::from_reason(e.to_string()))
    }
}
