//! `cargo xtask publish [--dry-run | --no-dry-run] [--target <triple>]...`: builds every release
//! artifact into `dist/` for each target (default: every Linux target, cross-built with zig on a
//! Linux machine): abi3 wheels (manylinux2014 / musllinux_1_2) and the sdist, the npm main
//! package and one platform package per target, the crate packages, one Kotlin jar with every
//! glibc target's native library, the zipped Swift package and SHA256SUMS. Every artifact is
//! checked (auditwheel's verdict, the glibc symbol versions and libc of every native library,
//! sizes against budgets) and listed in a table; the packages that can run here are then
//! smoke-tested against a real emulator (aarch64 ones under qemu). Dry-run is the default; with
//! `--no-dry-run` it uploads using tokens from the environment, and stops first, naming the
//! missing variables, when they are not set.

use anyhow::{bail, ensure, Context, Result};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::smoke::{self, output, Emulator};
use crate::targets::{self, Libc, Target};
use crate::{root, run_cmd};

#[derive(clap::Args)]
pub struct Args {
    /// Build and smoke-test only (the default).
    #[arg(long, conflicts_with = "no_dry_run")]
    dry_run: bool,
    /// Build, smoke-test, then upload (needs PYPI_TOKEN, NPM_TOKEN, CARGO_REGISTRY_TOKEN,
    /// MAVEN_REPOSITORY_URL, MAVEN_USERNAME, MAVEN_PASSWORD).
    #[arg(long)]
    no_dry_run: bool,
    /// The Rust target triples to build for (repeatable); default: every Linux target on a
    /// Linux machine, else this machine's own.
    #[arg(long = "target", value_name = "TRIPLE")]
    targets: Vec<String>,
    /// Also install the sdist into a fresh virtualenv (compiles it from its own sources).
    #[arg(long)]
    verify_sdist: bool,
    /// Skip the Kotlin jar and the Swift package (bindings/uniffi/package.sh; needs Maven).
    #[arg(long)]
    skip_uniffi: bool,
    /// Skip the aarch64 smoke tests under qemu.
    #[arg(long)]
    skip_qemu: bool,
    /// Build nothing: check DIR against its SHA256SUMS and upload what it holds (the release
    /// workflow's gathering job).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["dry_run", "targets"])]
    upload_only: Option<PathBuf>,
}

const UPLOAD_VARS: &[&str] =
    &["PYPI_TOKEN", "NPM_TOKEN", "CARGO_REGISTRY_TOKEN", "MAVEN_REPOSITORY_URL", "MAVEN_USERNAME", "MAVEN_PASSWORD"];
/// Publish order: kontext-mgmt needs the codegen (build) and the emulator (dev, for its tests).
const CRATES: [&str; 3] = ["kontext-mgmt-codegen", "kontext-mgmt-emulator", "kontext-mgmt"];
/// The Cargo profile of every shipped native library (Cargo.toml: release plus LTO).
const PROFILE: &str = "dist";
/// The cross-build tools (PyPI), pinned; maturin's pin comes from requirements-dev.txt.
const ZIG_PINS: &[&str] = &["ziglang==0.17.0", "cargo-zigbuild==0.24.0", "auditwheel==6.8.2"];

/// One line of the artifact table.
struct Row {
    artifact: String,
    tag: String,
    glibc: String,
    size: u64,
}

/// What the build of one target produced.
struct Built {
    target: Target,
    wheel: PathBuf,
    npm: PathBuf,
    /// The unstripped uniffi library (glibc targets; its UniFFI metadata feeds uniffi-bindgen).
    uniffi: Option<PathBuf>,
}

struct Ctx {
    root: PathBuf,
    work: PathBuf,
    dist: PathBuf,
    version: String,
    /// PATH with the tools virtualenv first (maturin, cargo-zigbuild, zig through ziglang).
    path: OsString,
    tools: PathBuf,
    /// Linux host: cross builds go through zig.
    zig: bool,
    rows: Vec<Row>,
}

impl Ctx {
    fn cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.current_dir(&self.root).env("PATH", &self.path);
        c
    }
    fn row(&mut self, path: &Path, tag: impl Into<String>, glibc: impl Into<String>) -> Result<()> {
        let size = fs::metadata(path)?.len();
        self.rows.push(Row { artifact: file_name(path), tag: tag.into(), glibc: glibc.into(), size });
        Ok(())
    }
}

