//! What a handler answers: [`Out`] (a response before it becomes an HTTP response) and
//! [`ApiError`].

use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{json, Map, Value};

/// A response before it becomes an HTTP response (so faults can still cut its body).
pub struct Out {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub json: bool,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Out {
    pub fn json(status: StatusCode, v: &Value) -> Out {
        Out { status, body: serde_json::to_vec(v).unwrap_or_default(), json: true, headers: Vec::new() }
    }

    pub fn empty(status: StatusCode) -> Out {
        Out { status, body: Vec::new(), json: false, headers: Vec::new() }
    }

    /// The NestJS-style error body `{message, statusCode, error}`.
    pub fn error(status: StatusCode, message: &str) -> Out {
        Out::json(
            status,
            &json!({
                "message": message,
                "statusCode": status.as_u16(),
                "error": status.canonical_reason().unwrap_or("Error"),
            }),
        )
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> Out {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }
}

/// An API error: becomes `{message, statusCode, error}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub retry_after: Option<u64>,
    /// Fields that replace or join the standard body (`error`, `missingScopes`, `diagnostics`, …).
    pub extra: Option<Map<String, Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), retry_after: None, extra: None }
    }
    pub fn bad_request(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, m)
    }
    pub fn not_found(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, m)
    }
    pub fn conflict(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, m)
    }
    /// A 412 `precondition_failed`.
    pub fn precondition_failed(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PRECONDITION_FAILED, m).with("error", json!("precondition_failed"))
    }
    /// Adds (or replaces) a field of the error body.
    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        self.extra.get_or_insert_with(Map::new).insert(key.to_owned(), value);
        self
    }
    pub fn into_out(self) -> Out {
        let out = match self.extra {
            None => Out::error(self.status, &self.message),
            Some(extra) => {
                let mut body = json!({
                    "message": self.message,
                    "statusCode": self.status.as_u16(),
                    "error": self.status.canonical_reason().unwrap_or("Error"),
                });
                if let Some(obj) = body.as_object_mut() {
                    obj.extend(extra);
                }
                Out::json(self.status, &body)
            }
        };
        match self.retry_after {
            Some(s) => out.header(header::RETRY_AFTER, &s.to_string()),
            None => out,
        }
    }
}

pub fn not_found(method: &Method, path: &str) -> Out {
    Out::error(StatusCode::NOT_FOUND, &format!("Cannot {method} {path}"))
}
