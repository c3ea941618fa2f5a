"""uvicorn's h11 protocol with strict request heads and real answers to oversized ones.

h11 is lenient where a front proxy may not be, and abrupt where a client needs an answer:

- **Bare LF, bare CR and obs-fold.** h11 ends a head line at a bare LF and joins a line that
  starts with a space or tab to the previous header (obs-fold). A proxy that frames by CRLF, or
  that reads the folded line as a header of its own, then sees other requests or headers than
  this server (request smuggling). RFC 9112 lets a server refuse both: 400, and the connection
  is closed. So is a CR that ends no line (h11 and llhttp refuse it; the scan does too, so it
  does not rest on either parser's version).
- **Oversized heads.** Past ``h11_max_incomplete_event_size`` h11 gives up, and uvicorn answered
  400 and closed the socket while the client was still sending its URL: the kernel then resets the
  connection and the client never reads the answer. Here a request line over the limit gets 414
  and a head whose headers pass it 431, each naming the limit, and the connection is closed
  gracefully (lingering close, as nginx does): the answer is sent, the sending side shut, and
  what the client still sends is read and dropped until it closes, at most ``LINGER_SECONDS``.

The check reads each head's raw bytes once, as they arrive, keeping no copy of them, so a client
trickling a head byte by byte costs linear time and no more memory than h11's own buffer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from http import HTTPStatus
from typing import Any, Protocol

import h11
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol

LINGER_SECONDS = 10.0
_HEAD_END = re.compile(rb"\n\r?\n")  # where h11 ends a head
_HEX = re.compile(rb"[0-9A-Fa-f]+")


class Refused(h11.RemoteProtocolError):
    """A head this server refuses, with the status and the sentence to answer."""


def oversized(lines: bool, limit: int) -> Refused:
    """The refusal of a head over ``limit`` bytes (``max_body_bytes`` + 64 KiB): 414 while its
    request line has not ended (``lines``), else 431."""
    if not lines:
        return Refused(f"the request line is over the limit of {limit} bytes "
                       "(max_body_bytes + 64 KiB); send a long query by POST", 414)  # fmt: skip
    return Refused(f"the request's headers are over the limit of {limit} bytes "
                   "(max_body_bytes + 64 KiB)", 431)  # fmt: skip


class HeadScan:
    """One request head read as it arrives, chunk by chunk, keeping two bytes of context: where
    it ends (as h11 ends it), whether it is malformed, and whether it is over ``limit``. Holds no
    copy of the head (h11 holds one), so a connection trickling a large head costs no more
    memory than before, and each byte is scanned once."""

    def __init__(self, limit: int, context: bytes = b"") -> None:
        self.limit = limit
        self.size = 0  # bytes of the head so far
        self.lines = False  # whether the request line has ended
        self.done = False  # the head is complete
        self.refused: Refused | None = None
        self._tail = context  # the last two bytes fed: a line end or a fold may straddle reads

    def feed(self, data: bytes) -> int:
        """Reads ``data``; returns how many of its bytes are the head's (all of them until the
        head's end)."""
        if self.done or self.refused is not None:
            return 0
        window, new = self._tail + data, len(self._tail)  # window[new:] is not yet checked
        end = _HEAD_END.search(window)
        head = window if end is None else window[: end.end()]
        # every LF must close a CRLF and every CR open one (one that straddles the reads
        # included: a CR that ends a read is judged with the next); counted in C
        since = max(0, new - 1)
        pending = end is None and head.endswith(b"\r")
        if head.count(b"\n", new) != head.count(b"\r\n", since):
            self.refused = Refused("a line of the request head ends in a bare LF, not CRLF", 400)
        elif head.count(b"\r", since) - pending != head.count(b"\r\n", since):
            self.refused = Refused("the request head holds a CR that does not end a line", 400)
        elif b"\r\n " in head[max(0, new - 2) :] or b"\r\n\t" in head[max(0, new - 2) :]:
            self.refused = Refused("a header line starts with a space or tab (obs-fold)", 400)
        self.lines = self.lines or b"\n" in head
        self.size += len(head) - new
        self.done = end is not None
        if not self.done and self.refused is None and self.size > self.limit:
            self.refused = oversized(self.lines, self.limit)
        self._tail = window[-2:]
        return len(head) - new


