//! The operation table (generated from the spec) and the untyped call path the language
//! bindings use: the same validation, transport and error decoding as the typed client.

use crate::error::{Error, Result};
use crate::pagination::{Next, PageState};
use bytes::Bytes;
use std::sync::OnceLock;

/// One operation of the spec.
#[derive(Debug)]
pub struct OpSpec {
    /// `applications_rotateSecret`
    pub id: &'static str,
    /// The generated Rust method (`applications_rotate_secret`), which progenitor reports
    /// to the hooks as the operation id.
    pub rust_method: &'static str,
    pub namespace: &'static str,
    pub method: &'static str,
    pub http_method: &'static str,
    /// Relative to the `/api/v1` base, with `{name}` placeholders.
    pub path: &'static str,
    pub path_params: &'static [ParamSpec],
    pub query_params: &'static [ParamSpec],
    /// Sent as request headers; bindings pass them with the query values, by `name`.
    pub header_params: &'static [ParamSpec],
    pub body: BodyKind,
    pub success_status: u16,
    pub has_response_body: bool,
    pub pagination: Option<PaginationKind>,
    /// Response headers the answer carries as properties of its JSON object.
    pub response_headers: &'static [HeaderProperty],
}

/// A response header copied into the answer's object (`ETag` → `"etag"`), so that every
/// language reads it where it reads the rest of the result.
#[derive(Debug)]
pub struct HeaderProperty {
    pub header: &'static str,
    pub property: &'static str,
}

#[derive(Debug)]
pub struct ParamSpec {
    /// The argument's name (for a query parameter also its wire name: `limit`; for a header
    /// parameter its camelCase form: `ifMatch`).
    pub name: &'static str,
    /// The HTTP header of a header parameter (`If-Match`).
    pub header: Option<&'static str>,
    pub kind: ParamKind,
    pub required: bool,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Integer,
    Number,
    Boolean,
    Enum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Required,
    Optional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaginationKind {
    Cursor,
    Offset,
}

include!(concat!(env!("OUT_DIR"), "/op_table.rs"));

/// The operation with this operationId (or generated Rust method name).
pub fn find(id: &str) -> Option<&'static OpSpec> {
    // Sorted once; a binary search beats hashing the name on every call.
    static INDEX: OnceLock<Vec<(&'static str, &'static OpSpec)>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut v: Vec<_> = OPERATIONS.iter().flat_map(|o| [(o.id, o), (o.rust_method, o)]).collect();
        v.sort_unstable_by_key(|(name, _)| *name);
        v
    });
    index.binary_search_by_key(&id, |(name, _)| name).ok().map(|i| index[i].1)
}

/// Checks a built request against its operation before anything is sent: every path
/// parameter present and non-empty, query values of the right type and range, no unknown
/// query parameter, a body where one is required.
pub fn validate(op: &OpSpec, request: &reqwest::Request) -> std::result::Result<(), String> {
    let op_id = op.id;
    let path = request.url().path();
    // The request path is `<base path>/<template>`: compare the template with the tail.
    let template_len = op.path.split('/').count() - 1;
    let mut actual = path.rsplit('/').take(template_len).collect::<smallvec::SmallVec<[&str; 8]>>();
    if actual.len() < template_len {
        return Err(format!("{op_id}: malformed path {path}"));
    }
    actual.reverse();
    for (t, a) in op.path.trim_start_matches('/').split('/').zip(actual) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            if a.is_empty() || percent_encoding::percent_decode_str(a).decode_utf8_lossy().trim().is_empty() {
                return Err(format!("path parameter `{name}` must not be empty"));
            }
        } else if t != a {
            return Err(format!("path parameter before `{t}` must not be empty or contain '/'"));
        }
    }
    let mut seen = smallvec::SmallVec::<[&str; 8]>::new();
    for (name, value) in request.url().query_pairs() {
        let spec = op
            .query_params
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| format!("unknown query parameter `{name}` for {op_id}"))?;
        check_value(spec, &value)?;
        seen.push(spec.name);
    }
    if let Some(missing) = op.query_params.iter().find(|p| p.required && !seen.contains(&p.name)) {
        return Err(format!("query parameter `{}` is required", missing.name));
    }
    if op.body == BodyKind::Required && request.body().is_none() {
        return Err(format!("{op_id} needs a request body"));
    }
    Ok(())
}

