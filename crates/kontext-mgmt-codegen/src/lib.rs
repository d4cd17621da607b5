//! Spec gate and the generators of every binding surface.
//!
//! The spec (`openapi/kontext-management.yaml`) is the only place an endpoint is written;
//! this crate reads it once into [`ir::Api`] and the emitters turn that into the Rust op
//! table, Python, Node, Kotlin and Swift surfaces and docs. progenitor builds the typed Rust
//! client (see the `kontext-mgmt` build script) only after [`gate::check`] has passed.
#![forbid(unsafe_code)]

pub mod artifact;
pub mod artifacts;
pub mod diff;
pub mod docs;
pub mod downconvert;
pub mod error;
pub mod errors;
pub mod gate;
pub mod ir;
pub mod names;
pub mod node;
pub mod options;
pub mod python;
pub mod rust;
pub mod spec;
pub mod template;
pub mod uniffi;

pub use error::CodegenError;
pub use gate::{check, parse_and_check, GateError, GateErrors};

/// Reads, gates and lowers a spec file's text in one step.
pub fn load(text: &str) -> Result<ir::Api, CodegenError> {
    let spec = parse_and_check(text)?;
    ir::Api::from_spec(&spec)
}
