//! `kontext_mgmt._native`: the generic glue between Python and the Rust core.
//!
//! Nothing here knows an endpoint. The generated Python layer passes an operationId, the
//! path values, the query pairs and a JSON-encoded body; answers come back as the JSON
//! bytes of the response (Python decodes them with `json.loads`, which is faster than
//! building the objects from Rust). Errors become the exception classes defined in
//! `kontext_mgmt._errors`.
//!
//! Blocking calls release the GIL and wait on the core's shared runtime in short slices,
//! checking for signals between them (Ctrl-C interrupts a call). Async calls are spawned
//! on that runtime; their results are queued and the asyncio loop is woken through a
//! socket it watches (`loop.add_reader`), so tokio's threads never wait for the GIL.
#![forbid(unsafe_code)]

mod testing;

use kontext_mgmt::ops::{CallArgs, Pager};
use kontext_mgmt::{CallOptions, Client, ClientOptions, Error};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyModule};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a blocking call waits before checking for signals (Ctrl-C).
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// Requests spawned by the async API and not yet finished or aborted.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------------------------------
// Errors

/// The error classes live in Python (`kontext_mgmt._errors`) so that they can be
/// subclassed, pickled and documented like any Python exception.
fn exception<'py>(py: Python<'py>, e: &Error) -> Bound<'py, PyAny> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let make = || -> PyResult<Bound<'py, PyAny>> {
        let module = MODULE.get_or_try_init(py, || py.import("kontext_mgmt._errors").map(Bound::unbind))?;
        let class = module.bind(py).getattr(e.kind().name())?;
        let kwargs = PyDict::new(py);
        kwargs.set_item(intern!(py, "message"), e.message())?;
        kwargs.set_item(intern!(py, "status"), e.status())?;
        kwargs.set_item(intern!(py, "request_id"), e.request_id())?;
        kwargs.set_item(intern!(py, "body"), e.api().map(|a| a.body.as_str()))?;
        kwargs.set_item(intern!(py, "retry_after"), e.retry_after().map(|d| d.as_secs_f64()))?;
        kwargs.set_item(intern!(py, "code"), e.kind().code())?;
        kwargs.set_item(intern!(py, "missing_scopes"), e.missing_scopes())?;
        let diagnostics = PyList::empty(py);
        for d in e.diagnostics() {
            // A TypedDict: absent fields are left out.
            let item = PyDict::new(py);
            item.set_item(intern!(py, "message"), &d.message)?;
            if let Some(v) = &d.severity {
                item.set_item(intern!(py, "severity"), v)?;
            }
            if let Some(v) = &d.policy_id {
                item.set_item(intern!(py, "policyId"), v)?;
            }
            if let Some(v) = d.start {
                item.set_item(intern!(py, "start"), v)?;
            }
            if let Some(v) = d.end {
                item.set_item(intern!(py, "end"), v)?;
            }
            diagnostics.append(item)?;
        }
        kwargs.set_item(intern!(py, "diagnostics"), diagnostics)?;
        class.call((e.to_string(),), Some(&kwargs))
    };
    match make() {
        Ok(exc) => exc,
        // The package is broken (e.g. `_errors` missing): still say what happened.
        Err(import_error) => {
            let err = pyo3::exceptions::PyRuntimeError::new_err(e.to_string());
            err.set_cause(py, Some(import_error));
            err.into_value(py).into_bound(py).into_any()
        }
    }
}

/// A panic in the core, as the base `KontextError` (an `Exception`, unlike pyo3's
/// `PanicException`), so `except Exception` and `except KontextError` catch it.
fn panic_error(py: Python<'_>, payload: &(dyn std::any::Any + Send)) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    let message = format!("internal error in the SDK: {what}");
    let made = py.import("kontext_mgmt._errors").and_then(|m| m.getattr("KontextError")).and_then(|class| {
        let kwargs = PyDict::new(py);
        kwargs.set_item(intern!(py, "code"), "kontext_internal_error")?;
        class.call((message.clone(),), Some(&kwargs))
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message),
    }
}

fn to_py_err(py: Python<'_>, e: &Error) -> PyErr {
    PyErr::from_value(exception(py, e))
}

fn invalid(py: Python<'_>, message: String) -> PyErr {
    to_py_err(py, &Error::InvalidInput(message))
}

// ---------------------------------------------------------------------------------------
// Arguments

/// A query value: the generated layer passes Python scalars (enums are `str`).
#[derive(FromPyObject)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

