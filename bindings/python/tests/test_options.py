"""Client options that no emulator answer shows: what reaches the wire, and what is refused
before anything is sent."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

import kontext_mgmt as k


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        type(self).seen.append({key.lower(): value for key, value in self.headers.items()})
        body = b'{"statusCode": 404, "message": "nothing here"}'
        self.send_response(404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


def test_user_agent_is_appended_to_the_sdks_own(recorder: tuple[str, list[dict[str, str]]]) -> None:
    url, seen = recorder
    client = k.Client(base_url=url, token="t0ken", user_agent="my-tool/2.1")
    with pytest.raises(k.NotFound):
        client.applications.get("a1")
    agent = seen[-1]["user-agent"]
    assert agent.endswith(" my-tool/2.1"), agent
    assert "kontext-mgmt-python" in agent


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan")])
def test_connect_timeout_must_be_positive(value: float) -> None:
    with pytest.raises(k.InvalidInput, match="connect_timeout"):
        k.Client(base_url="http://127.0.0.1:9", token="t0ken", connect_timeout=value)
