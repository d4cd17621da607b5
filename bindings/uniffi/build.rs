//! Generates the uniffi surface (records, enums, namespace objects, pagers) from the spec.
//!
//! Reads the same spec as the core (`KONTEXT_SPEC` overrides it for the API-change drill),
//! so the core's operation table and this surface always come from one document.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let spec_path = std::env::var_os("KONTEXT_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../openapi/kontext-management.yaml"));
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-env-changed=KONTEXT_SPEC");
    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| fail(&format!("cannot read the spec {}: {e}", spec_path.display())));
    let api = kontext_mgmt_codegen::load(&text).unwrap_or_else(|e| fail(&e));
    let glue = kontext_mgmt_codegen::uniffi::rust_glue(&api).unwrap_or_else(|e| fail(&e));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("surface.rs");
    std::fs::write(&out, glue).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
    let error = syn::parse2(kontext_mgmt_codegen::errors::uniffi_error())
        .unwrap_or_else(|e| fail(&format!("the generated error type does not parse: {e}")));
    let out = out.with_file_name("error.rs");
    std::fs::write(&out, prettyplease::unparse(&error))
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
    kontext_mgmt_codegen::options::build_script("options.rs", kontext_mgmt_codegen::options::uniffi_constructor);
}

fn fail(message: &str) -> ! {
    for line in message.lines() {
        println!("cargo:warning={line}");
    }
    eprintln!("error: {message}");
    std::process::exit(1);
}
