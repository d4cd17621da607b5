"""Static typing: `mypy --strict` on a typed example script and on the package, and
`stubtest` (the stubs match the runtime module, native part included)."""

from __future__ import annotations

import os
import pathlib
import subprocess

from conftest import PYTHON, python_env

HERE = pathlib.Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", *args], capture_output=True, text=True, timeout=600, cwd=HERE,
        env=python_env(MYPY_CACHE_DIR=os.devnull),
    )


def test_mypy_strict_on_the_typed_example_and_the_package() -> None:
    for target in (["examples/typed_example.py", "tests/kit/test_user_automation.py"], ["-p", "kontext_mgmt"]):
        out = run("mypy", "--strict", "--no-incremental", *target)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "Success" in out.stdout


def test_mypy_rejects_misuse() -> None:
    """The stubs are precise enough to catch mistakes (a check that can fail)."""
    bad = HERE / "target-mypy-bad.py"
    bad.write_text(
        "import kontext_mgmt\n"
        "c = kontext_mgmt.Client()\n"
        "c.applications.get(42)\n"
        "c.applications.list(limit='ten')\n"
        "c.agent_sessions.list('app', status='sometimes')\n"
        "name: int = c.applications.get('x').application.name\n"
    )
    try:
        out = run("mypy", "--strict", "--no-incremental", str(bad))
    finally:
        bad.unlink()
    assert out.returncode == 1
    assert out.stdout.count("error:") == 4, out.stdout


def test_stubtest_finds_no_drift() -> None:
    out = run("mypy.stubtest", "kontext_mgmt")
    assert out.returncode == 0, out.stdout + out.stderr
