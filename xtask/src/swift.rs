//! `cargo xtask swift-toolchain`: a pinned Swift toolchain for machines without one.
//!
//! Debian's `swiftlang` package (trixie) in a minimal Debian root made with `debootstrap`,
//! cached outside the clone under a name keyed by everything pinned (suite, mirror,
//! packages, the wrapper), and a `bin/swift` wrapper that runs it there (see
//! `swift_wrapper.sh`). Debian packages only: no toolchain tarball from elsewhere.
//!
//! The cache directory is complete only when its `ready` marker exists (written last) and
//! `bin/swift --version` reports the pinned version; anything else is rebuilt. Concurrent
//! runs serialize on a lock file beside it. Every mount made while provisioning lives in a
//! private mount namespace (`unshare --mount`), so it is gone when that process ends,
//! whichever way it ends.

use crate::run_cmd;
use anyhow::{bail, ensure, Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const SUITE: &str = "trixie";
const MIRROR: &str = "http://deb.debian.org/debian";
const SWIFTLANG: &str = "6.0.3-2";
/// What `swift --version` must print.
const VERSION_LINE: &str = "Swift version 6.0.3 ";
/// Installed next to `swiftlang` (which brings gcc and binutils): the C and C++ headers and
/// runtime that `swift build` compiles and links C targets and Foundation against.
const RUNTIME: &[&str] = &["libc6-dev", "libstdc++-14-dev", "libgcc-14-dev", "ca-certificates"];
const WRAPPER: &str = include_str!("swift_wrapper.sh");
/// Where caches go unless `KONTEXT_SWIFT_CACHE` says otherwise.
const CACHE: &str = "/var/cache/kontext-mgmt";
/// Set to 1 to skip everything that needs Swift (reported as "Swift: SKIPPED (asked)").
pub const SKIP_VAR: &str = "KONTEXT_SKIP_SWIFT";

#[derive(clap::Args)]
pub struct Args {}

/// Provisions (or reuses) the toolchain; prints the directory holding `swift` on stdout.
pub fn run(_: Args) -> Result<()> {
    let bin = provision()?;
    println!("{}", bin.display());
    Ok(())
}

/// Whether the user asked to skip Swift. Any value other than unset, empty, 0 or 1 is an
/// error rather than a guess.
pub fn skip_asked() -> Result<bool> {
    match std::env::var(SKIP_VAR).as_deref() {
        Err(_) | Ok("") | Ok("0") => Ok(false),
        Ok("1") => Ok(true),
        Ok(other) => bail!("{SKIP_VAR}={other:?}: set it to 1 to skip Swift, or unset it"),
    }
}

/// The `swift` on PATH, if any.
pub fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("swift")).find(|p| p.is_file())
}

/// The pinned inputs, one per line: the cache key and the record of what was asked for.
fn pins() -> String {
    format!(
        "suite {SUITE}\nmirror {MIRROR}\nvariant minbase\nswiftlang {SWIFTLANG}\nruntime {}\nwrapper\n{WRAPPER}",
        RUNTIME.join(" ")
    )
}

fn digest(text: &str) -> Result<String> {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run sha256sum")?;
    child.stdin.take().expect("piped").write_all(text.as_bytes())?;
    let out = child.wait_with_output()?;
    ensure!(out.status.success(), "sha256sum failed");
    Ok(String::from_utf8_lossy(&out.stdout).chars().take(8).collect())
}

/// The cache directory for the current pins.
fn cache_dir() -> Result<PathBuf> {
    let base = std::env::var_os("KONTEXT_SWIFT_CACHE").map(PathBuf::from).unwrap_or_else(|| CACHE.into());
    Ok(base.join(format!("swift-{SUITE}-{SWIFTLANG}-{}", digest(&pins())?)))
}

/// `bin/swift --version` of a cache directory, if it runs and reports the pinned version.
fn check(dir: &Path) -> Result<String> {
    let out = Command::new(dir.join("bin/swift"))
        .arg("--version")
        .current_dir("/")
        .output()
        .with_context(|| format!("cannot run {}/bin/swift", dir.display()))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.success(), "`swift --version` failed ({}): {}", out.status, text.trim());
    ensure!(text.contains(VERSION_LINE), "`swift --version` printed {:?}, expected {VERSION_LINE:?}…", text.trim());
    Ok(text.trim().to_string())
}

/// Makes the toolchain available; returns the directory to put first on PATH.
pub fn provision() -> Result<PathBuf> {
    let dir = cache_dir()?;
    let bin = dir.join("bin");
    let base = dir.parent().expect("the cache dir has a parent");
    fs::create_dir_all(base).with_context(|| format!("cannot create the Swift cache directory {}", base.display()))?;
    let lock_path = base.join(format!("{}.lock", dir.file_name().unwrap_or_default().to_string_lossy()));
    let lock = fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        eprintln!("swift-toolchain: another run is provisioning {}; waiting for it", dir.display());
        lock.lock().with_context(|| format!("cannot lock {}", lock_path.display()))?;
    }
    if dir.join("ready").is_file() {
        match check(&dir) {
            Ok(version) => {
                eprintln!("swift-toolchain: cached at {} ({})", dir.display(), first_line(&version));
                return Ok(bin);
            }
            Err(e) => eprintln!("swift-toolchain: the cache at {} is broken ({e:#}); rebuilding it", dir.display()),
        }
    } else if dir.exists() {
        eprintln!("swift-toolchain: {} has no `ready` marker (an interrupted run); rebuilding it", dir.display());
    }
    let started = Instant::now();
    build(&dir).with_context(|| format!("provisioning the Swift toolchain into {} failed", dir.display()))?;
    eprintln!("swift-toolchain: provisioned {} in {:.0?}", dir.display(), started.elapsed());
    // `lock` is released when dropped (and by the kernel if this process dies).
    Ok(bin)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

