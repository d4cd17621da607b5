"""The API-change drill: a new operation with a new schema, added to a copy of the spec,
regenerated with `cargo xtask regen --spec NEW --out DIR`, built into a wheel from a copy
of the workspace (`KONTEXT_SPEC=NEW`, sharing the cargo target dir), installed in a fresh
virtualenv and called from Python — with no hand edit anywhere. The emulator does not know
the route: it answers 404, which must surface as `NotFound`, and its request log must show
the method, path and body the new method sent.

Slow (it builds the extension once more); `KONTEXT_SKIP_DRILL=1` skips it locally."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import venv

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, ROOT, Emulator, python_env

pytestmark = pytest.mark.skipif(os.environ.get("KONTEXT_SKIP_DRILL") == "1", reason="KONTEXT_SKIP_DRILL=1")

NEW_PATH = """\
  /applications/{id}/labels:
    parameters:
      - $ref: '#/components/parameters/ApplicationIdPath'
    post:
      tags: [applications]
      operationId: applications_addLabel
      summary: Add a label to an application (drill)
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AddLabelInput'}
      responses:
        '200':
          description: The label.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LabelResponse'}
        '404': {$ref: '#/components/responses/NotFound'}
"""

NEW_SCHEMAS = """\
    AddLabelInput:
      type: object
      required: [label]
      properties:
        label: {type: string}
        colorHex: {type: string}
    LabelResponse:
      type: object
      required: [label]
      properties:
        label: {type: string}
"""


def add_operation(spec: str) -> str:
    assert "\npaths:\n" in spec and "\n  schemas:\n" in spec
    spec = spec.replace("\npaths:\n", "\npaths:\n" + NEW_PATH, 1)
    return spec.replace("\n  schemas:\n", "\n  schemas:\n" + NEW_SCHEMAS, 1)


def sh(*args: str, cwd: pathlib.Path = ROOT, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(list(args), cwd=cwd, env=env or python_env(), capture_output=True, text=True, timeout=1500)
    assert out.returncode == 0, f"{' '.join(args)} failed:\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    return out.stdout


def copy_workspace(dest: pathlib.Path) -> None:
    """The workspace's source files (tracked and untracked, not ignored) — no build output."""
    listed = sh("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if dest.exists():
        shutil.rmtree(dest)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def test_new_operation_round_trip(emulator: Emulator) -> None:
    drill = ROOT / "target" / "python-drill"
    src = drill / "src"
    regen = drill / "regen"
    wheels = drill / "wheels"
    for d in (regen, wheels):
        shutil.rmtree(d, ignore_errors=True)
    copy_workspace(src)
    spec = drill / "new-spec.yaml"
    spec.write_text(add_operation((ROOT / "openapi" / "kontext-management.yaml").read_text()))

    # Regenerate every artifact from the new spec into a scratch dir, then lay it over the copy.
    cargo = os.environ.get("CARGO", "cargo")
    sh(cargo, "xtask", "regen", "--spec", str(spec), "--out", str(regen))
    generated = regen / "bindings" / "python" / "python" / "kontext_mgmt"
    stub = (generated / "_generated.pyi").read_text()
    assert "def add_label(self, id: builtins.str, *, label: builtins.str, color_hex: builtins.str | None = None)" in stub
    assert "class AddLabelInput(Model):" in stub and "class LabelResponse(Model):" in stub
    shutil.copytree(regen, src, dirs_exist_ok=True)

    # Build the wheel from the copy against the new spec (debug profile, shared target dir).
    env = python_env(KONTEXT_SPEC=str(spec))
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "target"))
    sh(
        sys.executable, "-m", "maturin", "build", "--profile", "dev", "--quiet",
        "-m", str(src / "bindings" / "python" / "Cargo.toml"), "-o", str(wheels),
        env=env,
    )  # fmt: skip
    wheel = next(wheels.glob("kontext_mgmt-*.whl"))

    # A fresh virtualenv with only that wheel.
    env_dir = drill / "venv"
    shutil.rmtree(env_dir, ignore_errors=True)
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    sh(str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel))

    script = textwrap.dedent(
        f"""
        import json, kontext_mgmt
        c = kontext_mgmt.Client(base_url={emulator.url!r}, client_id={CLIENT_ID!r}, client_secret={CLIENT_SECRET!r})
        app = c.applications.create(name="drill", oauth={{"redirectUris": []}}).application
        try:
            c.applications.add_label(app.id, label="urgent", color_hex="#ff0000")
            print(json.dumps({{"raised": None}}))
        except kontext_mgmt.NotFound as e:
            print(json.dumps({{"raised": type(e).__name__, "status": e.status_code, "app": app.id,
                              "model": kontext_mgmt.AddLabelInput(label="x").to_dict()}}))
        """
    )
    result = json.loads(sh(str(python), "-c", script, cwd=drill).strip().splitlines()[-1])
    assert result["raised"] == "NotFound" and result["status"] == 404
    assert result["model"] == {"label": "x"}
    sent = [r for r in emulator.requests() if r["path"].endswith("/labels")]
    assert len(sent) == 1, emulator.requests()
    assert sent[0]["method"] == "POST"
    assert sent[0]["path"] == f"/api/v1/applications/{result['app']}/labels"
    assert sent[0]["status"] == 404
    assert sent[0]["body"] == {"label": "urgent", "colorHex": "#ff0000"}
