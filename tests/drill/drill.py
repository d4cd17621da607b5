#!/usr/bin/env python3
"""The API-change drill: the API gains an operation and a field; `cargo xtask regen` and a
rebuild carry them into every language with zero hand edits.

1. Copies the repository's source files (tracked and untracked, not ignored) to
   target/drill/repo and changes only the copy's spec: a new tag `widgets` with operation
   `widgets_spin` (POST /widgets/{widgetId}/spin, new schemas SpinRequest, SpinDirection,
   SpinResult) and a new optional field `color` on `Application`.
2. Runs `cargo xtask regen` in the copy (then `regen --check` must pass there) and checks
   the API-surface summary names the additions.
3. Starts this repository's emulator (built from the original spec: it does not know the
   route and answers 404). For each language it creates an application and scripts the
   emulator to add `"color": "teal"` to the next answer for it (a `mergePatch` fault: what
   the live API would send), then runs user code against the rebuilt SDK of the copy:
   Rust (an example in the copy), Python (a wheel in a fresh virtualenv, plus
   `mypy --strict`), Node (the assembled package, plus `tsc --strict`), Kotlin (JUnit in
   the copy's Maven project). Each must read `color` through its typed model, keep it
   when the model is encoded and decoded (where the language has that), and get
   `NotFound` (404) from `widgets.spin`; the emulator's request log must show exactly one
   `POST /api/v1/widgets/{id}/spin` with the body that call sent.
4. Swift: the new method, Record and field must be in the copy's Swift sources, which must
   parse (tree-sitter-swift); then user code (tests/drill/swift) is compiled against the
   regenerated package and run like the others, with the `swift` on PATH or else the pinned
   toolchain (`cargo xtask swift-toolchain`). Only KONTEXT_SKIP_SWIFT=1 skips that.

The copy builds into its own cargo target dir (target/drill/target): with a shared one,
cargo would take the copy's crates for this repository's (same relative paths, same
unit hashes) and each build would serve the other's artifacts. That dir starts with a copy
of this repository's registry-dependency builds (seed_copy_target), not our crates'. Run by `cargo xtask test`
(step `drill`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
import servers  # noqa: E402  (tests/support: the test servers, shared with the Python tests)

TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target").resolve()
WORK = TARGET / "drill"
COPY = WORK / "repo"
CARGO = os.environ.get("CARGO", "cargo")
CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
CLIENT_SECRET = "kontext-emulator-secret"

ENV = {k: v for k, v in os.environ.items() if not k.startswith("KONTEXT_")}
ENV["CARGO_TARGET_DIR"] = str(TARGET)
# `cargo xtask test` runs this under `cargo run`, which puts this repository's target/debug
# on LD_LIBRARY_PATH: JNA would load our uniffi library instead of the copy's.
ENV["LD_LIBRARY_PATH"] = os.pathsep.join(
    p for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p and not Path(p).resolve().is_relative_to(TARGET)
)
COPY_TARGET = WORK / "target"
COPY_ENV = dict(ENV, CARGO_TARGET_DIR=str(COPY_TARGET))

NEW_PATH = """\
  /widgets/{widgetId}/spin:
    post:
      tags: [widgets]
      operationId: widgets_spin
      summary: Spin a widget
      parameters:
        - name: widgetId
          in: path
          required: true
          schema: {type: string}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/SpinRequest'}
      responses:
        '200':
          description: The widget after spinning.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/SpinResult'}
        '404': {$ref: '#/components/responses/NotFound'}
"""

NEW_SCHEMAS = """\
    SpinRequest:
      type: object
      required: [speed]
      properties:
        speed: {type: integer, description: Turns per second.}
        direction: {$ref: '#/components/schemas/SpinDirection'}
    SpinDirection:
      type: string
      enum: [clockwise, counterclockwise]
    SpinResult:
      type: object
      required: [widgetId, rpm]
      properties:
        widgetId: {type: string}
        rpm: {type: number}
"""

APPLICATION = """\
    Application:
      type: object
      required: [id, name, clientId, createdAt, updatedAt]
      properties:
