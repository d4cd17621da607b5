//! `cargo xtask bench [NAME…]`: one emulator, every contender, interleaved, one report.
//!
//! Each contender program is run as `<program> --url URL --scenario S` and prints JSON
//! lines `{"contender", "scenario", "value", "unit", "reps"}`; rounds interleave programs
//! so machine drift hits every contender alike. Output: target/bench/report.{md,json}.

use crate::smoke::Emulator;
use crate::{root, run_cmd};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Which groups to run: emulator, core, python, node, kotlin (default: all).
    names: Vec<String>,
    /// Rounds per scenario (the median is reported).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

const GROUPS: &[&str] = &["emulator", "core", "python", "node", "kotlin"];
const SCENARIOS: &[&str] = &["get_seq", "create_get_seq", "concurrent64"];
/// The groups whose bench program measures `kit_start` (the test kit's in-process start).
const KIT_GROUPS: &[&str] = &["core", "python", "node", "kotlin"];

/// The size in MB of what the bench programs built in release mode (the wheel as pip installs
/// it; the Node addon as npm's platform package carries it).
fn package_sizes(groups: &[&str]) -> Vec<Value> {
    let target = root().join("target");
    let mut found: Vec<(&str, std::path::PathBuf)> = Vec::new();
    if groups.contains(&"python") {
        if let Ok(dir) = std::fs::read_dir(target.join("bench/python-wheel")) {
            found.extend(
                dir.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "whl"))
                    .map(|p| ("python-wheel", p)),
            );
        }
    }
    if groups.contains(&"node") {
        found.push(("node-addon", target.join("release/libkontext_mgmt_node.so")));
    }
    found
        .into_iter()
        .filter_map(|(what, path)| {
            let mb = std::fs::metadata(&path).ok()?.len() as f64 / 1_048_576.0;
            Some(json!({ "contender": what, "scenario": "package_size", "value": mb, "unit": "MB", "reps": [mb] }))
        })
        .collect()
}

/// A benchmark program of one group.
struct Program {
    group: &'static str,
    /// Builds it (release) and returns the command that runs it.
    prepare: fn() -> Result<Command>,
}

const PROGRAMS: &[Program] = &[
    Program { group: "core", prepare: prepare_core },
    Program { group: "python", prepare: || script_program("bindings/python/bench/run.sh") },
    Program { group: "node", prepare: || script_program("bindings/node/bench/run.sh") },
    Program { group: "kotlin", prepare: || script_program("bindings/uniffi/bench/run.sh") },
];

fn prepare_core() -> Result<Command> {
    run_cmd(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "-q",
        "-p",
        "kontext-mgmt",
        "--example",
        "bench",
    ]))?;
    Ok(Command::new(root().join("target/release/examples/bench")))
}

/// A binding's bench entry point: `run.sh prepare` builds (release) and installs what it
/// compares against; `run.sh --url … --scenario …` measures.
fn script_program(path: &'static str) -> Result<Command> {
    let script = root().join(path);
    if !script.exists() {
        bail!("{path} is missing");
    }
    run_cmd(Command::new("bash").arg(&script).arg("prepare").current_dir(root()))?;
    let mut cmd = Command::new("bash");
    cmd.arg(script);
    Ok(cmd)
}

/// The release emulator (and the `loadgen` example), started like every other test server.
fn start_emulator() -> Result<Emulator> {
    run_cmd(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "-q",
        "-p",
        "kontext-mgmt-emulator",
        "--bin",
        "kontext-emulator",
        "--example",
        "loadgen",
    ]))?;
    Emulator::start(&root().join("target/release/kontext-emulator"))
}

fn measure(cmd: &mut Command, url: &str, scenario: &str) -> Result<Vec<Value>> {
    let out = cmd.args(["--url", url, "--scenario", scenario]).current_dir(root()).stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        bail!("{cmd:?} failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("contender").is_some())
        .collect())
}

