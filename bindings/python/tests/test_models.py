"""Models, enums and request building: snake_case attributes over wire names, unknown
fields and values kept, NOT_GIVEN vs None on the wire, client options and tokens."""

from __future__ import annotations

import datetime
import pickle
from typing import Any

import pytest

import kontext_mgmt as k
from conftest import CLIENT_ID, CLIENT_SECRET, Emulator


def last_api_request(emulator: Emulator) -> dict[str, Any]:
    return emulator.api_requests()[-1]


def test_unknown_fields_and_values_are_kept() -> None:
    wire = {
        "id": "a1",
        "name": "n",
        "clientId": "c",
        "createdAt": "2026-01-02T03:04:05.123Z",
        "updatedAt": "2026-01-02T03:04:05Z",
        "brandNewField": {"x": [1, 2]},
        "sessions": {"active": 1, "idle": 0, "live": 1, "total": 2, "future": True},
    }
    app = k.Application.from_dict(wire)
    assert app.client_id == "c"
    assert app.created_at == datetime.datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=datetime.timezone.utc)
    assert app["brandNewField"] == {"x": [1, 2]}
    assert "brandNewField" in app
    assert app.to_dict() == wire
    assert app.sessions is not None and app.sessions["future"] is True
    # to_dict is a copy.
    app.to_dict()["name"] = "changed"
    assert app.name == "n"
    assert pickle.loads(pickle.dumps(app)) == app
    assert app != k.Application.from_dict({**wire, "name": "other"})

    state = k.ConnectionState("revoked_by_admin")
    assert state == "revoked_by_admin" and isinstance(state, k.ConnectionState)
    assert str(state) == "revoked_by_admin"
    assert k.ConnectionState("connected") is k.ConnectionState.CONNECTED
    assert f"{k.ConnectionState.CONNECTED}" == "connected"
    conn = k.Connection.from_dict({"integrationId": "i", "status": "paused", "connected": False})
    assert conn.status == "paused"


def test_a_missing_required_field_is_a_decode_error_naming_it(client: k.Client, emulator: Emulator) -> None:
    app = client.applications.create(name="has-a-name", oauth={"type": "public", "redirect_uris": []}).application
    # A merge patch's null removes the key: the answer lacks the required `name`, and a
    # field the reference only infers is absent too.
    emulator.faults({"script": [{"method": "GET", "path": f"/api/v1/applications/{app.id}",
                                 "mergePatch": {"application": {"name": None, "extra": {"nested": 1}}}}]})
    got = client.applications.get(app.id).application
    assert got.id == app.id and got["extra"] == {"nested": 1}
    with pytest.raises(k.DecodeError) as caught:
        _ = got.name
    assert "`name`" in str(caught.value) and "Application" in str(caught.value)
    assert caught.value.body is not None and app.id in caught.value.body and "has-a-name" not in caught.value.body
    # A model built from a dict without it says the same; an optional field is just None.
    partial = k.Application.from_dict({"id": "x"})
    assert partial.description is None
    with pytest.raises(k.DecodeError, match="`name`"):
        _ = partial.name


