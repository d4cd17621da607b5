"""pytest fixtures for testing code that uses this SDK (registered through the
``pytest11`` entry point, so installing the package is enough).

- ``kontext_emulator``: a running :class:`kontext_mgmt.testing.Emulator`, fresh for each
  test. Options come from the test's ``kontext_emulator`` marker, e.g.
  ``@pytest.mark.kontext_emulator(seed={...}, faults="error_rate=0.1,seed=7")``.
- ``kontext_client``: a :class:`kontext_mgmt.Client` for it, authenticated.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._generated import Client
from .testing import Emulator

__all__ = ["kontext_client", "kontext_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "kontext_emulator(**options): options of the kontext_emulator fixture (see kontext_mgmt.testing.Emulator)"
    )


@pytest.fixture
def kontext_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    marker = request.node.get_closest_marker("kontext_emulator")
    options = dict(marker.kwargs) if marker is not None else {}
    with Emulator(**options) as emu:
        yield emu


@pytest.fixture
def kontext_client(kontext_emulator: Emulator) -> Iterator[Client]:
    with kontext_emulator.client() as client:
        yield client
