"""The README's Python snippet runs, as written, against the emulator."""

from __future__ import annotations

import pathlib
import re
import subprocess

from conftest import CLIENT_ID, CLIENT_SECRET, PYTHON, Emulator, python_env

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def snippet() -> str:
    text = README.read_text()
    match = re.search(r"<!-- snippet: python-quickstart[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert match, "the README lost its python-quickstart snippet"
    return match.group(1)


def test_readme_snippet_runs(emulator: Emulator) -> None:
    env = python_env(KONTEXT_BASE_URL=emulator.url, KONTEXT_CLIENT_ID=CLIENT_ID, KONTEXT_CLIENT_SECRET=CLIENT_SECRET)
    env.pop("KONTEXT_TOKEN", None)
    out = subprocess.run([PYTHON, "-c", snippet()], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert "PR Reviewer" in out.stdout
    assert "client_secret='********'" in out.stdout
    assert "404 Application not found" in out.stdout
    names = {r["path"] for r in emulator.requests(200)}
    assert "/api/v1/service-accounts" in names
