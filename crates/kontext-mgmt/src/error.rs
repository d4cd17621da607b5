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
    /// The server answered 2xx with a body that is not what the spec says. `message`
    /// names what is wrong (e.g. the missing required field); `body` is the raw body when
    /// there was one.
    #[error("could not decode the response: {message}")]
    Decode {
        message: String,
        body: Option<RawBody>,
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
            412 => ErrorKind::PreconditionFailed,
            422 => ErrorKind::UnprocessableEntity,
            428 => ErrorKind::PreconditionRequired,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::ApiError,
        }
    }
}

/// The raw body of a 2xx answer that could not be decoded, read with [`Error::body`].
/// `Debug` prints only its size: a success body may hold a credential (a new client secret).
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody(String);

impl RawBody {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawBody({} bytes)", self.0.len())
    }
}

/// An error answer of the API.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    /// What the body explains: the server's `message` (validation messages joined with
    /// "; "), or for a body without one its `error` code, then the missing scopes and
    /// the hint when the body names them (bounded: see [`ErrorBody`]).
    pub message: String,
    /// The `x-request-id` header: quote it when reporting a problem.
    pub request_id: Option<String>,
    /// The raw body as received.
    pub body: String,
    /// For 429 (and 503): how long the server asked us to wait.
    pub retry_after: Option<Duration>,
    /// The scopes the credentials lack, when the body lists them (`missingScopes`, as in
    /// a 403 `{"error": "insufficient_scope", "missingScopes": [...], "hint": "..."}`).
    pub missing_scopes: Vec<String>,
    /// What is wrong where, when the body lists `diagnostics` (a 422 for policy text that
    /// is not valid Cedar).
    pub diagnostics: Vec<Diagnostic>,
}

/// One finding in an error body's `diagnostics` (e.g. of the Cedar parser or validator).
/// Bounded like the rest of [`ErrorBody`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// `error` or `warning` (other values are kept as sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    pub message: String,
    /// The policy it is about (`policy0` is the first in the text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// Byte offsets in the text the request sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<u64>,
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

    /// The scopes a 403 says the credentials lack (empty when the body names none).
    pub fn missing_scopes(&self) -> &[String] {
        self.api().map_or(&[], |e| e.missing_scopes.as_slice())
    }

    /// The findings a 422 lists (`diagnostics`; empty when the body names none).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        self.api().map_or(&[], |e| e.diagnostics.as_slice())
    }

    /// The raw body of an API error, or of a success answer that could not be decoded.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(&e.body),
            Error::Decode { body, .. } => body.as_ref().map(RawBody::as_str),
            _ => None,
        }
    }

    /// A decode error of a 2xx answer, keeping its raw body (lossy UTF-8).
    pub(crate) fn decode(message: String, body: &[u8], source: Box<dyn std::error::Error + Send + Sync>) -> Error {
        Error::Decode { message, body: Some(RawBody(String::from_utf8_lossy(body).into_owned())), source: Some(source) }
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
        Error::api_answer(status, header_str(headers, "x-request-id"), crate::wire::retry_after(headers), body)
    }

    /// An error answer, whatever the shape of its body.
    fn api_answer(status: u16, request_id: Option<String>, retry_after: Option<Duration>, body: &[u8]) -> Error {
        let parsed = ErrorBody::parse(body);
        let message = parsed.message().unwrap_or_else(|| {
            reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("error").to_string()
        });
        Error::Api(Box::new(ApiError {
            status,
            message,
            request_id,
            body: String::from_utf8_lossy(body).into_owned(),
            retry_after,
            missing_scopes: parsed.missing_scopes,
            diagnostics: parsed.diagnostics,
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
            Error::Decode { message, body: None, source: Some(Box::new(e)) }
        } else if e.is_builder() {
            Error::InvalidInput(message)
        } else {
            Error::Connection { message, source: Some(Box::new(e)) }
        }
    }
}

/// What an error body explains, in any of the shapes the API uses: `{message, statusCode,
/// error}` with `message` a string or a list of validation messages, the newer surface's
/// `{error, missingScopes, hint}`, and OAuth's `{error, error_description}`. Everything is
/// read from the wire, so it is bounded: at most [`ErrorBody::MAX_ITEMS`] messages or
/// scopes, each cut to [`ErrorBody::MAX_TEXT`] characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `message`: a string, or the validation messages of a list.
    pub messages: Vec<String>,
    /// How many messages the list had beyond those kept.
    pub more_messages: usize,
    /// `error`: a code such as `insufficient_scope` (or a reason phrase such as `Not Found`).
    pub error: Option<String>,
    /// `error_description` (OAuth).
    pub description: Option<String>,
    /// `missingScopes` (or `missing_scopes`).
    pub missing_scopes: Vec<String>,
    /// How many scopes the list had beyond those kept.
    pub more_scopes: usize,
    /// `hint`.
    pub hint: Option<String>,
    /// `diagnostics`: objects with at least a `message`.
    pub diagnostics: Vec<Diagnostic>,
    /// How many diagnostics the list had beyond those kept.
    pub more_diagnostics: usize,
}