fn build(dir: &Path) -> Result<()> {
    preflight()?;
    remove(dir)?;
    let root = dir.join("root");
    fs::create_dir_all(&root)?;
    ensure_debootstrap()?;
    // In a private mount namespace: the /proc and /sys debootstrap mounts in the root go
    // away with it, even when it is killed.
    run_cmd(
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--", "debootstrap", "--variant=minbase", SUITE])
            .arg(&root)
            .arg(MIRROR),
    )?;
    let install = format!(
        "mount -t proc proc /proc && apt-get update -q && apt-get install -y -q --no-install-recommends \
         swiftlang={SWIFTLANG} {} && apt-get clean",
        RUNTIME.join(" ")
    );
    run_cmd(in_root(&root, &install).env("DEBIAN_FRONTEND", "noninteractive"))?;
    let listed = in_root(&root, "dpkg-query -W -f '${Package} ${Version}\\n' | sort").output()?;
    ensure!(listed.status.success(), "dpkg-query failed in the root");
    fs::write(dir.join("packages.txt"), &listed.stdout)?;
    let bin = dir.join("bin");
    fs::create_dir_all(&bin)?;
    let wrapper = bin.join("swift");
    fs::write(&wrapper, WRAPPER)?;
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755))?;
    fs::write(dir.join("pins.txt"), pins())?;
    let version = check(dir)?;
    // Last: the marker that says everything above is complete.
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    fs::write(dir.join("ready"), format!("{name}\n{version}\n"))?;
    eprintln!("swift-toolchain: {}", first_line(&version));
    Ok(())
}

/// `sh -c script` chrooted into `root`, in a private mount namespace.
fn in_root(root: &Path, script: &str) -> Command {
    let mut c = Command::new("unshare");
    c.args(["--mount", "--propagation", "private", "--", "chroot"])
        .arg(root)
        .args(["/usr/bin/env", "-u", "LD_LIBRARY_PATH", "-u", "TMPDIR", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
        .args(["/bin/sh", "-c", script]);
    c
}

/// The reasons provisioning cannot work here, said up front.
fn preflight() -> Result<()> {
    let uid = Command::new("id").arg("-u").output().context("cannot run `id -u`")?;
    ensure!(
        String::from_utf8_lossy(&uid.stdout).trim() == "0",
        "it needs root (debootstrap, unshare --mount, chroot); run as root, put Swift 6.0.3 on PATH, \
         or set {SKIP_VAR}=1 to skip Swift"
    );
    for tool in ["unshare", "chroot"] {
        ensure!(
            Command::new("sh").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status()?.success(),
            "`{tool}` is not installed"
        );
    }
    Ok(())
}

fn ensure_debootstrap() -> Result<()> {
    if Command::new("sh").args(["-c", "command -v debootstrap"]).stdout(Stdio::null()).status()?.success() {
        return Ok(());
    }
    eprintln!("swift-toolchain: installing debootstrap with apt-get");
    run_cmd(Command::new("apt-get").args(["update", "-q"]))?;
    run_cmd(Command::new("apt-get").args(["install", "-y", "-q", "--no-install-recommends", "debootstrap"]))
}

/// Removes a partial or broken cache directory, never following a mount out of it: whatever
/// is still mounted below it (a run killed before namespaces were used, a wrapper's bind of
/// the work tree) is unmounted first, and `rm` stays on one file system.
fn remove(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let mounts = mounts_under(dir)?;
    for m in mounts.iter().rev() {
        eprintln!("swift-toolchain: unmounting {m}");
        let _ = Command::new("umount").args(["--lazy", "--recursive"]).arg(m).status();
    }
    let left = mounts_under(dir)?;
    ensure!(left.is_empty(), "cannot remove {}: still mounted below it: {}", dir.display(), left.join(", "));
    run_cmd(Command::new("rm").args(["-rf", "--one-file-system"]).arg(dir))
}

/// Mount points at or below `dir` (in this mount namespace), outermost first.
fn mounts_under(dir: &Path) -> Result<Vec<String>> {
    let info = fs::read_to_string("/proc/self/mountinfo").context("cannot read /proc/self/mountinfo")?;
    let dir = fs::canonicalize(dir)?;
    let mut found: Vec<String> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| p.replace("\\040", " "))
        .filter(|p| Path::new(p).starts_with(&dir))
        .collect();
    found.sort_by_key(|p| p.len());
    Ok(found)
}