def test_constructors_use_snake_case_and_wire_names() -> None:
    when = datetime.datetime(2026, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    oauth = k.CreateApplicationOAuthInput(redirect_uris=["https://x/cb"], type=k.OAuthClientType.PUBLIC)
    assert oauth.to_dict() == {"redirectUris": ["https://x/cb"], "type": "public"}
    edge = k.AccessGraphEdge(from_="a", to="b")
    assert edge.to_dict() == {"from": "a", "to": "b"}
    assert edge.from_ == "a"
    app = k.Application(id="i", name="n", client_id="c", created_at=when, updated_at=when)
    assert app.to_dict()["createdAt"] == "2026-05-01T12:00:00+00:00"
    assert app.created_at == when
    with pytest.raises(TypeError):
        k.AccessGraphEdge(to="b")  # type: ignore[call-arg]


def test_not_given_and_none_on_the_wire(client: k.Client, emulator: Emulator) -> None:
    app = client.applications.create(name="wire", description="d", oauth={"redirectUris": []}).application
    client.applications.update(app.id, name="wire2")
    assert last_api_request(emulator)["body"] == {"name": "wire2"}
    assert client.applications.get(app.id).application.description == "d"
    client.applications.update(app.id, description=None)
    assert last_api_request(emulator)["body"] == {"description": None}
    assert client.applications.get(app.id).application.description is None
    client.applications.list(limit=3, all=True)
    request = last_api_request(emulator)
    assert request["method"] == "GET" and request["path"] == "/api/v1/applications"
    assert request["query"] in ("limit=3&all=true", {"limit": "3", "all": "true"})


def test_nested_models_and_mappings_as_inputs(client: k.Client, emulator: Emulator) -> None:
    ext = k.ExternalAuthInput(issuer="https://idp", jwks_url="https://idp/jwks", audience="aud", partner_api_key="pk-1")
    assert "pk-1" not in repr(ext)
    app = client.applications.create(name="byoa", oauth={"redirectUris": []}).application
    updated = client.applications.update(app.id, external_auth=ext)
    body = last_api_request(emulator)["body"]
    assert body == {"externalAuth": {"issuer": "https://idp", "jwksUrl": "https://idp/jwks", "audience": "aud", "partnerApiKey": "***"}}  # the emulator masks secrets in its log
    assert updated.application.external_auth is not None
    assert updated.application.external_auth.jwks_url == "https://idp/jwks"
    assert updated.application.external_auth.partner_api_key_configured is True


def test_client_configuration_from_the_environment(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTEXT_BASE_URL", emulator.url)
    monkeypatch.setenv("KONTEXT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("KONTEXT_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv("KONTEXT_TOKEN", raising=False)
    with k.Client() as c:
        assert c.applications.list().items == []
    assert emulator.url in repr(c) and CLIENT_SECRET not in repr(c)


def test_with_options_shares_the_token(client: k.Client, emulator: Emulator) -> None:
    client.applications.list()
    fast = client.with_options(timeout=1.5, max_retries=0)
    assert isinstance(fast, k.Client)
    assert (fast.timeout, fast.max_retries) == (1.5, 0)
    assert (client.timeout, client.max_retries) == (60.0, 2)
    fast.applications.list()
    assert emulator.stats()["tokensMinted"] == 1, "one token for both handles"


def test_refresh_and_clear_token(client: k.Client, emulator: Emulator) -> None:
    client.applications.list()
    assert emulator.stats()["tokensMinted"] == 1
    client.refresh_token()
    assert emulator.stats()["tokensMinted"] == 2
    client.clear_token()
    client.applications.list()
    assert emulator.stats()["tokensMinted"] == 3


async def test_async_client_options_and_tokens(aclient: k.AsyncClient, emulator: Emulator) -> None:
    async with aclient as c:
        await c.refresh_token()
        assert emulator.stats()["tokensMinted"] == 1
        other = c.with_options(max_retries=5)
        assert isinstance(other, k.AsyncClient) and other.max_retries == 5
        await other.applications.list()
        assert emulator.stats()["tokensMinted"] == 1


def test_static_token(emulator: Emulator) -> None:
    token = emulator.token()
    c = k.Client(base_url=emulator.url, token=token)
    assert c.applications.list().items == []
    c.refresh_token()  # nothing to refresh: a static token is left alone
    assert token not in repr(c)


def test_pages_are_fetched_lazily(client: k.Client, emulator: Emulator) -> None:
    for i in range(6):
        client.applications.create(name=f"lazy-{i}", oauth={"redirectUris": []})
    before = len(emulator.api_requests(200))
    iterator = client.applications.list_all(limit=2)
    assert len(emulator.api_requests(200)) == before, "nothing fetched before iterating"
    first = next(iterator)
    assert first.name.startswith("lazy-")
    assert len(emulator.api_requests(200)) == before + 1
    assert iterator.next_cursor, "where the next page starts"
    resumed = list(client.applications.list_all(limit=2, cursor=iterator.next_cursor))
    rest = list(iterator)
    assert [a.id for a in rest][1:] == [a.id for a in resumed]


def test_offset_pagination(client: k.Client, emulator: Emulator) -> None:
    emulator.seed({"traces": [{"traceId": f"t{i}", "sessionId": "s", "agentId": "agent"} for i in range(7)]})
    page = client.traces.list(limit=3)
    assert len(page.items) == 3
    every = list(client.traces.list_all(limit=3))
    assert sorted(t.trace_id for t in every) == sorted(f"t{i}" for i in range(7))
    offsets = [r["query"] for r in emulator.api_requests() if r["path"] == "/api/v1/traces"][1:]
    assert len(offsets) == 3, offsets
    tail = list(client.traces.list_all(limit=3, offset=6))
    assert len(tail) == 1


async def test_async_pages(aclient: k.AsyncClient, emulator: Emulator) -> None:
    for i in range(5):
        await aclient.service_accounts.create(name=f"sa-{i}")
    iterator = aclient.service_accounts.list_all(limit=2)
    names = [a.name async for a in iterator]
    assert sorted(names) == [f"sa-{i}" for i in range(5)]
    assert iterator.next_cursor is None
