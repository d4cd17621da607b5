"""Starting the workspace's test servers (`kontext-emulator`, `kontext-hostile`) for the
Python test code: the binding's pytest suite (bindings/python/tests/conftest.py) and the
API-change drill (tests/drill/drill.py). Standard library only.

Both servers print ``listening on http://HOST:PORT`` as their first line. The binaries are
the workspace's debug build (``$CARGO_TARGET_DIR``, else ``target/``) unless
``$KONTEXT_EMULATOR_BIN`` / ``$KONTEXT_HOSTILE_BIN`` name others; ``$KONTEXT_EMULATOR_URL``
names an emulator that is already running, for the suites that can share one. The same
names serve the other languages' test supports (tests/support/servers.sh,
bindings/node/test/helpers.mjs, xtask/src/smoke.rs)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import threading
from collections.abc import Mapping

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY_ENV = {"kontext-emulator": "KONTEXT_EMULATOR_BIN", "kontext-hostile": "KONTEXT_HOSTILE_BIN"}
URL_ENV = "KONTEXT_EMULATOR_URL"
BANNER = "listening on "


class ServerError(RuntimeError):
    """A test server could not be found or did not start."""


def debug_binary(name: str) -> pathlib.Path:
    """``name`` of the workspace's debug build, or the binary its environment variable names."""
    explicit = os.environ.get(BINARY_ENV.get(name, ""), "")
    if explicit:
        return pathlib.Path(explicit)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return target / "debug" / name


class Server:
    """A running server process and its base URL."""

    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.process = process

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(binary: pathlib.Path, *args: str, env: Mapping[str, str] | None = None) -> Server:
    """Starts ``binary`` with ``args`` and waits for its address; its stderr is discarded."""
    if not binary.exists():
        raise ServerError(f"{binary} not found: build it (cargo build -p kontext-mgmt-emulator -p kontext-mgmt-hostile)")
    process = subprocess.Popen(
        [str(binary), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith(BANNER):
        process.kill()
        process.wait()
        raise ServerError(f"{binary.name} did not start: first line {line!r}")
    # Keep reading its stdout: a full pipe would block the server.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return Server(line[len(BANNER) :], process)


def start_emulator(
    *args: str, binary: pathlib.Path | None = None, env: Mapping[str, str] | None = None
) -> Server:
    """An emulator (the debug one unless ``binary``) on a free loopback port, without rate
    limit, plus ``args``."""
    binary = binary or debug_binary("kontext-emulator")
    return start(binary, "--port", "0", "--rate-limit", "0", *args, env=env)
