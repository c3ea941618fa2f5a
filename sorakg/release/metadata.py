"""Dataset metadata: VoID (graphs, triple counts, linksets) and DCAT (distributions, checksums).

Everything is read from the build and the package, nothing typed twice: the title and version
from the package metadata, the licence from the ontology's ``dcterms:license``, the source
publications from the asserted graph, the counts from the graphs themselves, and one linkset
per (registry, mapping predicate), the registry named by the Bioregistry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import metadata as package_metadata

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID, XSD

from sorakg.formats import FORMATS
from sorakg.loaders.identifiers import link_converter, split_iri
from sorakg.loaders.prefixes import TABLE, prefixes
from sorakg.loaders.vocab import ONTOLOGY_IRI, SK
from sorakg.release.writers import ExportFile, serialize_graph
from sorakg.settings import Settings

SPDX = Namespace(TABLE["spdx"])
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3; rdflib's DCAT namespace is DCAT 2
IANA = "https://www.iana.org/assignments/media-types/"
PREFIXES = prefixes("void", "dcat", "foaf", "spdx")
LINK_PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, OWL.sameAs)


@dataclass(frozen=True)
class DatasetFacts:
    iri: URIRef
    title: str
    description: str
    version: str
    license: str
    publications: list[tuple[URIRef, str]]


def dataset_facts(settings: Settings, graphs: dict[str, Graph]) -> DatasetFacts:
    meta = package_metadata("sorakg")
    title, _, description = str(meta["Summary"]).partition(": ")
    license_ = graphs["ontology"].value(ONTOLOGY_IRI, DCTERMS.license)
    if license_ is None:
        raise ValueError("the ontology declares no dcterms:license")
    facts = graphs["asserted"]
    publications = sorted(
        (p, str(facts.value(p, DCTERMS.title) or ""))
        for p in facts.subjects(RDF.type, SK.Publication)
        if isinstance(p, URIRef)
    )
    return DatasetFacts(
        iri=URIRef(f"{settings.base_iri}dataset"),
        title=title,
        description=description,
        version=str(meta["Version"]),
        license=str(license_),
        publications=publications,
    )


@dataclass(frozen=True)
class Linkset:
    prefix: str  # the target registry's prefix
    name: str  # its name in the Bioregistry
    uri_prefix: str
    predicate: URIRef
    triples: int


@dataclass(frozen=True)
class Counts:
    """What VoID counts: triples and distinct subjects per named graph, and the links from our
    entities and terms to other datasets per (registry prefix, mapping predicate)."""

    graphs: dict[str, tuple[int, int]]
    links: dict[tuple[str, URIRef], int]

    @classmethod
    def of_graphs(cls, graphs: dict[str, Graph], base: str) -> Counts:
        sizes = {name: (len(g), len(set(g.subjects()))) for name, g in graphs.items()}
        found = (
            (str(subject), str(target), predicate)
            for graph in graphs.values()
            for predicate in LINK_PREDICATES
            for subject, target in graph.subject_objects(predicate)
        )
        return cls(sizes, _links(found, base))

    @classmethod
    def of_store(cls, store: ox.Store, settings: Settings, names: Iterable[str]) -> Counts:
        """The same counts from an Oxigraph store, of its graphs ``names`` (short names: the
        release's, not what the build derives into the store beside them, the summaries), by
        the store's engine: no graph in memory."""
        prefix = f"{settings.base_iri}graph/"
        kept = {f"{prefix}{name}" for name in names}
        rows = store.query(
            "SELECT ?g (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) "
            "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        sizes = {
            row["g"].value.removeprefix(prefix): (int(row["n"].value), int(row["subjects"].value))
            for row in rows  # type: ignore[union-attr]
            if row["g"].value in kept  # type: ignore[union-attr]
        }
        found = (
            (str(q.subject.value), str(q.object.value), URIRef(str(predicate)))  # type: ignore[union-attr]
            for predicate in LINK_PREDICATES
            for q in store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None, None)
            if q.graph_name.value in kept  # type: ignore[union-attr]
        )
        return cls(dict(sorted(sizes.items())), _links(found, settings.base_iri))


def _links(found: Iterable[tuple[str, str, URIRef]], base: str) -> dict[tuple[str, URIRef], int]:
    counts: Counter[tuple[str, URIRef]] = Counter()
    for subject, target, predicate in found:
        if not subject.startswith(base) and not subject.startswith(str(SK)):
            continue
        split = split_iri(target)
        if split is not None:
            counts[(split[0], predicate)] += 1
    return dict(counts)


