"""Every error class, raised by real answers (or real failures) of the emulator, with its
attributes; and no secret in any repr or error text."""

from __future__ import annotations

import builtins
import json
import pickle
import socket

import pytest

import kontext_mgmt as k
from conftest import CLIENT_ID, CLIENT_SECRET, Emulator

GHOST = "00000000-0000-4000-8000-000000000000"


def make(emulator: Emulator, **options: object) -> k.Client:
    return k.Client(base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **options)  # type: ignore[arg-type]


def test_not_found_has_every_attribute(client: k.Client, emulator: Emulator) -> None:
    with pytest.raises(k.NotFound) as info:
        client.applications.get(GHOST)
    e = info.value
    assert type(e) is k.NotFound
    assert isinstance(e, k.ApiError) and isinstance(e, k.KontextError) and isinstance(e, Exception)
    assert e.status_code == 404 and e.status == 404
    assert e.code == "kontext_not_found"
    assert e.message == "Application not found"
    assert e.retry_after is None
    logged = [r for r in emulator.requests() if r["path"] == f"/api/v1/applications/{GHOST}"]
    assert e.request_id == logged[-1]["requestId"]
    assert e.body is not None and json.loads(e.body)["statusCode"] == 404
    assert str(e).startswith("404 NotFound: Application not found")
    assert e.request_id in str(e)
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is k.NotFound and again.request_id == e.request_id and str(again) == str(e)


def test_bad_request(client: k.Client) -> None:
    with pytest.raises(k.BadRequest) as info:
        client.applications.create(name="x", oauth={"redirectUris": 5})
    assert info.value.status_code == 400
    assert "redirectUris" in info.value.message
    assert info.value.code == "kontext_validation_error"


def test_conflict(client: k.Client) -> None:
    client.applications.create(name="twin", oauth={"redirectUris": []})
    with pytest.raises(k.Conflict) as info:
        client.applications.create(name="twin", oauth={"redirectUris": []})
    assert info.value.status_code == 409


def test_unauthorized_with_a_wrong_secret_never_shows_it(emulator: Emulator) -> None:
    wrong = "wrong-secret-value-123"
    c = k.Client(base_url=emulator.url, client_id=CLIENT_ID, client_secret=wrong)
    assert wrong not in repr(c)
    with pytest.raises(k.Unauthorized) as info:
        c.applications.list()
    e = info.value
    assert e.status_code == 401
    for text in (str(e), repr(e), e.message, e.body or "", repr(e.args)):
        assert wrong not in text


def test_unauthorized_with_a_bad_token(emulator: Emulator) -> None:
    token = "not-a-real-token-987"
    c = k.Client(base_url=emulator.url, token=token)
    assert token not in repr(c)
    with pytest.raises(k.Unauthorized) as info:
        c.applications.list()
    assert token not in str(info.value) and token not in (info.value.body or "")


def test_forbidden_without_the_management_scope(emulator: Emulator) -> None:
    token = emulator.token(scope="openid")
    c = k.Client(base_url=emulator.url, token=token)
    with pytest.raises(k.Forbidden) as info:
        c.applications.list()
    assert info.value.status_code == 403
    assert token not in str(info.value)


def test_rate_limited_carries_retry_after(emulator: Emulator) -> None:
    emulator.faults({"script": [{"method": "GET", "path": "/api/v1/applications", "status": 429, "retryAfter": 120}]})
    with pytest.raises(k.RateLimited) as info:
        make(emulator).applications.list()
    assert info.value.status_code == 429
    assert info.value.retry_after == 120.0
    assert "retry after 120" in str(info.value)


def test_forbidden_says_which_scopes_are_missing(emulator: Emulator) -> None:
    shape = {"message": None, "statusCode": None, "error": "insufficient_scope",
             "missingScopes": ["traces:read"], "hint": "Ask an admin."}
    emulator.faults({"script": [{"method": "GET", "path": "/api/v1/applications", "status": 403, "mergePatch": shape}]})
    with pytest.raises(k.Forbidden) as info:
        make(emulator).applications.list()
    e = info.value
    assert e.missing_scopes == ["traces:read"]
    assert e.message == "insufficient_scope; missing scopes: traces:read; hint: Ask an admin."
    assert str(e).startswith("403 Forbidden: insufficient_scope; missing scopes: traces:read; hint: Ask an admin.")
    again = pickle.loads(pickle.dumps(e))
    assert again.missing_scopes == ["traces:read"] and str(again) == str(e)
    emulator.faults({"script": [{"method": "GET", "path": "/api/v1/applications", "status": 400,
                                 "mergePatch": {"message": ["a is wrong", "b is wrong"]}}]})
    with pytest.raises(k.BadRequest) as bad:
        make(emulator).applications.list()
    assert bad.value.message == "a is wrong; b is wrong" and bad.value.missing_scopes == []


def test_server_error(emulator: Emulator) -> None:
    emulator.faults({"script": [{"path": "/api/v1/applications", "status": 503}]})
    with pytest.raises(k.ServerError) as info:
        make(emulator, max_retries=0).applications.list()
    assert info.value.status_code == 503


