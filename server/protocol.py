"""The SPARQL 1.1 Protocol at ``/sparql``: read the request, hand a job to the backend, answer.

- query by GET, by POST form-encoded, by POST ``application/sparql-query``;
- update by POST form-encoded or ``application/sparql-update`` (only when enabled, with token);
- ``default-graph-uri`` / ``named-graph-uri`` from the URL or the form;
- a GET without ``query`` answers the service description.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import weakref
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from sorakg.formats import HTML, NotAcceptable, negotiate
from sorakg.settings import Settings
from sorakg.sparql import text as sparql_text

from . import service_targets, text_check
from .backend import Backend, served_root
from .description import service_description
from .execute import Job, Reply

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message, status_code=status, media_type="text/plain", headers=headers)


def reply_response(reply: Reply) -> Response:
    headers = {"Vary": "Accept", **reply.headers}
    return Response(reply.body, reply.status, headers=headers, media_type=reply.media_type)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, f"request body over the limit of {limit} bytes")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ProtocolError(413, f"request body over the limit of {limit} bytes")
    except ClientDisconnect:  # the connection broke (a framing error): no traceback in the log
        raise ProtocolError(400, "the request's body ended before it was complete") from None
    return bytes(body)


async def read_fields(request: Request, settings: Settings) -> list[tuple[str, str]]:
    """The protocol's parameters, from the URL and (for POST) the body, in order."""
    query_string: bytes = request.scope.get("query_string", b"")
    if len(query_string) > settings.max_body_bytes:  # (not request.url: a URL object per call)
        raise ProtocolError(414, f"query string over the limit of {settings.max_body_bytes} bytes")
    fields = _utf8_pairs(query_string, "the URL's query string")
    if request.method != "POST":
        return fields
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in (FORM, QUERY, UPDATE):
        raise ProtocolError(415, f"use {FORM}, {QUERY} or {UPDATE}, not {media_type!r}")
    raw = await read_body(request, settings.max_body_bytes)
    if media_type == FORM:
        return fields + _utf8_pairs(raw, "the form body")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            400, f"the request body is not valid UTF-8 (byte {error.start})"
        ) from None
    return [*fields, ("query" if media_type == QUERY else "update", body)]


def _utf8_pairs(encoded: bytes, where: str) -> list[tuple[str, str]]:
    """``name=value`` pairs of URL-encoded bytes, whose %-escapes must spell UTF-8 (a 400
    otherwise; Starlette would put U+FFFD in their place and run a different query)."""
    pairs = []
    for field in encoded.split(b"&"):
        if not field:
            continue
        raw_name, _, raw_value = field.partition(b"=")
        name, value = (unquote_to_bytes(raw.replace(b"+", b" ")) for raw in (raw_name, raw_value))
        try:
            pairs.append((name.decode("utf-8"), value.decode("utf-8")))
        except UnicodeDecodeError:
            shown = name.decode("utf-8", "replace")
            raise ProtocolError(400, f"{where}: parameter {shown!r} is not valid UTF-8") from None
    return pairs


# Texts up to this length are checked on the event loop (microseconds); longer ones in a child
# process (``python -m sorakg.server.text_check``), since lexing costs seconds of CPU per MB: on
# the event loop it stalled every client, and in a thread it still held the interpreter lock
# the event loop needs. Two at a time: more long texts wait their turn, the event loop never.
_CHECK_INLINE = 4096
_checkers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)  # one per event loop (tests run several)


def _checked(job: Job, max_nesting: int) -> Job:
    """``job``, or a :class:`ProtocolError` (:func:`text_check.verdict`): 400 too deep, 403
    SERVICE or LOAD refused. Decided before any worker or external store sees the text."""
    status, message = text_check.verdict(job.text, job.op, max_nesting, job.allow_service,
                                         job.allow_load)  # fmt: skip
    if status != 200:
        raise ProtocolError(status, message)
    return job


async def checked(job: Job, settings: Settings) -> Job:
    """:func:`_checked`, in a child process for long texts so that the event loop stays free."""
    if len(job.text) <= _CHECK_INLINE:
        return await _service_targets(_checked(job, settings.max_nesting), settings)
    flags = [job.op, str(settings.max_nesting), str(job.allow_service), str(job.allow_load)]
    loop = asyncio.get_running_loop()
    async with _checkers.setdefault(loop, asyncio.Semaphore(2)):
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sorakg.server.text_check", *flags,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            answer, _ = await child.communicate(job.text.encode("utf-8", "surrogatepass"))
        finally:  # the client went away meanwhile: the check is not needed any more
            if child.returncode is None:
                child.kill()
                await child.wait()
    if child.returncode != 0:
        raise ProtocolError(503, "the text could not be checked; try again")
    status, _, message = answer.decode().partition(" ")
    if status != "200":
        raise ProtocolError(int(status), message)
    return await _service_targets(job, settings)


async def _service_targets(job: Job, settings: Settings) -> Job:
    """With SERVICE allowed, every target must be a public address or a listed host."""
    if job.allow_service and sparql_text.may_use(job.text, "SERVICE"):
        try:
            await service_targets.check(job.text, settings.service_allowed_hosts)
        except service_targets.Refused as error:
            raise ProtocolError(403, str(error)) from None
    return job


