//! Generates the conversion of `NativeClient(...)`'s keyword arguments from the core's
//! `ClientOptions` (one description of the options for every language).

fn main() {
    kontext_mgmt_codegen::options::build_script("options.rs", kontext_mgmt_codegen::options::python_native);
}
