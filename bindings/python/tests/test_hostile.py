"""The client against a hostile server (`kontext-hostile`, crates/kontext-mgmt-hostile) over
loopback HTTP: huge and endless bodies, extreme numbers, a hanging token endpoint,
repeating cursors, bodies that are not JSON; plus fork-safe pagers against the emulator."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import pytest

import kontext_mgmt as k
from conftest import CLIENT_ID, CLIENT_SECRET, Emulator, in_child, servers


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    try:
        server = servers.start(servers.debug_binary("kontext-hostile"))
    except servers.ServerError as e:
        pytest.fail(str(e))
    yield server.url
    server.stop()


def make(hostile: str, scenario: str, cls: Any = k.Client, **options: Any) -> Any:
    return cls(base_url=f"{hostile}/{scenario}", client_id="id", client_secret="secret", **options)


def test_huge_and_endless_bodies_raise_response_too_large(hostile: str) -> None:
    for scenario in ["body-2000000000", "chunked-40000000", "endless"]:
        with pytest.raises(k.ResponseTooLarge, match="33554432-byte limit") as caught:
            make(hostile, scenario).applications.list()
        assert isinstance(caught.value, k.KontextError)
        assert caught.value.code == "kontext_response_too_large"

        async def go(scenario: str = scenario) -> None:
            with pytest.raises(k.ResponseTooLarge):
                await make(hostile, scenario, k.AsyncClient).applications.list()

        asyncio.run(go())
    # The limits are options.
    with pytest.raises(k.ResponseTooLarge, match="max_body_bytes"):
        make(hostile, "chunked-3000", max_body_bytes=2000).applications.list()
    with pytest.raises(k.ResponseTooLarge, match="max_error_body_bytes"):
        make(hostile, "error-body-3000", max_error_body_bytes=2000).applications.get("x")
    with pytest.raises(k.ResponseTooLarge, match="max_token_body_bytes"):
        make(hostile, "token-endless").applications.list()


MEMORY_SCRIPT = textwrap.dedent(
    """
    import sys, kontext_mgmt as k
    def field(name):
        for line in open("/proc/self/status"):
            if line.startswith(name):
                return int(line.split()[1]) * 1024
    client = k.Client(base_url=sys.argv[1], token="t")
    try:
        client.applications.list(limit=1)
    except k.KontextError:
        pass
    before = field("VmRSS:")
    try:
        client.applications.list()
    except k.ResponseTooLarge:
        print(field("VmHWM:") - before)
    """
)


@pytest.mark.parametrize("scenario", ["chunked-2000000000", "endless"])
def test_peak_memory_stays_near_the_limit(hostile: str, scenario: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, f"{hostile}/{scenario}"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and out.stdout.strip(), out.stderr
    growth = int(out.stdout)
    print(f"{scenario}: peak RSS growth {growth / 1e6:.1f} MB")
    assert growth < 2 * 32 * 1024 * 1024 + 50_000_000


@pytest.mark.parametrize("header", ["retry-after-1e30", "retry-after-ms-1e30", "retry-after-ms-1e300"])
def test_extreme_retry_after_never_panics(hostile: str, header: str) -> None:
    with pytest.raises(k.NotFound):
        make(hostile, f"status-404+{header}").applications.get("x")
    with pytest.raises(k.RateLimited) as caught:
        make(hostile, f"status-429+{header}").applications.list()
    assert caught.value.retry_after == 86400.0


@pytest.mark.parametrize("expires_in", ["1e300", "18446744073709551615", "1e19", "-1"])
def test_extreme_expires_in_never_panics(hostile: str, expires_in: str) -> None:
    assert make(hostile, f"token-expires-{expires_in}").applications.list().items == []


def test_extreme_user_timeouts_are_clamped_or_refused(hostile: str) -> None:
    assert make(hostile, "x", timeout=1e300).timeout == 365 * 24 * 3600
    assert make(hostile, "x", timeout=float("inf")).applications.list().items == []
    for bad in [1e-300, 0.0, -1.0, float("nan")]:
        with pytest.raises(k.InvalidInput):
            make(hostile, "x", timeout=bad)
        with pytest.raises(k.InvalidInput):
            make(hostile, "x").with_options(timeout=bad)


def test_a_hanging_token_endpoint_times_out(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(k.TimeoutError):
        make(hostile, "token-hang", timeout=3).applications.list()
    took = time.monotonic() - started
    print(f"hanging token endpoint, timeout=3: TimeoutError after {took:.2f}s (sync)")
    assert took < 4

    async def go() -> float:
        started = time.monotonic()
        with pytest.raises(k.TimeoutError):
            await make(hostile, "token-hang", k.AsyncClient, timeout=3).applications.list()
        return time.monotonic() - started

    took = asyncio.run(go())
    print(f"hanging token endpoint, timeout=3: TimeoutError after {took:.2f}s (async)")
    assert took < 4


@pytest.mark.parametrize("scenario", ["token-empty", "token-missing"])
def test_an_empty_access_token_is_a_decode_error(hostile: str, scenario: str) -> None:
    with pytest.raises(k.DecodeError, match="access_token"):
        make(hostile, scenario).applications.list()


def test_basic_credentials_are_form_urlencoded(hostile: str) -> None:
    client = k.Client(base_url=f"{hostile}/basic-sa%3A1:p%2Bss%2541word", client_id="sa:1", client_secret="p+ss%41word")
    assert client.applications.list().items == []


def test_a_repeated_cursor_ends_the_walk(hostile: str) -> None:
    with pytest.raises(k.DecodeError, match="twice"):
        list(make(hostile, "cursor-repeat-empty").applications.list_all())

    async def go() -> None:
        with pytest.raises(k.DecodeError, match="twice"):
            async for _ in make(hostile, "cursor-repeat-empty", k.AsyncClient).applications.list_all():
                pass

    asyncio.run(go())


@pytest.mark.parametrize("scenario", ["invalid-utf8", "not-json"])
def test_success_bodies_that_are_not_json_are_decode_errors(hostile: str, scenario: str) -> None:
    with pytest.raises(k.DecodeError):
        make(hostile, scenario).applications.list()


def test_a_password_in_the_base_url_is_masked() -> None:
    client = k.Client(base_url="http://user:hunter2@127.0.0.1:9", token="t")
    assert "hunter2" not in repr(client)
    with pytest.raises(k.InvalidInput) as caught:
        k.Client(base_url="ftp://user:hunter2@127.0.0.1:9", token="t")
    assert "hunter2" not in str(caught.value)


def test_a_pager_made_before_fork_works_in_the_child(emulator: Emulator) -> None:
    client = k.Client(base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, timeout=20)
    for i in range(3):
        client.applications.create(name=f"app-{i}", oauth={"redirectUris": []})
    walk = iter(client.applications.list_all(limit=1))
    first = next(walk).name

    def rest_of_walk() -> tuple[list[str], float]:
        started = time.monotonic()
        return [a.name for a in walk], time.monotonic() - started

    rest, took = in_child(rest_of_walk)
    assert sorted([first, *rest]) == ["app-0", "app-1", "app-2"]
    assert took < 5, f"the child's pager stalled {took:.1f}s"


def test_a_panic_is_a_kontext_error_and_settles_the_future() -> None:
    from kontext_mgmt._base import _bridge

    client = k.Client(base_url="http://127.0.0.1:9", token="t")
    native = client._native
    with pytest.raises(k.KontextError, match="panic") as caught:
        native._panic_for_test()
    assert isinstance(caught.value, Exception) and caught.value.code == "kontext_internal_error"

    async def go() -> None:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        native._panic_for_test(_bridge(loop), future)
        with pytest.raises(k.KontextError, match="panic"):
            await asyncio.wait_for(future, 10)

    asyncio.run(go())
