"""The ``sorakg`` command: thin calls of the pipeline's functions."""

from __future__ import annotations

import json
import sys
from enum import Enum, IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from sorakg.build import BuildError, assemble, build, current_graph_file
from sorakg.export import FORMATS, GRAPHS
from sorakg.settings import Settings

if TYPE_CHECKING:
    from sorakg import querylib

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
        bool,
        typer.Option("--no-reason", help="Skip the consistency check and the inferred graph."),
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


def _resolve(graph: object, text: str, base: str, kind: str) -> str:
    """An IRI from what a user types: a full IRI, ``sk:Name``, ``Name``, ``drug/x`` or a label."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    from sorakg.loaders.vocab import SK

    assert isinstance(graph, Graph)
    if text.startswith(("http://", "https://")):
        return text
    if kind == "class":
        local = text.removeprefix("sk:")
        if local.isidentifier() and (SK[local], None, None) in graph:
            return str(SK[local])
    elif (URIRef(base + text), None, None) in graph:
        return base + text
    for subject in graph.subjects(RDFS.label, Literal(text, lang="en")):
        return str(subject)
    err.print(f"[red]unknown {kind}:[/red] {text}")
    raise typer.Exit(Exit.MISSING)


@app.command("explain")
def explain_command(
    entity: Annotated[str, typer.Argument(help="Entity: IRI, path like drug/sorafenib, or label.")],
    cls: Annotated[
        str, typer.Argument(help="Class (sk:VEGFRInhibitor, label) or, with OBJECT, a property.")
    ],
    obj: Annotated[
        str | None, typer.Argument(help="For a relation: its object, e.g. pathway/mapk.")
    ] = None,
) -> None:
    """Say why ENTITY is a CLASS (or why ENTITY PROPERTY OBJECT holds), from the asserted facts,
    their evidence and the axioms."""
    from rdflib import URIRef

    from sorakg.explain import Explainer
    from sorakg.loaders.vocab import PREFIXES
    from sorakg.store import read_build

    settings = Settings()
    try:
        graphs = read_build(settings)
    except FileNotFoundError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(Exit.MISSING) from error
    graph = graphs["ontology"] + graphs["asserted"]
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    subject = _resolve(graph, entity, settings.base_iri, "entity")
    target = _resolve(graph, cls, settings.base_iri, "class")  # a class or a property: sk terms
    explainer = Explainer(graph)
    if obj is None:
        reason = explainer.explain(URIRef(subject), URIRef(target))
        claim = f"<{subject}> is not shown to be a <{target}>"
    else:
        other = _resolve(graph, obj, settings.base_iri, "entity")
        reason = explainer.explain_relation(URIRef(subject), URIRef(target), URIRef(other))
        claim = f"<{subject}> <{target}> <{other}> does not follow"
    if reason is None:
        err.print(f"not entailed: {claim}")
        raise typer.Exit(Exit.INVALID)
    out.print(str(reason), markup=False, highlight=False, soft_wrap=True)


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


class ResultFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


SERIALIZERS = {
    ResultFormat.csv: "CSV",
    ResultFormat.tsv: "TSV",
    ResultFormat.json: "JSON",
}


def _split_param(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise typer.BadParameter(f"'{text}' is not key=value", param_hint="--param")
    return key.strip(), value


@app.command("query")
def query_command(
    name: Annotated[
        str | None, typer.Argument(help="A query of the library; omit it to list them.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter as key=value; repeat for several."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Run this .rq file instead.")
    ] = None,
    fmt: Annotated[ResultFormat, typer.Option("--format", help="Output format.")] = (
        ResultFormat.table
    ),
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="A SPARQL endpoint URL instead of the current build."),
    ] = None,
) -> None:
    """Run a named query of the library (or a .rq file) and print its answer."""
    import pyoxigraph

    from sorakg import querylib as ql

    if name is None and file is None:
        _print_query_list(ql.list_queries())
        return
    settings = Settings()
    prefixes = ql.prefixes_for(settings.base_iri)
    raw = dict(_split_param(p) for p in param or [])
    try:
        if file is not None:
            if not file.exists():
                err.print(f"[red]no such file:[/red] {file}")
                raise typer.Exit(Exit.MISSING)
            query = ql.load_query_file(file)
        else:
            assert name is not None
            query = ql.load_query(name)
        target: pyoxigraph.Store | ql.Endpoint
        if endpoint:
            target = ql.Endpoint(endpoint)
        else:
            from sorakg.store import MissingBuild, open_store

            try:
                target = open_store(settings)
            except MissingBuild as error:
                err.print(f"[red]{error}[/red]")
                raise typer.Exit(Exit.MISSING) from error
        results = ql.run_query(target, query, raw, prefixes)
    except ql.UnknownQuery as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(Exit.MISSING) from error
    except ql.ParameterError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(Exit.USAGE) from error
    except ql.QueryError as error:
        err.print(f"[red]{error}[/red]", markup=False)
        raise typer.Exit(Exit.INVALID) from error
    if fmt is ResultFormat.table:
        columns, table_rows = ql.rows(results)
        cells = [[ql.shorten(row[c], prefixes) for c in columns] for row in table_rows]
        _print_table(query.title, columns, cells)
        return
    serialized = results.serialize(format=getattr(pyoxigraph.QueryResultsFormat, SERIALIZERS[fmt]))
    sys.stdout.write(serialized.decode("utf-8") if serialized else "")


def _print_table(title: str, columns: list[str], cells: list[list[str]]) -> None:
    """A table that fits: in a terminal, long cells wrap (never cut to "drug:ax…"); piped or
    redirected, the table is as wide as its widest row, so every value is whole."""
    table = Table(*columns, title=title)
    for column in table.columns:
        column.overflow = "fold"
    for row in cells:
        table.add_row(*row)
    console = out
    if not out.is_terminal:
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        console = Console(width=max(80, sum(widths) + 3 * len(widths) + 1), soft_wrap=False)
    console.print(table, markup=False, highlight=False)


def _print_query_list(queries: list[querylib.NamedQuery]) -> None:
    table = Table("name", "title", "parameters", title="Named queries (sorakg query NAME)")
    for query in queries:
        params = ", ".join(
            f"{p.name}={p.default}" if p.default is not None else p.name for p in query.parameters
        )
        table.add_row(query.name, query.title, params)
    out.print(table)


# the choices come from the tables the export dispatches on, so the help cannot drift
FormatChoice = Enum("FormatChoice", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
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
    from sorakg.export import MissingGraph, export_files, export_one

    settings = Settings()
    try:
        if fmt is None:
            if output is not None:
                err.print("[red]--output needs --format[/red]")
                raise typer.Exit(Exit.USAGE)
            files = export_files(settings)
        else:
            files = [export_one(settings, fmt.value, graph.value, output)]
    except (FileNotFoundError, MissingGraph) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(Exit.MISSING) from error
    for file in files:
        sys.stdout.write(f"{file.sha256}  {file.path}\n")


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


if __name__ == "__main__":
    app()
