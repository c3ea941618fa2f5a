"""An entity's HTML page (``server/linked_data.py`` answers the RDF forms): its description
laid out by kind, the evidence, the outcomes' charts, and why the reasoner added what it added.

Imported by the first page asked for, not at start: a server that only answers ``/sparql``
never loads the templates, the charts or the sections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from sorakg.formats import NTRIPLES
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.bindings import with_values

from . import entity_context as context
from . import entity_sections, sections
from . import entity_window as paging
from .backend import ENTITY, Backend
from .backend import select as backend_select
from .entity_view import RDF_TYPE, SK, entity_view
from .execute import Job
from .labels import Linker
from .page import templates
from .resources import ontology

if TYPE_CHECKING:  # explanations load rdflib: on first use only
    from rdflib import Graph

    from sorakg.pipeline.explain import Reason

EXPLAINED_RECORDS = 50  # the review's own entities have fewer: their explanations are whole


async def entity_page(
    request: Request,
    backend: Backend,
    settings: Settings,
    iri: str,
    path: str,
    triples: list[ox.Triple],
    window: paging.Window,
    number: int,
    headers: dict[str, str],
) -> HTMLResponse:
    """The page of the entity ``iri`` (at ``path``) described by ``triples``: page ``number``
    of its evidence (``window``)."""
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
