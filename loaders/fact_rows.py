"""The handlers of the fact and claim tables: actions, memberships, findings, trial results,
conclusions and reference checks, each with its evidence record."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from . import tables as t
from .disputes import TRIAL_COLUMNS, DisputeWriter
from .evidence import slug, typed_literal
from .read import Located
from .vocab import SK, term


class FactRows(DisputeWriter):
    """Adds the rows of the fact and claim tables."""

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
        g.add((node, SK.value, typed_literal(float(row.value))))
        self.add(node, SK.subgroup, row.subgroup)
        self.add(node, SK.reading, row.reading)
        for prop, value in (
            (SK.ciLower, row.ci_low),
            (SK.ciUpper, row.ci_high),
            (SK.pValue, row.p_value),
        ):
            if value is not None:
                g.add((node, prop, typed_literal(float(value))))
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
        g.add((node, SK.value, typed_literal(float(row.value))))
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
            g.add((node, SK.upperBound, typed_literal(float(row.bound))))
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
