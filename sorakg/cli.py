"""The ``sorakg`` command: thin calls of the pipeline's functions."""

from __future__ import annotations

import errno
import json
import sys
import time
from enum import Enum, IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sorakg import names as names_
from sorakg.formats import FORMATS, OFFERS
from sorakg.pipeline.build import BuildError, assemble, build, stages
from sorakg.pipeline.progress import StageProgress
from sorakg.release.export import EXPORTED, GRAPHS
from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

if TYPE_CHECKING:
    from sorakg.sparql import catalogue

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


def _error(message: object, code: Exit) -> typer.Exit:
    """Print ``error: …`` as one red line (the message is text, never rich markup) and return
    the exit to raise."""
    err.print(Text("error: " + " ".join(str(message).split()), style="red"), soft_wrap=True)
    return typer.Exit(code)


def _settings(**overrides: object) -> Settings:
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
        raise _error(f"bad setting: {problems}", Exit.USAGE) from None


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


def _fail(error: BuildError) -> None:
    err.print(f"[bold red]{error.stage} failed[/bold red] ({len(error.problems)} problems):")
    for problem in error.problems:
        err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)  # one per line
    raise typer.Exit(Exit.INVALID)


@app.command("build")
def build_command(
    no_reason: Annotated[
        bool,
        typer.Option("--no-reason", help="Skip the consistency check and the inferred graph."),
    ] = False,
    if_changed: Annotated[
        bool,
        typer.Option(
            "--if-changed",
            help="Reuse the current build when the tables, ontology and shapes are unchanged.",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print each step and the counts by class.")
    ] = False,
) -> None:
    """Build the graph from the source tables, validate it, and write build/graph/."""
    from sorakg.release.folder import inputs_digest, reusable_build

    settings = _settings(reason=False) if no_reason else _settings()
    if settings.reason:
        from sorakg.pipeline.hermit import missing_java

        if (why := missing_java()) is not None:  # one line before any work, not a traceback
            raise _error(why, Exit.UNAVAILABLE)
    if if_changed and (manifest := reusable_build(settings)) is not None:
        out.print(
            f"[green]unchanged[/green]: reusing {current_graph_file(settings).parent.resolve()} "
            f"({manifest['stats']['triples']} triples; inputs {inputs_digest(settings)})"
        )
        return
    try:
        started = time.perf_counter()
        with StageProgress(err, stages(settings), verbose) as progress:
            link, built = build(settings, progress)
    except BuildError as error:
        _fail(error)
        return
    except OSError as error:
        if error.errno != errno.ENOSPC and "No space left" not in str(error):
            raise
        where = error.filename or settings.build_dir
        raise _error(
            f"disk full while writing the build ({where}); the previous release is untouched "
            "and the partial one was removed: free some space and build again",
            Exit.DISK_FULL,
        ) from None
    from sorakg.release.stats import graph_stats

    stats = graph_stats(built.graphs)
    if verbose:
        _print_stats(stats)
    by_graph: dict[str, int] = stats["graphs"]  # type: ignore[assignment]
    graphs = ", ".join(f"{name.rsplit('/', 1)[-1]} {count}" for name, count in by_graph.items())
    took = time.perf_counter() - started
    out.print(
        f"[green]built[/green] {stats['triples']} triples ({graphs}) in {took:.0f} s: "
        f"{link.resolve()}",
        soft_wrap=True,  # one line, however narrow the terminal
    )


@app.command("validate")
def validate_command(
    file: Annotated[
        Path | None, typer.Argument(help="An RDF file to check (default: the source tables).")
    ] = None,
) -> None:
    """Check the source tables (or an RDF file) against the shapes; print located problems."""
    if file is None:
        try:
            settings = _settings(reason=False)
            with StageProgress(err, stages(settings) - 1) as progress:  # nothing is written
                assemble(settings, progress)
        except BuildError as error:
            _fail(error)
        out.print(
            "[green]valid[/green]: the source tables build a graph that conforms to the shapes"
        )
        return
    if not file.exists():
        raise _error(f"no such file: {file}", Exit.MISSING)
    from rdflib import Dataset
    from rdflib.util import guess_format

    from sorakg.ontology import ontology_graph
    from sorakg.pipeline.validate import validate_graph

    dataset = Dataset()
    try:
        dataset.parse(file, format=guess_format(str(file)) or "nquads")
    except Exception as error:  # any parser error: report it with the file name
        raise _error(f"{file}: cannot parse: {error}", Exit.INVALID) from error
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
    manifest = current_graph_file(_settings()).parent / "manifest.json"
    if not manifest.exists():
        raise _error("no build yet: run 'sorakg build' first", Exit.MISSING)
    stats = json.loads(manifest.read_text())["stats"]
    if as_json:
        sys.stdout.write(json.dumps(stats, indent=2) + "\n")
    else:
        _print_stats(stats)


def _resolve(names: names_.Names, text: str, expect: names_.Expect, what: str) -> str:
    """The IRI a user's name stands for (:mod:`sorakg.names`: IRI, CURIE, path or label)."""
    try:
        return names.resolve(text, expect=expect, what=what)
    except names_.UnknownName as error:
        raise _error(error, Exit.MISSING) from None
    except names_.AmbiguousName as error:
        raise _error(error, Exit.USAGE) from None


def _open_names(settings: Settings) -> names_.Names:
    """The current build's names index, to resolve what a user types (``query -p``)."""
    from sorakg.release.store import built_file, open_store, release_names
    from sorakg.sparql.catalogue import prefixes_for

    release = built_file(settings).resolve().parent
    prefixes = prefixes_for(settings.base_iri)
    try:
        path = release_names(release, settings.base_iri)
    except OSError as error:  # a release folder we may not write: index it in memory
        from sorakg.release.default_view import default_graphs

        err.print(Text(f"note: cannot write {release}'s names index ({error})", style="dim"))
        store = open_store(settings)
        return names_.from_store(store, settings.base_iri, prefixes, default_graphs(store))
    return names_.Names.open(path, settings.base_iri, prefixes)


def _swapped(names: names_.Names, entity: str, cls: str) -> bool:
    """``explain CLASS ENTITY``: the first names only classes and the second an individual."""
    try:
        names.resolve(entity, names_.INDIVIDUAL)
        return False
    except names_.NamingError:
        pass
    try:
        names.resolve(entity, names_.CLASS)
        names.resolve(cls, names_.INDIVIDUAL)
    except names_.NamingError:
        return False
    return True


@app.command("explain")
def explain_command(
    entity: Annotated[
        str,
        typer.Argument(
            help="Entity: IRI, CURIE (drug:sorafenib), path (drug/sorafenib) or label "
            "(Sorafenib; a drug is preferred over a trial arm of the same name)."
        ),
    ],
    cls: Annotated[
        str,
        typer.Argument(
            help="Class (sk:VEGFRInhibitor, VEGFRInhibitor, 'VEGFR inhibitor') or, with "
            "OBJECT, a property (sk:targetsPathway, 'targets pathway')."
        ),
    ],
    obj: Annotated[
        str | None, typer.Argument(help="For a relation: its object, e.g. pathway/mapk.")
    ] = None,
) -> None:
    """Say why ENTITY is a CLASS (or why ENTITY PROPERTY OBJECT holds), from the asserted facts,
    their evidence and the axioms."""
    from rdflib import URIRef

    from sorakg.loaders.vocab import PREFIXES
    from sorakg.pipeline.explain import Explainer
    from sorakg.release.store import read_build
    from sorakg.sparql import catalogue

    settings = _settings()
    try:
        graphs = read_build(settings)
    except FileNotFoundError as error:
        raise _error(error, Exit.MISSING) from error
    graph = graphs["ontology"] + graphs["asserted"]
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    names = names_.Names.from_triples(
        graph, settings.base_iri, catalogue.prefixes_for(settings.base_iri)
    )
    # the subject and a relation's object are individuals: "VEGFR" is then the molecule
    # molecule:vegfr, not the class sk:VEGFR it shares a name with
    if obj is None and _swapped(names, entity, cls):
        raise _error(
            f"'{entity}' is a class and '{cls}' an entity: the entity comes first "
            f"(sorakg explain '{cls}' '{entity}')",
            Exit.USAGE,
        )
    subject = _resolve(names, entity, names_.INDIVIDUAL, "entity")
    kind = names_.CLASS if obj is None else names_.PROPERTY
    target = _resolve(names, cls, kind, kind.noun)
    explainer = Explainer(graph)
    if obj is None:
        reason = explainer.explain(URIRef(subject), URIRef(target))
        claim = f"{names.show(subject)} is not shown to be {names.show(target)}"
    else:
        other = _resolve(names, obj, names_.INDIVIDUAL, "entity")
        reason = explainer.explain_relation(URIRef(subject), URIRef(target), URIRef(other))
        claim = f"{names.show(subject)} {names.show(target)} {names.show(other)} does not follow"
    if reason is None:
        err.print(Text(f"not entailed: {claim}"), soft_wrap=True)
        raise typer.Exit(Exit.INVALID)
    out.print(str(reason), markup=False, highlight=False, soft_wrap=True)


@app.command("review-inferences")
def review_inferences_command(
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Rewrite loaders/data/reviewed_inferences.csv: new inferences as 'unreviewed' "
            "rows (with the explanation as a suggested reason), accepted rows no longer drawn "
            "removed.",
        ),
    ] = False,
) -> None:
    """Compare the inferred graph with the reviewed list of inferences (exit 1 on a difference)."""
    from sorakg.pipeline.build import inferences
    from sorakg.pipeline.inference_review import (
        FILE_NAME,
        candidates,
        problems,
        read_reviewed,
        suggested_reasons,
        write_reviewed,
    )

    settings = _settings()
    try:
        ontology, facts, inferred = inferences(settings)
    except BuildError as error:
        _fail(error)
        return
    path = settings.data_dir / FILE_NAME
    reviewed = read_reviewed(path, settings.base_iri) if path.exists() else []
    if write:
        reasons = suggested_reasons(inferred, ontology + facts)
        write_reviewed(path, candidates(inferred, reviewed, reasons), settings.base_iri)
        reviewed = read_reviewed(path, settings.base_iri)
        out.print(f"wrote {path}")
    found = problems(inferred, reviewed, settings.base_iri)
    for line in found:
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    if found:
        raise typer.Exit(Exit.INVALID)
    out.print(f"[green]all {len(inferred)} inferred triples reviewed[/green]")