pub fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let groups: Vec<&str> = if args.names.is_empty() {
        GROUPS.to_vec()
    } else {
        for n in &args.names {
            anyhow::ensure!(GROUPS.contains(&n.as_str()), "unknown bench {n:?} (one of {GROUPS:?})");
        }
        GROUPS.iter().copied().filter(|g| args.names.iter().any(|n| n == g)).collect()
    };
    // Where the time goes, for the report (the whole run should stay under 15 minutes).
    let mut phases: Vec<(String, std::time::Duration)> = Vec::new();
    let mut lap = Instant::now();
    let mut phase = |name: &str| {
        phases.push((name.to_string(), lap.elapsed()));
        lap = Instant::now();
    };
    let emulator = start_emulator()?;
    phase("build and start the emulator");
    let mut rows: Vec<Value> = Vec::new();

    if groups.contains(&"emulator") {
        let rate = loadgen(&emulator.url, &["--connections", "32", "--seconds", "8"], "requests/s")?;
        rows.push(json!({ "contender": "emulator", "scenario": "emulator_get", "value": rate, "unit": "req/s", "reps": [rate] }));
        phase("emulator loadgen");
        // Token minting with 100k live tokens: the token store must not slow down with its size.
        let rate = loadgen(
            &emulator.url,
            &["--scenario", "mint", "--live", "100000", "--connections", "32", "--seconds", "5"],
            "tokens/s",
        )?;
        rows.push(json!({ "contender": "emulator", "scenario": "emulator_mint_100k_live", "value": rate, "unit": "tokens/s", "reps": [rate] }));
        phase("emulator token minting");
    }

    let mut programs = Vec::new();
    for p in PROGRAMS.iter().filter(|p| groups.contains(&p.group)) {
        eprintln!("preparing {} contenders", p.group);
        programs.push((p.group, (p.prepare)()?));
        phase(&format!("prepare {}", p.group));
    }
    let mut samples: Vec<Value> = Vec::new();
    for round in 0..args.rounds {
        for scenario in SCENARIOS {
            for (group, cmd) in programs.iter_mut() {
                eprintln!("round {} {scenario} {group}", round + 1);
                let mut c = clone_cmd(cmd);
                samples.extend(measure(&mut c, &emulator.url, scenario)?);
            }
        }
    }
    if !programs.is_empty() {
        phase(&format!("{} rounds of {}", args.rounds, SCENARIOS.join(", ")));
        seed_applications(&emulator.url, 100_000)?;
        for (group, cmd) in programs.iter_mut() {
            eprintln!("stream100k {group}");
            samples.extend(measure(&mut clone_cmd(cmd), &emulator.url, "stream100k")?);
        }
        phase("seed 100k applications and stream them");
        for (group, cmd) in programs.iter_mut() {
            if *group != "core" {
                eprintln!("cold_start {group}");
                samples.extend(measure(&mut clone_cmd(cmd), &emulator.url, "cold_start")?);
            }
        }
        phase("cold starts");
        // The test kit: an emulator started in-process (the bench programs that have the kit).
        for (group, cmd) in programs.iter_mut().filter(|(g, _)| KIT_GROUPS.contains(g)) {
            eprintln!("kit_start {group}");
            samples.extend(measure(&mut clone_cmd(cmd), &emulator.url, "kit_start")?);
        }
        rows.extend(package_sizes(&groups));
        phase("test kit start, package sizes");
    }
    rows.extend(aggregate(&samples));
    report(&rows, &phases, started.elapsed())
}

/// A measured value with three significant digits below 100 (a 0.027 ms start must not read
/// as 0.0), one decimal above.
fn num(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 || a == 0.0 => format!("{v:.1}"),
        a if a >= 10.0 => format!("{v:.2}"),
        a if a >= 1.0 => format!("{v:.3}"),
        a => {
            let digits = (2 - a.log10().floor() as i32).clamp(3, 9) as usize;
            format!("{v:.digits$}")
        }
    }
}

/// Runs the emulator's loadgen example and reads the number before `unit` in its line
/// ("... = 24996 requests/s (0 failed)").
fn loadgen(url: &str, args: &[&str], unit: &str) -> Result<f64> {
    let out = Command::new(root().join("target/release/examples/loadgen")).args(["--url", url]).args(args).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("loadgen {args:?} failed ({}): {}{}", out.status, text, String::from_utf8_lossy(&out.stderr));
    }
    eprintln!("emulator loadgen: {}", text.trim());
    text.split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[1].starts_with(unit))
        .and_then(|w| w[0].parse::<f64>().ok())
        .with_context(|| format!("loadgen printed no {unit}"))
}

fn clone_cmd(cmd: &Command) -> Command {
    let mut c = Command::new(cmd.get_program());
    c.args(cmd.get_args());
    c
}

