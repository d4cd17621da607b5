"""Every namespace and every method, with the sync and the async client, against the
emulator. Each scenario is written once (see `drive` in conftest) and run with both."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import kontext_mgmt as k
from conftest import CLIENT_ID, Emulator, collect, drive
from kontext_mgmt import _native

APP_NS = "applications"


def applications(c: Any) -> Any:
    created = yield c.applications.create(
        name="PR Reviewer",
        description="Reviews pull requests",
        oauth=k.CreateApplicationOAuthInput(redirect_uris=["http://localhost:3000/callback"], scopes=["repo"]),
    )
    assert isinstance(created, k.CreateApplicationResponse)
    app = created.application
    assert isinstance(app, k.Application)
    assert app.name == "PR Reviewer"
    assert app.description == "Reviews pull requests"
    assert isinstance(app.created_at, datetime.datetime) and app.created_at.tzinfo is not None
    assert created.oauth.type is k.OAuthClientType.CONFIDENTIAL
    assert created.oauth.client_secret, "the secret is shown on create"
    assert created.oauth.redirect_uris == ["http://localhost:3000/callback"]

    got = yield c.applications.get(app.id)
    assert got.application == app
    assert got.application.sessions is not None and got.application.sessions.total == 0

    page = yield c.applications.list(limit=10)
    assert isinstance(page, k.ApplicationList)
    assert [a.id for a in page.items] == [app.id]
    assert page.next_cursor is None

    updated = yield c.applications.update(app.id, name="PR Reviewer 2", description=None)
    assert updated.application.name == "PR Reviewer 2"
    assert updated.application.description is None

    oauth = yield c.applications.get_oauth(app.id)
    assert isinstance(oauth, k.ApplicationOAuthResponse)
    assert oauth.oauth.client_secret is None, "the secret is never shown again"
    rotated = yield c.applications.rotate_secret(app.id)
    assert rotated.oauth.client_secret and rotated.oauth.client_secret != created.oauth.client_secret
    changed = yield c.applications.update_oauth(app.id, redirect_uris=["https://example.com/cb"], pkce_required=False)
    assert changed.oauth.redirect_uris == ["https://example.com/cb"]
    assert changed.oauth.pkce_required is False

    integration = (yield c.integrations.create(name="GitHub", url="https://mcp.github.com/sse")).integration
    other = (yield c.integrations.create(name="Linear", url="https://mcp.linear.app/sse")).integration
    ids = yield c.applications.list_integrations(app.id)
    assert isinstance(ids, k.IntegrationIdList) and ids.integration_ids == []
    ids = yield c.applications.set_integrations(app.id, integration_ids=[integration.id])
    assert ids.integration_ids == [integration.id]
    ids = yield c.applications.attach_integration(app.id, other.id)
    assert sorted(ids.integration_ids) == sorted([integration.id, other.id])
    assert (yield c.applications.detach_integration(app.id, other.id)) is None
    ids = yield c.applications.list_integrations(app.id)
    assert ids.integration_ids == [integration.id]

    graph = yield c.applications.access_graph()
    assert isinstance(graph, k.AccessGraph)
    kinds = {n.type for n in graph.nodes}
    assert kinds == {k.AccessGraphNodeType.APPLICATION, k.AccessGraphNodeType.INTEGRATION}
    assert any(e.from_ == app.id and e.to == integration.id for e in graph.edges)

    assert (yield c.applications.archive(app.id)) is None
    with pytest.raises(k.NotFound):
        yield c.applications.get(app.id)


def agent_sessions(c: Any, emulator: Emulator) -> Any:
    app = (yield c.applications.create(name="Agent", oauth={"redirectUris": []})).application
    emulator.seed(
        {
            "sessions": [
                {"id": "44444444-4444-4444-8444-444444444444", "agentId": app.id, "name": "swift-falcon"},
                {"agentId": app.id, "status": "disconnected"},
            ]
        }
    )
    sessions = yield c.agent_sessions.list(app.id)
    assert isinstance(sessions, k.SessionList)
    assert [s.name for s in sessions.items] == ["swift-falcon"]
    every = yield c.agent_sessions.list(app.id, status="all", limit=10)
    assert len(every.items) == 2
    inactive = yield c.agent_sessions.list(app.id, status=k.SessionStatusFilter.INACTIVE)
    assert [s.status for s in inactive.items] == [k.SessionStatus.DISCONNECTED]
    one = yield c.agent_sessions.get(app.id, "44444444-4444-4444-8444-444444444444")
    assert isinstance(one, k.SessionResponse)
    assert one.session.name == "swift-falcon"
    assert one.session.derived_status in set(k.SessionDerivedStatus)
    revoked = yield c.agent_sessions.revoke_all(app.id)
    assert isinstance(revoked, k.RevokeSessionsResult)
    assert revoked.success is True and revoked.disconnected_count == 1
    left = yield c.agent_sessions.list(app.id, status="active")
    assert left.items == []


def integrations(c: Any) -> Any:
    created = yield c.integrations.create(
        name="Notion",
        url="https://mcp.notion.com/mcp",
        auth_mode=k.IntegrationAuthMode.USER_TOKEN,
        capabilities=k.IntegrationCapabilities(tools=True, prompts=False),
    )
    assert isinstance(created, k.IntegrationResponse)
    integration = created.integration
    assert integration.auth_mode == "user_token"
    assert integration.capabilities is not None and integration.capabilities.tools is True
    got = yield c.integrations.get(integration.id)
    assert got.integration == integration
    page = yield c.integrations.list(limit=5)
    assert isinstance(page, k.IntegrationList)
    assert [i.id for i in page.items] == [integration.id]
    updated = yield c.integrations.update(integration.id, name="Notion 2", category="internal_mcp_credentials")
    assert updated.integration.name == "Notion 2"
    assert updated.integration.category is k.IntegrationCategory.INTERNAL_MCP_CREDENTIALS
    result = yield c.integrations.validate(integration.id)
    assert isinstance(result, k.ValidationResult)
    assert result.status in set(k.ValidationStatus)

    config = yield c.integrations.set_oauth_config(
        integration.id,
        client_id="notion-client",
        client_secret="notion-secret-value",
        authorization_url="https://api.notion.com/v1/oauth/authorize",
        token_url="https://api.notion.com/v1/oauth/token",
        scopes=["read"],
    )
    assert isinstance(config, k.IntegrationOAuthConfigResponse)
    assert config.oauth.client_secret_configured is True
    assert "notion-secret-value" not in repr(config)
    got_config = yield c.integrations.get_oauth_config(integration.id)
    assert got_config.oauth.client_id == "notion-client"
    assert (yield c.integrations.delete_oauth_config(integration.id)) is None
    with pytest.raises(k.NotFound):
        yield c.integrations.get_oauth_config(integration.id)

    status = yield c.integrations.get_connection_status(integration.id)
    assert isinstance(status, k.ConnectionResponse)
    assert status.connection.connected is False
    assert status.connection.status is k.ConnectionState.NOT_CONNECTED
    connected = yield c.integrations.add_connection(integration.id, token="user-token-value", display_name="me")
    assert connected.connection.connected is True
    assert connected.connection.display_name == "me"
    assert (yield c.integrations.revoke_connection(integration.id)) is None
    status = yield c.integrations.get_connection_status(integration.id)
    assert status.connection.connected is False

    assert (yield c.integrations.archive(integration.id)) is None
    with pytest.raises(k.NotFound):
        yield c.integrations.get(integration.id)


def service_accounts(c: Any) -> Any:
    created = yield c.service_accounts.create(name="ci-bot", description="CI")
    assert isinstance(created, k.ServiceAccountWithCredentials)
    account = created.service_account
    secret = created.credentials.client_secret
    assert secret and created.credentials.client_id == account.client_id
    assert secret not in repr(created) and secret not in str(created)
    got = yield c.service_accounts.get(account.id)
    assert isinstance(got, k.ServiceAccountResponse)
    assert got.service_account.name == "ci-bot"
    page = yield c.service_accounts.list(limit=50)
    assert isinstance(page, k.ServiceAccountList)
    assert account.id in [a.id for a in page.items]
    rotated = yield c.service_accounts.rotate_secret(account.id)
    assert rotated.credentials.client_secret != secret
    assert (yield c.service_accounts.revoke(account.id)) is None
    with pytest.raises(k.NotFound):
        yield c.service_accounts.get(account.id)


def observability(c: Any, emulator: Emulator) -> Any:
    app = (yield c.applications.create(name="Tracer", oauth={"redirectUris": []})).application
    emulator.seed(
        {
            "events": [
                {"id": "e1", "traceId": "t1", "status": "ok", "toolName": "search", "durationMs": 10},
                {"id": "e2", "traceId": "t1", "status": "error_remote", "toolName": "search", "durationMs": 30},
                {"id": "e3", "traceId": "t2", "status": "warn", "toolName": "write"},
            ],
            "traces": [
                {"traceId": "t1", "sessionId": "s1", "agentId": app.id},
                {"traceId": "t2", "sessionId": "s2", "agentId": app.id},
            ],
            "policy": {"policyEnabled": True, "rules": [{"action": "deny", "scope": "tool", "level": "org", "toolName": "rm"}]},
        }
    )
    traces = yield c.traces.list(limit=10, agent_id=app.id)
    assert isinstance(traces, k.TraceList)
    assert sorted(t.trace_id for t in traces.items) == ["t1", "t2"]
    detail = yield c.traces.get("t1")
    assert isinstance(detail, k.TraceDetail)
    assert detail.trace.event_count == 2
    assert {e.id for e in detail.events} == {"e1", "e2"}
    stats = yield c.traces.stats(period="7d")
    assert isinstance(stats, k.TraceStats)
    assert stats.total_events == 3
    assert stats.top_tools[0].tool_name == "search"
    stats = yield c.traces.stats(period=k.StatsPeriod.V1D)
    assert stats.total_traces == 2

    events = yield c.events.list(limit=10)
    assert isinstance(events, k.McpEventList)
    by_id = {e.id: e for e in events.items}
    assert by_id["e1"].status is k.EventStatus.OK
    assert by_id["e3"].status is k.EventStatus.WARN

    settings = yield c.policies.get_settings()
    assert isinstance(settings, k.PolicySettings) and settings.policy_enabled is True
    rules = yield c.policies.list_rules()
    assert isinstance(rules, list) and isinstance(rules[0], k.PolicyRule)
    assert rules[0].action is k.PolicyAction.DENY and rules[0].tool_name == "rm"


def pagination(c: Any) -> Any:
    for i in range(5):
        yield c.applications.create(name=f"app-{i}", oauth={"redirectUris": []})
    first = yield c.applications.list(limit=2)
    assert len(first.items) == 2 and first.next_cursor
    every = yield collect(c.applications.list_all(limit=2))
    assert sorted(a.name for a in every) == [f"app-{i}" for i in range(5)]
    rest = yield collect(c.applications.list_all(limit=2, cursor=first.next_cursor))
    assert [a.id for a in first.items] + [a.id for a in rest] == [a.id for a in every]
    for name in ("a", "b", "c"):
        yield c.service_accounts.create(name=name)
    accounts = yield collect(c.service_accounts.list_all(limit=1))
    assert sorted(a.name for a in accounts) == ["a", "b", "c"]
    integrations = yield collect(c.integrations.list_all())
    assert integrations == []


def cedar_policy(c: Any) -> Any:
    checked = yield c.policies.validate(policy_text="permitt(principal, action, resource);")
    assert isinstance(checked, k.PolicyValidation) and checked.valid is False
    assert (checked.diagnostics[0].start, checked.diagnostics[0].end) == (0, 7)
    written = yield c.policies.put_policy(policy_text="permit(principal, action, resource);", if_none_match="*")
    assert isinstance(written, k.PolicyDocument) and written.etag and written.etag.startswith('"')
    read = yield c.policies.get_policy()
    assert read.etag == written.etag and read.policy_version_id == written.policy_version_id
    version = yield c.policies.get_version(written.policy_version_id)
    assert isinstance(version, k.PolicyVersion) and version.id == written.policy_version_id
    templates = yield c.policies.list_rule_templates()
    deployment = yield c.policies.get_deployment()
    added = yield c.policies.apply_action(action="add", template_id=templates.items[0].id, if_match=deployment.etag)
    assert isinstance(added, k.PolicyDeployment) and added.etag != deployment.etag
    policy_id = added.observing.policies[-1].policy_id
    try:
        yield c.policies.apply_action(action="enforce", policy_id=policy_id, if_match=deployment.etag)
        raise AssertionError("a stale etag must be refused")
    except k.PreconditionFailed as e:
        assert e.status_code == 412
    try:
        yield c.policies.apply_action(action="enforce", policy_id=policy_id)
        raise AssertionError("a change without if_match must be refused")
    except k.PreconditionRequired as e:
        assert e.status_code == 428
    enforced = yield c.policies.apply_action(action="enforce", policy_id=policy_id, if_match=added.etag)
    assert policy_id in [p.policy_id for p in enforced.enforced.policies]
    versions = yield collect(c.policies.list_versions_all(limit=2))
    assert len(versions) >= 3
    page = yield c.policies.list_versions(limit=1)
    assert len(page.items) == 1
    replay = yield c.policies.replay(days=7)
    assert isinstance(replay, k.PolicyReplay) and replay.days == 7
    blocked = yield c.policies.list_blocked(days=7)
    assert isinstance(blocked, k.BlockedDecisionList)
    current = yield c.policies.get_policy()
    try:
        yield c.policies.put_policy(policy_text="permitt(principal, action, resource);", if_match=current.etag)
        raise AssertionError("invalid Cedar must be refused")
    except k.UnprocessableEntity as e:
        assert e.diagnostics and e.diagnostics[0]["message"]


def admin_surface(c: Any) -> Any:
    settings = yield c.policies.get_settings()
    changed = yield c.policies.update_settings(payload_capture_mode="metadata", expected_updated_at=settings.updated_at)
    assert changed.payload_capture_mode == "metadata"
    decisions = yield c.decisions.list(limit=3, provider="github")
    assert isinstance(decisions, k.DecisionList) and all(d.provider == "github" for d in decisions.items)
    one = yield c.decisions.get(decisions.items[0].id)
    assert one.decision.id == decisions.items[0].id
    denied = yield collect(c.decisions.list_all(limit=50, decision_result="deny"))
    assert denied and all(d.decision_result == "deny" for d in denied)
    releases = yield collect(c.releases.list_all(limit=2))
    latest = yield c.releases.get_latest()
    assert latest.release.version in [r.version for r in releases]
    url = yield c.releases.create_download_url(latest.release.version, "package")
    assert url.url.startswith("http") and url.sha256
    created = yield c.install_tokens.create(label="ci")
    assert created.token and created.install_token.label == "ci"
    tokens = yield c.install_tokens.list()
    assert [t.sha256 for t in tokens.items] == [created.install_token.sha256]
    revoked = yield c.install_tokens.revoke(created.install_token.sha256)
    assert revoked.install_token.revoked_at is not None
    scim = yield c.directory.create_scim_token(label="entra-prod")
    assert scim.token and (yield c.directory.get_status()).active_token_count == 1
    listed = yield c.directory.list_scim_tokens()
    assert listed.items[0].sha256 == scim.scim_token.sha256
    yield c.directory.revoke_scim_token(scim.scim_token.sha256)
    groups = yield collect(c.directory.list_groups_all(limit=5))
    assert groups and all(g.id for g in groups)
    reconciliation = yield c.directory.get_reconciliation()
    states = [i.state for i in reconciliation.items]
    assert "matched" in states and "unmatched" in states


SCENARIOS = ["applications", "agent_sessions", "integrations", "service_accounts", "observability", "pagination",
             "cedar_policy", "admin_surface"]


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_scenario(scenario: str, any_client: Any, emulator: Emulator) -> None:
    fn = globals()[scenario]
    args = (any_client, emulator) if fn.__code__.co_argcount == 2 else (any_client,)
    await drive(fn(*args))


async def test_every_operation_is_reached_by_both_clients(emulator: Emulator) -> None:
    """Runs every scenario with each client and checks, from the emulator's own counters,
    that every operation of the spec was called."""
    routes = {f"{method} /api/v1{path}": op for op, method, path in _native.operations()}
    assert len(routes) == len(_native.operations())
    for cls in (k.Client, k.AsyncClient):
        c = cls(base_url=emulator.url, client_id=CLIENT_ID, client_secret="kontext-emulator-secret")
        seen: set[str] = set()
        for scenario in SCENARIOS:
            emulator.reset()
            fn = globals()[scenario]
            await drive(fn(c, emulator) if fn.__code__.co_argcount == 2 else fn(c))
            seen |= set(emulator.stats()["requests"])
        missing = sorted(op for route, op in routes.items() if route not in seen)
        assert missing == [], f"{cls.__name__} never called {missing}"


def test_surface_matches_the_native_operation_table() -> None:
    """Every operation the core was built with has a generated method on both clients (and
    no method names an operation the core lacks): the docstrings name their operationId."""
    import re

    native = {op for op, _, _ in _native.operations()}
    for cls in (k.Client, k.AsyncClient):
        found: dict[str, str] = {}
        for attr, namespace in cls._namespaces:
            for name in dir(namespace):
                method = getattr(namespace, name)
                match = re.search(r"\(operation ``(\w+)``\)", getattr(method, "__doc__", None) or "")
                iterator = name.endswith("_all") and hasattr(namespace, name[: -len("_all")])
                if match and not iterator:
                    found[match.group(1)] = f"{attr}.{name}"
        assert set(found) == native, (cls.__name__, set(found) ^ native)
    assert k.Client._namespaces[0][0] == "applications"
    assert callable(k.Client.__init__)
