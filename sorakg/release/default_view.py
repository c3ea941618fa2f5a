"""Which named graphs a plain query sees.

The default view is what the review states plus its sound consequences: the ontology, the
asserted facts and the inferences. The disputed layer (statements a curator disputes, and what
would follow from them) is kept in named graphs outside it, so ``/sparql``, the named queries
and the pages never show it unless a query asks for it with ``GRAPH``. The rule is a property of
the graphs that exist: every named graph is in the default view except those listed here.

A release small enough to hold in memory (setting ``memory_store_quads``) is also served from an
in-memory store of the default view alone (:func:`load_view`), whose union default graph *is*
the default view: Oxigraph joins in memory at a third to a quarter of the on-disk store's CPU,
and its union mode costs less than naming the graphs (docs/design.md has the measurements).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

OUTSIDE_DEFAULT_VIEW = frozenset({"disputed", "disputed-inferred"})
# derived from the graph at build time, not claims (sorakg/release/summaries.py): served and
# published beside the release, but outside the default view, the downloads and the counts
DERIVED = frozenset({"summaries"})
# the serial of the last update committed to a live store (server/update_marker.py): housekeeping,
# not data, so no query sees it unless it names it and no count includes it
UPDATES_GRAPH = "urn:sorakg:updates"


def _name(graph_iri: str) -> str:
    return graph_iri.rsplit("/graph/", 1)[-1]


def in_default_view(graph_iri: str) -> bool:
    """Whether the named graph ``…/graph/<name>`` belongs to the default view."""
    return in_release(graph_iri) and _name(graph_iri) not in OUTSIDE_DEFAULT_VIEW


def in_release(graph_iri: str) -> bool:
    """Whether the named graph is one of the release's own (the review's graph, disputed layers
    included), not the store's bookkeeping (the updates' serial) or what the build derives."""
    return graph_iri != UPDATES_GRAPH and _name(graph_iri) not in DERIVED


def default_graphs(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
    """The graphs a query's default graph is the union of: the store's own default graph and
    every named graph of the default view (instead of oxigraph's union of all named graphs)."""
    named = [g for g in store.named_graphs() if in_default_view(g.value)]
    return [ox.DefaultGraph(), *named]


def load_view(nquads: Path) -> ox.Store:
    """An in-memory store of the default view of the release whose N-Quads are ``nquads``
    (every quad but those of the graphs outside it), so that ``use_default_graph_as_union``
    reads the default view. Parsed, not bulk-loaded: the parser keeps the file's blank node
    labels (canonical, written by the build), so every worker writes the same answer with the
    same labels; a bulk load draws new ones. At 1M quads: 4.4 CPU s and 313 MB (copying from the
    on-disk store instead: 10.4 CPU s)."""
    view = ox.Store()
    view.bulk_extend(
        quad
        for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        if not isinstance(quad.graph_name, ox.NamedNode) or in_default_view(quad.graph_name.value)
    )
    return view


def release_quads(nquads: Path) -> int:
    """How many quads the release whose N-Quads are ``nquads`` holds: the build's counts in its
    ``manifest.json`` (no scan), else an upper estimate from the file's size (100 bytes a
    line; a line of the project's graph averages about 250)."""
    manifest = nquads.parent / "manifest.json"
    try:
        return sum(json.loads(manifest.read_text())["stats"]["graphs"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return nquads.stat().st_size // 100 if nquads.exists() else 0
