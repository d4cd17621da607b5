//! One generated file, as every generator returns it.

/// One generated file: a path relative to the repository root and its full contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}
