//! Every checked-in file derived from the spec. `cargo xtask regen` writes them and
//! `regen --check` fails when any differs; each emitter owns its own paths.

use crate::ir::Api;

pub use crate::artifact::Artifact;

/// All artifacts, in a stable order.
pub fn all(api: &Api) -> Result<Vec<Artifact>, crate::error::CodegenError> {
    let mut out = vec![crate::docs::operations_md(api)?];
    out.extend(crate::python::artifacts(api)?);
    out.extend(crate::node::artifacts(api)?);
    out.extend(crate::uniffi::artifacts(api)?);
    Ok(out)
}
