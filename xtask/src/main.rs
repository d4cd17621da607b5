//! Project tasks: `cargo xtask regen | test | publish | bench | fuzz | swift-toolchain`.

mod bench;
mod fuzz;
mod lint;
mod publish;
mod regen;
mod smoke;
mod swift;
mod targets;
mod test;
mod workflows;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "kontext-mgmt project tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every checked-in file derived from the spec and report API changes.
    Regen(regen::Args),
    /// Run every test in every language (what the README and CI run).
    Test(test::Args),
    /// Benchmarks against what users would use instead; writes target/bench/report.{md,json}.
    Bench(bench::Args),
    /// The randomized harness over the decoders of server input (>= 1M executions).
    Fuzz(fuzz::Args),
    /// Build every release artifact into dist/ and smoke-test it (dry run unless --no-dry-run).
    Publish(publish::Args),
    /// Provision (or reuse) the pinned Swift toolchain; prints the directory holding `swift`.
    SwiftToolchain(swift::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen(args) => regen::run(args),
        Command::Test(args) => test::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Publish(args) => publish::run(args),
        Command::SwiftToolchain(args) => swift::run(args),
        Command::Fuzz(args) => fuzz::run(args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// The repository root (xtask lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}

/// Runs a command, streaming its output; fails naming it when it fails.
pub fn run_cmd(cmd: &mut std::process::Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("$ {shown}");
    let status = cmd.status().map_err(|e| anyhow::anyhow!("cannot start {shown}: {e}"))?;
    anyhow::ensure!(status.success(), "{shown} failed ({status})");
    Ok(())
}

pub fn spec_path() -> PathBuf {
    root().join("openapi/kontext-management.yaml")
}
