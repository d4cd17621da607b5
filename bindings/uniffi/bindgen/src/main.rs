//! `uniffi-bindgen` at exactly the uniffi version the library is built with.
#![forbid(unsafe_code)]

fn main() {
    uniffi::uniffi_bindgen_main()
}
