"""The hand-written, endpoint-agnostic layer: clients, models, enums, pagination.

No endpoint is named here: ``_generated.py`` (written by ``cargo xtask regen`` from the
spec) defines the namespaces, models and enums on top of these classes. Behaviour (auth,
retries, timeouts, pagination, error decoding) lives in the Rust core; this module only
translates between Python values and the core's JSON.
"""

from __future__ import annotations

import datetime as _datetime
import enum as _enum
import json as _json
import sys as _sys
from collections.abc import Mapping as _Mapping
from typing import Generic, TypeVar

from ._options import _Configure

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

    from typing_extensions import Self

    from . import _native as _n

T = TypeVar("T")
M = TypeVar("M", bound="Model")

__all__ = [
    "NOT_GIVEN",
    "NotGiven",
    "Model",
    "StrEnum",
    "BaseClient",
    "BaseAsyncClient",
    "PageIterator",
    "AsyncPageIterator",
]

_loads = _json.loads
_PY311 = _sys.version_info >= (3, 11)


class NotGiven:
    """The type of :data:`NOT_GIVEN`: "leave this field out of the request".

    Optional fields that accept ``None`` (JSON ``null``, e.g. to clear a description)
    default to ``NOT_GIVEN``; every other optional argument defaults to ``None``, which
    leaves it out.
    """

    __slots__ = ()
    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()

# ---------------------------------------------------------------------------------------
# JSON <-> Python values


def _wire(value: Any) -> Any:
    """A value as JSON-ready data: models by their wire dict, datetimes in RFC 3339."""
    if isinstance(value, Model):
        return value._data
    if isinstance(value, _datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_datetime.timezone.utc)
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    return value


def _input(cls: type[Model], value: Any, shape: int = 0) -> Any:
    """A nested input (``shape`` 0), or a list (1) or map (2) of them, as JSON-ready data.

    The one place where the keys of a dict passed for a model become wire names: a key may
    be the model's snake_case attribute name (``redirect_uris``) or its wire name
    (``redirectUris``); nested input models are converted the same way, and any other key
    is sent as given (the server judges it).
    """
    if shape == 1 and isinstance(value, (list, tuple)):
        return [_input(cls, v) for v in value]
    if shape == 2 and isinstance(value, _Mapping):
        return {k: _input(cls, v) for k, v in value.items()}
    if shape != 0 or isinstance(value, Model) or not isinstance(value, _Mapping):
        # Not of the expected shape: sent as given, for the server to judge.
        return _wire(value)
    wire_names: dict[str, str] | None = cls.__dict__.get("_wire_names")
    if wire_names is None:
        wire_names = {attr: wire for attr, wire, _ in cls._fields}
        cls._wire_names = wire_names
    nested = cls._nested
    data: dict[str, Any] = {}
    for key, item in value.items():
        wire = wire_names[key] if key in wire_names else key
        inner = nested.get(wire)
        data[wire] = _wire(item) if inner is None else _input(inner[0], item, inner[1])
    return data


def _dumps(body: Any) -> bytes:
    return _json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _fix_iso(text: str) -> str:
    # Python < 3.11 only parses exactly 3 or 6 fractional digits and no "Z".
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        digits = text[dot + 1 : end]
        text = text[: dot + 1] + (digits + "000000")[:6] + text[end:]
    return text


#: The most of an object's JSON a ``DecodeError`` for a missing field keeps as its body.
_MAX_DECODE_BODY = 64 * 1024


def _required(model: Model, wire: str) -> Any:
    """A required field of a received object. Missing, it is a ``DecodeError`` naming the
    field and keeping the object as received (bounded), never a silent ``None``; ``null``
    and unknown values are handed over as received."""
    data = model._data
    try:
        return data[wire]
    except KeyError:
        from ._errors import DecodeError

        raw = _json.dumps(data, default=str)
        raise DecodeError(
            f"the answer's {type(model).__name__} has no `{wire}`, a required field",
            body=raw[:_MAX_DECODE_BODY],
        ) from None


def _dt(value: Any) -> Any:
    """A wire date-time as an aware ``datetime`` (``None`` stays ``None``)."""
    if value is None or isinstance(value, _datetime.datetime):
        return value
    try:
        return _datetime.datetime.fromisoformat(value if _PY311 else _fix_iso(value))
    except (TypeError, ValueError):
        # Forward compatible: a value we cannot parse is handed over as received.
        return value


