//! Kotlin (`dev.kontext.mgmt`) and Swift (`KontextMgmt`) bindings of the Kontext Management
//! SDK, through uniffi.
//!
//! Everything per operation or per model is generated from the spec by the build script
//! (`kontext_mgmt_codegen::uniffi::rust_glue`, included below as `surface`). What is written
//! here is generic glue: the client object, the error enum, two custom types, and the one
//! helper through which every call reaches the core on the core's tokio runtime.
//! Behaviour (auth, retries, timeouts, pagination, error decoding) lives in `kontext-mgmt`.
// uniffi's macros generate the `extern "C"` scaffolding; the lint does not apply to their
// expansion, so this crate itself can forbid `unsafe`.
#![forbid(unsafe_code)]

uniffi::setup_scaffolding!("kontext_mgmt");

mod client;
mod error;
mod raw;
mod support;
mod testing;
mod types;

pub use client::KontextManagementClient;
pub use error::{ErrorDiagnostic, ErrorInfo, KontextError};
pub use raw::JsonPager;
pub use testing::{Emulator, EmulatorOptions, LoggedRequest};
pub use types::{DateTime, JsonValue};

/// The surface generated from the spec: records, enums, namespace objects, pagers.
#[allow(clippy::all, clippy::pedantic, unused_qualifications)]
mod surface {
    include!(concat!(env!("OUT_DIR"), "/surface.rs"));
}
pub use surface::*;

#[cfg(test)]
mod tests;