"""
NEW_FIELD = "        color: {type: string, description: Display color (API-change drill).}\n"


STARTED = time.monotonic()


def step(what: str) -> None:
    print(f"--- drill: [{time.monotonic() - STARTED:.0f} s] {what}", flush=True)


def fail(message: str) -> None:
    print(f"drill: FAILED: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def sh(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    """Runs a command (in the copy: with the copy's target dir); returns its output."""
    env = env or (COPY_ENV if cwd.is_relative_to(COPY) else ENV)
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"{' '.join(map(str, args))} exited {out.returncode}\n{out.stdout[-6000:]}\n{out.stderr[-6000:]}")
    return out.stdout + ("\n" + out.stderr if out.stderr else "")


def insert_once(text: str, marker: str, addition: str) -> str:
    if text.count(marker) != 1:
        fail(f"expected exactly one {marker!r} in the spec")
    at = text.index(marker) + len(marker)
    return text[:at] + addition + text[at:]


def expect_in(path: Path, *needles: str) -> None:
    text = path.read_text(encoding="utf-8")
    for needle in needles:
        if needle not in text:
            fail(f"{path.relative_to(WORK)} lacks {needle!r}")


# Names of this workspace's build outputs (packages, libraries, binaries) in target/debug:
# everything else there is a registry dependency, which the copy can reuse as is.
OURS = re.compile(r"^(lib)?(kontext|xtask|uniffi-bindgen-|_native)")


def seed_copy_target() -> None:
    """Starts the copy's target dir with this repository's registry-dependency builds.

    Their unit hashes do not depend on where the workspace is, so cargo finds them fresh
    and compiles only the copy's own crates (and the few dependencies whose build scripts
    watch the workspace), instead of every dependency from nothing. Our crates' outputs are
    left out: the copy must build its own.
    """
    source = TARGET / "debug"
    dest = COPY_TARGET / "debug"
    if dest.exists() or not source.exists():
        return
    for sub in ("deps", "build", ".fingerprint"):
        if not (source / sub).is_dir():
            continue
        (dest / sub).mkdir(parents=True, exist_ok=True)
        names = [source / sub / n for n in os.listdir(source / sub) if not OURS.match(n)]
        for start in range(0, len(names), 500):
            sh("cp", "-a", "-t", dest / sub, *names[start:start + 500])


def copy_repo() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    names = [n for n in listed.split("\0") if n and os.path.lexists(ROOT / n)]
    if COPY.exists():
        shutil.rmtree(COPY)
    COPY.mkdir(parents=True)
    for name in names:
        src, dst = ROOT / name, COPY / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():  # the crates' spec links must keep pointing at the copy's spec
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)


