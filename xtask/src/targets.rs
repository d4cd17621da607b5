//! The platforms `cargo xtask publish` builds packages for, and the checks of what it built:
//! the glibc symbol versions and libc of every native library (read from its ELF, not assumed)
//! and the sizes against their budgets.

use anyhow::{bail, ensure, Context, Result};
use std::fs;
use std::path::Path;
use std::process::Command;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Libc {
    Glibc,
    Musl,
    /// macOS and Windows: no libc choice to make.
    System,
}

#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// The Rust target triple.
    pub triple: &'static str,
    /// Node's `<platform>-<arch>[-<abi>]`: the npm platform package is `kontext-mgmt-<npm>`.
    pub npm: &'static str,
    pub os: &'static str,
    pub cpu: &'static str,
    pub libc: Libc,
    /// JNA's resource folder for the Kotlin jar's library (none for musl: JNA's folder names
    /// cannot tell musl from glibc, so the jar ships glibc libraries only).
    pub jna: Option<&'static str>,
}

/// The oldest glibc the Linux gnu targets link against (manylinux2014).
pub const GLIBC_FLOOR: (u32, u32) = (2, 17);

pub const TARGETS: &[Target] = &[
    t("x86_64-unknown-linux-gnu", "linux-x64-gnu", "linux", "x64", Libc::Glibc, Some("linux-x86-64")),
    t("aarch64-unknown-linux-gnu", "linux-arm64-gnu", "linux", "arm64", Libc::Glibc, Some("linux-aarch64")),
    t("x86_64-unknown-linux-musl", "linux-x64-musl", "linux", "x64", Libc::Musl, None),
    t("aarch64-unknown-linux-musl", "linux-arm64-musl", "linux", "arm64", Libc::Musl, None),
    t("aarch64-apple-darwin", "darwin-arm64", "darwin", "arm64", Libc::System, Some("darwin-aarch64")),
    t("x86_64-apple-darwin", "darwin-x64", "darwin", "x64", Libc::System, Some("darwin-x86-64")),
    t("x86_64-pc-windows-msvc", "win32-x64-msvc", "win32", "x64", Libc::System, Some("win32-x86-64")),
    t("aarch64-pc-windows-msvc", "win32-arm64-msvc", "win32", "arm64", Libc::System, Some("win32-aarch64")),
];

const fn t(
    triple: &'static str,
    npm: &'static str,
    os: &'static str,
    cpu: &'static str,
    libc: Libc,
    jna: Option<&'static str>,
) -> Target {
    Target { triple, npm, os, cpu, libc, jna }
}

impl Target {
    pub fn linux(&self) -> bool {
        self.os == "linux"
    }

    /// What cargo-zigbuild is given: the gnu targets carry the glibc version to link against.
    pub fn build_triple(&self) -> String {
        match self.libc {
            Libc::Glibc => format!("{}.{}.{}", self.triple, GLIBC_FLOOR.0, GLIBC_FLOOR.1),
            _ => self.triple.to_string(),
        }
    }

    /// maturin's `--compatibility` (the platform tag the wheel must get).
    pub fn wheel_compat(&self) -> &'static str {
        match self.libc {
            Libc::Glibc => "manylinux2014",
            Libc::Musl => "musllinux_1_2",
            Libc::System => "pypi",
        }
    }

    /// The platform tag auditwheel must confirm (Linux only).
    pub fn wheel_tag(&self) -> Option<String> {
        let arch = self.triple.split('-').next().unwrap_or_default();
        match self.libc {
            Libc::Glibc => Some(format!("manylinux_{}_{}_{arch}", GLIBC_FLOOR.0, GLIBC_FLOOR.1)),
            Libc::Musl => Some(format!("musllinux_1_2_{arch}")),
            Libc::System => None,
        }
    }

    /// The file name cargo gives the cdylib of crate library `name` on this target.
    pub fn cdylib(&self, name: &str) -> String {
        match self.os {
            "darwin" => format!("lib{name}.dylib"),
            "win32" => format!("{name}.dll"),
            _ => format!("lib{name}.so"),
        }
    }

    pub fn libc_name(&self) -> &'static str {
        match self.libc {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
            Libc::System => self.os,
        }
    }
}

