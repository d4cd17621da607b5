//! One error enum for Kotlin (`KontextException`, a sealed class: `when`) and Swift
//! (`KontextError`, an enum: `catch`), with the kinds of docs/ARCHITECTURE.md rule 7.
//!
//! The enum and its conversion from the core's error are generated from the one list of
//! kinds (`kontext_mgmt_codegen::errors`); what every variant can tell is exported once,
//! as [`KontextError::info`].

use std::time::Duration;

include!(concat!(env!("OUT_DIR"), "/error.rs"));

/// What an error tells, whatever its kind.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ErrorInfo {
    /// The kind's name, the same in every SDK: `NotFound`, `ConnectionError`, …
    pub kind: String,
    /// The official SDK's error code: `kontext_not_found`, …
    pub code: String,
    /// The HTTP status of an API error.
    pub status: Option<i32>,
    /// The server's message (API errors) or what went wrong, without the kind prefix.
    pub message: String,
    /// The `x-request-id` of an API error: quote it when reporting a problem.
    pub request_id: Option<String>,
    /// The raw body of an API error.
    pub body: Option<String>,
    /// How long the server asked to wait (429).
    pub retry_after: Option<Duration>,
}

#[uniffi::export]
impl KontextError {
    /// What this error tells: kind, code, status, message, request id, body, retry-after.
    pub fn info(&self) -> ErrorInfo {
        let (kind, status, message, request_id, body, retry_after) = self.parts();
        ErrorInfo {
            kind: kind.name().to_string(),
            code: kind.code().to_string(),
            status,
            message: message.clone(),
            request_id,
            body,
            retry_after,
        }
    }
}

impl KontextError {
    /// The class name every binding uses (`NotFound`, `ConnectionError`, …).
    pub fn kind_name(&self) -> &'static str {
        self.parts().0.name()
    }
}

impl std::fmt::Display for KontextError {
    /// One line, as the core prints it: `404 NotFound: no such application [request id …]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, status, message, request_id, _, retry_after) = self.parts();
        let Some(status) = status else {
            return write!(f, "{}: {message}", KontextError::prefix(kind));
        };
        write!(f, "{status} {}", kind.name())?;
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        if let Some(wait) = retry_after {
            write!(f, " (retry after {:.3}s)", wait.as_secs_f64())?;
        }
        if let Some(id) = request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for KontextError {}
