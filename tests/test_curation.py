"""Claim strength from a hedge-cue lexicon, and reference checks that dispute by method.

Expectations are written from the review (its text: source.txt in the publication folder) and
from the references recorded in reference_checks.csv (with their releases; sources in
reference_checks.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from sorakg.loaders import tables as t
from sorakg.loaders.errors import TableError
from sorakg.loaders.hedges import LEXICON, cues_in, read_lexicon, unexplained
from sorakg.loaders.read import Sources, read_sources
from sorakg.loaders.vocab import SK
from sorakg.pipeline.build import Built
from tests.constants import BASE, DATA, PUB

CUES = read_lexicon(DATA / LEXICON)


@pytest.fixture(scope="module")
def sources() -> Sources:
    return read_sources(DATA)


def rows_of(sources: Sources, model: type[t.Row]) -> list[t.Row]:
    return [item.row for pub in sources.publications for item in pub.of(model)]


# --- hedges --------------------------------------------------------------------------------------


def test_the_lexicon_names_its_source_for_every_cue() -> None:
    assert len(CUES) >= 25
    for cue in CUES:
        assert cue.modality in {"hedged", "hypothesis"}, cue.cue
        assert any(s in cue.source for s in ("Kilicoglu and Bergler 2008", "BioScope", "curator"))
    # hedging cues a reader meets in the review: "may imply", "might serve", "indicating that",
    # "possibly", "preliminarily", "suggest"
    text = "may imply might indicating possibly preliminarily suggest"
    assert {c.cue for c in cues_in(text, CUES)} >= {
        "may", "might", "imply", "indicate", "possible", "preliminary", "suggest"
    }  # fmt: skip
    assert not cues_in("the tivantinib group had a longer TTP than the placebo group", CUES)


def test_no_stated_claim_hides_a_hedge_cue(sources: Sources) -> None:
    """Every row recording a claim as stated whose quote holds a cue has a note saying why that
    cue does not hedge it (and the reader reports any other, as sorakg validate does)."""
    claims = [item for pub in sources.publications for rows in pub.rows.values() for item in rows]
    assert list(unexplained(claims, CUES)) == []
    explained = [
        item.row
        for item in claims
        if isinstance(item.row, t.Claim) and item.row.modality == t.Modality.stated
        and cues_in(item.row.quote, CUES)
    ]  # fmt: skip
    # "could be reversed by gene knockdown of Akt": the past of "can", reporting a result
    assert len(explained) >= 10
    assert all("cue '" in (row.note or "") for row in explained)


def test_a_hedged_quote_recorded_as_stated_is_reported(data_copy: Path) -> None:
    path = data_copy / PUB / "mechanisms.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:  # "indicating that the JAK-STAT pathway participates in ..." (hedged)
        if row["quote"].startswith("indicating that the JAK-STAT"):
            row["modality"] = "stated"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(TableError) as caught:
        read_sources(data_copy)
    (problem,) = caught.value.problems
    assert problem.file.endswith("mechanisms.csv") and problem.column == "modality"
    assert "hedge cue 'indicate'" in problem.message and "Kilicoglu" in problem.message


def test_every_claim_table_records_modality() -> None:
    """Tables without modality name entities or give figures and structure; everything else the
    review says is a claim and records its strength."""
    without = {m.table for m in t.ALL_MODELS if not issubclass(m, t.Claim)}
    assert without == {
        "drugs.csv", "interventions.csv", "molecules.csv", "pathways.csv", "models.csv",
        "trials.csv", "biomarkers.csv", "pathway_members.csv", "arms.csv",
        "outcomes.csv", "adverse_events.csv", "discrepancies.csv", "reference_checks.csv",
    }  # fmt: skip
    assert {"drug_classes.csv", "conclusions.csv", "comparisons.csv", "endpoints.csv"} <= {
        m.table for m in t.ALL_MODELS if issubclass(m, t.Claim)
    }


def test_the_same_claim_keeps_each_occurrence(sources: Sources) -> None:
    # core tip: "The primary resistance of hepatocellular carcinoma (HCC) to sorafenib is due to
    # genetic heterogeneity"; conclusion: "... is possibly due to the genetic heterogeneity"
    rows = [r for r in rows_of(sources, t.Mechanism) if r.id == "genetic-heterogeneity"]  # type: ignore[attr-defined]
    by_place = {r.location: r.modality for r in rows}  # type: ignore[attr-defined]
    assert by_place["Core tip"] == "stated" and by_place["CONCLUSION"] == "hedged"


def test_general_statements_are_not_sorafenib_evidence(sources: Sources) -> None:
    # "Many mechanisms account for acquired resistance to antitumor drugs, such as ...": every
    # row quoting it is of general scope, whatever mechanism it is about
    for model in (t.Mechanism, t.MechanismPathway, t.MechanismFinding, t.Conclusion):
        for row in rows_of(sources, model):
            if "antitumor drugs" in row.quote and "sorafenib" not in row.quote:
                assert row.scope == t.Scope.antitumour_general, row.quote  # type: ignore[attr-defined]


def test_tissue_of_unstated_origin_is_not_patient_tissue(sources: Sources) -> None:
    # "sorafenib-resistant HCC tissues had higher expression of HIF-1 alpha" [34]: whose tissues,
    # the review does not say
    for model in (t.Mechanism, t.MechanismPathway, t.MechanismFinding):
        for row in rows_of(sources, model):
            if "sorafenib-resistant HCC tissues" in row.quote:
                assert row.evidence_type == t.EvidenceType.tissue_unspecified  # type: ignore[attr-defined]
    # "in HCC cells in vitro and in vivo" [32]: cell lines and, read by the curator, xenografts
    hif = [
        r
        for r in rows_of(sources, t.DrugAction)
        if (r.drug, r.action, r.target) == ("sorafenib", "downregulates", "hif1a")  # type: ignore[attr-defined]
    ]
    assert {r.evidence_type for r in hif} == {"cell_line", "xenograft"}  # type: ignore[attr-defined]


# --- reference checks ----------------------------------------------------------------------------


def checks(sources: Sources) -> list[t.ReferenceCheck]:
    return rows_of(sources, t.ReferenceCheck)  # type: ignore[return-value]


def test_every_drug_target_and_class_statement_has_a_reference_check(sources: Sources) -> None:
    found = checks(sources)
    for model in (t.DrugAction, t.DrugClassAssertion):
        for row in rows_of(sources, model):
            mine = [c for c in found if c.covers(row)]
            assert mine, f"{row.table} {row.key_values()} has no reference check"
            assert all(c.reference and c.release for c in mine)


def test_every_contradicted_statement_is_disputed_not_asserted(built: Built) -> None:
    asserted, disputed = built.graph("asserted"), built.graph("disputed")
    contradicted = list(asserted.subjects(SK.checkVerdict, SK.ContradictedByReference))
    assert len(contradicted) >= 10
    for check in contradicted:
        records = list(asserted.objects(check, SK.checksRecord))
        assert records, check
        for record in records:
            subject = disputed.value(record, SK.evidenceFor)
            if subject is None:
                # a value the review does not give (BRISK-PS, the study the review's phase III
                # brivanib trial is): the dispute points at the trial's own record
                assert asserted.value(check, SK.checkedColumn) is not None, record
            else:
                predicate = disputed.value(record, SK.statementPredicate)
                obj = disputed.value(record, SK.statementObject) or disputed.value(
                    record, SK.statementValue
                )
                assert (subject, predicate, obj) not in asserted, (subject, predicate, obj)
            dispute = disputed.value(None, SK.disputes, record)
            assert (dispute, SK.fromCheck, check) in disputed
            assert disputed.value(dispute, SK.reference) is not None


def test_partly_contradicted_statements_keep_the_correction(built: Built) -> None:
    asserted = built.graph("asserted")
    partly = list(asserted.subjects(SK.checkVerdict, SK.PartlyContradictedByReference))
    # ramucirumab "VEGFR inhibitor" (a VEGFR-2 antagonist antibody); dovitinib "directly
    # activating SHP-1" (SHP-1-dependent, not shown direct)
    statements = " ".join(str(asserted.value(c, SK.checkedStatement)) for c in partly)
    assert "Ramucirumab" in statements and "SHP-1" in statements
    assert all(asserted.value(c, SK.correctStatement) for c in partly)
    ramucirumab = URIRef(BASE + "drug/ramucirumab")
    assert (ramucirumab, SK.inhibits, URIRef(BASE + "molecule/vegfr")) in asserted


# a contradicted drug action without the correct pharmacology beside it, and why
NO_CORRECT_ROW = {
    "tivantinib": "its reported cytotoxic target, tubulin, is named nowhere in the review",
}


def test_the_correct_pharmacology_stands_beside_each_disputed_target(sources: Sources) -> None:
    actions = rows_of(sources, t.DrugAction)
    disputed_drugs = {
        c.keys()[0]
        for c in checks(sources)
        if c.checked_table == "drug_actions.csv" and c.verdict == t.CheckVerdict.contradicted
    }
    assert disputed_drugs >= {"bevacizumab", "u0126", "sunitinib", "tivantinib"}
    for drug in disputed_drugs - NO_CORRECT_ROW.keys():
        beside = [r for r in actions if r.drug == drug and r.basis == t.Basis.curator]  # type: ignore[attr-defined]
        assert beside, f"no curator row records what {drug} does"
        for row in beside:
            verdicts = {c.verdict for c in checks(sources) if c.covers(row)}
            assert verdicts == {t.CheckVerdict.consistent}, row.key_values()
    # U0126 inhibits MEK1/2 (Favata et al. 1998); bevacizumab binds VEGF-A; sunitinib, KIT
    pairs = {(r.drug, r.target) for r in actions if r.basis == t.Basis.curator}  # type: ignore[attr-defined]
    assert {("u0126", "mek"), ("bevacizumab", "vegf"), ("sunitinib", "kit")} <= pairs


def test_a_trial_fact_is_disputed_by_its_registry_record_or_publication(built: Built) -> None:
    asserted, disputed = built.graph("asserted"), built.graph("disputed")
    trial = URIRef(BASE + "trial/ref50-doxorubicin-sorafenib")
    # "In a phaseIII trial, doxorubicinplussorafenib compared with doxorubicinalone was evaluated
    # in 96 patients": ClinicalTrials.gov NCT00108953 registers it as phase 2
    assert set(asserted.objects(trial, SK.phase)) == {SK.PhaseII}
    (record,) = disputed.subjects(SK.statementPredicate, SK.phase)
    assert disputed.value(record, SK.statementObject) == SK.PhaseIII
    assert (record, RDF.type, SK.Evidence) in disputed
    corrected = [
        e
        for e in asserted.subjects(SK.evidenceFor, trial)
        if asserted.value(e, SK.statementPredicate) == SK.phase
    ]
    assert [asserted.value(e, SK.basis) for e in corrected] == [SK.CuratorInference]
