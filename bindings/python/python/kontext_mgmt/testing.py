"""Test your Kontext automation offline: the Kontext Management API emulator, in-process.

>>> from kontext_mgmt.testing import Emulator
>>> with Emulator(seed={"applications": [{"name": "demo"}]}) as emu:  # doctest: +SKIP
...     client = emu.client()
...     assert client.applications.list().items[0].name == "demo"
...     assert emu.requests()[-1]["path"] == "/api/v1/applications"

The emulator is stateful and faithful to the API (validation, pagination, tokens, rate
limits, faults); every ``Emulator`` is independent and listens on its own free loopback
port, so tests can run several at once. The pytest plugin of this package adds the
``kontext_emulator`` and ``kontext_client`` fixtures.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from os import PathLike
from types import TracebackType
from typing import Any, ClassVar

from . import _native as _n
from ._errors import KontextError
from ._generated import AsyncClient, Client, ServiceAccountWithCredentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "Emulator", "EmulatorError"]

#: The bootstrap credentials of an emulator started without ``client_id``/``client_secret``
#: (and of the ``kontext-emulator`` command).
DEFAULT_CLIENT_ID: str = _n.EMULATOR_CLIENT_ID
DEFAULT_CLIENT_SECRET: str = _n.EMULATOR_CLIENT_SECRET


class EmulatorError(KontextError):
    """The emulator refused its options or an emulator-only call (e.g. an invalid seed)."""

    _code: ClassVar[str] = "kontext_emulator"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, status=status)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


class Emulator:
    """An in-process Kontext Management API emulator on a free loopback port.

    Every argument is optional. ``seed`` is a seed document (``applications``,
    ``integrations``, ``serviceAccounts``, ``sessions``, ``events``, ``traces``,
    ``policy``); ``faults`` a fault configuration (the ``--faults`` text such as
    ``"error_rate=0.5,seed=1"``, or the JSON object with a ``script`` of scripted faults);
    ``rate_limit`` requests per minute per credential (off unless given); ``token_ttl``
    the lifetime of access tokens in seconds. The others tune limits and timeouts (see
    ``kontext-emulator --help``).

    Use it as a context manager (``with`` or ``async with``), or call :meth:`start` and
    :meth:`stop`.
    """

    def __init__(
        self,
        *,
        seed: Mapping[str, Any] | None = None,
        faults: str | Mapping[str, Any] | None = None,
        rate_limit: int | None = None,
        token_ttl: float | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        host: str | None = None,
        port: int | None = None,
        state: str | PathLike[str] | None = None,
        max_body_bytes: int | None = None,
        header_timeout: float | None = None,
        body_timeout: float | None = None,
        max_connections: int | None = None,
        log_body_bytes: int | None = None,
        log_max_bytes: int | None = None,
    ) -> None:
        given = dict(
            seed=seed,
            faults=faults,
            rate_limit=rate_limit,
            token_ttl=token_ttl,
            client_id=client_id,
            client_secret=client_secret,
            host=host,
            port=port,
            state=None if state is None else str(state),
            max_body_bytes=max_body_bytes,
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            max_connections=max_connections,
            log_body_bytes=log_body_bytes,
            log_max_bytes=log_max_bytes,
        )
        self._options = json.dumps({_camel(k): v for k, v in given.items() if v is not None})
        self._native: _n.NativeEmulator | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Starts the emulator (a no-op when it runs); raises ``EmulatorError`` on bad options."""
        if self._native is None:
            try:
                self._native = _n.NativeEmulator(self._options)
            except ValueError as e:
                raise EmulatorError(str(e)) from None
        return self

    def stop(self) -> None:
        """Stops it and frees its port and state; idempotent."""
        native, self._native = self._native, None
        if native is not None:
            native.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._native is not None and self._native.running

    def _n(self) -> _n.NativeEmulator:
        if self._native is None:
            raise EmulatorError("the emulator is not running (use `with Emulator() as emu:` or call start())")
        return self._native

    # -- connection details ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the ``base_url`` of a client (the API is under ``/api/v1``)."""
        return self._n().url

    @property
    def token_url(self) -> str:
        return self._n().url + "/oauth2/token"

    @property
    def client_id(self) -> str:
        """The client id of the bootstrap service account (it can always mint tokens)."""
        return self._n().client_id

    @property
    def client_secret(self) -> str:
        """The client secret of the bootstrap service account."""
        return self._n().client_secret

    def client(self, **options: Any) -> Client:
        """A ``Client`` for this emulator, authenticated as the bootstrap service account;
        ``options`` are ``Client``'s keyword arguments (e.g. ``max_retries=0``)."""
        return Client(**self._client_options(options))

    def async_client(self, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` for this emulator (see :meth:`client`)."""
        return AsyncClient(**self._client_options(options))

    def _client_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {"base_url": self.base_url}
        if "token" not in options:
            merged.update(client_id=self.client_id, client_secret=self.client_secret)
        merged.update(options)
        return merged

    def create_service_account(self, name: str, description: str | None = None) -> ServiceAccountWithCredentials:
        """Creates a service account through the API; its ``credentials`` work for a client."""
        with self.client() as c:
            return c.service_accounts.create(name=name, description=description)

    # -- emulator-only controls ------------------------------------------------------

    def _admin(self, method: str, route: str, body: Any = None) -> Any:
        payload = None if body is None else json.dumps(body).encode()
        status, raw = self._n().admin(method, route, payload)
        data = json.loads(raw) if raw else None
        if not 200 <= status < 300:
            message = data.get("message") if isinstance(data, dict) else None
            raise EmulatorError(str(message or f"status {status}"), status)
        return data

    def requests(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The request log, oldest first (at most ``limit`` entries, at most 1000): each
        entry has ``method``, ``path``, ``query``, ``status``, ``requestId`` and ``body``
        (the JSON body; a large one is cut to a ``bodyPrefix``). Emulator-only calls are
        not logged."""
        result: list[dict[str, Any]] = self._admin("GET", f"requests?limit={int(limit)}")["items"]
        return result

    def stats(self) -> dict[str, Any]:
        """``{"tokensMinted": N, "requests": {"GET /api/v1/applications": N, ...}}``."""
        result: dict[str, Any] = self._admin("GET", "stats")
        return result

    def seed(self, document: Mapping[str, Any]) -> dict[str, int]:
        """Merges a seed document into the state (all or nothing); the object counts."""
        result: dict[str, int] = self._admin("POST", "seed", dict(document))
        return result

    def reset(self) -> None:
        """Back to an empty state: objects, request log, stats and issued tokens go; the
        bootstrap credential stays."""
        self._admin("POST", "reset")

    def set_faults(self, faults: str | Mapping[str, Any] | None) -> None:
        """Replaces the fault configuration (the ``--faults`` text or the JSON object, e.g.
        ``{"script": [{"method": "GET", "path": "/api/v1/applications", "status": 503, "count": 2}]}``);
        ``None`` clears it."""
        self._admin("PUT", "faults", faults if isinstance(faults, (str, type(None))) else dict(faults))

    def faults(self) -> dict[str, Any] | None:
        """The current fault configuration, or ``None``."""
        result: dict[str, Any] | None = self._admin("GET", "faults")
        return result

    def mint_token(
        self, *, scope: str | None = None, client_id: str | None = None, expires_in: int | None = None
    ) -> str:
        """Mints an access token directly (e.g. one without ``management:all`` to test 403s)."""
        body = {k: v for k, v in {"scope": scope, "clientId": client_id, "expiresIn": expires_in}.items() if v is not None}
        token: str = self._admin("POST", "tokens", body)["access_token"]
        return token

    def __repr__(self) -> str:
        where = self._native.url if self._native is not None else "stopped"
        return f"Emulator({where})"


def options() -> list[str]:
    """The emulator's option names (camelCase), as the native extension describes them."""
    return list(_n.emulator_options())


def main(argv: Sequence[str] | None = None) -> int:
    """The ``kontext-emulator`` console script: the emulator on a port until Ctrl-C."""
    args = list(sys.argv if argv is None else ["kontext-emulator", *argv])
    return int(_n.emulator_main(args))
