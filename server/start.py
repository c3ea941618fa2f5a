"""What ``sorakg serve`` does before the web framework is imported: where to listen, whether it
can, and the query workers launched. Shared by the typer command (``sorakg.cli.serve``) and the
command's quick start (``sorakg.entry``), so both check and start alike. Imports neither the web
framework nor the CLI's."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sorakg.server.pool import WorkerPool
    from sorakg.settings import Settings

PORTS = range(1, 65536)


def address(settings: Settings, host: str | None, port: int | None) -> tuple[str, int]:
    """Where to listen: the options given, else the settings' (a port of 0 is not given)."""
    return host or settings.host, port or settings.port


def port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in use, no such address), or None."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return str(error)
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(where)
        except OSError as error:
            return error.strerror or str(error)
    return None


def launched_pool(settings: Settings) -> WorkerPool | None:
    """The embedded store's pool with its query workers already starting (None: a proxy to
    ``sparql_endpoint``). The workers' imports and the web process's (FastAPI's, most of its
    start) then run at once, on two cores, instead of one after the other."""
    if settings.sparql_endpoint:
        return None
    from sorakg.server.pool import WorkerPool  # the engine's modules only, not the web stack

    pool = WorkerPool.for_build(settings)
    pool.launch_readers()
    return pool
