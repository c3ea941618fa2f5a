"""Linked Data: every entity IRI under the base IRI dereferences on this server.

``GET /drug/sorafenib`` describes ``{base_iri}drug/sorafenib``: an HTML page for a browser, or
the same description in any RDF format of the page offer (:data:`sorakg.formats.OFFERS`) by
``Accept`` or by extension (``/drug/sorafenib.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.n3``,
``.trig``, ``.nq``). The description is one CONSTRUCT run
through the backend (so it obeys the same timeout): the entity's facts in both directions, the
labels of everything it touches, and its evidence with the cited references. No match → 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from sorakg.formats import HTML, NTRIPLES, OFFERS, Format, NotAcceptable, by_extension, negotiate
from sorakg.loaders.prefixes import prefixes
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.bindings import with_values

from . import entity_context as context
from . import entity_sections, sections
from . import entity_window as paging
from .backend import ENTITY, Backend, get_backend, get_settings, served_root
from .backend import select as backend_select
from .canned import names_for
from .entity_view import RDF_TYPE, SK, entity_view
from .error_pages import did_you_mean, error_page, wants_html
from .execute import Job
from .labels import Linker
from .page import templates
from .resources import ontology

if TYPE_CHECKING:  # explanations load rdflib: on first use only
    from rdflib import Graph

    from sorakg.pipeline.explain import Reason

router = APIRouter()
EXPLAINED_RECORDS = 50  # the review's own entities have fewer: their explanations are whole

PREFIXES = prefixes("rdf", "rdfs", "skos", "sk")


def entity_iri(path: str, settings: Settings) -> str:
    """The IRI a request path names: ``{base_iri}{path}``, with the base's own path optional."""
    base_path = urlsplit(settings.base_iri).path.lstrip("/")
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :]
    return settings.base_iri + path


def _split_extension(path: str) -> tuple[str, Format | None]:
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and (fmt := by_extension("page", extension)) is not None:
        return stem, fmt
    return path, None


@router.get(  # HEAD too, as for every route (server/hardening.py): clients check IRIs so
    "/{path:path}",
    response_class=Response,
    summary="Linked Data page of an entity (HTML, or any RDF format by Accept or suffix)",
    responses={404: {"description": "no entity with this IRI"}},
)
async def entity(
    path: str,
    request: Request,
    backend: Annotated[Backend, Depends(get_backend)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    path, fmt = _split_extension(path)
    iri = entity_iri(path, settings)
    if fmt is None:
        try:
            fmt = negotiate("page", request.headers.get("accept"))
        except NotAcceptable as error:
            return Response(str(error), 406, media_type="text/plain")
    try:
        ox.NamedNode(iri)
        number, size = paging.parse(request.query_params.get("page"),
                                    request.query_params.get("size"))  # fmt: skip
    except paging.BadPage as error:
        return Response(str(error), 400, media_type="text/plain")
    except ValueError:  # "/drug/a%20b", "/%C2%83": no IRI of this graph is spelt so
        return Response(f"not an IRI of this graph: {iri!r}", 404, media_type="text/plain")
    window = await paging.window(backend, iri, number, size)
    if window is None:
        return Response("the query for the page failed", 503, media_type="text/plain")
    text = paging.with_members(catalogue.page_query("entity").sparql, paging.description(window))
    text = with_values(text, {ENTITY: ox.NamedNode(iri)})
    job = Job("query", text, format=NTRIPLES.name, max_rows=settings.max_rows, page=True)
    reply = await backend.run(job)
    if reply.status != 200:
        return Response(reply.body, reply.status, media_type=reply.media_type)
    # sorted, so the page is the same whatever order the store (embedded or external) answers in
    triples = sorted(
        (q.triple for q in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)), key=str
    )
    if not triples or (number > 1 and not window.evidence and not window.referring):
        return await _not_found(request, iri, path, settings)
    headers = {"Vary": "Accept", "Link": _alternates(request, path)}
    if window.has_next:  # the next page of the same form (".ttl" stays ".ttl")
        suffix = request.url.path[request.url.path.rfind(path) + len(path) :]
        target = served_root(request).rstrip("/") + f"/{path}{suffix}{window.query(number + 1)}"
        headers["Link"] += f', <{target}>; rel="next"'
    if fmt is not HTML:
        assert fmt.rdf is not None
        body = ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES)
        return Response(body, media_type=fmt.media_type, headers=headers)
    reasons, inferred, by_class = await _explanations(request, settings, iri, triples, window)
    around = sorted(
        {
            t.object.value
            for t in triples
            if t.subject == ox.NamedNode(iri) and isinstance(t.object, ox.NamedNode)
        }
    )
    named = paging.with_members(catalogue.page_query("node-names").sparql,
                                {"node": around + window.referring})  # fmt: skip
    found = await backend_select(backend, named, 2000, {ENTITY: ox.NamedNode(iri)}) or []
    names = {r["node"]: r["name"] for r in found}
    prefixes = catalogue.prefixes_for(settings.base_iri)
    view = entity_view(iri, triples, settings.base_iri, names, prefixes, inferred)
    outcomes: list[context.Outcome] = []
    extras: list[str] = []
    if view.kind == "trial":
        rows = await context.select(backend, "trial-outcomes", iri)
        outcomes, extras = context.outcomes(rows, settings.base_iri)
    books = await sections.bibliography(backend)
    link = Linker({}, prefixes, settings.base_iri)
    page_sections, quotes = await entity_sections.build(
        backend, view.kind, iri, entity_sections.Page(settings.base_iri), books,
        lambda c: link.href(c) or "", more=(ev for outcome in outcomes for ev in outcome.evidence),
    )  # fmt: skip
    context.quote_outcomes(outcomes, quotes)
    if view.kind in ("drug", "intervention"):
        entity_sections.add_inferred_classes(page_sections, view, by_class)
    html = (
        templates()
        .get_template("entity.html")
        .render(
            view=view,
            iri=iri,
            window=window,
            by_relation=await context.select(backend, "evidence-by-relation", iri),
            next_href=f"/{path}{window.query(number + 1)}" if window.has_next else "",
            request_path="/" + path,
            why=context.explanations(reasons),
            outcomes=outcomes,
            extras=extras,
            sections=page_sections,
            publications=list(books.publications.values()),
            year=books.year,
            status_text=sections.status_text,
            quoted_records=entity_sections.RECORDS_PER_ROW,
            pictures=[
                picture
                for picture in (
                    context.outcome_chart(f"Outcomes of {view.label}", outcomes),
                    context.hazard_plot(f"Hazard ratios in {view.label}", outcomes),
                    context.neighbourhood(view, page_sections),
                )
                if picture
            ],
            link=link,
        )
    )
    return HTMLResponse(html, headers=headers)


