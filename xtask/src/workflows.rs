//! The `workflows` test step: actionlint (pinned, built once through the Go module proxy into
//! target/tools/) on every GitHub Actions workflow in .github/workflows/.

use crate::{root, run_cmd};
use anyhow::{ensure, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ACTIONLINT: &str = "github.com/rhysd/actionlint/cmd/actionlint";
const ACTIONLINT_VERSION: &str = "v1.7.12";

/// target/tools/actionlint at the pinned version, built with `go install` when absent or
/// another version.
fn actionlint(tools: &Path) -> Result<PathBuf> {
    let exe = tools.join(if cfg!(windows) { "actionlint.exe" } else { "actionlint" });
    let current =
        Command::new(&exe).arg("-version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if current.as_deref().is_none_or(|v| v.lines().next() != Some(ACTIONLINT_VERSION)) {
        fs::create_dir_all(tools)?;
        let go = std::env::var("GO").unwrap_or_else(|_| "go".into());
        run_cmd(Command::new(&go).args(["install", &format!("{ACTIONLINT}@{ACTIONLINT_VERSION}")]).env("GOBIN", tools))
            .with_context(|| format!("building actionlint needs Go ({go}); install it or set GO"))?;
    }
    Ok(exe)
}

pub fn check() -> Result<()> {
    let root = root();
    let exe = actionlint(&root.join("target/tools"))?;
    let dir = root.join(".github/workflows");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    // CI and the release pipeline are what the README promises; neither may go missing.
    for name in ["ci.yml", "release.yml"] {
        ensure!(files.iter().any(|f| f.ends_with(name)), ".github/workflows/{name} is missing");
    }
    run_cmd(Command::new(exe).arg("-no-color").args(&files).current_dir(&root))?;
    eprintln!("actionlint {ACTIONLINT_VERSION}: {} workflow file(s) clean", files.len());
    Ok(())
}
