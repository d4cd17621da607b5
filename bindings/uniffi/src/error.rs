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
    /// For `ResponseTooLarge`: the limit, in bytes, that the body went over.
    pub limit: Option<u64>,
    /// The scopes the credentials lack, when a 403's body lists them (`missingScopes`).
    pub missing_scopes: Vec<String>,
    /// What is wrong where, when a 422's body lists `diagnostics` (policy text that is not
    /// valid Cedar).
    pub diagnostics: Vec<ErrorDiagnostic>,
}

/// One finding of an error body's `diagnostics`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ErrorDiagnostic {
    /// `error` or `warning` (other values as sent).
    pub severity: Option<String>,
    pub message: String,
    /// The policy it is about (`policy0` is the first in the text).
    pub policy_id: Option<String>,
    /// Byte offsets in the text the request sent.
    pub start: Option<u64>,
    pub end: Option<u64>,
}

/// What [`KontextError::parts`] (generated) reads out of any variant.
struct Parts<'a> {
    kind: kontext_mgmt::ErrorKind,
    status: Option<i32>,
    message: &'a str,
    request_id: Option<&'a str>,
    body: Option<&'a str>,
    retry_after: Option<Duration>,
    limit: Option<u64>,
}

#[uniffi::export]
impl KontextError {
    /// What this error tells: kind, code, status, message, request id, body, retry-after.
    pub fn info(&self) -> ErrorInfo {
        let p = self.parts();
        ErrorInfo {
            kind: p.kind.name().to_string(),
            code: p.kind.code().to_string(),
            status: p.status,
            message: p.message.to_string(),
            request_id: p.request_id.map(str::to_string),
            body: p.body.map(str::to_string),
            retry_after: p.retry_after,
            limit: p.limit,
            missing_scopes: missing_scopes(p.body),
            diagnostics: diagnostics(p.body),
        }
    }

    /// The findings a 422's body lists (`diagnostics`); empty otherwise.
    pub fn diagnostics(&self) -> Vec<ErrorDiagnostic> {
        diagnostics(self.parts().body)
    }

    /// The scopes the credentials lack, when a 403's body lists them (`missingScopes`);
    /// empty otherwise. The message already names them, with the body's hint.
    pub fn missing_scopes(&self) -> Vec<String> {
        missing_scopes(self.parts().body)
    }
}

/// Read from the body by the core, which bounds the list.
fn missing_scopes(body: Option<&str>) -> Vec<String> {
    body.map(|b| kontext_mgmt::ErrorBody::parse(b.as_bytes()).missing_scopes).unwrap_or_default()
}

/// Read from the body by the core, which bounds the list.
fn diagnostics(body: Option<&str>) -> Vec<ErrorDiagnostic> {
    let parsed = body.map(|b| kontext_mgmt::ErrorBody::parse(b.as_bytes()).diagnostics).unwrap_or_default();
    parsed
        .into_iter()
        .map(|d| ErrorDiagnostic {
            severity: d.severity,
            message: d.message,
            policy_id: d.policy_id,
            start: d.start,
            end: d.end,
        })
        .collect()
}

impl std::fmt::Display for KontextError {
    /// One line, as the core prints it: `404 NotFound: no such application [request id …]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.parts();
        let Some(status) = p.status else {
            return write!(f, "{}: {}", KontextError::prefix(p.kind), p.message);
        };
        write!(f, "{status} {}", p.kind.name())?;
        if !p.message.is_empty() {
            write!(f, ": {}", p.message)?;
        }
        if let Some(wait) = p.retry_after {
            write!(f, " (retry after {:.3}s)", wait.as_secs_f64())?;
        }
        if let Some(id) = p.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for KontextError {}
