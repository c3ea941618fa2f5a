"""sorakg serve: the endpoint over the current build."""

from __future__ import annotations

from typing import Annotated

import typer

from sorakg.cli.app import Exit, app, fail_with, settings_or_exit
from sorakg.server.start import PORTS, address, launched_pool, port_taken

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
    where = address(settings, host, port)
    if where[1] not in PORTS:
        raise fail_with(f"--port {where[1]} is not a port (1-65535)", Exit.USAGE)
    if problem := port_taken(*where):  # before loading anything: fail in a second, not 15
        raise fail_with(
            f"cannot listen on {where[0]}:{where[1]}: {problem} (another server? "
            f"choose another port: SORAKG_PORT=8001 make serve, or --port 8001)",
            Exit.UNAVAILABLE,
        )
    try:
        pool = launched_pool(settings)  # before the web framework is imported: see there
        from sorakg.server.app import run_serve

        run_serve(settings, host=host, port=port, backend=pool)
    except MissingBuild as error:
        raise fail_with(error, Exit.MISSING) from error
