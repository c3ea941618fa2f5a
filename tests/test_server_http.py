"""HTTP details a front proxy relies on, sent over real sockets to uvicorn: a request with
both Content-Length and Transfer-Encoding is refused and its connection closed (nothing
pipelined after it is answered); OPTIONS /sparql names every method; connections that trickle
their headers are bounded by max_connections (503 past it, then served again)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sorakg.server.app import create_app
from sorakg.settings import Settings
from tests.helpers import Spy, free_port, serving

LIMIT = 4


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    config = Settings(port=free_port(), max_connections=LIMIT)
    with serving(create_app(config, Spy()), config):
        yield config.port


def _exchange(port: int, raw: bytes) -> bytes:
    """Everything the server sends back until it closes the connection (or 10 s of silence)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_content_length_with_transfer_encoding_is_refused_and_closed(port: int) -> None:
    smuggled = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")  # fmt: skip
    answer = _exchange(port, smuggled)
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.count(b"HTTP/1.1 ") == 1  # the pipelined /health was never answered


def test_options_on_sparql_names_every_method(port: int) -> None:
    answer = _exchange(port, b"OPTIONS /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 204")
    assert b"allow: get, post, head, options" in head


def test_slow_header_connections_are_bounded(port: int) -> None:
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(LIMIT)]
    try:
        for sock in slow:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the end
        time.sleep(0.5)  # the server has accepted them all
        refused = _exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert refused.startswith(b"HTTP/1.1 503") and b'"mode"' not in refused  # uvicorn's
    finally:
        for sock in slow:
            sock.close()
    time.sleep(0.5)
    again = _exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b'"mode":"embedded"' in again  # the app answered (with the spy store: degraded)


def test_the_app_refuses_ambiguous_lengths_too() -> None:
    with TestClient(create_app(Settings(), Spy())) as client:
        headers = {"Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked",
                   "Content-Length": "6"}  # fmt: skip
        answer = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert answer.status_code == 400
