"""The ``sorakg`` command's entry point.

``sorakg serve``, with at most ``--host`` and ``--port``, starts here without the CLI framework:
typer, rich and the other commands' modules cost the web process a tenth of a second of CPU
before its first answer (docs/scaling.md, "Start to first answer"). Everything else goes to the
typer app (:data:`sorakg.cli.app`): every other command, ``--help``, any other spelling of the
options, and a serve that cannot start (a bad setting or port, a port taken, no build), which
the typer command then refuses in its own words and exit codes, having checked the same things
with the same functions (:mod:`sorakg.server.start`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sorakg.server.pool import WorkerPool
    from sorakg.settings import Settings

# serve's options as the typer command declares them (a test holds the two together)
SERVE_OPTIONS: dict[str, type] = {"--host": str, "--port": int}


def main(prog_name: str | None = None) -> None:
    """Run the ``sorakg`` command on ``sys.argv``."""
    args = sys.argv[1:]
    given = serve_arguments(args)
    started = quick_start(*given) if given is not None else None
    if given is None or started is None:
        from sorakg.cli import app

        app(args=args, prog_name=prog_name)
        return
    settings, pool = started
    serve(settings, *given, pool)


def serve_arguments(args: list[str]) -> tuple[str | None, int | None] | None:
    """(host, port) of ``serve [--host H] [--port N]`` (``--name value`` or ``--name=value``,
    each at most once; None where not given), or None for anything else."""
    if args[:1] != ["serve"]:
        return None
    given: dict[str, str] = {}
    rest = iter(args[1:])
    for arg in rest:
        name, equals, value = arg.partition("=")
        if name not in SERVE_OPTIONS or name in given:
            return None
        if not equals:
            value = next(rest, "-")
        if value.startswith("-"):  # a missing value, or one click might read otherwise
            return None
        given[name] = value
    port = given.get("--port")
    if port is not None and not (port.isascii() and port.isdigit()):
        return None
    return given.get("--host"), int(port) if port is not None else None


def quick_start(host: str | None, port: int | None) -> tuple[Settings, WorkerPool | None] | None:
    """The settings and the launched pool, or None where serve cannot start as asked: the
    typer command then says why (so any failure here only hands over to it)."""
    try:
        from sorakg.server.start import PORTS, address, launched_pool, port_taken
        from sorakg.settings import Settings

        settings = Settings()
        where = address(settings, host, port)
        if where[1] not in PORTS or port_taken(*where):
            return None
        return settings, launched_pool(settings)
    except Exception:  # whatever it is, the typer command meets it again and reports it
        return None


def serve(settings: Settings, host: str | None, port: int | None, pool: WorkerPool | None) -> None:
    """Serve until interrupted, as the typer command does once it has started the pool."""
    from sorakg.release.store import MissingBuild
    from sorakg.server.app import run_serve

    try:
        run_serve(settings, host=host, port=port, backend=pool)
    except MissingBuild as error:
        from sorakg.cli.app import Exit, fail_with

        fail_with(error, Exit.MISSING)
        raise SystemExit(Exit.MISSING) from error
    except KeyboardInterrupt:  # as typer ends a command interrupted
        raise SystemExit(130) from None
