"""The web application: ``create_app(settings, backend)`` and ``run_serve`` for the CLI."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from sorakg.formats import HTML, NotAcceptable, negotiate
from sorakg.release.store import MissingBuild, built_file
from sorakg.settings import Settings

from . import canned, downloads, linked_data, openapi, page, protocol, search
from .backend import Backend, backend_for, get_backend, get_settings, served_root
from .description import Stats, parse_stats, stats_job, void_description
from .execute import MAXBYTES_HEADER, MAXROWS_HEADER, Job
from .hardening import HeadAsGet, NoAmbiguousLength, TypedErrors
from .pool import WorkerPool
from .resources import Resources

log = logging.getLogger("sorakg.server")


def create_app(
    settings: Settings | None = None,
    backend: Backend | None = None,
    prepare_downloads: bool = False,
) -> FastAPI:
    """The endpoint over ``backend`` (default: the one ``settings`` name, see ``backend_for``).
    With ``prepare_downloads`` the export files are written at start, not at first request."""
    settings = settings or Settings()
    chosen = backend or backend_for(settings)

    # downloads and explanations come from the release the embedded store serves, or in proxy
    # mode from the local build when there is one (the release `sorakg publish` loaded)
    graph_file = chosen.graph_file if isinstance(chosen, WorkerPool) else _local_build(settings)
    resources = Resources(release=graph_file.parent if graph_file else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await chosen.start()
        await _read_stats(app, chosen)  # a store that is down or talks nonsense: /health says so
        if isinstance(chosen, WorkerPool) and chosen.updatable:
            log.warning(
                "SPARQL Update is enabled: updates change a live copy of release %s at %s; they "
                "are durable across restarts, are not written back to the source tables, and a "
                "new build is served without them",
                chosen.graph_file.parent.name if chosen.graph_file else "(none)",
                chosen.live_dir,
            )

            async def refresh_stats() -> None:  # /health, VoID and /sparql follow updates
                reply = await chosen.run(stats_job())
                if reply.status == 200:
                    app.state.stats = parse_stats(reply.body)

            chosen.on_update.append(refresh_stats)
        await downloads.start(resources, settings, prepare_downloads)
        try:
            yield
        finally:
            await chosen.close()

    app = FastAPI(
        title="sorakg SPARQL endpoint",
        summary="The Sorafenib Resistance Knowledge Graph over SPARQL 1.1 and as Linked Data.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # the interactive docs load their scripts from a CDN; /openapi.json stays
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.backend = chosen
    app.state.stats = Stats()
    app.state.store_error = ""
    app.state.resources = resources
    app.add_middleware(protocol.SparqlShortcut)  # innermost: the middlewares below wrap it
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "Authorization"],
        expose_headers=[MAXROWS_HEADER, MAXBYTES_HEADER],
    )
    app.add_middleware(TypedErrors)
    app.add_middleware(HeadAsGet)  # every route below answers HEAD
    app.add_middleware(NoAmbiguousLength)  # outermost: before anything reads the body
    static = files("sorakg.server") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(protocol.router)
    app.include_router(page.router)
    app.include_router(search.router)
    app.include_router(canned.router)
    app.include_router(downloads.router)

    @app.get(
        "/health",
        summary="Liveness and what is served",
        responses={
            503: {
                "description": "degraded: query workers are missing, or the "
                "external store cannot be read"
            }
        },
    )
    async def health(request: Request) -> JSONResponse:
        if request.app.state.store_error:  # try again: the store may be up by now
            await _read_stats(request.app, request.app.state.backend)
        elif settings.sparql_endpoint:  # is the external store still up? (one cheap question)
            alive = await request.app.state.backend.run(Job("query", "ASK {}", format="json"))
            if alive.status != 200:
                message = alive.body.decode("utf-8", "replace").strip()[:300]
                request.app.state.store_error = f"the external store failed: {message}"
        stats: Stats = request.app.state.stats
        body: dict[str, object] = {
            "status": "ok",
            "mode": "proxy" if settings.sparql_endpoint else "embedded",
            "triples": stats.triples,
            "graphs": stats.graphs,
        }
        if request.app.state.store_error:  # the external store is down or talks nonsense
            body["status"], body["error"] = "error", request.app.state.store_error
            return JSONResponse(body, status_code=503)
        if isinstance(chosen, WorkerPool):
            body["workers"] = {"size": chosen.expected, "missing": chosen.missing,
                               "restarts": chosen.restarts}  # fmt: skip
            body["network"] = chosen.isolation()  # how the workers are cut off from it
            if chosen.updatable:
                body["writer"] = chosen.writer_error or "ok"
            if chosen.missing or chosen.writer_error:  # see the log
                body["status"] = "degraded"
                return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    @app.get(
        "/.well-known/void", summary="VoID description of the dataset", response_class=Response
    )
    async def void(
        request: Request,
        settings: Annotated[Settings, Depends(get_settings)],
        _: Annotated[Backend, Depends(get_backend)],
    ) -> Response:
        try:
            fmt = negotiate("description", request.headers.get("accept"),
                            request.query_params.get("format"))  # fmt: skip
        except NotAcceptable as error:
            return Response(str(error), 406, media_type="text/plain")
        if fmt is HTML or fmt.rdf is None:
            fmt = negotiate("graph", None)
        assert fmt.rdf is not None
        root = served_root(request)
        resources: Resources = request.app.state.resources
        updatable = isinstance(chosen, WorkerPool) and chosen.updatable
        # the export's VoID + DCAT, written at build, with this server's URLs
        body = None if updatable else downloads.served_void(resources, settings, root, fmt.rdf)
        if body is None:  # proxy or update mode, or no export yet: what the store's counts tell
            body = void_description(root, settings, request.app.state.stats, fmt.rdf)
        return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})

    app.include_router(linked_data.router)  # last: it answers every other path
    openapi.install(app)
    return app


def _release_stats(backend: Backend) -> Stats | None:
    """The counts the build wrote into the served release's manifest (no scan of the store), if
    the store is the release as built (not in update mode, where updates change it)."""
    if not isinstance(backend, WorkerPool) or backend.graph_file is None or backend.updatable:
        return None
    manifest = backend.graph_file.parent / "manifest.json"
    if not manifest.exists():
        return None
    return Stats(dict(json.loads(manifest.read_text())["stats"]["graphs"]))


def _local_build(settings: Settings) -> Path | None:
    try:
        return built_file(settings).resolve()
    except MissingBuild:
        return None


async def _read_stats(app: FastAPI, backend: Backend) -> None:
    """The counts per graph, or ``app.state.store_error`` saying why they could not be read."""
    stats = _release_stats(backend)
    if stats is not None:
        app.state.stats, app.state.store_error = stats, ""
        return
    reply = await backend.run(stats_job())
    try:
        if reply.status != 200:
            raise ValueError(reply.body.decode("utf-8", "replace").strip()[:300])
        app.state.stats, app.state.store_error = parse_stats(reply.body), ""
    except (ValueError, KeyError, TypeError) as error:
        app.state.stats = Stats()
        app.state.store_error = f"the store's counts could not be read ({reply.status}): {error}"


HEADER_ROOM = 64 * 1024  # for the request line's method, path and the headers besides the query


def run_serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    backend: Backend | None = None,
) -> None:
    """Serve the endpoint (over ``backend``, default: the one ``settings`` name) with uvicorn
    until interrupted."""
    import uvicorn

    # the served base URL (public_url's default) names the address actually listened on
    settings = settings.model_copy(update={"host": host or settings.host,
                                           "port": port or settings.port})  # fmt: skip
    uvicorn.run(
        create_app(settings, backend, prepare_downloads=True),
        log_level="info",
        **uvicorn_options(settings),
    )


def strict_protocol() -> type[asyncio.Protocol]:
    """The strict HTTP/1.1 protocol: over httptools, or over h11 where httptools is missing."""
    try:
        from .http_tools import StrictHttpToolsProtocol
    except ImportError:  # httptools is a C extension: where it cannot be built, h11
        from .http_strict import StrictH11Protocol

        return StrictH11Protocol
    return StrictHttpToolsProtocol


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app (``run_serve``, and the tests that run a real server)."""
    return dict(
        host=settings.host,
        port=settings.port,
        access_log=False,
        # client addresses are never used (no access log; links come from public_url), so the
        # X-Forwarded-* rewriting middleware would only cost time on every request
        proxy_headers=False,
        # llhttp (httptools), strict about line ends, framing and Host, answering 414/431 past
        # the head limit, which leaves room for a GET query string as long as max_body_bytes
        # (then 414); h11 with the same checks where httptools is missing (server/http_tools.py)
        http=strict_protocol(),
        # the head limit, named for h11 by uvicorn; both protocols read it
        h11_max_incomplete_event_size=settings.max_body_bytes + HEADER_ROOM,
        # connections at once (slow senders of headers included): past it, 503 at once
        limit_concurrency=settings.max_connections,
    )
