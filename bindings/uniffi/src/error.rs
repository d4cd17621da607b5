//! One error enum for Kotlin (`KontextException`, a sealed class: `when`) and Swift
//! (`KontextError`, an enum: `catch`), with the kinds of docs/ARCHITECTURE.md rule 7.

use std::time::Duration;

/// Everything a call can fail with. API errors carry the status, the server's message, the
/// `x-request-id` and the raw body; `RateLimited` also how long the server asked to wait.
/// (In Kotlin the message field is called `detail`: `Throwable.message` is taken.)
#[derive(Debug, Clone, PartialEq, uniffi::Error)]
#[uniffi::export(Display)]
pub enum KontextError {
    /// 400: the server rejected the request.
    BadRequest { status: i32, message: String, request_id: Option<String>, body: String },
    /// 401: missing, invalid or expired credentials.
    Unauthorized { status: i32, message: String, request_id: Option<String>, body: String },
    /// 403: the credentials may not do this.
    Forbidden { status: i32, message: String, request_id: Option<String>, body: String },
    /// 404: no such resource.
    NotFound { status: i32, message: String, request_id: Option<String>, body: String },
    /// 409: conflicts with the current state (e.g. a name in use).
    Conflict { status: i32, message: String, request_id: Option<String>, body: String },
    /// 429: too many requests; `retry_after` is the wait the server asked for.
    RateLimited {
        status: i32,
        message: String,
        request_id: Option<String>,
        body: String,
        retry_after: Option<Duration>,
    },
    /// 5xx.
    ServerError { status: i32, message: String, request_id: Option<String>, body: String },
    /// Another error status (e.g. 408, 413, 422).
    ApiError { status: i32, message: String, request_id: Option<String>, body: String },
    /// The request never got an answer (DNS, refused, reset, TLS).
    ConnectionError { message: String },
    /// The request or the call's time budget ran out.
    TimeoutError { message: String },
    /// The server answered 2xx with a body that is not what the spec says.
    DecodeError { message: String },
    /// The caller passed something the API cannot accept; nothing was sent.
    InvalidInput { message: String },
    /// A response body was larger than the client's limit for it; the message names it.
    ResponseTooLarge { message: String, limit: u64 },
}

impl KontextError {
    /// The class name every binding uses (`NotFound`, `ConnectionError`, …).
    pub fn kind_name(&self) -> &'static str {
        match self {
            KontextError::BadRequest { .. } => "BadRequest",
            KontextError::Unauthorized { .. } => "Unauthorized",
            KontextError::Forbidden { .. } => "Forbidden",
            KontextError::NotFound { .. } => "NotFound",
            KontextError::Conflict { .. } => "Conflict",
            KontextError::RateLimited { .. } => "RateLimited",
            KontextError::ServerError { .. } => "ServerError",
            KontextError::ApiError { .. } => "ApiError",
            KontextError::ConnectionError { .. } => "ConnectionError",
            KontextError::TimeoutError { .. } => "TimeoutError",
            KontextError::DecodeError { .. } => "DecodeError",
            KontextError::InvalidInput { .. } => "InvalidInput",
            KontextError::ResponseTooLarge { .. } => "ResponseTooLarge",
        }
    }

    fn api_parts(&self) -> Option<(i32, &str, Option<&str>)> {
        match self {
            KontextError::BadRequest { status, message, request_id, .. }
            | KontextError::Unauthorized { status, message, request_id, .. }
            | KontextError::Forbidden { status, message, request_id, .. }
            | KontextError::NotFound { status, message, request_id, .. }
            | KontextError::Conflict { status, message, request_id, .. }
            | KontextError::RateLimited { status, message, request_id, .. }
            | KontextError::ServerError { status, message, request_id, .. }
            | KontextError::ApiError { status, message, request_id, .. } => {
                Some((*status, message.as_str(), request_id.as_deref()))
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for KontextError {
    /// One line, as the core prints it: `404 NotFound: no such application [request id …]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((status, message, request_id)) = self.api_parts() {
            write!(f, "{status} {}", self.kind_name())?;
            if !message.is_empty() {
                write!(f, ": {message}")?;
            }
            if let KontextError::RateLimited { retry_after: Some(wait), .. } = self {
                write!(f, " (retry after {:.3}s)", wait.as_secs_f64())?;
            }
            if let Some(id) = request_id {
                write!(f, " [request id {id}]")?;
            }
            return Ok(());
        }
        match self {
            KontextError::ConnectionError { message } => write!(f, "connection error: {message}"),
            KontextError::TimeoutError { message } => write!(f, "timed out: {message}"),
            KontextError::DecodeError { message } => write!(f, "could not decode the response: {message}"),
            KontextError::InvalidInput { message } => write!(f, "invalid input: {message}"),
            KontextError::ResponseTooLarge { message, .. } => write!(f, "response too large: {message}"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for KontextError {}

impl From<kontext_mgmt::Error> for KontextError {
    fn from(e: kontext_mgmt::Error) -> KontextError {
        use kontext_mgmt::ErrorKind as K;
        let message = e.message();
        if let Some(api) = e.api() {
            let status = i32::from(api.status);
            let request_id = api.request_id.clone();
            let body = api.body.clone();
            return match e.kind() {
                K::BadRequest => KontextError::BadRequest { status, message, request_id, body },
                K::Unauthorized => KontextError::Unauthorized { status, message, request_id, body },
                K::Forbidden => KontextError::Forbidden { status, message, request_id, body },
                K::NotFound => KontextError::NotFound { status, message, request_id, body },
                K::Conflict => KontextError::Conflict { status, message, request_id, body },
                K::RateLimited => {
                    KontextError::RateLimited { status, message, request_id, body, retry_after: api.retry_after }
                }
                K::ServerError => KontextError::ServerError { status, message, request_id, body },
                _ => KontextError::ApiError { status, message, request_id, body },
            };
        }
        match e.kind() {
            K::ConnectionError => KontextError::ConnectionError { message },
            K::TimeoutError => KontextError::TimeoutError { message },
            K::DecodeError => KontextError::DecodeError { message },
            K::ResponseTooLarge => {
                let limit = match &e {
                    kontext_mgmt::Error::ResponseTooLarge { limit, .. } => *limit,
                    _ => 0,
                };
                KontextError::ResponseTooLarge { message, limit }
            }
            _ => KontextError::InvalidInput { message },
        }
    }
}
