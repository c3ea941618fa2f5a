"""HTTP details a front proxy relies on, sent over real sockets to uvicorn: a request with
both Content-Length and Transfer-Encoding is refused and its connection closed (nothing
pipelined after it is answered); OPTIONS /sparql names every method; connections that trickle
their headers are bounded by max_connections (503 past it, then served again); a request line
over the head limit gets 414 and headers over it 431, read by the client (not a reset); a head,
or the trailer of a chunked body, with bare-LF line ends or an obs-folded header gets 400, also
after a good pipelined request."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode

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


def _exchange(port: int, raw: bytes, piece: int = 0) -> bytes:
    """Everything the server sends back until it closes the connection (or 10 s of silence);
    with ``piece``, ``raw`` is sent that many bytes at a time, each in a segment of its own."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for at in range(0, len(raw), piece or len(raw) or 1):
            try:
                sock.sendall(raw[at : at + (piece or len(raw))])
            except (BrokenPipeError, ConnectionResetError):
                break  # refused midway and closed (uvicorn's way): what was answered is read
            if piece:
                time.sleep(0.001)  # the server reads each piece on its own, mostly
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
CHUNKED = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
WITH_BODY = (
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\na\nb\n\n"  # LFs in a body are fine
)


@pytest.mark.parametrize(
    ("head", "verdict"),
    [
        (GOOD_HEAD, "Request"),
        (WITH_BODY, "Request Data EndOfMessage"),
        (b"GET / HTTP/1.1\nHost: x\n\n", "bare LF"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\n", "bare LF"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\tfold\r\n\r\n", "obs-fold"),
        (b"GET / HTTP/1.1\r\n folded: first\r\n\r\n", "obs-fold"),
        (CHUNKED + b"3\r\na\nb\r\n0\r\nX: a\r\n\r\n", "Request Data EndOfMessage"),
        (CHUNKED + b"3;ext=1\r\nASK\r\n0\r\n\r\n", "Request Data EndOfMessage"),
        (CHUNKED + b"3\r\nASK\r\n0\r\n\n", "bare LF"),
        (CHUNKED + b"3\r\nASK\r\n0\r\nX: a\n\r\n", "bare LF"),
        (CHUNKED + b"3\r\nASK\r\n0\r\nX: a\r\n b\r\n\r\n", "obs-fold"),
        (b"GET /" + b"u" * 100 + b" HTTP/1.1", "414"),
        (b"GET / HTTP/1.1\r\nHost: " + b"h" * 100, "431"),
    ],
)
def test_a_head_sent_byte_by_byte_is_judged_like_one_sent_whole(head: bytes, verdict: str) -> None:
    """The check reads the head as it arrives: a line end or a fold split across reads is seen
    as in one read, and what follows the head (a body) is not judged as a head."""

    def judge(chunks: list[bytes]) -> str:
        connection = StrictConnection(64)
        events: list[str] = []
        try:
            for chunk in chunks:
                connection.receive_data(chunk)
                while (event := connection.next_event()) is not h11.NEED_DATA:
                    name = type(event).__name__
                    events += [] if events[-1:] == [name] else [name]
        except Refused as refused:
            return f"{refused.error_status_hint} {refused}"
        return " ".join(events)

    whole = judge([head])
    assert whole == judge([head[i : i + 1] for i in range(len(head))])
    assert verdict in whole


def test_a_chunked_body_with_a_lenient_trailer_is_refused(port: int) -> None:
    """h11 reads the trailer after the last chunk like a head: a bare LF ending it would let a
    request hide behind a proxy that frames by CRLF."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\n")  # fmt: skip
    then = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = _exchange(port, head + b"\n" + then)
    assert re.findall(rb"HTTP/1\.1 \d{3} [^\r]*", answer) == [b"HTTP/1.1 400 Bad Request"]
    assert b"bare LF" in answer
    fine = _exchange(port, head + b"X-Trailer: a\r\n\r\n" + then)  # the query reaches the spy
    assert b"the spy answers nothing" in fine and fine.count(b"HTTP/1.1 ") == 2


def test_a_bad_chunk_mid_request_is_still_uvicorns_400(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A framing error after the head (the app is already reading the body) keeps uvicorn's
    own answer: no lingering answer may interleave with the app's; and the app, whose body
    stream breaks, logs no traceback."""
    bad = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n3\r\nASKxx")  # fmt: skip
    status, body = _status_and_body(_exchange(port, bad))
    assert status == b"HTTP/1.1 400 Bad Request" and b"Invalid HTTP request received." in body
    time.sleep(0.5)  # the app's task notices the broken body
    assert "Exception in ASGI application" not in caplog.text


GOOD = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
HIDDEN = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"  # a request inside a body
SPARQL_POST = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"


