"""The base class of every error the SDK raises; one subclass per kind is generated into
``_errors.py`` from the core's list of kinds.

Instances are created by the native core with a one-line message that never contains a
credential.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypedDict

if TYPE_CHECKING:
    from typing_extensions import NotRequired

__all__ = ["KontextError"]


class ErrorDiagnostic(TypedDict):
    """One finding of an error body's ``diagnostics`` (e.g. of the Cedar parser)."""

    message: str
    #: ``error`` or ``warning`` (other values as sent).
    severity: NotRequired[str]
    #: The policy it is about (``policy0`` is the first in the text).
    policyId: NotRequired[str]
    #: Byte offsets in the text the request sent.
    start: NotRequired[int]
    end: NotRequired[int]


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
    #: The scopes the credentials lack, when a 403's body lists them (``missingScopes``);
    #: empty otherwise. The message names them too, with the body's hint.
    missing_scopes: list[str]
    #: What is wrong where, when a 422's body lists ``diagnostics`` (policy text that is not
    #: valid Cedar); empty otherwise.
    diagnostics: list[ErrorDiagnostic]
    #: The code of the class when the core gives none (each kind's class sets its own).
    _code: ClassVar[str] = "kontext_error"

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
        missing_scopes: list[str] | None = None,
        diagnostics: list[ErrorDiagnostic] | None = None,
    ) -> None:
        super().__init__(text)
        self.message = text if message is None else message
        self.status_code = status
        self.request_id = request_id
        self.body = body
        self.retry_after = retry_after
        self.code = code if code is not None else type(self)._code
        self.missing_scopes = list(missing_scopes) if missing_scopes else []
        self.diagnostics = list(diagnostics) if diagnostics else []

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
                    "missing_scopes": self.missing_scopes,
                    "diagnostics": self.diagnostics,
                },
            ),
        )


def _rebuild(cls: type[KontextError], text: str, fields: dict[str, object]) -> KontextError:
    return cls(text, **fields)  # type: ignore[arg-type]