pub fn run(args: Args) -> Result<()> {
    let dry = !args.no_dry_run;
    let _ = args.dry_run; // explicit form of the default
    if !dry || args.upload_only.is_some() {
        let missing: Vec<&str> =
            UPLOAD_VARS.iter().copied().filter(|v| std::env::var_os(v).is_none_or(|s| s.is_empty())).collect();
        if !missing.is_empty() {
            bail!(
                "uploading to PyPI, npm, crates.io and Maven needs these environment variables, which are missing: {} \
                 (nothing was built or uploaded)",
                missing.join(", ")
            );
        }
    }
    let root = root();
    if let Some(dir) = &args.upload_only {
        let dir = if dir.is_absolute() { dir.clone() } else { root.join(dir) };
        run_cmd(sha256sum().current_dir(&dir).args(["--quiet", "-c", "SHA256SUMS"]))?;
        return upload(&root, &dir);
    }
    let host = targets::host()?;
    let chosen: Vec<Target> = if args.targets.is_empty() {
        targets::default_targets(&host)?
    } else {
        args.targets.iter().map(|t| targets::by_triple(t)).collect::<Result<_>>()?
    };
    let linux_host = host.contains("-linux-");
    ensure!(
        chosen.iter().all(|t| t.linux() == linux_host || !linux_host),
        "macOS and Windows packages need those systems' SDKs: build them on their own runners \
         (.github/workflows/release.yml)"
    );
    targets::ensure_rust_targets(&chosen)?;

    let work = root.join("target/publish");
    let dist = root.join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist).context("cleaning dist/")?;
    }
    fs::create_dir_all(&dist)?;
    fs::create_dir_all(&work)?;
    let version = workspace_version(&root)?;
    let tools = tools_venv(&root, &work, linux_host)?;
    let mut path = OsString::from(tools.as_os_str());
    path.push(if cfg!(windows) { ";" } else { ":" });
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let mut ctx = Ctx { root, work, dist, version, path, tools, zig: linux_host, rows: Vec::new() };

    let mut notes: Vec<String> = Vec::new();
    let mut built = Vec::new();
    for t in &chosen {
        eprintln!("\n==> {}", t.triple);
        let wheel = build_wheel(&mut ctx, t)?;
        let with_uniffi = !args.skip_uniffi && t.jna.is_some();
        let (node_lib, uniffi) = build_native(&ctx, t, with_uniffi)?;
        let npm = npm_platform_package(&mut ctx, t, &node_lib)?;
        built.push(Built { target: *t, wheel, npm, uniffi });
    }
    // Everything below is the same on every platform: made once, on Linux (the release
    // workflow takes only the wheels, npm platform packages and native libraries of the others).
    let npm_main = if linux_host { Some(npm_main_package(&mut ctx, &built)?) } else { None };
    if linux_host {
        build_sdist(&mut ctx)?;
        let crates = build_crates(&ctx.root, &ctx.dist)?;
        for c in &crates {
            ctx.row(c, "crate", "-")?;
        }
    } else {
        jna_folder(&ctx, &built)?;
    }
    if args.skip_uniffi {
        notes.push("Kotlin jar and Swift package skipped (--skip-uniffi)".into());
    } else if linux_host {
        build_uniffi(&mut ctx, &built)?;
    }
    write_sums(&ctx.dist)?;
    print_table(&ctx.rows);

    // Smoke tests against a real emulator, for what can run here.
    let x86 = host.starts_with("x86_64-") && linux_host;
    if let (true, Some(npm_main)) = (x86, &npm_main) {
        run_cmd(ctx.cmd("cargo").args(["build", "-q", "-p", "kontext-mgmt-emulator", "--bin", "kontext-emulator"]))?;
        let emulator = Emulator::start(&ctx.root.join("target/debug/kontext-emulator"))?;
        let url = emulator.url.clone();
        let kotlin_cp = match (args.skip_uniffi, find(&ctx.dist, |n| n.ends_with(".jar")).ok()) {
            (false, Some(jar)) => {
                Some(smoke::kotlin_smoke_classpath(&ctx.work, &jar, &ctx.root.join("bindings/uniffi/kotlin/pom.xml"))?)
            }
            _ => None,
        };
        let platforms: Vec<PathBuf> = built.iter().map(|b| b.npm.clone()).collect();
        let inputs = SmokeInputs { npm_main, platforms: &platforms, kotlin_cp: kotlin_cp.as_deref(), url: &url };
        for b in &built {
            match (b.target.triple, b.target.libc) {
                ("x86_64-unknown-linux-gnu", _) => smoke_x86(&ctx, b, &inputs, &mut notes)?,
                ("aarch64-unknown-linux-gnu", _) if args.skip_qemu => {
                    notes.push("aarch64 packages not run (--skip-qemu)".into())
                }
                ("aarch64-unknown-linux-gnu", _) => smoke_aarch64(&ctx, b, &inputs)?,
                (_, Libc::Musl) => notes.push(format!(
                    "{}: checked statically (no glibc symbol, links musl, auditwheel's tag); running it needs an \
                     Alpine (musl) system with Python and Node of that architecture",
                    b.target.triple
                )),
                _ => {}
            }
        }
        if args.verify_sdist {
            verify_sdist(&ctx, &url)?;
        } else {
            notes.push("sdist not installed (pass --verify-sdist to build it from itself)".into());
        }
    } else {
        notes.push(format!("no smoke test on {host} (the smoke tests run on an x86_64 Linux machine)"));
    }
    for n in &notes {
        println!("note: {n}");
    }
    if dry {
        eprintln!("dry run: nothing uploaded (pass --no-dry-run with the tokens set to publish)");
        return Ok(());
    }
    let dist = ctx.dist.clone();
    upload(&ctx.root, &dist)
}

