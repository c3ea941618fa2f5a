"""Turn checked source tables into RDF.

Every row gives its direct triples (``sorafenib sk:inhibits vegfr``) and one evidence record that
points at what it supports (``sk:evidenceFor`` the subject, plus ``sk:statementPredicate`` and
``sk:statementObject`` for a relation) and carries the quote, its location, the reference numbers
and the table row it was loaded from. IRIs are built from the rows' ids under one base IRI, so
the same tables always give the same graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from . import bibliography
from . import tables as t
from .identifiers import SCHEMES
from .read import Located, Publication, Sources
from .vocab import PREFIXES, SK, term


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


def _local(iri: URIRef | Literal) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def _literal(value: object) -> Literal:
    if isinstance(value, float):
        # decimals keep the figure as the review printed it (6.0 stays 6.0)
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.nonNegativeInteger)
    return Literal(value)


class Loader:
    """Adds one publication's rows to a graph."""

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
        self.g.add((s, p, o if isinstance(o, URIRef | Literal) else _literal(o)))

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
            path.append(slug(_local(predicate), _local(obj)))
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

    # -- entities ----------------------------------------------------------------------------

    def entity(self, item: Located, classes: list[URIRef]) -> URIRef:
        row = item.row
        assert isinstance(row, t.Entity)
        node = self.mint.entity(row.segment, row.id)
        for cls in classes:
            self.g.add((node, RDF.type, cls))
        self.g.add((node, RDFS.label, Literal(row.label, lang="en")))
        for synonym in row.synonyms:
            self.g.add((node, SKOS.altLabel, Literal(synonym, lang="en")))
        self.evidence(item, node)
        return node

    def drug(self, item: Located) -> None:
        row: t.Drug = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.Drug])
        for component in row.components:
            self.g.add((node, SK.hasComponent, self.ref(component)))
        if row.analogue_of:
            self.g.add((node, SK.analogueOf, self.ref(row.analogue_of)))

    def intervention(self, item: Located) -> None:
        row: t.Intervention = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.Intervention])
        if row.target:
            self.g.add((node, SK.interventionTarget, self.ref(row.target)))

    def molecule(self, item: Located) -> None:
        row: t.Molecule = item.row  # type: ignore[assignment]
        classes = [SK.Molecule, term(row.type, t.MoleculeType)] + [SK[c] for c in row.classes]
        node = self.entity(item, classes)
        self.add(node, SK.geneSymbol, row.gene)
        for family in row.member_of:
            self.g.add((node, SK.memberOf, self.ref(family)))
        if row.form_of:
            self.g.add((node, SK.formOf, self.ref(row.form_of)))

    def pathway(self, item: Located) -> None:
        row: t.Pathway = item.row  # type: ignore[assignment]
        self.entity(item, [SK.Pathway, term(row.type, t.PathwayType)])

    def mechanism(self, item: Located) -> None:
        row: t.Mechanism = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.ResistanceMechanism, term(row.type, t.MechanismType)])
        self.add(node, SKOS.definition, row.definition)
        self.fact(item, node, SK.resistanceTo, self.ref(row.resistance_to))

    def mechanism_pathway(self, item: Located) -> None:
        row: t.MechanismPathway = item.row  # type: ignore[assignment]
        self.fact(item, self.ref(row.mechanism), SK.involvesPathway, self.ref(row.pathway))

    def model(self, item: Located) -> None:
        row: t.Model = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.PreclinicalModel, term(row.type, t.ModelType)])
        if row.derived_from:
            self.g.add((node, SK.derivedFrom, self.ref(row.derived_from)))

    def trial(self, item: Located) -> None:
        row: t.Trial = item.row  # type: ignore[assignment]
        kind = (
            SK.RetrospectiveStudy if row.phase == t.Phase.retrospective else SK.InterventionalTrial
        )
        node = self.entity(item, [SK.ClinicalStudy, kind])
        g = self.g
        g.add((node, SK.phase, term(row.phase, t.Phase)))
        g.add((node, SK.status, term(row.status, t.Status)))
        g.add((node, SK.strategy, term(row.strategy, t.Strategy)))
        g.add((node, SK.condition, SK.HepatocellularCarcinoma))
        for feature in row.design:
            g.add((node, SK.designFeature, term(feature, t.DesignFeature)))
        if row.primary_outcome:
            g.add((node, SK.primaryOutcome, term(row.primary_outcome, t.PrimaryOutcome)))
        self.add(node, SK.enrolled, row.enrolled)
        self.add(node, SK.acronym, row.acronym)
        for column in TRIAL_COLUMNS:
            checks = self.contradicting(item, column)
            if checks:
                self.trial_column_dispute(item, node, column, checks)
        if row.source_table:
            g.add((node, SK.listedInTable, Literal(f"Table {row.source_table}")))
        if row.nct:
            g.add((node, SK.nctId, Literal(row.nct)))
            g.add((node, SKOS.exactMatch, URIRef(SCHEMES["nct"].iri_for(row.nct))))

    def trial_column_dispute(
        self, item: Located, node: URIRef, column: str, checks: list[Located]
    ) -> None:
        """The review's value of one trial column leaves the default view: its evidence record
        (which names subject, property and value) and the dispute go to the disputed graph; the
        reference's value takes its place, as the curator's statement."""
        prop, as_term = TRIAL_COLUMNS[column]
        stated = getattr(item.row, column)
        check = checks[0]  # one reference value replaces the review's: the first check's
        corrected = as_term(check.row.value)  # type: ignore[attr-defined]
        if stated is not None:
            said = as_term(stated)
            self.asserted.remove((node, prop, said))
            self.g = self.disputed
            try:
                # the record states the review's value (subject, predicate, object); the triple
                # itself is left out, so the trial keeps one phase even with the layer added
                before = len(self.records)
                self.evidence(item, node, prop, said)
                self.dispute_records(
                    self.records[before:], checks, DISPUTE_KINDS[(item.row.table, column)]
                )
            finally:
                self.g = self.asserted
        else:
            # nothing to take out of the default view: the dispute points at the trial's record
            self.g = self.disputed
            try:
                record = self.mint("evidence", self.pub.id, "trials", slug(item.fact_id))
                self.dispute_records([record], checks, DISPUTE_KINDS[(item.row.table, column)])
            finally:
                self.g = self.asserted
        self.asserted.add((node, prop, corrected))
        self.evidence(check, node, prop, corrected)

    def biomarker(self, item: Located) -> None:
        row: t.Biomarker = item.row  # type: ignore[assignment]
        node = self.entity(item, [SK.Biomarker])
        self.g.add((node, SK.measuresMolecule, self.ref(row.molecule)))
        self.g.add((node, SK.sampleType, Literal(row.sample)))

    # -- facts -------------------------------------------------------------------------------

    def drug_class(self, item: Located) -> None:
        row: t.DrugClassAssertion = item.row  # type: ignore[assignment]
        self.fact(item, self.ref(row.drug), RDF.type, term(row.drug_class, t.DrugClass))

    def drug_action(self, item: Located) -> None:
        row: t.DrugAction = item.row  # type: ignore[assignment]
        drug, target = self.ref(row.drug), self.ref(row.target)
        predicate = term(row.action, t.Action)
        self.g.add((drug, predicate, target))
        node = self.evidence(item, drug, predicate, target)
        if row.model:
            self.g.add((node, SK.inModel, self.ref(row.model)))

    def pathway_member(self, item: Located) -> None:
        row: t.PathwayMember = item.row  # type: ignore[assignment]
        self.fact(item, self.ref(row.pathway), term(row.role, t.MemberRole), self.ref(row.member))

    def mechanism_finding(self, item: Located) -> None:
        row: t.MechanismFinding = item.row  # type: ignore[assignment]
        mechanism = self.ref(row.mechanism)
        node = self.mint("mechanism", row.mechanism, "observation", slug(row.entity, row.model))
        g = self.g
        g.add((node, RDF.type, SK.MechanismObservation))
        g.add((node, SK.ofMechanism, mechanism))
        g.add((node, SK.observedEntity, self.ref(row.entity)))
        g.add((node, SK.change, term(row.change, t.Change)))
        if row.model:
            g.add((node, SK.inModel, self.ref(row.model)))
        g.add((mechanism, SK.involves, self.ref(row.entity)))
        self.evidence(item, node)

    def reversal(self, item: Located) -> None:
        row: t.Reversal = item.row  # type: ignore[assignment]
        mechanism, agent = self.ref(row.mechanism), self.ref(row.agent)
        node = self.mint("mechanism", row.mechanism, "reversal", row.agent)
        g = self.g
        g.add((node, RDF.type, SK.Reversal))
        g.add((node, SK.ofMechanism, mechanism))
        g.add((node, SK.byAgent, agent))
        if row.via:
            g.add((node, SK.viaMolecule, self.ref(row.via)))
        if row.model:
            g.add((node, SK.inModel, self.ref(row.model)))
        g.add((agent, SK.reverses, mechanism))
        self.evidence(item, node)
        self.evidence(item, agent, SK.reverses, mechanism)

    def biomarker_finding(self, item: Located) -> None:
        row: t.BiomarkerFinding = item.row  # type: ignore[assignment]
        biomarker, drug = self.ref(row.biomarker), self.ref(row.drug)
        node = self.mint("biomarker", row.biomarker, "association", slug(row.study, row.endpoint))
        g = self.g
        g.add((node, RDF.type, SK.BiomarkerAssociation))
        g.add((node, SK.aboutBiomarker, biomarker))
        g.add((node, SK.inStudy, self.ref(row.study)))
        g.add((node, SK.underDrug, drug))
        g.add((node, SK.endpoint, Literal(row.endpoint)))
        g.add((node, SK.direction, term(row.direction, t.Direction)))
        g.add((node, SK.verdict, term(row.verdict, t.Verdict)))
        self.add(node, SK.sampleCount, row.samples)
        g.add((biomarker, SK.candidateBiomarkerFor, drug))
        self.evidence(item, node)

    def endpoint_result(self, item: Located) -> None:
        row: t.EndpointResult = item.row  # type: ignore[assignment]
        node = self.mint("trial", row.trial, "endpoint", slug(row.endpoint or "primary"))
        g = self.g
        g.add((node, RDF.type, SK.EndpointAssessment))
        g.add((node, SK.ofStudy, self.ref(row.trial)))
        if row.endpoint:
            g.add((node, SK.assessedEndpoint, term(row.endpoint, t.PrimaryOutcome)))
        met = Literal(row.met == t.Supports.yes)
        g.add((node, SK.endpointMet, met))
        self.evidence(item, node)

    def arm_iri(self, trial: str, arm: str) -> URIRef:
        return self.mint("trial", trial, "arm", arm)

    def arm(self, item: Located) -> None:
        row: t.Arm = item.row  # type: ignore[assignment]
        trial, node = self.ref(row.trial), self.arm_iri(row.trial, row.arm)
        g = self.g
        g.add((node, RDF.type, SK.StudyArm))
        g.add((node, RDF.type, term(row.role, t.ArmRole)))
        g.add((node, RDFS.label, Literal(row.label, lang="en")))
        g.add((trial, SK.hasArm, node))
        for agent in row.interventions:
            g.add((node, SK.hasIntervention, self.ref(agent)))
        self.add(node, SK.caseCount, row.cases)
        self.add(node, SK.dose, row.dose)
        if row.part_of:
            g.add((node, SK.partOfArm, self.arm_iri(row.trial, row.part_of)))
        self.evidence(item, node)

    def outcome(self, item: Located) -> None:
        row: t.Outcome = item.row  # type: ignore[assignment]
        name = slug(row.arm or "study", row.measure, row.statistic, row.subgroup, row.reading)
        node = self.mint("trial", row.trial, "outcome", name)
        g = self.g
        g.add((node, RDF.type, SK.OutcomeMeasurement))
        g.add((node, SK.ofStudy, self.ref(row.trial)))
        owner = self.arm_iri(row.trial, row.arm) if row.arm else self.ref(row.trial)
        g.add((owner, SK.hasOutcome, node))
        if row.arm:
            g.add((node, SK.ofArm, owner))
        g.add((node, SK.measure, term(row.measure, t.Measure)))
        g.add((node, SK.statistic, term(row.statistic, t.Statistic)))
        g.add((node, SK.unit, term(row.unit, t.Unit)))
        g.add((node, SK.value, _literal(float(row.value))))
        self.add(node, SK.subgroup, row.subgroup)
        self.add(node, SK.reading, row.reading)
        for prop, value in (
            (SK.ciLower, row.ci_low),
            (SK.ciUpper, row.ci_high),
            (SK.pValue, row.p_value),
        ):
            if value is not None:
                g.add((node, prop, _literal(float(value))))
        self.evidence(item, node)

    def adverse_event(self, item: Located) -> None:
        row: t.AdverseEvent = item.row  # type: ignore[assignment]
        arm = self.arm_iri(row.trial, row.arm)
        node = self.mint("trial", row.trial, "adverse-event", slug(row.arm, row.event))
        g = self.g
        g.add((node, RDF.type, SK.AdverseEventObservation))
        g.add((node, SK.ofArm, arm))
        g.add((arm, SK.hasAdverseEvent, node))
        g.add((node, SK.eventName, Literal(row.event)))
        self.add(node, SK.grade, row.grade)
        g.add((node, SK.value, _literal(float(row.value))))
        g.add((node, SK.unit, term(row.unit, t.Unit)))
        self.evidence(item, node)

    def discrepancy(self, item: Located) -> None:
        row: t.Discrepancy = item.row  # type: ignore[assignment]
        node = self.mint("discrepancy", self.pub.id, row.id)
        g = self.g
        g.add((node, RDF.type, SK.Discrepancy))
        g.add((node, SK.discrepancySubject, self.ref(row.subject)))
        g.add((node, SK.aspect, Literal(row.aspect)))
        g.add((node, SK.usedReading, Literal(row.used)))
        g.add((node, SK.alternativeReading, Literal(row.alternative)))
        g.add((node, SK.alternativeQuote, Literal(row.alternative_quote)))
        g.add((node, SK.alternativeLocation, Literal(row.alternative_location)))
        self.evidence(item, node)

    def conclusion(self, item: Located) -> None:
        row: t.Conclusion = item.row  # type: ignore[assignment]
        node = self.mint("conclusion", self.pub.id, row.id)
        g = self.g
        g.add((node, RDF.type, SK.Conclusion))
        g.add((node, RDFS.label, Literal(row.statement, lang="en")))
        g.add((node, SK.concerns, self.ref(row.subject)))
        g.add((node, SK.conclusionKind, term(row.claim_kind, t.ConclusionKind)))
        self.evidence(item, node)

    def comparison(self, item: Located) -> None:
        row: t.Comparison = item.row  # type: ignore[assignment]
        name = slug(row.arm or "study", "vs", row.versus, row.measure, row.subgroup)
        node = self.mint("trial", row.trial, "comparison", name)
        g = self.g
        g.add((node, RDF.type, SK.OutcomeComparison))
        words = [row.arm or row.trial, row.measure, str(row.result).replace("_", " ")]
        if row.versus:
            words += ["than", row.versus]
        if row.bound is not None:
            words += [f"{row.bound:g}", str(row.unit)]
        if row.subgroup:
            words.append(f"({row.subgroup})")
        g.add((node, RDFS.label, Literal(f"{row.trial}: {' '.join(words)}", lang="en")))
        g.add((node, SK.ofStudy, self.ref(row.trial)))
        if row.arm:
            g.add((node, SK.ofArm, self.arm_iri(row.trial, row.arm)))
        if row.versus:
            g.add((node, SK.comparedWith, self.arm_iri(row.trial, row.versus)))
        g.add((node, SK.comparisonMeasure, term(row.measure, t.Measure)))
        g.add((node, SK.comparisonResult, term(row.result, t.ComparisonResult)))
        g.add((node, SK.significance, term(row.significance, t.Significance)))
        self.add(node, SK.comparisonSubgroup, row.subgroup)
        if row.bound is not None and row.unit is not None:
            g.add((node, SK.upperBound, _literal(float(row.bound))))
            g.add((node, SK.unit, term(row.unit, t.Unit)))
        self.evidence(item, node)

    def reference_check(self, item: Located) -> None:
        row: t.ReferenceCheck = item.row  # type: ignore[assignment]
        node = self.check_iri(item)
        g = self.g
        g.add((node, RDF.type, SK.ReferenceCheck))
        g.add((node, RDFS.label, Literal(f"check: {row.statement}", lang="en")))
        g.add((node, SK.checkedStatement, Literal(row.statement)))
        g.add((node, SK.reference, Literal(row.reference)))
        g.add((node, SK.referenceRelease, Literal(row.release)))
        if row.reference_url:
            g.add((node, SK.referenceUrl, Literal(row.reference_url, datatype=XSD.anyURI)))
        g.add((node, SK.checkVerdict, term(row.verdict, t.CheckVerdict)))
        self.add(node, SK.correctStatement, row.correction)
        self.add(node, SK.checkedColumn, row.column)
        checked = {
            r for checked, records in self.row_records if row.covers(checked) for r in records
        }
        if row.column:
            # a check of one value points at the record of that value (in the disputed graph
            # when the review gave one), else at the row's own record, not at every record
            prop = TRIAL_COLUMNS[row.column][0]
            of_value = {r for r in checked if (r, SK.statementPredicate, prop) in self.disputed}
            of_row = {
                r
                for r in checked
                if (r, RDF.type, SK.Evidence) in self.asserted
                and (r, SK.statementPredicate, None) not in self.asserted
            }
            checked = of_value or of_row
        for record in sorted(checked):
            g.add((node, SK.checksRecord, record))
        self.evidence(item, node)

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
        t.Drug: drug,
        t.Intervention: intervention,
        t.Molecule: molecule,
        t.Pathway: pathway,
        t.Mechanism: mechanism,
        t.Model: model,
        t.Trial: trial,
        t.Biomarker: biomarker,
        t.DrugClassAssertion: drug_class,
        t.DrugAction: drug_action,
        t.PathwayMember: pathway_member,
        t.MechanismPathway: mechanism_pathway,
        t.MechanismFinding: mechanism_finding,
        t.Reversal: reversal,
        t.BiomarkerFinding: biomarker_finding,
        t.EndpointResult: endpoint_result,
        t.Arm: arm,
        t.Outcome: outcome,
        t.AdverseEvent: adverse_event,
        t.Discrepancy: discrepancy,
        t.Conclusion: conclusion,
        t.Comparison: comparison,
        t.ReferenceCheck: reference_check,
    }

    def check_iri(self, check: Located) -> URIRef:
        return self.mint("check", self.pub.id, slug(check.fact_id))

    def dispute_records(self, records: list[URIRef], checks: list[Located], kind: URIRef) -> None:
        """A curator's dispute of each record, from the reference checks that contradict it
        (written into the current graph: the disputed one)."""
        rows: list[t.ReferenceCheck] = [c.row for c in checks]  # type: ignore[misc]
        reason = " ".join(f"{row.correction} ({row.reference}, {row.release})." for row in rows)
        for record in sorted(set(records)):
            node = self.mint(
                "dispute", *str(record).removeprefix(self.mint("evidence", "")).split("/")
            )
            self.g.add((node, RDF.type, SK.Dispute))
            self.g.add((node, RDFS.label, Literal(f"dispute of {_local(record)}", lang="en")))
            self.g.add((node, SK.disputes, record))
            self.g.add((node, SK.disputeReason, Literal(reason)))
            self.g.add((node, SK.disputeKind, kind))
            for check, row in zip(checks, rows, strict=True):
                self.g.add((node, SK.fromCheck, self.check_iri(check)))
                self.g.add((node, SK.reference, Literal(row.reference)))
                self.g.add((node, SK.referenceRelease, Literal(row.release)))
                self.g.add((node, SK.correctStatement, Literal(row.correction)))

    def dispute(self, item: Located, checks: list[Located]) -> None:
        """The row's statement and evidence go to the disputed graph, with the curator's dispute
        pointing at each evidence record the row gave."""
        before = len(self.records)
        self.HANDLERS[type(item.row)](self, item)
        kind = DISPUTE_KINDS.get((item.row.table, ""), SK.StatementDispute)
        self.dispute_records(self.records[before:], checks, kind)

    def contradicting(self, item: Located, column: str | None = None) -> list[Located]:
        """The reference checks that contradict the row (or one of its columns)."""
        return [
            check
            for check in self.checks.get(item.row.table, [])
            if check.row.verdict == t.CheckVerdict.contradicted  # type: ignore[attr-defined]
            and check.row.column == column  # type: ignore[attr-defined]
            and check.row.covers(item.row)  # type: ignore[attr-defined]
        ]

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


