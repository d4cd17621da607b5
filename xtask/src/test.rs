//! `cargo xtask test`: every check and test of every language, in one command.

use crate::{root, run_cmd, swift};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Run only these steps (by name; repeat the flag or separate names with commas); default: all.
    #[arg(long = "only", value_delimiter = ',')]
    only: Vec<String>,
    /// Passed on to the step's test runner (with exactly one `--only` step), e.g.
    /// `cargo xtask test --only python -- -k pagination`.
    #[arg(last = true)]
    runner_args: Vec<String>,
}

/// Every step, in order. A step that needs a tool installs it (pip/npm/Maven) itself.
const STEPS: &[&str] = &[
    "regen",
    "spec-lint",
    "fmt",
    "workflows",
    "clippy",
    "lint",
    "rust",
    "schemathesis",
    "python",
    "node",
    "uniffi",
    "scenarios",
    "drill",
];
/// The steps that compile and run Swift: a toolchain is made available before the first.
const SWIFT_STEPS: &[&str] = &["uniffi", "scenarios", "drill"];

pub fn run(args: Args) -> Result<()> {
    // A typo must not turn into "nothing ran, all passed".
    let unknown: Vec<&str> = args.only.iter().map(String::as_str).filter(|s| !STEPS.contains(s)).collect();
    anyhow::ensure!(unknown.is_empty(), "unknown step(s) {}; the steps are: {}", unknown.join(", "), STEPS.join(", "));
    anyhow::ensure!(
        args.runner_args.is_empty() || args.only.len() == 1,
        "arguments after `--` go to one step's test runner: name exactly one step with --only"
    );
    let started = Instant::now();
    let mut timings = Vec::new();
    // What the Swift parts of the steps report (bindings/uniffi/test.sh, tests/scenarios/run.sh,
    // tests/drill/drill.py); cleared so that a summary line can only come from this run.
    let report = swift_report_dir();
    if report.exists() {
        std::fs::remove_dir_all(&report).with_context(|| format!("cannot clear {}", report.display()))?;
    }
    let mut swift_mode = None;
    for step in STEPS {
        if !args.only.is_empty() && !args.only.iter().any(|s| s == step) {
            continue;
        }
        if swift_mode.is_none() && SWIFT_STEPS.contains(step) {
            eprintln!("\n==> swift-toolchain (for {step})");
            let t = Instant::now();
            swift_mode = Some(swift_setup().with_context(|| format!("step {step}: no Swift toolchain"))?);
            timings.push((&"swift-toolchain", t.elapsed()));
        }
        eprintln!("\n==> {step}");
        let t = Instant::now();
        run_step(step, &args.runner_args)?;
        timings.push((step, t.elapsed()));
    }
    anyhow::ensure!(!timings.is_empty(), "no step ran");
    eprintln!("\nall steps passed in {:.0?}:", started.elapsed());
    for (step, d) in &timings {
        eprintln!("  {step:<8} {d:.1?}");
    }
    if let Some(mode) = swift_mode {
        let toolchain = timings.iter().find(|(s, _)| **s == "swift-toolchain").map(|(_, d)| *d).unwrap_or_default();
        swift_summary(&mode, &report, toolchain);
    }
    Ok(())
}

enum SwiftMode {
    Skipped,
    OnPath(PathBuf),
    Provisioned(PathBuf),
}

/// Skip (only when asked), the `swift` on PATH, or the pinned toolchain put first on PATH
/// for every later step.
fn swift_setup() -> Result<SwiftMode> {
    if swift::skip_asked()? {
        eprintln!("Swift: skipped because {}=1", swift::SKIP_VAR);
        return Ok(SwiftMode::Skipped);
    }
    if let Some(found) = swift::on_path() {
        eprintln!("Swift: using {} (on PATH)", found.display());
        return Ok(SwiftMode::OnPath(found));
    }
    let bin = swift::provision()?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let joined = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(&path)))?;
    // Single-threaded here, before any step starts: every later child inherits it.
    std::env::set_var("PATH", joined);
    Ok(SwiftMode::Provisioned(bin.join("swift")))
}