@app.command("lint")
def lint_command(
    check: Annotated[
        bool, typer.Option("--check", help="Only report tables not in canonical form.")
    ] = False,
) -> None:
    """Rewrite the source tables in canonical form (column order, sorted rows)."""
    from sorakg.loaders.lint import lint

    changed = lint(_settings().data_dir, fix=not check)
    for path in changed:
        out.print(f"{'not canonical' if check else 'rewrote'}: {path}")
    if check and changed:
        raise typer.Exit(Exit.INVALID)


# a table on the terminal, or any results format of the registry
ResultFormat = StrEnum(  # type: ignore[misc]
    "ResultFormat", {name: name for name in ("table", *(f.name for f in OFFERS["results"]))}
)
TABLE = ResultFormat("table")


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
    fmt: Annotated[ResultFormat, typer.Option("--format", help="Output format.")] = (TABLE),
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help="A SPARQL endpoint URL instead of the current build "
            "(default: the sparql_endpoint setting, SORAKG_SPARQL_ENDPOINT).",
        ),
    ] = None,
) -> None:
    """Run a named query of the library (or a .rq file) and print its answer."""
    import pyoxigraph

    from sorakg.sparql import catalogue as ql

    if name is None and file is None:
        _print_query_list(ql.list_queries())
        return
    from sorakg.sparql.errors import declare_known_prefixes, shift_lines, short_error

    settings = _settings()
    prefixes = ql.prefixes_for(settings.base_iri)
    raw = dict(_split_param(p) for p in param or [])
    source = ""  # the file's text, read once: run, and searched for prefixes on an error
    declared: list[str] = []  # PREFIX lines added above the file's text
    try:
        if file is not None:
            if not file.exists():
                raise _error(f"no such file: {file}", Exit.MISSING)
            source = file.read_text(encoding="utf-8")
            text, declared = declare_known_prefixes(source, prefixes)
            query = ql.parse_query(text, file.stem, file)
            for line in declared:  # the project's prefixes need no PREFIX line; say so
                err.print(Text(f"note: {file}: assumed {line}", style="dim"))
        else:
            assert name is not None
            query = ql.load_query(name)
        target: pyoxigraph.Store | ql.Endpoint
        names = None
        if endpoint or settings.sparql_endpoint:
            target = ql.Endpoint.from_settings(settings, endpoint)
        else:
            from sorakg.release.store import MissingBuild, open_store

            try:
                target = open_store(settings)
            except MissingBuild as error:
                raise _error(error, Exit.MISSING) from error
            if raw:  # names checked against the graph: a misspelt one is an error, not 0 rows
                names = _open_names(settings)
        notes: list[str] = []
        results = ql.run_query(target, query, raw, prefixes, names, notes)
        for note in notes:  # a name of another kind, read as the one entity it leads to
            err.print(Text(f"note: {note}", style="dim"), soft_wrap=True)
    except ql.UnknownQuery as error:
        raise _error(error, Exit.MISSING) from error
    except ql.ParameterError as error:
        raise _error(error, Exit.USAGE) from error
    except ql.RemoteUnavailable as error:  # the endpoint is down, refuses or times out
        raise _error(str(error), Exit.UNAVAILABLE) from error
    except ql.QueryError as error:
        where, _, message = str(error).partition(": ")
        message = shift_lines(message, -len(declared))  # at the file's own lines
        raise _error(f"{where}: {short_error(message, source, prefixes)}", Exit.INVALID) from error
    if fmt == "table":
        columns, table_rows = ql.rows(results)
        cells = [[ql.shorten(row[c], prefixes) for c in columns] for row in table_rows]
        _print_table(query.title, columns, cells)
        return
    serialized = results.serialize(format=FORMATS[fmt].results)
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


