//! `cargo xtask test`: every check and test of every language, in one command.

use crate::{root, run_cmd};
use anyhow::Result;
use std::process::Command;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Run only these steps (by name); default: all.
    #[arg(long = "only")]
    only: Vec<String>,
}

/// Every step, in order. A step that needs a tool installs it (pip/npm/Maven) itself.
const STEPS: &[&str] =
    &["regen", "fmt", "clippy", "rust", "schemathesis", "python", "node", "uniffi", "scenarios", "drill"];

pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let mut timings = Vec::new();
    for step in STEPS {
        if !args.only.is_empty() && !args.only.iter().any(|s| s == step) {
            continue;
        }
        eprintln!("\n==> {step}");
        let t = Instant::now();
        run_step(step)?;
        timings.push((step, t.elapsed()));
    }
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

fn script(path: &str) -> Result<()> {
    let full = root().join(path);
    anyhow::ensure!(full.exists(), "{path} is missing: the test suite of this step cannot run");
    run_cmd(Command::new("bash").arg(full).current_dir(root()))
}

fn run_step(step: &str) -> Result<()> {
    match step {
        "regen" => crate::regen::run_check(),
        "fmt" => run_cmd(cargo().args(["fmt", "--all", "--check"])),
        "clippy" => run_cmd(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])),
        "rust" => run_cmd(cargo().args(["test", "--workspace"])),
        "schemathesis" => script("crates/kontext-mgmt-emulator/tests/schemathesis.sh"),
        "python" => script("bindings/python/test.sh"),
        "node" => script("bindings/node/test.sh"),
        "uniffi" => script("bindings/uniffi/test.sh"),
        "scenarios" => script("tests/scenarios/run.sh"),
        "drill" => run_cmd(Command::new("python3").arg(root().join("tests/drill/drill.py")).current_dir(root())),
        other => anyhow::bail!("unknown step {other}"),
    }
}
