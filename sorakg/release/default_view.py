"""Which named graphs a plain query sees.

The default view is what the review states plus its sound consequences: the ontology, the
asserted facts and the inferences. The disputed layer (statements a curator disputes, and what
would follow from them) is kept in named graphs outside it, so ``/sparql``, the named queries
and the pages never show it unless a query asks for it with ``GRAPH``. The rule is a property of
the graphs that exist: every named graph is in the default view except those listed here.
"""

from __future__ import annotations

import pyoxigraph as ox

OUTSIDE_DEFAULT_VIEW = frozenset({"disputed", "disputed-inferred"})
# derived from the graph at build time, not claims (sorakg/release/summaries.py): served, but
# outside the default view, and not part of the review's graph that is published or downloaded
DERIVED = frozenset({"summaries"})
# the serial of the last update committed to a live store (server/update_marker.py): housekeeping,
# not data, so no query sees it unless it names it and no count includes it
UPDATES_GRAPH = "urn:sorakg:updates"


def in_default_view(graph_iri: str) -> bool:
    """Whether the named graph ``…/graph/<name>`` belongs to the default view."""
    if graph_iri == UPDATES_GRAPH:
        return False
    return graph_iri.rsplit("/graph/", 1)[-1] not in OUTSIDE_DEFAULT_VIEW | DERIVED


def default_graphs(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
    """The graphs a query's default graph is the union of: the store's own default graph and
    every named graph of the default view (instead of oxigraph's union of all named graphs)."""
    named = [g for g in store.named_graphs() if in_default_view(g.value)]
    return [ox.DefaultGraph(), *named]
