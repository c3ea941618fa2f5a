"""Canned queries: the query library (``queries/*.rq``) on the web, like datasette's.

``GET /queries`` lists them (HTML, or JSON by ``Accept``/``format``). ``GET /queries/NAME``
runs one: its parameters come from the URL (``?drug=drug:sorafenib``), are checked and turned
into RDF terms by :mod:`sorakg.sparql.catalogue`, and reach the store as bound terms, never as query
text. The answer is negotiated like ``/sparql`` (JSON, XML, CSV, TSV; ``format=csv`` for
browsers); a browser gets a page with the query, a form for its parameters and the results.
The query runs through the backend, so it obeys the same timeout and row cap as ``/sparql``.
A paged query (``docs/queries.md``, "Paged listings") answers one page, ``?page=N&limit=K``
(the first at its own page size by default; ``limit`` at most ``max_page_size``), with ``Link``
headers to the first, previous and next pages.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from sorakg.formats import HTML, JSON, NotAcceptable, negotiate
from sorakg.names import Names
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.paging import ARGUMENTS, Page

from .backend import Backend, get_backend, get_settings, served_root
from .error_pages import error_page, wants_html
from .execute import Job
from .labels import Linker, fetch_labels
from .page import templates
from .page_links import link_header, page_url, pages, rows_in
from .pool import WorkerPool

log = logging.getLogger(__name__)
router = APIRouter()
RESERVED = catalogue.RESERVED | set(ARGUMENTS)  # request arguments that are not query parameters


def _describe(query: catalogue.NamedQuery, root: str) -> dict[str, object]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "tags": list(query.tags),
        "url": f"{root}queries/{query.name}",
        "page_size": query.page_size,
        "parameters": [
            {
                "name": p.name,
                "kind": str(p.kind),
                "default": p.default,
                "required": p.required,
                "description": p.description,
            }
            for p in query.parameters
        ],
    }


@router.get("/queries", response_class=Response, summary="The named queries")
async def list_canned(request: Request) -> Response:
    queries = catalogue.list_queries()
    try:
        fmt = negotiate("canned", request.headers.get("accept"), request.query_params.get("format"))
    except NotAcceptable as error:
        return Response(str(error), 406, media_type="text/plain")
    if fmt is HTML:
        html = templates().get_template("queries.html").render(queries=queries)
        return HTMLResponse(html, headers={"Vary": "Accept"})
    root = served_root(request)
    body = json.dumps([_describe(q, root) for q in queries], indent=2)
    # a listing, not query results: plain JSON (JSON.media_type is SPARQL results JSON)
    return Response(body, media_type="application/json", headers={"Vary": "Accept"})


@router.get(
    "/queries/{name}",
    response_class=Response,
    summary="Run a named query with parameters from the URL",
    responses={
        400: {"description": "a parameter is unknown, missing or malformed"},
        404: {"description": "no query of that name"},
    },
)
async def run_canned(
    name: str,
    request: Request,
    backend: Annotated[Backend, Depends(get_backend)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    try:
        query = catalogue.load_query(name)
    except catalogue.UnknownQuery as error:
        if wants_html(request):
            return error_page(404, "No such named query", f"{error}", _queries_like(name))
        return Response(f"{error} (the list: /queries)", 404, media_type="text/plain")
    raw = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    # an empty form field means "not given", as on the CLI
    kinds = {p.name: p.kind for p in query.parameters}
    raw = {k: v for k, v in raw.items() if v.strip() or kinds.get(k, "string") == "string"}
    prefixes = catalogue.prefixes_for(settings.base_iri)
    notes: list[str] = []  # a name of another kind read as the entity it leads to
    asked = {a: request.query_params.get(a) or None for a in ARGUMENTS}  # empty: not given
    try:
        fmt = negotiate("canned", request.headers.get("accept"), request.query_params.get("format"))
        page = catalogue.page_of(query, asked["page"], asked["limit"], settings.max_page_size)
        names = await names_for(request) if raw else None
        if names is None:
            bound = catalogue.bind(query, raw, prefixes)
        else:  # index lookups, and a did-you-mean's scan: off the event loop
            bound = await run_in_threadpool(catalogue.bind, query, raw, prefixes, names, notes)
        # bound here, once; the graphs named under the release's base
        text = catalogue.bound_text(query, bound, page, settings.base_iri)
    except NotAcceptable as error:
        return Response(str(error), 406, media_type="text/plain")
    except catalogue.ParameterError as error:
        if fmt is not HTML:
            return Response(str(error), 400, media_type="text/plain")
        html = templates().get_template("canned.html").render(
            query=query,
            values={p.name: raw.get(p.name, p.default or "") for p in query.parameters},
            error=str(error), head=[], rows=[], boolean=None, query_string="",
            link=Linker({}, prefixes, settings.base_iri), heading=heading,
        )  # fmt: skip
        return HTMLResponse(html, 400)  # the form stays, with the message above it
    job = Job(
        "query",
        text,
        format=(JSON if fmt is HTML else fmt).name,
        max_rows=settings.max_rows,
        allow_service=settings.allow_service,
    )
    reply = await backend.run(job)
    headers = {"Vary": "Accept", **reply.headers}
    url, arguments = (
        f"{served_root(request)}queries/{query.name}",
        request.query_params.multi_items(),
    )
    if page is not None and reply.status == 200:
        rows_sent = rows_in(reply.body, JSON if fmt is HTML else fmt)
        headers.update(link_header(url, arguments, page, rows_sent))
    if notes:  # e.g. "trial 'tivantinib' is a drug …: read as trial:NCT00988741 …"
        headers["Sorakg-Note"] = quote(" | ".join(notes), safe=" ,;:()'/|")
    if fmt is not HTML or reply.status != 200:
        return Response(reply.body, reply.status, headers=headers, media_type=reply.media_type)
    results = json.loads(reply.body)
    rows = results.get("results", {}).get("bindings", [])
    iris = [cell["value"] for row in rows for cell in row.values() if cell.get("type") == "uri"]
    prefixes = catalogue.prefixes_for(settings.base_iri)
    linker = Linker(await fetch_labels(backend, iris), prefixes, settings.base_iri)
    html = (
        templates()
        .get_template("canned.html")
        .render(
            query=query,
            values={p.name: raw.get(p.name, p.default or "") for p in query.parameters},
            head=shown_columns(results.get("head", {}).get("vars", [])),
            rows=rows,
            link=linker,
            heading=heading,
            boolean=results.get("boolean"),
            query_string=request.url.query,
            notes=notes,
            pages=_page_links(page, len(rows), arguments),
        )
    )
    return HTMLResponse(html, headers=headers)


def _page_links(
    page: Page | None, rows: int, arguments: list[tuple[str, str]]
) -> dict[str, object]:
    """What the HTML page says of its page: its number and size, and its neighbours' links."""
    if page is None:
        return {}
    found: dict[str, object] = {"number": page.number, "size": page.size}
    for rel, number in pages(page, rows).items():
        if rel != "first" or page.number > 1:
            found[rel] = page_url("", arguments, page, number)
    return found