fn check_value(spec: &ParamSpec, value: &str) -> std::result::Result<(), String> {
    let name = spec.name;
    match spec.kind {
        ParamKind::Integer => {
            let n: i64 = value.parse().map_err(|_| format!("`{name}` must be an integer (got {value:?})"))?;
            let (lo, hi) = (spec.minimum.unwrap_or(i64::MIN), spec.maximum.unwrap_or(i64::MAX));
            if n < lo || n > hi {
                return Err(match (spec.minimum, spec.maximum) {
                    (Some(lo), Some(hi)) => {
                        format!("`{name}` must be between {lo} and {hi} (got {n})")
                    }
                    (Some(lo), None) => format!("`{name}` must be at least {lo} (got {n})"),
                    _ => format!("`{name}` must be at most {hi} (got {n})"),
                });
            }
        }
        ParamKind::Number => {
            value.parse::<f64>().map_err(|_| format!("`{name}` must be a number (got {value:?})"))?;
        }
        ParamKind::Boolean => {
            if value != "true" && value != "false" {
                return Err(format!("`{name}` must be true or false (got {value:?})"));
            }
        }
        ParamKind::String | ParamKind::Enum => {}
    }
    Ok(())
}

/// Arguments of an untyped call: path values in path order, query values, JSON body.
#[derive(Debug, Clone, Default)]
pub struct CallArgs {
    pub path: Vec<String>,
    /// `null` values are left out; booleans and numbers are sent as their JSON text.
    pub query: Vec<(String, serde_json::Value)>,
    pub body: Option<serde_json::Value>,
}

/// A successful untyped answer: the body is JSON (checked) or empty.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Bytes,
}

impl crate::Client {
    /// Calls an operation by its operationId, for bindings and generic tools.
    pub async fn call(&self, op_id: &str, args: &CallArgs) -> Result<RawResponse> {
        let op = find(op_id).ok_or_else(|| Error::InvalidInput(format!("unknown operation {op_id:?}")))?;
        self.call_op(op, args).await
    }

    pub(crate) async fn call_op(&self, op: &'static OpSpec, args: &CallArgs) -> Result<RawResponse> {
        use progenitor_client::ClientInfo;
        let request = self.build_request(op, args)?;
        validate(op, &request).map_err(Error::InvalidInput)?;
        let response = self.inner().execute(request, op).await.map_err(Error::from_reqwest)?;
        if let Some(e) = crate::call::take_core_failure(&response) {
            return Err(e);
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::from_reqwest)?;
        if !(200..300).contains(&status) {
            return Err(Error::from_response_parts(status, &headers, &body));
        }
        if op.has_response_body {
            // Skipping over a string does not check its UTF-8; the bindings would then fail
            // (or decode lossily) on their own.
            if let Err(e) = std::str::from_utf8(&body) {
                return Err(Error::decode(format!("the response body is not UTF-8: {e}"), &body, Box::new(e)));
            }
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
                return Err(Error::decode(
                    format!("{e} (body starts {:?})", crate::error::preview(&body)),
                    &body,
                    Box::new(e),
                ));
            }
        }
        Ok(RawResponse { status, request_id: crate::error::header_str(&headers, "x-request-id"), body })
    }

    fn build_request(&self, op: &OpSpec, args: &CallArgs) -> Result<reqwest::Request> {
        use progenitor_client::ClientInfo;
        if args.path.len() != op.path_params.len() {
            return Err(Error::InvalidInput(format!(
                "{} takes {} path parameter(s), got {}",
                op.id,
                op.path_params.len(),
                args.path.len()
            )));
        }
        let mut path = op.path.to_string();
        for (spec, value) in op.path_params.iter().zip(&args.path) {
            if value.trim().is_empty() {
                return Err(Error::InvalidInput(format!("path parameter `{}` must not be empty", spec.name)));
            }
            let encoded = percent_encoding::utf8_percent_encode(value, SEGMENT).to_string();
            path = path.replace(&format!("{{{}}}", spec.name), &encoded);
        }
        let method = reqwest::Method::from_bytes(op.http_method.as_bytes())
            .map_err(|_| Error::InvalidInput(format!("bad method {}", op.http_method)))?;
        let mut query: Vec<(&str, String)> = Vec::with_capacity(args.query.len());
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &args.query {
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Bool(_) | serde_json::Value::Number(_) => value.to_string(),
                other => return Err(Error::InvalidInput(format!("`{name}` must be a scalar (got {other})"))),
            };
            match op.header_params.iter().find(|p| p.name == name) {
                Some(ParamSpec { header: Some(header), .. }) => {
                    headers.insert(*header, header_value(name, text)?);
                }
                _ => query.push((name, text)),
            }
        }
        let mut builder = self
            .client()
            .request(method, format!("{}{}", self.baseurl(), path))
            .header(reqwest::header::ACCEPT, "application/json")
            .headers(headers);
        if !query.is_empty() {
            builder = builder.query(&query);
        }
        match (&args.body, op.body) {
            (Some(_), BodyKind::None) => {
                return Err(Error::InvalidInput(format!("{} takes no request body", op.id)));
            }
            (Some(body), _) => builder = builder.json(body),
            (None, BodyKind::Required) => {
                return Err(Error::InvalidInput(format!("{} needs a request body", op.id)));
            }
            (None, _) => {}
        }
        builder.build().map_err(Error::from_reqwest)
    }

    /// A lazy walk over every page of a paginated operation, starting where `args` says
    /// (a `cursor` or `offset` in the query resumes there).
    pub fn pager(&self, op_id: &str, args: CallArgs) -> Result<Pager> {
        let op = find(op_id).ok_or_else(|| Error::InvalidInput(format!("unknown operation {op_id:?}")))?;
        let kind = op.pagination.ok_or_else(|| Error::InvalidInput(format!("{op_id} is not paginated")))?;
        let start = match kind {
            PaginationKind::Cursor => Next::Start,
            PaginationKind::Offset => {
                Next::Offset(args.query.iter().find(|(k, _)| k == "offset").and_then(|(_, v)| v.as_u64()).unwrap_or(0))
            }
        };
        let state = PageState::with_max_pages(start, self.limits().max_pages);
        Ok(Pager { client: self.clone(), op, args, state })
    }
}

