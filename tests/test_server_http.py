"""HTTP details a front proxy relies on, sent over real sockets to uvicorn: a request with
both Content-Length and Transfer-Encoding is refused and its connection closed (nothing
pipelined after it is answered); OPTIONS /sparql names every method; connections that trickle
their headers are bounded by max_connections (503 past it, then served again); a request line
over the head limit gets 414 and headers over it 431, read by the client (not a reset); a head
with bare-LF line ends or an obs-folded header gets 400, also after a good pipelined request."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import h11
import pytest
from fastapi.testclient import TestClient

from sorakg.server.app import HEADER_ROOM, create_app
from sorakg.server.http_strict import Refused, StrictConnection
from sorakg.settings import Settings
from tests.helpers import Spy, free_port, serving

LIMIT = 4
BODY_LIMIT = 10_000
HEAD_LIMIT = BODY_LIMIT + HEADER_ROOM


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    config = Settings(port=free_port(), max_connections=LIMIT, max_body_bytes=BODY_LIMIT)
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


def _status_and_body(answer: bytes) -> tuple[bytes, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0], body


def test_a_url_over_the_head_limit_gets_414_not_a_reset(port: int) -> None:
    """Before, h11 gave up past the limit and the socket was closed while the client was still
    sending its URL: the client saw a connection reset."""
    url = b"/sparql?query=" + b"x" * (3 * HEAD_LIMIT)
    answer = _exchange(port, b"GET " + url + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    status, body = _status_and_body(answer)
    assert status == b"HTTP/1.1 414 Request-URI Too Long"
    assert f"over the limit of {HEAD_LIMIT} bytes".encode() in body
    # a query string over max_body_bytes but within the head limit: the endpoint's own 414
    answer = _exchange(port, b"GET /sparql?query=" + b"x" * (BODY_LIMIT + 10)
                       + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")  # fmt: skip
    status, body = _status_and_body(answer)
    assert status.startswith(b"HTTP/1.1 414") and str(BODY_LIMIT).encode() in body


def test_headers_over_the_head_limit_get_431(port: int) -> None:
    big = b"X-Padding: " + b"y" * (2 * HEAD_LIMIT) + b"\r\n"
    answer = _exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
    status, body = _status_and_body(answer)
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert f"headers are over the limit of {HEAD_LIMIT} bytes".encode() in body


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"GET /health HTTP/1.1\nHost: x\nConnection: close\n\n", b"bare LF"),
        (b"GET /health HTTP/1.1\r\nHost: x\nConnection: close\r\n\r\n", b"bare LF"),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\n", b"bare LF"),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\nConnection: close\r\n\r\n",
         b"obs-fold"),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\nConnection: close\r\n\r\n",
         b"obs-fold"),
    ],
)  # fmt: skip
def test_lenient_framing_is_refused(port: int, head: bytes, named: bytes) -> None:
    status, body = _status_and_body(_exchange(port, head))
    assert status == b"HTTP/1.1 400 Bad Request"
    assert named in body


def test_pipelined_heads_are_each_checked(port: int) -> None:
    good = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = _exchange(port, good + good + b"GET /health HTTP/1.1\nHost: x\n\n" + good)
    statuses = re.findall(rb"HTTP/1\.1 \d{3} [^\r]*", answer)
    assert statuses[:2] == [b"HTTP/1.1 503 Service Unavailable"] * 2  # /health on the spy
    assert statuses[2:] == [b"HTTP/1.1 400 Bad Request"]  # and nothing after it is answered
    assert b"bare LF" in answer


GOOD_HEAD = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize(
    "head",
    [GOOD_HEAD, b"GET / HTTP/1.1\nHost: x\n\n", b"GET / HTTP/1.1\r\nHost: x\r\n\tfold\r\n\r\n"],
)
def test_a_head_sent_byte_by_byte_is_judged_like_one_sent_whole(head: bytes) -> None:
    """The check reads the head as it arrives: a line end split across reads is still seen."""

    def judge(chunks: list[bytes]) -> object:
        connection = StrictConnection(HEAD_LIMIT)
        try:
            for chunk in chunks:
                connection.receive_data(chunk)
                event = connection.next_event()
                if event is not h11.NEED_DATA:
                    return type(event)
        except Refused as refused:
            return str(refused)
        return None

    whole = judge([head])
    assert whole == judge([head[i : i + 1] for i in range(len(head))])
    assert (whole is h11.Request) == (head == GOOD_HEAD)