def graph_iris(values: dict[str, list[str]], name: str) -> tuple[str, ...]:
    """The ``default-graph-uri`` / ``named-graph-uri`` values, each an absolute IRI (else 400)."""
    iris = values.get(name, [])
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise ProtocolError(400, f"{name}: not an absolute IRI: {iri!r} ({error})") from None
    return tuple(iris)


def _check_token(request: Request, settings: Settings) -> None:
    if not settings.update_enabled or settings.update_token is None:
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is disabled")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.update_token.get_secret_value().encode()
    # compared as bytes: compare_digest refuses non-ASCII str (a 500 before), any bytes will do
    given = token.strip().encode("utf-8", "surrogateescape")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given, expected):
        raise ProtocolError(401, "an update needs 'Authorization: Bearer <update_token>'",
                            {"WWW-Authenticate": 'Bearer realm="sparql-update"'})  # fmt: skip


_ROUTE = dict(
    summary="SPARQL 1.1 Protocol endpoint",
    response_class=Response,
    responses={
        200: {"description": "query results, negotiated by Accept or `format`"},
        400: {"description": "the query does not parse; the message gives line and column"},
        403: {"description": "update, SERVICE or LOAD refused by this endpoint's settings"},
        406: {"description": "no acceptable format"},
        413: {"description": "request body over the limit"},
        415: {"description": "unsupported POST content type"},
        503: {"description": "the query ran over the time limit, or the workers are busy"},
    },
)


@router.get("/sparql", operation_id="sparql_get", **_ROUTE)  # type: ignore[arg-type]
@router.post("/sparql", operation_id="sparql_post", **_ROUTE)  # type: ignore[arg-type]
async def sparql(request: Request) -> Response:
    """Query by GET/POST (`query`, `default-graph-uri`, `named-graph-uri`, `format`),
    update by POST (`update`); a GET without `query` gives the service description."""
    backend: Backend = request.app.state.backend
    settings: Settings = request.app.state.settings
    try:
        fields = await read_fields(request, settings)
        values: dict[str, list[str]] = {}
        for name, value in fields:
            values.setdefault(name, []).append(value)
        queries, updates = values.get("query", []), values.get("update", [])
        if len(queries) + len(updates) > 1:
            raise ProtocolError(400, "send exactly one 'query' or one 'update'")
        accept = request.headers.get("accept")
        endpoint = f"{served_root(request)}sparql"  # the base of relative IRIs in the text
        # every `format` value, in order (SPARQLWrapper sends a name, then media types)
        format_param = ",".join(values["format"]) if values.get("format") else None
        if updates:
            if request.method != "POST":
                raise ProtocolError(405, "an update must be sent by POST", {"Allow": "POST"})
            _check_token(request, settings)
            job = Job("update", updates[0], allow_load=settings.allow_load,
                      allow_service=settings.allow_service, base_iri=endpoint)  # fmt: skip
            return reply_response(await backend.update(await checked(job, settings)))
        if not queries:
            if request.method == "POST":
                raise ProtocolError(400, "no 'query' or 'update' in the request")
            return _description(request, settings, accept, format_param)
        job = Job(
            "query",
            queries[0],
            accept=accept,
            format=format_param,
            default_graphs=graph_iris(values, "default-graph-uri"),
            named_graphs=graph_iris(values, "named-graph-uri"),
            max_rows=settings.max_rows,
            allow_service=settings.allow_service,
            base_iri=endpoint,
        )
        return reply_response(await backend.run(await checked(job, settings)))
    except ProtocolError as error:
        return _text(error.status, str(error), error.headers)


def _description(
    request: Request, settings: Settings, accept: str | None, format_param: str | None
) -> Response:
    try:
        fmt = negotiate("description", accept, format_param)
    except NotAcceptable as error:
        return _text(406, str(error))
    if fmt is HTML:
        return RedirectResponse("/query", status_code=303)
    endpoint = f"{served_root(request)}sparql"
    assert fmt.rdf is not None
    body = service_description(endpoint, settings, request.app.state.stats, fmt.rdf)
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


_METHODS = ("GET", "POST")
ALLOW = (
    "GET, POST, HEAD, OPTIONS"  # HEAD arrives as GET (HeadAsGet); OPTIONS is CORS's or the router's
)


class SparqlShortcut:
    """Sends ``/sparql`` requests straight to :func:`sparql`, past FastAPI's routing, exception
    middleware and dependency solving: most of the web layer's CPU on a cheap query (measured
    in docs/endpoint.md). Added as the innermost middleware, so every middleware of the app
    (HEAD, CORS, nosniff, the 500 handler) still wraps it; the route stays registered, for
    ``/openapi.json`` and for OPTIONS, which CORS answers before it gets here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/sparql" and scope["method"] == "OPTIONS":
            # not a CORS preflight (CORSMiddleware answers those first): what the route allows
            await Response(status_code=204, headers={"Allow": ALLOW})(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == "/sparql" and scope["method"] in _METHODS:
            response = await sparql(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
