//! `openapi/operations.md`: every operation with its method name in each language
//! (`templates/docs/operations.md.j2`).

use crate::artifact::Artifact;
use crate::error::CodegenError;
use crate::ir::Api;
use crate::names::{camel, snake};
use crate::template::render;
use serde::Serialize;

#[derive(Serialize)]
struct View<'a> {
    title: &'a str,
    version: &'a str,
    count: usize,
    namespaces: Vec<Namespace<'a>>,
    /// The spec's own notes.
    notes: &'a [String],
    /// The notes of operations, then of schemas.
    sections: Vec<Section<'a>>,
}

#[derive(Serialize)]
struct Namespace<'a> {
    name: &'a str,
    operations: Vec<Row<'a>>,
}

/// One row of a namespace's table.
#[derive(Serialize)]
struct Row<'a> {
    http_method: &'a str,
    path: &'a str,
    rust: String,
    python: String,
    camel: String,
    /// Safe inside a table cell.
    summary: String,
    paged: &'static str,
    /// Header arguments and header properties of the result, in words.
    headers: String,
}

#[derive(Serialize)]
struct Section<'a> {
    what: String,
    notes: &'a [String],
}

/// `; takes ifMatch (If-Match header); the result has etag (ETag header)`.
fn headers_note(op: &crate::ir::Operation) -> String {
    let mut out = String::new();
    for p in &op.header_params {
        out.push_str(&format!("; takes `{}` (`{}` header)", p.name, p.header.as_deref().unwrap_or_default()));
    }
    for h in &op.response_headers {
        out.push_str(&format!("; the result has `{}` (`{}` header)", h.property, h.header));
    }
    out
}

pub fn operations_md(api: &Api) -> Result<Artifact, CodegenError> {
    let namespaces = api
        .namespaces()
        .into_iter()
        .map(|ns| Namespace {
            name: ns,
            operations: api
                .operations
                .iter()
                .filter(|o| o.namespace == ns)
                .map(|op| Row {
                    http_method: &op.http_method,
                    path: &op.path,
                    rust: crate::rust::rust_method(&op.id),
                    python: format!("{}.{}", snake(ns), snake(&op.method)),
                    camel: format!("{}.{}", camel(ns), camel(&op.method)),
                    summary: op.summary.replace('|', "\\|"),
                    paged: match &op.pagination {
                        Some(crate::ir::Pagination::Cursor { .. }) => " (cursor-paginated)",
                        Some(crate::ir::Pagination::Offset { .. }) => " (offset-paginated)",
                        None => "",
                    },
                    headers: headers_note(op),
                })
                .collect(),
        })
        .collect();
    // The maintainers' notes (`x-kontext-notes`) of the spec, for reviewers: what the public
    // sources leave open and what we chose, where they disagree and which one we follow.
    let ops = api
        .operations
        .iter()
        .filter(|o| !o.notes.is_empty())
        .map(|o| Section { what: format!("`{}` (`{} {}`)", o.id, o.http_method, o.path), notes: &o.notes });
    let models = api
        .models
        .values()
        .filter(|m| !m.notes.is_empty())
        .map(|m| Section { what: format!("schema `{}`", m.name), notes: &m.notes });
    let view = View {
        title: &api.title,
        version: &api.version,
        count: api.operations.len(),
        namespaces,
        notes: &api.notes,
        sections: ops.chain(models).collect(),
    };
    Ok(Artifact { path: "openapi/operations.md".into(), contents: render("docs/operations.md", &view)? })
}
