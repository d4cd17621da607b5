//! The error kinds of every language, defined once (docs/ARCHITECTURE.md rule 7).
//!
//! The core's `ErrorKind` and the uniffi `KontextError` (Kotlin `KontextException`, Swift
//! `KontextError`) are generated from [`ERROR_KINDS`] by the build scripts; the Python and
//! Node generators take the class names from it. Adding a kind is one entry here.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// What a kind carries across the uniffi boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The server answered with an error status: status, message, request id, raw body.
    Api,
    /// As [`Shape::Api`], plus how long the server asked to wait.
    RateLimited,
    /// No answer (or nothing sent): a message only.
    Local,
    /// An answer that does not decode: the message and the raw body when there was one.
    Decode,
    /// A body over one of the client's size limits: the message and the limit in bytes.
    Limit,
}

/// One kind of error.
#[derive(Debug, Clone, Copy)]
pub struct ErrorKindDef {
    /// The class name in every language (Kotlin turns an `Error` suffix into `Exception`).
    pub name: &'static str,
    /// The official SDK's error code.
    pub code: &'static str,
    /// What it means, for the generated docs.
    pub doc: &'static str,
    pub shape: Shape,
    /// For local kinds: how the one-line message starts (`connection error: …`).
    pub prefix: &'static str,
}

const fn kind(name: &'static str, code: &'static str, doc: &'static str, shape: Shape) -> ErrorKindDef {
    ErrorKindDef { name, code, doc, shape, prefix: "" }
}

const fn local(name: &'static str, code: &'static str, doc: &'static str, prefix: &'static str) -> ErrorKindDef {
    ErrorKindDef { name, code, doc, shape: Shape::Local, prefix }
}

/// Every kind, in the order the docs list them.
pub const ERROR_KINDS: &[ErrorKindDef] = &[
    kind("BadRequest", "kontext_validation_error", "400: the server rejected the request.", Shape::Api),
    kind("Unauthorized", "kontext_authorization_required", "401: missing, invalid or expired credentials.", Shape::Api),
    kind("Forbidden", "kontext_policy_denied", "403: the credentials may not do this.", Shape::Api),
    kind("NotFound", "kontext_not_found", "404: no such resource.", Shape::Api),
    kind("Conflict", "kontext_conflict", "409: conflicts with the current state (e.g. a name in use).", Shape::Api),
    kind(
        "PreconditionFailed",
        "kontext_precondition_failed",
        "412: the `ifMatch` (or expected version) is stale: someone changed the resource since you read it; read it again and retry.",
        Shape::Api,
    ),
    kind(
        "UnprocessableEntity",
        "kontext_unprocessable_entity",
        "422: the request is well-formed but its content is invalid (e.g. policy text that is not valid Cedar); `diagnostics` says where.",
        Shape::Api,
    ),
    kind("PreconditionRequired", "kontext_precondition_required", "428: the change needs an `ifMatch` (the `etag` you read).", Shape::Api),
    kind(
        "RateLimited",
        "kontext_rate_limited",
        "429: too many requests; the error carries the wait the server asked for.",
        Shape::RateLimited,
    ),
    kind("ServerError", "kontext_server_error", "5xx: the server failed.", Shape::Api),
    kind(
        "ApiError",
        "kontext_api_error",
        "The server answered with an error status: the base of the status kinds, and the class of a status without one of its own (e.g. 408, 413).",
        Shape::Api,
    ),
    local(
        "ConnectionError",
        "kontext_connection_error",
        "The request never got an answer (DNS, refused, reset, TLS).",
        "connection error",
    ),
    local("TimeoutError", "kontext_timeout", "The request or the call's time budget ran out.", "timed out"),
    ErrorKindDef {
        name: "DecodeError",
        code: "kontext_decode_error",
        doc: "The server answered 2xx with a body that is not what the spec says (the body is kept).",
        shape: Shape::Decode,
        prefix: "could not decode the response",
    },
    local(
        "InvalidInput",
        "kontext_invalid_input",
        "The caller passed something the API cannot accept; nothing was sent.",
        "invalid input",
    ),
    ErrorKindDef {
        name: "ResponseTooLarge",
        code: "kontext_response_too_large",
        doc: "A response body was larger than the client's limit for it (`limit` bytes); the rest was not read.",
        shape: Shape::Limit,
        prefix: "response too large",
    },
];

