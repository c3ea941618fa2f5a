"""The ``sorakg`` command's app, consoles and exit codes, shared by the command modules."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from sorakg.settings import Settings

if TYPE_CHECKING:  # the build's modules load rdflib and the tables: only commands that build
    from sorakg.pipeline.build import BuildError

app = typer.Typer(
    help="Sorafenib Resistance Knowledge Graph: build, check and inspect the graph.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
out = Console()


class Exit(IntEnum):
    """Exit codes (the README's command table lists them per command)."""

    OK = 0
    INVALID = 1  # the data or graph failed a check; a query is not valid SPARQL
    USAGE = 2  # typer's own code for bad arguments, and a bad setting (SORAKG_PORT=abc)
    MISSING = 3  # an input file, build, query or entity does not exist
    UNAVAILABLE = 4  # the port to serve on is taken; the --endpoint cannot be reached; no java
    DISK_FULL = 5  # the disk filled while writing a build (the previous release is untouched)


def fail_with(message: object, code: Exit) -> typer.Exit:
    """Print ``error: …`` as one red line (the message is text, never rich markup) and return
    the exit to raise."""
    err.print(Text("error: " + " ".join(str(message).split()), style="red"), soft_wrap=True)
    return typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    """The settings, or one line naming the bad one (``SORAKG_PORT=abc``), exit 2."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'} (SORAKG_"
            f"{str(e['loc'][0]).upper() if e['loc'] else ''}={e.get('input')!r}): {e['msg']}"
            for e in error.errors()
        )
        raise fail_with(f"bad setting: {problems}", Exit.USAGE) from None


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"sorakg {version('sorakg')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Sorafenib Resistance Knowledge Graph: build, check and inspect the graph."""


def build_failed(error: BuildError) -> None:
    err.print(f"[bold red]{error.stage} failed[/bold red] ({len(error.problems)} problems):")
    for problem in error.problems:
        err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)  # one per line
    raise typer.Exit(Exit.INVALID)
