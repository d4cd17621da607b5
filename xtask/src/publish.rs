//! `cargo xtask publish [--dry-run | --no-dry-run]`: builds every release artifact into `dist/`
//! (abi3 wheel + sdist, npm main + linux-x64-gnu platform tarballs, crate packages, Kotlin jar,
//! zipped Swift package, SHA256SUMS), then smoke-tests the wheel and the npm tarballs from a
//! fresh virtualenv / empty folder against a real emulator. Dry-run is the default; with
//! `--no-dry-run` it would upload using tokens from the environment, and stops first, naming
//! the missing variables, when they are not set.

use anyhow::{bail, ensure, Context, Result};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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
    /// Also install the sdist into a fresh virtualenv (compiles it from its own sources).
    #[arg(long)]
    verify_sdist: bool,
    /// Skip the Kotlin jar and the Swift package (bindings/uniffi/package.sh; needs Maven).
    #[arg(long)]
    skip_uniffi: bool,
}

const UPLOAD_VARS: &[&str] =
    &["PYPI_TOKEN", "NPM_TOKEN", "CARGO_REGISTRY_TOKEN", "MAVEN_REPOSITORY_URL", "MAVEN_USERNAME", "MAVEN_PASSWORD"];
/// Publish order: kontext-mgmt needs the codegen (build) and the emulator (dev, for its tests).
const CRATES: [&str; 3] = ["kontext-mgmt-codegen", "kontext-mgmt-emulator", "kontext-mgmt"];
const CLIENT_ID: &str = "sa_11111111-1111-4111-8111-111111111111";
const CLIENT_SECRET: &str = "kontext-emulator-secret";
const NODE_PLATFORM: &str = "linux-x64-gnu";
const WHEEL_MAX: u64 = 6 * 1024 * 1024;
const NODE_MAX: u64 = 8 * 1024 * 1024;

pub fn run(args: Args) -> Result<()> {
    let dry = !args.no_dry_run;
    let _ = args.dry_run; // explicit form of the default
    if !dry {
        let missing: Vec<&str> =
            UPLOAD_VARS.iter().copied().filter(|v| std::env::var_os(v).is_none_or(|s| s.is_empty())).collect();
        if !missing.is_empty() {
            bail!(
                "--no-dry-run uploads to PyPI, npm, crates.io and Maven; missing environment variables: {} \
                 (nothing was built or uploaded)",
                missing.join(", ")
            );
        }
    }
    let root = root();
    let dist = root.join("dist");
    let work = root.join("target/publish");
    if dist.exists() {
        fs::remove_dir_all(&dist).context("cleaning dist/")?;
    }
    fs::create_dir_all(&dist)?;
    fs::create_dir_all(&work)?;
    let version = workspace_version(&root)?;

    let mut notes: Vec<String> = Vec::new();
    let wheel = build_python(&root, &work, &dist)?;
    let (npm_main, npm_platform, node_file) = build_npm(&root, &work, &dist, &version)?;
    let crates = build_crates(&root, &dist)?;
    if args.skip_uniffi {
        notes.push("Kotlin jar and Swift package skipped (--skip-uniffi)".into());
    } else {
        build_uniffi(&root, &dist)?;
    }
    write_sums(&dist)?;

    // Smoke tests against a real emulator.
    run_cmd(Command::new("cargo").current_dir(&root).args([
        "build",
        "--release",
        "-q",
        "-p",
        "kontext-mgmt-emulator",
    ]))?;
    let emulator = Emulator::start(&root.join("target/release/kontext-emulator"))?;
    smoke_python(&work, &wheel, &emulator.url)?;
    smoke_node(&work, &npm_main, &npm_platform, &emulator.url)?;
    if args.verify_sdist {
        verify_sdist(&work, &dist, &emulator.url)?;
    } else {
        notes.push("sdist not installed (pass --verify-sdist to build it from itself)".into());
    }
    drop(emulator);

    summary(&dist, &wheel, &node_file, &crates, &notes)?;
    if dry {
        eprintln!("dry run: nothing uploaded (pass --no-dry-run with the tokens set to publish)");
        return Ok(());
    }
    upload(&root, &dist, &npm_main, &npm_platform)
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

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A fresh virtualenv at `dir`.
fn fresh_venv(dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    run_cmd(Command::new(python()).args(["-m", "venv"]).arg(dir))?;
    Ok(dir.join("bin"))
}

/// maturin, pinned as in bindings/python/requirements-dev.txt, in a tools venv.
fn maturin(root: &Path, work: &Path) -> Result<PathBuf> {
    let reqs = fs::read_to_string(root.join("bindings/python/requirements-dev.txt"))?;
    let pin = reqs
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("maturin"))
        .context("no maturin pin in bindings/python/requirements-dev.txt")?
        .to_string();
    let venv = work.join("tools");
    let bin = venv.join("bin");
    let stamp = venv.join(".pin");
    if fs::read_to_string(&stamp).ok().as_deref() != Some(pin.as_str()) {
        fresh_venv(&venv)?;
        run_cmd(Command::new(bin.join("pip")).args(["install", "-q", "--disable-pip-version-check", &pin]))?;
        fs::write(&stamp, &pin)?;
    }
    Ok(bin.join("maturin"))
}