def _around(iri: str, triples: list[ox.Triple]) -> list[str]:
    """The IRIs the entity points at."""
    entity = ox.NamedNode(iri)
    return sorted(
        {
            t.object.value
            for t in triples
            if t.subject == entity and isinstance(t.object, ox.NamedNode)
        }
    )


async def _explanations(
    request: Request, settings: Settings, iri: str, triples: list[ox.Triple], window: paging.Window
) -> tuple[list[Reason], set[tuple[str, str]], dict[str, Reason]]:
    """Why each class and relation the reasoner added to the entity holds, the (property,
    value) pairs it added, and the reason for each added class (from the local release; in
    proxy mode without a local build there is none). The explainer walks the ontology and the
    asserted facts around the entity (``explain-context.rq``), with the page's evidence."""
    base = await ontology(request.app.state.resources, settings)
    if base is None:
        return [], set(), {}
    entity = ox.NamedNode(iri)
    around = _around(iri, triples)
    # the page's first records: an explanation quotes a few of the statements it rests on
    members = {"nb": around, "ev": window.evidence[:EXPLAINED_RECORDS], "self": [iri, *around]}
    text = paging.with_members(catalogue.page_query("explain-context").sparql, members)
    asserted = ox.NamedNode(f"{settings.base_iri}graph/asserted")
    text = with_values(text, {ENTITY: entity, ox.Variable("asserted"): asserted})
    job = Job("query", text, format=NTRIPLES.name, max_rows=settings.max_rows, page=True)
    reply = await request.app.state.backend.run(job)
    if reply.status != 200:
        return [], set(), {}
    return await run_in_threadpool(_explain, base, reply.body, iri, triples)


def _explain(
    base: Graph, context: bytes, iri: str, triples: list[ox.Triple]
) -> tuple[list[Reason], set[tuple[str, str]], dict[str, Reason]]:
    from rdflib import Graph, URIRef  # loaded with the explanations

    from sorakg.pipeline.explain import Explainer

    graph = Graph()
    graph += base
    graph.parse(data=context, format="nt")
    explainer = Explainer(graph)
    found: list[Reason | None] = []
    inferred: set[tuple[str, str]] = set()
    classes: dict[str, Reason] = {}
    for t in sorted(triples, key=str):
        if t.subject != ox.NamedNode(iri) or not isinstance(t.object, ox.NamedNode):
            continue
        s, p, o = URIRef(iri), URIRef(t.predicate.value), URIRef(t.object.value)
        if (s, p, o) in graph:  # asserted: every asserted fact of the entity is in the context
            continue
        inferred.add((t.predicate.value, t.object.value))
        if t.predicate.value == RDF_TYPE:
            found.append(explainer.explain(s, o))
            if found[-1] is not None:
                classes[t.object.value] = found[-1]
        elif t.predicate.value.startswith(SK):
            found.append(explainer.explain_relation(s, p, o))
    return [reason for reason in found if reason is not None], inferred, classes


async def _not_found(request: Request, iri: str, path: str, settings: Settings) -> Response:
    """A path that differs from an entity's only by case (``/drug/Sorafenib``) redirects to it;
    any other unknown path is a 404 that names the nearest entities."""
    message = f"no entity <{iri}> in this graph"
    names = await names_for(request)
    found = await run_in_threadpool(names.canonical, iri) if names is not None else None
    if found is not None and found != iri and found.startswith(settings.base_iri):
        suffix = request.url.path[request.url.path.rfind(path) + len(path) :]  # ".ttl" or ""
        target = served_root(request) + found[len(settings.base_iri) :] + suffix
        return RedirectResponse(target, 301, headers={"Vary": "Accept"})
    if wants_html(request):  # a person: the site's page with the nearest names and a search box
        suggestions = await run_in_threadpool(did_you_mean, names, iri, settings.base_iri)
        probe = path.rsplit("/", 1)[-1].replace("-", " ")
        return error_page(404, "No such page", message, suggestions, probe)
    if names is None:
        return Response(message, 404, media_type="text/plain")
    near = await run_in_threadpool(names.near, iri)
    root = served_root(request).rstrip("/")
    shown = [
        f"{root}/{n[len(settings.base_iri) :]}" for n in near if n.startswith(settings.base_iri)
    ]
    hint = f"; did you mean {' or '.join(shown)}?" if shown else ""
    return Response(f"no entity <{iri}> in this graph{hint}", 404, media_type="text/plain")


def _alternates(request: Request, path: str) -> str:
    root = served_root(request).rstrip("/")
    return ", ".join(
        f'<{root}/{path}.{fmt.extension}>; rel="alternate"; type="{fmt.media_type}"'
        for fmt in OFFERS["page"]
        if fmt is not HTML
    )