impl ErrorBody {
    /// Messages or scopes kept from one list.
    pub const MAX_ITEMS: usize = 20;
    /// Characters kept of one message, scope, code or hint.
    pub const MAX_TEXT: usize = 500;

    /// The parts of a JSON error body; empty for anything else.
    pub fn parse(body: &[u8]) -> ErrorBody {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => ErrorBody::of(&map),
            _ => ErrorBody::default(),
        }
    }

    fn of(map: &serde_json::Map<String, serde_json::Value>) -> ErrorBody {
        let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(clamp).filter(|s| !s.is_empty());
        let list = |v: Option<&serde_json::Value>| -> (Vec<String>, usize) {
            match v {
                Some(serde_json::Value::String(s)) if !s.is_empty() => (vec![clamp(s)], 0),
                Some(serde_json::Value::Array(items)) => {
                    let strings = items.iter().filter_map(|i| i.as_str()).filter(|s| !s.is_empty());
                    let total = strings.clone().count();
                    let kept: Vec<String> = strings.take(Self::MAX_ITEMS).map(clamp).collect();
                    let more = total - kept.len();
                    (kept, more)
                }
                _ => (Vec::new(), 0),
            }
        };
        let (messages, more_messages) = list(map.get("message"));
        let (missing_scopes, more_scopes) = list(map.get("missingScopes").or_else(|| map.get("missing_scopes")));
        let (diagnostics, more_diagnostics) = match map.get("diagnostics") {
            Some(serde_json::Value::Array(items)) => {
                let mut found = items.iter().filter_map(diagnostic);
                let kept: Vec<Diagnostic> = found.by_ref().take(Self::MAX_ITEMS).collect();
                (kept, found.count())
            }
            _ => (Vec::new(), 0),
        };
        ErrorBody {
            messages,
            more_messages,
            error: text("error"),
            description: text("error_description"),
            missing_scopes,
            more_scopes,
            hint: text("hint"),
            diagnostics,
            more_diagnostics,
        }
    }

    /// One line: the message (or the error code, with OAuth's description), then the
    /// missing scopes and the hint. `None` when the body explains nothing.
    pub fn message(&self) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        if !self.messages.is_empty() {
            let mut m = self.messages.join("; ");
            if self.more_messages > 0 {
                m.push_str(&format!("; … ({} more)", self.more_messages));
            }
            parts.push(m);
        } else if let Some(code) = &self.error {
            parts.push(match &self.description {
                Some(d) => format!("{code}: {d}"),
                None => code.clone(),
            });
        }
        if !self.missing_scopes.is_empty() {
            let mut m = format!("missing scopes: {}", self.missing_scopes.join(", "));
            if self.more_scopes > 0 {
                m.push_str(&format!(", … ({} more)", self.more_scopes));
            }
            parts.push(m);
        }
        if let Some(hint) = &self.hint {
            parts.push(format!("hint: {hint}"));
        }
        if let Some(first) = self.diagnostics.first() {
            let mut m = first.message.clone();
            if let Some(id) = &first.policy_id {
                m.push_str(&format!(" ({id}"));
                if let (Some(a), Some(b)) = (first.start, first.end) {
                    m.push_str(&format!(" at {a}..{b}"));
                }
                m.push(')');
            }
            let more = self.diagnostics.len() - 1 + self.more_diagnostics;
            if more > 0 {
                m.push_str(&format!(", … ({more} more)"));
            }
            parts.push(m);
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// One `diagnostics` item: an object with a non-empty `message`; anything else is skipped.
fn diagnostic(v: &serde_json::Value) -> Option<Diagnostic> {
    let o = v.as_object()?;
    let text = |key: &str| o.get(key).and_then(|v| v.as_str()).map(clamp).filter(|s| !s.is_empty());
    let offset = |key: &str| o.get(key).and_then(serde_json::Value::as_u64);
    Some(Diagnostic {
        severity: text("severity"),
        message: text("message")?,
        policy_id: text("policyId"),
        start: offset("start"),
        end: offset("end"),
    })
}

/// `s` cut to [`ErrorBody::MAX_TEXT`] characters (an ellipsis marks the cut).
fn clamp(s: &str) -> String {
    match s.char_indices().nth(ErrorBody::MAX_TEXT) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
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
                Error::decode(format!("{e} (body starts {:?})", preview(&bytes)), &bytes, Box::new(e))
            }
            P::UnexpectedResponse(r) => Error::from_response_parts(r.status().as_u16(), r.headers(), &[]),
            P::Custom(m) => decode_custom(m),
        }
    }
}

