"""uvicorn's httptools protocol (llhttp, in C) with the strict checks of ``http_strict``.

h11 is pure Python and checks every header with regular expressions: with uvicorn's protocol
over it, it was the largest part of a point lookup's CPU (docs/scaling.md). llhttp parses a head
in C, and is stricter than h11 in most ways (it refuses unknown methods, control characters in
header values, ``Content-Length`` with ``Transfer-Encoding``, a duplicate ``Content-Length``,
spaces around a chunk size). What it lets through that h11 did not, this protocol refuses:

- what :class:`HeadScan` and :class:`ChunkScan` refuse: a bare LF, a CR that ends no line and
  obs-fold in a head or in a chunked body's trailer; a head over the limit gets 414 or 431, then
  a lingering close;
- a request line that is not ``method SP target SP HTTP/x.y`` (llhttp takes several spaces,
  and a line without a version as HTTP/0.9) or that an empty line precedes;
- an HTTP/1.1 request without a ``Host`` header, or any request with several;
- a transfer coding other than ``chunked`` alone (llhttp takes ``gzip, chunked``, and the app
  would read a body still gzipped), 501.

**Where each message starts is this protocol's, and llhttp must agree.** llhttp is fed one part
of one message at a time: a head once it is complete (scanned as it arrives, kept in a buffer
if it comes in pieces), then its body's bytes up to where the head's framing ends it
(``Content-Length``, or the chunk scan's end of the trailer). It must begin a message only at a
head it is fed, end each head where the scan did and each message where its framing does;
otherwise the request is refused. So every head llhttp reads, and so every request the app
sees, was scanned first, and a pipelined request hidden in a body for one reader and not for
the other cannot pass. A request pipelined after another waits, unread, until the answer to the
one before is written (h11 did the same), so a refusal never interleaves with an answer.

Fed whole, a head costs llhttp one call: httptools joins a header value split across reads by
concatenation (quadratic for a value trickled byte by byte), and uvicorn's URL parser refuses
a URL over 64 KiB, so the target is split at ``?`` here, as uvicorn's h11 protocol splits it.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

import httptools
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from .http_strict import ChunkScan, HeadScan, HeadWithBody, Refused, refuse

REQUEST_LINE = "the request line is not 'method target HTTP/version' with single spaces"
DISAGREE = "the request's framing is ambiguous"


class StrictHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, fed by the scans (see the module's notes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the head limit: uvicorn names its option for h11, sorakg sets it for either protocol
        self.limit: int = self.config.h11_max_incomplete_event_size or 16 * 1024
        self._head = HeadScan(self.limit)  # the head being read
        self._pieces = bytearray()  # a head, or a trailer, read in pieces until complete
        self._body: int | ChunkScan | None = None  # after a head: its body's bytes still to come
        self._held = b""  # what follows a complete request until its answer is written
        self._began = self._ended = False  # llhttp began, ended a message in the last feed
        self._feeding_head = False
        self._closed = False  # the request asked to close: what follows is dropped
        self._lingering: asyncio.TimerHandle | None = None  # a refused connection's close

    # what arrives

    def data_received(self, data: bytes) -> None:
        if self._lingering is not None or self._closed or self.transport.is_closing():
            return  # refused, or after a last request: dropped
        self._unset_keepalive_if_required()
        if self._held:  # an answer is being written: later requests wait for it
            self._held += data
            self.flow.pause_reading()
            return
        self._read(data)

    def _read(self, data: bytes) -> None:
        while data and not self._closed:
            if self.cycle is not None and not self.cycle.response_complete and self._body is None:
                self._held = data  # pipelined: read after this answer (on_response_complete)
                self.flow.pause_reading()
                return
            rest = self._read_head(data) if self._body is None else self._read_body(data)
            if rest is None:
                return  # refused, or upgraded
            data = rest

    def _read_head(self, data: bytes) -> bytes | None:
        taken = self._head.feed(data)
        if self._head.refused is not None:
            self._refuse(self._head.refused, midway=False)
            return None
        if not self._head.done:
            self._pieces += data
            return b""
        head, rest = data[:taken], data[taken:]
        if self._pieces:
            head, self._pieces = bytes(self._pieces + head), bytearray()
        self._head = HeadScan(self.limit)
        end = head.find(b"\r\n")  # the scan found no bare LF
        if head.count(b" ", 0, end) != 2 or head[end - 9 : end - 3] != b" HTTP/":
            self._refuse(Refused(REQUEST_LINE, 400), midway=False)
            return None
        self._feeding_head = True
        fed = self._feed(head, midway=False)
        self._feeding_head = False
        if not fed:
            return None
        if not self._began or self._body is None:  # no head read, or one cut short
            self._refuse(Refused(DISAGREE, 400), midway=False)
            return None
        return rest if self._ends(self._body == 0) else None

    def _read_body(self, data: bytes) -> bytes | None:
        body = self._body
        if isinstance(body, int):
            taken = min(body, len(data))
            self._body = body - taken
            piece, last = data[:taken], self._body == 0
        else:
            assert body is not None
            taken = body.feed(data)
            if body.refused is not None or body.stopped:
                default = Refused("Invalid HTTP request received.", 400)  # uvicorn's sentence
                self._refuse(body.refused or default, midway=True)
                return None
            last = body.done
            # a chunk-size line, and the trailer, are fed once complete, like a head
            hold = body.pending if body.trailer is None or last else -1
            if hold == 0 and not self._pieces:
                piece = data[:taken]
            else:
                self._pieces += data[:taken]
                if hold < 0 or hold == len(self._pieces):
                    return data[taken:]
                cut = len(self._pieces) - hold
                piece = bytes(self._pieces[:cut])
                del self._pieces[:cut]
        if not self._feed(piece, midway=True):
            return None
        return data[taken:] if self._ends(last) else None

    def _feed(self, piece: bytes, midway: bool) -> bool:
        """``piece`` to llhttp; False if the connection is refused or upgraded."""
        self._began = self._ended = False
        try:
            self.parser.feed_data(piece)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():  # a WebSocket, as uvicorn's protocol does
                self.handle_websocket_upgrade()
                return False
            self._unsupported_upgrade_warning()  # another upgrade: an ordinary request
        except httptools.HttpParserError as error:
            cause = error.__context__
            reason = f"Invalid HTTP request received. ({error})"  # uvicorn's, and why
            self._refuse(cause if isinstance(cause, Refused) else Refused(reason, 400), midway)
            return False
        return True

    def _ends(self, last: bool) -> bool:
        """Whether llhttp ended the message where its framing does (``last``), as it must."""
        if self._ended != last:
            self._refuse(Refused(DISAGREE, 400), midway=True)
            return False
        if last:
            self._body = None
            self._closed = self.cycle is not None and not self.cycle.keep_alive
        return True

    def on_response_complete(self) -> None:
        if isinstance(self.cycle.transport, HeadWithBody):
            self.cycle.transport.flush()
        super().on_response_complete()
        if self._held and not self.transport.is_closing():
            held, self._held = self._held, b""
            self._unset_keepalive_if_required()
            self._read(held)

    # llhttp's callbacks

    def on_message_begin(self) -> None:
        if not self._feeding_head or self._began:  # a message where the scans see none
            raise Refused(DISAGREE, 400)
        self._began = True
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value.rstrip(b" \t"))  # h11 strips a value's trailing spaces

    def on_headers_complete(self) -> None:
        hosts, length, codings = 0, 0, []
        for name, value in self.headers:
            if name == b"host":
                hosts += 1
            elif name == b"content-length":
                length = int(value)  # llhttp read it: digits, and one header only
            elif name == b"transfer-encoding":
                codings.append(value.lower())
        version = self.parser.get_http_version()
        if hosts > 1 or (hosts == 0 and version == "1.1"):
            raise Refused("an HTTP/1.1 request needs one Host header", 400)
        if codings and codings != [b"chunked"]:
            raise Refused("the only transfer coding accepted is chunked", 501)
        self._body = ChunkScan(self.limit) if codings else length
        self._start(version)

    def _start(self, version: str) -> None:
        """uvicorn's ``on_headers_complete``, with the target split as its h11 protocol splits
        it (its URL parser refuses a URL over 64 KiB) and the answer's head written with its
        body (:class:`HeadWithBody`)."""
        self.scope["method"] = self.parser.get_method().decode("ascii")
        if version != "1.1":
            self.scope["http_version"] = version
        if self.parser.should_upgrade() and self._should_upgrade():
            return
        raw_path, _, query = self.url.partition(b"?")
        path = raw_path.decode("ascii")
        self.scope["path"] = self.root_path + (urllib.parse.unquote(path) if "%" in path else path)
        self.scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        self.scope["query_string"] = query
        app = self.app
        if self.limit_concurrency is not None and (
            len(self.connections) >= self.limit_concurrency
            or len(self.tasks) >= self.limit_concurrency
        ):
            app = service_unavailable
            self.logger.warning("Exceeded concurrency limit.")
        self.cycle = RequestResponseCycle(
            scope=self.scope,
            transport=HeadWithBody(self.transport),  # type: ignore[arg-type]
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=self.expect_100_continue,
            keep_alive=version != "1.0" and self.parser.should_keep_alive(),
            on_response=self.on_response_complete,
        )
        self._start_asgi_task(self.cycle, app)  # the one before is answered (see _read)

    def on_message_complete(self) -> None:
        self._ended = True
        super().on_message_complete()

    # refusals

    def _refuse(self, refused: Refused, midway: bool) -> None:
        """Answer ``refused`` and close. Between requests: its status and sentence, then a
        lingering close (the client reads the answer). Once the app has the request
        (``midway``: a bad chunk, trailer or framing), it may be answering already: uvicorn's
        own 400 with the reason, as before."""
        if midway:
            self.send_400_response(str(refused))
            return
        self._lingering = refuse(self, refused.error_status_hint, str(refused))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lingering is not None:
            self._lingering.cancel()
        super().connection_lost(exc)
