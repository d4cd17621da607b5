//! The templates of every non-Rust output (Kotlin, Swift, Python, TypeScript/JavaScript,
//! Markdown, TOML), rendered with minijinja.
//!
//! Each generated file is one template under `templates/` that looks like the file it
//! writes; the generator prepares a small serializable view (names and types already in
//! the target language's spelling, strings already quoted) and the template lays it out.
//! Changing a generated signature is an edit in the template. Rust output does not go
//! through here: it is built with `quote!` and formatted by `prettyplease`.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

/// Every template, by name: `templates/<name>.j2`, embedded (so `cargo package` and the build
/// scripts need no files at run time).
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name, ".j2")))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "uniffi/Generated.kt",
    "uniffi/Generated.swift",
    "uniffi/uniffi.toml",
    "docs/operations.md",
    "options/_options.py",
    "options/options.js",
    "options/options.d.ts",
    "node/generated.js",
    "node/index.d.ts",
    "node/errors.js",
    "node/errors.d.ts",
    "node/index.mjs",
    "python/_generated.py",
    "python/_generated.pyi",
    "python/__init__.py",
    "python/_errors.py",
    "python/_typed_dicts",
];

/// A template that does not parse or render: a generator bug, reported with the template
/// and where in it.
#[derive(Debug, thiserror::Error)]
#[error("template {template}: {reason}")]
pub struct TemplateError {
    pub template: String,
    pub reason: String,
}

/// Renders the template `name` with `view` as its context.
///
/// Block tags on their own line leave no blank line (`trim_blocks`, `lstrip_blocks`), the
/// final newline is kept, nothing is escaped (none of the outputs is HTML) and a name the
/// view does not have is an error, not an empty string.
pub fn render(name: &str, view: &impl Serialize) -> Result<String, TemplateError> {
    let fail = |e: minijinja::Error| {
        let mut reason = e.to_string();
        if let Some(line) = e.line() {
            reason.push_str(&format!(" (line {line})"));
        }
        // The template the error is in (an included one, or one that does not parse).
        TemplateError { template: e.name().unwrap_or(name).to_string(), reason }
    };
    if !TEMPLATES.iter().any(|(n, _)| *n == name) {
        return Err(TemplateError { template: name.to_string(), reason: "no such template".into() });
    }
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(fail)?,
    );
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // All of them: a template may include another (`{% include "python/_typed_dicts" %}`).
    for (n, source) in TEMPLATES {
        env.add_template(n, source).map_err(fail)?;
    }
    env.get_template(name).map_err(fail)?.render(minijinja::value::Serde(view)).map_err(fail)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        for (name, source) in super::TEMPLATES {
            let mut env = minijinja::Environment::new();
            env.add_template(name, source).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn a_name_the_view_lacks_is_an_error_naming_the_template_and_line() {
        #[derive(serde::Serialize)]
        struct Empty {}
        let e = super::render("uniffi/uniffi.toml", &Empty {}).unwrap_err();
        assert_eq!(e.template, "uniffi/uniffi.toml");
        assert!(e.reason.contains("undefined") && e.reason.contains("(line 1)"), "{e}");
        let e = super::render("no/such", &Empty {}).unwrap_err();
        assert_eq!(e.to_string(), "template no/such: no such template");
    }
}
