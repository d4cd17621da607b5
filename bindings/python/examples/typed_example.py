"""A typed script using the package: `mypy --strict` must pass on it (run by the tests)."""

from __future__ import annotations

import asyncio
import datetime

import kontext_mgmt
from kontext_mgmt import (
    AsyncClient,
    Client,
    CreateApplicationOAuthInput,
    KontextError,
    NotFound,
    PageIterator,
    RateLimited,
    SessionStatusFilter,
)


def newest_application(client: Client) -> kontext_mgmt.Application | None:
    page: kontext_mgmt.ApplicationList = client.applications.list(limit=10)
    apps = sorted(page.items, key=lambda a: a.created_at)
    return apps[-1] if apps else None


def setup(client: Client) -> str:
    created = client.applications.create(
        name="typed",
        description=None if False else "made by a typed script",
        oauth=CreateApplicationOAuthInput(redirect_uris=["http://localhost/cb"], pkce_required=True),
    )
    secret: str | None = created.oauth.client_secret
    assert secret is not None
    when: datetime.datetime = created.application.created_at
    assert when.tzinfo is not None
    client.applications.update(created.application.id, description=kontext_mgmt.NOT_GIVEN, name="typed-2")
    sessions = client.agent_sessions.list(created.application.id, status=SessionStatusFilter.ALL, limit=5)
    for session in sessions.items:
        print(session.name, session.status.value)
    return created.application.id


def walk(client: Client) -> int:
    iterator: PageIterator[kontext_mgmt.Application] = client.applications.list_all(limit=50)
    count = sum(1 for _ in iterator)
    cursor: str | None = iterator.next_cursor
    assert cursor is None
    return count


def errors(client: Client) -> int | None:
    try:
        client.applications.get("missing")
    except NotFound as e:
        return e.status_code
    except RateLimited as e:
        wait: float | None = e.retry_after
        print(wait)
    except KontextError as e:
        print(e.code, e.request_id, e.body)
    return None


async def concurrent(client: AsyncClient) -> list[str]:
    pages = await asyncio.gather(*(client.applications.list(limit=5) for _ in range(3)))
    names = [a.name for page in pages for a in page.items]
    async for account in client.service_accounts.list_all():
        names.append(account.name)
    rotated = await client.service_accounts.rotate_secret("sa-id")
    names.append(rotated.credentials.client_id)
    return names


def main() -> None:
    with Client(timeout=10, max_retries=1) as client:
        app_id = setup(client)
        print(app_id, newest_application(client), walk(client), errors(client))
        fast: Client = client.with_options(timeout=1.0)
        print(fast.timeout, fast.max_retries)
    print(asyncio.run(concurrent(AsyncClient())))


if __name__ == "__main__":
    main()
