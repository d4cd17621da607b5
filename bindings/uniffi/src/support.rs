//! The one way the generated methods reach the core: [`call`], [`call_empty`] and
//! [`Pager`] run every request on the core's process-wide tokio runtime (docs/ARCHITECTURE.md rule 8)
//! through [`on_runtime`]; the foreign side only awaits the result.

use crate::KontextError;
use kontext_mgmt::ops::CallArgs;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;

/// Runs `work` in the context of the core's runtime: its I/O registers with the core's
/// reactor, its timers with the core's timer, and the connection tasks reqwest spawns run
/// on the core's worker threads; the future itself is polled where uniffi polls it (the
/// foreign side's continuation), so a call costs no extra thread hop. Dropping it (a
/// cancelled coroutine / Swift task) cancels the request. A panic is caught by uniffi's
/// poll and surfaces as its internal error instead of unwinding across the FFI.
pub(crate) async fn on_runtime<T, F>(work: F) -> Result<T, KontextError>
where
    F: Future<Output = Result<T, KontextError>> + Send + 'static,
    T: Send + 'static,
{
    OnRuntime { runtime: kontext_mgmt::runtime::runtime(), work: Box::pin(work) }.await
}

struct OnRuntime<F> {
    runtime: Arc<tokio::runtime::Runtime>,
    work: std::pin::Pin<Box<F>>,
}

impl<F: Future> Future for OnRuntime<F> {
    type Output = F::Output;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        let this = &mut *self;
        let _context = this.runtime.enter();
        this.work.as_mut().poll(cx)
    }
}

/// Calls an operation and decodes its JSON answer.
pub(crate) async fn call<T>(client: &kontext_mgmt::Client, op: &'static str, args: CallArgs) -> Result<T, KontextError>
where
    T: DeserializeOwned + Send + 'static,
{
    let client = client.clone();
    on_runtime(async move {
        let raw = client.call(op, &args).await?;
        decode(op, &raw.body)
    })
    .await
}

/// Calls an operation that answers without a body (204).
pub(crate) async fn call_empty(
    client: &kontext_mgmt::Client,
    op: &'static str,
    args: CallArgs,
) -> Result<(), KontextError> {
    let client = client.clone();
    on_runtime(async move {
        client.call(op, &args).await?;
        Ok(())
    })
    .await
}

pub(crate) fn decode<T: DeserializeOwned>(op: &str, body: &[u8]) -> Result<T, KontextError> {
    // serde names a missing required field ("missing field `name`"); the body is kept so
    // the caller can still read what the server sent.
    serde_json::from_slice(body).map_err(|e| KontextError::DecodeError {
        message: format!("{op}: {e}"),
        body: Some(String::from_utf8_lossy(body).into_owned()),
    })
}

/// One query parameter (`None` is left out by the core).
pub(crate) fn query<T: serde::Serialize>(name: &str, value: &T) -> Result<(String, serde_json::Value), KontextError> {
    let value = serde_json::to_value(value)
        .map_err(|e| KontextError::InvalidInput { message: format!("query parameter `{name}`: {e}") })?;
    Ok((name.to_string(), value))
}

/// A request body.
pub(crate) fn body<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, KontextError> {
    serde_json::to_value(value).map_err(|e| KontextError::InvalidInput { message: format!("request body: {e}") })
}

/// A lazy walk over the pages of an operation; the core decides what comes next.
pub(crate) struct Pager {
    op: &'static str,
    inner: Arc<tokio::sync::Mutex<kontext_mgmt::ops::Pager>>,
}

impl Pager {
    pub(crate) fn new(client: &kontext_mgmt::Client, op: &'static str, args: CallArgs) -> Result<Pager, KontextError> {
        Ok(Pager { op, inner: Arc::new(tokio::sync::Mutex::new(client.pager(op, args)?)) })
    }

    pub(crate) async fn next_page<T>(&self) -> Result<Option<T>, KontextError>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let (op, inner) = (self.op, Arc::clone(&self.inner));
        on_runtime(async move {
            let mut pager = inner.lock().await;
            match pager.next_page().await? {
                None => Ok(None),
                Some(page) => decode(op, &page.body).map(Some),
            }
        })
        .await
    }

    /// `None` after the last page, and while a page is being fetched.
    pub(crate) fn resume_cursor(&self) -> Option<String> {
        self.inner.try_lock().ok().and_then(|p| p.resume_cursor().map(str::to_string))
    }
}
