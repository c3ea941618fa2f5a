"""What an entity's HTML page shows, derived from the triples describing it.

Links out are made from the identifier literals the graph holds (``sk:chemblId`` …) with the
URL patterns below, plus every ``skos:*Match`` IRI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SK = "https://w3id.org/sorakg/ontology#"
LABEL, DEFINITION = RDFS + "label", SKOS + "definition"
TITLE = "http://purl.org/dc/terms/title"
MATCHES = {SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "broadMatch", SKOS + "narrowMatch"}

# identifier property → (name of the resource, URL with {} for the identifier)
LINK_OUT = {
    SK + "chemblId": ("ChEMBL", "https://www.ebi.ac.uk/chembl/explore/compound/{}"),
    SK + "nctId": ("ClinicalTrials.gov", "https://clinicaltrials.gov/study/{}"),
    SK + "uniprotId": ("UniProt", "https://www.uniprot.org/uniprotkb/{}/entry"),
    SK + "chebiId": ("ChEBI", "https://www.ebi.ac.uk/chebi/searchId.do?chebiId={}"),
    SK + "drugbankId": ("DrugBank", "https://go.drugbank.com/drugs/{}"),
    SK + "hgncId": ("HGNC", "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/{}"),
}


@dataclass(frozen=True)
class Node:
    text: str  # label, literal value or IRI
    href: str | None = None  # where a link goes (local page for our IRIs)
    iri: str | None = None
    note: str = ""  # datatype or language of a literal


@dataclass
class Evidence:
    statement: list[Node]
    quote: str
    location: str
    citations: list[Node]
    basis: Node | None
    source_row: str


@dataclass
class EntityView:
    label: str
    types: list[Node] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    outgoing: list[tuple[Node, Node]] = field(default_factory=list)
    incoming: list[tuple[Node, Node]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (resource name, URL)


def _value(term: object) -> str:
    """The IRI, literal value or label of a term (an RDF-star triple as its text)."""
    return str(getattr(term, "value", term))


def _local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _Describer:
    def __init__(self, triples: Iterable[ox.Triple], base_iri: str):
        self.triples = list(triples)
        self.base_iri = base_iri
        self.labels: dict[str, str] = {}
        for t in self.triples:
            if t.predicate.value in (LABEL, TITLE) and isinstance(t.object, ox.Literal):
                self.labels.setdefault(_value(t.subject), t.object.value)

    def node(self, term: object) -> Node:
        if isinstance(term, ox.NamedNode):
            iri = term.value
            href = "/" + iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else iri
            return Node(self.labels.get(iri, _local_name(iri)), href, iri)
        if isinstance(term, ox.Literal):
            note = term.language or _local_name(term.datatype.value)
            return Node(term.value, note="" if note == "string" else note)
        return Node(str(term))

    def about(self, subject: str) -> dict[str, list[object]]:
        facts: dict[str, list[object]] = {}
        for t in self.triples:
            if _value(t.subject) == subject:
                facts.setdefault(t.predicate.value, []).append(t.object)
        return facts

    def evidence(self, iri: str, facts: dict[str, list[object]]) -> Evidence:
        def first(predicate: str) -> str:
            values = facts.get(predicate, [])
            return str(getattr(values[0], "value", values[0])) if values else ""

        statement = [self.node(v) for p in ("statementPredicate", "statementObject")
                     for v in facts.get(SK + p, [])]  # fmt: skip
        citations = sorted((self.node(c) for c in facts.get(SK + "cites", [])),
                           key=lambda n: (len(n.text), n.text))  # fmt: skip
        basis = facts.get(SK + "basis", [])
        return Evidence(
            statement=statement,
            quote=first(SK + "quote"),
            location=first(SK + "location"),
            citations=citations,
            basis=self.node(basis[0]) if basis else None,
            source_row=first(SK + "sourceRow"),
        )


def entity_view(iri: str, triples: Iterable[ox.Triple], base_iri: str) -> EntityView:
    d = _Describer(triples, base_iri)
    view = EntityView(d.labels.get(iri, _local_name(iri)))
    evidence_nodes: list[str] = []
    for t in d.triples:
        subject, predicate, obj = _value(t.subject), t.predicate.value, t.object
        if subject == iri:
            if predicate == RDF_TYPE:
                view.types.append(d.node(obj))
            elif predicate == DEFINITION:
                view.definitions.append(str(getattr(obj, "value", obj)))
            elif predicate != LABEL:
                view.outgoing.append((d.node(t.predicate), d.node(obj)))
            if predicate in LINK_OUT and isinstance(obj, ox.Literal):
                name, url = LINK_OUT[predicate]
                view.links.append((f"{name} {obj.value}", url.format(obj.value)))
            if predicate in MATCHES and isinstance(obj, ox.NamedNode):
                view.links.append((obj.value, obj.value))
        elif isinstance(obj, ox.NamedNode) and obj.value == iri:
            if predicate == SK + "evidenceFor":
                evidence_nodes.append(subject)
            else:
                view.incoming.append((d.node(t.subject), d.node(t.predicate)))
    for node in sorted(set(evidence_nodes)):
        view.evidence.append(d.evidence(node, d.about(node)))
    view.outgoing.sort(key=lambda pair: (pair[0].text, pair[1].text))
    view.incoming.sort(key=lambda pair: (pair[1].text, pair[0].text))
    view.links.sort()
    return view