/// Seeds through the admin route in chunks (request bodies are capped at 1 MiB).
fn seed_applications(url: &str, n: usize) -> Result<()> {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("seed-chunk.json");
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let apps: Vec<Value> = chunk
            .iter()
            .map(|i| json!({ "name": format!("stream-{i:06}"), "oauth": { "redirectUris": ["http://localhost/cb"] } }))
            .collect();
        std::fs::write(&path, json!({ "applications": apps }).to_string())?;
        let out = Command::new("curl")
            .args(["-sS", "--fail-with-body", "-X", "POST", "-H", "content-type: application/json", "--data-binary"])
            .arg(format!("@{}", path.display()))
            .arg(format!("{url}/_emulator/seed"))
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "seeding applications failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Median and spread per (contender, scenario).
fn aggregate(samples: &[Value]) -> Vec<Value> {
    let mut by: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    for s in samples {
        let key = (
            s["contender"].as_str().unwrap_or("?").to_string(),
            s["scenario"].as_str().unwrap_or("?").to_string(),
            s["unit"].as_str().unwrap_or("").to_string(),
        );
        let reps: Vec<f64> = match s["reps"].as_array() {
            Some(r) if !r.is_empty() => r.iter().filter_map(Value::as_f64).collect(),
            _ => s["value"].as_f64().into_iter().collect(),
        };
        by.entry(key).or_default().extend(reps);
    }
    by.into_iter()
        .map(|((contender, scenario, unit), mut v)| {
            v.sort_by(|a, b| a.total_cmp(b));
            let median = if v.len() % 2 == 1 { v[v.len() / 2] } else { (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0 };
            json!({ "contender": contender, "scenario": scenario, "unit": unit, "value": median,
                    "min": v[0], "max": v[v.len() - 1], "n": v.len() })
        })
        .collect()
}

fn value(rows: &[Value], contender: &str, scenario: &str) -> Option<f64> {
    rows.iter().find(|r| r["contender"] == contender && r["scenario"] == scenario).and_then(|r| r["value"].as_f64())
}

/// (description, contender, alternative, scenario, wanted ratio). For rates the ratio is
/// contender/alternative (≥ wanted); for "≤" goals it is alternative/contender.
const RATIO_GOALS: &[(&str, &str, &str, &str, f64, bool)] = &[
    ("Python sync ≥ 3× httpx, sequential", "kontext-sync", "httpx-sync", "get_seq", 3.0, true),
    ("Python async ≥ 6× httpx, 64 concurrent", "kontext-async", "httpx-async", "concurrent64", 6.0, true),
    ("Python async ≥ 1.5× aiohttp, 64 concurrent", "kontext-async", "aiohttp", "concurrent64", 1.5, true),
    ("Node ≥ 1.5× fetch, sequential", "kontext-node", "fetch", "get_seq", 1.5, true),
    ("Node ≥ 2× fetch, 64 concurrent", "kontext-node", "fetch", "concurrent64", 2.0, true),
    ("Python sync per call ≤ 1.25× Rust core", "kontext-rust", "kontext-sync", "get_seq", 1.25, false),
    ("Node per call ≤ 1.25× Rust core", "kontext-rust", "kontext-node", "get_seq", 1.25, false),
    ("Kotlin per call ≤ 1.25× Rust core", "kontext-rust", "kontext-kotlin", "get_seq", 1.25, false),
    ("Rust core per call ≤ 1.1× raw reqwest", "reqwest-raw", "kontext-rust", "get_seq", 1.1, false),
];

/// Each SDK contender and the hand-written alternatives it is compared with.
const ALTERNATIVES: &[(&str, &[&str])] = &[
    ("kontext-rust", &["reqwest-raw"]),
    ("kontext-sync", &["httpx-sync"]),
    ("kontext-async", &["httpx-async", "aiohttp"]),
    ("kontext-node", &["fetch", "openapi-fetch"]),
    ("kontext-kotlin", &["java-httpclient"]),
];

/// How many times faster `row`'s contender is than each alternative in the same scenario
/// (rates: ours/theirs; times: theirs/ours; memory is left to the table).
fn speedups(rows: &[Value], row: &Value) -> Vec<(String, f64)> {
    let (Some(contender), Some(scenario), Some(v)) =
        (row["contender"].as_str(), row["scenario"].as_str(), row["value"].as_f64())
    else {
        return Vec::new();
    };
    let alts = ALTERNATIVES.iter().find(|(c, _)| *c == contender).map(|(_, a)| *a).unwrap_or(&[]);
    alts.iter()
        .filter_map(|alt| {
            let theirs = value(rows, alt, scenario)?;
            match row["unit"].as_str() {
                Some("req/s") if theirs > 0.0 => Some((alt.to_string(), v / theirs)),
                Some("ms") if v > 0.0 => Some((alt.to_string(), theirs / v)),
                _ => None,
            }
        })
        .collect()
}

fn report(rows: &[Value], phases: &[(String, std::time::Duration)], took: std::time::Duration) -> Result<()> {
    let mut goals = Vec::new();
    for (what, a, b, scenario, want, higher_is_better) in RATIO_GOALS {
        let (Some(va), Some(vb)) = (value(rows, a, scenario), value(rows, b, scenario)) else { continue };
        let ratio = va / vb;
        let met = if *higher_is_better { ratio >= *want } else { ratio <= *want };
        goals.push(json!({ "goal": what, "ratio": ratio, "met": met }));
    }
    for contender in ["kontext-rust", "kontext-sync", "kontext-node", "kontext-kotlin"] {
        if let Some(mb) = value(rows, contender, "stream100k_rss") {
            goals.push(json!({ "goal": format!("{contender}: streaming 100k items grows RSS ≤ 30 MB"), "value": mb, "met": mb <= 30.0 }));
        }
    }
    for (contender, limit) in [("kontext-python-import", 50.0), ("kontext-node-require", 30.0)] {
        if let Some(ms) = value(rows, contender, "cold_start") {
            goals.push(json!({ "goal": format!("{contender} ≤ {limit} ms"), "value": ms, "met": ms <= limit }));
        }
    }
    for contender in ["kontext-rust-kit", "kontext-python-kit", "kontext-node-kit", "kontext-kotlin-kit"] {
        if let Some(ms) = value(rows, contender, "kit_start") {
            goals.push(json!({ "goal": format!("{contender}: in-process emulator start ≤ 50 ms"), "value": ms, "met": ms <= 50.0 }));
        }
    }
    if let Some(rps) = value(rows, "emulator", "emulator_get") {
        goals.push(json!({ "goal": "emulator ≥ 15,000 GET/s keep-alive", "value": rps, "met": rps >= 15_000.0 }));
    }

    let machine = machine();
    let timing: Vec<String> = phases.iter().map(|(n, d)| format!("{n} {:.0}s", d.as_secs_f64())).collect();
    let mut md = format!(
        "Machine: {machine}. One emulator (release, faults and rate limit off), contenders interleaved per round; medians (min–max) of each round. Took {:.0}s ({}).\n\n",
        took.as_secs_f64(),
        timing.join(", ")
    );
    md.push_str(
        "| scenario | contender | median | min–max | vs floor (raw reqwest) | vs what users would write instead |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    let mut sorted: Vec<&Value> = rows.iter().collect();
    sorted.sort_by_key(|r| {
        (r["scenario"].as_str().unwrap_or("").to_string(), r["contender"].as_str().unwrap_or("").to_string())
    });
    for r in sorted {
        let scenario = r["scenario"].as_str().unwrap_or("");
        let v = r["value"].as_f64().unwrap_or(0.0);
        let floor = value(rows, "reqwest-raw", scenario)
            .filter(|_| r["unit"] == "req/s")
            .map(|f| format!("{:.2}×", v / f))
            .unwrap_or_default();
        let vs = speedups(rows, r).iter().map(|(alt, x)| format!("{x:.2}× {alt}")).collect::<Vec<_>>().join(", ");
        md.push_str(&format!(
            "| {scenario} | {} | {} {} | {}–{} | {floor} | {vs} |\n",
            r["contender"].as_str().unwrap_or(""),
            num(v),
            r["unit"].as_str().unwrap_or(""),
            num(r["min"].as_f64().unwrap_or(v)),
            num(r["max"].as_f64().unwrap_or(v)),
        ));
    }
    md.push_str("\n| goal | measured | met |\n| --- | --- | --- |\n");
    for g in &goals {
        let measured = g
            .get("ratio")
            .and_then(Value::as_f64)
            .map(|r| format!("{r:.2}×"))
            .unwrap_or_else(|| num(g["value"].as_f64().unwrap_or(0.0)));
        md.push_str(&format!(
            "| {} | {measured} | {} |\n",
            g["goal"].as_str().unwrap_or(""),
            if g["met"] == true { "met" } else { "NOT met" }
        ));
    }
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let vs: serde_json::Map<String, Value> =
                speedups(rows, &r).into_iter().map(|(a, x)| (a, json!(x))).collect();
            if !vs.is_empty() {
                r["speedup_vs"] = Value::Object(vs);
            }
            r
        })
        .collect();
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("report.md"), &md)?;
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(&json!({
            "machine": machine, "rows": rows, "goals": goals, "seconds": took.as_secs_f64(),
            "phases": phases.iter().map(|(n, d)| json!({ "phase": n, "seconds": d.as_secs_f64() })).collect::<Vec<_>>(),
        }))?,
    )?;
    println!("{md}");
    eprintln!("wrote target/bench/report.md and report.json");
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!("{cpu}, {cores} cores, {}", std::env::consts::OS)
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn small_values_keep_three_significant_digits() {
        assert_eq!(num(0.027), "0.0270");
        assert_eq!(num(0.5), "0.500");
        assert_eq!(num(4.2), "4.200");
        assert_eq!(num(42.0), "42.00");
        assert_eq!(num(1446.4), "1446.4");
        assert_eq!(num(0.0), "0.0");
    }
}
