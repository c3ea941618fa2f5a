"""The ontology's documentation as HTML (pyLODE), and the ontology itself by media type.

The server serves ``/ontology``, choosing by ``Accept`` among :data:`REPRESENTATIONS`: HTML for a
browser, Turtle, N-Triples, RDF/XML or JSON-LD for an RDF client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rdflib import Graph

from sorakg.serialize import canonical

HTML = "text/html"


class _InsertionOrderedSet(dict[object, None]):
    """A set that iterates in insertion order (what pyLODE needs to render reproducibly)."""

    def add(self, item: object) -> None:
        self[item] = None


@contextmanager
def _reproducible_pylode() -> Iterator[None]:
    # pyLODE 3.3 collects the members of owl:intersectionOf/unionOf into a built-in set of
    # HTML elements, so their order changes from run to run. Its module looks ``set`` up in its
    # globals first: give it an insertion-ordered one while we render, then take it back.
    import pylode.utils

    pylode.utils.set = _InsertionOrderedSet  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del pylode.utils.set  # type: ignore[attr-defined]


def ontology_html(ontology: Graph | None = None) -> str:
    """The ontology's HTML documentation; the same ontology always gives the same bytes."""
    from pylode import OntPub

    from sorakg.ontology import ontology_graph

    graph = canonical(ontology if ontology is not None else ontology_graph())
    with _reproducible_pylode():
        return str(OntPub(ontology=graph, sort_subjects=True).make_html())


@dataclass(frozen=True)
class Representation:
    media_type: str
    format: str | None  # the export format name; None for the HTML documentation


# media type → representation; the first is the default for */*
REPRESENTATIONS: dict[str, Representation] = {
    r.media_type: r
    for r in (
        Representation(HTML, None),
        Representation("text/turtle", "ttl"),
        Representation("application/n-triples", "nt"),
        Representation("application/rdf+xml", "rdfxml"),
        Representation("application/ld+json", "jsonld"),
    )
}


def ontology_document(media_type: str, ontology: Graph | None = None) -> str:
    """The ontology in one of the media types of :data:`REPRESENTATIONS`."""
    from sorakg.export import FORMATS, serialize_graph
    from sorakg.ontology import ontology_graph
    from sorakg.settings import Settings

    chosen = REPRESENTATIONS[media_type]
    graph = ontology if ontology is not None else ontology_graph()
    if chosen.format is None:
        return ontology_html(graph)
    return serialize_graph(graph, FORMATS[chosen.format], Settings())