def linksets(counts: Counts) -> list[Linkset]:
    """Links from our entities and terms to other datasets, by registry and predicate."""
    import bioregistry

    links = link_converter()
    found = []
    for (prefix, predicate), count in sorted(counts.links.items()):
        name = bioregistry.get_name(prefix) or prefix
        found.append(Linkset(prefix, name, links.prefix_map[prefix], predicate, count))
    return found


def void_graph(
    settings: Settings,
    graphs: dict[str, Graph],
    files: Iterable[ExportFile] = (),
    download_base: str | None = None,
    counts: Counts | None = None,
) -> Graph:
    """VoID + DCAT description of the dataset, its named graphs, linksets and downloads (at
    ``download_base``, by default ``{base_iri}download/``). ``graphs`` need only hold the
    ontology and what :func:`dataset_facts` reads of the asserted graph when ``counts`` (of the
    whole dataset) are given."""
    facts = dataset_facts(settings, graphs)
    counts = counts or Counts.of_graphs(graphs, settings.base_iri)
    base = settings.base_iri
    g = Graph()
    d = facts.iri
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(facts.title, lang="en")))
    g.add((d, DCTERMS.description, Literal(facts.description, lang="en")))
    g.add((d, DCTERMS.license, URIRef(facts.license)))
    g.add((d, DCAT_VERSION, Literal(facts.version)))
    g.add((d, OWL.versionInfo, Literal(facts.version)))
    creator = URIRef(f"{base}project")
    g.add((d, DCTERMS.creator, creator))
    g.add((creator, RDF.type, FOAF.Organization))
    g.add((creator, FOAF.name, Literal("The sorakg project")))
    for publication, title in facts.publications:
        g.add((d, DCTERMS.source, publication))
        g.add((publication, DCTERMS.title, Literal(title, lang="en")))
    g.add((d, VOID.uriSpace, Literal(base)))
    g.add((d, VOID.vocabulary, URIRef(str(SK))))
    g.add((d, VOID.triples, _count(sum(n for n, _ in counts.graphs.values()))))
    for name, (triples, subjects) in sorted(counts.graphs.items()):
        subset = URIRef(f"{base}graph/{name}")
        g.add((d, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, DCTERMS.title, Literal(f"{name} graph", lang="en")))
        g.add((subset, VOID.triples, _count(triples)))
        g.add((subset, VOID.distinctSubjects, _count(subjects)))
    for link in linksets(counts):
        local = str(link.predicate).rsplit("#", 1)[-1]
        target = URIRef(f"{base}dataset/target/{link.prefix}")
        node = URIRef(f"{base}dataset/linkset/{link.prefix}/{local}")
        g.add((d, VOID.subset, node))
        g.add((node, RDF.type, VOID.Linkset))
        g.add((node, VOID.subjectsTarget, d))
        g.add((node, VOID.objectsTarget, target))
        g.add((node, VOID.linkPredicate, link.predicate))
        g.add((node, VOID.triples, _count(link.triples)))
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, DCTERMS.title, Literal(link.name)))
        g.add((target, VOID.uriSpace, Literal(link.uri_prefix)))
        g.add((target, RDFS.seeAlso, URIRef(f"https://bioregistry.io/{link.prefix}")))
    for file in files:
        add_distribution(g, d, file, download_base or f"{base}download/")
    return g


def _count(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def add_distribution(g: Graph, dataset: URIRef, file: ExportFile, download: str) -> None:
    """``file`` as a distribution of ``dataset``, downloaded from ``download`` + its name."""
    url = URIRef(download + file.path.name)
    g.add((dataset, DCAT.distribution, url))
    g.add((url, RDF.type, DCAT.Distribution))
    g.add((url, DCTERMS.title, Literal(file.path.name)))
    g.add((url, DCAT.downloadURL, url))
    g.add((url, DCAT.mediaType, URIRef(IANA + file.media_type)))
    g.add((url, DCAT.byteSize, Literal(file.path.stat().st_size, datatype=XSD.nonNegativeInteger)))
    checksum = BNode()
    g.add((url, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
    if file.path.suffix in {".nq", ".nt", ".ttl", ".trig", ".jsonld", ".rdf"}:
        g.add((dataset, VOID.dataDump, url))


def dataset_metadata(
    settings: Settings,
    graphs: dict[str, Graph],
    files: Iterable[ExportFile] = (),
    counts: Counts | None = None,
) -> str:
    """The VoID/DCAT description as sorted, readable Turtle."""
    graph = void_graph(settings, graphs, files, counts=counts)
    return serialize_graph(graph, FORMATS["ttl"], settings, PREFIXES)
