//! One error type for every failure, with the same kinds in every language (docs/ARCHITECTURE.md rule 7).

use bytes::Bytes;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Everything a call can fail with. `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request never got an answer (DNS, refused, reset, TLS).
    #[error("connection error: {message}")]
    Connection {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The request or the call's time budget ran out.
    #[error("timed out: {message}")]
    Timeout {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The server answered 2xx with a body that is not what the spec says.
    #[error("could not decode the response: {message}")]
    Decode {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The caller passed something the API cannot accept; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A response body was larger than the client's limit for it (`max_body_bytes`,
    /// `max_error_body_bytes` or `max_token_body_bytes`); the rest was not read.
    #[error("response too large: {message}")]
    ResponseTooLarge { message: String, limit: u64 },
}

// `ErrorKind` (enum, `ALL`, `name`, `code`) is generated from the one list of kinds in
// `kontext_mgmt_codegen::errors`, which also generates every binding's error type.
include!(concat!(env!("OUT_DIR"), "/error_kinds.rs"));

impl ErrorKind {
    fn from_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::ApiError,
        }
    }
}

/// An error answer of the API.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    /// The server's `message` (validation messages joined with "; ").
    pub message: String,
    /// The `x-request-id` header: quote it when reporting a problem.
    pub request_id: Option<String>,
    /// The raw body as received.
    pub body: String,
    /// For 429 (and 503): how long the server asked us to wait.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, ErrorKind::from_status(self.status).name())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {:.3}s)", wait.as_secs_f64())?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => ErrorKind::from_status(e.status),
            Error::Connection { .. } => ErrorKind::ConnectionError,
            Error::Timeout { .. } => ErrorKind::TimeoutError,
            Error::Decode { .. } => ErrorKind::DecodeError,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
        }
    }

    /// The API error, when the server answered.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// For `ResponseTooLarge`: the limit, in bytes, that the body went over.
    pub fn limit(&self) -> Option<u64> {
        match self {
            Error::ResponseTooLarge { limit, .. } => Some(*limit),
            _ => None,
        }
    }

    /// The message without the kind prefix.
    pub fn message(&self) -> String {
        match self {
            Error::Api(e) => e.message.clone(),
            Error::Connection { message, .. }
            | Error::Timeout { message, .. }
            | Error::Decode { message, .. }
            | Error::InvalidInput(message)
            | Error::ResponseTooLarge { message, .. } => message.clone(),
        }
    }

    pub(crate) fn from_response_parts(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        let text = String::from_utf8_lossy(body).into_owned();
        let message =
            serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| message_of(&v)).unwrap_or_else(|| {
                reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error")
                    .to_string()
            });
        Error::Api(Box::new(ApiError {
            status,
            message,
            request_id: header_str(headers, "x-request-id"),
            body: text,
            retry_after: crate::wire::retry_after(headers),
        }))
    }

    pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
        let e = redact_error(e);
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            if let Some(t) = s.downcast_ref::<TooLarge>() {
                return Error::ResponseTooLarge { message: t.to_string(), limit: t.limit };
            }
            source = s.source();
        }
        let message = describe(&e);
        if e.is_timeout() {
            Error::Timeout { message, source: Some(Box::new(e)) }
        } else if e.is_decode() {
            Error::Decode { message, source: Some(Box::new(e)) }
        } else if e.is_builder() {
            Error::InvalidInput(message)
        } else {
            Error::Connection { message, source: Some(Box::new(e)) }
        }
    }
}

/// `message` of an error body: a string, or the list of validation messages.
fn message_of(v: &serde_json::Value) -> Option<String> {
    match v.get("message")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => Some(items.iter().filter_map(|i| i.as_str()).collect::<Vec<_>>().join("; ")),
        _ => None,
    }
    .or_else(|| {
        // OAuth-style bodies from the token endpoint.
        let e = v.get("error")?.as_str()?;
        Some(match v.get("error_description").and_then(|d| d.as_str()) {
            Some(d) => format!("{e}: {d}"),
            None => e.to_string(),
        })
    })
}

/// `e` with a password in its URL (userinfo of the base URL) masked: reqwest prints the URL.
pub(crate) fn redact_error(mut e: reqwest::Error) -> reqwest::Error {
    if let Some(url) = e.url_mut() {
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
    }
    e
}

pub(crate) fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// reqwest's Display drops the cause chain, which is where the useful part is.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    // A password in the base URL (userinfo) is masked wherever the URL is printed.
    match e.url().and_then(|u| u.password()) {
        Some(password) if !password.is_empty() => out.replace(&format!(":{password}@"), ":***@"),
        _ => out,
    }
}

impl<E: serde::Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(e: progenitor_client::Error<E>) -> Error {
        use progenitor_client::Error as P;
        match e {
            P::InvalidRequest(m) => Error::InvalidInput(m),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => Error::from_reqwest(e),
            P::ErrorResponse(rv) => {
                let status = rv.status().as_u16();
                let headers = rv.headers().clone();
                let body = serde_json::to_vec(&*rv).unwrap_or_default();
                Error::from_response_parts(status, &headers, &body)
            }
            P::InvalidResponsePayload(bytes, e) => {
                Error::Decode { message: format!("{e} (body starts {:?})", preview(&bytes)), source: Some(Box::new(e)) }
            }
            P::UnexpectedResponse(r) => Error::from_response_parts(r.status().as_u16(), r.headers(), &[]),
            P::Custom(m) => decode_custom(m),
        }
    }
}

/// Marks a `Custom` message as one of our errors: prefix, kind name, NUL, message.
const CUSTOM_PREFIX: &str = "\u{1}kontext:";

/// An SDK error as the message of progenitor's `Error::Custom` (see `transport::post`).
pub(crate) fn encode_custom(e: &Error) -> String {
    let limit = e.limit().unwrap_or(0);
    format!("{CUSTOM_PREFIX}{}\u{0}{limit}\u{0}{}", e.kind().name(), e.message())
}

fn decode_custom(m: String) -> Error {
    let Some(rest) = m.strip_prefix(CUSTOM_PREFIX) else {
        return Error::Connection { message: m, source: None };
    };
    let mut parts = rest.splitn(3, '\u{0}');
    let (kind, limit, message) = (parts.next(), parts.next(), parts.next().unwrap_or_default().to_string());
    match kind {
        Some("TimeoutError") => Error::Timeout { message, source: None },
        Some("DecodeError") => Error::Decode { message, source: None },
        Some("InvalidInput") => Error::InvalidInput(message),
        Some("ResponseTooLarge") => {
            Error::ResponseTooLarge { message, limit: limit.and_then(|l| l.parse().ok()).unwrap_or(0) }
        }
        _ => Error::Connection { message, source: None },
    }
}

pub(crate) fn preview(bytes: &Bytes) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned()
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error a body over its limit ends with; found again in the error chain by
/// [`Error::from_reqwest`].
#[derive(Debug, thiserror::Error)]
#[error("the {what} is larger than the {limit}-byte limit ({option})")]
pub(crate) struct TooLarge {
    pub limit: u64,
    pub what: &'static str,
    pub option: &'static str,
}
