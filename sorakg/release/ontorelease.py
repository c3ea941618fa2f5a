"""The ontology as a release of its own: ``sorakg.owl`` (RDF/XML) and ``sorakg.ttl`` (Turtle).

The build's ontology graph with a release header, as OBO/ODK ontologies publish theirs:
``owl:versionIRI`` (``…/ontology/releases/<version>/sorakg.owl``), ``owl:versionInfo``,
``dcterms:creator``, ``dcterms:issued`` (the first release's date), ``dcterms:modified`` (this
release's date), ``owl:priorVersion`` (the release before) and the licence the ontology declares.
Versions and dates come from ``ontology/releases.toml``, never from the clock, so the same release
always gives the same bytes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version as package_version
from importlib.resources import files
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, XSD

from sorakg.formats import FORMATS
from sorakg.loaders.vocab import ONTOLOGY_IRI
from sorakg.release.writers import serialize_graph
from sorakg.settings import Settings

RELEASES = Path(str(files("sorakg.ontology"))) / "releases.toml"
CREATOR = "The sorakg project"
# file name → export format
FILES = {"sorakg.owl": "rdfxml", "sorakg.ttl": "ttl"}
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class ReleaseError(ValueError):
    """``releases.toml`` is malformed, or does not list the version being released."""


@dataclass(frozen=True)
class Release:
    version: str
    date: date


def read_releases(path: Path = RELEASES) -> list[Release]:
    """The recorded releases, oldest first; every problem names the file and the entry."""
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("release", [])
    except tomllib.TOMLDecodeError as error:
        raise ReleaseError(f"{path.name}: {error}") from error
    found: list[Release] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}: release {number}"
        version, day = entry.get("version"), entry.get("date")
        if not isinstance(version, str) or not _VERSION.match(version):
            raise ReleaseError(f"{where}: version must be like 1.2.3, not {version!r}")
        if not isinstance(day, date):
            raise ReleaseError(f"{where}: date must be a TOML date like 2026-11-30, not {day!r}")
        if found and (day < found[-1].date or version in {r.version for r in found}):
            raise ReleaseError(f"{where}: releases must be listed once each, oldest first")
        found.append(Release(version, day))
    if not found:
        raise ReleaseError(f"{path.name}: no [[release]] entries")
    return found


def version_iri(version: str) -> URIRef:
    return URIRef(f"{ONTOLOGY_IRI}/releases/{version}/sorakg.owl")


def release_graph(
    ontology: Graph, version: str | None = None, releases: list[Release] | None = None
) -> Graph:
    """The ontology graph with the release header of ``version`` (default: the package's)."""
    version = version or package_version("sorakg")
    releases = releases if releases is not None else read_releases()
    listed = [r.version for r in releases]
    if version not in listed:
        raise ReleaseError(
            f"{RELEASES.name} lists no release {version} (it has {', '.join(listed)}): "
            "add it, with its date, before exporting"
        )
    index = listed.index(version)
    this, first = releases[index], releases[0]
    graph = Graph()
    graph += ontology
    o = ONTOLOGY_IRI
    if (o, RDF.type, OWL.Ontology) not in graph:
        raise ReleaseError(f"the ontology graph has no <{o}> a owl:Ontology header")
    graph.set((o, OWL.versionInfo, Literal(version)))
    graph.set((o, OWL.versionIRI, version_iri(version)))
    graph.set((o, DCTERMS.creator, Literal(CREATOR)))
    graph.set((o, DCTERMS.issued, Literal(first.date, datatype=XSD.date)))
    graph.set((o, DCTERMS.modified, Literal(this.date, datatype=XSD.date)))
    graph.remove((o, OWL.priorVersion, None))
    if index > 0:
        graph.add((o, OWL.priorVersion, version_iri(releases[index - 1].version)))
    # OWL 2 DL: every annotation property used must be declared (owl:priorVersion is built in)
    for prop in (DCTERMS.creator, DCTERMS.issued, DCTERMS.modified):
        graph.add((prop, RDF.type, OWL.AnnotationProperty))
    return graph


def ontology_files(ontology: Graph, settings: Settings) -> dict[str, str]:
    """File name → text of the ontology release files."""
    graph = release_graph(ontology)
    return {name: serialize_graph(graph, FORMATS[fmt], settings) for name, fmt in FILES.items()}
