//! Generates the typed client from the OpenAPI spec at build time.
//!
//! The spec gate runs first so that a spec progenitor cannot handle becomes a clear
//! error naming the operation rather than a panic inside the generator.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // KONTEXT_SPEC lets `xtask regen --spec` and the API-change drill build from another file.
    let spec_path = std::env::var_os("KONTEXT_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("openapi/kontext-management.yaml"));
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-env-changed=KONTEXT_SPEC");

    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| fail(&format!("cannot read the spec {}: {e}", spec_path.display())));
    let spec = kontext_mgmt_codegen::parse_and_check(&text).unwrap_or_else(|e| fail(&e.to_string()));

    let mut settings = progenitor::GenerationSettings::default();
    settings.with_interface(progenitor::InterfaceStyle::Builder).with_tag(progenitor::TagStyle::Separate);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| fail(&format!("progenitor could not generate the client: {e}")));
    let file = syn::parse2(tokens).unwrap_or_else(|e| fail(&format!("generated code does not parse: {e}")));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("generated.rs");
    std::fs::write(&out, prettyplease::unparse(&file))
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
}

fn fail(message: &str) -> ! {
    for line in message.lines() {
        println!("cargo:warning={line}");
    }
    eprintln!("error: {message}");
    std::process::exit(1);
}
