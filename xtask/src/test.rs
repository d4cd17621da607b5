//! `cargo xtask test`: every check and test of every language, in one command.

use crate::{root, run_cmd};
use anyhow::Result;
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
const STEPS: &[&str] =
    &["regen", "fmt", "workflows", "clippy", "rust", "schemathesis", "python", "node", "uniffi", "scenarios", "drill"];

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
    for step in STEPS {
        if !args.only.is_empty() && !args.only.iter().any(|s| s == step) {
            continue;
        }
        eprintln!("\n==> {step}");
        let t = Instant::now();
        run_step(step, &args.runner_args)?;
        timings.push((step, t.elapsed()));
    }
    anyhow::ensure!(!timings.is_empty(), "no step ran");
    eprintln!("\nall steps passed in {:.0?}:", started.elapsed());
    for (step, d) in timings {
        eprintln!("  {step:<8} {d:.1?}");
    }
    Ok(())
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
        "fmt" => no_args(step, args).and_then(|()| run_cmd(cargo().args(["fmt", "--all", "--check"]))),
        "workflows" => no_args(step, args).and_then(|()| crate::workflows::check()),
        "clippy" => no_args(step, args)
            .and_then(|()| run_cmd(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))),
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
