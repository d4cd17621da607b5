//! Rust SDK for the Kontext Management API.
#![allow(missing_docs)]
pub mod generated {
    #![allow(clippy::all, unused)]
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}
