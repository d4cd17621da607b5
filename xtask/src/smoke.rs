//! Smoke tests of the built packages for `cargo xtask publish`: each installs a package the way
//! a user would and makes a real call against an emulator on loopback. aarch64 packages run
//! under `qemu-aarch64-static` with an arm64 Debian root's own python3, node and JRE (there is
//! no binfmt_misc here, so the emulator is invoked explicitly with `-L <root>`).

use anyhow::{bail, ensure, Context, Result};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::run_cmd;

pub const CLIENT_ID: &str = "sa_11111111-1111-4111-8111-111111111111";
pub const CLIENT_SECRET: &str = "kontext-emulator-secret";

/// A `kontext-emulator` process on a free loopback port (`--rate-limit 0`), stopped on drop:
/// the xtask's one way to start one (`publish` smoke tests, `bench`). The other languages'
/// test supports: tests/support/servers.{sh,py}, bindings/node/test/helpers.mjs.
pub struct Emulator {
    child: Child,
    pub url: String,
}

impl Emulator {
    pub fn start(bin: &Path) -> Result<Self> {
        let mut cmd = Command::new(bin);
        cmd.args(["--port", "0", "--rate-limit", "0"]);
        Self::spawn(cmd)
    }

    /// Any `kontext-emulator` command line (e.g. an installed package's console script); it
    /// must print the emulator's banner, whose first line is `listening on URL`.
    pub fn spawn(mut cmd: Command) -> Result<Self> {
        let shown = format!("{cmd:?}");
        let mut child =
            cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().with_context(|| format!("starting {shown}"))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = match lines.next() {
            Some(Ok(l)) => l,
            _ => {
                let _ = child.kill();
                bail!("the emulator ({shown}) exited before printing its address");
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

pub fn with_kontext_env<'a>(cmd: &'a mut Command, url: &str) -> &'a mut Command {
    cmd.env("KONTEXT_BASE_URL", url)
        .env("KONTEXT_CLIENT_ID", CLIENT_ID)
        .env("KONTEXT_CLIENT_SECRET", CLIENT_SECRET)
        .env_remove("KONTEXT_TOKEN")
}

/// Runs `cmd`, returning its stdout; fails with its stdout when it fails.
pub fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd.stderr(Stdio::inherit()).output().with_context(|| format!("cannot start {shown}"))?;
    ensure!(out.status.success(), "{shown} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stdout));
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    fs::create_dir_all(dir)?;
    Ok(())
}

pub const PY_SMOKE: &str = r#"
import kontext_mgmt, platform, sys
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
hooks = [h for h in ("_in_flight", "_panic_for_test") if hasattr(kontext_mgmt._native, h) or hasattr(kontext_mgmt._native.NativeClient, h)]
assert not hooks, f"the released extension has test hooks: {hooks}"
print(f"python smoke ok: Python {platform.python_version()} on {platform.machine()}, kontext_mgmt from {kontext_mgmt.__file__}, {len(page.items)} application(s) listed")
"#;

/// The wheel in a fresh virtualenv of `python`, called from an empty folder (so the repository's
/// python/ sources cannot shadow it).
pub fn python_venv(work: &Path, python: &Path, wheel: &Path, url: &str, label: &str) -> Result<String> {
    let venv = work.join(format!("smoke-venv-{label}"));
    if venv.exists() {
        fs::remove_dir_all(&venv)?;
    }
    run_cmd(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    let bin = venv.join("bin");
    run_cmd(
        Command::new(bin.join("python"))
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index"])
            .arg(wheel),
    )?;
    let cwd = work.join("smoke-cwd");
    fs::create_dir_all(&cwd)?;
    let call = |url: &str| {
        output(with_kontext_env(
            Command::new(bin.join("python")).current_dir(&cwd).args([
                "-c",
                PY_SMOKE,
                &format!("publish-smoke-{label}"),
            ]),
            url,
        ))
    };
    let out = call(url)?;
    ensure!(
        out.contains("python smoke ok") && out.contains(&format!("smoke-venv-{label}")),
        "python smoke test ({label}) did not use the installed wheel: {out}"
    );
    // The wheel's own emulator: its `kontext-emulator` console script, started as a user would.
    let mut script = Command::new(bin.join("kontext-emulator"));
    script.args(["--port", "0"]).current_dir(&cwd);
    let own = Emulator::spawn(script)?;
    let again = call(&own.url)?;
    ensure!(
        again.contains("python smoke ok"),
        "python smoke test ({label}) against its `kontext-emulator --port 0`: {again}"
    );
    Ok(format!("{out}{label}: the same calls passed against the wheel's `kontext-emulator --port 0` at {}\n", own.url))
}

/// Python 3.9 and the newest CPython pyenv has (the oldest supported and the newest there).
pub fn pythons() -> Vec<(String, PathBuf)> {
    let Some(home) = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))
    else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, String)> = fs::read_dir(home.join("versions"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter_map(|v| Some((v.split('.').map(|p| p.parse().ok()).collect::<Option<Vec<u32>>>()?, v)))
        .filter(|(n, _)| n.first() == Some(&3) && n.len() == 3)
        .collect();
    versions.sort();
    let mut out = Vec::new();
    if let Some((_, v)) = versions.iter().rev().find(|(n, _)| n[1] == 9) {
        out.push((v.clone(), home.join("versions").join(v).join("bin/python")));
    }
    if let Some((n, v)) = versions.last() {
        if n[1] != 9 {
            out.push((v.clone(), home.join("versions").join(v).join("bin/python")));
        }
    }
    out
}

pub const NODE_SMOKE: &str = r#"
const { KontextManagementClient, NotFound } = require('kontext-mgmt');
const plat = process.argv[1];
const path = require.resolve(`kontext-mgmt-${plat}`);
(async () => {
  const client = new KontextManagementClient({
    baseUrl: process.env.KONTEXT_BASE_URL,
    credentials: { clientId: process.env.KONTEXT_CLIENT_ID, clientSecret: process.env.KONTEXT_CLIENT_SECRET },
  });
  const name = `publish-smoke-node-${plat}`;
  await client.applications.create({ name, oauth: { type: 'confidential', redirectUris: ['http://localhost:3000/callback'] } });
  const { items } = await client.applications.list({ limit: 50 });
  if (!items.some((a) => a.name === name)) throw new Error('created application missing from the list');
  try {
    await client.applications.get('00000000-0000-4000-8000-000000000000');
    throw new Error('expected NotFound');
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
  }
  const native = require(path);
  const hooks = ['_benchSetSample', '_benchAsString', '_benchAsObject'].filter((h) => h in native);
  if ('_panicForTest' in native.NativeClient.prototype) hooks.push('_panicForTest');
  if (hooks.length) throw new Error(`the released addon has test hooks: ${hooks}`);
  console.log(`node smoke ok: Node ${process.version} on ${process.arch}, native module ${path}, ${items.length} application(s) listed`);
})().catch((e) => { console.error(e); process.exit(1); });
"#;

/// Installs the main npm package with every platform tarball available, the way npm would from
/// the registry: npm itself picks the optional dependency matching `cpu`/`libc`.
pub fn npm_install(dir: &Path, main: &Path, platforms: &[PathBuf], cpu: &str, libc: &str) -> Result<()> {
    fresh_dir(dir)?;
    // The platform tarballs stand in for the registry: file: overrides of the optional
    // dependencies, so npm's own os/cpu/libc selection decides which one is installed.
    let overrides: serde_json::Map<String, serde_json::Value> = platforms
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            let pkg = name.rsplit_once('-').map(|(n, _)| n.to_string())?;
            Some((pkg, serde_json::Value::String(format!("file:{}", p.display()))))
        })
        .collect();
    let manifest = serde_json::json!({
        "name": "publish-smoke",
        "private": true,
        "dependencies": { "kontext-mgmt": format!("file:{}", main.display()) },
        "overrides": overrides,
    });
    fs::write(dir.join("package.json"), serde_json::to_string_pretty(&manifest)? + "\n")?;
    run_cmd(Command::new("npm").current_dir(dir).args([
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        "--os=linux",
        &format!("--cpu={cpu}"),
        &format!("--libc={libc}"),
    ]))
}