fn call_args(
    py: Python<'_>,
    path: Vec<String>,
    query: Vec<(String, Option<Scalar>)>,
    body: Option<&[u8]>,
) -> PyResult<CallArgs> {
    let query = query
        .into_iter()
        .map(|(name, value)| {
            let value = match value {
                None => serde_json::Value::Null,
                Some(Scalar::Bool(b)) => b.into(),
                Some(Scalar::Int(i)) => i.into(),
                Some(Scalar::Float(f)) => f.into(),
                Some(Scalar::Str(s)) => s.into(),
            };
            (name, value)
        })
        .collect();
    let body = match body {
        None => None,
        Some(bytes) => {
            Some(serde_json::from_slice(bytes).map_err(|e| invalid(py, format!("the request body is not JSON: {e}")))?)
        }
    };
    Ok(CallArgs { path, query, body })
}

// ---------------------------------------------------------------------------------------
// Waiting

/// Runs `future` on the shared runtime with the GIL released, checking for signals every
/// [`SIGNAL_SLICE`]; a `KeyboardInterrupt` (or any signal handler's exception) drops the
/// future, which cancels the request.
pub(crate) fn wait<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    use futures::FutureExt;
    let runtime = kontext_mgmt::runtime::runtime();
    // A panic is caught here, not unwound into Python as `PanicException`.
    let mut future = std::pin::pin!(std::panic::AssertUnwindSafe(future).catch_unwind());
    loop {
        let slice = py.detach(|| runtime.block_on(async { tokio::time::timeout(SIGNAL_SLICE, future.as_mut()).await }));
        match slice {
            Ok(Ok(output)) => return Ok(output),
            Ok(Err(payload)) => return Err(panic_error(py, &*payload)),
            Err(_elapsed) => py.check_signals()?,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The asyncio bridge

/// What a spawned request hands back: JSON bytes, nothing (end of pages, token refreshed),
/// or an error.
type Outcome = Result<Option<bytes::Bytes>, Failure>;

/// Why a spawned request failed: the core's error, or a panic (caught so that the asyncio
/// future still settles).
enum Failure {
    Error(Error),
    Panic(Box<dyn std::any::Any + Send>),
}

struct Completions {
    queue: Mutex<Vec<(Py<PyAny>, Outcome)>>,
    #[cfg(unix)]
    wake: std::os::unix::net::UnixStream,
    #[cfg(unix)]
    watched: std::os::unix::net::UnixStream,
}

impl Completions {
    fn push(&self, future: Py<PyAny>, outcome: Outcome) {
        let was_empty = {
            let mut queue = lock(&self.queue);
            let was_empty = queue.is_empty();
            queue.push((future, outcome));
            was_empty
        };
        if was_empty {
            #[cfg(unix)]
            {
                use std::io::Write;
                // A full socket already holds a pending wake-up: nothing is lost.
                let _ = (&self.wake).write(&[1]);
            }
        }
    }
}

/// Completion queue of one asyncio event loop.
///
/// The loop watches `fileno()` and calls `drain()` when it is readable; `drain()` resolves
/// the asyncio futures of every finished request in one go.
#[pyclass(frozen, module = "kontext_mgmt._native")]
struct Bridge {
    shared: Arc<Completions>,
}

#[pymethods]
impl Bridge {
    #[new]
    fn new(py: Python<'_>) -> PyResult<Bridge> {
        #[cfg(unix)]
        let (wake, watched) = {
            let pair = std::os::unix::net::UnixStream::pair().and_then(|(a, b)| {
                a.set_nonblocking(true)?;
                b.set_nonblocking(true)?;
                Ok((a, b))
            });
            pair.map_err(|e| to_py_err(py, &Error::Connection { message: e.to_string(), source: None }))?
        };
        #[cfg(not(unix))]
        let _ = py;
        Ok(Bridge {
            shared: Arc::new(Completions {
                queue: Mutex::new(Vec::new()),
                #[cfg(unix)]
                wake,
                #[cfg(unix)]
                watched,
            }),
        })
    }

    /// The descriptor to watch with `loop.add_reader`, or -1 where there is none.
    fn fileno(&self) -> i64 {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            i64::from(self.shared.watched.as_raw_fd())
        }
        #[cfg(not(unix))]
        {
            -1
        }
    }

    /// Resolves the futures of every finished request. Called on the loop's thread.
    fn drain(&self, py: Python<'_>) {
        #[cfg(unix)]
        {
            use std::io::Read;
            // Consume the wake-ups first: one written after this belongs to a later batch.
            let mut buf = [0u8; 64];
            while matches!((&self.shared.watched).read(&mut buf), Ok(n) if n > 0) {}
        }
        let batch = std::mem::take(&mut *lock(&self.shared.queue));
        for (future, outcome) in batch {
            let future = future.bind(py);
            // A cancelled future is done already: its result has nowhere to go.
            let done = future.call_method0(intern!(py, "done")).and_then(|d| d.is_truthy()).unwrap_or(true);
            if done {
                continue;
            }
            let delivered = match outcome {
                Ok(Some(body)) => future.call_method1(intern!(py, "set_result"), (PyBytes::new(py, &body),)),
                Ok(None) => future.call_method1(intern!(py, "set_result"), (py.None(),)),
                Err(Failure::Error(e)) => future.call_method1(intern!(py, "set_exception"), (exception(py, &e),)),
                Err(Failure::Panic(payload)) => {
                    future.call_method1(intern!(py, "set_exception"), (panic_error(py, &*payload).into_value(py),))
                }
            };
            if let Err(e) = delivered {
                e.write_unraisable(py, Some(future));
            }
        }
    }
}

/// An async request in flight; `cancel()` aborts it.
#[pyclass(frozen, module = "kontext_mgmt._native")]
struct Ticket {
    abort: tokio::task::AbortHandle,
}

#[pymethods]
impl Ticket {
    fn cancel(&self) {
        self.abort.abort();
    }
}

/// Counts a spawned request until its task ends, however it ends.
struct InFlight;

impl InFlight {
    fn new() -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

fn spawn<F>(bridge: &Bridge, future: Py<PyAny>, work: F) -> Ticket
where
    F: Future<Output = Result<Option<bytes::Bytes>, Error>> + Send + 'static,
{
    use futures::FutureExt;
    let shared = Arc::clone(&bridge.shared);
    let guard = InFlight::new();
    let handle = kontext_mgmt::runtime::runtime().spawn(async move {
        let _guard = guard;
        let outcome = match std::panic::AssertUnwindSafe(work).catch_unwind().await {
            Ok(result) => result.map_err(Failure::Error),
            Err(payload) => Err(Failure::Panic(payload)),
        };
        shared.push(future, outcome);
    });
    Ticket { abort: handle.abort_handle() }
}

// ---------------------------------------------------------------------------------------
// The client

struct Handle {
    pid: u32,
    client: Arc<Client>,
}

/// One configured client: connection pool, token cache and call options of the core.
#[pyclass(frozen, module = "kontext_mgmt._native")]
struct NativeClient {
    builder: ClientOptions,
    options: Option<CallOptions>,
    /// Rebuilt from `builder` in a forked child: the parent's connections and runtime
    /// threads do not exist there.
    handle: Mutex<Handle>,
    description: String,
}

/// Seconds from Python: under 1 ms (or NaN) is `InvalidInput`, over a year is clamped.
fn seconds(py: Python<'_>, name: &str, value: f64) -> PyResult<Duration> {
    kontext_mgmt::limits::timeout_from_secs(value, name).map_err(|e| to_py_err(py, &e))
}

/// A keyword argument as `T`; a wrong type is a `TypeError` naming the argument (as pyo3's
/// own for declared arguments).
fn argument<'py, T: FromPyObjectOwned<'py>>(value: &Bound<'py, PyAny>, name: &str) -> PyResult<T> {
    value.extract::<T>().map_err(|e| {
        let e: PyErr = e.into();
        let py = value.py();
        if e.is_instance_of::<pyo3::exceptions::PyTypeError>(py) {
            pyo3::exceptions::PyTypeError::new_err(format!("argument '{name}': {}", e.value(py)))
        } else {
            e
        }
    })
}

// `client_options`: the conversion of `NativeClient(...)`'s keywords, generated from the
// core's `ClientOptions` by the build script.
include!(concat!(env!("OUT_DIR"), "/options.rs"));

impl NativeClient {
    fn client(&self, py: Python<'_>) -> PyResult<Arc<Client>> {
        let pid = std::process::id();
        let mut handle = lock(&self.handle);
        if handle.pid != pid {
            let client = build(&self.builder, self.options.as_ref()).map_err(|e| to_py_err(py, &e))?;
            *handle = Handle { pid, client: Arc::new(client) };
        }
        Ok(Arc::clone(&handle.client))
    }
}

fn build(builder: &ClientOptions, options: Option<&CallOptions>) -> Result<Client, Error> {
    let client = builder.clone().build()?;
    Ok(match options {
        Some(options) => client.with_options(|o| *o = options.clone()),
        None => client,
    })
}

#[pymethods]
impl NativeClient {
    /// Keyword arguments as `Client(...)`'s (the Python layer adds its product token to
    /// `user_agent`).
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<NativeClient> {
        let b = client_options(py, options)?;
        let client = build(&b, None).map_err(|e| to_py_err(py, &e))?;
        let description = describe(&client);
        Ok(NativeClient {
            builder: b,
            options: None,
            handle: Mutex::new(Handle { pid: std::process::id(), client: Arc::new(client) }),
            description,
        })
    }

    /// A handle sharing this client's connections and token with other call options.
    #[pyo3(signature = (*, timeout=None, max_retries=None))]
    fn with_options(&self, py: Python<'_>, timeout: Option<f64>, max_retries: Option<u32>) -> PyResult<NativeClient> {
        let timeout = timeout.map(|t| seconds(py, "timeout", t)).transpose()?;
        let client = self.client(py)?.with_options(|o| {
            if let Some(t) = timeout {
                o.timeout = t;
            }
            if let Some(n) = max_retries {
                o.retry.max_retries = n;
            }
        });
        let description = describe(&client);
        Ok(NativeClient {
            builder: self.builder.clone(),
            options: Some(client.options().clone()),
            handle: Mutex::new(Handle { pid: std::process::id(), client: Arc::new(client) }),
            description,
        })
    }

    /// Calls an operation and waits for its JSON answer (empty for 204).
    #[pyo3(signature = (op, path, query, body))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        op: String,
        path: Vec<String>,
        query: Vec<(String, Option<Scalar>)>,
        body: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let args = call_args(py, path, query, body)?;
        let client = self.client(py)?;
        match wait(py, client.call(&op, &args))? {
            Ok(response) => Ok(PyBytes::new(py, &response.body)),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Starts an operation; `future` (an asyncio future of `bridge`'s loop) gets the JSON
    /// bytes or the exception.
    #[pyo3(signature = (bridge, future, op, path, query, body))]
    #[allow(clippy::too_many_arguments)]
    fn submit(
        &self,
        py: Python<'_>,
        bridge: &Bridge,
        future: Py<PyAny>,
        op: String,
        path: Vec<String>,
        query: Vec<(String, Option<Scalar>)>,
        body: Option<&[u8]>,
    ) -> PyResult<Ticket> {
        let args = call_args(py, path, query, body)?;
        let client = self.client(py)?;
        Ok(spawn(bridge, future, async move { client.call(&op, &args).await.map(|r| Some(r.body)) }))
    }

    /// A lazy walk over the pages of a paginated operation.
    #[pyo3(signature = (op, path, query))]
    fn pager(
        slf: &Bound<'_, Self>,
        op: String,
        path: Vec<String>,
        query: Vec<(String, Option<Scalar>)>,
    ) -> PyResult<NativePager> {
        let py = slf.py();
        let args = call_args(py, path, query, None)?;
        let pager = slf.get().client(py)?.pager(&op, args).map_err(|e| to_py_err(py, &e))?;
        Ok(NativePager {
            owner: slf.clone().unbind(),
            pid: Mutex::new(std::process::id()),
            inner: Arc::new(tokio::sync::Mutex::new(pager)),
        })
    }

    /// Fetches a new token now (client credentials only).
    fn refresh_token(&self, py: Python<'_>) -> PyResult<()> {
        let client = self.client(py)?;
        wait(py, client.refresh_token())?.map_err(|e| to_py_err(py, &e))
    }

    fn submit_refresh_token(&self, py: Python<'_>, bridge: &Bridge, future: Py<PyAny>) -> PyResult<Ticket> {
        let client = self.client(py)?;
        Ok(spawn(bridge, future, async move { client.refresh_token().await.map(|()| None) }))
    }

    /// Forgets the cached token; the next call fetches a new one.
    fn clear_token(&self, py: Python<'_>) -> PyResult<()> {
        self.client(py)?.clear_token();
        Ok(())
    }

    /// The per-call timeout in seconds and the retry count of this handle.
    fn options(&self, py: Python<'_>) -> PyResult<(f64, u32)> {
        let client = self.client(py)?;
        let o = client.options();
        Ok((o.timeout.as_secs_f64(), o.retry.max_retries))
    }

    fn __repr__(&self) -> String {
        self.description.clone()
    }

    /// Panics on purpose inside a blocking call, or (with `bridge` and `future`) inside a
    /// spawned one, to prove in tests that a panic becomes `KontextError` and the asyncio
    /// future still settles. Built only with the `test-hooks` feature (test.sh).
    #[cfg(feature = "test-hooks")]
    #[pyo3(signature = (bridge=None, future=None))]
    fn _panic_for_test(&self, py: Python<'_>, bridge: Option<&Bridge>, future: Option<Py<PyAny>>) -> PyResult<()> {
        let work = async {
            if std::hint::black_box(true) {
                panic!("deliberate panic in a native future");
            }
            Ok(None)
        };
        match (bridge, future) {
            (Some(bridge), Some(future)) => {
                spawn(bridge, future, work);
                Ok(())
            }
            _ => wait(py, work)?.map(drop).map_err(|e: Error| to_py_err(py, &e)),
        }
    }
}

/// A one-line description without any credential.
fn describe(client: &Client) -> String {
    let o = client.options();
    format!(
        "NativeClient(base_url={:?}, timeout={}s, max_retries={})",
        client.redacted_base_url(),
        o.timeout.as_secs_f64(),
        o.retry.max_retries
    )
}

/// Pages of a paginated operation, fetched one at a time.
#[pyclass(frozen, module = "kontext_mgmt._native")]
struct NativePager {
    /// The client it came from, whose connections it uses again after `fork()`.
    owner: Py<NativeClient>,
    pid: Mutex<u32>,
    inner: Arc<tokio::sync::Mutex<Pager>>,
}

impl NativePager {
    /// In a forked child, moves the walk onto the child's client (the parent's connections
    /// and runtime threads do not exist there) — like the client itself does.
    fn follow_fork(&self, py: Python<'_>) -> PyResult<()> {
        let pid = std::process::id();
        let mut owner_pid = lock(&self.pid);
        if *owner_pid != pid {
            let client = self.owner.get().client(py)?;
            // Nothing in the child holds this lock: the parent's tasks did not survive fork().
            if let Ok(mut pager) = self.inner.try_lock() {
                pager.set_client((*client).clone());
            }
            *owner_pid = pid;
        }
        Ok(())
    }
}

#[pymethods]
impl NativePager {
    /// The next page's JSON bytes, or `None` after the last page.
    fn next_page<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        self.follow_fork(py)?;
        let inner = Arc::clone(&self.inner);
        match wait(py, async move { inner.lock().await.next_page().await })? {
            Ok(page) => Ok(page.map(|p| PyBytes::new(py, &p.body))),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    fn submit_next(&self, py: Python<'_>, bridge: &Bridge, future: Py<PyAny>) -> PyResult<Ticket> {
        self.follow_fork(py)?;
        let inner = Arc::clone(&self.inner);
        Ok(spawn(bridge, future, async move { inner.lock().await.next_page().await.map(|p| p.map(|p| p.body)) }))
    }
}

/// Async requests spawned and not yet finished (for tests of cancellation). Built only with
/// the `test-hooks` feature (test.sh).
#[cfg(feature = "test-hooks")]
#[pyfunction]
fn _in_flight() -> usize {
    IN_FLIGHT.load(Ordering::Relaxed)
}

/// `(operationId, HTTP method, path template)` of every operation this build knows (the
/// spec it was generated from).
#[pyfunction]
fn operations() -> Vec<(&'static str, &'static str, &'static str)> {
    kontext_mgmt::ops::OPERATIONS.iter().map(|o| (o.id, o.http_method, o.path)).collect()
}

/// `kontext_mgmt._native`
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeClient>()?;
    m.add_class::<NativePager>()?;
    m.add_class::<Bridge>()?;
    m.add_class::<Ticket>()?;
    m.add_class::<testing::NativeEmulator>()?;
    m.add_function(wrap_pyfunction!(testing::emulator_options, m)?)?;
    m.add_function(wrap_pyfunction!(testing::emulator_main, m)?)?;
    // Set, not added: out of `__all__`, so the stubs (which describe the release) and
    // stubtest leave it out.
    #[cfg(feature = "test-hooks")]
    m.setattr("_in_flight", wrap_pyfunction!(_in_flight, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add("EMULATOR_CLIENT_ID", kontext_mgmt_emulator::DEFAULT_CLIENT_ID)?;
    m.add("EMULATOR_CLIENT_SECRET", kontext_mgmt_emulator::DEFAULT_CLIENT_SECRET)?;
    Ok(())
}
