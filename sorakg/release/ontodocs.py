"""The ontology's documentation as HTML (pyLODE), and the ontology itself by media type.

The server serves ``/ontology``, choosing by ``Accept`` among the page offer of
:data:`sorakg.formats.OFFERS`: HTML for a browser, any RDF format for an RDF client.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from html import unescape as html_unescape

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from sorakg.formats import HTML, Format
from sorakg.loaders.vocab import SK
from sorakg.release.serialize import canonical
from sorakg.release.writers import prepare, serialize
from sorakg.settings import Settings


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
        html = str(OntPub(ontology=graph, sort_subjects=True).make_html())
    return with_site_header(with_local_name_anchors(html, graph))


_SECTION = re.compile(
    r'(<div class="[a-z ]*entity" id="([^"]*)">\s*<h3>.*?<code>([^<]*)</code>)', re.S
)


def with_local_name_anchors(html: str, graph: Graph) -> str:
    """pyLODE names a term's section after its label (``#VEGFRinhibitor``); the pages link to
    ``/ontology#VEGFRInhibitor``, the IRI's local name. Give every section that anchor too, and
    document the terms pyLODE leaves out (individuals such as ``PhaseII``, ``Ongoing``) in a
    section of their own, so every link from a page lands on its term."""
    namespace = str(SK)
    covered: set[str] = set()

    def anchor(match: re.Match[str]) -> str:
        section, section_id, iri = match.group(1), match.group(2), html_unescape(match.group(3))
        if not iri.startswith(namespace):
            return section
        local = iri[len(namespace) :]
        covered.add(local)
        if local == section_id:
            return section
        return f'<span class="anchor" id="{escape(local)}"></span>{section}'

    html = _SECTION.sub(anchor, html)
    terms = sorted(
        {str(t) for t in graph.subjects() if isinstance(t, URIRef) and str(t).startswith(namespace)}
        - {namespace + local for local in covered}
    )
    if not terms:
        return html
    rows = []
    for iri in terms:
        node = URIRef(iri)
        local = iri[len(namespace) :]
        label = str(graph.value(node, RDFS.label) or local)
        kinds = sorted(
            str(graph.value(t, RDFS.label) or graph.namespace_manager.normalizeUri(t))
            for t in graph.objects(node, RDF.type)
            if isinstance(t, URIRef) and t != OWL.NamedIndividual
        )
        said = str(graph.value(node, SKOS.definition) or graph.value(node, RDFS.comment) or "")
        rows.append(
            f'<div class="property entity" id="{escape(local)}"><h3>{escape(label)}</h3>'
            f"<table><tr><th>IRI</th><td><code>{escape(iri)}</code></td></tr>"
            + (f"<tr><th>Type</th><td>{escape(', '.join(kinds))}</td></tr>" if kinds else "")
            + (f"<tr><th>Description</th><td>{escape(said)}</td></tr>" if said else "")
            + "</table></div>"
        )
    section = (
        '<div class="section" id="individuals"><h2>Individuals and other terms</h2>'
        "<p>Values of the controlled vocabularies (phases, statuses, units …) and the other terms "
        "the graph uses.</p>" + "".join(rows) + "</div>"
    )
    return html.replace("</body>", section + "</body>", 1)


SITE_HEADER = (
    '<link rel="stylesheet" href="/static/sorakg.css">'
    '<header class="site"><a class="brand" href="/">sorakg</a>'
    '<span class="tagline">Sorafenib Resistance Knowledge Graph</span>'
    '<form class="search" action="/search" method="get" role="search">'
    '<input type="search" name="q" aria-label="Search" placeholder="Search …"></form>'
    '<nav><a href="/">home</a> <a href="/query">query</a> <a href="/queries">named queries</a> '
    '<a href="/outcomes">outcomes</a> <a href="/ontology">ontology</a> '
    '<a href="/download">downloads</a></nav></header>'
    # pyLODE's table of contents is fixed at the right edge, 200 px wide: the page keeps that
    # room free so it covers neither the navigation nor the text; on a phone it is a block
    "<style>body { padding-right: 240px !important; }"
    "@media (max-width: 800px) { body { padding: .5em !important; }"
    " #toc { position: static; width: auto; height: auto; max-height: 60vh; }"
    " body > a > img, #pylode { display: none; } }</style>"
)


def with_site_header(html: str) -> str:
    """The site's navigation on top of pyLODE's page, as on every other page."""
    at = html.find(">", html.find("<body")) + 1
    return html[:at] + SITE_HEADER + html[at:] if at > 0 else html


def ontology_document(fmt: Format, ontology: Graph | None = None) -> str:
    """The ontology in ``fmt``: the HTML documentation, or the ontology graph in any RDF format
    (:data:`sorakg.formats.RDF`; a dataset format names it as the release's ontology graph)."""
    from sorakg.ontology import ontology_graph

    graph = ontology if ontology is not None else ontology_graph()
    if fmt is HTML:
        return ontology_html(graph)
    return serialize(prepare({"ontology": graph}), fmt, Settings())
