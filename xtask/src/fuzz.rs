//! `cargo xtask fuzz`: the randomized harness over the decoders of server-chosen input
//! (crates/kontext-mgmt/src/fuzz.rs), at least a million executions; a benchmark-like step,
//! not part of `cargo xtask test` (which runs a 10k smoke of it).

use anyhow::Result;
use std::process::Command;

#[derive(clap::Args)]
pub struct Args {
    /// Executions in total (over all cores).
    #[arg(long, default_value_t = 1_000_000)]
    iterations: u64,
    /// Seed of the random inputs (random when not given; printed either way).
    #[arg(long)]
    seed: Option<u64>,
}

pub fn run(args: Args) -> Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(crate::root()).args(["run", "--quiet", "-p", "kontext-mgmt", "--example", "fuzz", "--"]);
    cmd.arg(args.iterations.to_string());
    if let Some(seed) = args.seed {
        cmd.arg(seed.to_string());
    }
    let status = cmd.status()?;
    anyhow::ensure!(status.success(), "the fuzz run failed ({status})");
    Ok(())
}
