"""The embedded store: each release's graph in an on-disk Oxigraph store, for queries.

rdflib builds, validates and exports the graph; queries run on Oxigraph, whose SPARQL engine
is compiled and joins fast (the choice and its measurements are in docs/endpoint.md). ``sorakg
build`` writes the release's N-Quads into an on-disk store (``build/releases/<digest>/store/``,
RocksDB via pyoxigraph) once; every reader (the endpoint's query workers, ``sorakg query``)
opens it read-only, so nothing re-parses the graph and the page cache is shared between
processes. The default graph of a query is the union of the default view's named graphs
(:func:`sorakg.release.default_view.default_graphs`), so a plain query sees the ontology, the
asserted facts and the inferences together, but not the disputed layer;
``GRAPH <…/graph/asserted>`` narrows it and ``GRAPH <…/graph/disputed>`` reaches the statements a
curator disputes.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph

from sorakg.release.default_view import default_graphs
from sorakg.release.folder import STORE_DIR, current_graph_file, write_store
from sorakg.settings import Settings

if TYPE_CHECKING:  # rdflib is for reading a build whole (the CLI, explanations), not serving
    from rdflib import Graph

log = logging.getLogger(__name__)


class MissingBuild(FileNotFoundError):
    """There is no build to serve or query yet."""


def load_store(path: Path) -> pyoxigraph.Store:
    """An in-memory store holding the N-Quads file at ``path`` (tests that change a copy)."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def built_file(settings: Settings) -> Path:
    """The current build's N-Quads (``build/graph/sorakg.nq``); :class:`MissingBuild` if none."""
    path = current_graph_file(settings)
    if not path.exists():
        raise MissingBuild(f"no build at {path}: run 'sorakg build' first")
    return path


def release_store(release: Path) -> Path:
    """The on-disk store of the release folder ``release``, written once from its N-Quads if the
    release predates on-disk stores (or is a bare folder holding ``sorakg.nq``, as in tests)."""
    target = release / STORE_DIR
    if (target / "CURRENT").exists():  # RocksDB writes CURRENT last when it creates a database
        return target
    nquads = release / "sorakg.nq"
    if not nquads.exists():
        raise MissingBuild(f"no graph at {nquads}: run 'sorakg build' first")
    log.warning("%s has no on-disk store (an older build): writing it once now", release)
    staging = release / f".store-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        write_store(nquads, staging)
        os.rename(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if (target / "CURRENT").exists():  # another process converted it first
            return target
        raise MissingBuild(
            f"{release} has no on-disk store and it could not be written ({error}): "
            "run 'sorakg build' to rebuild"
        ) from error
    return target


def release_names(release: Path, base_iri: str) -> Path:
    """The names index of the release folder ``release`` (:mod:`sorakg.name_index`), written
    once from its store if the release predates it (or is a bare folder, as in tests)."""
    from sorakg.name_index import NAMES_FILE, write

    target = release / NAMES_FILE
    if not target.exists():
        log.warning("%s has no names index (an older build): writing it once now", release)
        write(release_store(release), target, base_iri, default_graphs)
    return target


def open_store(settings: Settings) -> pyoxigraph.Store:
    """The current build's on-disk store, opened read-only."""
    release = built_file(settings).resolve().parent
    return pyoxigraph.Store.read_only(str(release_store(release)))


def graph_name(settings: Settings, iri: str) -> str:
    return iri.removeprefix(f"{settings.base_iri}graph/")


def read_build(settings: Settings, path: Path | None = None) -> dict[str, Graph]:
    """The build's named graphs by short name (``ontology``, ``asserted``, ``inferred``)."""
    from rdflib import Dataset, Graph, URIRef

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


def read_graphs(settings: Settings, store: Path, names: tuple[str, ...]) -> dict[str, Graph]:
    """Only the named graphs ``names`` (short names) of an on-disk store, as rdflib graphs:
    what explanations need, without parsing the (often largest) inferred graph."""
    from rdflib import Graph

    opened = pyoxigraph.Store.read_only(str(store))
    graphs: dict[str, Graph] = {}
    for name in names:
        iri = pyoxigraph.NamedNode(f"{settings.base_iri}graph/{name}")
        triples = [q.triple for q in opened.quads_for_pattern(None, None, None, iri)]
        if triples:
            data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
            graphs[name] = Graph().parse(data=data, format="nt")
    return graphs