class ChunkScan:
    """A chunked body read as it arrives: the chunks are skipped by their sizes (the parser
    reads their framing strictly), and the trailer section after the last one, which h11 reads
    as leniently as a head, is judged by a :class:`HeadScan`. Where the body ends is where its
    trailer ends (``done``). A chunk-size line it cannot read (not hex digits, an optional
    extension and CRLF; or longer than ``limit``) stops it (``stopped``): the parser refuses
    such a line itself."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.refused: Refused | None = None
        self.trailer: HeadScan | None = None
        self.stopped = False
        self._line = bytearray()  # a chunk-size line begun in an earlier read
        self._skip = 0  # bytes of chunk data, and its CRLF, still to come

    @property
    def done(self) -> bool:
        return self.trailer is not None and self.trailer.done

    @property
    def pending(self) -> int:
        """Bytes read of a chunk-size line not yet complete."""
        return len(self._line)

    def feed(self, data: bytes) -> int:
        """Reads ``data``; returns how many of its bytes are the body's (all of them until the
        trailer's end)."""
        at = 0
        while at < len(data) and not self.stopped and self.refused is None:
            if self.trailer is not None:
                taken = self.trailer.feed(data[at:])
                self.refused = self.trailer.refused
                return at + taken
            if self._skip:
                taken = min(self._skip, len(data) - at)
                self._skip, at = self._skip - taken, at + taken
                continue
            end = data.find(b"\n", at)
            # a bytearray grows in amortised linear time: a line trickled byte by byte is not
            # copied again at every read
            self._line += data[at : len(data) if end < 0 else end + 1]
            if end < 0:
                self.stopped = len(self._line) > self.limit
                return len(data)
            line, at = bytes(self._line), end + 1
            self._line.clear()
            size = line[:-2].split(b";")[0].strip(b" \t")
            if not line.endswith(b"\r\n") or not _HEX.fullmatch(size):
                self.stopped = True  # int() would also take 0x, _, + and -
                return at
            if int(size, 16):
                self._skip = int(size, 16) + 2
            else:  # the last chunk: its CRLF is the trailer's context
                self.trailer = HeadScan(self.limit, context=b"\r\n")
        return at


class StrictConnection(h11.Connection):
    """An h11 server connection that refuses, before h11 reads them, a head that
    :class:`HeadScan` refuses and a chunked body whose trailer :class:`ChunkScan` refuses."""

    def __init__(self, max_incomplete_event_size: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_incomplete_event_size)
        self.limit = max_incomplete_event_size
        self.refused: Refused | None = None
        self._scan: HeadScan | ChunkScan | None = None  # the head h11 waits for, or the body

    def receive_data(self, data: bytes) -> None:
        if self._scan is not None:
            self._scan.feed(data)
        super().receive_data(data)

    def next_event(self) -> Any:
        if self.their_state is h11.IDLE:
            if not isinstance(self._scan, HeadScan):  # a new head: it starts with what h11 holds
                self._scan = HeadScan(self.limit)  # past the last message
                self._scan.feed(self.trailing_data[0])
            self.refused = self._scan.refused
            if self.refused is not None:
                raise self.refused
            if self._scan.done:
                self._scan = None  # complete and fine: h11 reads it now
        elif isinstance(self._scan, ChunkScan):
            self.refused = self._scan.refused
            if self.refused is not None:
                raise self.refused
        event = super().next_event()
        if isinstance(event, h11.Request) and any(
            name == b"transfer-encoding" for name, _ in event.headers
        ):  # h11 takes no transfer coding but chunked
            self._scan = ChunkScan(self.limit)
            self._scan.feed(self.trailing_data[0])
        return event


