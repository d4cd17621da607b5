//! What can go wrong turning the spec into code. Every variant names where: the schema, the
//! operation, the target language or the generated file.

use crate::gate::GateErrors;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The text is not an OpenAPI document we accept.
    #[error("spec: {0}")]
    Spec(String),
    /// The spec gate's rules failed (every finding, with its location).
    #[error(transparent)]
    Gate(#[from] GateErrors),
    /// A component schema (or one of its fields) the generators cannot express.
    #[error("schema {schema}: {reason}")]
    Schema { schema: String, reason: String },
    /// An operation the generators cannot express.
    #[error("operation {operation}: {reason}")]
    Operation { operation: String, reason: String },
    /// Two things would get the same name in a target language.
    #[error("{language}: {what}")]
    NameClash { language: &'static str, what: String },
    /// Generated Rust that does not parse: a generator bug, reported before anything is written.
    #[error("generated {file} does not parse: {reason}")]
    Unparse { file: String, reason: String },
    /// A template of a generated file that does not parse or render: a generator bug.
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
}

impl CodegenError {
    pub(crate) fn schema(schema: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        CodegenError::Schema { schema: schema.into(), reason: reason.to_string() }
    }
    pub(crate) fn operation(operation: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        CodegenError::Operation { operation: operation.into(), reason: reason.to_string() }
    }
    pub(crate) fn clash(language: &'static str, what: impl Into<String>) -> Self {
        CodegenError::NameClash { language, what: what.into() }
    }
}

/// A type the generators cannot express; the caller says whose type it is
/// ([`CodegenError::schema`] or [`CodegenError::operation`]).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TypeError(pub String);
