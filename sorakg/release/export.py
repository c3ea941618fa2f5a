"""Export the current build as a release into ``dist/`` (the ``export_dir`` setting, relative to
the working directory), or into a release folder's ``downloads/`` (``sorakg build``): every RDF
format of every graph selection, the canonical N-Quads, the SSSOM mappings, the ontology's
documentation, the VoID/DCAT description and ``SHA256SUMS``, with an index of them.

The release's on-disk store is the one input: an export never rebuilds, and never holds the
whole graph in memory. The whole-graph files are streamed from the store by Oxigraph
(:mod:`sorakg.release.dumps`); the small parts (SSSOM, VoID, the ontology's files and pages)
are written with rdflib from what they read of the store (the ontology graph, a few kinds of
asserted statements, the store's counts). This module is the top of the export group: none of
the parts imports it (an import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from sorakg.formats import NQUADS, NTRIPLES, Format
from sorakg.release.default_view import in_default_view
from sorakg.release.dumps import (
    EXPORTED,
    MissingGraph,
    Split,
    canonical_nquads,
    dump,
    dump_files,
    graph_iri,
)
from sorakg.release.files import GRAPHS, INDEX, read_index, write_index
from sorakg.release.metadata import Counts, dataset_metadata
from sorakg.release.ontodocs import ontology_html
from sorakg.release.ontorelease import FILES as ONTOLOGY_FORMATS
from sorakg.release.ontorelease import ontology_files
from sorakg.release.serialize import release_texts
from sorakg.release.sssom import sssom_table
from sorakg.release.store import built_file, graph_name, release_store
from sorakg.release.writers import (
    ExportFile,
    file_name,
    prefixes_for,
    prepare,
    serialize,
    serialize_graph,
    sha256,
    write,
)
from sorakg.settings import Settings

# the writers, for callers that know them from here
__all__ = [
    "CANONICAL",
    "EXPORTED",
    "GRAPHS",
    "INDEX",
    "ExportFile",
    "Format",
    "MissingGraph",
    "export_files",
    "export_one",
    "file_name",
    "graphs_by_short_name",
    "prefixes_for",
    "prepare",
    "read_index",
    "select",
    "serialize",
    "serialize_graph",
    "sha256",
    "write",
    "write_index",
]

# every graph as RDFC-1.0 canonical N-Quads: its SHA-256 is the dataset's hash (docs/export.md)
CANONICAL = "sorakg-all.canonical.nq"
# What the SSSOM table and the dataset description read of the asserted graph: the
# publications and their titles, and the entities linked to a registry with their labels and
# NCT numbers (sssom.mappings, metadata.dataset_facts)
DESCRIBED = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sk: <https://w3id.org/sorakg/ontology#>
CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> {
  { ?s a sk:Publication . ?s ?p ?o FILTER(?p IN (rdf:type, dcterms:title)) }
  UNION
  { ?s skos:exactMatch [] . ?s ?p ?o FILTER(?p IN (skos:exactMatch, rdfs:label, sk:nctId)) }
} }
"""


# -- reading the build -------------------------------------------------------------------------


def graphs_by_short_name(settings: Settings, graphs: dict[URIRef, Graph]) -> dict[str, Graph]:
    """Named graphs keyed by IRI (as a build holds them) → by short name."""
    return {graph_name(settings, str(iri)): graph for iri, graph in graphs.items()}


def select(graphs: dict[str, Graph], which: str) -> dict[str, Graph]:
    """``asserted`` or ``inferred`` alone, or ``all`` the build's graphs."""
    if which == "all":
        return dict(sorted(graphs.items()))
    if which not in graphs:
        raise MissingGraph(f"this build has no '{which}' graph (it has: {', '.join(graphs)})")
    return {which: graphs[which]}


# -- what the small parts read ---------------------------------------------------------------