/// The tools virtualenv (pinned maturin; on Linux also ziglang, cargo-zigbuild, auditwheel).
fn tools_venv(root: &Path, work: &Path, zig: bool) -> Result<PathBuf> {
    let reqs = fs::read_to_string(root.join("bindings/python/requirements-dev.txt"))?;
    let maturin = reqs
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("maturin"))
        .context("no maturin pin in bindings/python/requirements-dev.txt")?
        .to_string();
    let mut pins = vec![maturin.as_str()];
    if zig {
        pins.extend_from_slice(ZIG_PINS);
    }
    let venv = work.join("tools");
    let bin = venv.join(if cfg!(windows) { "Scripts" } else { "bin" });
    let stamp = venv.join(".pins");
    let want = pins.join("\n");
    if fs::read_to_string(&stamp).ok().as_deref() != Some(want.as_str()) {
        if venv.exists() {
            fs::remove_dir_all(&venv)?;
        }
        run_cmd(Command::new(python()).args(["-m", "venv"]).arg(&venv))?;
        run_cmd(
            Command::new(bin.join("python"))
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
                .args(&pins),
        )?;
        fs::write(&stamp, want)?;
    }
    Ok(bin)
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Rust flags of a musl target: a cdylib needs the C runtime linked dynamically.
fn target_env(cmd: &mut Command, t: &Target) {
    if t.libc == Libc::Musl {
        let var = format!("CARGO_TARGET_{}_RUSTFLAGS", t.triple.to_uppercase().replace('-', "_"));
        cmd.env(var, "-C target-feature=-crt-static");
    }
}

fn build_wheel(ctx: &mut Ctx, t: &Target) -> Result<PathBuf> {
    let out = ctx.work.join("wheels").join(t.triple);
    smoke::fresh_dir(&out)?;
    let mut cmd = ctx.cmd(ctx.tools.join("maturin"));
    cmd.args(["build", "--profile", PROFILE, "--strip", "--target", t.triple, "--manifest-path"])
        .arg(ctx.root.join("bindings/python/Cargo.toml"))
        .arg("--out")
        .arg(&out);
    if ctx.zig {
        // zig links against the target's libc at the version the tag promises (glibc 2.17).
        cmd.args(["--zig", "--compatibility", t.wheel_compat()]);
    }
    // maturin's Rust flags differ from cargo-zigbuild's, and cargo keeps one build of a crate
    // per flag-independent hash: sharing target/ would rebuild everything twice on every run.
    cmd.env("CARGO_TARGET_DIR", ctx.root.join("target/publish/wheel-target"));
    run_cmd(&mut cmd)?;
    let built = find(&out, |n| n.ends_with(".whl"))?;
    let wheel = ctx.dist.join(file_name(&built));
    fs::rename(&built, &wheel)?;
    let name = file_name(&wheel);
    ensure!(name.contains("-abi3-"), "the wheel {name} is not abi3");
    targets::check_size(&wheel, targets::WHEEL_MAX)?;
    let (tag, glibc) = match t.wheel_tag() {
        Some(tag) => {
            ensure!(name.contains(&tag), "the wheel {name} is not tagged {tag}");
            let shown = output(ctx.cmd(ctx.tools.join("auditwheel")).arg("show").arg(&wheel))?;
            let verdict = auditwheel_tag(&shown)
                .with_context(|| format!("auditwheel show {name} gave no platform tag:\n{shown}"))?;
            ensure!(verdict == tag, "auditwheel says {name} is {verdict}, not the {tag} of its name:\n{shown}");
            let glibc = native_in_wheel(ctx, &wheel, t)?;
            (format!("{tag} (auditwheel: {verdict})"), glibc)
        }
        None => (t.libc_name().to_string(), "-".to_string()),
    };
    ctx.row(&wheel, tag, glibc)?;
    Ok(wheel)
}

/// The tag in auditwheel show's `... consistent with the following platform tag: "TAG".`
fn auditwheel_tag(shown: &str) -> Option<String> {
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    let rest = flat.split("platform tag:").nth(1)?;
    Some(rest.split('"').nth(1)?.to_string())
}

/// Checks the extension module inside a wheel; returns its max GLIBC for the table.
fn native_in_wheel(ctx: &Ctx, wheel: &Path, t: &Target) -> Result<String> {
    let dir = ctx.work.join("wheel-check").join(t.triple);
    smoke::fresh_dir(&dir)?;
    run_cmd(Command::new("unzip").args(["-q", "-o"]).arg(wheel).arg("-d").arg(&dir))?;
    let so = find(&dir.join("kontext_mgmt"), |n| n.starts_with("_native") && n.ends_with(".so"))?;
    targets::check_elf(&so, t)
}

