//! Reading the spec, shared by the gate (which checks it) and the IR (which lowers it), so
//! that neither depends on the other.

use openapiv3::{OpenAPI, ReferenceOr};

/// Splits `applications_rotateSecret` into (`applications`, `rotateSecret`).
pub fn split_operation_id(id: &str) -> Option<(&str, &str)> {
    let (ns, method) = id.split_once('_')?;
    let camel = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
    };
    (camel(ns) && camel(method)).then_some((ns, method))
}

pub fn resolve_response<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<openapiv3::Response>,
) -> Option<&'a openapiv3::Response> {
    match r {
        ReferenceOr::Item(b) => Some(b),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            match spec.components.as_ref()?.responses.get(name)? {
                ReferenceOr::Item(b) => Some(b),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_operation_ids() {
        assert_eq!(split_operation_id("applications_rotateSecret"), Some(("applications", "rotateSecret")));
        assert_eq!(split_operation_id("Applications_get"), None);
        assert_eq!(split_operation_id("applications"), None);
        assert_eq!(split_operation_id("a_b_c"), None);
    }
}
