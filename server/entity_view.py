"""What an entity's HTML page shows, derived from the triples describing it.

Links out are made from the identifier literals the graph holds (``sk:chemblId`` …) with the
URL patterns below, plus every ``skos:*Match`` IRI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sorakg.loaders.prefixes import TABLE
from sorakg.names import curie, term_text

RDFS, SKOS, SK = TABLE["rdfs"], TABLE["skos"], TABLE["sk"]
RDF_TYPE = TABLE["rdf"] + "type"
LABEL, DEFINITION = RDFS + "label", SKOS + "definition"
TITLE = TABLE["dcterms"] + "title"
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
    text: str  # label, literal value or CURIE
    href: str | None = None  # where a link goes (local page for our IRIs); http(s) only
    iri: str | None = None
    note: str = ""  # datatype or language of a literal
    inferred: bool = False  # a fact the reasoner added (its "why" is in the explanations)


# what a page is about, by the first segment of its path; the template orders sections by it
KINDS = {"drug": "drug", "trial": "trial", "mechanism": "mechanism", "molecule": "molecule",
         "pathway": "pathway", "intervention": "intervention", "biomarker": "biomarker",
         "model": "model"}  # fmt: skip
# evidence properties shown in their own places; any other (modality, evidence type …) is
# shown as the claim's strength
EVIDENCE_SHOWN = {SK + p for p in ("statementPredicate", "statementObject", "quote", "location",
                  "cites", "basis", "sourceRow", "evidenceFor", "curatorNote")}  # fmt: skip
ACTED_ON = {"molecule", "pathway", "mechanism"}
HIDDEN_INCOMING = {SK + "statementObject", SK + "statementPredicate", SK + "evidenceFor"}


@dataclass
class Evidence:
    iri: str
    statement: list[Node]
    quote: str
    location: str
    citations: list[Node]
    basis: Node | None
    source_row: str
    strength: list[tuple[Node, Node]] = field(default_factory=list)  # modality, evidence type …
    note: str = ""  # the curator's note on an inference


@dataclass
class EntityView:
    label: str
    kind: str = "entity"
    types: list[Node] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    outgoing: list[tuple[Node, Node]] = field(default_factory=list)
    incoming: list[tuple[Node, Node]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (resource name, URL)
    # what a drug (or mechanism …) acts on: stated facts about targets, pathways, mechanisms,
    # each with how many evidence records state it
    actions: list[tuple[Node, Node, int]] = field(default_factory=list)


def _local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _Describer:
    def __init__(
        self,
        triples: Iterable[ox.Triple],
        base_iri: str,
        names: dict[str, str] | None = None,
        prefixes: dict[str, str] | None = None,
    ):
        self.triples = list(triples)
        self.base_iri = base_iri
        self.prefixes = prefixes or {}
        self.labels: dict[str, str] = {}
        for t in self.triples:
            if t.predicate.value in (LABEL, TITLE) and isinstance(t.object, ox.Literal):
                self.labels.setdefault(term_text(t.subject), t.object.value)
        self.names = names or {}  # better names of nearby nodes (arms with their trial …)
        self.by_subject: dict[str, list[ox.Triple]] = {}
        for t in self.triples:
            self.by_subject.setdefault(term_text(t.subject), []).append(t)

    def node(self, term: object, named: bool = False) -> Node:
        if isinstance(term, ox.NamedNode):
            iri = term.value
            text = (self.names.get(iri) if named else None) or self.labels.get(iri)
            text = text or self.names.get(iri)
            text = text or curie(iri, self.prefixes) if self.prefixes else text or _local_name(iri)
            if not iri.startswith(("http://", "https://")):
                return Node(text, None, iri)  # javascript:, data: … are never links
            href = "/" + iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else iri
            return Node(text, href, iri)
        if isinstance(term, ox.Literal):
            note = term.language or _local_name(term.datatype.value)
            return Node(term.value, note="" if note == "string" else note)
        return Node(str(term))

    def about(self, subject: str) -> dict[str, list[object]]:
        facts: dict[str, list[object]] = {}
        for t in self.by_subject.get(subject, []):
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
        strength = sorted(
            ((self.node(ox.NamedNode(p)), self.node(v)) for p, values in facts.items()
             if p.startswith(SK) and p not in EVIDENCE_SHOWN for v in values),
            key=lambda pair: (pair[0].text, pair[1].text),
        )  # fmt: skip
        return Evidence(
            iri=iri,
            statement=statement,
            quote=first(SK + "quote"),
            location=first(SK + "location"),
            citations=citations,
            basis=self.node(basis[0]) if basis else None,
            source_row=first(SK + "sourceRow"),
            strength=strength,
            note=first(SK + "curatorNote"),
        )


def entity_view(
    iri: str,
    triples: Iterable[ox.Triple],
    base_iri: str,
    names: dict[str, str] | None = None,
    prefixes: dict[str, str] | None = None,
    inferred: set[tuple[str, str]] | None = None,
) -> EntityView:
    """The page of ``iri``: ``names`` are better names for nearby nodes, ``inferred`` the
    (property, value) pairs the reasoner added (marked, and explained further down)."""
    d = _Describer(triples, base_iri, names, prefixes)
    inferred = inferred or set()
    view = EntityView(d.labels.get(iri) or d.names.get(iri) or curie(iri, d.prefixes))
    path = iri[len(base_iri) :] if iri.startswith(base_iri) else ""
    if path.count("/") == 1:
        view.kind = KINDS.get(path.split("/", 1)[0], "entity")
    elif path.startswith("publication/") and "/reference/" in path:
        view.kind = "reference"  # a numbered reference of a publication's list
    identifiers: list[str] = []
    evidence_nodes: list[str] = []
    for t in d.triples:
        subject, predicate, obj = term_text(t.subject), t.predicate.value, t.object
        if subject == iri:
            if predicate == RDF_TYPE:
                node = d.node(obj)
                if (predicate, term_text(obj)) in inferred:
                    node = Node(node.text, node.href, node.iri, inferred=True)
                view.types.append(node)
            elif predicate == DEFINITION:
                view.definitions.append(str(getattr(obj, "value", obj)))
            elif predicate != LABEL:
                value = d.node(obj)
                if (predicate, term_text(obj)) in inferred:
                    value = Node(value.text, value.href, value.iri, value.note, inferred=True)
                view.outgoing.append((d.node(t.predicate), value))
            if predicate in LINK_OUT and isinstance(obj, ox.Literal):
                name, url = LINK_OUT[predicate]
                identifiers.append(obj.value)
                view.links.append((f"{name} {obj.value}", url.format(obj.value)))
        elif isinstance(obj, ox.NamedNode) and obj.value == iri:
            if predicate == SK + "evidenceFor":
                evidence_nodes.append(subject)
            elif predicate not in HIDDEN_INCOMING:  # evidence records show as Evidence
                view.incoming.append((d.node(t.subject, named=True), d.node(t.predicate)))
    for t in d.triples:  # matches the identifier links above do not already give
        if term_text(t.subject) == iri and t.predicate.value in MATCHES:
            match = term_text(t.object)
            if match.startswith(("http://", "https://")) and not any(
                i in match or i.replace(":", "_") in match for i in identifiers
            ):
                view.links.append((curie(match, d.prefixes) or match, match))
    for record in sorted(set(evidence_nodes)):
        view.evidence.append(d.evidence(record, d.about(record)))
    stated_by = Counter(
        (e.statement[0].iri, e.statement[1].iri) for e in view.evidence if len(e.statement) == 2
    )
    for prop, value in view.outgoing:
        parts = (value.href or "").strip("/").split("/")
        if not value.inferred and len(parts) == 2 and parts[0] in ACTED_ON:
            view.actions.append((prop, value, stated_by[(prop.iri, value.iri)]))
    view.actions.sort(key=lambda a: (a[0].text, a[1].text))
    view.outgoing.sort(key=lambda pair: (pair[0].text, pair[1].text))
    view.incoming.sort(key=lambda pair: (pair[1].text, pair[0].text))
    view.links.sort()
    return view
