"""Evidence records: the IRIs of the graph and the record each row gives.

Every row gives its direct triples (``sorafenib sk:inhibits vegfr``) and one evidence record that
points at what it supports (``sk:evidenceFor`` the subject, plus ``sk:statementPredicate`` and
``sk:statementObject`` for a relation) and carries the quote, its location, the reference numbers
and the table row it was loaded from. IRIs are built from the rows' ids under one base IRI, so
the same tables always give the same graph.
"""

from __future__ import annotations

import re
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from . import tables as t
from .read import Located, Publication
from .vocab import SK, term


def slug(*parts: object) -> str:
    """Readable IRI segment: lower-case words joined by hyphens; empty parts dropped."""
    words = "-".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")


class Minter:
    """Entity IRIs under one base (``https://w3id.org/sorakg/drug/sorafenib``)."""

    def __init__(self, base: str):
        if not base.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {base}")
        self.base = base

    def __call__(self, *path: str) -> URIRef:
        return URIRef(self.base + "/".join(path))

    def entity(self, segment: str, id_: str) -> URIRef:
        return self(segment, id_)

    def graph(self, name: str) -> URIRef:
        return self("graph", name)


def local_name(iri: URIRef | Literal) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def typed_literal(value: object) -> Literal:
    if isinstance(value, float):
        # decimals keep the figure as the review printed it (6.0 stays 6.0)
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.nonNegativeInteger)
    return Literal(value)


class EvidenceWriter:
    """Writes one publication's evidence records into a graph; the row handlers build on it."""

    def __init__(
        self,
        graph: Graph,
        mint: Minter,
        pub: Publication,
        segments: dict[str, str],
        disputed: Graph | None = None,
    ):
        self.g = graph
        self.asserted = graph
        # statements the curator disputes: kept as the review's, one graph away from the default
        self.disputed = disputed if disputed is not None else Graph()
        self.mint = mint
        self.pub = pub
        self.pub_iri = mint("publication", pub.id)
        # entity id → the IRI segment of the table that defines it
        self.segments = segments
        # evidence records in the order they first entered their graph: a disputed row's records
        # are the tail it adds (scanning the graph for them per row made loading quadratic)
        self.records: list[URIRef] = []
        # reference checks by the table they check
        self.checks: dict[str, list[Located]] = {}
        for check in pub.of(t.ReferenceCheck):
            row: t.ReferenceCheck = check.row  # type: ignore[assignment]
            self.checks.setdefault(row.checked_table, []).append(check)
        # the evidence records each row gave, for the checks to point at
        self.row_records: list[tuple[t.Row, list[URIRef]]] = []

    # -- helpers -----------------------------------------------------------------------------

    def ref(self, id_: str) -> URIRef:
        return self.mint.entity(self.segments[id_], id_)

    def add(self, s: URIRef, p: URIRef, o: object) -> None:
        if o is None or o == [] or o == "":
            return
        self.g.add((s, p, o if isinstance(o, URIRef | Literal) else typed_literal(o)))

    def evidence(
        self,
        item: Located,
        about: URIRef,
        predicate: URIRef | None = None,
        obj: URIRef | Literal | None = None,
    ) -> URIRef:
        row = item.row
        stem = row.table.removesuffix(".csv").replace("_", "-")
        path = ["evidence", self.pub.id, stem, slug(item.fact_id)]
        if predicate is not None and obj is not None:
            # one row can support several triples (a mechanism and each of its pathways)
            path.append(slug(local_name(predicate), local_name(obj)))
        node = self.mint(*path)
        g = self.g
        if (node, RDF.type, SK.Evidence) not in g:
            self.records.append(node)
        g.add((node, RDF.type, SK.Evidence))
        g.add((node, SK.evidenceFor, about))
        if predicate is not None and obj is not None:
            g.add((node, SK.statementPredicate, predicate))
            # a value (an enrolment, an acronym) is a literal: OWL 2 DL keeps it off the object
            # property statementObject
            g.add(
                (node, SK.statementValue if isinstance(obj, Literal) else SK.statementObject, obj)
            )
        g.add((node, SK.quote, Literal(row.quote)))
        g.add((node, SK.location, Literal(row.location)))
        g.add((node, SK.sourceRow, Literal(item.where)))
        g.add((node, SK.basis, term(row.basis, t.Basis)))
        g.add((node, SK.inPublication, self.pub_iri))
        self.add(node, SK.curatorNote, row.note)
        if isinstance(row, t.Claim):
            # the claim's strength travels with each evidence record of the row
            g.add((node, SK.modality, term(row.modality, t.Modality)))
            g.add((node, SK.claimScope, term(row.scope, t.Scope)))
            g.add((node, SK.evidenceType, term(row.evidence_type, t.EvidenceType)))
            g.add((node, SK.evidenceDirection, term(row.supports, t.Supports)))
        for number in row.refs:
            citation = self.mint("publication", self.pub.id, "reference", str(number))
            g.add((citation, RDF.type, SK.Citation))
            g.add((citation, SK.referenceNumber, Literal(number, datatype=XSD.positiveInteger)))
            g.add((citation, SK.inPublication, self.pub_iri))
            g.add((citation, RDFS.label, Literal(f"[{number}]")))
            g.add((node, SK.cites, citation))
        return node

    def fact(self, item: Located, s: URIRef, p: URIRef, o: URIRef) -> None:
        """A direct triple and its evidence."""
        self.g.add((s, p, o))
        self.evidence(item, s, p, o)

    def check_iri(self, check: Located) -> URIRef:
        return self.mint("check", self.pub.id, slug(check.fact_id))
