//! `cargo xtask regen [--check] [--spec PATH] [--out DIR]`.

use anyhow::{bail, Context, Result};
use kontext_mgmt_codegen::{artifacts, diff, downconvert};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Change nothing; fail naming every file that would change.
    #[arg(long)]
    check: bool,
    /// Regenerate from this spec (e.g. downloaded from the live API; OpenAPI 3.1 is
    /// converted down to 3.0.3 where possible) and make it the project's spec.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Write everything under this directory instead of the repository (for drills).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `regen --check` as a test step.
pub fn run_check() -> Result<()> {
    run(Args { check: true, spec: None, out: None })
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::root();
    let out = args.out.clone().unwrap_or_else(|| root.clone());
    let current_path = crate::spec_path();
    let current_text = std::fs::read_to_string(&current_path).context("reading the project's spec")?;

    let (new_text, spec_changed) = match &args.spec {
        None => (current_text.clone(), false),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let converted = downconvert::to_303(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
            for note in &converted.notes {
                eprintln!("3.1 → 3.0.3: {note}");
            }
            if !converted.unconvertible.is_empty() {
                for item in &converted.unconvertible {
                    eprintln!("cannot convert: {item}");
                }
                bail!(
                    "{} construct(s) of the spec have no OpenAPI 3.0.3 equivalent (listed above)",
                    converted.unconvertible.len()
                );
            }
            let changed = converted.text != current_text;
            (converted.text, changed)
        }
    };
    let api = kontext_mgmt_codegen::load(&new_text).map_err(|e| anyhow::anyhow!("{e}"))?;

    // What changed in the API surface, against the spec the repository has now (or, when
    // regenerating in place, against the last committed one).
    let baseline = if args.spec.is_some() { Some(current_text.clone()) } else { committed_spec(&root) };
    if let Some(old) = baseline.and_then(|t| kontext_mgmt_codegen::load(&t).ok()) {
        let changes = diff::diff(&old, &api);
        if changes.is_empty() {
            eprintln!("API surface: no changes");
        } else {
            eprintln!("API surface changes:");
            for c in &changes {
                eprintln!("  {c}");
            }
            let breaking = changes.iter().filter(|c| c.breaking).count();
            if breaking > 0 {
                eprintln!("  {breaking} BREAKING change(s)");
            }
        }
    }

    let mut files = artifacts::all(&api).map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = std::fs::read_to_string(root.join(kontext_mgmt_codegen::options::CORE_OPTIONS))
        .context("reading the client options")?;
    files.extend(kontext_mgmt_codegen::options::artifacts(&options)?);
    if spec_changed || args.out.is_some() {
        files.push(artifacts::Artifact { path: "openapi/kontext-management.yaml".into(), contents: new_text });
    }
    let mut stale = Vec::new();
    for file in &files {
        let path = out.join(&file.path);
        let existing = std::fs::read_to_string(&path).ok();
        if existing.as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        stale.push(file.path.clone());
        if !args.check {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &file.contents).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if args.check {
        if !stale.is_empty() {
            bail!("generated files are out of date with the spec (run `cargo xtask regen`):\n  {}", stale.join("\n  "));
        }
        eprintln!("regen --check: {} generated files are up to date", files.len());
    } else {
        eprintln!("regen: {} of {} generated files changed", stale.len(), files.len());
        for p in &stale {
            eprintln!("  wrote {p}");
        }
    }
    Ok(())
}

fn committed_spec(root: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .current_dir(root)
        .args(["show", "HEAD:openapi/kontext-management.yaml"])
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
