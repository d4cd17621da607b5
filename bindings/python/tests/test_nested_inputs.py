"""Nested input objects: a dict passed for a model takes its snake_case attribute names as
well as its wire names (converted once, by ``_input`` of ``_base.py``), and the stubs type
both forms as ``TypedDict``s so that ``mypy --strict`` rejects a misspelled key."""

from __future__ import annotations

import os
import pathlib
import subprocess
from typing import Any

import kontext_mgmt as k
from conftest import PYTHON, Emulator, drive, python_env

HERE = pathlib.Path(__file__).resolve().parents[1]
URIS = ["http://localhost:3000/callback", "https://example.com/cb"]


def last_body(emulator: Emulator) -> Any:
    return emulator.api_requests()[-1]["body"]


async def test_snake_case_nested_keys_create_the_application(any_client: Any, emulator: Emulator) -> None:
    def scenario(c: Any) -> Any:
        created = yield c.applications.create(
            name="snake", oauth={"type": "public", "redirect_uris": URIS, "pkce_required": True}
        )
        assert last_body(emulator) == {
            "name": "snake",
            "oauth": {"type": "public", "redirectUris": URIS, "pkceRequired": True},
        }
        assert created.oauth.type is k.OAuthClientType.PUBLIC
        assert created.oauth.client_secret is None, "a public application has no secret"
        stored = yield c.applications.get_oauth(created.application.id)
        assert stored.oauth.redirect_uris == URIS
        assert stored.oauth.pkce_required is True

    await drive(scenario(any_client))


def test_wire_names_models_and_snake_case_send_the_same_body(client: k.Client, emulator: Emulator) -> None:
    forms: list[Any] = [
        {"type": "public", "redirect_uris": URIS, "allowed_resources": ["r"]},
        {"type": "public", "redirectUris": URIS, "allowedResources": ["r"]},
        k.CreateApplicationOAuthInput(type="public", redirect_uris=URIS, allowed_resources=["r"]),
        k.CreateApplicationOAuthInput.from_dict({"type": "public", "redirectUris": URIS, "allowedResources": ["r"]}),
    ]
    bodies = []
    for i, oauth in enumerate(forms):
        client.applications.create(name=f"form-{i}", oauth=oauth)
        bodies.append(last_body(emulator)["oauth"])
    assert bodies == [{"type": "public", "redirectUris": URIS, "allowedResources": ["r"]}] * len(forms)


def test_nested_dicts_in_model_constructors_and_updates(client: k.Client, emulator: Emulator) -> None:
    model = k.CreateApplicationInput(name="m", oauth={"redirect_uris": URIS})
    assert model.to_dict() == {"name": "m", "oauth": {"redirectUris": URIS}}
    assert model.oauth.redirect_uris == URIS

    app = client.applications.create(name="byoa", oauth={"redirect_uris": []}).application
    updated = client.applications.update(
        app.id,
        external_auth={"issuer": "https://idp", "jwks_url": "https://idp/jwks", "audience": "aud", "max_token_age_seconds": 60},
    )
    assert last_body(emulator) == {
        "externalAuth": {"issuer": "https://idp", "jwksUrl": "https://idp/jwks", "audience": "aud", "maxTokenAgeSeconds": 60}
    }
    ext = updated.application.external_auth
    assert ext is not None and ext.jwks_url == "https://idp/jwks" and ext.max_token_age_seconds == 60

    integration = client.integrations.create(
        name="GitHub", url="https://mcp.github.com/sse", capabilities={"tools": True, "prompts": False}
    ).integration
    assert integration.capabilities is not None and integration.capabilities.tools is True


def test_an_unknown_nested_key_is_sent_as_given(client: k.Client, emulator: Emulator) -> None:
    """The server judges keys the SDK does not know (a newer API may accept them)."""
    client.applications.create(name="x", oauth={"redirect_uris": [], "someNewField": 1})  # type: ignore[typeddict-unknown-key]
    assert last_body(emulator)["oauth"] == {"redirectUris": [], "someNewField": 1}


