"""How an answer leaves the server: the head and the body of a response in one write to the
socket (a system call and a wake-up of the client each), an interim ``100 Continue`` at once,
and the head of an answer without a body (``HEAD``) when the answer is complete. Driven through
the strict protocols (over httptools, the one served, and over h11) over a transport that
records each write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState

from sorakg.server.http_strict import StrictH11Protocol
from sorakg.server.http_tools import StrictHttpToolsProtocol

BODY = b"x" * 5000


class Recording(asyncio.Transport):
    """A connection's transport that keeps what is written, one entry per write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


async def echo_length(scope: Any, receive: Any, send: Any) -> None:
    """Reads the body, then answers ``BODY`` (content-length known)."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(BODY)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": BODY})


PROTOCOLS = pytest.mark.parametrize("http", [StrictHttpToolsProtocol, StrictH11Protocol])


def connected(http: Any, app: Any, transport: asyncio.Transport, limit: int) -> Any:
    """A protocol of class ``http`` serving ``app`` in-process on ``transport`` (no socket),
    with a request head limit of ``limit`` bytes; called inside a running loop."""
    config = uvicorn.Config(app, lifespan="off", http=http, h11_max_incomplete_event_size=limit)
    config.load()
    protocol = http(config=config, server_state=ServerState(), app_state={},
                    _loop=asyncio.get_running_loop())  # fmt: skip
    protocol.connection_made(transport)
    return protocol


async def _served(http: Any, requests: list[bytes], until: str) -> list[bytes]:
    """Feed ``requests`` one at a time (the loop runs between them) on one connection; the
    non-empty writes once the last one ends with ``until``."""
    transport = Recording()
    protocol = connected(http, echo_length, transport, limit=65536)
    for data in requests:
        protocol.data_received(data)
        for _ in range(50):
            await asyncio.sleep(0)
    for _ in range(200):
        if transport.writes and transport.writes[-1].endswith(until.encode()):
            break
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return [write for write in transport.writes if write]


@PROTOCOLS
def test_a_responses_head_and_body_leave_in_one_write(http: Any) -> None:
    get = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"
    writes = asyncio.run(_served(http, [get, get], until="x"))
    # two requests on one connection: one write each, head and body together
    assert len(writes) == 2, [w[:40] for w in writes]
    for write in writes:
        assert write.startswith(b"HTTP/1.1 200 ") and write.endswith(BODY)


@PROTOCOLS
def test_100_continue_is_sent_before_the_body_arrives(http: Any) -> None:
    head = (b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
            b"Expect: 100-continue\r\n\r\n")  # fmt: skip
    writes = asyncio.run(_served(http, [head, b"abc"], until="x"))
    assert writes[0].startswith(b"HTTP/1.1 100 "), writes[0][:40]
    assert len(writes) == 2 and writes[1].startswith(b"HTTP/1.1 200 ") and writes[1].endswith(BODY)


@PROTOCOLS
def test_the_answer_to_head_is_written_though_it_has_no_body(http: Any) -> None:
    """uvicorn's httptools protocol writes nothing for a HEAD answer's body: its head, held for
    the body's first write, is written when the answer is complete."""
    head = b"HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n"
    writes = asyncio.run(_served(http, [head, b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"], until="x"))
    assert len(writes) == 2, [w[:40] for w in writes]
    assert writes[0].startswith(b"HTTP/1.1 200 ") and writes[0].endswith(b"\r\n\r\n")
    assert writes[1].startswith(b"HTTP/1.1 200 ") and writes[1].endswith(BODY)
