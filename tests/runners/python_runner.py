"""Conformance runner for the Python binding (tests/scenarios/README.md).

Usage: python_runner.py --url http://127.0.0.1:PORT --out target/scenarios/python.txt

Every API step goes through the package's public, generated surface: the operationId is
mapped to ``client.<namespace>.<method>`` (found by the ``(operation ``id``)`` line the
generator writes into every method's docstring), path arguments are positional, query
and body fields become snake_case keyword arguments; a walk uses ``<method>_all``.
"""

from __future__ import annotations

import argparse
import enum
import glob
import inspect
import json
import os
import re
import sys
import urllib.request
from typing import Any

import kontext_mgmt
from kontext_mgmt import KontextError

CLIENT_ID = "sa_11111111-1111-4111-8111-111111111111"
CLIENT_SECRET = "kontext-emulator-secret"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
VOLATILE_KEY = re.compile(r"secret|token|cursor|requestid|sha256", re.I)


class Normalizer:
    def __init__(self, base: str) -> None:
        self.base = base
        self.seen: dict[tuple[str, str], int] = {}

    def _num(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self.seen:
            self.seen[key] = sum(1 for k in self.seen if k[0] == kind) + 1
        return f"<{kind}:{self.seen[key]}>"

    def value(self, v: Any, key: str = "") -> Any:
        if isinstance(v, dict):
            return {k: self.value(v[k], k) for k in sorted(v)}
        if isinstance(v, list):
            return [self.value(x, key) for x in v]
        if isinstance(v, str):
            if TIMESTAMP.match(v):
                return "<timestamp>"
            if VOLATILE_KEY.search(key) and not UUID.fullmatch(v):
                return self._num("secret", v)
            v = v.replace(self.base, "<base>")
            return UUID.sub(lambda m: self._num("uuid", m.group(0)), v)
        if isinstance(v, float) and v.is_integer():
            return int(v)  # 1.0 and 1 are one JSON number (JavaScript prints both as 1)
        return v


def canonical(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plain(v: Any) -> Any:
    """The JSON value of what the binding returned (models by their wire names)."""
    if isinstance(v, kontext_mgmt.Model):
        return plain(v.to_dict())
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


class _Absent:
    pass


ABSENT = _Absent()


def typed_read(obj: Any, ptr: str) -> tuple[Any, bool]:
    """What the typed model reads at the wire pointer ``ptr`` (known fields through their
    snake_case attributes, others through ``model["wireName"]``), as JSON, and whether it
    is an enum value this version does not know (a pseudo-member of a ``StrEnum``)."""
    for part in ptr.lstrip("/").split("/"):
        if obj is None or obj is ABSENT:
            return None, False
        if isinstance(obj, kontext_mgmt.Model):
            attr = next((a for a, wire, _ in obj._fields if wire == part), None)
            obj = getattr(obj, attr) if attr is not None else (obj[part] if part in obj else ABSENT)
        elif isinstance(obj, list):
            obj = obj[int(part)] if int(part) < len(obj) else ABSENT
        elif isinstance(obj, dict):
            obj = obj.get(part, ABSENT)
        else:
            return None, False
    if obj is ABSENT:
        return None, False
    unknown = isinstance(obj, enum.Enum) and obj.name not in type(obj).__members__
    if hasattr(obj, "isoformat"):
        obj = obj.isoformat()
    return plain(obj), unknown


def pointer(doc: Any, ptr: str) -> Any:
    if ptr == "":
        return doc
    for part in ptr.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def subst(v: Any, env: dict[str, Any]) -> Any:
    if isinstance(v, str):
        m = re.fullmatch(r"\$\{(\w+)\}", v)
        if m:
            return env[m.group(1)]
        return re.sub(r"\$\{(\w+)\}", lambda m: str(env[m.group(1)]), v)
    if isinstance(v, dict):
        return {k: subst(x, env) for k, x in v.items()}
    if isinstance(v, list):
        return [subst(x, env) for x in v]
    return v


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def find_methods(client: Any) -> dict[str, tuple[str, str]]:
    """operationId -> (namespace attribute, method name), from the generated surface."""
    table: dict[str, tuple[str, str]] = {}
    for ns_name in dir(client):
        if ns_name.startswith("_"):
            continue
        ns = getattr(client, ns_name, None)
        if not isinstance(ns, kontext_mgmt._base.Namespace):
            continue
        for name, fn in inspect.getmembers(type(ns), inspect.isfunction):
            m = re.search(r"\(operation ``(\w+)``\)", fn.__doc__ or "")
            if m and not (name.endswith("_all") and hasattr(ns, name[:-4])):
                table[m.group(1)] = (ns_name, name)
    return table


def admin(url: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


ADMIN = {"seed": ("POST", "/_emulator/seed"), "faults": ("PUT", "/_emulator/faults"),
         "tokens": ("POST", "/_emulator/tokens"), "stats": ("GET", "/_emulator/stats"),
         "reset": ("POST", "/_emulator/reset")}


def run_step(url: str, client: Any, table: dict, step: dict) -> tuple[str, Any, int | None, Any, Any]:
    """(label, outcome json or None, status or None, error class or None, the typed result
    or the error)"""
    if "admin" in step:
        method, path = ADMIN[step["admin"]]
        return f"admin:{step['admin']}", admin(url, method, path, step.get("body")), None, None, None
    op = step["op"]
    c = client
    if "client" in step:
        cfg = step["client"]
        kw: dict[str, Any] = {"base_url": url}
        if "token" in cfg:
            kw["token"] = cfg["token"]
        else:
            kw["client_id"] = cfg.get("clientId", CLIENT_ID)
            kw["client_secret"] = cfg.get("clientSecret", CLIENT_SECRET)
            if "scopes" in cfg:
                kw["scopes"] = cfg["scopes"]
        c = kontext_mgmt.Client(**kw)
    opts = step.get("options", {})
    if opts:
        c = c.with_options(**{snake(k): v for k, v in opts.items()})
    ns, name = table[op]
    kwargs = {snake(k): v for k, v in (step.get("query") or {}).items()}
    kwargs.update({snake(k): v for k, v in (step.get("body") or {}).items()})
    args = step.get("path", [])
    try:
        if step.get("walk"):
            items = [plain(x) for x in getattr(getattr(c, ns), name + "_all")(*args, **kwargs)]
            return op, {"items": items}, None, None, None
        typed = getattr(getattr(c, ns), name)(*args, **kwargs)
        return op, plain(typed), None, None, typed
    except KontextError as e:
        return op, None, getattr(e, "status_code", None), type(e).__name__, e


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scenarios", default=os.path.join(os.path.dirname(__file__), "..", "scenarios"))
    a = ap.parse_args()
    url = a.url.rstrip("/")
    lines: list[str] = []
    failures: list[str] = []
    files = sorted(glob.glob(os.path.join(a.scenarios, "*.json")))
    table = find_methods(kontext_mgmt.Client(base_url=url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
    for f in files:
        scen = os.path.basename(f)[:-5]
        with open(f) as fh:
            doc = json.load(fh)
        admin(url, "DELETE", "/_emulator/faults")
        admin(url, "POST", "/_emulator/reset")
        client = kontext_mgmt.Client(base_url=url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        norm = Normalizer(url)
        env: dict[str, Any] = {}
        for i, raw in enumerate(doc["steps"], 1):
            step = subst(raw, env)
            label, body, status, err, typed = run_step(url, client, table, step)
            exp = step.get("expect", {})
            where = f"{scen} step {i} ({label})"
            if err is not None:
                line = f"{scen}\t{i}\t{label}\terror {err} {status if status is not None else '-'}"
                if "message" in exp:
                    said = {
                        "message": typed.message,
                        "missingScopes": typed.missing_scopes,
                        "diagnostics": [dict(d) for d in typed.diagnostics],
                    }
                    line += " " + canonical(norm.value(said))
                    for key in ("message", "missingScopes", "diagnostics"):
                        if key in exp and exp[key] != said[key]:
                            failures.append(f"{where}: {key} {said[key]!r}, expected {exp[key]!r}")
                lines.append(line)
                if exp.get("error") != err:
                    failures.append(f"{where}: unexpected error {err} {status}")
                elif "status" in exp and exp["status"] != status:
                    failures.append(f"{where}: status {status}, expected {exp['status']}")
                continue
            line = f"{scen}\t{i}\t{label}\tok {canonical(norm.value(body))}"
            if "read" in step:
                reads = {ptr: typed_read(typed, ptr) for ptr in step["read"]}
                view = norm.value({ptr: value for ptr, (value, _) in reads.items()})
                line += "\tread " + canonical(view)
                for ptr, want in (exp.get("read") or {}).items():
                    if view.get(ptr) != want:
                        failures.append(f"{where}: the typed model reads {ptr} = {view.get(ptr)!r}, expected {want!r}")
                for ptr in step.get("unknown", []):
                    if not reads.get(ptr, (None, False))[1]:
                        failures.append(f"{where}: {ptr} is not an unknown enum value")
            lines.append(line)
            if "error" in exp:
                failures.append(f"{where}: expected {exp['error']}, got a success")
                continue
            try:
                for ptr, want in (exp.get("match") or {}).items():
                    got = pointer(body, ptr)
                    if got != want:
                        failures.append(f"{where}: {ptr} = {got!r}, expected {want!r}")
                if "count" in exp and len(body["items"]) != exp["count"]:
                    failures.append(f"{where}: {len(body['items'])} items, expected {exp['count']}")
                for var, ptr in (step.get("save") or {}).items():
                    env[var] = pointer(body, ptr)
            except (KeyError, IndexError, TypeError) as e:
                failures.append(f"{where}: {e!r} in {body!r}")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"python: {len(files)} scenarios, {len(lines)} steps, {len(failures)} failures -> {a.out}")
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    return 1 if failures or not lines else 0


if __name__ == "__main__":
    sys.exit(main())
