"""Turn checked source tables into RDF: each publication's rows through their table's handler
(``entity_rows``, ``fact_rows``), with their evidence records (``evidence``) and the statements
a curator disputes kept in a graph of their own (``disputes``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from . import bibliography
from . import tables as t
from .disputes import DISPUTE_KINDS
from .entity_rows import EntityRows
from .evidence import Minter
from .fact_rows import FactRows
from .identifiers import SCHEMES
from .read import Located, Publication, Sources
from .vocab import PREFIXES, SK


class Loader(EntityRows, FactRows):
    """Adds one publication's rows to a graph."""

    def publication(self) -> None:
        g, node = self.g, self.pub_iri
        g.add((node, RDF.type, SK.Publication))
        g.add((node, RDFS.label, Literal(str(self.pub.meta["title"]), lang="en")))
        g.add((node, DCTERMS.title, Literal(str(self.pub.meta["title"]), lang="en")))
        if self.pub.record is not None:
            bibliography.add_record(g, node, self.pub.record)
        for reference in self.pub.references:
            citation = self.mint("publication", self.pub.id, "reference", str(reference.number))
            bibliography.add_reference(g, citation, node, reference)

    HANDLERS: ClassVar[dict[type[t.Row], Callable[[Loader, Located], None]]] = {
        t.Drug: EntityRows.drug,
        t.Intervention: EntityRows.intervention,
        t.Molecule: EntityRows.molecule,
        t.Pathway: EntityRows.pathway,
        t.Mechanism: EntityRows.mechanism,
        t.Model: EntityRows.model,
        t.Trial: EntityRows.trial,
        t.Biomarker: EntityRows.biomarker,
        t.DrugClassAssertion: FactRows.drug_class,
        t.DrugAction: FactRows.drug_action,
        t.PathwayMember: FactRows.pathway_member,
        t.MechanismPathway: EntityRows.mechanism_pathway,
        t.MechanismFinding: FactRows.mechanism_finding,
        t.Reversal: FactRows.reversal,
        t.BiomarkerFinding: FactRows.biomarker_finding,
        t.EndpointResult: FactRows.endpoint_result,
        t.Arm: FactRows.arm,
        t.Outcome: FactRows.outcome,
        t.AdverseEvent: FactRows.adverse_event,
        t.Discrepancy: FactRows.discrepancy,
        t.Conclusion: FactRows.conclusion,
        t.Comparison: FactRows.comparison,
        t.ReferenceCheck: FactRows.reference_check,
    }

    def dispute(self, item: Located, checks: list[Located]) -> None:
        """The row's statement and evidence go to the disputed graph, with the curator's dispute
        pointing at each evidence record the row gave."""
        before = len(self.records)
        self.HANDLERS[type(item.row)](self, item)
        kind = DISPUTE_KINDS.get((item.row.table, ""), SK.StatementDispute)
        self.dispute_records(self.records[before:], checks, kind)

    def load(self) -> None:
        self.publication()
        for model in t.ALL_MODELS:
            for item in self.pub.of(model):
                before = len(self.records)
                checks = self.contradicting(item)
                if checks:
                    self.g = self.disputed
                    try:
                        self.dispute(item, checks)
                    finally:
                        self.g = self.asserted
                else:
                    self.HANDLERS[model](self, item)
                self.row_records.append((item.row, self.records[before:]))


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


class Converter:
    """The publications' rows as RDF, any number of publications at a time: a build too large to
    hold converts them in batches. Entity references resolve across every publication read."""

    def __init__(self, sources: Sources, base: str):
        self.sources, self.mint = sources, Minter(base)
        self.segments = {
            item.row.id: item.row.segment  # type: ignore[attr-defined]
            for _, item in sources.entities()
        }
        # the shared identifiers table's triples, by the entity they are about
        self.identifiers: dict[URIRef, list[tuple[URIRef, URIRef, URIRef | Literal]]] = {}
        for ident, _where in sources.identifiers:
            segment, _, id_ = ident.entity.partition("/")
            node = self.mint.entity(segment, id_)
            scheme = SCHEMES[ident.scheme]
            self.identifiers.setdefault(node, []).extend(
                [
                    (node, SK[f"{scheme.name}Id"], Literal(ident.value)),
                    (node, SKOS.exactMatch, URIRef(scheme.iri_for(ident.value))),
                ]
            )

    def graphs(self, publications: list[Publication]) -> tuple[Graph, Graph]:
        """The asserted and the disputed graph of ``publications``, with the identifiers of the
        entities they define (an entity several batches define gets them in each)."""
        graph, disputed = _graph(), _graph()
        for pub in publications:
            Loader(graph, self.mint, pub, self.segments, disputed).load()
        for node, triples in self.identifiers.items():
            if (node, None, None) in graph:
                for triple in triples:
                    graph.add(triple)
        return graph, disputed

    def entity_types(self) -> dict[URIRef, Defined]:
        """Every entity's ``rdf:type`` triples as the entity tables give them, and the
        publications whose tables define it: what a batch lends the shapes about the entities
        it refers to but does not define. The entity handlers run without writing evidence
        records, a fraction of converting."""
        found: dict[URIRef, Defined] = {}
        for pub in self.sources.publications:
            scratch = Graph()
            loader = _Definitions(scratch, self.mint, pub, self.segments, Graph())
            for model in t.ENTITY_MODELS:
                for item in pub.of(model):
                    loader.HANDLERS[model](loader, item)
                    row = item.row
                    node = self.mint.entity(row.segment, row.id)  # type: ignore[attr-defined]
                    found.setdefault(node, Defined([], set())).publications.add(pub.id)
            for subject, _, cls in scratch.triples((None, RDF.type, None)):
                entity = found.get(subject)  # type: ignore[call-overload]
                if entity is not None and (subject, RDF.type, cls) not in entity.types:
                    entity.types.append((subject, RDF.type, cls))
        return found


@dataclass(frozen=True)
class Defined:
    """What the entity tables say an entity is, and which publications define it."""

    types: list[tuple[URIRef, URIRef, URIRef]]
    publications: set[str]


class _Definitions(Loader):
    """The row handlers without their evidence records: what the rows say about entities."""

    def evidence(
        self,
        item: Located,
        about: URIRef,
        predicate: URIRef | None = None,
        obj: URIRef | Literal | None = None,
    ) -> URIRef:
        return about


def facts_graphs(sources: Sources, base: str) -> tuple[Graph, Graph]:
    """The facts of every publication with their evidence: what the review states (asserted),
    and the statements a curator disputes with the disputes (disputed)."""
    return Converter(sources, base).graphs(sources.publications)


def facts_graph(sources: Sources, base: str) -> Graph:
    """The asserted facts of every publication, with their evidence (no disputed statement)."""
    return facts_graphs(sources, base)[0]
