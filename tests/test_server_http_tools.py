"""The strict httptools protocol (server/http_tools.py) driven in-process, read by read: a head,
a body or a trailer split anywhere (every byte its own read, or reads cut at random places) is
judged as when sent whole, llhttp reads each head once and whole, and a request pipelined
behind another waits for the answer before it. Over real sockets: tests/test_server_http.py."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

import pytest

from sorakg.server.http_tools import StrictHttpToolsProtocol
from tests.test_server_writes import Recording, connected

GOOD = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
CHUNKED = b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
WITH_BODY = b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\na\nb\n\n"


async def describe(scope: Any, receive: Any, send: Any) -> None:
    """Answers what it read: the method, the path and the body."""
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    text = b"%s %s %r" % (scope["method"].encode(), scope["path"].encode(), body)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(text)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": text})


class Kept(Recording):
    """A transport that keeps what is written and cannot half-close (a refusal then closes at
    the end of its lingering)."""

    def can_write_eof(self) -> bool:
        return False


class Counting(StrictHttpToolsProtocol):
    """Counts llhttp's calls for a request's target: one per head when heads are fed whole."""

    urls = 0

    def on_url(self, url: bytes) -> None:
        Counting.urls += 1
        super().on_url(url)


async def _served(reads: list[bytes], limit: int, app: Any = describe) -> bytes:
    transport = Kept()
    protocol = connected(Counting, app, transport, limit)
    for data in reads:
        protocol.data_received(data)
        await asyncio.sleep(0)
    for _ in range(100):
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return b"".join(transport.writes)


def verdict(reads: list[bytes], limit: int = 200) -> str:
    """The answers' statuses and bodies, in order."""
    written, answers = asyncio.run(_served(reads, limit)), []
    while written:
        head, _, written = written.partition(b"\r\n\r\n")
        length = re.search(rb"content-length: (\d+)", head, re.I)
        size = int(length.group(1)) if length else len(written)
        body, written = written[:size], written[size:]
        answers.append(f"{head[9:12].decode()} {body.decode().strip()}")
    return " | ".join(answers)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (GOOD, "200 GET /a b''"),
        (WITH_BODY, "200 POST /b b'a\\nb\\n\\n'"),
        (GOOD + WITH_BODY + GOOD, "200 GET /a b'' | 200 POST /b b'a\\nb\\n\\n' | 200 GET /a b''"),
        (b"GET / HTTP/1.1\nHost: x\n\n", "400 a line of the request head ends in a bare LF"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\n", "400 a line of the request head ends in a bare LF"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\tfold\r\n\r\n", "400 a header line starts"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", "400 the request head holds a CR"),
        (CHUNKED + b"3\r\nASK\r\n0\r\nX: a\r\r\n\r\n", "400 the request head holds a CR"),
        (GOOD + b"GET / HTTP/1.1\r\n folded: first\r\n\r\n", "200 GET /a b'' | 400 a header"),
        (CHUNKED + b"3\r\na\nb\r\n0\r\nX: a\r\n\r\n" + GOOD, "200 POST /c b'a\\nb' | 200 GET"),
        (CHUNKED + b"3;ext=1\r\nASK\r\n0\r\n\r\n", "200 POST /c b'ASK'"),
        (CHUNKED + b"3\r\nASK\r\n0\r\n\n", "400 a line of the request head ends in a bare LF"),
        (CHUNKED + b"3\r\nASK\r\n0\r\nX: a\n\r\n", "400 a line of the request head ends in a bare"),
        (CHUNKED + b"3\r\nASK\r\n0\r\nX: a\r\n b\r\n\r\n", "400 a header line starts"),
        (CHUNKED + b"0x3\r\nASK\r\n0\r\n\r\n", "400 Invalid HTTP request received."),
        (b"GET /" + b"u" * 300 + b" HTTP/1.1", "414 the request line is over the limit of 200"),
        (b"GET / HTTP/1.1\r\nHost: " + b"h" * 300, "431 the request's headers are over"),
        (b"GET  /a HTTP/1.1\r\nHost: x\r\n\r\n", "400 the request line is not"),
        (b"\r\n" + GOOD, "400 the request line is not"),
        (GOOD + b"GET /a\r\nHost: x\r\n\r\n", "200 GET /a b'' | 400 the request line is not"),
        (b"GET /a HTTP/1.1\r\n\r\n", "400 an HTTP/1.1 request needs one Host header"),
        (b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
         "501 the only transfer coding accepted is chunked"),
        (b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: upgrade\r\n"
         b"Upgrade: foo\r\n\r\nGET /", "400 the request's framing is ambiguous"),
    ],
)  # fmt: skip
def test_a_request_read_byte_by_byte_is_judged_like_one_read_whole(
    data: bytes, expected: str
) -> None:
    whole = verdict([data])
    assert whole.startswith(expected)
    assert verdict([data[i : i + 1] for i in range(len(data))]) == whole


def test_a_long_target_is_one_read_of_the_parser_and_no_url_parser_limit() -> None:
    """httptools joins a value split across reads by concatenation, and uvicorn's URL parser
    refuses a URL over 64 KiB: a head is fed whole, and the target split here."""
    target = b"/q?query=" + b"x" * 70_000
    head = b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    Counting.urls = 0
    answer = verdict([head[i : i + 1000] for i in range(0, len(head), 1000)], limit=100_000)
    assert answer == "200 GET /q b''" and Counting.urls == 1


def test_a_pipelined_request_waits_for_the_answer_before_it() -> None:
    started: list[str] = []
    release = asyncio.Event()

    async def slow_first(scope: Any, receive: Any, send: Any) -> None:
        started.append(scope["path"])
        if scope["path"] == "/first":
            await release.wait()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def run() -> bytes:
        first = b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
        task = asyncio.create_task(_served([first + first.replace(b"first", b"second")], 1000,
                                           slow_first))  # fmt: skip
        for _ in range(50):
            await asyncio.sleep(0)
        assert started == ["/first"]  # the second is not read while the first is answered
        release.set()
        return await task

    written = asyncio.run(run())
    assert started == ["/first", "/second"] and written.count(b"HTTP/1.1 204") == 2


STREAMS = [
    GOOD + WITH_BODY + CHUNKED + b"3\r\na\nb\r\n10\r\n0123456789abcdef\r\n0\r\nX: a\r\n\r\n" + GOOD,
    CHUNKED + b'3;e="q"\r\nabc\r\n0\r\n\r\n' + WITH_BODY.replace(b"5", b"0")[:-5],
    WITH_BODY + CHUNKED + b"3\r\nabc\r\n0\r\nX: a\n\r\n" + GOOD,
    CHUNKED + b"1a\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n0\r\n\r\n" + GOOD,  # a request as data
]


@pytest.mark.parametrize("stream", STREAMS)
def test_requests_split_at_random_places_are_answered_as_when_sent_whole(stream: bytes) -> None:
    whole = verdict([stream], limit=1000)
    rng = random.Random(stream)  # the same splits every run
    for _ in range(40):
        cuts = sorted(rng.sample(range(1, len(stream)), rng.randint(1, 12)))
        reads = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert verdict(reads, limit=1000) == whole, cuts
