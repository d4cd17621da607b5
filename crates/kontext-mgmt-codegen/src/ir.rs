//! The language-neutral description of the API surface.

/// Splits `applications_rotateSecret` into (`applications`, `rotateSecret`).
pub fn split_operation_id(id: &str) -> Option<(&str, &str)> {
    let (ns, method) = id.split_once('_')?;
    let camel = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
    };
    (camel(ns) && camel(method)).then_some((ns, method))
}
