"""ASGI middlewares that hold for every route, so no route can forget them.

- ``HEAD`` is answered as ``GET`` without the body (RFC 9110, 9.3.2): FastAPI's GET routes do
  not answer HEAD, which then fell through to the Linked Data catch-all (404), while link
  checkers and Linked Data clients send HEAD.
- Every answer carries ``X-Content-Type-Options: nosniff``, and an error without a
  ``Content-Type`` gets ``text/plain; charset=utf-8``: error bodies may echo the request
  (a download name), and a browser must not sniff them as HTML and run what they echo.
- A request with both ``Content-Length`` and ``Transfer-Encoding`` is refused (400, and the
  connection closed): h11 reads it as chunked, while a front proxy that trusts
  ``Content-Length`` would read another request into its body (request smuggling). llhttp, the
  parser served, refuses it before the app; this holds under any server the app runs in.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PLAIN = b"text/plain; charset=utf-8"


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the GET's body is not sent; Content-Length stays as GET's
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class TypedErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def typed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                names = {k.lower() for k, _ in headers}
                if message["status"] >= 400 and b"content-type" not in names:
                    headers.append((b"content-type", PLAIN))
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, typed)


class NoAmbiguousLength:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            names = {name.lower() for name, _ in scope["headers"]}
            if b"content-length" in names and b"transfer-encoding" in names:
                body = b"Content-Length and Transfer-Encoding together are refused"
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", PLAIN), (b"connection", b"close"),
                                        (b"content-length", str(len(body)).encode())]})  # fmt: skip
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