/// The Node addon and (for the jar) the uniffi library of one target, built with [`PROFILE`].
fn build_native(ctx: &Ctx, t: &Target, with_uniffi: bool) -> Result<(PathBuf, Option<PathBuf>)> {
    let mut cmd = ctx.cmd("cargo");
    if ctx.zig {
        cmd.args(["zigbuild", "--profile", PROFILE, "-q", "--target"]).arg(t.build_triple());
    } else {
        cmd.args(["build", "--profile", PROFILE, "-q", "--target", t.triple]);
    }
    cmd.args(["-p", "kontext-mgmt-node"]);
    if with_uniffi {
        cmd.args(["-p", "kontext-mgmt-uniffi"]);
    }
    target_env(&mut cmd, t);
    run_cmd(&mut cmd)?;
    let out = ctx.root.join("target").join(t.triple).join(PROFILE);
    let node = out.join(t.cdylib("kontext_mgmt_node"));
    ensure!(node.exists(), "the build made no {} (a cdylib for {})", node.display(), t.triple);
    let uniffi = with_uniffi.then(|| out.join(t.cdylib("kontext_mgmt_uniffi")));
    Ok((node, uniffi))
}

/// A strip that knows every target's object format (llvm-strip), else the system's.
fn strip(file: &Path, t: &Target) -> Result<()> {
    if t.os == "win32" {
        return Ok(()); // MSVC keeps a DLL's symbols in its .pdb, not in the DLL
    }
    let tool = if Command::new("llvm-strip").arg("--version").output().is_ok() {
        "llvm-strip"
    } else {
        ensure!(
            t.triple.starts_with(std::env::consts::ARCH),
            "stripping a {} library needs llvm-strip (apt-get install llvm)",
            t.triple
        );
        "strip"
    };
    let mut cmd = Command::new(tool);
    // macOS strip takes -x for "local symbols only" (keeps the exported ones).
    cmd.arg(if t.os == "darwin" { "-x" } else { "--strip-unneeded" }).arg(file);
    run_cmd(&mut cmd)
}

fn node_package_json(ctx: &Ctx) -> Result<serde_json::Value> {
    let pkg: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ctx.root.join("bindings/node/package.json"))?)?;
    ensure!(
        pkg["version"].as_str() == Some(ctx.version.as_str()),
        "bindings/node/package.json version {} differs from the workspace version {}",
        pkg["version"],
        ctx.version
    );
    Ok(pkg)
}

fn npm_pack(dir: &Path, dist: &Path) -> Result<PathBuf> {
    let out = output(Command::new("npm").current_dir(dir).args(["pack", "--silent", "--pack-destination"]).arg(dist))?;
    let tgz = dist.join(out.lines().last().context("npm pack printed nothing")?.trim());
    ensure!(tgz.exists(), "npm pack did not produce {}", tgz.display());
    Ok(tgz)
}

/// The platform package: the .node alone, with os/cpu/libc so npm only installs it there.
fn npm_platform_package(ctx: &mut Ctx, t: &Target, lib: &Path) -> Result<PathBuf> {
    let pkg = node_package_json(ctx)?;
    let name = pkg["name"].as_str().context("package.json has no name")?;
    let plat_name = format!("{name}-{}", t.npm);
    let node_file_name = format!("{name}.{}.node", t.npm);
    let dir = ctx.work.join("npm").join(&plat_name);
    smoke::fresh_dir(&dir)?;
    let node_file = dir.join(&node_file_name);
    fs::copy(lib, &node_file)?;
    strip(&node_file, t)?;
    let node_size = targets::check_size(&node_file, targets::NODE_MAX)?;
    let glibc = if t.linux() { targets::check_elf(&node_file, t)? } else { "-".into() };
    let mut plat_pkg = serde_json::json!({
        "name": plat_name,
        "version": ctx.version,
        "description": format!("The {} native module of {name}", t.npm),
        "license": pkg["license"],
        "repository": pkg["repository"],
        "main": node_file_name,
        "files": [node_file_name],
        "os": [t.os],
        "cpu": [t.cpu],
        "engines": pkg["engines"],
    });
    if t.linux() {
        plat_pkg["libc"] = serde_json::json!([t.libc_name()]);
    }
    fs::write(dir.join("package.json"), serde_json::to_string_pretty(&plat_pkg)? + "\n")?;
    fs::write(
        dir.join("README.md"),
        format!(
            "# {plat_name}\n\nThe `{}` native module of [`{name}`](https://www.npmjs.com/package/{name}); install `{name}` instead.\n",
            t.npm
        ),
    )?;
    let tgz = npm_pack(&dir, &ctx.dist)?;
    let listing = output(Command::new("tar").arg("tzf").arg(&tgz))?;
    ensure!(listing.contains(&node_file_name), "the platform npm package lacks {node_file_name}");
    ctx.row(&tgz, format!("npm {} {}/{}", t.os, t.cpu, t.libc_name()), glibc.clone())?;
    ctx.rows.push(Row {
        artifact: format!("  (inside) {node_file_name}"),
        tag: t.libc_name().into(),
        glibc,
        size: node_size,
    });
    Ok(tgz)
}

