"""The release's commands: export, diff, publish (to an external store)."""

from __future__ import annotations

import json
import sys
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from sorakg.cli.app import Exit, app, err, fail_with, out, settings_or_exit
from sorakg.formats import OFFERS
from sorakg.release.folder import GRAPHS

# the choices come from the tables the export dispatches on, so the help cannot drift
FormatChoice = Enum("FormatChoice", {f.name: f.name for f in OFFERS["export"]}, type=str)  # type: ignore[misc]
GraphChoice = Enum("GraphChoice", {name: name for name in GRAPHS}, type=str)  # type: ignore[misc]
ALL_GRAPHS = GraphChoice("all")


@app.command("export")
def export_command(
    fmt: Annotated[
        FormatChoice | None,
        typer.Option(
            "--format", help="One RDF format (default: every format, plus mappings and metadata)."
        ),
    ] = None,
    graph: Annotated[
        GraphChoice, typer.Option("--graph", help="Which named graphs to export.")
    ] = ALL_GRAPHS,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="File to write (default: dist/sorakg-GRAPH.EXT)."),
    ] = None,
) -> None:
    """Export the current build into dist/: RDF in every format, SSSOM, VoID/DCAT, ontology HTML."""
    from sorakg.release.export import MissingGraph, export_files, export_one

    settings = settings_or_exit()
    try:
        if fmt is None:
            if output is not None:
                raise fail_with("--output needs --format", Exit.USAGE)
            files = export_files(settings)
        else:
            files = [export_one(settings, fmt.value, graph.value, output)]
    except (FileNotFoundError, MissingGraph) as error:
        raise fail_with(error, Exit.MISSING) from error
    for file in files:
        sys.stdout.write(f"{file.sha256}  {file.path}\n")


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="The older release: a folder, a digest, or current.")],
    new: Annotated[
        str, typer.Argument(help="The newer release: a folder, a digest, or current.")
    ] = "current",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """What changed between two releases: facts added, removed and changed, each with its source
    row and evidence (releases are folders under build/releases, named by digest)."""
    from sorakg.release.diff import UnknownRelease, as_text, diff_releases
    from sorakg.sparql import catalogue

    settings = settings_or_exit()
    try:
        diff = diff_releases(settings, old, new)
    except UnknownRelease as error:
        raise fail_with(error, Exit.MISSING) from error
    if as_json:
        sys.stdout.write(json.dumps(diff.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(as_text(diff, catalogue.prefixes_for(settings.base_iri)))


class PublishMethod(StrEnum):
    oxigraph = "oxigraph"
    gsp = "gsp"
    update = "update"


@app.command("publish")
def publish_command(
    endpoint: Annotated[
        str | None,
        typer.Option(help="The store's SPARQL query URL (default: the sparql_endpoint setting)."),
    ] = None,
    update_endpoint: Annotated[
        str | None,
        typer.Option(
            help="Its SPARQL Update URL (default: sparql_update_endpoint, else the query URL)."
        ),
    ] = None,
    graph_store: Annotated[
        str | None,
        typer.Option(help="Its Graph Store Protocol URL (default: sparql_graph_store)."),
    ] = None,
    method: Annotated[
        PublishMethod | None,
        typer.Option(
            help="oxigraph: one N-Quads POST to Oxigraph's /store; gsp: Graph Store Protocol, one "
            "POST per graph; update: INSERT DATA batches (default: gsp with a Graph Store URL, "
            "else update)."
        ),
    ] = None,
    batch: Annotated[
        int,
        typer.Option(
            min=1,
            help="Triples per INSERT DATA (method update); Virtuoso 7.2 fails near 5,000.",
        ),
    ] = 1000,
) -> None:
    """Load the current build into an external SPARQL store, one named graph per graph, replacing
    the previous copy in one switch, and check the counts. Credentials come from the
    sparql_auth_* settings (environment or sorakg.toml), never from the command line."""
    from sorakg.release.store import MissingBuild
    from sorakg.sparql.publish import PublishError, publish
    from sorakg.sparql.remote import Remote, RemoteError

    settings = settings_or_exit()
    try:
        remote = Remote.from_settings(settings, endpoint)
    except RemoteError as error:
        raise fail_with(error, Exit.USAGE) from error
    remote.timeout = max(remote.timeout, 300)  # counting a large release takes a while
    remote.update_url = update_endpoint or remote.update_url
    remote.graph_store_url = graph_store or remote.graph_store_url
    chosen = method.value if method else ("gsp" if remote.graph_store_url else "update")

    def progress(message: str) -> None:
        err.print(Text(message, style="dim"))

    try:
        done = publish(settings, remote, chosen, batch, progress)  # type: ignore[arg-type]
    except MissingBuild as error:
        raise fail_with(error, Exit.MISSING) from error
    except PublishError as error:
        raise fail_with(f"publish failed: {error}", Exit.INVALID) from error
    finally:
        remote.close()
    for graph, count in done.graphs.items():
        out.print(f"{graph}\t{count} triples", markup=False, highlight=False)
    timings = ", ".join(f"{step} {s:.2f} s" for step, s in done.seconds.items())
    out.print(f"[green]published[/green] release {done.digest} to {remote.query_url} ({timings})")