impl ErrorKindDef {
    /// The class this kind's class extends in the bindings with a class hierarchy (Python,
    /// Node): `ApiError` for the kinds the server answers with, else `KontextError`.
    pub fn parent(&self) -> &'static str {
        match self.shape {
            Shape::Api | Shape::RateLimited if self.name != "ApiError" => "ApiError",
            _ => "KontextError",
        }
    }
}

/// The class names, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    ERROR_KINDS.iter().map(|k| k.name)
}

/// The core's `ErrorKind`: the enum, its name and code, and `ALL`.
pub fn core_kinds() -> TokenStream {
    let idents: Vec<_> = ERROR_KINDS.iter().map(|k| format_ident!("{}", k.name)).collect();
    let docs = ERROR_KINDS.iter().map(|k| k.doc);
    let names = ERROR_KINDS.iter().map(|k| k.name);
    let codes = ERROR_KINDS.iter().map(|k| k.code);
    let count = ERROR_KINDS.len();
    quote! {
        /// The kinds of [`Error`](crate::Error), named as the classes of every binding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            #( #[doc = #docs] #idents, )*
        }

        impl ErrorKind {
            /// Every kind, in the order the docs list them.
            pub const ALL: [ErrorKind; #count] = [ #( ErrorKind::#idents ),* ];

            /// The class name every binding uses.
            pub fn name(self) -> &'static str {
                match self { #( ErrorKind::#idents => #names, )* }
            }

            /// The official SDK's error code for this kind.
            pub fn code(self) -> &'static str {
                match self { #( ErrorKind::#idents => #codes, )* }
            }
        }
    }
}

