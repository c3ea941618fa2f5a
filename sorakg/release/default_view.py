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


def in_default_view(graph_iri: str) -> bool:
    """Whether the named graph ``…/graph/<name>`` belongs to the default view."""
    return graph_iri.rsplit("/graph/", 1)[-1] not in OUTSIDE_DEFAULT_VIEW


def default_graphs(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
    """The graphs a query's default graph is the union of: the store's own default graph and
    every named graph of the default view (instead of oxigraph's union of all named graphs)."""
    named = [g for g in store.named_graphs() if in_default_view(g.value)]
    return [ox.DefaultGraph(), *named]


def load_view(store: ox.Store) -> ox.Store:
    """An in-memory copy of the default view of ``store`` (every graph :func:`default_graphs`
    lists), so that ``use_default_graph_as_union`` reads the default view. Copied quad by quad
    rather than parsed from the release's N-Quads (which takes a third of the CPU): the copy
    keeps the store's blank node labels, so every worker and the on-disk store write the same
    answer with the same labels, in the same order."""
    view = ox.Store()
    graphs = default_graphs(store)
    view.bulk_extend(q for g in graphs for q in store.quads_for_pattern(None, None, None, g))
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
