//! What changed in the API surface between two specs, breaking changes called out.

use crate::ir::{Api, ModelKind, Param};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub breaking: bool,
    pub text: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.breaking {
            write!(f, "BREAKING {}", self.text)
        } else {
            f.write_str(&self.text)
        }
    }
}

fn change(breaking: bool, text: String) -> Change {
    Change { breaking, text }
}

pub fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Vec::new();
    for op in &new.operations {
        match old.operation(&op.id) {
            None => out.push(change(false, format!("+ operation {} ({} {})", op.id, op.http_method, op.path))),
            Some(was) => {
                if (was.http_method.as_str(), was.path.as_str()) != (op.http_method.as_str(), op.path.as_str()) {
                    out.push(change(
                        true,
                        format!(
                            "~ operation {}: {} {} -> {} {}",
                            op.id, was.http_method, was.path, op.http_method, op.path
                        ),
                    ));
                }
                params(&mut out, &op.id, &was.query_params, &op.query_params);
                params(&mut out, &op.id, &was.header_params, &op.header_params);
                params(&mut out, &op.id, &was.path_params, &op.path_params);
                let (wb, nb) = (was.body.as_ref().map(|b| &b.ty), op.body.as_ref().map(|b| &b.ty));
                if wb != nb {
                    out.push(change(true, format!("~ operation {}: request body {wb:?} -> {nb:?}", op.id)));
                }
                if was.response != op.response {
                    out.push(change(
                        true,
                        format!("~ operation {}: response {:?} -> {:?}", op.id, was.response, op.response),
                    ));
                }
            }
        }
    }
    for op in &old.operations {
        if new.operation(&op.id).is_none() {
            out.push(change(true, format!("- operation {} ({} {})", op.id, op.http_method, op.path)));
        }
    }
    // A schema that disappears while one of the same shape appears was renamed.
    let renamed_from = |name: &str, model: &crate::ir::Model| {
        old.models
            .iter()
            .find(|(o, m)| !new.models.contains_key(*o) && same_shape(&m.kind, &model.kind))
            .map(|(o, _)| o.clone())
            .filter(|_| !old.models.contains_key(name))
    };
    let mut renamed = Vec::new();
    for (name, model) in &new.models {
        let Some(was) = old.models.get(name) else {
            match renamed_from(name, model) {
                Some(from) => {
                    out.push(change(true, format!("~ schema {from} renamed to {name}")));
                    renamed.push(from);
                }
                None => out.push(change(false, format!("+ schema {name}"))),
            }
            continue;
        };
        match (&was.kind, &model.kind) {
            (ModelKind::Object { fields: wf }, ModelKind::Object { fields: nf }) => {
                for f in nf {
                    match wf.iter().find(|w| w.name == f.name) {
                        // A new required field breaks callers who build this type.
                        None => out.push(change(f.required, format!("+ field {name}.{} ({:?})", f.name, f.ty))),
                        Some(w) if w.ty != f.ty => {
                            out.push(change(true, format!("~ field {name}.{}: {:?} -> {:?}", f.name, w.ty, f.ty)))
                        }
                        Some(w) if w.required != f.required || w.nullable != f.nullable => out.push(change(
                            !w.required && f.required,
                            format!(
                                "~ field {name}.{}: required {} -> {}, nullable {} -> {}",
                                f.name, w.required, f.required, w.nullable, f.nullable
                            ),
                        )),
                        Some(_) => {}
                    }
                }
                for w in wf {
                    if !nf.iter().any(|f| f.name == w.name) {
                        out.push(change(true, format!("- field {name}.{}", w.name)));
                    }
                }
            }
            (ModelKind::Enum { values: wv }, ModelKind::Enum { values: nv }) => {
                for v in nv.iter().filter(|v| !wv.contains(v)) {
                    out.push(change(false, format!("+ enum value {name}.{v}")));
                }
                for v in wv.iter().filter(|v| !nv.contains(v)) {
                    out.push(change(true, format!("- enum value {name}.{v}")));
                }
            }
            _ => out.push(change(true, format!("~ schema {name} changed kind"))),
        }
    }
    for name in old.models.keys() {
        if !new.models.contains_key(name) && !renamed.contains(name) {
            out.push(change(true, format!("- schema {name}")));
        }
    }
    out
}

/// Same fields (names, types, optionality) or the same enum values.
fn same_shape(a: &ModelKind, b: &ModelKind) -> bool {
    match (a, b) {
        (ModelKind::Object { fields: x }, ModelKind::Object { fields: y }) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(f, g)| (&f.name, &f.ty, f.required) == (&g.name, &g.ty, g.required))
        }
        (ModelKind::Enum { values: x }, ModelKind::Enum { values: y }) => x == y,
        _ => false,
    }
}

fn params(out: &mut Vec<Change>, op: &str, was: &[Param], now: &[Param]) {
    for p in now {
        match was.iter().find(|w| w.name == p.name) {
            None => out.push(change(p.required, format!("+ parameter {op}({})", p.name))),
            Some(w) if w.ty != p.ty || (!w.required && p.required) => {
                out.push(change(true, format!("~ parameter {op}({}): {:?} -> {:?}", p.name, w.ty, p.ty)))
            }
            Some(_) => {}
        }
    }
    for w in was {
        if !now.iter().any(|p| p.name == w.name) {
            out.push(change(true, format!("- parameter {op}({})", w.name)));
        }
    }
}
