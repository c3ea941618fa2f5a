"""Linked Data: every entity IRI under the base IRI dereferences on this server.

``GET /drug/sorafenib`` describes ``{base_iri}drug/sorafenib``: an HTML page for a browser, or
the same description in any RDF format of the page offer (:data:`sorakg.formats.OFFERS`) by
``Accept`` or by extension (``/drug/sorafenib.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.n3``,
``.trig``, ``.nq``). The description is one CONSTRUCT run
through the backend (so it obeys the same timeout): the entity's facts in both directions, the
labels of everything it touches, and its evidence with the cited references. No match → 404.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from rdflib import URIRef

from sorakg.formats import HTML, NTRIPLES, OFFERS, Format, NotAcceptable, by_extension, negotiate
from sorakg.pipeline.explain import Reason
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.bindings import with_values

from . import entity_context as context
from .backend import ENTITY, Backend, get_backend, get_settings, served_root
from .canned import names_for
from .downloads import Resources, explanations
from .entity_view import RDF_TYPE, SK, entity_view
from .execute import Job
from .labels import Linker
from .page import templates

router = APIRouter()

ENTITY_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sk: <https://w3id.org/sorakg/ontology#>
CONSTRUCT {
  ?entity ?p ?o . ?s ?q ?entity . ?n rdfs:label ?label .
  ?evidence ?ep ?eo . ?reference ?rp ?ro .
}
WHERE {
  { ?entity ?p ?o }
  UNION { ?s ?q ?entity }
  UNION {
    { ?entity ?p1 ?n } UNION { ?n ?p2 ?entity } UNION { ?entity ?n ?o3 } UNION { ?s4 ?n ?entity }
    UNION { ?evidence0 sk:evidenceFor ?entity ; ?n ?o5 }
    UNION { ?evidence1 sk:evidenceFor ?entity ; ?p6 ?n }
    ?n rdfs:label ?label
  }
  UNION { ?evidence sk:evidenceFor ?entity ; ?ep ?eo }
  UNION { ?evidence2 sk:evidenceFor ?entity ; sk:cites ?reference . ?reference ?rp ?ro }
}
"""

PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sk": "https://w3id.org/sorakg/ontology#",
}


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
        text = with_values(ENTITY_QUERY, {ENTITY: ox.NamedNode(iri)})
    except ValueError:  # "/drug/a%20b", "/%C2%83": no IRI of this graph is spelt so
        return Response(f"not an IRI of this graph: {iri!r}", 404, media_type="text/plain")
    job = Job("query", text, format=NTRIPLES.name, max_rows=settings.max_rows, page=True)
    reply = await backend.run(job)
    if reply.status != 200:
        return Response(reply.body, reply.status, media_type=reply.media_type)
    # sorted, so the page is the same whatever order the store (embedded or external) answers in
    triples = sorted(
        (q.triple for q in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)), key=str
    )
    if not triples:
        return await _not_found(request, iri, path, settings)
    headers = {"Vary": "Accept", "Link": _alternates(request, path)}
    if fmt is not HTML:
        assert fmt.rdf is not None
        body = ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES)
        return Response(body, media_type=fmt.media_type, headers=headers)
    reasons, inferred = await _explanations(request.app.state.resources, settings, iri, triples)
    names = {r["node"]: r["name"] for r in await context.select(backend, context.NAMES, iri)}
    prefixes = catalogue.prefixes_for(settings.base_iri)
    view = entity_view(iri, triples, settings.base_iri, names, prefixes, inferred)
    outcomes: list[context.Outcome] = []
    extras: list[str] = []
    trials: list[dict[str, str]] = []
    if view.kind == "trial":
        rows = await context.select(backend, context.OUTCOMES, iri)
        outcomes, extras = context.outcomes(rows, settings.base_iri)
    if view.kind in ("drug", "intervention"):
        trials = await context.select(backend, context.TRIALS, iri)
    html = (
        templates()
        .get_template("entity.html")
        .render(
            view=view,
            iri=iri,
            request_path="/" + path,
            why=context.explanations(reasons),
            outcomes=outcomes,
            extras=extras,
            trials=trials,
            pictures=[
                picture
                for picture in (
                    context.outcome_chart(f"Outcomes of {view.label}", outcomes),
                    context.hazard_plot(f"Hazard ratios in {view.label}", outcomes),
                    context.neighbourhood(view),
                )
                if picture
            ],
            link=Linker({}, prefixes, settings.base_iri),
        )
    )
    return HTMLResponse(html, headers=headers)


async def _explanations(
    resources: Resources, settings: Settings, iri: str, triples: list[ox.Triple]
) -> tuple[list[Reason], set[tuple[str, str]]]:
    """Why each class and relation the reasoner added to the entity holds, and the (property,
    value) pairs it added (from the local
    release; in proxy mode without a local build there is none)."""
    loaded = await explanations(resources, settings)
    if loaded is None:
        return [], set()
    explainer, asserted = loaded
    found = []
    inferred: set[tuple[str, str]] = set()
    for t in sorted(triples, key=str):
        if t.subject != ox.NamedNode(iri) or not isinstance(t.object, ox.NamedNode):
            continue
        s, p, o = URIRef(iri), URIRef(t.predicate.value), URIRef(t.object.value)
        if (s, p, o) in asserted:
            continue
        inferred.add((t.predicate.value, t.object.value))
        if t.predicate.value == RDF_TYPE:
            found.append(explainer.explain(s, o))
        elif t.predicate.value.startswith(SK):
            found.append(explainer.explain_relation(s, p, o))
    return [reason for reason in found if reason is not None], inferred


async def _not_found(request: Request, iri: str, path: str, settings: Settings) -> Response:
    """A path that differs from an entity's only by case (``/drug/Sorafenib``) redirects to it;
    any other unknown path is a 404 that names the nearest entities."""
    names = await names_for(request)
    if names is None:
        return Response(f"no entity <{iri}> in this graph", 404, media_type="text/plain")
    found = await run_in_threadpool(names.canonical, iri)
    if found is not None and found != iri and found.startswith(settings.base_iri):
        suffix = request.url.path[request.url.path.rfind(path) + len(path) :]  # ".ttl" or ""
        target = served_root(request) + found[len(settings.base_iri) :] + suffix
        return RedirectResponse(target, 301, headers={"Vary": "Accept"})
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
