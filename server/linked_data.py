"""Linked Data: every entity IRI under the base IRI dereferences on this server.

``GET /drug/sorafenib`` describes ``{base_iri}drug/sorafenib``: an HTML page for a browser, or
the same description in any RDF format of the page offer (:data:`sorakg.formats.OFFERS`) by
``Accept`` or by extension (``/drug/sorafenib.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.n3``,
``.trig``, ``.nq``). The description is one CONSTRUCT run
through the backend (so it obeys the same timeout): the entity's facts in both directions, the
labels of everything it touches, and its evidence with the cited references. No match → 404.
The HTML page is laid out by :mod:`sorakg.server.entity_html`, imported by the first page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from sorakg.formats import HTML, NTRIPLES, OFFERS, Format, NotAcceptable, by_extension, negotiate
from sorakg.loaders.prefixes import prefixes
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.bindings import with_values

from . import entity_window as paging
from .backend import ENTITY, Backend, get_backend, get_settings, served_root
from .canned import names_for
from .error_pages import did_you_mean, error_page, wants_html
from .execute import Job

router = APIRouter()

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
    from .entity_html import entity_page  # the pages' modules: on the first page, not at start

    return await entity_page(
        request, backend, settings, iri, path, triples, window, number, headers
    )


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
