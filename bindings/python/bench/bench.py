#!/usr/bin/env python3
"""Benchmarks of the Python SDK against plain HTTP clients doing the same calls.

    python bench.py --url http://127.0.0.1:PORT [--contenders a,b] [--scenarios x,y] [--reps N]

The emulator must run with `--rate-limit 0` and the default credentials. Prints one JSON
object per line: {"contender", "scenario", "value", "unit", "reps"} (value = median of
reps). Contenders: kontext-sync, kontext-async, httpx-sync, httpx-async, aiohttp; the raw
clients fetch one token up front and parse every JSON body, as the SDK does.

Scenarios: get_seq (sequential GET /applications/{id}, req/s), create_get_seq (create+get
pairs, pairs/s), concurrent64 (64 in flight: asyncio tasks for async contenders, threads
for sync ones; req/s), stream100k (walk every application with limit 200: items/s, plus
peak RSS growth in MB as `stream100k_rss`, in a fresh process), cold_start (fresh process:
import + client + first call, ms; with it, contender `kontext-python-import` is `import
kontext_mgmt` alone in a fresh process, ms). `bench/run.sh` is the `cargo xtask bench` entry.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import uuid
from typing import Any, Callable

CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
CLIENT_SECRET = "kontext-emulator-secret"
CONTENDERS = ["kontext-sync", "kontext-async", "httpx-sync", "httpx-async", "aiohttp"]
SCENARIOS = ["get_seq", "create_get_seq", "concurrent64", "stream100k", "cold_start", "import", "kit_start"]


def emit(contender: str, scenario: str, reps: list[float], unit: str, **extra: Any) -> None:
    line = {"contender": contender, "scenario": scenario, "value": round(statistics.median(reps), 3), "unit": unit}
    line["reps"] = [round(r, 3) for r in reps]
    line.update(extra)
    print(json.dumps(line), flush=True)


def fetch_token(url: str) -> str:
    import httpx

    r = httpx.post(
        f"{url}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "management:all",
            "audience": f"{url}/api/v1",
        },
    )
    r.raise_for_status()
    token: str = r.json()["access_token"]
    return token


def new_app_body() -> dict[str, Any]:
    return {"name": f"bench-{uuid.uuid4()}", "oauth": {"redirectUris": []}}


# ---------------------------------------------------------------------------------------
# Contenders: each offers get(id) / create() / list_page(cursor) in its own style.


class KontextSync:
    def __init__(self, url: str) -> None:
        import kontext_mgmt

        self.k = kontext_mgmt
        self.c = kontext_mgmt.Client(base_url=url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    def get(self, app_id: str) -> Any:
        return self.c.applications.get(app_id)

    def create(self) -> str:
        created = self.c.applications.create(name=f"bench-{uuid.uuid4()}", oauth={"redirectUris": []})
        return str(created.application.id)

    def stream(self) -> int:
        return sum(1 for _ in self.c.applications.list_all(limit=200))


class KontextAsync:
    def __init__(self, url: str) -> None:
        import kontext_mgmt

        self.c = kontext_mgmt.AsyncClient(base_url=url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    async def get(self, app_id: str) -> Any:
        return await self.c.applications.get(app_id)

    async def create(self) -> str:
        created = await self.c.applications.create(name=f"bench-{uuid.uuid4()}", oauth={"redirectUris": []})
        return str(created.application.id)

    async def stream(self) -> int:
        n = 0
        async for _ in self.c.applications.list_all(limit=200):
            n += 1
        return n


class HttpxSync:
    """One httpx.Client per thread (a shared one fails under 64 threads: httpx is not
    thread-safe enough for that)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token = fetch_token(url)
        self.local = threading.local()

    @property
    def c(self) -> Any:
        client = getattr(self.local, "client", None)
        if client is None:
            import httpx

            client = self.local.client = httpx.Client(
                base_url=f"{self.url}/api/v1",
                headers={"authorization": f"Bearer {self.token}", "accept": "application/json"},
            )
        return client

    def get(self, app_id: str) -> Any:
        r = self.c.get(f"/applications/{app_id}")
        r.raise_for_status()
        return r.json()

    def create(self) -> str:
        r = self.c.post("/applications", json=new_app_body())
        r.raise_for_status()
        return str(r.json()["application"]["id"])

    def stream(self) -> int:
        n, cursor = 0, None
        while True:
            params: dict[str, Any] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            r = self.c.get("/applications", params=params)
            r.raise_for_status()
            page = r.json()
            n += len(page["items"])
            cursor = page.get("nextCursor")
            if not cursor:
                return n


