//! Generated surface of the node binding.

use crate::artifacts::Artifact;
use crate::ir::Api;

pub fn artifacts(_api: &Api) -> Result<Vec<Artifact>, String> {
    Ok(Vec::new())
}