/// The main package: the JS files, no .node, optionalDependencies on every platform package
/// built here at the same version (what `napi pre-publish` writes), plus the macOS and Windows
/// ones the release workflow builds on their runners.
fn npm_main_package(ctx: &mut Ctx, built: &[Built]) -> Result<PathBuf> {
    let pkg = node_package_json(ctx)?;
    let name = pkg["name"].as_str().context("package.json has no name")?.to_string();
    let node_src = ctx.root.join("bindings/node");
    let dir = ctx.work.join("npm").join(&name);
    smoke::fresh_dir(&dir)?;
    let files = pkg["files"].as_array().context("package.json has no files list")?;
    for f in files.iter().filter_map(|f| f.as_str()) {
        if f.contains('*') {
            continue; // *.node: lives in the platform packages
        }
        let from = node_src.join(f.trim_end_matches('/'));
        ensure!(from.exists(), "bindings/node/package.json lists {f}, which does not exist");
        copy_tree(&from, &dir.join(f.trim_end_matches('/')))?;
    }
    let mut optional = serde_json::Map::new();
    for t in targets::TARGETS {
        let here = built.iter().any(|b| b.target.triple == t.triple);
        // On a Linux machine the others come from the release workflow's runners.
        if here || !t.linux() {
            optional.insert(format!("{name}-{}", t.npm), serde_json::json!(ctx.version));
        }
    }
    let mut main_pkg = pkg.clone();
    let obj = main_pkg.as_object_mut().context("package.json is not an object")?;
    obj.remove("devDependencies");
    obj.remove("scripts");
    obj.insert(
        "files".into(),
        serde_json::json!(files.iter().filter(|f| !f.as_str().unwrap_or("").contains('*')).collect::<Vec<_>>()),
    );
    obj.insert("optionalDependencies".into(), serde_json::Value::Object(optional));
    fs::write(dir.join("package.json"), serde_json::to_string_pretty(&main_pkg)? + "\n")?;
    let tgz = npm_pack(&dir, &ctx.dist)?;
    let listing = output(Command::new("tar").arg("tzf").arg(&tgz))?;
    ensure!(!listing.contains(".node"), "the main npm package carries a .node file");
    ctx.row(&tgz, "npm main (optionalDependencies)", "-")?;
    Ok(tgz)
}

fn build_sdist(ctx: &mut Ctx) -> Result<()> {
    let out = ctx.work.join("sdist");
    smoke::fresh_dir(&out)?;
    run_cmd(
        ctx.cmd(ctx.tools.join("maturin"))
            .args(["sdist", "--manifest-path"])
            .arg(ctx.root.join("bindings/python/Cargo.toml"))
            .arg("--out")
            .arg(&out),
    )?;
    let built = find(&out, |n| n.ends_with(".tar.gz"))?;
    let sdist = ctx.dist.join(file_name(&built));
    fs::rename(&built, &sdist)?;
    let listing = output(Command::new("tar").arg("tzvf").arg(&sdist))?;
    let spec = listing
        .lines()
        .find(|l| l.ends_with("openapi/kontext-management.yaml"))
        .with_context(|| format!("the sdist {} does not carry the spec", file_name(&sdist)))?;
    ensure!(spec.starts_with('-'), "the sdist carries the spec as a link, not a file: {spec}");
    ctx.row(&sdist, "sdist (builds from source)", "-")
}

/// macOS/Windows runners: their stripped uniffi library in JNA's layout under dist/jna/, for
/// the release workflow to add to the Linux runner's jar.
fn jna_folder(ctx: &Ctx, built: &[Built]) -> Result<()> {
    for b in built {
        let (Some(lib), Some(jna)) = (&b.uniffi, b.target.jna) else { continue };
        let dir = ctx.dist.join("jna").join(jna);
        fs::create_dir_all(&dir)?;
        let to = dir.join(file_name(lib));
        fs::copy(lib, &to)?;
        strip(&to, &b.target)?;
    }
    Ok(())
}

/// One jar with every glibc target's library (bindings/uniffi/package.sh generates the
/// bindings from the first, unstripped, and strips the copies it packs).
fn build_uniffi(ctx: &mut Ctx, built: &[Built]) -> Result<()> {
    let script = ctx.root.join("bindings/uniffi/package.sh");
    ensure!(script.exists(), "bindings/uniffi/package.sh is missing: no Kotlin jar or Swift package");
    let pairs: Vec<(String, PathBuf)> =
        built.iter().filter_map(|b| Some((b.target.jna?.to_string(), b.uniffi.clone()?))).collect();
    ensure!(!pairs.is_empty(), "no glibc target was built: the jar would have no native library");
    let mut cmd = ctx.cmd("bash");
    cmd.arg(&script).arg(&ctx.dist);
    for (jna, lib) in &pairs {
        cmd.arg(format!("{jna}={}", lib.display()));
    }
    if Command::new("llvm-strip").arg("--version").output().is_ok() {
        cmd.env("STRIP", "llvm-strip");
    }
    run_cmd(&mut cmd)?;
    let jar = find(&ctx.dist, |n| n.ends_with(".jar"))?;
    let listing = output(Command::new("unzip").arg("-l").arg(&jar))?;
    let mut dirs = Vec::new();
    for (jna, _) in &pairs {
        ensure!(listing.contains(&format!("{jna}/")), "{} lacks the {jna} native library", file_name(&jar));
        dirs.push(jna.clone());
    }
    ctx.row(&jar, format!("jar: {}", dirs.join(", ")), "see .node")?;
    let zip = find(&ctx.dist, |n| n.ends_with(".zip"))?;
    ctx.row(&zip, "Swift package (linux-x86_64 lib)", "-")
}