fn swift_report_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("swift-report")
}

/// The Swift lines of the summary, from what the steps that ran wrote.
fn swift_summary(mode: &SwiftMode, report: &std::path::Path, toolchain: std::time::Duration) {
    let swift = match mode {
        SwiftMode::Skipped => {
            eprintln!("Swift: SKIPPED (asked)");
            return;
        }
        SwiftMode::OnPath(p) => format!("{} (on PATH)", p.display()),
        SwiftMode::Provisioned(p) => p.display().to_string(),
    };
    let read = |name: &str| std::fs::read_to_string(report.join(name)).ok().map(|s| s.trim().to_string());
    if let Some(n) = read("xctest") {
        eprintln!("Swift: {n} XCTests passed ({swift})");
    }
    if let Some(n) = read("scenarios") {
        eprintln!("Swift scenarios: {n} identical");
    }
    if let Some(s) = read("drill") {
        eprintln!("Drill Swift: {s}");
    }
    // What Swift added to this run: the toolchain plus each step's Swift part.
    let mut parts = vec![("toolchain".to_string(), toolchain.as_secs())];
    for line in read("times").unwrap_or_default().lines() {
        if let Some((part, secs)) = line.split_once(' ') {
            parts.push((part.to_string(), secs.trim().parse().unwrap_or(0)));
        }
    }
    let total: u64 = parts.iter().map(|(_, s)| s).sum();
    let each: Vec<String> = parts.iter().map(|(p, s)| format!("{p} {s} s")).collect();
    eprintln!("Swift time: {total} s ({})", each.join(", "));
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// Runs a step's script, passing `args` on to its test runner.
fn script(path: &str, args: &[String]) -> Result<()> {
    let full = root().join(path);
    anyhow::ensure!(full.exists(), "{path} is missing: the test suite of this step cannot run");
    run_cmd(Command::new("bash").arg(full).args(args).current_dir(root()))
}

/// Steps whose runner takes no arguments refuse them rather than ignore them.
fn no_args(step: &str, args: &[String]) -> Result<()> {
    anyhow::ensure!(args.is_empty(), "step {step} takes no runner arguments");
    Ok(())
}

fn run_step(step: &str, args: &[String]) -> Result<()> {
    match step {
        "regen" => no_args(step, args).and_then(|()| crate::regen::run_check()),
        // @redocly/cli and Spectral over the spec, and the clients openapi-python-client and
        // @hey-api/openapi-ts generate from it (mypy --strict, tsc --strict), pinned in tools/spec-lint.
        "spec-lint" => no_args(step, args).and_then(|()| script("tools/spec-lint/lint.sh", args)),
        "fmt" => no_args(step, args).and_then(|()| run_cmd(cargo().args(["fmt", "--all", "--check"]))),
        "workflows" => no_args(step, args).and_then(|()| crate::workflows::check()),
        // --all-features: the bindings' test hooks (feature `test-hooks`) are linted too.
        "clippy" => no_args(step, args).and_then(|()| {
            run_cmd(cargo().args(["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"]))
        }),
        "lint" => no_args(step, args).and_then(|()| crate::lint::run()),
        "rust" => run_cmd(cargo().args(["test", "--workspace"]).args(args)),
        "schemathesis" => script("crates/kontext-mgmt-emulator/tests/schemathesis.sh", args),
        "python" => script("bindings/python/test.sh", args),
        "node" => script("bindings/node/test.sh", args),
        "uniffi" => script("bindings/uniffi/test.sh", args),
        "scenarios" => script("tests/scenarios/run.sh", args),
        "drill" => no_args(step, args).and_then(|()| {
            run_cmd(Command::new("python3").arg(root().join("tests/drill/drill.py")).current_dir(root()))
        }),
        other => anyhow::bail!("unknown step {other}"),
    }
}