/// The uniffi error enum and its conversion from the core's error.
///
/// Kotlin and Swift match on the variants (`when`/`catch`); everything else they read
/// (kind, code, status, request id, body, retry-after, message) comes from one exported
/// `info()` method, so their support files hold no per-kind tables.
pub fn uniffi_error() -> TokenStream {
    let variants = ERROR_KINDS.iter().map(|k| {
        let ident = format_ident!("{}", k.name);
        let doc = k.doc;
        match k.shape {
            Shape::Api => quote! {
                #[doc = #doc]
                #ident { status: i32, message: String, request_id: Option<String>, body: String }
            },
            Shape::RateLimited => quote! {
                #[doc = #doc]
                #ident { status: i32, message: String, request_id: Option<String>, body: String, retry_after: Option<Duration> }
            },
            Shape::Local => quote! { #[doc = #doc] #ident { message: String } },
            Shape::Decode => quote! { #[doc = #doc] #ident { message: String, body: Option<String> } },
            Shape::Limit => quote! { #[doc = #doc] #ident { message: String, limit: u64 } },
        }
    });
    // Core kind -> variant, reading the parts of the core error each shape needs.
    let from_arms = ERROR_KINDS.iter().map(|k| {
        let ident = format_ident!("{}", k.name);
        match k.shape {
            Shape::Api => quote! {
                K::#ident => match api {
                    Some(a) => KontextError::#ident { status: a.0, message, request_id: a.1, body: a.2 },
                    None => KontextError::ApiError { status: 0, message, request_id: None, body: String::new() },
                }
            },
            Shape::RateLimited => quote! {
                K::#ident => match api {
                    Some(a) => KontextError::#ident { status: a.0, message, request_id: a.1, body: a.2, retry_after: a.3 },
                    None => KontextError::ApiError { status: 0, message, request_id: None, body: String::new() },
                }
            },
            Shape::Local => quote! { K::#ident => KontextError::#ident { message } },
            Shape::Decode => quote! { K::#ident => KontextError::#ident { message, body: e.body().map(str::to_owned) } },
            Shape::Limit => quote! { K::#ident => KontextError::#ident { message, limit: e.limit().unwrap_or(0) } },
        }
    });
    let info_arms = ERROR_KINDS.iter().map(|k| {
        let ident = format_ident!("{}", k.name);
        match k.shape {
            Shape::Api => quote! {
                KontextError::#ident { status, message, request_id, body } => Parts {
                    kind: K::#ident, status: Some(*status), message, request_id: request_id.as_deref(),
                    body: Some(body), retry_after: None, limit: None,
                }
            },
            Shape::RateLimited => quote! {
                KontextError::#ident { status, message, request_id, body, retry_after } => Parts {
                    kind: K::#ident, status: Some(*status), message, request_id: request_id.as_deref(),
                    body: Some(body), retry_after: *retry_after, limit: None,
                }
            },
            Shape::Local => quote! {
                KontextError::#ident { message } => Parts {
                    kind: K::#ident, status: None, message, request_id: None, body: None, retry_after: None, limit: None,
                }
            },
            Shape::Decode => quote! {
                KontextError::#ident { message, body } => Parts {
                    kind: K::#ident, status: None, message, request_id: None, body: body.as_deref(),
                    retry_after: None, limit: None,
                }
            },
            Shape::Limit => quote! {
                KontextError::#ident { message, limit } => Parts {
                    kind: K::#ident, status: None, message, request_id: None, body: None, retry_after: None,
                    limit: Some(*limit),
                }
            },
        }
    });
    let prefix_arms = ERROR_KINDS.iter().filter(|k| !k.prefix.is_empty()).map(|k| {
        let ident = format_ident!("{}", k.name);
        let prefix = k.prefix;
        quote! { K::#ident => #prefix }
    });
    quote! {
        /// Everything a call can fail with. API errors carry the status, the server's message,
        /// the `x-request-id` and the raw body; `RateLimited` also how long the server asked
        /// to wait. (In Kotlin the message field is called `detail`: `Throwable.message` is
        /// taken.)
        #[derive(Debug, Clone, PartialEq, uniffi::Error)]
        #[uniffi::export(Display)]
        pub enum KontextError {
            #( #variants, )*
        }

        impl From<kontext_mgmt::Error> for KontextError {
            fn from(e: kontext_mgmt::Error) -> KontextError {
                use kontext_mgmt::ErrorKind as K;
                let message = e.message();
                let api = e.api().map(|a| (i32::from(a.status), a.request_id.clone(), a.body.clone(), a.retry_after));
                match e.kind() {
                    #( #from_arms, )*
                    // A kind newer than this binding: keep what it says.
                    _ => match api {
                        Some(a) => KontextError::ApiError { status: a.0, message, request_id: a.1, body: a.2 },
                        None => KontextError::InvalidInput { message },
                    },
                }
            }
        }

        impl KontextError {
            /// The core's kind and the parts every variant may carry.
            fn parts(&self) -> Parts<'_> {
                use kontext_mgmt::ErrorKind as K;
                match self { #( #info_arms, )* }
            }

            /// How the one-line message of a kind without an answer starts.
            fn prefix(kind: kontext_mgmt::ErrorKind) -> &'static str {
                use kontext_mgmt::ErrorKind as K;
                match kind {
                    #( #prefix_arms, )*
                    _ => "error",
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_unique() {
        let mut names: Vec<_> = names().collect();
        let mut codes: Vec<_> = ERROR_KINDS.iter().map(|k| k.code).collect();
        names.sort_unstable();
        names.dedup();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(names.len(), ERROR_KINDS.len());
        assert_eq!(codes.len(), ERROR_KINDS.len());
    }

    #[test]
    fn every_local_kind_has_a_prefix_and_the_generated_code_parses() {
        for k in ERROR_KINDS {
            let answered = matches!(k.shape, Shape::Api | Shape::RateLimited);
            assert_eq!(answered, k.prefix.is_empty(), "{}", k.name);
        }
        syn::parse2::<syn::File>(core_kinds()).expect("core kinds parse");
        syn::parse2::<syn::File>(uniffi_error()).expect("uniffi error parses");
    }
}