def _print_query_list(queries: list[catalogue.NamedQuery]) -> None:
    table = Table("name", "title", "parameters", title="Named queries (sorakg query NAME)")
    for query in queries:
        params = ", ".join(
            f"{p.name}={p.default}" if p.default is not None else p.name for p in query.parameters
        )
        table.add_row(query.name, query.title, params)
    out.print(table)


# the choices come from the tables the export dispatches on, so the help cannot drift
FormatChoice = Enum("FormatChoice", {name: name for name in EXPORTED}, type=str)  # type: ignore[misc]
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

    settings = _settings()
    try:
        if fmt is None:
            if output is not None:
                raise _error("--output needs --format", Exit.USAGE)
            files = export_files(settings)
        else:
            files = [export_one(settings, fmt.value, graph.value, output)]
    except (FileNotFoundError, MissingGraph) as error:
        raise _error(error, Exit.MISSING) from error
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

    settings = _settings()
    try:
        diff = diff_releases(settings, old, new)
    except UnknownRelease as error:
        raise _error(error, Exit.MISSING) from error
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

    settings = _settings()
    try:
        remote = Remote.from_settings(settings, endpoint)
    except RemoteError as error:
        raise _error(error, Exit.USAGE) from error
    remote.timeout = max(remote.timeout, 300)  # counting a large release takes a while
    remote.update_url = update_endpoint or remote.update_url
    remote.graph_store_url = graph_store or remote.graph_store_url
    chosen = method.value if method else ("gsp" if remote.graph_store_url else "update")

    def progress(message: str) -> None:
        err.print(Text(message, style="dim"))

    try:
        done = publish(settings, remote, chosen, batch, progress)  # type: ignore[arg-type]
    except MissingBuild as error:
        raise _error(error, Exit.MISSING) from error
    except PublishError as error:
        raise _error(f"publish failed: {error}", Exit.INVALID) from error
    finally:
        remote.close()
    for graph, count in done.graphs.items():
        out.print(f"{graph}\t{count} triples", markup=False, highlight=False)
    timings = ", ".join(f"{step} {s:.2f} s" for step, s in done.seconds.items())
    out.print(f"[green]published[/green] release {done.digest} to {remote.query_url} ({timings})")


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
    from sorakg.server.app import run_serve

    settings = _settings()
    where = (host or settings.host, port or settings.port)
    if not (1 <= where[1] <= 65535):
        raise _error(f"--port {where[1]} is not a port (1-65535)", Exit.USAGE)
    if problem := _port_taken(*where):  # before loading anything: fail in a second, not 15
        raise _error(
            f"cannot listen on {where[0]}:{where[1]}: {problem} (another server? "
            f"choose another port: SORAKG_PORT=8001 make serve, or --port 8001)",
            Exit.UNAVAILABLE,
        )
    try:
        run_serve(settings, host=host, port=port)
    except MissingBuild as error:
        raise _error(error, Exit.MISSING) from error


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


if __name__ == "__main__":
    app()
