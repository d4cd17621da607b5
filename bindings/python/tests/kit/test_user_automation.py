"""A user's test suite, written against the test kit only (``kontext_mgmt.testing`` and
the pytest plugin's fixtures): it must also pass from an installed wheel, with nothing of
this repository around it."""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from pathlib import Path

import pytest

import kontext_mgmt
from kontext_mgmt.testing import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorError

# -- the "user automation" under test ---------------------------------------------------


def provision_reviewer(client: kontext_mgmt.Client, mcp_url: str) -> str:
    """Creates an application and attaches a new MCP integration to it; the app's id."""
    app = client.applications.create(name="PR Reviewer", oauth={"type": "public", "redirectUris": []})
    integration = client.integrations.create(name="GitHub", url=mcp_url)
    client.applications.attach_integration(app.application.id, integration.integration.id)
    return app.application.id


# -- tests ----------------------------------------------------------------------------


def test_automation_runs_as_a_provisioned_service_account(kontext_emulator: Emulator) -> None:
    created = kontext_emulator.create_service_account("ci-bot")
    creds = created.credentials
    with kontext_emulator.client(client_id=creds.client_id, client_secret=creds.client_secret) as client:
        app_id = provision_reviewer(client, "https://mcp.example.com/sse")
        attached = client.applications.list_integrations(app_id).integration_ids
    assert len(attached) == 1

    calls = [(r["method"], r["path"]) for r in kontext_emulator.requests() if r["path"].startswith("/api/")]
    assert calls[-4:] == [
        ("POST", "/api/v1/applications"),
        ("POST", "/api/v1/integrations"),
        ("POST", f"/api/v1/applications/{app_id}/integrations/{attached[0]}"),
        ("GET", f"/api/v1/applications/{app_id}/integrations"),
    ]
    posted = [r for r in kontext_emulator.requests() if r["path"] == "/api/v1/integrations"][-1]
    assert posted["body"] == {"name": "GitHub", "url": "https://mcp.example.com/sse"}
    assert kontext_emulator.stats()["requests"]["POST /api/v1/applications"] == 1


def test_the_sdk_retries_a_503_burst(kontext_emulator: Emulator) -> None:
    kontext_emulator.set_faults(
        {"script": [{"method": "POST", "path": "/api/v1/applications", "status": 503, "count": 2}]}
    )
    with kontext_emulator.client(max_retries=2) as client:
        app_id = provision_reviewer(client, "https://mcp.example.com/sse")
    statuses = [r["status"] for r in kontext_emulator.requests() if r["path"] == "/api/v1/applications"]
    assert statuses == [503, 503, 201]
    assert kontext_emulator.client().applications.get(app_id).application.name == "PR Reviewer"


def test_a_503_burst_longer_than_the_retries_is_a_server_error(kontext_emulator: Emulator) -> None:
    kontext_emulator.set_faults({"script": [{"path": "/api/v1/applications", "status": 503, "count": 5}]})
    with kontext_emulator.client(max_retries=1) as client, pytest.raises(kontext_mgmt.ServerError) as caught:
        client.applications.list()
    assert caught.value.status_code == 503


@pytest.mark.kontext_emulator(seed={"applications": [{"name": "seeded-one"}, {"name": "seeded-two"}]})
def test_seeded_state_through_the_marker(kontext_client: kontext_mgmt.Client) -> None:
    names = sorted(a.name for a in kontext_client.applications.list_all())
    assert names == ["seeded-one", "seeded-two"]


def test_two_emulators_at_once_share_nothing() -> None:
    with Emulator() as first, Emulator() as second:
        assert first.base_url != second.base_url

        def work(emu: Emulator, name: str) -> list[str]:
            with emu.client() as client:
                client.applications.create(name=name, oauth={"type": "public", "redirectUris": []})
                return [a.name for a in client.applications.list_all()]

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            a = pool.submit(work, first, "only-in-first")
            b = pool.submit(work, second, "only-in-second")
            assert a.result() == ["only-in-first"]
            assert b.result() == ["only-in-second"]
    assert not first.running and not second.running


def test_reset_and_a_scoped_token(kontext_emulator: Emulator) -> None:
    client = kontext_emulator.client()
    client.applications.create(name="temp", oauth={"type": "public", "redirectUris": []})
    kontext_emulator.reset()
    assert list(kontext_emulator.client().applications.list_all()) == []
    token = kontext_emulator.mint_token(scope="mcp:invoke")
    with pytest.raises(kontext_mgmt.Forbidden):
        kontext_emulator.client(token=token).applications.list()


def test_bad_options_and_seeds_are_errors() -> None:
    with pytest.raises(EmulatorError, match="faults"):
        Emulator(faults="error_rate=7").start()
    with pytest.raises(EmulatorError, match="seed"):
        Emulator(seed={"applications": [{"description": "no name"}]}).start()
    with Emulator() as emu, pytest.raises(EmulatorError) as caught:
        emu.seed({"applications": [{"description": "no name"}]})
    assert caught.value.status_code == 400


def test_the_console_script_serves_on_a_port() -> None:
    # The command pip installed next to this interpreter.
    script = Path(sys.executable).with_name("kontext-emulator")
    assert script.exists(), f"no console script at {script}"
    proc = subprocess.Popen([str(script), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
        url = first.split()[-1]
        with kontext_mgmt.Client(
            base_url=url, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET
        ) as client:
            assert client.applications.list().items == []
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
