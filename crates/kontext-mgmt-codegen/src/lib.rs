//! Spec gate and the intermediate representation every binding surface is generated from.
//!
//! The spec (`openapi/kontext-management.yaml`) is the only place an endpoint is written;
//! this crate reads it once into [`ir::Api`] and the emitters turn that into Python, Node,
//! Kotlin and Swift surfaces. The Rust client itself comes from progenitor (see the
//! `kontext-mgmt` build script), which runs only after [`gate::check`] has passed.
#![forbid(unsafe_code)]

pub mod gate;
pub mod ir;
pub mod rust;

pub use gate::{check, parse_and_check, GateError, GateErrors};
