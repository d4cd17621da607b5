# Stub of the native extension (bindings/python/src/lib.rs): generic glue, no endpoint.
from asyncio import Future
from collections.abc import Sequence
from typing import Any, final

__all__ = ["CORE_VERSION", "Bridge", "NativeClient", "NativePager", "Ticket", "operations"]

CORE_VERSION: str

_Scalar = bool | int | float | str | None

@final
class NativeClient:
    def __new__(
        cls,
        *,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token: str | None = None,
        token_url: str | None = None,
        scopes: Sequence[str] | None = None,
        audience: str | None = None,
        api_version: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        user_agent_suffix: str | None = None,
        max_body_bytes: int | None = None,
        max_error_body_bytes: int | None = None,
        max_token_body_bytes: int | None = None,
        max_pages: int | None = None,
    ) -> NativeClient: ...
    def with_options(self, *, timeout: float | None = None, max_retries: int | None = None) -> NativeClient: ...
    def call(
        self, op: str, path: Sequence[str], query: Sequence[tuple[str, _Scalar]], body: bytes | None
    ) -> bytes: ...
    def submit(
        self,
        bridge: Bridge,
        future: Future[Any],
        op: str,
        path: Sequence[str],
        query: Sequence[tuple[str, _Scalar]],
        body: bytes | None,
    ) -> Ticket: ...
    def pager(self, op: str, path: Sequence[str], query: Sequence[tuple[str, _Scalar]]) -> NativePager: ...
    def refresh_token(self) -> None: ...
    def submit_refresh_token(self, bridge: Bridge, future: Future[Any]) -> Ticket: ...
    def clear_token(self) -> None: ...
    def options(self) -> tuple[float, int]: ...

@final
class NativePager:
    def next_page(self) -> bytes | None: ...
    def submit_next(self, bridge: Bridge, future: Future[Any]) -> Ticket: ...

@final
class Bridge:
    def __new__(cls) -> Bridge: ...
    def fileno(self) -> int: ...
    def drain(self) -> None: ...

@final
class Ticket:
    def cancel(self) -> None: ...

def operations() -> list[tuple[str, str, str]]: ...
