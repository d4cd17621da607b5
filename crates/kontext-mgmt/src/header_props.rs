//! Response headers that the spec makes properties of the result (`ETag` → `"etag"`): the
//! answer's JSON object gets them as string members before anyone decodes it, so the typed
//! Rust client and every binding read them like any other field.

use crate::ops::OpSpec;
use bytes::{Bytes, BytesMut};
use http_body::{Body as HttpBody, Frame};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Longest header value copied in; a longer one (no real entity tag is) is left out.
const MAX_VALUE: usize = 4096;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `response` with the operation's header properties added to its JSON object body. Only
/// 2xx answers of operations that declare such headers are touched; the body is still read
/// through the size limit already on it, and its errors pass through unchanged.
pub(crate) fn add_header_properties(response: reqwest::Response, op: &OpSpec) -> reqwest::Response {
    if op.response_headers.is_empty() || !response.status().is_success() {
        return response;
    }
    let props: Vec<(&'static str, String)> = op
        .response_headers
        .iter()
        .filter_map(|h| {
            let value = response.headers().get(h.header)?.to_str().ok()?;
            if value.len() > MAX_VALUE {
                tracing::warn!(header = h.header, len = value.len(), "response header too long; left out");
                return None;
            }
            Some((h.property, value.to_owned()))
        })
        .collect();
    if props.is_empty() {
        return response;
    }
    let response: http::Response<reqwest::Body> = response.into();
    let (mut parts, body) = response.into_parts();
    // The body's length changes.
    parts.headers.remove(http::header::CONTENT_LENGTH);
    let body = WithProperties { inner: body, buf: BytesMut::new(), props, done: false };
    reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)))
}

/// Collects the (already size-limited) body and yields it once, rewritten, at its end.
struct WithProperties {
    inner: reqwest::Body,
    buf: BytesMut,
    props: Vec<(&'static str, String)>,
    done: bool,
}

impl HttpBody for WithProperties {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        this.buf.extend_from_slice(&data);
                    }
                }
                Poll::Ready(None) => {
                    this.done = true;
                    let body = std::mem::take(&mut this.buf).freeze();
                    return Poll::Ready(Some(Ok(Frame::data(with_members(body, &this.props)))));
                }
            }
        }
    }
}

/// The JSON object `body` with `props` as string members (replacing members of the same
/// name); any other body unchanged, for the decoder to judge.
fn with_members(body: Bytes, props: &[(&'static str, String)]) -> Bytes {
    let Ok(serde_json::Value::Object(mut map)) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    for (name, value) in props {
        map.insert((*name).to_owned(), serde_json::Value::String(value.clone()));
    }
    serde_json::to_vec(&serde_json::Value::Object(map)).map(Bytes::from).unwrap_or(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_added_to_objects_only() {
        let props = [("etag", "\"v1\"".to_owned())];
        let out = with_members(Bytes::from_static(br#"{"a":1,"etag":"stale"}"#), &props);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(v, serde_json::json!({"a": 1, "etag": "\"v1\""}));
        for other in [&b"[1,2]"[..], b"not json", b""] {
            assert_eq!(with_members(Bytes::copy_from_slice(other), &props), other);
        }
    }
}