/// The arm64 Debian root: python3, nodejs, a JRE and musl from Debian's own arm64 packages,
/// downloaded and unpacked by `debootstrap --foreign` (its first stage: no maintainer script
/// runs, none is needed to run these programs under qemu) and cached under
/// /var/cache/kontext-mgmt/, keyed by the pinned package versions.
pub struct Arm64Root {
    pub dir: PathBuf,
}

const ROOT_CACHE: &str = "/var/cache/kontext-mgmt";
const SUITE: &str = "bookworm";
const MIRROR: &str = "http://deb.debian.org/debian";
/// Pinned: another version makes another root (and a mismatch with the mirror fails loudly).
const ROOT_PACKAGES: &[(&str, &str)] = &[
    ("python3", "3.11.2-1+b1"),
    ("nodejs", "18.20.4+dfsg-1~deb12u2"),
    ("openjdk-17-jre-headless", "17.0.19+10-1~deb12u2"),
    ("musl", "1.2.3-1"),
];

impl Arm64Root {
    pub fn key() -> String {
        let mut key = format!("arm64-{SUITE}");
        for (name, version) in ROOT_PACKAGES {
            key.push_str(&format!("-{name}_{}", version.replace(['+', '~'], ".").replace(':', "_")));
        }
        key
    }

    pub fn get() -> Result<Self> {
        ensure!(
            Path::new("/usr/bin/qemu-aarch64-static").exists(),
            "qemu-aarch64-static is missing: `apt-get install qemu-user-static` (Debian) runs the aarch64 smoke tests"
        );
        let dir = Path::new(ROOT_CACHE).join(Self::key());
        if !dir.join("usr/bin/python3").exists() {
            Self::create(&dir)?;
        }
        Ok(Arm64Root { dir })
    }

