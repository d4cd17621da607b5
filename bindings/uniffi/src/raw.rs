//! The generic, untyped entry points (docs/ARCHITECTURE.md rule 1: no per-operation code): call any
//! operation by its operationId with JSON in and the raw JSON body out, and walk any
//! paginated operation page by page. Used by the conformance runner
//! (tests/runners/kotlin_runner.sh) and by tools that want the wire JSON. Requests go
//! through the same core path as the typed surface (`client.call` / `client.pager`, on the
//! core's runtime) and fail with the same `KontextError`s.

use crate::support::on_runtime;
use crate::{KontextError, KontextManagementClient};
use kontext_mgmt::ops::CallArgs;
use std::sync::Arc;

fn args(path: Vec<String>, query_json: &str, body_json: Option<String>) -> Result<CallArgs, KontextError> {
    let invalid = |what: &str, e: serde_json::Error| KontextError::InvalidInput { message: format!("{what}: {e}") };
    let query: serde_json::Map<String, serde_json::Value> = if query_json.trim().is_empty() {
        serde_json::Map::new()
    } else {
        serde_json::from_str(query_json).map_err(|e| invalid("query (a JSON object)", e))?
    };
    let body = body_json.map(|b| serde_json::from_str(&b).map_err(|e| invalid("request body", e))).transpose()?;
    Ok(CallArgs { path, query: query.into_iter().collect(), body })
}

fn text(body: &[u8]) -> String {
    if body.is_empty() {
        "null".to_string()
    } else {
        String::from_utf8_lossy(body).into_owned()
    }
}

#[uniffi::export]
impl KontextManagementClient {
    /// Calls the operation `op_id` (see `openapi/operations.md`) with its path parameters in
    /// path order, the query parameters as a JSON object (wire names) and an optional JSON
    /// body; returns the answer's JSON text (`null` for an empty answer).
    #[uniffi::method(default(query_json = "{}", body_json = None))]
    pub async fn call_json(
        &self,
        op_id: String,
        path: Vec<String>,
        query_json: String,
        body_json: Option<String>,
    ) -> Result<String, KontextError> {
        let args = args(path, &query_json, body_json)?;
        let client = self.core().clone();
        on_runtime(async move { Ok(text(&client.call(&op_id, &args).await?.body)) }).await
    }

    /// A lazy walk over the pages of the paginated operation `op_id`; each page is the raw
    /// JSON text of the answer.
    #[uniffi::method(default(query_json = "{}"))]
    pub fn pager_json(
        &self,
        op_id: String,
        path: Vec<String>,
        query_json: String,
    ) -> Result<Arc<JsonPager>, KontextError> {
        let args = args(path, &query_json, None)?;
        let pager = self.core().pager(&op_id, args)?;
        Ok(Arc::new(JsonPager { inner: Arc::new(tokio::sync::Mutex::new(pager)) }))
    }
}

/// The pages of one operation as raw JSON text; the core decides what comes next.
#[derive(uniffi::Object)]
pub struct JsonPager {
    inner: Arc<tokio::sync::Mutex<kontext_mgmt::ops::Pager>>,
}

#[uniffi::export]
impl JsonPager {
    /// The next page's JSON text, or `null` after the last one.
    pub async fn next_page(&self) -> Result<Option<String>, KontextError> {
        let inner = Arc::clone(&self.inner);
        on_runtime(async move {
            let mut pager = inner.lock().await;
            Ok(pager.next_page().await?.map(|page| text(&page.body)))
        })
        .await
    }

    /// The cursor to resume from; `null` after the last page and while a page is fetched.
    pub fn resume_cursor(&self) -> Option<String> {
        self.inner.try_lock().ok().and_then(|p| p.resume_cursor().map(str::to_string))
    }
}