fn print_table(rows: &[Row]) {
    println!("\n{:<56} {:<52} {:>10} {:>10}", "artifact (dist/)", "tag / libc", "max GLIBC", "size");
    for r in rows {
        println!("{:<56} {:<52} {:>10} {:>10}", r.artifact, r.tag, r.glibc, human(r.size));
    }
    println!(
        "budgets: wheel <= {}, .node <= {} (checked for each)",
        human(targets::WHEEL_MAX),
        human(targets::NODE_MAX)
    );
}

/// What every smoke test uses: the npm packages, the compiled Kotlin program's class path, the
/// emulator's address.
struct SmokeInputs<'a> {
    npm_main: &'a Path,
    platforms: &'a [PathBuf],
    kotlin_cp: Option<&'a str>,
    url: &'a str,
}

/// x86_64 glibc: the wheel on Python 3.9 and the newest pyenv Python, the npm packages with
/// this machine's Node, the jar with its Java.
fn smoke_x86(ctx: &Ctx, b: &Built, s: &SmokeInputs<'_>, notes: &mut Vec<String>) -> Result<()> {
    let SmokeInputs { npm_main, platforms, kotlin_cp, url } = s;
    let pythons = smoke::pythons();
    if pythons.is_empty() {
        notes.push("no pyenv Pythons found: the wheel ran on python3 only".into());
        eprint!("{}", smoke::python_venv(&ctx.work, Path::new(&python()), &b.wheel, url, "python3")?);
    }
    for (version, python) in &pythons {
        eprint!("{}", smoke::python_venv(&ctx.work, python, &b.wheel, url, &format!("py{version}"))?);
    }
    let dir = ctx.work.join("smoke-npm-x64");
    smoke::npm_install(&dir, npm_main, platforms, "x64", "glibc")?;
    let call = |url: &str| {
        output(smoke::with_kontext_env(
            Command::new("node").current_dir(&dir).env_remove("KONTEXT_MGMT_NATIVE").args([
                "-e",
                smoke::NODE_SMOKE,
                b.target.npm,
            ]),
            url,
        ))
    };
    let out = call(url)?;
    ensure!(
        out.contains("node smoke ok") && out.contains("node_modules/kontext-mgmt-linux-x64-gnu"),
        "node smoke: {out}"
    );
    eprint!("{out}");
    // The package's own emulator: the `kontext-emulator` bin npm linked, started as a user would.
    let mut bin = Command::new(dir.join("node_modules/.bin/kontext-emulator"));
    bin.args(["--port", "0"]).current_dir(&dir).env_remove("KONTEXT_MGMT_NATIVE");
    let own = Emulator::spawn(bin)?;
    let again = call(&own.url)?;
    ensure!(again.contains("node smoke ok"), "node smoke against the npm bin `kontext-emulator --port 0`: {again}");
    eprintln!("node: the same calls passed against the npm bin `kontext-emulator --port 0` at {}", own.url);
    if let Some(cp) = kotlin_cp {
        eprint!("{}", smoke::kotlin_run(Command::new("java"), cp, url, "x86_64")?);
    }
    Ok(())
}

