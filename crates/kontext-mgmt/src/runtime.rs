//! The process-wide tokio runtime the bindings share, renewed in a child after `fork()`.

use crate::error::{Error, Result};
use std::future::Future;
use std::sync::{Arc, Mutex};

static RUNTIME: Mutex<Option<(u32, Arc<tokio::runtime::Runtime>)>> = Mutex::new(None);

/// The shared multi-threaded runtime of this process.
pub fn runtime() -> Arc<tokio::runtime::Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    match slot.as_ref() {
        Some((owner, rt)) if *owner == pid => Arc::clone(rt),
        _ => {
            // After fork() the parent's worker threads do not exist here: dropping that
            // runtime would wait for them forever, so it is leaked on purpose.
            if let Some(old) = slot.take() {
                std::mem::forget(old);
            }
            let rt = Arc::new(
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .thread_name("kontext-mgmt")
                    .build()
                    .expect("the OS refused to start the runtime's threads"),
            );
            *slot = Some((pid, Arc::clone(&rt)));
            rt
        }
    }
}

/// Runs a future to completion from synchronous code. Refuses (rather than deadlocks)
/// when called from inside an async runtime.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::InvalidInput(
            "a blocking call was made from inside an async runtime; use the async API there".into(),
        ));
    }
    Ok(runtime().block_on(future))
}
