"""The questions: query (a named query or a .rq file, here or on an endpoint) and explain."""

from __future__ import annotations

import shlex
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from sorakg import names as names_
from sorakg.cli.app import Exit, app, err, fail_with, out, settings_or_exit
from sorakg.formats import FORMATS, OFFERS

if TYPE_CHECKING:
    from sorakg.sparql import catalogue, paging


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
    from sorakg.pipeline.explain import SwappedArguments, explain_named, explanation_graph
    from sorakg.release.store import read_build
    from sorakg.sparql import catalogue

    settings = settings_or_exit()
    try:
        graphs = read_build(settings)
    except FileNotFoundError as error:
        raise fail_with(error, Exit.MISSING) from error
    graph = explanation_graph(graphs)
    names = names_.Names.from_triples(
        graph, settings.base_iri, catalogue.prefixes_for(settings.base_iri)
    )
    try:
        answer = explain_named(graph, names, entity, cls, obj)
    except SwappedArguments as error:
        raise fail_with(error, Exit.USAGE) from None
    except names_.UnknownName as error:
        raise fail_with(error, Exit.MISSING) from None
    except names_.AmbiguousName as error:
        raise fail_with(error, Exit.USAGE) from None
    if answer.reason is None:
        err.print(Text(f"not entailed: {answer.claim}"), soft_wrap=True)
        raise typer.Exit(Exit.INVALID)
    out.print(str(answer.reason), markup=False, highlight=False, soft_wrap=True)


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
    page: Annotated[
        str | None, typer.Option("--page", help="A paged query's page, from 1 (default 1).")
    ] = None,
    limit: Annotated[
        str | None,
        typer.Option("--limit", help="Items per page of a paged query (default: its own)."),
    ] = None,
) -> None:
    """Run a named query of the library (or a .rq file) and print its answer; a paged query
    prints one page and says how to ask for the next."""
    from sorakg.sparql import catalogue as ql

    if name is None and file is None:
        _print_query_list(ql.list_queries())
        return
    from sorakg.sparql.errors import declare_known_prefixes, shift_lines, short_error

    settings = settings_or_exit()
    prefixes = ql.prefixes_for(settings.base_iri)
    raw = dict(_split_param(p) for p in param or [])
    source = ""  # the file's text, read once: run, and searched for prefixes on an error
    declared: list[str] = []  # PREFIX lines added above the file's text
    try:
        if file is not None:
            if not file.exists():
                raise fail_with(f"no such file: {file}", Exit.MISSING)
            source = file.read_text(encoding="utf-8")
            text, declared = declare_known_prefixes(source, prefixes)
            query = ql.parse_query(text, file.stem, file)
            for line in declared:  # the project's prefixes need no PREFIX line; say so
                err.print(Text(f"note: {file}: assumed {line}", style="dim"))
        else:
            assert name is not None
            query = ql.load_query(name)
        from sorakg.release.store import MissingBuild
        from sorakg.sparql.targets import query_target

        try:
            target = query_target(settings, endpoint, with_names=bool(raw))
        except MissingBuild as error:
            raise fail_with(error, Exit.MISSING) from error
        for note in target.notes:
            err.print(Text(f"note: {note}", style="dim"))
        notes: list[str] = []
        asked = ql.page_of(query, page, limit)
        results = ql.run_named(
            target.store,
            query,
            raw,
            prefixes,
            target.names,
            notes,
            asked or ql.FIRST,
            settings.base_iri,  # the release's graphs are named under it
        )
        for note in notes:  # a name of another kind, read as the one entity it leads to
            err.print(Text(f"note: {note}", style="dim"), soft_wrap=True)
    except ql.UnknownQuery as error:
        raise fail_with(error, Exit.MISSING) from error
    except ql.ParameterError as error:
        raise fail_with(error, Exit.USAGE) from error
    except ql.RemoteUnavailable as error:  # the endpoint is down, refuses or times out
        raise fail_with(str(error), Exit.UNAVAILABLE) from error
    except ql.QueryError as error:
        where, _, message = str(error).partition(": ")
        message = shift_lines(message, -len(declared))  # at the file's own lines
        raise fail_with(
            f"{where}: {short_error(message, source, prefixes)}", Exit.INVALID
        ) from error
    sent = 0  # rows printed: a full page says how to ask for the next
    if fmt == "table":
        columns, table_rows = ql.rows(results)
        cells = [[ql.shorten(row[c], prefixes) for c in columns] for row in table_rows]
        _print_table(query.title, columns, cells)
        sent = len(table_rows)
    else:
        if asked is not None:  # counted for the next page's line, then printed
            results, sent = _counted(results)
        serialized = results.serialize(format=FORMATS[fmt].results) or b""
        sys.stdout.write(serialized.decode("utf-8"))
    if asked is not None:
        _say_next(query.name if file is None else f"--file {file}", param or [], asked, sent)


def _counted(results: catalogue.Results) -> tuple[catalogue.Results, int]:
    """The results again (a page: few rows, written once more) and how many rows they hold."""
    import pyoxigraph

    json = pyoxigraph.QueryResultsFormat.JSON
    written = results.serialize(format=json) or b""
    counted = pyoxigraph.parse_query_results(written, format=json)
    rows = 1 if isinstance(counted, pyoxigraph.QueryBoolean) else len(list(counted))
    return pyoxigraph.parse_query_results(written, format=json), rows


def _say_next(what: str, params: list[str], page: paging.Page, rows: int) -> None:
    """On stderr (stdout stays the answer): which page this was, and the command for the next;
    nothing when the first page is the whole answer."""
    if rows < page.size and page.number == 1:
        return
    line = f"page {page.number}, {page.size} per page"
    if rows >= page.size:  # a full page: there may be more
        args = "".join(f" -p {shlex.quote(p)}" for p in params)
        line += f"; next: sorakg query {what}{args} --page {page.number + 1} --limit {page.size}"
    else:
        line += "; the last page"
    err.print(Text(line, style="dim"), soft_wrap=True)


def _print_table(title: str, columns: list[str], cells: list[list[str]]) -> None:
    """A table that fits: in a terminal, long cells wrap (never cut to "drug:ax…"); piped or
    redirected, the table is as wide as its widest row, so every value is whole."""
    from rich.table import Table  # a command that prints one: not every start of sorakg

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
    from rich.table import Table  # a command that prints one: not every start of sorakg

    table = Table("name", "title", "parameters", title="Named queries (sorakg query NAME)")
    for query in queries:
        params = ", ".join(
            f"{p.name}={p.default}" if p.default is not None else p.name for p in query.parameters
        )
        table.add_row(query.name, query.title, params)
    out.print(table)
