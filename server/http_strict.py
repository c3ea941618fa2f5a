"""uvicorn's h11 protocol with strict request heads and real answers to oversized ones.

h11 is lenient where a front proxy may not be, and abrupt where a client needs an answer:

- **Bare LF and obs-fold.** h11 ends a head line at a bare LF and joins a line that starts with
  a space or tab to the previous header (obs-fold). A proxy that frames by CRLF, or that reads
  the folded line as a header of its own, then sees other requests or headers than this server
  (request smuggling). RFC 9112 lets a server refuse both: 400, and the connection is closed.
- **Oversized heads.** Past ``h11_max_incomplete_event_size`` h11 gives up, and uvicorn answered
  400 and closed the socket while the client was still sending its URL: the kernel then resets the
  connection and the client never reads the answer. Here a request line over the limit gets 414
  and a head whose headers pass it 431, each naming the limit, and the connection is closed
  gracefully (lingering close, as nginx does): the answer is sent, the sending side shut, and
  what the client still sends is read and dropped until it closes, at most ``LINGER_SECONDS``.

The check reads each head's raw bytes once, as they arrive (a mirror of the bytes h11 holds while
it waits for a head), so a client trickling a head byte by byte costs linear time.
"""

from __future__ import annotations

import asyncio
import re
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

LINGER_SECONDS = 10.0
_HEAD_END = re.compile(rb"\n\r?\n")  # where h11 ends a head
_BARE_LF = re.compile(rb"(?<!\r)\n")
_FOLDED = re.compile(rb"\r\n[ \t]")


class Refused(h11.RemoteProtocolError):
    """A head this server refuses, with the status and the sentence to answer."""


def oversized(head: bytes | bytearray, limit: int) -> Refused:
    """The refusal of an incomplete head over ``limit`` bytes (``max_body_bytes`` + 64 KiB)."""
    if b"\n" not in head:
        return Refused(f"the request line is over the limit of {limit} bytes "
                       "(max_body_bytes + 64 KiB); send a long query by POST", 414)  # fmt: skip
    return Refused(f"the request's headers are over the limit of {limit} bytes "
                   "(max_body_bytes + 64 KiB)", 431)  # fmt: skip


def malformed(head: bytes) -> Refused | None:
    """Why the complete head ``head`` (up to its blank line) is refused, or None."""
    if _BARE_LF.search(head):
        return Refused("a line of the request head ends in a bare LF, not CRLF", 400)
    if _FOLDED.search(head):
        return Refused("a header line starts with a space or tab (obs-fold)", 400)
    return None


class StrictConnection(h11.Connection):
    """An h11 server connection that refuses the heads :func:`oversized` and :func:`malformed`
    describe, before h11 reads them."""

    def __init__(self, max_incomplete_event_size: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_incomplete_event_size)
        self.limit = max_incomplete_event_size
        self.refused: Refused | None = None
        self._head: bytearray | None = None  # the bytes of the head h11 waits for
        self._searched = 0  # how far _head holds no head end

    def receive_data(self, data: bytes) -> None:
        if self._head is not None:
            self._head += data
        super().receive_data(data)

    def next_event(self) -> Any:
        if self.their_state is h11.IDLE:
            self.refused = self._check_head()
            if self.refused is not None:
                raise self.refused
        return super().next_event()

    def _check_head(self) -> Refused | None:
        if self._head is None:  # a new head: whatever h11 holds beyond the last message
            self._head, self._searched = bytearray(self.trailing_data[0]), 0
        end = _HEAD_END.search(self._head, max(0, self._searched - 2))
        if end is None:
            self._searched = len(self._head)
            return oversized(self._head, self.limit) if len(self._head) > self.limit else None
        head, self._head = bytes(self._head[: end.end()]), None  # h11 reads it next
        return malformed(head)


class StrictH11Protocol(H11Protocol):
    """uvicorn's h11 protocol over :class:`StrictConnection`, answering its refusals."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # sorakg serve always sets the limit (app.uvicorn_options); 16 KiB is h11's default
        self.conn = StrictConnection(self.config.h11_max_incomplete_event_size or 16 * 1024)
        self._lingering: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._lingering is None:
            super().data_received(data)  # else: refused already, and dropped

    def send_400_response(self, msg: str) -> None:
        refused = self.conn.refused if isinstance(self.conn, StrictConnection) else None
        if refused is None:
            status, text = 400, msg  # h11's own refusal (uvicorn's generic sentence)
        else:
            status, text = refused.error_status_hint, str(refused)
        body = text.encode() + b"\n"
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode())
            + b"content-type: text/plain; charset=utf-8\r\nx-content-type-options: nosniff\r\n"
            + b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body)
            + body
        )
        self.logger.info("refused a request head (%d): %s", status, text)
        self._linger()

    def _linger(self) -> None:
        """Close after the client stops sending (or ``LINGER_SECONDS``), so it reads the answer."""
        self._unset_keepalive_if_required()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self._lingering = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lingering is not None:
            self._lingering.cancel()
        super().connection_lost(exc)
