"""Disputed statements: what the review states against a reference check that contradicts it
leaves the default graph for the disputed one, with the curator's dispute beside it."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from . import tables as t
from .evidence import EvidenceWriter, local_name, slug, typed_literal
from .read import Located
from .vocab import SK, term

# trial columns a reference check may correct: the property and how a cell becomes its value
TRIAL_COLUMNS: dict[str, tuple[URIRef, Callable[[object], URIRef | Literal]]] = {
    "phase": (SK.phase, lambda value: term(str(value), t.Phase)),
    "enrolled": (SK.enrolled, lambda value: typed_literal(int(str(value)))),
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


class DisputeWriter(EvidenceWriter):
    """Finds the checks that contradict a row and writes the disputes of its records."""

    def contradicting(self, item: Located, column: str | None = None) -> list[Located]:
        """The reference checks that contradict the row (or one of its columns)."""
        return [
            check
            for check in self.checks.get(item.row.table, [])
            if check.row.verdict == t.CheckVerdict.contradicted  # type: ignore[attr-defined]
            and check.row.column == column  # type: ignore[attr-defined]
            and check.row.covers(item.row)  # type: ignore[attr-defined]
        ]

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
            self.g.add((node, RDFS.label, Literal(f"dispute of {local_name(record)}", lang="en")))
            self.g.add((node, SK.disputes, record))
            self.g.add((node, SK.disputeReason, Literal(reason)))
            self.g.add((node, SK.disputeKind, kind))
            for check, row in zip(checks, rows, strict=True):
                self.g.add((node, SK.fromCheck, self.check_iri(check)))
                self.g.add((node, SK.reference, Literal(row.reference)))
                self.g.add((node, SK.referenceRelease, Literal(row.release)))
                self.g.add((node, SK.correctStatement, Literal(row.correction)))

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
