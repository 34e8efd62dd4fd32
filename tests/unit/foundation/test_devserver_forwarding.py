"""The local dev server appends the address it saw to X-Forwarded-For, as API Gateway does."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any, cast

import pytest

from touchpoint_cli.devserver import Router, _handler_class


class _Recorder:
    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        self.headers.append(headers)
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}


@pytest.fixture
def server() -> Iterator[tuple[ThreadingHTTPServer, _Recorder]]:
    recorder = _Recorder()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(cast(Router, recorder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd, recorder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _get(httpd: ThreadingHTTPServer, headers: dict[str, str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=5)
    try:
        connection.request("GET", "/health", headers=headers)
        assert connection.getresponse().status == 200
    finally:
        connection.close()


def test_a_client_sent_forwarded_for_gets_the_socket_address_appended(
    server: tuple[ThreadingHTTPServer, _Recorder],
) -> None:
    httpd, recorder = server
    _get(httpd, {"X-Forwarded-For": "203.0.113.9"})
    _get(httpd, {})
    assert recorder.headers[0]["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert recorder.headers[1]["x-forwarded-for"] == "127.0.0.1"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "BREW"])
def test_a_method_no_route_serves_gets_405_json_not_a_server_error(
    server: tuple[ThreadingHTTPServer, _Recorder], method: str
) -> None:
    httpd, recorder = server
    connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=5)
    try:
        connection.request(method, "/v1/track")
        response = connection.getresponse()
        assert response.status == 405
        assert json.loads(response.read())["code"] == "method_not_allowed"
    finally:
        connection.close()
    assert recorder.headers == []