# trial columns a reference check may correct: the property and how a cell becomes its value
TRIAL_COLUMNS: dict[str, tuple[URIRef, Callable[[object], URIRef | Literal]]] = {
    "phase": (SK.phase, lambda value: term(str(value), t.Phase)),
    "enrolled": (SK.enrolled, lambda value: _literal(int(str(value)))),
    "acronym": (SK.acronym, lambda value: Literal(str(value))),
}

# what kind of statement a dispute is about: (table, column) → sk:DisputeKind individual
DISPUTE_KINDS: dict[tuple[str, str], URIRef] = {
    ("drug_actions.csv", ""): SK.DrugTargetDispute,
    ("drug_classes.csv", ""): SK.DrugClassDispute,
    ("trials.csv", "phase"): SK.TrialPhaseDispute,
    ("trials.csv", "enrolled"): SK.EnrolmentDispute,
    ("trials.csv", "acronym"): SK.StudyIdentityDispute,
}


def _add_identifiers(graph: Graph, sources: Sources, mint: Minter) -> None:
    for ident, _where in sources.identifiers:
        segment, _, id_ = ident.entity.partition("/")
        node = mint.entity(segment, id_)
        scheme = SCHEMES[ident.scheme]
        graph.add((node, SK[f"{scheme.name}Id"], Literal(ident.value)))
        graph.add((node, SKOS.exactMatch, URIRef(scheme.iri_for(ident.value))))


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def facts_graphs(sources: Sources, base: str) -> tuple[Graph, Graph]:
    """The facts of every publication with their evidence: what the review states (asserted),
    and the statements a curator disputes with the disputes (disputed)."""
    mint = Minter(base)
    graph, disputed = _graph(), _graph()
    segments = {
        item.row.id: item.row.segment  # type: ignore[attr-defined]
        for _, item in sources.entities()
    }
    for pub in sources.publications:
        Loader(graph, mint, pub, segments, disputed).load()
    _add_identifiers(graph, sources, mint)
    return graph, disputed


def facts_graph(sources: Sources, base: str) -> Graph:
    """The asserted facts of every publication, with their evidence (no disputed statement)."""
    return facts_graphs(sources, base)[0]
