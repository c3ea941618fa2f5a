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


def linksets(graphs: Iterable[Graph], base: str) -> list[Linkset]:
    """Links from our entities and terms to other datasets, counted by registry and predicate."""
    import bioregistry

    links = link_converter()
    counts: Counter[tuple[str, URIRef]] = Counter()
    for graph in graphs:
        for predicate in LINK_PREDICATES:
            for subject, target in graph.subject_objects(predicate):
                if not str(subject).startswith(base) and not str(subject).startswith(str(SK)):
                    continue
                split = split_iri(str(target))
                if split is not None:
                    counts[(split[0], predicate)] += 1
    found = []
    for (prefix, predicate), count in sorted(counts.items()):
        name = bioregistry.get_name(prefix) or prefix
        found.append(Linkset(prefix, name, links.prefix_map[prefix], predicate, count))
    return found


def void_graph(
    settings: Settings,
    graphs: dict[str, Graph],
    files: Iterable[ExportFile] = (),
    download_base: str | None = None,
) -> Graph:
    """VoID + DCAT description of the dataset, its named graphs, linksets and downloads (at
    ``download_base``, by default ``{base_iri}download/``)."""
    facts = dataset_facts(settings, graphs)
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
    g.add((d, VOID.triples, _count(sum(len(graph) for graph in graphs.values()))))
    for name, graph in sorted(graphs.items()):
        subset = URIRef(f"{base}graph/{name}")
        g.add((d, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, DCTERMS.title, Literal(f"{name} graph", lang="en")))
        g.add((subset, VOID.triples, _count(len(graph))))
        g.add((subset, VOID.distinctSubjects, _count(len(set(graph.subjects())))))
    for link in linksets(graphs.values(), base):
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
        _distribution(g, d, file, download_base or f"{base}download/")
    return g


def _count(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def _distribution(g: Graph, dataset: URIRef, file: ExportFile, download: str) -> None:
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
    settings: Settings, graphs: dict[str, Graph], files: Iterable[ExportFile] = ()
) -> str:
    """The VoID/DCAT description as sorted, readable Turtle."""
    graph = void_graph(settings, graphs, files)
    return serialize_graph(graph, FORMATS["ttl"], settings, PREFIXES)