class HttpxAsync:
    def __init__(self, url: str) -> None:
        import httpx

        token = fetch_token(url)
        self.c = httpx.AsyncClient(
            base_url=f"{url}/api/v1",
            headers={"authorization": f"Bearer {token}", "accept": "application/json"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    async def get(self, app_id: str) -> Any:
        r = await self.c.get(f"/applications/{app_id}")
        r.raise_for_status()
        return r.json()

    async def create(self) -> str:
        r = await self.c.post("/applications", json=new_app_body())
        r.raise_for_status()
        return str(r.json()["application"]["id"])

    async def stream(self) -> int:
        n, cursor = 0, None
        while True:
            params: dict[str, Any] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            r = await self.c.get("/applications", params=params)
            r.raise_for_status()
            page = r.json()
            n += len(page["items"])
            cursor = page.get("nextCursor")
            if not cursor:
                return n


class Aiohttp:
    def __init__(self, url: str) -> None:
        self.url = f"{url}/api/v1"
        self.token = fetch_token(url)
        self.session: Any = None

    async def _s(self) -> Any:
        if self.session is None:
            import aiohttp

            self.session = aiohttp.ClientSession(
                headers={"authorization": f"Bearer {self.token}", "accept": "application/json"},
                connector=aiohttp.TCPConnector(limit=64),
            )
        return self.session

    async def get(self, app_id: str) -> Any:
        s = await self._s()
        async with s.get(f"{self.url}/applications/{app_id}") as r:
            r.raise_for_status()
            return await r.json()

    async def create(self) -> str:
        s = await self._s()
        async with s.post(f"{self.url}/applications", json=new_app_body()) as r:
            r.raise_for_status()
            return str((await r.json())["application"]["id"])

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def stream(self) -> int:
        s = await self._s()
        n, cursor = 0, None
        while True:
            params: dict[str, Any] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            async with s.get(f"{self.url}/applications", params=params) as r:
                r.raise_for_status()
                page = await r.json()
            n += len(page["items"])
            cursor = page.get("nextCursor")
            if not cursor:
                await self.close()
                return n


MAKERS: dict[str, Callable[[str], Any]] = {
    "kontext-sync": KontextSync,
    "kontext-async": KontextAsync,
    "httpx-sync": HttpxSync,
    "httpx-async": HttpxAsync,
    "aiohttp": Aiohttp,
}


def is_async(name: str) -> bool:
    return name in ("kontext-async", "httpx-async", "aiohttp")


# ---------------------------------------------------------------------------------------
# Scenarios in this process


def run_sync(contender: str, url: str, reps: int, scale: float, scenarios: list[str]) -> None:
    c = MAKERS[contender](url)
    app_id = c.create()
    for _ in range(50):
        c.get(app_id)
    if "get_seq" in scenarios:
        n = int(2000 * scale)
        results = []
        for _ in range(reps):
            t = time.perf_counter()
            for _ in range(n):
                c.get(app_id)
            results.append(n / (time.perf_counter() - t))
        emit(contender, "get_seq", results, "req/s")
    if "create_get_seq" in scenarios:
        n = int(500 * scale)
        results = []
        for _ in range(reps):
            t = time.perf_counter()
            for _ in range(n):
                c.get(c.create())
            results.append(n / (time.perf_counter() - t))
        emit(contender, "create_get_seq", results, "req/s")
    if "concurrent64" in scenarios:
        from concurrent.futures import ThreadPoolExecutor

        per, workers = int(100 * scale), 64
        results = []
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _: c.get(app_id), range(workers)))  # warm the pool
            for _ in range(reps):
                barrier = threading.Barrier(workers + 1)

                def worker(_: int, barrier: threading.Barrier = barrier) -> None:
                    barrier.wait()
                    for _ in range(per):
                        c.get(app_id)

                futures = [pool.submit(worker, i) for i in range(workers)]
                barrier.wait()
                t = time.perf_counter()
                for f in futures:
                    f.result()
                results.append(per * workers / (time.perf_counter() - t))
        emit(contender, "concurrent64", results, "req/s", mode="threads")


async def run_async(contender: str, url: str, reps: int, scale: float, scenarios: list[str]) -> None:
    c = MAKERS[contender](url)
    app_id = await c.create()
    for _ in range(50):
        await c.get(app_id)
    if "get_seq" in scenarios:
        n = int(2000 * scale)
        results = []
        for _ in range(reps):
            t = time.perf_counter()
            for _ in range(n):
                await c.get(app_id)
            results.append(n / (time.perf_counter() - t))
        emit(contender, "get_seq", results, "req/s")
    if "create_get_seq" in scenarios:
        n = int(500 * scale)
        results = []
        for _ in range(reps):
            t = time.perf_counter()
            for _ in range(n):
                await c.get(await c.create())
            results.append(n / (time.perf_counter() - t))
        emit(contender, "create_get_seq", results, "req/s")
    if "concurrent64" in scenarios:
        per, workers = int(100 * scale), 64

        async def worker() -> None:
            for _ in range(per):
                await c.get(app_id)

        await asyncio.gather(*(c.get(app_id) for _ in range(workers)))  # warm the pool
        results = []
        for _ in range(reps):
            t = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(workers)))
            results.append(per * workers / (time.perf_counter() - t))
        emit(contender, "concurrent64", results, "req/s", mode="asyncio")
    if hasattr(c, "close"):
        await c.close()


