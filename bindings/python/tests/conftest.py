"""Fixtures: one real emulator process (`kontext-emulator`) for the session, reset before
every test; sync and async clients pointed at it over loopback HTTP."""

from __future__ import annotations

import inspect
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import pytest

import kontext_mgmt

ROOT = pathlib.Path(__file__).resolve().parents[3]
CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
CLIENT_SECRET = "kontext-emulator-secret"


T = TypeVar("T")


def debug_binary(name: str, override: str) -> pathlib.Path:
    """A binary of the workspace's debug build (test.sh builds it), or the one ``$override`` names."""
    explicit = os.environ.get(override)
    if explicit:
        return pathlib.Path(explicit)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / name


def emulator_binary() -> pathlib.Path:
    return debug_binary("kontext-emulator", "KONTEXT_EMULATOR")


def in_child(work: Callable[[], T]) -> T:
    """Runs ``work`` in a forked child and returns what it returned (sent back as its repr)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.close(read)
            os.write(write, repr(work()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        report = f.read()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, report
    return cast(T, eval(report))  # our own child's repr of plain values


class Emulator:
    """A running emulator and its admin routes."""

    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.process = process

    def admin(self, method: str, route: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{route}", data=data, method=method)
        request.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} /_emulator/{route}: {e.code} {e.read().decode()}") from None
        return json.loads(raw) if raw else None

    def reset(self) -> None:
        self.admin("POST", "reset")
        self.admin("DELETE", "faults")

    def seed(self, document: dict[str, Any]) -> None:
        self.admin("POST", "seed", document)

    def faults(self, spec: dict[str, Any]) -> None:
        self.admin("PUT", "faults", spec)

    def requests(self, limit: int = 50) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.admin("GET", f"requests?limit={limit}")["items"]
        return items

    def api_requests(self, limit: int = 50) -> list[dict[str, Any]]:
        """Requests to the API (not the token endpoint nor the admin routes)."""
        return [r for r in self.requests(limit) if r["path"].startswith("/api/")]

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", "stats")
        return result

    def token(self, **body: Any) -> str:
        result: str = self.admin("POST", "tokens", body)["access_token"]
        return result


def start_emulator(*args: str) -> Emulator:
    binary = emulator_binary()
    if not binary.exists():
        pytest.exit(f"emulator binary {binary} not found: build it (cargo build -p kontext-mgmt-emulator)", 2)
    process = subprocess.Popen(
        [str(binary), "--port", "0", "--rate-limit", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    prefix = "listening on "
    if not line.startswith(prefix):
        process.kill()
        pytest.exit(f"the emulator did not start: {line!r}", 2)
    return Emulator(line[len(prefix) :], process)


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    emu = start_emulator()
    yield emu
    emu.process.terminate()
    try:
        emu.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        emu.process.kill()


@pytest.fixture
def emulator(emulator_process: Emulator) -> Emulator:
    emulator_process.reset()
    return emulator_process


@pytest.fixture
def client(emulator: Emulator) -> kontext_mgmt.Client:
    return kontext_mgmt.Client(base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest.fixture
def aclient(emulator: Emulator) -> kontext_mgmt.AsyncClient:
    return kontext_mgmt.AsyncClient(base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest.fixture(params=["sync", "async"])
def any_client(request: pytest.FixtureRequest, emulator: Emulator) -> Any:
    cls = kontext_mgmt.Client if request.param == "sync" else kontext_mgmt.AsyncClient
    return cls(base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


# ---------------------------------------------------------------------------------------
# One scenario, both clients: a scenario is a generator that yields each call's result
# (sync client) or coroutine (async client) and gets the value back.


def collect(iterator: Any) -> Any:
    """A list of every item of a `list_all` iterator (a coroutine for async ones)."""
    if hasattr(iterator, "__aiter__"):

        async def drain() -> list[Any]:
            return [item async for item in iterator]

        return drain()
    return list(iterator)


async def drive(scenario: Any) -> Any:
    """Runs a scenario generator, awaiting what it yields when it is awaitable."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = scenario.throw(error) if error is not None else scenario.send(value)
        except StopIteration as stop:
            return stop.value
        error = None
        try:
            value = (await step) if inspect.isawaitable(step) else step
        except Exception as e:  # handed to the scenario at its `yield`
            error = e
            value = None


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.start


def python_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


PYTHON = sys.executable