/// aarch64 glibc under qemu, with the arm64 Debian root's own python3, node and java.
fn smoke_aarch64(ctx: &Ctx, b: &Built, s: &SmokeInputs<'_>) -> Result<()> {
    let SmokeInputs { npm_main, platforms, kotlin_cp, url } = s;
    let root = smoke::Arm64Root::get()?;
    eprintln!("arm64 root: {}", root.dir.display());
    // pip installs the wheel for the aarch64 platform (its tag decides whether it may).
    let site = ctx.work.join("smoke-aarch64-site");
    smoke::fresh_dir(&site)?;
    run_cmd(
        Command::new(ctx.tools.join("python"))
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index", "--no-deps"])
            .args(["--only-binary=:all:", "--platform", "manylinux_2_17_aarch64", "--python-version", "3.11"])
            .arg("--target")
            .arg(&site)
            .arg(&b.wheel),
    )?;
    let cwd = ctx.work.join("smoke-cwd");
    fs::create_dir_all(&cwd)?;
    let out = output(smoke::with_kontext_env(
        root.run(&root.dir.join("usr/bin/python3"))
            .args(["-c", smoke::PY_SMOKE, "publish-smoke-aarch64"])
            .env("PYTHONPATH", &site)
            .current_dir(&cwd),
        url,
    ))?;
    ensure!(out.contains("python smoke ok") && out.contains("aarch64"), "aarch64 python smoke: {out}");
    eprint!("{out}");

    let dir = ctx.work.join("smoke-npm-arm64");
    smoke::npm_install(&dir, npm_main, platforms, "arm64", "glibc")?;
    let modules: Vec<String> = fs::read_dir(dir.join("node_modules"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("kontext-mgmt-"))
        .collect();
    ensure!(
        modules == ["kontext-mgmt-linux-arm64-gnu"],
        "npm installed {modules:?} for linux/arm64/glibc, not just kontext-mgmt-linux-arm64-gnu"
    );
    let out = output(smoke::with_kontext_env(
        root.run(&root.dir.join("usr/bin/node")).current_dir(&dir).env_remove("KONTEXT_MGMT_NATIVE").args([
            "-e",
            smoke::NODE_SMOKE,
            b.target.npm,
        ]),
        url,
    ))?;
    ensure!(out.contains("node smoke ok") && out.contains("arm64"), "aarch64 node smoke: {out}");
    eprint!("{out}");

    if let Some(cp) = kotlin_cp {
        let java = root.run(&root.dir.join("usr/lib/jvm/java-17-openjdk-arm64/bin/java"));
        let out = smoke::kotlin_run(java, cp, url, "aarch64")?;
        ensure!(out.contains("aarch64"), "the jar smoke test did not run on aarch64: {out}");
        eprint!("{out}");
    }
    Ok(())
}

fn verify_sdist(ctx: &Ctx, url: &str) -> Result<()> {
    let sdist = find(&ctx.dist, |n| n.ends_with(".tar.gz"))?;
    let venv = ctx.work.join("sdist-venv");
    if venv.exists() {
        fs::remove_dir_all(&venv)?;
    }
    run_cmd(Command::new(python()).args(["-m", "venv"]).arg(&venv))?;
    let bin = venv.join("bin");
    run_cmd(
        Command::new(bin.join("pip"))
            .args(["install", "-q", "--disable-pip-version-check"])
            .arg(&sdist)
            .env("CARGO_TARGET_DIR", ctx.work.join("sdist-target")),
    )?;
    let cwd = ctx.work.join("smoke-cwd");
    fs::create_dir_all(&cwd)?;
    let out = output(smoke::with_kontext_env(
        Command::new(bin.join("python")).current_dir(&cwd).args(["-c", smoke::PY_SMOKE, "publish-smoke-sdist"]),
        url,
    ))?;
    ensure!(out.contains("python smoke ok") && out.contains("sdist-venv"), "sdist smoke test: {out}");
    eprint!("sdist: {out}");
    Ok(())
}

fn workspace_version(root: &Path) -> Result<String> {
    let text = fs::read_to_string(root.join("Cargo.toml"))?;
    let mut in_pkg = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_pkg = l == "[workspace.package]";
        } else if in_pkg && l.starts_with("version") {
            if let Some(v) = l.split('"').nth(1) {
                return Ok(v.to_string());
            }
        }
    }
    bail!("no version in [workspace.package] of Cargo.toml")
}

fn build_crates(root: &Path, dist: &Path) -> Result<Vec<PathBuf>> {
    let version = workspace_version(root)?;
    // Cargo extracts the packaged crates of the verification overlay under
    // $CARGO_HOME/registry/src/ once per name and version, and never again: a later run of the
    // same version would verify against the sources of the first. Remove those extractions.
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(src) = cargo_home.map(|h| h.join("registry/src")) {
        for registry in fs::read_dir(&src).into_iter().flatten().filter_map(|e| e.ok()) {
            for name in CRATES {
                let stale = registry.path().join(format!("{name}-{version}"));
                if stale.is_dir() {
                    fs::remove_dir_all(&stale).with_context(|| format!("removing {}", stale.display()))?;
                }
            }
        }
    }
    // Cargo takes a registry crate's build as final for its name and version, so an earlier
    // verification's build of the packaged codegen would be reused for changed sources too: the
    // verification has its own target dir, where our crates' fingerprints are removed first.
    let target = root.join("target/publish/package-target");
    let fingerprints = target.join("debug/.fingerprint");
    for e in fs::read_dir(&fingerprints).into_iter().flatten().filter_map(|e| e.ok()) {
        if e.file_name().to_string_lossy().starts_with("kontext-mgmt") {
            fs::remove_dir_all(e.path())?;
        }
    }
    // Packaged together so kontext-mgmt verifies against the packaged codegen and emulator (a
    // local overlay); its verification build proves it builds from its own carried spec.
    run_cmd(
        Command::new("cargo")
            .current_dir(root)
            .args(["package", "--allow-dirty"])
            .args(CRATES.iter().flat_map(|c| ["-p", c]))
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("KONTEXT_SPEC"),
    )?;
    let mut out = Vec::new();
    for name in CRATES {
        let file = format!("{name}-{version}.crate");
        let from = target.join("package").join(&file);
        let to = dist.join(&file);
        fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
        out.push(to);
    }
    let listing = output(Command::new("tar").arg("tzvf").arg(&out[2]))?;
    let spec = listing
        .lines()
        .find(|l| l.ends_with("openapi/kontext-management.yaml"))
        .context("the kontext-mgmt crate does not carry openapi/kontext-management.yaml")?;
    ensure!(spec.starts_with('-'), "the crate carries the spec as a link, not a file: {spec}");
    Ok(out)
}

