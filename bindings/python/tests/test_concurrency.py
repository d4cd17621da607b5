"""The GIL is released while requests run, asyncio cancellation aborts the request, a
forked child works, Ctrl-C interrupts a blocking call."""

from __future__ import annotations

import asyncio
import os
import subprocess
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import kontext_mgmt as k
from conftest import CLIENT_ID, CLIENT_SECRET, PYTHON, Emulator, in_child, python_env
from kontext_mgmt import _native


def test_threads_run_requests_in_parallel(client: k.Client, emulator: Emulator) -> None:
    app = client.applications.create(name="parallel", oauth={"redirectUris": []}).application
    client.applications.get(app.id)  # token and first connection outside the timing
    emulator.faults({"latencyMs": 20})

    def run(threads: int) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(lambda _: client.applications.get(app.id).application.id, range(64)))
        assert results == [app.id] * 64
        return time.perf_counter() - started

    one = run(1)
    eight = run(8)
    assert one >= 64 * 0.020, "the latency fault is on"
    assert one / eight >= 4, f"1 thread {one:.3f}s, 8 threads {eight:.3f}s"


async def test_async_requests_overlap(aclient: k.AsyncClient, emulator: Emulator) -> None:
    await aclient.applications.list()
    emulator.faults({"latencyMs": 50})
    started = time.perf_counter()
    pages = await asyncio.gather(*(aclient.applications.list() for _ in range(32)))
    elapsed = time.perf_counter() - started
    assert len(pages) == 32
    assert elapsed < 32 * 0.050 / 4, f"32 concurrent calls took {elapsed:.3f}s"


async def test_cancelling_the_task_aborts_the_request(aclient: k.AsyncClient, emulator: Emulator) -> None:
    await aclient.applications.list()  # token fetched
    emulator.faults({"latencyMs": 5000})
    assert _native._in_flight() == 0
    task = asyncio.ensure_future(aclient.applications.list())
    await asyncio.sleep(0.2)
    assert _native._in_flight() == 1, "the request is running in the core"
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    while _native._in_flight() and time.perf_counter() - started < 2:
        await asyncio.sleep(0.01)
    assert _native._in_flight() == 0, "the core's request was aborted"
    assert time.perf_counter() - started < 1.0, "aborted at once, not after the latency"
    # The loop and the client stay healthy.
    emulator.admin("DELETE", "faults")
    page = await asyncio.wait_for(aclient.applications.list(), 5)
    assert page.items == []
    # wait_for's timeout cancels too.
    emulator.faults({"latencyMs": 5000})
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(aclient.applications.list(), 0.2)
    await asyncio.sleep(0.05)
    assert _native._in_flight() == 0


async def test_many_loops_one_client(emulator: Emulator) -> None:
    """A client created on one loop works on another (one bridge per loop)."""
    c = k.AsyncClient(base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    await c.applications.list()

    def other_loop() -> int:
        async def go() -> int:
            return len((await c.applications.list()).items)

        return asyncio.run(go())

    assert await asyncio.get_running_loop().run_in_executor(None, other_loop) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_fork_child_creates_a_new_client(client: k.Client, emulator: Emulator) -> None:
    client.applications.create(name="before-fork", oauth={"redirectUris": []})

    def in_the_child() -> tuple[list[str], list[str]]:
        fresh = k.Client(base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        names = [a.name for a in fresh.applications.list().items]
        fresh.applications.create(name="from-child", oauth={"redirectUris": []})
        # The parent's client, inherited, is rebuilt for the child too.
        return names, [a.name for a in client.applications.list().items]

    names, inherited = in_child(in_the_child)
    assert names == ["before-fork"]
    assert sorted(inherited) == ["before-fork", "from-child"]
    assert sorted(a.name for a in client.applications.list().items) == ["before-fork", "from-child"]


def test_ctrl_c_interrupts_a_blocking_call(emulator: Emulator) -> None:
    emulator.faults({"latencyMs": 10000})
    script = textwrap.dedent(
        f"""
        import os, signal, threading, time
        import kontext_mgmt as k
        c = k.Client(base_url={emulator.url!r}, client_id={CLIENT_ID!r}, client_secret={CLIENT_SECRET!r})
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        started = time.perf_counter()
        try:
            c.applications.list()
            print("finished", round(time.perf_counter() - started, 3))
        except KeyboardInterrupt:
            print("interrupted", round(time.perf_counter() - started, 3))
        """
    )
    started = time.perf_counter()
    out = subprocess.run([PYTHON, "-c", script], capture_output=True, text=True, timeout=30, env=python_env())
    assert out.returncode == 0, out.stderr
    word, after = out.stdout.split()
    assert word == "interrupted", f"the call {word} after {after}s; stderr: {out.stderr}"
    assert float(after) < 2.0, f"KeyboardInterrupt came {after}s after the start (signal at 0.5s)"
    assert time.perf_counter() - started < 8, "well before the 10 s latency"


def test_blocking_call_inside_a_running_loop_still_works(client: k.Client) -> None:
    async def inside() -> int:
        return len(client.applications.list().items)

    assert asyncio.run(inside()) == 0
