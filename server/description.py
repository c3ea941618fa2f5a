"""Self-descriptions: the SPARQL service description (``GET /sparql``) and VoID
(``/.well-known/void``), built as RDF from the settings and counts read from the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from sorakg.loaders.prefixes import TABLE, prefixes
from sorakg.release.default_view import in_release
from sorakg.settings import Settings
from sorakg.sparql import catalogue

from .execute import Job

PREFIXES = prefixes("sd", "void", "formats", "dcterms")
SD, VOID, FORMATS_NS = TABLE["sd"], TABLE["void"], TABLE["formats"]
RDF_TYPE = NamedNode(TABLE["rdf"] + "type")
DCTERMS_TITLE = NamedNode(TABLE["dcterms"] + "title")
XSD_INTEGER = NamedNode(TABLE["xsd"] + "integer")
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")  # fmt: skip


@dataclass
class Stats:
    graphs: dict[str, int] = field(default_factory=dict)  # named graph → triples

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def stats_job() -> Job:
    return Job(
        "query", catalogue.page_query("graph-counts").sparql, format="json", max_rows=100_000
    )


def parse_stats(body: bytes) -> Stats:
    """The release's graphs and their counts: the updates' serial and the graphs the build derives
    beside the release (the summaries) are the store's bookkeeping, not the release, so the counts
    agree with the manifest's whether read from it or from the store."""
    rows = json.loads(body)["results"]["bindings"]
    return Stats({row["g"]["value"]: int(row["triples"]["value"])
                  for row in rows if in_release(row["g"]["value"])})  # fmt: skip


def _n(term: str) -> NamedNode:
    return NamedNode(term)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def _dataset_triples(node: NamedNode | BlankNode, stats: Stats) -> list[Triple]:
    triples = [Triple(node, _n(VOID + "triples"), _int(stats.triples))]
    for graph, count in stats.graphs.items():
        subset = BlankNode()
        triples += [
            Triple(node, _n(VOID + "subset"), subset),
            Triple(subset, RDF_TYPE, _n(VOID + "Dataset")),
            Triple(subset, _n(SD + "name"), _n(graph)),
            Triple(subset, _n(VOID + "triples"), _int(count)),
        ]
    return triples


def service_description(endpoint: str, settings: Settings, stats: Stats, fmt: RdfFormat) -> bytes:
    service, dataset = _n(endpoint), BlankNode()
    triples = [
        Triple(service, RDF_TYPE, _n(SD + "Service")),
        Triple(service, _n(SD + "endpoint"), service),
        Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        Triple(service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        Triple(service, _n(SD + "feature"), _n(SD + "BasicFederatedQuery"))
        if settings.allow_service
        else None,
        Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Update"))
        if settings.update_enabled
        else None,
        Triple(service, _n(SD + "defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _n(SD + "Dataset")),
        Triple(dataset, RDF_TYPE, _n(VOID + "Dataset")),
    ]
    triples += [
        Triple(service, _n(SD + "resultFormat"), _n(FORMATS_NS + f)) for f in RESULT_FORMATS
    ]
    for graph, count in stats.graphs.items():
        named, inner = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, _n(SD + "namedGraph"), named),
            Triple(named, _n(SD + "name"), _n(graph)),
            Triple(named, _n(SD + "graph"), inner),
            Triple(inner, _n(VOID + "triples"), _int(count)),
        ]
    kept = [t for t in triples if t is not None]
    return serialize(kept, format=fmt, prefixes=PREFIXES) or b""


def void_description(root: str, settings: Settings, stats: Stats, fmt: RdfFormat) -> bytes:
    dataset = _n(root + ".well-known/void#sorakg")
    triples = [
        Triple(dataset, RDF_TYPE, _n(VOID + "Dataset")),
        Triple(dataset, DCTERMS_TITLE, Literal("Sorafenib Resistance Knowledge Graph")),
        Triple(dataset, _n(VOID + "sparqlEndpoint"), _n(root + "sparql")),
        Triple(dataset, _n(VOID + "uriSpace"), Literal(settings.base_iri)),
        Triple(dataset, _n(VOID + "feature"), _n(FORMATS_NS + "Turtle")),
        Triple(dataset, _n(VOID + "feature"), _n(FORMATS_NS + "JSON-LD")),
        *_dataset_triples(dataset, stats),
    ]
    return serialize(triples, format=fmt, prefixes=PREFIXES) or b""
