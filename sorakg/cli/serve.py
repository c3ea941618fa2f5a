"""sorakg serve: the endpoint over the current build."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sorakg.cli.app import Exit, app, fail_with, settings_or_exit
from sorakg.settings import Settings

if TYPE_CHECKING:
    from sorakg.server.pool import WorkerPool

SERVE_HELP = (
    "Serve the current build over SPARQL 1.1 and as Linked Data (see docs/endpoint.md).\n\n"
    "Read-only unless update_enabled (with update_token): SPARQL Update then changes a live "
    "copy of the served release (build/live/<digest>/), durable across restarts and kill -9, "
    "never written back to the source tables and not carried into a new build; every update "
    "must name its graph (GRAPH <…> or WITH <…>)."
)


@app.command("serve", help=SERVE_HELP)
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the current build over SPARQL 1.1 and as Linked Data (see docs/endpoint.md)."""
    from sorakg.release.store import MissingBuild

    settings = settings_or_exit()
    where = (host or settings.host, port or settings.port)
    if not (1 <= where[1] <= 65535):
        raise fail_with(f"--port {where[1]} is not a port (1-65535)", Exit.USAGE)
    if problem := _port_taken(*where):  # before loading anything: fail in a second, not 15
        raise fail_with(
            f"cannot listen on {where[0]}:{where[1]}: {problem} (another server? "
            f"choose another port: SORAKG_PORT=8001 make serve, or --port 8001)",
            Exit.UNAVAILABLE,
        )
    try:
        pool = _launched_pool(settings)  # before the web framework is imported: see there
        from sorakg.server.app import run_serve

        run_serve(settings, host=host, port=port, backend=pool)
    except MissingBuild as error:
        raise fail_with(error, Exit.MISSING) from error


def _launched_pool(settings: Settings) -> WorkerPool | None:
    """The embedded store's pool with its query workers already starting (None: a proxy to
    ``sparql_endpoint``). The workers' imports and the web process's (FastAPI's, most of its
    start) then run at once, on two cores, instead of one after the other."""
    if settings.sparql_endpoint:
        return None
    from sorakg.server.pool import WorkerPool  # the engine's modules only, not the web stack

    pool = WorkerPool.for_build(settings)
    pool.launch_readers()
    return pool


def _port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in use, no such address), or None."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return str(error)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            return error.strerror or str(error)
    return None