class Emulator:
    def __init__(self) -> None:
        sh(CARGO, "build", "--quiet", "-p", "kontext-mgmt-emulator", "--bin", "kontext-emulator")
        try:
            self.server = servers.start_emulator(binary=TARGET / "debug" / "kontext-emulator", env=ENV)
        except servers.ServerError as e:
            fail(str(e))
        self.url = self.server.url
        self.token = self.call("POST", "/oauth2/token", form={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        })["access_token"]  # fmt: skip

    def call(self, method: str, path: str, body: Any = None, form: dict[str, str] | None = None) -> Any:
        headers = {"content-type": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        if form is not None:
            headers = {"content-type": "application/x-www-form-urlencoded"}
            data = "&".join(f"{k}={urllib.request.quote(v)}" for k, v in form.items()).encode()
        if path.startswith("/api/"):
            headers["authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
        return json.loads(text) if text else None

    def prepare(self) -> tuple[str, str]:
        """An application whose next GET answer carries `color`, and a widget id."""
        app = self.call("POST", "/api/v1/applications", {"name": f"drill-{uuid.uuid4()}", "oauth": {"redirectUris": []}})
        app_id = app["application"]["id"]
        self.call("PUT", "/_emulator/faults", {"script": [{
            "method": "GET", "path": f"/api/v1/applications/{app_id}",
            "mergePatch": {"application": {"color": "teal"}},
        }]})  # fmt: skip
        return app_id, str(uuid.uuid4())

    def check(self, language: str, result: dict[str, Any], widget: str) -> None:
        for key in ("color", "encodedColor", "decodedColor"):
            if result.get(key) != "teal":
                fail(f"{language}: {key} = {result.get(key)!r}, expected 'teal' ({result})")
        if result.get("error") != "NotFound" or result.get("status") != 404:
            fail(f"{language}: widgets.spin gave {result.get('error')} {result.get('status')}, expected NotFound 404")
        items = self.call("GET", "/_emulator/requests?limit=1000")["items"]
        hits = [r for r in items if r["path"] == f"/api/v1/widgets/{widget}/spin"]
        if len(hits) != 1:
            fail(f"{language}: {len(hits)} spin requests reached the emulator, expected 1")
        hit = hits[0]
        if (hit["method"], hit["status"], hit["body"]) != ("POST", 404, {"speed": 3, "direction": "clockwise"}):
            fail(f"{language}: the emulator saw {hit}")
        print(f"drill: {language}: Application.color = 'teal' through the typed model; "
              f"widgets.spin -> POST {hit['path']} {hit['body']} -> NotFound 404", flush=True)  # fmt: skip

    def stop(self) -> None:
        self.server.stop()


def last_json(output: str, prefix: str = "") -> dict[str, Any]:
    for line in reversed(output.splitlines()):
        line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()  # Maven's colour resets
        if line.startswith(prefix + "{"):
            result: dict[str, Any] = json.loads(line[len(prefix) :])
            return result
    fail(f"no result line in:\n{output[-4000:]}")
    raise AssertionError


def python_tools() -> Path:
    """The Python test venv (maturin, mypy), as bindings/python/test.sh makes it."""
    venv = TARGET / "python-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        sh(sys.executable, "-m", "venv", venv)
    sh(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
       "-r", ROOT / "bindings" / "python" / "requirements-dev.txt")  # fmt: skip
    return venv


def run_rust(emu: Emulator) -> None:
    step("Rust: an example in the copy, built against the regenerated core")
    shutil.copy(HERE / "drill.rs", COPY / "crates" / "kontext-mgmt" / "examples" / "drill.rs")
    app, widget = emu.prepare()
    out = sh(CARGO, "run", "--quiet", "--manifest-path", COPY / "Cargo.toml", "-p", "kontext-mgmt",
             "--example", "drill", "--", emu.url, app, widget, cwd=COPY)  # fmt: skip
    emu.check("rust", last_json(out), widget)


def run_python(emu: Emulator) -> None:
    step("Python: a wheel built from the copy, in a fresh virtualenv")
    tools = python_tools()
    wheels = WORK / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    sh(tools / "bin" / "maturin", "build", "--profile", "dev", "--quiet",
       "-m", COPY / "bindings" / "python" / "Cargo.toml", "-o", wheels, cwd=COPY)  # fmt: skip
    wheel = next(wheels.glob("kontext_mgmt-*.whl"))
    venv = WORK / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    sh(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    sh(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index", "--no-deps", wheel)
    app, widget = emu.prepare()
    result = last_json(sh(python, HERE / "drill_user.py", emu.url, app, widget, cwd=WORK))
    if result.get("model") != {"speed": 3}:
        fail(f"python: SpinRequest(speed=3).to_dict() = {result.get('model')}")
    emu.check("python", result, widget)
    sh(tools / "bin" / "python", "-m", "mypy", "--strict", "--no-incremental", "--python-executable", python,
       HERE / "drill_user.py", cwd=WORK)  # fmt: skip
    print("drill: python: mypy --strict accepts the user code against the regenerated stubs", flush=True)


def run_node(emu: Emulator) -> None:
    step("Node: the native module rebuilt in the copy, the regenerated package")
    sh(CARGO, "build", "--quiet", "--manifest-path", COPY / "Cargo.toml", "-p", "kontext-mgmt-node", cwd=COPY)
    pkg = COPY / "bindings" / "node"
    platform = sh("node", "-p", "require('./lib/native.js').platformNames()[0]", cwd=pkg).split()[0]
    shutil.copy(COPY_TARGET / "debug" / "libkontext_mgmt_node.so", pkg / f"kontext-mgmt.{platform}.node")
    app, widget = emu.prepare()
    result = last_json(sh("node", HERE / "drill_user.cjs", pkg, emu.url, app, widget, cwd=WORK))
    if result.get("operation") != ["POST", "/widgets/{widgetId}/spin"]:
        fail(f"node: OPERATIONS has {result.get('operation')} for widgets_spin")
    emu.check("node", result, widget)
    tsc = ROOT / "bindings" / "node" / "node_modules" / "typescript" / "bin" / "tsc"
    if not tsc.exists():
        sh("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=ROOT / "bindings" / "node")
    shutil.copy(HERE / "drill_check.ts", pkg / "drill_check.ts")
    sh("node", tsc, "--strict", "--noEmit", "--target", "ES2022", "--module", "commonjs",
       "--skipLibCheck", "false", pkg / "drill_check.ts", cwd=pkg)  # fmt: skip
    print("drill: node: tsc --strict accepts the new operation, schema and field", flush=True)


def run_kotlin(emu: Emulator) -> Path:
    step("Kotlin: the uniffi library rebuilt in the copy, JUnit in the copy's Maven project")
    sh(CARGO, "build", "--quiet", "--manifest-path", COPY / "Cargo.toml",
       "-p", "kontext-mgmt-uniffi", "-p", "kontext-mgmt-uniffi-bindgen", cwd=COPY)  # fmt: skip
    stage = WORK / "uniffi"
    lib = WORK / "libkontext_mgmt_uniffi.so"
    shutil.copy(COPY_TARGET / "debug" / "libkontext_mgmt_uniffi.so", lib)
    sh("bash", COPY / "bindings" / "uniffi" / "stage.sh", COPY_TARGET / "debug" / "uniffi-bindgen", lib, stage, cwd=COPY)
    tests = COPY / "bindings" / "uniffi" / "kotlin" / "src" / "test" / "kotlin" / "dev" / "kontext" / "mgmt"
    shutil.copy(HERE / "kotlin" / "DrillTest.kt", tests / "DrillTest.kt")
    app, widget = emu.prepare()
    env = dict(COPY_ENV, KONTEXT_EMULATOR_URL=emu.url, KONTEXT_DRILL_APP=app, KONTEXT_DRILL_WIDGET=widget)
    out = sh("mvn", "-B", "-q", "-ntp", "-Dstyle.color=never", "-f", COPY / "bindings" / "uniffi" / "kotlin" / "pom.xml",
             f"-Duniffi.work.dir={stage}", "-Dtest=DrillTest", "-Dsurefire.failIfNoSpecifiedTests=false", "test",
             cwd=COPY, env=env)  # fmt: skip
    emu.check("kotlin", last_json(out, "DRILL "), widget)
    return stage


def swift_skip_asked() -> bool:
    value = os.environ.get("KONTEXT_SKIP_SWIFT", "")
    if value not in ("", "0", "1"):
        fail(f"KONTEXT_SKIP_SWIFT={value!r}: set it to 1 to skip Swift, or unset it")
    return value == "1"


def swift_on_path() -> None:
    """`swift` on PATH, or the pinned toolchain (`cargo xtask swift-toolchain`) put there."""
    if shutil.which("swift"):
        return
    step("Swift: no swift on PATH; cargo xtask swift-toolchain")
    made = subprocess.run([CARGO, "xtask", "swift-toolchain"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if made.returncode != 0:
        fail("no Swift toolchain: cargo xtask swift-toolchain failed (KONTEXT_SKIP_SWIFT=1 skips Swift)")
    ENV["PATH"] = made.stdout.strip().splitlines()[-1] + os.pathsep + ENV.get("PATH", "")
    COPY_ENV["PATH"] = ENV["PATH"]


def run_swift(emu: Emulator, stage: Path) -> bool:
    """Returns whether the Swift user code ran (False only when KONTEXT_SKIP_SWIFT=1 asks)."""
    step("Swift: the regenerated and uniffi-generated sources")
    package = stage / "swift" / "KontextMgmt"
    sources = package / "Sources" / "KontextMgmt"
    expect_in(sources / "Generated.swift", "public var widgets: Widgets")
    expect_in(sources / "KontextMgmt.swift", "func spin(widgetId: String, body: SpinRequest)", "public struct SpinRequest",
              "public var color: String?")  # fmt: skip
    print(sh("bash", ROOT / "bindings" / "uniffi" / "scripts" / "swift_check.sh", package).strip())
    if swift_skip_asked():
        print("drill: swift: SKIPPED (asked: KONTEXT_SKIP_SWIFT=1): parsed and FFI symbols checked, not compiled", flush=True)
        return False
    swift_on_path()
    step("Swift: user code compiled against the regenerated package, run against the emulator")
    user = stage / "swift" / "DrillUser"
    # Its .build survives (stage.sh keeps it); the sources are this repository's.
    shutil.rmtree(user / "Sources", ignore_errors=True)
    user.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "swift" / "Package.swift", user / "Package.swift")
    shutil.copytree(HERE / "swift" / "Sources", user / "Sources")
    sh("swift", "build", "--package-path", user, "-c", "debug")
    app, widget = emu.prepare()
    out = sh("swift", "run", "--skip-build", "--package-path", user, "-c", "debug", "DrillUser", emu.url, app, widget)
    emu.check("swift", last_json(out), widget)
    return True


def main() -> None:
    started = time.monotonic()
    step(f"copy the repository to {COPY.relative_to(ROOT) if COPY.is_relative_to(ROOT) else COPY}")
    copy_repo()
    spec_path = COPY / "openapi" / "kontext-management.yaml"
    spec = spec_path.read_text(encoding="utf-8")
    spec = insert_once(spec, "\npaths:\n", NEW_PATH)
    spec = insert_once(spec, "\n  schemas:\n", NEW_SCHEMAS)
    spec = insert_once(spec, "\ntags:\n", "  - name: widgets\n    description: Widgets (API-change drill).\n")
    spec = insert_once(spec, APPLICATION, NEW_FIELD)
    spec_path.write_text(spec, encoding="utf-8")

    seed_copy_target()
    step("cargo xtask regen in the copy")
    summary = sh(CARGO, "xtask", "regen", cwd=COPY)
    print(summary.strip())
    for needle in ("widgets_spin", "Application.color"):
        if needle not in summary:
            fail(f"the API-surface summary does not mention {needle}")
    sh(CARGO, "xtask", "regen", "--check", cwd=COPY)
    node_pkg = COPY / "bindings" / "node"
    expect_in(COPY / "openapi" / "operations.md", "widgets_spin")
    expect_in(COPY / "bindings" / "python" / "python" / "kontext_mgmt" / "_generated.pyi", "def spin(", "class SpinRequest(Model):")
    expect_in(node_pkg / "index.d.ts", "spin(widgetId: string, data: SpinRequest", "color?: string")
    expect_in(COPY / "bindings" / "uniffi" / "kotlin" / "src" / "main" / "kotlin" / "dev" / "kontext" / "mgmt" / "Generated.kt",
              "val KontextManagementClient.widgets: Widgets")  # fmt: skip

    emu = Emulator()
    try:
        run_rust(emu)
        run_python(emu)
        run_node(emu)
        stage = run_kotlin(emu)
        swift_started = time.monotonic()
        swift_ran = run_swift(emu, stage)
        swift_seconds = time.monotonic() - swift_started
    finally:
        emu.stop()
    if swift_ran:
        report = TARGET / "swift-report"
        report.mkdir(parents=True, exist_ok=True)
        (report / "drill").write_text("ok (widgets.spin called from Swift: NotFound 404; Application.color typed)\n")
        with open(report / "times", "a") as times:
            times.write(f"drill {swift_seconds:.0f}\n")
    ran = "rust, python, node, kotlin, swift ran" if swift_ran else "rust, python, node, kotlin ran; swift SKIPPED (asked)"
    print(f"drill: passed in {time.monotonic() - started:.0f} s ({ran})")


if __name__ == "__main__":
    main()
