//! Every client option of the core exists in every binding, under that language's naming.
//!
//! The core's options are the fields of `ClientOptions` (`crates/kontext-mgmt/src/options.rs`,
//! read here with `syn` independently of the generators); the bindings' are read from the
//! surfaces their users see: Python's `Client(...)` keywords, Node's
//! `KontextManagementClientOptions`, and the uniffi constructor from which uniffi generates
//! Kotlin's and Swift's. A difference in either direction fails, so a stale `cargo xtask
//! regen` or a generator that drops an option is caught.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Options only Rust can express: `retry_policy` takes a Rust `RetryPolicy` (backoff
/// curve, status set and budget); the bindings configure retries through `max_retries`.
const RUST_ONLY: &[&str] = &["retry_policy"];

/// The core's options, in snake_case: the public fields of `ClientOptions`.
fn core_options() -> BTreeSet<String> {
    let file = syn::parse_file(&read("crates/kontext-mgmt/src/options.rs")).unwrap();
    let mut options = BTreeSet::new();
    for item in &file.items {
        let syn::Item::Struct(s) = item else { continue };
        if s.ident != "ClientOptions" {
            continue;
        }
        for field in &s.fields {
            let name = field.ident.as_ref().unwrap().to_string();
            if matches!(field.vis, syn::Visibility::Public(_)) && !RUST_ONLY.contains(&name.as_str()) {
                options.insert(name);
            }
        }
    }
    assert!(options.len() >= 10, "found only {options:?} in ClientOptions");
    options
}

/// Every public `fn x(self, ..) -> Self` of `ClientBuilder`, from the setters the build
/// script generates (read back from the generator) and the hand-written `credentials`.
fn rust_builder_options() -> BTreeSet<String> {
    let source = read("crates/kontext-mgmt/src/options.rs");
    let options = kontext_mgmt_codegen::options::parse(&source).unwrap();
    let generated = kontext_mgmt_codegen::options::rust_setters(&options);
    let mut found = BTreeSet::new();
    for text in [generated.to_string(), read("crates/kontext-mgmt/src/client.rs")] {
        let file = syn::parse_file(&text).unwrap();
        for item in &file.items {
            let syn::Item::Impl(block) = item else { continue };
            let syn::Type::Path(ty) = &*block.self_ty else { continue };
            if block.trait_.is_some() || ty.path.segments.last().is_none_or(|s| s.ident != "ClientBuilder") {
                continue;
            }
            for item in &block.items {
                let syn::ImplItem::Fn(f) = item else { continue };
                let returns_self = matches!(&f.sig.output, syn::ReturnType::Type(_, t) if quote_type(t) == "Self");
                if matches!(f.vis, syn::Visibility::Public(_)) && returns_self {
                    found.insert(f.sig.ident.to_string());
                }
            }
        }
    }
    found
}

fn quote_type(t: &syn::Type) -> String {
    match t {
        syn::Type::Path(p) => p.path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::"),
        _ => String::new(),
    }
}

/// `camelCase` → `snake_case`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The keyword-only parameters of `_Configure.__init__` (the constructor of `Client` and
/// `AsyncClient`, through `_ClientCore`).
fn python_options() -> BTreeSet<String> {
    let base = read("bindings/python/python/kontext_mgmt/_base.py");
    assert!(base.contains("class _ClientCore(_Configure):"), "_ClientCore no longer takes the generated constructor");
    let text = read("bindings/python/python/kontext_mgmt/_options.py");
    let start = text.find("class _Configure").expect("class _Configure");
    let init = start + text[start..].find("def __init__(").expect("_Configure.__init__");
    let end = init + text[init..].find(") -> None:").expect("end of __init__'s parameters");
    let params = &text[init + "def __init__(".len()..end];
    params
        .split(',')
        .map(str::trim)
        .filter_map(|p| p.split_once(':').map(|(name, _)| name.trim().to_string()))
        .filter(|name| !name.is_empty() && name != "self" && name != "*")
        .collect()
}