def _queries_like(name: str) -> list[tuple[str, str]]:
    """The named queries whose names are nearest to ``name``, as (title, path)."""
    import difflib

    library = {q.name: q for q in catalogue.list_queries()}
    near = difflib.get_close_matches(name, list(library), n=5, cutoff=0.5)
    return [(library[n].title, f"/queries/{n}") for n in near]


def heading(variable: str) -> str:
    """A column header from a variable name: ``statisticLabel`` → "statistic"."""
    words = variable.removesuffix("Label") or variable
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in words)
    return out.strip().replace("_", " ")


def shown_columns(head: list[str]) -> list[str]:
    """The columns a page shows: ``drugLabel`` is left out beside ``drug``, whose link already
    reads "Sorafenib" (CSV and JSON keep both)."""
    return [v for v in head if not (v.endswith("Label") and v.removesuffix("Label") in head)]


_OPENING = asyncio.Lock()


async def names_for(request: Request) -> Names | None:
    """The graph's names index, for arguments given as a label, path, acronym or identifier.

    Serving a release as built, it is the release's ``names.sqlite`` (written by ``sorakg
    build``, or once here for an older release), opened on first use: lookups read an index on
    disk at any size of graph. A proxied endpoint or a store that takes updates has no such
    file: its names are read once through the backend (bounded by the backend's answer size,
    so a name past the cut stays a CURIE-only name there)."""
    cached = getattr(request.app.state, "names", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    backend, settings = request.app.state.backend, request.app.state.settings
    async with _OPENING:
        cached = getattr(request.app.state, "names", None)
        if cached is None:
            cached = await _open_names(backend, settings)
            request.app.state.names = cached
    return cached


async def _open_names(backend: Backend, settings: Settings) -> Names | None:
    prefixes = catalogue.prefixes_for(settings.base_iri)
    if isinstance(backend, WorkerPool) and backend.graph_file and not backend.updatable:
        from sorakg.release.store import release_names

        release = backend.graph_file.parent
        try:
            path = await run_in_threadpool(release_names, release, settings.base_iri)
            return Names.open(path, settings.base_iri, prefixes)
        except OSError as error:  # an older release in a folder we may not write
            log.warning("no names index for %s (%s): reading the names through the pool",
                        release, error)  # fmt: skip
    reply = await backend.run(
        Job("query", catalogue.page_query("names").sparql, format=JSON.name, max_rows=200_000)
    )
    if reply.status != 200:
        return None  # CURIEs and IRIs still work
    rows = json.loads(reply.body)["results"]["bindings"]
    triples = [(r["s"]["value"], r["p"]["value"], r["o"]["value"]) for r in rows]
    return await run_in_threadpool(Names.from_triples, triples, settings.base_iri, prefixes)