class HeadWithBody:
    """A request cycle's view of the connection's transport that sends a response's head in
    one write with the first piece of its body: uvicorn writes the head, the body and the end
    of the message separately, and each write to a socket is a system call, two or three
    segments on the wire and as many wake-ups of the client. An interim answer (``100
    Continue``) and every later write go out at once; closing sends a head still held."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.head = b""  # the response's head, until the body's first write
        self.started = False  # the response's head has been written

    def write(self, data: bytes) -> None:
        if not self.started and not data.startswith(b"HTTP/1.1 1"):  # the final answer's head
            self.started, self.head = True, bytes(data)
        elif data or self.head:
            self.transport.write(self.head + data if self.head else data)
            self.head = b""

    def flush(self) -> None:
        """Writes a head still held: the answer is complete without a body write (uvicorn's
        httptools protocol writes none for ``HEAD``)."""
        if self.head:
            self.transport.write(self.head)
            self.head = b""

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()


def refusal(status: int, text: str) -> bytes:
    """The whole answer to a refused head: ``status`` and ``text``, and the connection closed."""
    body = text.encode() + b"\n"
    return (
        b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode())
        + b"content-type: text/plain; charset=utf-8\r\nx-content-type-options: nosniff\r\n"
        + b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body)
        + body
    )


def linger(
    transport: asyncio.Transport, flow: FlowControl, loop: asyncio.AbstractEventLoop
) -> asyncio.TimerHandle:
    """Close after the client stops sending (or ``LINGER_SECONDS``), so it reads the answer: the
    sending side is shut and reading goes on (the protocol drops what it reads)."""
    if transport.can_write_eof():
        transport.write_eof()
    flow.resume_reading()
    return loop.call_later(LINGER_SECONDS, transport.close)


class _Answering(Protocol):
    """What :func:`refuse` uses of a uvicorn protocol (h11's or httptools')."""

    transport: asyncio.Transport
    flow: FlowControl
    loop: asyncio.AbstractEventLoop
    logger: logging.Logger

    def _unset_keepalive_if_required(self) -> None: ...


def refuse(protocol: _Answering, status: int, text: str) -> asyncio.TimerHandle:
    """Answer a refused head on ``protocol``'s connection and close it once the client has read
    the answer (:func:`linger`); the returned handle is the close, cancelled if the client goes
    first."""
    protocol.transport.write(refusal(status, text))
    protocol.logger.info("refused a request head (%d): %s", status, text)
    protocol._unset_keepalive_if_required()
    return linger(protocol.transport, protocol.flow, protocol.loop)


class StrictH11Protocol(H11Protocol):
    """uvicorn's h11 protocol over :class:`StrictConnection`, answering its refusals, each
    answer's head written with its body (:class:`HeadWithBody`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # sorakg serve always sets the limit (app.uvicorn_options); 16 KiB is h11's default
        self.conn = StrictConnection(self.config.h11_max_incomplete_event_size or 16 * 1024)
        self._lingering: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._lingering is None:
            super().data_received(data)  # else: refused already, and dropped

    def handle_events(self) -> None:
        super().handle_events()
        # a request read just now has its cycle, whose task has not run yet: it writes through
        # the wrapper from its first message on
        if self.cycle is not None and self.cycle.transport is self.transport:
            self.cycle.transport = HeadWithBody(self.transport)  # type: ignore[assignment]

    def send_400_response(self, msg: str) -> None:
        refused = self.conn.refused if isinstance(self.conn, StrictConnection) else None
        if self.conn.our_state is not h11.IDLE:  # mid-request (a bad chunk, a bad trailer): the
            # app may be answering already; uvicorn's own way, as before, with the reason
            super().send_400_response(msg if refused is None else str(refused))
            return
        if refused is None:
            status, text = 400, msg  # h11's own refusal (uvicorn's generic sentence)
        else:
            status, text = refused.error_status_hint, str(refused)
        self._lingering = refuse(self, status, text)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lingering is not None:
            self._lingering.cancel()
        super().connection_lost(exc)