@pytest.mark.parametrize(
    ("head", "status", "named"),
    [
        (b"GET  /health HTTP/1.1\r\nHost: x\r\n\r\n", b"400", b"request line"),
        (b"GET /health\r\nHost: x\r\n\r\n", b"400", b"request line"),  # llhttp: HTTP/0.9
        (b"\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n", b"400", b"request line"),
        (b"GET /health HTTP/1.1\r\n\r\n", b"400", b"Host"),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", b"400", b"Host"),
        (SPARQL_POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", b"501", b"chunked"),
    ],
)  # fmt: skip
def test_what_llhttp_takes_and_h11_refused_is_refused(
    port: int, head: bytes, status: bytes, named: bytes
) -> None:
    answer = _exchange(port, GOOD + head + GOOD)
    assert re.findall(rb"HTTP/1\.1 (\d{3})", answer) == [b"503", status]  # nothing after it
    assert named in answer.split(b"\r\n\r\n")[-1]


@pytest.mark.parametrize(
    "framed",
    [
        b"Content-Length: %d\r\n\r\n%s" % (len(HIDDEN), HIDDEN),
        b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(HIDDEN), HIDDEN),
        b"Transfer-Encoding: chunked\r\n\r\n4\r\nASK \r\n2\r\n{}\r\n0\r\nX: %s\r\n\r\n"
        % HIDDEN.replace(b"\r\n", b" ").strip(),
    ],
)  # fmt: skip
def test_a_request_inside_a_body_is_not_read_as_one(port: int, framed: bytes) -> None:
    close = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    for piece in (0, 7):
        answer = _exchange(port, SPARQL_POST + framed + close, piece)
        assert len(re.findall(rb"HTTP/1\.1 \d{3}", answer)) == 2, answer  # /sparql's, and close's
        assert answer.count(b'"mode"') == 1  # /health answered once: the one after the body


def test_an_upgrade_with_a_body_is_refused_and_one_without_is_served(port: int) -> None:
    """llhttp reads what follows a request to upgrade as another protocol's, not as its body:
    the two framings differ, so it is refused; a GET asking to upgrade (``h2c``) is served."""
    upgrade = b"Connection: upgrade\r\nUpgrade: foo\r\n"
    body = b"Content-Length: %d\r\n\r\n%s" % (len(HIDDEN), HIDDEN)
    answer = _exchange(port, SPARQL_POST + upgrade + body + GOOD)
    assert re.findall(rb"HTTP/1\.1 \d{3}", answer) == [b"HTTP/1.1 400"]
    assert b"ambiguous" in answer and b'"mode"' not in answer
    h2c = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n"
    answer = _exchange(port, h2c + b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.count(b'"mode"') == 2


@pytest.mark.parametrize(
    "raw",
    [
        GOOD + b"GET /health HTTP/1.1\r\nHost: x\nConnection: close\r\n\r\n",
        GOOD + b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
        SPARQL_POST + b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\nX: a\n\r\n" + GOOD,
        GOOD + b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
        GOOD + b"GET  /health HTTP/1.1\r\nHost: x\r\n\r\n",
        GOOD + b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n",
    ],
)  # fmt: skip
def test_a_request_trickled_byte_by_byte_is_judged_like_one_sent_whole(
    port: int, raw: bytes
) -> None:
    def judged(answer: bytes) -> list[bytes]:
        named = rb"HTTP/1\.1 \d{3}|bare LF|obs-fold|a CR|request line|Host header"
        return re.findall(named, answer)

    whole = judged(_exchange(port, raw))
    assert whole[-1:] != [b"HTTP/1.1 503"]  # refused: not answered by the app
    assert judged(_exchange(port, raw, piece=1)) == whole


ROOMY = 200_000  # max_body_bytes: a GET query string up to it, past 64 KiB


@pytest.fixture(scope="module")
def roomy() -> Iterator[tuple[int, Spy]]:
    spy = Spy()
    config = Settings(port=free_port(), max_body_bytes=ROOMY)
    with serving(create_app(config, spy), config):
        yield config.port, spy


def test_a_get_query_as_long_as_max_body_bytes_reaches_the_endpoint(
    roomy: tuple[int, Spy],
) -> None:
    """httptools' URL parser refuses a URL over 64 KiB; the endpoint promises GET queries up
    to max_body_bytes (longer: 414), whole or in pieces."""
    port, spy = roomy
    padding = ROOMY - len(urlencode({"query": "ASK {} #"}))
    text = "ASK {} #" + "x" * padding
    query = urlencode({"query": text}).encode()
    assert 65_536 < len(query) == ROOMY
    for piece in (0, 1400):
        raw = b"GET /sparql?" + query + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        answer = _exchange(port, raw, piece)
        assert b"the spy answers nothing" in answer  # the store was asked: the spy's answer
        assert spy.jobs[-1].text == text
    too_long = b"GET /sparql?" + query + b"x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    status, body = _status_and_body(_exchange(port, too_long))
    assert status.startswith(b"HTTP/1.1 414") and str(ROOMY).encode() in body  # the endpoint's


def test_head_then_get_on_one_connection_are_both_answered(port: int) -> None:
    """An answer to HEAD has no body to carry its head: the head is written all the same."""
    answer = _exchange(port, b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                       b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")  # fmt: skip
    first, _, second = answer.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 503") and second.startswith(b"HTTP/1.1 503")
    assert answer.count(b'"mode"') == 1  # the GET's body only