def test_server_error_is_retried_by_the_core(emulator: Emulator) -> None:
    emulator.faults({"script": [{"method": "GET", "path": "/api/v1/applications", "status": 500}]})
    page = make(emulator).applications.list()
    assert page.items == []
    statuses = [r["status"] for r in emulator.api_requests()]
    assert statuses == [500, 200]


def test_other_statuses_are_api_errors(emulator: Emulator) -> None:
    emulator.faults({"script": [{"path": "/api/v1/applications", "status": 418}]})
    with pytest.raises(k.ApiError) as info:
        make(emulator).applications.list()
    assert type(info.value) is k.ApiError
    assert info.value.status_code == 418
    assert info.value.code == "kontext_api_error"


def test_connection_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = k.Client(base_url=f"http://127.0.0.1:{port}", token="t", max_retries=0)
    with pytest.raises(k.ConnectionError) as info:
        c.applications.list()
    assert isinstance(info.value, builtins.ConnectionError) and isinstance(info.value, k.KontextError)
    assert info.value.status_code is None and info.value.request_id is None
    assert info.value.code == "kontext_connection_error"


def test_timeout_error(emulator: Emulator) -> None:
    emulator.faults({"script": [{"path": "/api/v1/applications", "delayMs": 3000}]})
    c = make(emulator, timeout=0.3, max_retries=0)
    with pytest.raises(k.TimeoutError) as info:
        c.applications.list()
    assert isinstance(info.value, builtins.TimeoutError)
    assert info.value.code == "kontext_timeout"


def test_decode_error(emulator: Emulator) -> None:
    emulator.faults({"script": [{"path": "/api/v1/applications", "malformed": True}]})
    with pytest.raises(k.DecodeError) as info:
        make(emulator).applications.list()
    assert info.value.code == "kontext_decode_error"


def test_invalid_input_sends_nothing(client: k.Client, emulator: Emulator) -> None:
    client.applications.list()
    before = len(emulator.api_requests())
    with pytest.raises(k.InvalidInput) as info:
        client.applications.list(limit=1000)
    assert "limit" in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(k.InvalidInput):
        client.applications.get("")
    with pytest.raises(k.InvalidInput):
        client.agent_sessions.get("app", " ")
    assert len(emulator.api_requests()) == before


def test_invalid_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KONTEXT_CLIENT_ID", "KONTEXT_CLIENT_SECRET", "KONTEXT_TOKEN", "KONTEXT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(k.InvalidInput, match="no credentials"):
        k.Client()
    with pytest.raises(k.InvalidInput, match="together"):
        k.Client(client_id="sa_x")
    with pytest.raises(k.InvalidInput, match="base URL"):
        k.Client(base_url="not a url", token="t")
    with pytest.raises(k.InvalidInput, match="timeout"):
        k.Client(token="t", timeout=-1)


async def test_async_errors(aclient: k.AsyncClient, emulator: Emulator) -> None:
    with pytest.raises(k.NotFound) as info:
        await aclient.applications.get(GHOST)
    assert info.value.status_code == 404 and info.value.request_id
    with pytest.raises(k.InvalidInput):
        await aclient.applications.list(limit=0)
    emulator.faults({"script": [{"path": "/api/v1/applications", "delayMs": 3000}]})
    with pytest.raises(k.TimeoutError):
        await aclient.with_options(timeout=0.3, max_retries=0).applications.list()


def test_secrets_never_print(client: k.Client, emulator: Emulator) -> None:
    created = client.applications.create(name="secretive", oauth={"redirectUris": []})
    secret = created.oauth.client_secret
    assert secret
    rotated = client.applications.rotate_secret(created.application.id)
    account = client.service_accounts.create(name="bot")
    integration = client.integrations.create(
        name="i", url="https://mcp.example.com", auth_mode="server_token", server_token="server-token-value-42"
    ).integration
    config = client.integrations.set_oauth_config(
        integration.id,
        client_id="cid",
        client_secret="oauth-client-secret-77",
        authorization_url="https://a.example.com",
        token_url="https://t.example.com",
    )
    texts = [repr(created), str(created), repr(created.oauth), repr(rotated), repr(account), repr(account.credentials)]
    texts += [repr(config), repr(client), repr(client.applications), repr(integration)]
    secrets = [secret, rotated.oauth.client_secret, account.credentials.client_secret, CLIENT_SECRET]
    secrets += ["server-token-value-42", "oauth-client-secret-77"]
    for text in texts:
        for s in secrets:
            assert s and s not in text, text
    assert "client_secret='********'" in repr(created.oauth)
    # The data itself is reachable on purpose.
    assert created.oauth.client_secret == secret
    assert created.to_dict()["oauth"]["clientSecret"] == secret
    # Inputs built by the caller mask too.
    given = k.AddConnectionInput(token="my-personal-token")
    assert "my-personal-token" not in repr(given)
