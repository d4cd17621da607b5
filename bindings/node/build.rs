//! napi's setup, and the options object of `new NativeClient(...)` generated from the core's
//! `ClientOptions` (one description of the options for every language).

fn main() {
    napi_build::setup();
    kontext_mgmt_codegen::options::build_script("options.rs", kontext_mgmt_codegen::options::node_native);
}