def described(split: Split, store: ox.Store, settings: Settings) -> dict[str, Graph]:
    """The ontology graph and what the SSSOM table and the dataset description read of the
    asserted one (:data:`DESCRIBED`), as rdflib graphs: small whatever the graph's size."""
    ontology = Graph().parse(split.path("ontology", NTRIPLES), format="nt")
    asserted = store.query(DESCRIBED % graph_iri(settings, "asserted").value)
    data = ox.serialize(asserted, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
    return {"ontology": ontology, "asserted": Graph().parse(data=data or b"", format="nt")}


@contextlib.contextmanager
def _release(
    settings: Settings, graphs: dict[str, Graph] | None, release: Path | None
) -> Iterator[Path]:
    """The release folder to export: ``release``, by default the current build's, or one
    written for ``graphs`` (short name → graph) into a temporary folder (tests)."""
    if graphs is None:
        yield release or built_file(settings).resolve().parent
        return
    with tempfile.TemporaryDirectory(prefix="sorakg-export-") as folder:
        named = {URIRef(f"{settings.base_iri}graph/{n}"): g for n, g in graphs.items()}
        quads, triples = release_texts(named, [i for i in named if in_default_view(str(i))])
        (Path(folder) / "sorakg.nq").write_text(quads, encoding="utf-8")
        (Path(folder) / "sorakg.nt").write_text(triples, encoding="utf-8")
        yield Path(folder)


@contextlib.contextmanager
def _opened(
    settings: Settings, graphs: dict[str, Graph] | None, release: Path | None, near: Path
) -> Iterator[tuple[Split, ox.Store]]:
    """The release split by graph in a working folder beside ``near`` (removed after), and its
    on-disk store."""
    with _release(settings, graphs, release) as folder:
        store = ox.Store.read_only(str(release_store(folder)))
        near.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".export-", dir=near) as work:
            yield Split(folder, Path(work), settings), store


# -- the release -----------------------------------------------------------------------------


def export_one(
    settings: Settings,
    fmt: str,
    which: str = "all",
    output: Path | None = None,
    graphs: dict[str, Graph] | None = None,
) -> ExportFile:
    """One format of one graph selection, into ``settings.export_dir`` or ``output``."""
    chosen = EXPORTED[fmt]
    path = output or settings.export_dir / file_name(which, chosen)
    with _opened(settings, graphs, None, path.parent) as (split, _):
        dump(split, split.selected(which), chosen, path)
    return ExportFile(path, sha256(path), chosen.media_type)


def export_files(
    settings: Settings,
    dist: Path | None = None,
    graphs: dict[str, Graph] | None = None,
    release: Path | None = None,
) -> list[ExportFile]:
    """Every format of every graph selection the build has, the SSSOM mappings, the dataset
    metadata and the ontology documentation; then ``SHA256SUMS`` over all of them, and the
    index the endpoint serves them by. From the release folder ``release`` (by default the
    current build's), or from ``graphs`` (short name → graph).

    Returns (path, sha256, media type) per file, for the endpoint's downloads."""
    dist = dist or settings.export_dir
    with _opened(settings, graphs, release, dist) as (split, store):
        files = dump_files(split, dist)
        canonical_nquads(split, dist / CANONICAL)
        small = described(split, store, settings)
        counts = Counts.of_store(store, settings, split.names)
    files.append(ExportFile(dist / CANONICAL, sha256(dist / CANONICAL), NQUADS.media_type))
    files.append(
        write(dist / "sorakg.sssom.tsv", sssom_table(settings, small), "text/tab-separated-values")
    )
    files.append(write(dist / "ontology.html", ontology_html(small["ontology"]), "text/html"))
    for name, text in ontology_files(small["ontology"], settings).items():
        fmt = EXPORTED[ONTOLOGY_FORMATS[name]]
        files.append(write(dist / name, text, fmt.media_type))
    files.append(
        write(dist / "void.ttl", dataset_metadata(settings, small, files, counts), "text/turtle")
    )
    sums = "".join(f"{f.sha256}  {f.path.name}\n" for f in sorted(files, key=lambda f: f.path))
    files.append(write(dist / "SHA256SUMS", sums, "text/plain"))
    write_index(dist, files)
    return files
