"""The test kit exposes every option of the emulator (whose one description is the Rust
`KitOptions`), under Python's naming."""

from __future__ import annotations

import inspect

import pytest

import kontext_mgmt
from kontext_mgmt import _native
from kontext_mgmt.testing import Emulator, EmulatorError


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def test_the_kit_has_every_emulator_option_and_no_other() -> None:
    params = [p for p in inspect.signature(Emulator.__init__).parameters if p != "self"]
    native = _native.emulator_options()
    assert len(native) >= 15
    assert sorted(camel(p) for p in params) == sorted(native)


@pytest.mark.parametrize("name", ["token_ttl", "header_timeout", "body_timeout"])
def test_a_refused_value_names_its_option(name: str) -> None:
    with pytest.raises(EmulatorError, match=camel(name)):
        Emulator(**{name: -1}).start()


def test_credentials_and_rate_limit_reach_the_emulator() -> None:
    with Emulator(client_id="kit-id", client_secret="kit-secret", rate_limit=1) as emu:
        assert (emu.client_id, emu.client_secret) == ("kit-id", "kit-secret")
        client = emu.client(max_retries=0)
        client.applications.list()
        with pytest.raises(kontext_mgmt.RateLimited):
            client.applications.list()
        assert "kit-secret" not in repr(emu)