    fn create(dir: &Path) -> Result<()> {
        eprintln!("making the arm64 Debian root {} (debootstrap --foreign; several minutes)", dir.display());
        ensure!(
            Command::new("debootstrap").arg("--version").output().is_ok(),
            "debootstrap is missing: `apt-get install debootstrap`"
        );
        let staging = dir.with_extension("staging");
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir_all(&staging)?;
        let include: Vec<&str> = ROOT_PACKAGES.iter().map(|(n, _)| *n).collect();
        run_cmd(
            Command::new("debootstrap")
                .args(["--foreign", "--arch", "arm64", "--variant=minbase"])
                .arg(format!("--include={}", include.join(",")))
                .arg(SUITE)
                .arg(&staging)
                .arg(MIRROR),
        )?;
        // The versions unpacked must be the pinned ones (the cache key says so).
        let debpaths = fs::read_to_string(staging.join("debootstrap/debpaths"))?;
        for (name, version) in ROOT_PACKAGES {
            let want = format!("{name}_{version}_");
            ensure!(
                debpaths.lines().any(|l| l.starts_with(&format!("{name} ")) && l.contains(&want)),
                "the mirror's {SUITE} arm64 {name} is not the pinned {version}: update ROOT_PACKAGES in xtask/src/smoke.rs"
            );
        }
        fs::rename(&staging, dir)?;
        Ok(())
    }

    /// `program` (a path inside the root) under qemu, with the root as the library prefix.
    pub fn run(&self, program: &Path) -> Command {
        let mut cmd = Command::new("qemu-aarch64-static");
        cmd.arg("-L").arg(&self.dir).arg(program);
        cmd
    }
}

const KOTLIN_SMOKE: &str = r#"
import dev.kontext.mgmt.*
import kotlinx.coroutines.runBlocking

