//! Every checked-in file derived from the spec. `cargo xtask regen` writes them and
//! `regen --check` fails when any differs; each emitter owns its own paths.

use crate::ir::Api;

/// One generated file: a path relative to the repository root and its full contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

/// All artifacts, in a stable order.
pub fn all(api: &Api) -> Result<Vec<Artifact>, crate::CodegenError> {
    let mut out = vec![crate::docs::operations_md(api)];
    out.extend(crate::python::artifacts(api)?);
    out.extend(crate::node::artifacts(api)?);
    out.extend(crate::uniffi::artifacts(api)?);
    Ok(out)
}