/// The keys of `KontextManagementClientOptions`; `credentials: { clientId, clientSecret }`
/// counts as its two keys.
fn node_options() -> BTreeSet<String> {
    let base = read("bindings/node/lib/base.d.ts");
    assert!(base.contains("constructor(options?: KontextManagementClientOptions)"), "BaseClient's constructor");
    let text = read("bindings/node/lib/options.d.ts");
    let start = text.find("export interface KontextManagementClientOptions {").expect("the options interface");
    let end = start + text[start..].find("\n}").expect("end of the interface");
    let mut options = BTreeSet::new();
    for line in text[start..end].lines().skip(1) {
        let line = line.trim();
        if line.starts_with("/*") || line.starts_with('*') || line.is_empty() {
            continue;
        }
        let Some((key, ty)) = line.split_once("?:") else { continue };
        match key.trim() {
            "credentials" => {
                for inner in ty.split(['{', '}', ';', ',']) {
                    if let Some((k, _)) = inner.split_once(':') {
                        options.insert(snake(k.trim()));
                    }
                }
            }
            key => {
                options.insert(snake(key));
            }
        }
    }
    options
}

/// The parameters of the uniffi constructor `KontextManagementClient::new`, as the uniffi
/// build script generates it.
fn uniffi_options() -> BTreeSet<String> {
    let source = read("crates/kontext-mgmt/src/options.rs");
    let options = kontext_mgmt_codegen::options::parse(&source).unwrap();
    let file = syn::parse2(kontext_mgmt_codegen::options::uniffi_constructor(&options)).unwrap();
    let client = read("bindings/uniffi/src/client.rs");
    assert!(
        client.contains("include!(concat!(env!(\"OUT_DIR\"), \"/options.rs\"));"),
        "client.rs includes the constructor"
    );
    let build = read("bindings/uniffi/build.rs");
    assert!(build.contains("options::uniffi_constructor"), "the uniffi build script writes the constructor");
    constructor_params(&file).expect("no #[uniffi::constructor] in the generated constructor")
}

fn constructor_params(file: &syn::File) -> Option<BTreeSet<String>> {
    for item in &file.items {
        let syn::Item::Impl(block) = item else { continue };
        for item in &block.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            let is_constructor = f.attrs.iter().any(|a| a.path().segments.iter().any(|s| s.ident == "constructor"));
            if is_constructor {
                return Some(
                    f.sig
                        .inputs
                        .iter()
                        .filter_map(|arg| match arg {
                            syn::FnArg::Typed(t) => match &*t.pat {
                                syn::Pat::Ident(i) => Some(i.ident.to_string()),
                                _ => None,
                            },
                            syn::FnArg::Receiver(_) => None,
                        })
                        .collect(),
                );
            }
        }
    }
    None
}

/// The core's `user_agent_suffix` is `user_agent` in every binding (Node's `userAgent`, as
/// the official SDK): the binding's own product token comes first, the user's after it.
fn core_name(binding_name: &str) -> String {
    match binding_name {
        "user_agent" => "user_agent_suffix".to_string(),
        other => other.to_string(),
    }
}

fn assert_same(language: &str, found: &BTreeSet<String>, core: &BTreeSet<String>) {
    let found: BTreeSet<String> = found.iter().map(|n| core_name(n)).collect();
    let missing: Vec<_> = core.difference(&found).collect();
    let extra: Vec<_> = found.difference(core).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{language}'s client options differ from the core's:\n  missing: {missing:?}\n  not in the core: {extra:?}"
    );
}

#[test]
fn every_binding_exposes_exactly_the_core_client_options() {
    let core = core_options();
    let mut rust = rust_builder_options();
    assert!(rust.remove("credentials"), "ClientBuilder::credentials");
    let mut core_with_rust_only = core.clone();
    core_with_rust_only.extend(RUST_ONLY.iter().map(|s| s.to_string()));
    assert_same("Rust (ClientBuilder)", &rust, &core_with_rust_only);
    assert_same("Python", &python_options(), &core);
    assert_same("Node", &node_options(), &core);
    assert_same("Kotlin/Swift (uniffi)", &uniffi_options(), &core);
}

#[test]
fn the_readers_see_a_missing_option() {
    // The check itself can fail: dropping one option from a surface is a difference.
    let core = core_options();
    let mut python = python_options();
    assert!(python.remove("audience"), "the Python reader found no `audience`: {python:?}");
    assert_ne!(python, core);
    let mut node = node_options();
    assert!(node.remove("client_secret"), "the Node reader found no credentials: {node:?}");
    assert_ne!(node, core);
}