fun main(args: Array<String>) = runBlocking {
    val client = KontextManagementClient(
        baseUrl = System.getenv("KONTEXT_BASE_URL"),
        clientId = System.getenv("KONTEXT_CLIENT_ID"),
        clientSecret = System.getenv("KONTEXT_CLIENT_SECRET"),
    )
    val name = args[0]
    client.applications.create(
        CreateApplicationInput(name = name, oauth = CreateApplicationOAuthInput(redirectUris = listOf("http://localhost:3000/callback"))),
    )
    val page = client.applications.list(limit = 50)
    check(page.items.any { it.name == name }) { "created application missing from the list" }
    try {
        client.applications.get("00000000-0000-4000-8000-000000000000")
        error("expected NotFound")
    } catch (e: KontextException.NotFound) {
    }
    println("kotlin smoke ok: Java ${System.getProperty("java.version")} on ${System.getProperty("os.arch")}, ${page.items.size} application(s) listed")
}
"#;

/// Compiles a Kotlin program against the released jar (Maven, with the jar's own pom for its
/// dependencies) and returns the class path to run it with: the program, the jar and its
/// dependencies (JNA carries its own dispatch library for every architecture).
pub fn kotlin_smoke_classpath(work: &Path, jar: &Path, pom: &Path) -> Result<String> {
    let dir = work.join("smoke-kotlin");
    fresh_dir(&dir)?;
    let pom_text = fs::read_to_string(pom)?;
    let prop = |name: &str| -> Result<String> {
        let open = format!("<{name}>");
        let start = pom_text.find(&open).with_context(|| format!("{} has no {name}", pom.display()))? + open.len();
        let end = pom_text[start..].find('<').context("unterminated property")? + start;
        Ok(pom_text[start..end].trim().to_string())
    };
    let (kotlin, coroutines, jna) = (prop("kotlin.version")?, prop("coroutines.version")?, prop("jna.version")?);
    fs::create_dir_all(dir.join("src/main/kotlin"))?;
    fs::write(dir.join("src/main/kotlin/Smoke.kt"), KOTLIN_SMOKE)?;
    let smoke_pom = format!(
        r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>publish.smoke</groupId><artifactId>smoke</artifactId><version>1</version>
  <properties><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  <dependencies>
    <dependency><groupId>dev.kontext</groupId><artifactId>kontext-mgmt-released</artifactId><version>1</version>
      <scope>system</scope><systemPath>{jar}</systemPath></dependency>
    <dependency><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-stdlib</artifactId><version>{kotlin}</version></dependency>
    <dependency><groupId>org.jetbrains.kotlinx</groupId><artifactId>kotlinx-coroutines-core-jvm</artifactId><version>{coroutines}</version></dependency>
    <dependency><groupId>net.java.dev.jna</groupId><artifactId>jna</artifactId><version>{jna}</version></dependency>
  </dependencies>
  <build>
    <sourceDirectory>src/main/kotlin</sourceDirectory>
    <plugins><plugin><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-maven-plugin</artifactId><version>{kotlin}</version>
      <executions><execution><id>compile</id><goals><goal>compile</goal></goals></execution></executions>
      <configuration><jvmTarget>17</jvmTarget></configuration></plugin></plugins>
  </build>
</project>
"#,
        jar = jar.display()
    );
    fs::write(dir.join("pom.xml"), smoke_pom)?;
    let cp_file = dir.join("classpath.txt");
    run_cmd(
        Command::new("mvn")
            .current_dir(&dir)
            .args(["-B", "-q", "-ntp", "-Dstyle.color=never", "compile", "dependency:build-classpath"])
            .arg(format!("-Dmdep.outputFile={}", cp_file.display())),
    )?;
    let deps = fs::read_to_string(&cp_file)?;
    Ok(format!("{}:{}:{}", dir.join("target/classes").display(), jar.display(), deps.trim()))
}

/// Runs the compiled Kotlin smoke program with `java` (a host or an arm64-root command).
pub fn kotlin_run(mut java: Command, classpath: &str, url: &str, label: &str) -> Result<String> {
    let out = output(with_kontext_env(
        java.arg("-cp").arg(classpath).arg("SmokeKt").arg(format!("publish-smoke-kotlin-{label}")),
        url,
    ))?;
    ensure!(out.contains("kotlin smoke ok"), "kotlin smoke test ({label}): {out}");
    Ok(out)
}
