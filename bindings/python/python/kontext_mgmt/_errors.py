"""The exception hierarchy (docs/ARCHITECTURE.md rule 7), shared with every other language binding.

``KontextError`` > ``ApiError`` (the server answered with an error status) >
``BadRequest`` (400), ``Unauthorized`` (401), ``Forbidden`` (403), ``NotFound`` (404),
``Conflict`` (409), ``RateLimited`` (429), ``ServerError`` (5xx); and ``KontextError`` >
``ConnectionError``, ``TimeoutError``, ``DecodeError``, ``InvalidInput``, ``ResponseTooLarge``.

Instances are created by the native core with a one-line message that never contains a
credential. ``ConnectionError``/``TimeoutError`` also derive from the builtins of the same
name and ``InvalidInput`` from ``ValueError``, so generic handlers catch them too.
"""

from __future__ import annotations

import builtins

__all__ = [
    "KontextError",
    "ApiError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "RateLimited",
    "ServerError",
    "ConnectionError",
    "TimeoutError",
    "DecodeError",
    "InvalidInput",
    "ResponseTooLarge",
]


class KontextError(Exception):
    """Base class of every error raised by the SDK."""

    #: HTTP status of the answer (``None`` when the server did not answer).
    status_code: int | None
    #: The server's message, or what went wrong, without the kind prefix.
    message: str
    #: The ``x-request-id`` of the answer: quote it when reporting a problem.
    request_id: str | None
    #: The raw body of an error answer.
    body: str | None
    #: Seconds the server asked to wait (429, 503).
    retry_after: float | None
    #: Stable error code, e.g. ``"kontext_not_found"``.
    code: str

    def __init__(
        self,
        text: str = "",
        *,
        message: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        body: str | None = None,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(text)
        self.message = text if message is None else message
        self.status_code = status
        self.request_id = request_id
        self.body = body
        self.retry_after = retry_after
        self.code = code if code is not None else _DEFAULT_CODES.get(type(self).__name__, "kontext_error")

    @property
    def status(self) -> int | None:
        """Alias of :attr:`status_code`."""
        return self.status_code

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild,
            (
                type(self),
                str(self),
                {
                    "message": self.message,
                    "status": self.status_code,
                    "request_id": self.request_id,
                    "body": self.body,
                    "retry_after": self.retry_after,
                    "code": self.code,
                },
            ),
        )


def _rebuild(cls: type[KontextError], text: str, fields: dict[str, object]) -> KontextError:
    return cls(text, **fields)  # type: ignore[arg-type]


class ApiError(KontextError):
    """The server answered with an error status (``status_code``, ``message``,
    ``request_id``, raw ``body``)."""

    status_code: int


class BadRequest(ApiError):
    """400: the request was invalid (the message says which field)."""


class Unauthorized(ApiError):
    """401: missing, invalid or expired credentials."""


class Forbidden(ApiError):
    """403: the credentials lack the scope or the role."""


class NotFound(ApiError):
    """404: no such resource (or route)."""


class Conflict(ApiError):
    """409: the change conflicts with the current state (e.g. a duplicate name)."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` says how long to wait."""


class ServerError(ApiError):
    """5xx: the server failed."""


class ConnectionError(KontextError, builtins.ConnectionError):  # noqa: A001
    """The request got no answer (DNS, refused, reset, TLS)."""


class TimeoutError(KontextError, builtins.TimeoutError):  # noqa: A001
    """The request or the call's time budget ran out."""


class DecodeError(KontextError):
    """The server answered with a body that is not what the spec says."""


class InvalidInput(KontextError, ValueError):
    """The arguments cannot be sent (nothing was sent)."""


class ResponseTooLarge(KontextError):
    """A response body was larger than the client's limit for it (``max_body_bytes``,
    ``max_error_body_bytes`` or ``max_token_body_bytes``); the message names the limit."""


_DEFAULT_CODES = {
    "BadRequest": "kontext_validation_error",
    "Unauthorized": "kontext_authorization_required",
    "Forbidden": "kontext_policy_denied",
    "NotFound": "kontext_not_found",
    "Conflict": "kontext_conflict",
    "RateLimited": "kontext_rate_limited",
    "ServerError": "kontext_server_error",
    "ApiError": "kontext_api_error",
    "ConnectionError": "kontext_connection_error",
    "TimeoutError": "kontext_timeout",
    "DecodeError": "kontext_decode_error",
    "InvalidInput": "kontext_invalid_input",
    "ResponseTooLarge": "kontext_response_too_large",
}

# Tracebacks and pickles name the public module.
for _cls in (KontextError, ApiError, BadRequest, Unauthorized, Forbidden, NotFound, Conflict, RateLimited,
             ServerError, ConnectionError, TimeoutError, DecodeError, InvalidInput, ResponseTooLarge):
    _cls.__module__ = "kontext_mgmt"
del _cls