def test_lists_maps_and_deeper_nesting_convert_in_the_same_place() -> None:
    """Today's spec nests one level; the generated ``_nested`` table carries deeper levels,
    lists and maps of input models to the same ``_input``."""
    from kontext_mgmt._base import _input

    oauth = k.CreateApplicationOAuthInput
    snake, wire = {"redirect_uris": ["u"], "pkce_required": False}, {"redirectUris": ["u"], "pkceRequired": False}
    assert _input(oauth, [snake, oauth(redirect_uris=["u"], pkce_required=False)], 1) == [wire, wire]
    assert _input(oauth, {"a": snake}, 2) == {"a": wire}
    assert _input(oauth, "not a list", 1) == "not a list", "a value of another shape is the server's to judge"

    class Outer(k.Model):
        __slots__ = ()
        _fields = (("one", "one", False), ("many_of_them", "manyOfThem", False))
        _nested = {"one": (oauth, 0), "manyOfThem": (oauth, 1)}

    assert _input(Outer, {"one": snake, "many_of_them": [snake], "other_key": {"a_b": 1}}) == {
        "one": wire,
        "manyOfThem": [wire],
        "other_key": {"a_b": 1},
    }


# ---------------------------------------------------------------------------------------
# mypy --strict on a user's file

USER_FILE = """\
import kontext_mgmt as k

c = k.Client()
c.applications.create(name="a", oauth={{"type": "public", "redirect_uris": ["https://x/cb"], "pkce_required": True}})
c.applications.create(name="b", oauth={{"type": "public", "redirectUris": ["https://x/cb"], "pkceRequired": True}})
c.applications.create(name="c", oauth=k.CreateApplicationOAuthInput(redirect_uris=["https://x/cb"]))
snake: k.CreateApplicationOAuthInputDict = {{"redirect_uris": []}}
wire: k.CreateApplicationOAuthInputWireDict = {{"redirectUris": []}}
c.applications.create(name="d", oauth=snake)
c.applications.create(name="e", oauth=wire)
c.applications.update("id", external_auth={{"issuer": "i", "jwks_url": "j", "audience": "a"}})
{bad}
"""


def mypy(tmp: pathlib.Path, bad: str) -> subprocess.CompletedProcess[str]:
    path = tmp / "user_code.py"
    path.write_text(USER_FILE.format(bad=bad))
    return subprocess.run(
        [PYTHON, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True, text=True, timeout=600, cwd=HERE, env=python_env(MYPY_CACHE_DIR=os.devnull),
    )


def test_mypy_strict_accepts_both_key_forms_and_flags_a_misspelled_key(tmp_path: pathlib.Path) -> None:
    good = mypy(tmp_path, "")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Success" in good.stdout

    misspelled = [
        # a snake_case key misspelled, at the call, in a typed variable and one level down
        'c.applications.create(name="x", oauth={"type": "public", "redirect_uri": ["https://x/cb"]})',
        'v: k.CreateApplicationOAuthInputDict = {"redirect_uris": [], "pkce_requird": True}',
        'c.applications.update("id", external_auth={"issuer": "i", "jwks_uri": "j", "audience": "a"})',
        # a required key missing, a value of the wrong type
        'c.applications.create(name="x", oauth={"type": "public"})',
        'c.applications.create(name="x", oauth={"redirect_uris": "https://x/cb", "type": "private"})',
    ]
    bad = mypy(tmp_path, "\n".join(misspelled))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    first = USER_FILE.count("\n")  # the line of the first bad statement
    lines = sorted({int(line.split(":")[1]) for line in bad.stdout.splitlines() if ": error:" in line})
    assert lines == list(range(first, first + len(misspelled))), bad.stdout
    assert '"pkce_requird"' in bad.stdout, bad.stdout