fn build_python(root: &Path, work: &Path, dist: &Path) -> Result<PathBuf> {
    let maturin = maturin(root, work)?;
    let manifest = root.join("bindings/python/Cargo.toml");
    run_cmd(
        Command::new(&maturin)
            .current_dir(root)
            // `pypi`: the lowest manylinux tag the symbols allow (maturin audits the wheel);
            // manylinux_2_28 would need an older glibc (zig or a manylinux container) than here.
            .args(["build", "--release", "--strip", "--compatibility", "pypi", "--manifest-path"])
            .arg(&manifest)
            .arg("--out")
            .arg(dist),
    )?;
    run_cmd(
        Command::new(&maturin)
            .current_dir(root)
            .args(["sdist", "--manifest-path"])
            .arg(&manifest)
            .arg("--out")
            .arg(dist),
    )?;
    let wheel = find(dist, |n| n.ends_with(".whl"))?;
    let name = file_name(&wheel);
    ensure!(name.contains("-abi3-"), "the wheel {name} is not abi3");
    ensure!(name.contains("manylinux"), "the wheel {name} has no manylinux platform tag");
    let sdist = find(dist, |n| n.ends_with(".tar.gz"))?;
    let listing = output(Command::new("tar").arg("tzvf").arg(&sdist))?;
    let spec = listing
        .lines()
        .find(|l| l.ends_with("openapi/kontext-management.yaml"))
        .with_context(|| format!("the sdist {} does not carry the spec", file_name(&sdist)))?;
    ensure!(spec.starts_with('-'), "the sdist carries the spec as a link, not a file: {spec}");
    Ok(wheel)
}

