"""Fixtures: one real emulator process (`kontext-emulator`) for the session, reset before
every test; sync and async clients pointed at it over loopback HTTP."""

from __future__ import annotations

import inspect
import json
import os
import pathlib
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import pytest

import kontext_mgmt

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "support"))
import servers  # noqa: E402  (tests/support: the test servers, shared with the drill)

CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
CLIENT_SECRET = "kontext-emulator-secret"


T = TypeVar("T")


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
    """A running emulator (ours when ``server`` is set) and its admin routes."""

    def __init__(self, url: str, server: servers.Server | None = None) -> None:
        self.url = url
        self.server = server

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


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    """The emulator at ``$KONTEXT_EMULATOR_URL`` when set, else one started for the session."""
    running = os.environ.get(servers.URL_ENV)
    if running:
        yield Emulator(running.rstrip("/"))
        return
    try:
        server = servers.start_emulator()
    except servers.ServerError as e:
        pytest.exit(str(e), 2)
    yield Emulator(server.url, server)
    server.stop()


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