/// The item count and next cursor of a page body (`nextCursor` only for cursor walks).
pub fn decode_envelope(op: &OpSpec, body: &[u8]) -> Result<(usize, Option<String>)> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        items: Vec<serde::de::IgnoredAny>,
        #[serde(rename = "nextCursor")]
        next_cursor: Option<String>,
    }
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|e| Error::decode(format!("page of {} has no `items` list: {e}", op.id), body, Box::new(e)))?;
    let next_cursor = match op.pagination {
        Some(PaginationKind::Cursor) => envelope.next_cursor,
        _ => None,
    };
    Ok((envelope.items.len(), next_cursor))
}

/// The longest header value an argument may carry: far above any entity tag, far below
/// what servers refuse.
const MAX_HEADER_VALUE: usize = 4096;

/// A header argument as a header value: visible ASCII and spaces only (no line breaks that
/// could smuggle another header), bounded.
fn header_value(name: &str, text: String) -> Result<reqwest::header::HeaderValue> {
    if text.len() > MAX_HEADER_VALUE {
        return Err(Error::InvalidInput(format!("`{name}` is longer than {MAX_HEADER_VALUE} bytes")));
    }
    if !text.bytes().all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b)) {
        return Err(Error::InvalidInput(format!(
            "`{name}` must be visible ASCII (no line breaks or control characters)"
        )));
    }
    reqwest::header::HeaderValue::from_str(&text).map_err(|e| Error::InvalidInput(format!("`{name}`: {e}")))
}

const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Pages of an untyped paginated operation.
#[derive(Debug)]
pub struct Pager {
    client: crate::Client,
    op: &'static OpSpec,
    args: CallArgs,
    state: PageState,
}

/// One page: the raw body (the bindings decode `items`) and what comes next.
#[derive(Debug, Clone)]
pub struct RawPage {
    pub body: Bytes,
    pub len: usize,
    pub next_cursor: Option<String>,
}

impl Pager {
    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<RawPage>> {
        let name = match self.state.next() {
            Next::Done => return Ok(None),
            Next::Start => None,
            Next::Cursor(c) => Some(("cursor", serde_json::Value::String(c.clone()))),
            Next::Offset(o) => Some(("offset", serde_json::Value::from(*o))),
        };
        if let Some((key, value)) = name {
            self.args.query.retain(|(k, _)| k != key);
            self.args.query.push((key.to_string(), value));
        }
        let response = self.client.call_op(self.op, &self.args).await?;
        let (len, next_cursor) = decode_envelope(self.op, &response.body)?;
        self.state.advance(len, next_cursor.clone(), self.op.pagination == Some(PaginationKind::Offset))?;
        Ok(Some(RawPage { body: response.body, len, next_cursor }))
    }

    /// Continues the walk with another client (after `fork()`, the parent's connections
    /// and runtime are not usable in the child).
    pub fn set_client(&mut self, client: crate::Client) {
        self.client = client;
    }

    /// Where to resume a later walk (the cursor of the page not yet fetched).
    pub fn resume_cursor(&self) -> Option<&str> {
        match self.state.next() {
            Next::Cursor(c) => Some(c),
            _ => None,
        }
    }
}