def _list(convert: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else [convert(v) for v in value]


def _map(convert: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else {k: convert(v) for k, v in value.items()}


def _same(value: Any) -> Any:
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------
# Enums


class StrEnum(str, _enum.Enum):
    """Base of the spec's string enums. Members compare equal to their wire strings, and a
    value this version does not know yet still decodes (as a pseudo-member whose
    ``name`` is the value), so new server values never break a client."""

    if TYPE_CHECKING:

        def __new__(cls, value: str) -> Self: ...

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @classmethod
    def _of(cls, value: Any) -> Any:
        if value is None:
            return None
        member = cls._value2member_map_.get(value)
        return member if member is not None else cls(value)

    def __str__(self) -> str:
        return str(self._value_)

    def __format__(self, spec: str) -> str:
        return str(self._value_).__format__(spec)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self._name_}" if self._name_ in type(self).__members__ else repr(self._value_)


# ---------------------------------------------------------------------------------------
# Models

_MASK = "'********'"


class Model:
    """Base of the spec's object schemas: a thin view over the JSON object received (or
    built from keyword arguments), with snake_case attributes generated from the spec.

    Unknown fields are kept: ``to_dict()`` returns every field under its wire name and
    ``model["someNewField"]`` reads any of them. ``repr`` masks credentials.
    """

    __slots__ = ("_data",)
    #: (attribute, wire name, secret) of every field of the schema (generated).
    _fields: tuple[tuple[str, str, bool], ...] = ()
    #: Of a nested input model: (model, shape) of ``_input`` for each field holding nested
    #: input models, by wire name (generated).
    _nested: dict[str, tuple[type[Model], int]] = {}
    #: Wire name by attribute name, built from ``_fields`` on first use by ``_input``.
    _wire_names: dict[str, str] | None = None

    _data: dict[str, Any]

    @classmethod
    def _from(cls, data: Any) -> Self:
        obj = object.__new__(cls)
        obj._data = data if isinstance(data, dict) else {}
        return obj

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """A model from a dict with wire (camelCase) keys, e.g. from ``to_dict()``."""
        return cls._from(_copy(dict(data)))

    def to_dict(self) -> dict[str, Any]:
        """Every field under its wire (camelCase) name, unknown ones included."""
        result: dict[str, Any] = _copy(self._data)
        return result

    def __getitem__(self, wire_name: str) -> Any:
        return self._data[wire_name]

    def __contains__(self, wire_name: object) -> bool:
        return wire_name in self._data

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = []
        data = self._data
        for attr, wire, secret in self._fields:
            if wire not in data:
                continue
            if secret and data[wire] is not None:
                parts.append(f"{attr}={_MASK}")
            else:
                parts.append(f"{attr}={getattr(self, attr)!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self._data))


def _restore(cls: type[M], data: dict[str, Any]) -> M:
    return cls._from(data)


def _model(cls: type[M], value: Any) -> M | None:
    return None if value is None else cls._from(value)


# ---------------------------------------------------------------------------------------
# Pagination


class PageIterator(Generic[T]):
    """Items of every page of a paginated operation, fetched lazily one page at a time.

    ``next_cursor`` is where the next page not yet fetched starts: pass it as ``cursor``
    to ``list``/``list_all`` to resume later.
    """

    def __init__(self, pager: _n.NativePager, convert: Callable[[Any], T]) -> None:
        self._pager = pager
        self._convert = convert
        self._items: list[Any] = []
        self._index = 0
        self._done = False
        self._next_cursor: str | None = None

    @property
    def next_cursor(self) -> str | None:
        return self._next_cursor

    def __iter__(self) -> PageIterator[T]:
        return self

    def __next__(self) -> T:
        while self._index >= len(self._items):
            if self._done:
                raise StopIteration
            self._take(self._pager.next_page())
        item = self._items[self._index]
        self._index += 1
        return self._convert(item)

    def _take(self, raw: bytes | None) -> None:
        if raw is None:
            self._done = True
            self._items, self._index = [], 0
            return
        page = _loads(raw)
        self._items, self._index = page.get("items") or [], 0
        self._next_cursor = page.get("nextCursor")


class AsyncPageIterator(Generic[T]):
    """``async for`` over the items of every page, fetched lazily one page at a time."""

    def __init__(self, client: BaseAsyncClient, pager: _n.NativePager, convert: Callable[[Any], T]) -> None:
        self._client = client
        self._pager = pager
        self._convert = convert
        self._items: list[Any] = []
        self._index = 0
        self._done = False
        self._next_cursor: str | None = None

    @property
    def next_cursor(self) -> str | None:
        return self._next_cursor

    def __aiter__(self) -> AsyncPageIterator[T]:
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._items):
            if self._done:
                raise StopAsyncIteration
            raw = await self._client._await(self._pager.submit_next)
            if raw is None:
                self._done = True
                self._items, self._index = [], 0
                continue
            page = _loads(raw)
            self._items, self._index = page.get("items") or [], 0
            self._next_cursor = page.get("nextCursor")
        item = self._items[self._index]
        self._index += 1
        return self._convert(item)


# ---------------------------------------------------------------------------------------
# Clients


def _user_agent(extra: str | None) -> str:
    v = _sys.version_info
    agent = f"python/{v.major}.{v.minor} kontext-mgmt-python"
    return f"{agent} {extra}" if extra else agent


class _ClientCore(_Configure):
    """What the sync and async clients share: construction (the keyword arguments are
    generated from the core's options, in ``_options.py``) and options."""

    #: (attribute, namespace class) pairs, generated.
    _namespaces: tuple[tuple[str, type[Namespace]], ...] = ()
    _native: _n.NativeClient

    def _connect(self, **options: Any) -> None:
        from ._native import NativeClient

        options["user_agent"] = _user_agent(options.get("user_agent"))
        self._adopt(NativeClient(**options))

    def _adopt(self, native: _n.NativeClient) -> None:
        self._native = native
        for name, namespace in self._namespaces:
            setattr(self, name, namespace(self))

    def with_options(self, *, timeout: float | None = None, max_retries: int | None = None) -> Self:
        """A client sharing this one's connections and token, with another per-attempt
        ``timeout`` (seconds) and/or ``max_retries``."""
        other = object.__new__(type(self))
        other._adopt(self._native.with_options(timeout=timeout, max_retries=max_retries))
        return other

    @property
    def timeout(self) -> float:
        """Seconds allowed for one attempt."""
        return self._native.options()[0]

    @property
    def max_retries(self) -> int:
        return self._native.options()[1]

    def clear_token(self) -> None:
        """Forget the cached access token; the next call fetches a new one."""
        self._native.clear_token()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._native!r})"


