//! Generates the typed client from the OpenAPI spec at build time.
//!
//! The spec gate runs first so that a spec progenitor cannot handle becomes a clear
//! error naming the operation rather than a panic inside the generator.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // KONTEXT_SPEC lets the API-change drill build from another file without touching ours.
    let spec_path = std::env::var_os("KONTEXT_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("openapi/kontext-management.yaml"));
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-env-changed=KONTEXT_SPEC");

    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| fail(&format!("cannot read the spec {}: {e}", spec_path.display())));
    let spec = kontext_mgmt_codegen::parse_and_check(&text).unwrap_or_else(|e| fail(&e.to_string()));
    let api = kontext_mgmt_codegen::ir::Api::from_spec(&spec).unwrap_or_else(|e| fail(&e));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote::quote!(crate::transport::Transport))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("PartialEq");
    for name in kontext_mgmt_codegen::rust::enum_names(&api) {
        settings.with_replacement(&name, format!("crate::enums::{name}"), std::iter::empty());
    }
    let prepared = kontext_mgmt_codegen::rust::prepare_for_progenitor(&spec);
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&prepared)
        .unwrap_or_else(|e| fail(&format!("progenitor could not generate the client: {e}")));
    // The stream methods go inside progenitor's `builder` module: they read the builder's
    // (private) client for its page limit.
    let pages = kontext_mgmt_codegen::rust::pagination_impls(&api);
    let mut file: syn::File =
        syn::parse2(tokens).unwrap_or_else(|e| fail(&format!("generated code does not parse: {e}")));
    let pages: syn::File = syn::parse2(pages).unwrap_or_else(|e| fail(&format!("stream methods do not parse: {e}")));
    let builder = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
        _ => None,
    });
    let Some((_, items)) = builder else { fail("progenitor generated no `builder` module") };
    items.extend(pages.items);
    write_rust(&out.join("generated.rs"), quote::quote!(#file));

    write_rust(&out.join("enums.rs"), kontext_mgmt_codegen::rust::enums(&api));
    write_rust(&out.join("op_table.rs"), kontext_mgmt_codegen::rust::op_table(&api));
    write_rust(&out.join("error_kinds.rs"), kontext_mgmt_codegen::errors::core_kinds());

    // The builder's setters, from the options' one description.
    let options_path = manifest.join("src/options.rs");
    println!("cargo:rerun-if-changed={}", options_path.display());
    let source = std::fs::read_to_string(&options_path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", options_path.display())));
    let options = kontext_mgmt_codegen::options::parse(&source).unwrap_or_else(|e| fail(&e.to_string()));
    write_rust(&out.join("client_builder.rs"), kontext_mgmt_codegen::options::rust_setters(&options));
}

fn write_rust(path: &Path, tokens: proc_macro2::TokenStream) {
    let file = syn::parse2(tokens).unwrap_or_else(|e| fail(&format!("generated code does not parse: {e}")));
    std::fs::write(path, prettyplease::unparse(&file))
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
}

fn fail(message: &str) -> ! {
    for line in message.lines() {
        println!("cargo:warning={line}");
    }
    eprintln!("error: {message}");
    std::process::exit(1);
}