/// Marks a `Custom` message as one of our errors: prefix, kind name, NUL, limit, NUL, message.
const CUSTOM_PREFIX: &str = "\u{1}kontext:";
/// Marks a `Custom` message as an API error: prefix, then status, retry-after in
/// milliseconds, request id and raw body, separated by NULs (the body last: it may hold any
/// character; a header value holds no NUL).
const CUSTOM_API_PREFIX: &str = "\u{1}kontext-api:";

/// An SDK error as the message of progenitor's `Error::Custom` (see `transport::post` and
/// `hooks::exec`), decoded again without loss by `From<progenitor_client::Error>`.
pub(crate) fn encode_custom(e: &Error) -> String {
    if let Error::Api(a) = e {
        let wait = a.retry_after.map(|d| d.as_millis().to_string()).unwrap_or_default();
        let id = a.request_id.as_deref().unwrap_or_default();
        return format!("{CUSTOM_API_PREFIX}{}\u{0}{wait}\u{0}{id}\u{0}{}", a.status, a.body);
    }
    let limit = e.limit().unwrap_or(0);
    format!("{CUSTOM_PREFIX}{}\u{0}{limit}\u{0}{}", e.kind().name(), e.message())
}

fn decode_custom(m: String) -> Error {
    if let Some(rest) = m.strip_prefix(CUSTOM_API_PREFIX) {
        let mut parts = rest.splitn(4, '\u{0}');
        let status = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let wait = parts.next().and_then(|s| s.parse().ok()).map(Duration::from_millis);
        let id = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
        return Error::api_answer(status, id, wait, parts.next().unwrap_or_default().as_bytes());
    }
    let Some(rest) = m.strip_prefix(CUSTOM_PREFIX) else {
        return Error::Connection { message: m, source: None };
    };
    let mut parts = rest.splitn(3, '\u{0}');
    let (kind, limit, message) = (parts.next(), parts.next(), parts.next().unwrap_or_default().to_string());
    match kind {
        Some("TimeoutError") => Error::Timeout { message, source: None },
        Some("DecodeError") => Error::Decode { message, body: None, source: None },
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

#[cfg(test)]
mod tests {
    use super::{Diagnostic, ErrorBody};

    #[test]
    fn error_bodies_of_every_shape() {
        let m = |body: &str| ErrorBody::parse(body.as_bytes()).message();
        assert_eq!(
            m(r#"{"message":"no such application","statusCode":404,"error":"Not Found"}"#).unwrap(),
            "no such application"
        );
        assert_eq!(m(r#"{"message":["a","b"],"statusCode":400}"#).unwrap(), "a; b");
        assert_eq!(
            m(r#"{"error":"insufficient_scope","missingScopes":["x:y"],"hint":"ask"}"#).unwrap(),
            "insufficient_scope; missing scopes: x:y; hint: ask"
        );
        assert_eq!(
            m(r#"{"error":"invalid_client","error_description":"bad secret"}"#).unwrap(),
            "invalid_client: bad secret"
        );
        assert_eq!(ErrorBody::parse(br#"{"missing_scopes":["a"]}"#).missing_scopes, ["a"]);
        assert_eq!(m("not json"), None);
        assert_eq!(m("[1]"), None);
        assert_eq!(m(r#"{"message":[1,{}]}"#), None);
    }

    #[test]
    fn what_the_wire_says_is_bounded() {
        let many: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
        let body = serde_json::json!({"message": many, "missingScopes": many, "hint": "h".repeat(100_000)});
        let parsed = ErrorBody::parse(body.to_string().as_bytes());
        assert_eq!((parsed.messages.len(), parsed.more_messages), (ErrorBody::MAX_ITEMS, 980));
        assert_eq!(parsed.missing_scopes.len(), ErrorBody::MAX_ITEMS);
        let message = parsed.message().unwrap();
        assert!(message.contains("; … (980 more); missing scopes: m0, "), "{message}");
        assert!(
            message.chars().count() < 3 * ErrorBody::MAX_ITEMS * 8 + ErrorBody::MAX_TEXT + 100,
            "{}",
            message.len()
        );
        let long = serde_json::json!({"message": "x".repeat(10_000)}).to_string();
        assert_eq!(ErrorBody::parse(long.as_bytes()).message().unwrap().chars().count(), ErrorBody::MAX_TEXT + 1);
    }

    #[test]
    fn diagnostics_are_read_typed_and_bounded() {
        let body = serde_json::json!({
            "message": "The policy is not valid Cedar",
            "diagnostics": [
                {"severity": "error", "message": "unexpected token `permitt`", "policyId": "policy0", "start": 0, "end": 7},
                {"message": "second", "start": -1, "end": "x", "extra": true},
                {"severity": "error"}, "text", 7
            ]
        });
        let parsed = ErrorBody::parse(body.to_string().as_bytes());
        assert_eq!(parsed.diagnostics.len(), 2, "items without a message are skipped");
        assert_eq!(
            parsed.diagnostics[0],
            Diagnostic {
                severity: Some("error".into()),
                message: "unexpected token `permitt`".into(),
                policy_id: Some("policy0".into()),
                start: Some(0),
                end: Some(7)
            }
        );
        assert_eq!((parsed.diagnostics[1].start, parsed.diagnostics[1].end), (None, None));
        assert_eq!(
            parsed.message().unwrap(),
            "The policy is not valid Cedar; unexpected token `permitt` (policy0 at 0..7), … (1 more)"
        );
        let many: Vec<serde_json::Value> =
            (0..500).map(|i| serde_json::json!({"message": "d".repeat(10_000 + i)})).collect();
        let parsed = ErrorBody::parse(serde_json::json!({ "diagnostics": many }).to_string().as_bytes());
        assert_eq!((parsed.diagnostics.len(), parsed.more_diagnostics), (ErrorBody::MAX_ITEMS, 480));
        assert!(parsed.diagnostics.iter().all(|d| d.message.chars().count() == ErrorBody::MAX_TEXT + 1));
    }
}