class BaseClient(_ClientCore):
    """Blocking client. Calls release the GIL, so threads run them in parallel, and
    Ctrl-C interrupts a call that is waiting."""

    def _call(self, op: str, path: tuple[str, ...], query: Sequence[tuple[str, Any]], body: Any) -> Any:
        raw = self._native.call(op, path, query, None if body is None else _dumps(body))
        return _loads(raw) if raw else None

    def _pages(
        self, op: str, path: tuple[str, ...], query: Sequence[tuple[str, Any]], convert: Callable[[Any], T]
    ) -> PageIterator[T]:
        return PageIterator(self._native.pager(op, path, query), convert)

    def refresh_token(self) -> None:
        """Fetch a new access token now (client credentials only)."""
        self._native.refresh_token()

    def close(self) -> None:
        """Nothing to release explicitly (connections close with the last reference);
        present so the client works as a context manager."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# One completion bridge per event loop: the loop watches its socket and resolves the
# futures of finished requests in batches.
_bridges: Any = None


def _bridge(loop: asyncio.AbstractEventLoop) -> _n.Bridge:
    global _bridges
    if _bridges is None:
        import weakref

        _bridges = weakref.WeakKeyDictionary()
    bridge: _n.Bridge | None = _bridges.get(loop)
    if bridge is None:
        from ._native import Bridge

        bridge = Bridge()
        fd = bridge.fileno()
        try:
            if fd < 0:
                raise NotImplementedError
            loop.add_reader(fd, bridge.drain)
        except NotImplementedError:
            raise RuntimeError(
                "kontext_mgmt.AsyncClient needs an event loop that can watch sockets (add_reader); "
                "on Windows use asyncio.WindowsSelectorEventLoopPolicy"
            ) from None
        _bridges[loop] = bridge
    return bridge


class BaseAsyncClient(_ClientCore):
    """asyncio client: every method is a coroutine; cancelling the task that awaits it
    aborts the request."""

    _loop: Any = None
    _bridge: Any = None

    async def _await(self, start: Callable[..., _n.Ticket], *args: Any) -> Any:
        from asyncio import get_running_loop

        loop = get_running_loop()
        if loop is self._loop:
            bridge = self._bridge
        else:
            bridge = _bridge(loop)
            self._loop, self._bridge = loop, bridge
        future = loop.create_future()
        ticket = start(bridge, future, *args)
        try:
            return await future
        except BaseException:
            # Cancelled (or interrupted): abort the request in the core.
            ticket.cancel()
            raise

    async def _call(self, op: str, path: tuple[str, ...], query: Sequence[tuple[str, Any]], body: Any) -> Any:
        data = None if body is None else _dumps(body)
        raw = await self._await(self._native.submit, op, path, query, data)
        return _loads(raw) if raw else None

    def _pages(
        self, op: str, path: tuple[str, ...], query: Sequence[tuple[str, Any]], convert: Callable[[Any], T]
    ) -> AsyncPageIterator[T]:
        return AsyncPageIterator(self, self._native.pager(op, path, query), convert)

    async def refresh_token(self) -> None:
        """Fetch a new access token now (client credentials only)."""
        await self._await(self._native.submit_refresh_token)

    async def close(self) -> None:
        """Nothing to release explicitly; present for ``async with``."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class Namespace:
    """Base of the generated namespaces (``client.applications`` …)."""

    __slots__ = ("_client",)

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

