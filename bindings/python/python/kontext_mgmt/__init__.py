"""Python SDK of the Kontext Management API.

>>> import kontext_mgmt
>>> client = kontext_mgmt.Client(base_url="http://127.0.0.1:8080",
...                              client_id="sa_...", client_secret="...")  # doctest: +SKIP
>>> page = client.applications.list(limit=20)  # doctest: +SKIP

``Client`` blocks (and releases the GIL while it waits); ``AsyncClient`` is the asyncio
twin. Namespaces, methods and models are generated from the OpenAPI spec; the transport,
authentication, retries, pagination and error decoding are the shared Rust core.
"""

from ._base import NOT_GIVEN, AsyncPageIterator, Model, NotGiven, PageIterator, StrEnum
from ._errors import (
    ApiError,
    BadRequest,
    Conflict,
    ConnectionError,
    DecodeError,
    Forbidden,
    InvalidInput,
    KontextError,
    NotFound,
    RateLimited,
    ServerError,
    TimeoutError,
    Unauthorized,
)
from ._generated import *  # noqa: F403
from ._generated import __all__ as _generated_all

__version__ = "0.1.0"

__all__ = [
    "NOT_GIVEN",
    "NotGiven",
    "Model",
    "StrEnum",
    "PageIterator",
    "AsyncPageIterator",
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
    *_generated_all,
]
