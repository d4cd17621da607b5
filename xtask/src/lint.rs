//! `cargo xtask test --only lint`: the Python linter (ruff, configured by `ruff.toml`) and the
//! JS/TS linter (Biome, `biome.jsonc`), each pinned and installed on first use under
//! `target/tools` (ruff from PyPI into a venv, Biome from npm through `xtask/lint`'s lock),
//! so a later run only lints.

use crate::{root, run_cmd};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned ruff (PyPI); Biome's version is pinned by `xtask/lint/package-lock.json`.
const RUFF: &str = "0.17.5";

pub fn run() -> Result<()> {
    let tools = target_dir().join("tools");
    let ruff = install_ruff(&tools.join("ruff-venv"))?;
    run_cmd(
        Command::new(ruff).args(["check", "--cache-dir"]).arg(tools.join("ruff-cache")).arg(".").current_dir(root()),
    )?;
    let biome = install_biome(&tools.join("biome"))?;
    run_cmd(Command::new(biome).args(["lint", "--error-on-warnings", "."]).current_dir(root()))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// `ruff` of the venv, installed there unless that version is already.
fn install_ruff(venv: &Path) -> Result<PathBuf> {
    let ruff = venv.join("bin").join("ruff");
    let installed = Command::new(&ruff).arg("--version").output().ok();
    if installed.is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == format!("ruff {RUFF}")) {
        return Ok(ruff);
    }
    run_cmd(Command::new("python3").args(["-m", "venv", "--clear"]).arg(venv))
        .context("ruff needs python3 with the venv module")?;
    run_cmd(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("ruff=={RUFF}")),
    )
    .with_context(|| format!("cannot install ruff=={RUFF} from PyPI"))?;
    Ok(ruff)
}

/// `biome` of `xtask/lint`'s lock, installed by `npm ci` when the lock changed.
fn install_biome(dir: &Path) -> Result<PathBuf> {
    let biome = dir.join("node_modules").join(".bin").join("biome");
    let lock = std::fs::read(root().join("xtask/lint/package-lock.json"))?;
    let installed = dir.join("node_modules").join(".installed-lock");
    if biome.exists() && std::fs::read(&installed).ok().as_deref() == Some(lock.as_slice()) {
        return Ok(biome);
    }
    std::fs::create_dir_all(dir)?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(root().join("xtask/lint").join(file), dir.join(file))?;
    }
    run_cmd(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(dir))
        .context("Biome needs npm (Node 20+)")?;
    std::fs::write(&installed, &lock)?;
    Ok(biome)
}