/// `sha256sum` (Linux, Git Bash on Windows), else macOS's `shasum -a 256` (same format).
fn sha256sum() -> Command {
    if Command::new("sha256sum").arg("--version").output().is_ok() {
        Command::new("sha256sum")
    } else {
        let mut c = Command::new("shasum");
        c.args(["-a", "256"]);
        c
    }
}

fn write_sums(dist: &Path) -> Result<()> {
    let mut names: Vec<String> = fs::read_dir(dist)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    names.sort();
    ensure!(!names.is_empty(), "dist/ is empty");
    let sums = output(sha256sum().current_dir(dist).args(&names))?;
    fs::write(dist.join("SHA256SUMS"), sums)?;
    run_cmd(sha256sum().current_dir(dist).args(["--quiet", "-c", "SHA256SUMS"]))
}

/// Uploads what `dist` holds: wheels and sdist (twine), npm platform packages before the main
/// one (so its optional dependencies resolve), the crates, the jar (Maven).
fn upload(root: &Path, dist: &Path) -> Result<()> {
    let tools = root.join("target/publish/tools");
    let bin = tools.join(if cfg!(windows) { "Scripts" } else { "bin" });
    if !bin.join("python").exists() {
        run_cmd(Command::new(python()).args(["-m", "venv"]).arg(&tools))?;
    }
    run_cmd(Command::new(bin.join("python")).args(["-m", "pip", "install", "-q", "twine"]))?;
    let files: Vec<PathBuf> = fs::read_dir(dist)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    let py: Vec<&PathBuf> = files
        .iter()
        .filter(|p| {
            let n = file_name(p);
            n.ends_with(".whl") || (n.ends_with(".tar.gz") && n.starts_with("kontext_mgmt"))
        })
        .collect();
    ensure!(!py.is_empty(), "{} holds no wheel", dist.display());
    run_cmd(
        Command::new(bin.join("twine"))
            .arg("upload")
            .args(&py)
            .env("TWINE_USERNAME", "__token__")
            .env("TWINE_PASSWORD", std::env::var("PYPI_TOKEN")?),
    )?;
    let npmrc = root.join("target/publish/npmrc");
    fs::write(&npmrc, "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")?;
    let mut npm: Vec<&PathBuf> = files.iter().filter(|p| file_name(p).ends_with(".tgz")).collect();
    // Platform packages (kontext-mgmt-<platform>-<version>.tgz) first, the main one last.
    npm.sort_by_key(|p| file_name(p).matches('-').count() <= 2);
    for tgz in npm {
        run_cmd(Command::new("npm").args(["publish", "--access", "public", "--userconfig"]).arg(&npmrc).arg(tgz))?;
    }
    for krate in CRATES {
        run_cmd(Command::new("cargo").current_dir(root).args(["publish", "-p", krate]))?;
    }
    let jar = find(dist, |n| n.ends_with(".jar"))?;
    let pom = find(dist, |n| n.ends_with(".pom"))?;
    let settings = root.join("target/publish/maven-settings.xml");
    fs::write(
        &settings,
        "<settings><servers><server><id>kontext</id><username>${env.MAVEN_USERNAME}</username>\
         <password>${env.MAVEN_PASSWORD}</password></server></servers></settings>\n",
    )?;
    run_cmd(
        Command::new("mvn")
            .args(["-B", "-ntp", "-s"])
            .arg(&settings)
            .arg("deploy:deploy-file")
            .arg(format!("-Dfile={}", jar.display()))
            .arg(format!("-DpomFile={}", pom.display()))
            .arg("-DrepositoryId=kontext")
            .arg(format!("-Durl={}", std::env::var("MAVEN_REPOSITORY_URL")?)),
    )?;
    eprintln!("published; the Swift package zip is attached to the GitHub release by hand (no registry)");
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        fs::create_dir_all(to)?;
        for e in fs::read_dir(from)? {
            let e = e?;
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        }
    } else {
        if let Some(p) = to.parent() {
            fs::create_dir_all(p)?;
        }
        fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
    }
    Ok(())
}

fn find(dir: &Path, pred: impl Fn(&str) -> bool) -> Result<PathBuf> {
    fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| pred(&file_name(p)))
        .with_context(|| format!("no matching artifact in {}", dir.display()))
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn human(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.2} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", n as f64 / 1024.0)
    }
}
