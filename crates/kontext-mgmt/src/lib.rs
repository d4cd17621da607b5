//! Rust SDK for the [Kontext](https://kontext.dev) Management API.
//!
//! The client is generated at build time from `openapi/kontext-management.yaml` by
//! progenitor; this crate adds what every language binding shares: authentication with a
//! token cache, retries, timeouts, pagination, typed errors and logging.
//!
//! ```no_run
//! # async fn run() -> kontext_mgmt::Result<()> {
//! use futures::TryStreamExt;
//! let client = kontext_mgmt::Client::builder()
//!     .base_url("https://api.kontext.dev")
//!     .credentials("sa_…", "secret")
//!     .build()?;
//! let page = client.applications_list().limit(20).send().await?;
//! println!("{} applications", page.items.len());
//! let mut all = client.applications_list().limit(200).stream();
//! while let Some(app) = all.try_next().await? {
//!     println!("{}", app.name);
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod auth;
mod call;
mod client;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
mod header_props;
mod hooks;
pub mod limits;
pub mod logging;
// Binding plumbing: the generic call path, the pagination machinery of the generated client
// and the shared runtime, public for the bindings in bindings/ but not the Rust API (which
// is `Client` and its builders), so hidden from the docs.
#[doc(hidden)]
pub mod ops;
mod options;
#[doc(hidden)]
pub mod pagination;
pub mod retry;
#[doc(hidden)]
pub mod runtime;
mod secret;
mod transport;
mod wire;

/// The client and types generated from the spec.
#[allow(clippy::all, missing_docs, missing_debug_implementations, unused, unreachable_pub)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

/// Forward-compatible string enums of the spec (unknown values decode to `Unknown`).
#[allow(clippy::all)]
pub mod enums {
    include!(concat!(env!("OUT_DIR"), "/enums.rs"));
}

pub use call::CallOptions;
pub use client::ClientBuilder;
pub use error::{ApiError, Diagnostic, Error, ErrorBody, ErrorKind, RawBody, Result};
pub use generated::{builder, types, Client};
pub use limits::Limits;
pub use options::{redact_url, ClientOptions, DEFAULT_BASE_URL};
pub use retry::RetryPolicy;
pub use secret::Secret;