fn build_npm(root: &Path, work: &Path, dist: &Path, version: &str) -> Result<(PathBuf, PathBuf, PathBuf)> {
    run_cmd(Command::new("cargo").current_dir(root).args(["build", "--release", "-q", "-p", "kontext-mgmt-node"]))?;
    let node_src = root.join("bindings/node");
    let pkg: serde_json::Value = serde_json::from_str(&fs::read_to_string(node_src.join("package.json"))?)?;
    let name = pkg["name"].as_str().context("package.json has no name")?.to_string();
    ensure!(
        pkg["version"].as_str() == Some(version),
        "bindings/node/package.json version {} differs from the workspace version {version}",
        pkg["version"]
    );
    let stage = work.join("npm");
    if stage.exists() {
        fs::remove_dir_all(&stage)?;
    }

    // The platform package: the .node alone, with os/cpu/libc so npm only installs it there.
    let plat_name = format!("{name}-{NODE_PLATFORM}");
    let node_file_name = format!("{name}.{NODE_PLATFORM}.node");
    let plat_dir = stage.join(&plat_name);
    fs::create_dir_all(&plat_dir)?;
    let node_file = plat_dir.join(&node_file_name);
    fs::copy(root.join("target/release/libkontext_mgmt_node.so"), &node_file)?;
    run_cmd(Command::new("strip").arg("--strip-unneeded").arg(&node_file))?;
    let plat_pkg = serde_json::json!({
        "name": plat_name,
        "version": version,
        "description": format!("The {NODE_PLATFORM} native module of {name}"),
        "license": pkg["license"],
        "repository": pkg["repository"],
        "main": node_file_name,
        "files": [node_file_name],
        "os": ["linux"],
        "cpu": ["x64"],
        "libc": ["glibc"],
        "engines": pkg["engines"],
    });
    fs::write(plat_dir.join("package.json"), serde_json::to_string_pretty(&plat_pkg)? + "\n")?;
    if node_src.join("README.md").exists() {
        fs::write(plat_dir.join("README.md"), format!("# {plat_name}\n\nThe `{NODE_PLATFORM}` native module of [`{name}`](https://www.npmjs.com/package/{name}); install `{name}` instead.\n"))?;
    }

    // The main package: the JS files, no .node, optionalDependencies on every platform package
    // built here at the same version (what `napi pre-publish` writes).
    let main_dir = stage.join(&name);
    fs::create_dir_all(&main_dir)?;
    let files = pkg["files"].as_array().context("package.json has no files list")?;
    for f in files.iter().filter_map(|f| f.as_str()) {
        if f.contains('*') {
            continue; // *.node: lives in the platform packages
        }
        let from = node_src.join(f.trim_end_matches('/'));
        ensure!(from.exists(), "bindings/node/package.json lists {f}, which does not exist");
        copy_tree(&from, &main_dir.join(f.trim_end_matches('/')))?;
    }
    let mut main_pkg = pkg.clone();
    let obj = main_pkg.as_object_mut().context("package.json is not an object")?;
    obj.remove("devDependencies");
    obj.remove("scripts");
    obj.insert(
        "files".into(),
        serde_json::json!(files.iter().filter(|f| !f.as_str().unwrap_or("").contains('*')).collect::<Vec<_>>()),
    );
    obj.insert("optionalDependencies".into(), serde_json::json!({ plat_name.clone(): version }));
    fs::write(main_dir.join("package.json"), serde_json::to_string_pretty(&main_pkg)? + "\n")?;

    let mut tarballs = Vec::new();
    for dir in [&main_dir, &plat_dir] {
        let out =
            output(Command::new("npm").current_dir(dir).args(["pack", "--silent", "--pack-destination"]).arg(dist))?;
        let tgz = dist.join(out.lines().last().context("npm pack printed nothing")?.trim());
        ensure!(tgz.exists(), "npm pack did not produce {}", tgz.display());
        tarballs.push(tgz);
    }
    let listing = output(Command::new("tar").arg("tzf").arg(&tarballs[0]))?;
    ensure!(!listing.contains(".node"), "the main npm package carries a .node file");
    let listing = output(Command::new("tar").arg("tzf").arg(&tarballs[1]))?;
    ensure!(listing.contains(&node_file_name), "the platform npm package lacks {node_file_name}");
    let plat = tarballs.pop().expect("two tarballs");
    let main = tarballs.pop().expect("two tarballs");
    Ok((main, plat, node_file))
}

