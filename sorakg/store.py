"""The embedded store: the current build loaded into Oxigraph (pyoxigraph), for queries.

rdflib builds, validates and exports the graph; queries run on Oxigraph, whose SPARQL engine
is compiled and joins fast (the choice and its measurements are in docs/endpoint.md). The
default graph of a query is the union of the named graphs, so a plain query sees the ontology,
the asserted facts and the inferences together; ``GRAPH <…/graph/asserted>`` narrows it.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
from rdflib import Dataset, Graph, URIRef

from sorakg.build import current_graph_file
from sorakg.settings import Settings


class MissingBuild(FileNotFoundError):
    """There is no build to serve or query yet."""


def load_store(path: Path) -> pyoxigraph.Store:
    """An in-memory store holding the N-Quads file at ``path``."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def built_file(settings: Settings) -> Path:
    """The current build's N-Quads (``build/graph/sorakg.nq``); :class:`MissingBuild` if none."""
    path = current_graph_file(settings)
    if not path.exists():
        raise MissingBuild(f"no build at {path}: run 'sorakg build' first")
    return path


def open_store(settings: Settings) -> pyoxigraph.Store:
    """The current build in an in-memory store."""
    return load_store(built_file(settings))


def graph_name(settings: Settings, iri: str) -> str:
    return iri.removeprefix(f"{settings.base_iri}graph/")


def read_build(settings: Settings, path: Path | None = None) -> dict[str, Graph]:
    """The build's named graphs by short name (``ontology``, ``asserted``, ``inferred``)."""
    path = path or built_file(settings)
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    graphs: dict[str, Graph] = {}
    for context in dataset.graphs():
        if isinstance(context.identifier, URIRef) and len(context):
            graph = Graph()
            graph += context
            graphs[graph_name(settings, str(context.identifier))] = graph
    return graphs
