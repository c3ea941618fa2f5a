"""Export the current build as a release into ``dist/`` (the ``export_dir`` setting, relative to
the working directory): every RDF format of every graph selection, the canonical N-Quads, the
SSSOM mappings, the ontology's documentation, the VoID/DCAT description and ``SHA256SUMS``.

The build's N-Quads (``build/graph/sorakg.nq``) is the one input: an export never rebuilds.
This module is the top of the export group: it assembles a release from the parts written by
``metadata``, ``ontodocs`` and ``sssom``, which all write through :mod:`sorakg.release.writers`;
none of them imports this module (an import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from sorakg.formats import OFFERS, Format
from sorakg.release.folder import GRAPHS
from sorakg.release.metadata import dataset_metadata
from sorakg.release.ontodocs import ontology_html
from sorakg.release.ontorelease import FILES as ONTOLOGY_FORMATS
from sorakg.release.ontorelease import ontology_files
from sorakg.release.serialize import rdfc10_nquads
from sorakg.release.sssom import sssom_table
from sorakg.release.store import graph_name, read_build
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
    "ExportFile",
    "Format",
    "MissingGraph",
    "export_files",
    "export_one",
    "file_name",
    "graphs_by_short_name",
    "prefixes_for",
    "prepare",
    "select",
    "serialize",
    "serialize_graph",
    "sha256",
    "write",
]

# the formats of the export, by short name (the registry's export offer)
EXPORTED: dict[str, Format] = {f.name: f for f in OFFERS["export"]}
# every graph as RDFC-1.0 canonical N-Quads: its SHA-256 is the dataset's hash (docs/export.md)
CANONICAL = "sorakg-all.canonical.nq"


class MissingGraph(LookupError):
    """The build has no such named graph (``inferred`` before the reasoner step has run)."""


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
    selected = prepare(select(graphs if graphs is not None else read_build(settings), which))
    path = output or settings.export_dir / file_name(which, chosen)
    return write(path, serialize(selected, chosen, settings), chosen.media_type)


def export_files(
    settings: Settings, dist: Path | None = None, graphs: dict[str, Graph] | None = None
) -> list[ExportFile]:
    """Every format of every graph selection the build has, the SSSOM mappings, the dataset
    metadata and the ontology documentation; then ``SHA256SUMS`` over all of them.

    Returns (path, sha256, media type) per file, for the endpoint's downloads."""
    dist = dist or settings.export_dir
    graphs = prepare(graphs if graphs is not None else read_build(settings))
    files: list[ExportFile] = []
    for which in GRAPHS:
        if which != "all" and which not in graphs:
            continue
        selected = select(graphs, which)
        prefixes = prefixes_for(selected.values(), settings.base_iri)
        for fmt in EXPORTED.values():
            text = serialize(selected, fmt, settings, prefixes=prefixes)
            files.append(write(dist / file_name(which, fmt), text, fmt.media_type))
    iris = {URIRef(f"{settings.base_iri}graph/{name}"): graph for name, graph in graphs.items()}
    files.append(write(dist / CANONICAL, rdfc10_nquads(iris), EXPORTED["nq"].media_type))
    files.append(
        write(
            dist / "sorakg.sssom.tsv",
            sssom_table(settings, graphs),
            "text/tab-separated-values",
        )
    )
    files.append(write(dist / "ontology.html", ontology_html(graphs["ontology"]), "text/html"))
    for name, text in ontology_files(graphs["ontology"], settings).items():
        fmt = EXPORTED[ONTOLOGY_FORMATS[name]]
        files.append(write(dist / name, text, fmt.media_type))
    metadata = dataset_metadata(settings, graphs, files)
    files.append(write(dist / "void.ttl", metadata, "text/turtle"))
    sums = "".join(f"{f.sha256}  {f.path.name}\n" for f in sorted(files, key=lambda f: f.path))
    files.append(write(dist / "SHA256SUMS", sums, "text/plain"))
    return files