pub fn by_triple(triple: &str) -> Result<Target> {
    TARGETS.iter().copied().find(|t| t.triple == triple).with_context(|| {
        format!(
            "unknown target {triple}; the targets are: {}",
            TARGETS.iter().map(|t| t.triple).collect::<Vec<_>>().join(", ")
        )
    })
}

/// This machine's Rust host triple.
pub fn host() -> Result<String> {
    let out = Command::new("rustc").arg("-vV").output().context("running rustc -vV")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().find_map(|l| l.strip_prefix("host: ")).map(str::to_string).context("rustc -vV names no host")
}

/// The targets built when none is named: every Linux target on a Linux machine (cross-built
/// with zig), otherwise this machine's own.
pub fn default_targets(host: &str) -> Result<Vec<Target>> {
    if host.contains("-linux-") {
        Ok(TARGETS.iter().copied().filter(Target::linux).collect())
    } else {
        Ok(vec![by_triple(host)?])
    }
}

/// Adds the targets' Rust standard libraries that rustup does not have yet.
pub fn ensure_rust_targets(targets: &[Target]) -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (the cross targets' standard libraries come from rustup)")?;
    let installed = String::from_utf8_lossy(&out.stdout).into_owned();
    for t in targets {
        if installed.lines().any(|l| l.trim() == t.triple) {
            continue;
        }
        eprintln!("adding the Rust target {} (rustup target add)", t.triple);
        let status = Command::new("rustup").args(["target", "add", t.triple]).status()?;
        ensure!(
            status.success(),
            "`rustup target add {}` failed: without the target's standard library nothing can be built for it \
             (check the network access to the Rust distribution server, or pass --target for the others)",
            t.triple
        );
    }
    Ok(())
}

/// What a Linux native library needs from the C library.
#[derive(Debug)]
pub struct ElfReport {
    /// The newest `GLIBC_x.y` symbol version it needs, if any.
    pub max_glibc: Option<(u32, u32)>,
    pub needed: Vec<String>,
}

pub fn read_elf(path: &Path) -> Result<ElfReport> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let elf = goblin::elf::Elf::parse(&bytes).with_context(|| format!("{} is not an ELF file", path.display()))?;
    let mut max_glibc = None;
    if let Some(verneed) = &elf.verneed {
        for need in verneed.iter() {
            for aux in need.iter() {
                let name = elf.dynstrtab.get_at(aux.vna_name).unwrap_or_default();
                if let Some(v) = name.strip_prefix("GLIBC_").and_then(parse_version) {
                    max_glibc = max_glibc.max(Some(v));
                }
            }
        }
    }
    let needed = elf.libraries.iter().map(|s| s.to_string()).collect();
    Ok(ElfReport { max_glibc, needed })
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

/// Checks a Linux native library against its target's libc; returns "max GLIBC" for the table.
pub fn check_elf(path: &Path, target: &Target) -> Result<String> {
    let report = read_elf(path)?;
    let shown = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match target.libc {
        Libc::Glibc => {
            let max = report.max_glibc.with_context(|| format!("{shown} needs no GLIBC symbol version"))?;
            ensure!(
                max <= GLIBC_FLOOR,
                "{shown} needs GLIBC_{}.{}, newer than the {}.{} its {} package promises",
                max.0,
                max.1,
                GLIBC_FLOOR.0,
                GLIBC_FLOOR.1,
                target.triple
            );
            Ok(format!("{}.{}", max.0, max.1))
        }
        Libc::Musl => {
            if let Some(v) = report.max_glibc {
                bail!(
                    "{shown} ({}) needs GLIBC_{}.{}: a musl library must need no glibc symbol",
                    target.triple,
                    v.0,
                    v.1
                );
            }
            ensure!(
                report.needed.iter().any(|n| n.starts_with("libc.musl-") || n == "libc.so"),
                "{shown} does not link the musl C library (needs {:?})",
                report.needed
            );
            Ok("none (musl)".into())
        }
        Libc::System => Ok("-".into()),
    }
}

/// The size budgets (bytes).
pub const WHEEL_MAX: u64 = 6 * 1024 * 1024;
pub const NODE_MAX: u64 = 8 * 1024 * 1024;

pub fn check_size(path: &Path, max: u64) -> Result<u64> {
    let size = fs::metadata(path)?.len();
    ensure!(size <= max, "{} is {} bytes, over its budget of {} bytes", path.display(), size, max);
    Ok(size)
}
