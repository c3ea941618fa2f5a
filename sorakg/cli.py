"""The ``sorakg`` command: thin calls of the pipeline's functions."""

from __future__ import annotations

import json
import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sorakg.build import BuildError, assemble, build, current_graph_file
from sorakg.settings import Settings

app = typer.Typer(
    help="Sorafenib Resistance Knowledge Graph: build, check and inspect the graph.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
out = Console()


class Exit(IntEnum):
    OK = 0
    INVALID = 1  # the data or graph failed a check
    USAGE = 2  # typer's own code for bad arguments
    MISSING = 3  # an input file or build does not exist


def _progress(message: str) -> None:
    err.print(f"[dim]{message}[/dim]")


def _fail(error: BuildError) -> None:
    err.print(f"[bold red]{error.stage} failed[/bold red] ({len(error.problems)} problems):")
    for problem in error.problems:
        err.print(f"  {problem}", markup=False, highlight=False)
    raise typer.Exit(Exit.INVALID)


@app.command("build")
def build_command(
    no_reason: Annotated[
        bool, typer.Option("--no-reason", help="Skip the HermiT consistency check.")
    ] = False,
) -> None:
    """Build the graph from the source tables, validate it, and write build/graph/."""
    settings = Settings(reason=not no_reason) if no_reason else Settings()
    try:
        link, built = build(settings, _progress)
    except BuildError as error:
        _fail(error)
        return
    from sorakg.stats import graph_stats

    _print_stats(graph_stats(built.graphs))
    out.print(f"[green]wrote[/green] {link.resolve()}")


@app.command("validate")
def validate_command(
    file: Annotated[
        Path | None, typer.Argument(help="An RDF file to check (default: the source tables).")
    ] = None,
) -> None:
    """Check the source tables (or an RDF file) against the shapes; print located problems."""
    if file is None:
        try:
            assemble(Settings(reason=False), _progress)
        except BuildError as error:
            _fail(error)
        out.print(
            "[green]valid[/green]: the source tables build a graph that conforms to the shapes"
        )
        return
    if not file.exists():
        err.print(f"[red]no such file:[/red] {file}")
        raise typer.Exit(Exit.MISSING)
    from rdflib import Dataset
    from rdflib.util import guess_format

    from sorakg.ontology import ontology_graph
    from sorakg.validate import validate_graph

    dataset = Dataset()
    try:
        dataset.parse(file, format=guess_format(str(file)) or "nquads")
    except Exception as error:  # any parser error: report it with the file name
        err.print(f"[red]{file}: cannot parse:[/red] {error}")
        raise typer.Exit(Exit.INVALID) from error
    from rdflib import Graph

    union = Graph()
    for triple in dataset.triples((None, None, None)):
        union.add(triple)
    union += ontology_graph()  # shapes need the class hierarchy
    violations = validate_graph(union)
    for violation in violations:
        err.print(str(violation), markup=False, highlight=False)
    if violations:
        err.print(f"[red]{len(violations)} violations[/red]")
        raise typer.Exit(Exit.INVALID)
    out.print(f"[green]valid[/green]: {file} conforms to the shapes")


def _print_stats(stats: dict) -> None:  # type: ignore[type-arg]
    graphs = Table("graph", "triples", title="Triples by graph")
    for name, count in stats["graphs"].items():
        graphs.add_row(name, str(count))
    graphs.add_row("[bold]total[/bold]", f"[bold]{stats['triples']}[/bold]")
    classes = Table("class", "instances", title="Instances by class")
    for name, count in stats["classes"].items():
        classes.add_row(name, str(count))
    out.print(graphs, classes)


@app.command("stats")
def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Counts by class and graph for the current build."""
    manifest = current_graph_file(Settings()).parent / "manifest.json"
    if not manifest.exists():
        err.print("[red]no build yet:[/red] run 'sorakg build' first")
        raise typer.Exit(Exit.MISSING)
    stats = json.loads(manifest.read_text())["stats"]
    if as_json:
        sys.stdout.write(json.dumps(stats, indent=2) + "\n")
    else:
        _print_stats(stats)


@app.command("lint")
def lint_command(
    check: Annotated[
        bool, typer.Option("--check", help="Only report tables not in canonical form.")
    ] = False,
) -> None:
    """Rewrite the source tables in canonical form (column order, sorted rows)."""
    from sorakg.loaders.lint import lint

    changed = lint(Settings().data_dir, fix=not check)
    for path in changed:
        out.print(f"{'not canonical' if check else 'rewrote'}: {path}")
    if check and changed:
        raise typer.Exit(Exit.INVALID)


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve the current build over SPARQL 1.1 and as Linked Data (see docs/endpoint.md)."""
    from sorakg.server.app import run_serve
    from sorakg.store import MissingBuild

    try:
        run_serve(Settings(), host=host, port=port)
    except MissingBuild as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(Exit.MISSING) from error