fn build_crates(root: &Path, dist: &Path) -> Result<Vec<PathBuf>> {
    // Packaged together so kontext-mgmt verifies against the packaged codegen and emulator (a
    // local overlay); its verification build proves it builds from its own carried spec.
    run_cmd(
        Command::new("cargo")
            .current_dir(root)
            .args(["package", "--allow-dirty"])
            .args(CRATES.iter().flat_map(|c| ["-p", c]))
            .env_remove("KONTEXT_SPEC"),
    )?;
    let version = workspace_version(root)?;
    let mut out = Vec::new();
    for name in CRATES {
        let file = format!("{name}-{version}.crate");
        let from = root.join("target/package").join(&file);
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

fn build_uniffi(root: &Path, dist: &Path) -> Result<()> {
    let script = root.join("bindings/uniffi/package.sh");
    ensure!(script.exists(), "bindings/uniffi/package.sh is missing: no Kotlin jar or Swift package");
    run_cmd(Command::new("bash").arg(&script).arg(dist).current_dir(root))?;
    let jar = find(dist, |n| n.ends_with(".jar"))?;
    let listing = output(Command::new("unzip").arg("-l").arg(&jar))?;
    ensure!(listing.contains("linux-x86-64/"), "{} lacks the linux-x86-64 native library", file_name(&jar));
    find(dist, |n| n.ends_with(".zip"))?;
    Ok(())
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
    let sums = output(Command::new("sha256sum").current_dir(dist).args(&names))?;
    fs::write(dist.join("SHA256SUMS"), sums)?;
    run_cmd(Command::new("sha256sum").current_dir(dist).args(["--quiet", "-c", "SHA256SUMS"]))
}

struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    fn start(bin: &Path) -> Result<Self> {
        let mut child = Command::new(bin)
            .args(["--port", "0", "--rate-limit", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = match lines.next() {
            Some(Ok(l)) => l,
            _ => {
                let _ = child.kill();
                bail!("the emulator exited before printing its address");
            }
        };
        let Some(url) = first.strip_prefix("listening on ").map(|s| s.trim().to_string()) else {
            let _ = child.kill();
            bail!("unexpected first line from the emulator: {first}");
        };
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        eprintln!("emulator at {url}");
        Ok(Emulator { child, url })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn with_kontext_env<'a>(cmd: &'a mut Command, url: &str) -> &'a mut Command {
    cmd.env("KONTEXT_BASE_URL", url)
        .env("KONTEXT_CLIENT_ID", CLIENT_ID)
        .env("KONTEXT_CLIENT_SECRET", CLIENT_SECRET)
        .env_remove("KONTEXT_TOKEN")
}

const PY_SMOKE: &str = r#"
import kontext_mgmt, sys
client = kontext_mgmt.Client()
name = sys.argv[1]  # one application per smoke run (names are unique)
created = client.applications.create(
    name=name,
    oauth=kontext_mgmt.CreateApplicationOAuthInput(redirect_uris=["http://localhost:3000/callback"]),
)
page = client.applications.list(limit=50)
names = [a.name for a in page.items]
assert name in names, f"created application missing from the list: {names}"
try:
    client.applications.get("00000000-0000-4000-8000-000000000000")
    raise SystemExit("expected NotFound")
except kontext_mgmt.NotFound:
    pass
print(f"python smoke ok: kontext_mgmt from {kontext_mgmt.__file__}, {len(page.items)} application(s) listed")
"#;

fn smoke_python(work: &Path, wheel: &Path, url: &str) -> Result<()> {
    let bin = fresh_venv(&work.join("smoke-venv"))?;
    run_cmd(
        Command::new(bin.join("pip")).args(["install", "-q", "--disable-pip-version-check", "--no-index"]).arg(wheel),
    )?;
    // Run from an empty folder so the repo's python/ sources cannot shadow the installed wheel.
    let cwd = work.join("smoke-cwd");
    fs::create_dir_all(&cwd)?;
    let out = output(with_kontext_env(
        Command::new(bin.join("python")).current_dir(&cwd).args(["-c", PY_SMOKE, "publish-smoke-wheel"]),
        url,
    ))?;
    ensure!(
        out.contains("python smoke ok") && out.contains("smoke-venv"),
        "python smoke test did not use the installed wheel: {out}"
    );
    eprint!("{out}");
    Ok(())
}

const NODE_SMOKE: &str = r#"
const { KontextManagementClient, NotFound } = require('kontext-mgmt');
const path = require.resolve('kontext-mgmt-linux-x64-gnu');
(async () => {
  const client = new KontextManagementClient({
    baseUrl: process.env.KONTEXT_BASE_URL,
    credentials: { clientId: process.env.KONTEXT_CLIENT_ID, clientSecret: process.env.KONTEXT_CLIENT_SECRET },
  });
  const name = 'publish-smoke-node';
  await client.applications.create({ name, oauth: { type: 'confidential', redirectUris: ['http://localhost:3000/callback'] } });
  const { items } = await client.applications.list({ limit: 50 });
  if (!items.some((a) => a.name === name)) throw new Error('created application missing from the list');
  try {
    await client.applications.get('00000000-0000-4000-8000-000000000000');
    throw new Error('expected NotFound');
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
  }
  console.log(`node smoke ok: native module ${path}, ${items.length} application(s) listed`);
})().catch((e) => { console.error(e); process.exit(1); });
"#;

fn smoke_node(work: &Path, main: &Path, plat: &Path, url: &str) -> Result<()> {
    let dir = work.join("smoke-npm");
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("package.json"), "{\"name\": \"publish-smoke\", \"private\": true}\n")?;
    // The platform tarball satisfies the main package's optionalDependency (same version).
    run_cmd(
        Command::new("npm")
            .current_dir(&dir)
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--no-save"])
            .arg(plat)
            .arg(main),
    )?;
    ensure!(
        dir.join(format!("node_modules/kontext-mgmt-{NODE_PLATFORM}")).is_dir(),
        "npm did not install the platform package"
    );
    let out = output(with_kontext_env(
        Command::new("node").current_dir(&dir).env_remove("KONTEXT_MGMT_NATIVE").args(["-e", NODE_SMOKE]),
        url,
    ))?;
    ensure!(
        out.contains("node smoke ok") && out.contains("smoke-npm/node_modules/kontext-mgmt-"),
        "node smoke test: {out}"
    );
    eprint!("{out}");
    Ok(())
}

fn verify_sdist(work: &Path, dist: &Path, url: &str) -> Result<()> {
    let sdist = find(dist, |n| n.ends_with(".tar.gz"))?;
    let bin = fresh_venv(&work.join("sdist-venv"))?;
    run_cmd(
        Command::new(bin.join("pip"))
            .args(["install", "-q", "--disable-pip-version-check"])
            .arg(&sdist)
            .env("CARGO_TARGET_DIR", work.join("sdist-target")),
    )?;
    let cwd = work.join("smoke-cwd");
    fs::create_dir_all(&cwd)?;
    let out = output(with_kontext_env(
        Command::new(bin.join("python")).current_dir(&cwd).args(["-c", PY_SMOKE, "publish-smoke-sdist"]),
        url,
    ))?;
    ensure!(out.contains("python smoke ok") && out.contains("sdist-venv"), "sdist smoke test: {out}");
    eprint!("sdist: {out}");
    Ok(())
}

fn summary(dist: &Path, wheel: &Path, node_file: &Path, crates: &[PathBuf], notes: &[String]) -> Result<()> {
    let mut entries: Vec<(String, u64)> = fs::read_dir(dist)?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_string_lossy().into_owned(), e.metadata().ok()?.len())))
        .collect();
    entries.sort();
    let node_size = fs::metadata(node_file)?.len();
    println!("\n{:<58} {:>12}", "artifact (dist/)", "size");
    for (name, size) in &entries {
        println!("{name:<58} {:>12}", human(*size));
    }
    println!("{:<58} {:>12}", format!("(inside the npm platform package) {}", file_name(node_file)), human(node_size));
    let wheel_size = fs::metadata(wheel)?.len();
    let mark = |ok: bool| if ok { "ok" } else { "OVER" };
    println!(
        "\ngoals: wheel {} <= 6 MB {}, .node {} <= 8 MB {}; {} crate(s) packaged",
        human(wheel_size),
        mark(wheel_size <= WHEEL_MAX),
        human(node_size),
        mark(node_size <= NODE_MAX),
        crates.len()
    );
    for n in notes {
        println!("note: {n}");
    }
    Ok(())
}

fn upload(root: &Path, dist: &Path, npm_main: &Path, npm_platform: &Path) -> Result<()> {
    let tools = root.join("target/publish/tools/bin");
    run_cmd(Command::new(tools.join("pip")).args(["install", "-q", "twine"]))?;
    let py: Vec<PathBuf> = fs::read_dir(dist)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let n = file_name(p);
            n.ends_with(".whl") || (n.ends_with(".tar.gz") && n.starts_with("kontext_mgmt"))
        })
        .collect();
    run_cmd(
        Command::new(tools.join("twine"))
            .arg("upload")
            .args(&py)
            .env("TWINE_USERNAME", "__token__")
            .env("TWINE_PASSWORD", std::env::var("PYPI_TOKEN")?),
    )?;
    let npmrc = root.join("target/publish/npmrc");
    fs::write(&npmrc, "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")?;
    // The platform package first, so the main package's optional dependency resolves.
    for tgz in [npm_platform, npm_main] {
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

fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd.stderr(Stdio::inherit()).output().with_context(|| format!("cannot start {shown}"))?;
    ensure!(out.status.success(), "{shown} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stdout));
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn human(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.2} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", n as f64 / 1024.0)
    }
}
