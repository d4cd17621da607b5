"""The README's Python snippet runs, as written, against the emulator."""

from __future__ import annotations

import pathlib
import re
import subprocess

from conftest import CLIENT_ID, CLIENT_SECRET, PYTHON, Emulator, python_env

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def snippet(name: str = "python-quickstart") -> str:
    text = README.read_text()
    match = re.search(rf"<!-- snippet: {name}[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert match, f"the README lost its {name} snippet"
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


def test_readme_policy_snippet_runs(emulator: Emulator) -> None:
    """On a reset emulator: the first write of invalid Cedar is refused with diagnostics,
    the stale etag loses, the fresh one wins."""
    env = python_env(KONTEXT_BASE_URL=emulator.url, KONTEXT_CLIENT_ID=CLIENT_ID, KONTEXT_CLIENT_SECRET=CLIENT_SECRET)
    env.pop("KONTEXT_TOKEN", None)
    out = subprocess.run([PYTHON, "-c", snippet("python-policy")], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "valid: True"
    assert lines[1].startswith("invalid: policy0 0 7 "), lines[1]
    observed = lines[2].removeprefix("observing: ")
    assert lines[3] == "stale: 412"
    assert lines[4].startswith("enforced: [") and repr(observed) in lines[4], lines[4]


def test_readme_testing_example_passes_under_pytest(tmp_path: pathlib.Path) -> None:
    """The "Testing your code" example, as a user's test file: the plugin comes from the
    installed package's entry point, nothing from this repository's conftest."""
    (tmp_path / "test_provisioning.py").write_text(snippet("python-testing"))
    env = python_env()
    for name in ("KONTEXT_BASE_URL", "KONTEXT_CLIENT_ID", "KONTEXT_CLIENT_SECRET", "KONTEXT_TOKEN"):
        env.pop(name, None)
    out = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 passed" in out.stdout, out.stdout