# ---------------------------------------------------------------------------------------
# Scenarios in fresh processes


def child(args: argparse.Namespace) -> None:
    """One measurement in this fresh process; prints one JSON object."""
    if args.child == "import":
        t = time.perf_counter()
        import kontext_mgmt  # noqa: F401

        print(json.dumps({"ms": (time.perf_counter() - t) * 1000}))
        return
    if args.child == "cold_start":
        t = time.perf_counter()
        if args.contender == "kontext-sync":
            import kontext_mgmt

            c = kontext_mgmt.Client(base_url=args.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
            c.applications.list(limit=1)
        elif args.contender == "kontext-async":
            import kontext_mgmt

            async def first() -> None:
                c = kontext_mgmt.AsyncClient(base_url=args.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
                await c.applications.list(limit=1)

            asyncio.run(first())
        elif args.contender == "httpx-sync":
            import httpx

            token = fetch_token(args.url)
            httpx.get(f"{args.url}/api/v1/applications?limit=1", headers={"authorization": f"Bearer {token}"}).json()
        elif args.contender == "httpx-async":
            import httpx

            async def first() -> None:
                token = fetch_token(args.url)
                async with httpx.AsyncClient() as h:
                    r = await h.get(f"{args.url}/api/v1/applications?limit=1", headers={"authorization": f"Bearer {token}"})
                    r.json()

            asyncio.run(first())
        else:
            import aiohttp

            async def first() -> None:
                token = fetch_token(args.url)
                async with aiohttp.ClientSession() as s:
                    async with s.get(f"{args.url}/api/v1/applications?limit=1", headers={"authorization": f"Bearer {token}"}) as r:
                        await r.json()

            asyncio.run(first())
        print(json.dumps({"ms": (time.perf_counter() - t) * 1000}))
        return
    if args.child == "stream100k":
        c = MAKERS[args.contender](args.url)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        n = asyncio.run(c.stream()) if is_async(args.contender) else c.stream()
        elapsed = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"items": n, "rate": n / elapsed, "mb": (peak - base) / 1024}))


def in_child(args: argparse.Namespace, what: str, contender: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--url", args.url, "--child", what, "--contender", contender],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise SystemExit(f"{contender} {what} failed: {out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def seed_apps(url: str, count: int) -> None:
    """Adds `count` applications through the emulator's admin seed route (in chunks)."""
    import httpx

    chunk = 2000
    for start in range(0, count, chunk):
        apps = [{"name": f"seeded-{start + i}", "oauth": {"redirectUris": []}} for i in range(min(chunk, count - start))]
        r = httpx.post(f"{url}/_emulator/seed", json={"applications": apps}, timeout=120)
        r.raise_for_status()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--contenders", default=",".join(CONTENDERS))
    p.add_argument("--scenarios", "--scenario", default=",".join(SCENARIOS))
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the request counts")
    p.add_argument("--seed-apps", type=int, default=0, help="seed this many applications first (for stream100k)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--contender", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.url = args.url.rstrip("/")
    if args.child:
        child(args)
        return
    if args.seed_apps:
        seed_apps(args.url, args.seed_apps)
    contenders = [c for c in args.contenders.split(",") if c]
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(contenders) - set(CONTENDERS) | set(scenarios) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown contender or scenario: {sorted(unknown)}")
    for contender in contenders:
        in_process = [s for s in scenarios if s in ("get_seq", "create_get_seq", "concurrent64")]
        if in_process:
            if is_async(contender):
                asyncio.run(run_async(contender, args.url, args.reps, args.scale, in_process))
            else:
                run_sync(contender, args.url, args.reps, args.scale, in_process)
        if "stream100k" in scenarios:
            runs = [in_child(args, "stream100k", contender) for _ in range(max(1, min(args.reps, 3)))]
            items = runs[0]["items"]
            emit(contender, "stream100k", [r["rate"] for r in runs], "req/s", items=items)
            emit(contender, "stream100k_rss", [r["mb"] for r in runs], "MB", items=items)
        if "cold_start" in scenarios:
            emit(contender, "cold_start", [in_child(args, "cold_start", contender)["ms"] for _ in range(args.reps)], "ms")
        if ("import" in scenarios or "cold_start" in scenarios) and contender == "kontext-sync":
            ms = [in_child(args, "import", contender)["ms"] for _ in range(args.reps)]
            emit("kontext-python-import", "cold_start", ms, "ms")
        if "kit_start" in scenarios and contender == "kontext-sync":
            emit("kontext-python-kit", "kit_start", kit_start(), "ms")


def kit_start(n: int = 20) -> list[float]:
    """The test kit: ms to start an in-process emulator until it listens (then stopped)."""
    from kontext_mgmt.testing import Emulator

    Emulator().start().stop()  # the first one loads the spec and warms the runtime
    times = []
    for _ in range(n):
        t = time.perf_counter()
        emu = Emulator().start()
        times.append((time.perf_counter() - t) * 1000)
        emu.stop()
    return times


if __name__ == "__main__":
    main()
