"""Claims with their strength, trial endpoints, and the named questions that use them.

Expectations are written from the review (its full text:
``loaders/data/<publication>/source.txt``)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from sorakg.pipeline.build import Built
from sorakg.sparql import catalogue as ql
from tests.constants import BASE

PREFIXES = ql.prefixes_for(BASE)


@pytest.fixture(scope="module")
def store(reasoned_store: ox.Store) -> ox.Store:
    """The claims are read on the reasoned build (conftest's ``store`` has no inferences)."""
    return reasoned_store


def answer(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    results = ql.run_named(store, ql.load_query(name), params, PREFIXES)
    columns, rows = ql.rows(results)
    return [{c: ql.shorten(row[c], PREFIXES) for c in columns} for row in rows]


def by(rows: list[dict[str, str]], column: str) -> dict[str, dict[str, str]]:
    return {r[column]: r for r in rows}


def test_mechanisms_with_clinical_or_only_preclinical_evidence(store: ox.Store) -> None:
    rows = by(answer(store, "mechanism-evidence", drug="drug:sorafenib"), "mechanism")
    # "sorafenib-resistant HCC tissues had higher expression of HIF-1 alpha": the review does not
    # say the tissues were patients' (no clinical evidence), while "In xenograft models, the
    # increased hypoxia ... was associated with sorafenib sensitivity" speaks against it; "The
    # hypoxic microenvironment is closely related to the resistance to many antitumor drugs" is
    # said of antitumour drugs in general and counts for nothing here
    hypoxia = rows["mechanism:hypoxia"]
    assert hypoxia["evidence"] == "tissue of unstated origin only"
    assert "patient tissue" not in hypoxia["supporting"] and hypoxia["against"] == "xenograft"
    assert not any(r["evidence"] == "clinical" for r in rows.values())
    # resistant cells (JAK-STAT, PI3K/Akt) and the microarray of resistant cells (EMT)
    for name in ("jak-stat-activation", "pi3k-akt-activation", "emt-resistance"):
        assert rows[f"mechanism:{name}"]["evidence"] == "preclinical only", name
    # "some limited studies have also demonstrated that EGFR[10], ... may be involved"
    assert rows["mechanism:egfr-resistance"]["evidence"] == "review statement only"
    assert "mechanism:emt-sunitinib-resistance" not in rows  # a sunitinib mechanism


def test_hedged_claims_and_their_sources(store: ox.Store) -> None:
    rows = answer(store, "claims")
    assert {r["modality"] for r in rows} == {"sk:Hedged"}
    quotes = {r["aboutLabel"]: r["quote"] for r in rows}
    # "These results indicate that activation of PI3K/Akt pathway may contribute to sorafenib
    # resistance"; "autophagy[45] may be involved"; "EMT may be involved"
    assert "may contribute" in quotes["Compensatory activation of the PI3K/Akt pathway"]
    assert "may be involved" in quotes["Autophagy in sorafenib resistance"]
    assert "EMT may be involved" in quotes["EMT in sorafenib resistance"]
    pi3k = [r for r in rows if r["aboutLabel"].startswith("Compensatory activation")]
    assert {frozenset(r["references"].split(", ")) for r in pi3k} == {frozenset({"7", "20"})}
    # a measured result is not hedged
    assert "Sorafenib-resistant HCC cells express higher levels" not in " ".join(quotes.values())


def test_claims_by_scope_evidence_type_and_direction(store: ox.Store) -> None:
    general = answer(store, "claims", modality="sk:Stated", scope="sk:AntitumourDrugsInGeneral")
    # "Many mechanisms account for acquired resistance to antitumor drugs, such as addiction
    # switching, ... (EMT), cancer stem cells, disabling of pro-apoptotic signals, hypoxic
    # microenvironment"; "The hypoxic microenvironment is closely related to the resistance to
    # many antitumor drugs"
    assert {r["aboutLabel"] for r in general} == {
        "Addiction switching",
        "Cancer stem cells",
        "Compensatory pathway activation",
        "Disabling of pro-apoptotic signals",
        "EMT in sorafenib resistance",
        "Hypoxic microenvironment",
        # "Long-term exposure to antitumor drugs often results in reduced sensitivity ..."
        "Long-term exposure to antitumour drugs often reduces the tumour cells' sensitivity, "
        "leading to acquired resistance",
    }
    trials = answer(store, "claims", modality="sk:Stated", type="sk:ClinicalTrialEvidence")
    # "the pERK levels in tumor samples from 33 patients" (phase II); SHARP (phase III)
    assert {r["phaseLabel"] for r in trials} == {"phase II", "phase III"}
    against = answer(store, "claims", modality="sk:Stated", direction="sk:DoesNotSupport")
    # "the correlationship was not validated in the phase III trial"; "neither of them predicted
    # the response to sorafenib"; the xenograft hypoxia result
    quotes = {r["quote"] for r in against}
    assert "However, the correlationship was not validated in the phase III trial" in quotes
    assert "neither of them predicted the response to sorafenib" in quotes
    assert any(q.startswith("In xenograft models") for q in quotes)


def test_trials_that_missed_their_primary_endpoint(store: ox.Store) -> None:
    rows = by(answer(store, "missed-endpoints"), "trial")
    # "brivanib did not meet the primary endpoint of improving overall survival vs placebo in
    # the phase III trial"; SEARCH "did not show that the addition of erlotinib to sorafenib met
    # the primary endpoint"
    assert set(rows) == {"trial:brivanib-phase3", "trial:NCT00901901"}
    assert rows["trial:brivanib-phase3"]["endpointLabel"] == "overall survival"
    assert rows["trial:NCT00901901"]["endpointLabel"] == "not named by the review"
    assert {r["phaseLabel"] for r in rows.values()} == {"phase III"}


def test_inferences_resting_on_disputed_statements(store: ox.Store) -> None:
    rows = answer(store, "disputed-inferences")
    found = {(r["subjectLabel"], r["inferredRelation"], r["inferredLabel"]) for r in rows}
    # "U0126, a selective inhibitor of ERK1/2" would make U0126 an ERK inhibitor and put it on
    # the MAPK pathway; "VEGFR inhibitor (bevacizumab)" would make it affect VEGFR
    assert ("U0126", "is a", "ERK inhibitor") in found
    assert ("Bevacizumab", "affects", "VEGFR") in found
    # "Sunitinib ... targeting ... RAF" (the SUTENT label lists no RAF kinase) and "tivantinib, a
    # selective oral inhibitor of MET" (MET-independent cytotoxicity) are disputed by their checks
    assert ("Sunitinib", "is a", "RAF inhibitor") in found
    assert ("Tivantinib", "is a", "MET inhibitor") in found
    # U0126 does reach the MAPK pathway, through MEK (the curator's row from its pharmacology):
    # that is in the default view, so it is no consequence of the disputed statement
    assert ("U0126", "targets pathway", "RAF/MEK/ERK (MAPK) pathway") not in found
    assert all(r["reason"] for r in rows)
    # none of it is in the default view
    text = "SELECT ?x WHERE { <https://w3id.org/sorakg/drug/u0126> a ?x }"
    classes = {str(r[0]) for r in ql.run_named(store, ql.parse_query(text, "q"), {}, PREFIXES)}
    assert "https://w3id.org/sorakg/ontology#ERKInhibitor" not in classes


def test_quotes_are_per_fact_not_per_row(reasoned: Built) -> None:
    # hypoxia → angiogenesis rests on the sentence about angiogenesis (a speculation), not on the
    # HIF-1 alpha sentence that supports hypoxia → hypoxia-inducible pathway
    from rdflib import URIRef

    from sorakg.loaders.vocab import SK

    facts = reasoned.graph("asserted")
    hypoxia = URIRef(BASE + "mechanism/hypoxia")

    def records(pathway: str) -> list[URIRef]:
        target = URIRef(BASE + f"pathway/{pathway}")
        return [
            e
            for e in facts.subjects(SK.statementObject, target)
            if (e, SK.evidenceFor, hypoxia) in facts
        ]

    (angiogenesis,) = records("angiogenesis")
    assert "anti-angiogenic activity of sorafenib is speculated" in str(
        facts.value(angiogenesis, SK.quote)
    )
    assert facts.value(angiogenesis, SK.modality) == SK.Hypothesis
    hif = [
        r for r in records("hif") if "higher expression of HIF-1" in str(facts.value(r, SK.quote))
    ]
    assert len(hif) == 1
    assert facts.value(hif[0], SK.evidenceType) == SK.UnspecifiedTissueEvidence


def test_a_speculated_drug_action_is_a_hypothesis(store: ox.Store) -> None:
    rows = answer(store, "claims", modality="sk:Hypothesis")
    # "the anti-angiogenic activity of sorafenib is speculated to lead to tumor starvation and
    # subsequent tumor hypoxia"
    assert {(r["aboutLabel"], r["statement"]) for r in rows} == {
        ("Sorafenib", "inhibits Angiogenesis"),
        ("Hypoxic microenvironment", "involves pathway Angiogenesis"),
    }
    assert all("is speculated" in r["quote"] for r in rows)


def test_each_claim_at_its_firmest_and_weakest(store: ox.Store) -> None:
    rows = answer(store, "claim-strength")
    heterogeneity = by(rows, "about")["mechanism:genetic-heterogeneity"]
    # core tip: "The primary resistance of hepatocellular carcinoma (HCC) to sorafenib is due to
    # genetic heterogeneity"; conclusion: "... is possibly due to the genetic heterogeneity"
    assert (heterogeneity["firmest"], heterogeneity["weakest"]) == ("stated", "hedged")
    assert "possibly" in heterogeneity["weakestQuote"]
    assert "possibly" not in heterogeneity["firmestQuote"]
    assert int(heterogeneity["occurrences"]) >= 3
    # abstract: "Several mechanisms are involved ... such as crosstalks involving PI3K/Akt";
    # body: "activation of PI3K/Akt pathway may contribute to sorafenib resistance"
    pi3k = [r for r in rows if r["about"] == "mechanism:pi3k-akt-activation" and r["statement"]]
    assert pi3k[0]["statement"] == "involves pathway PI3K/Akt pathway"
    assert (pi3k[0]["firmestLocation"], pi3k[0]["weakestLocation"]) == (
        "Abstract",
        "MECHANISMS OF ACQUIRED RESISTANCE TO SORAFENIB: PI3K/Akt pathway",
    )
    # abstract: "Some of the combinations have demonstrated a better effectiveness than sorafenib
    # alone"; body: "have shown the promising to some extent by combining sorafenib"
    combos = [r for r in rows if r["aboutLabel"].startswith("Some combinations")]
    assert combos[0]["firmestLocation"] == "Abstract"
    assert "to some extent" in combos[0]["weakestQuote"]
    # claims made more firmly in one place than another come first
    spread = [r["firmest"] != r["weakest"] for r in rows]
    assert spread == sorted(spread, reverse=True) and spread[0]
    only = answer(store, "claim-strength", about="mechanism:genetic-heterogeneity")
    assert {r["about"] for r in only} == {"mechanism:genetic-heterogeneity"}


def test_disputed_statements_and_the_references_that_contradict_them(store: ox.Store) -> None:
    rows = answer(store, "disputed-statements")
    kinds = {(r["subject"], r["kindLabel"]) for r in rows}
    assert kinds == {
        ("drug:bevacizumab", "drug target or action"),
        ("drug:u0126", "drug target or action"),
        ("drug:sunitinib", "drug target or action"),
        ("drug:tivantinib", "drug target or action"),
        ("trial:ref50-doxorubicin-sorafenib", "trial phase"),
        ("trial:NCT00901901", "enrolment figure"),
        ("trial:brivanib-phase3", "study identity"),
    }
    # "In a phaseIII trial, doxorubicinplussorafenib compared with doxorubicinalone was
    # evaluated in 96 patients": the registry record of that trial says phase 2
    (phase,) = [r for r in rows if r["kindLabel"] == "trial phase"]
    assert phase["quote"].startswith("In a phaseIII trial")
    assert "NCT00108953" in phase["reference"] and phase["release"]
    # Table 1's "362" for SEARCH is one arm of 720 (Zhu et al. 2015)
    (search,) = [r for r in rows if r["kindLabel"] == "enrolment figure"]
    assert "720" in search["correction"] and "25547503" in search["reference"]
    # "U0126, a selective inhibitor of ERK1/2": Favata et al. 1998 show it inhibits MEK1/2
    u0126 = [r for r in rows if r["subject"] == "drug:u0126"]
    assert any("Favata" in r["reference"] and "MEK" in r["correction"] for r in u0126)
    # bevacizumab has several references (label, Genentech, NICE), one row each
    assert len([r for r in rows if r["subject"] == "drug:bevacizumab"]) >= 3
    only = answer(store, "disputed-statements", kind="sk:TrialPhaseDispute")
    assert {r["subject"] for r in only} == {"trial:ref50-doxorubicin-sorafenib"}


def test_a_disputed_trial_fact_gives_way_to_the_reference(store: ox.Store) -> None:
    sk = "PREFIX sk: <https://w3id.org/sorakg/ontology#> PREFIX trial: <https://w3id.org/sorakg/trial/>"

    def value(subject: str, prop: str) -> set[str]:
        text = f"{sk} SELECT ?v WHERE {{ {subject} sk:{prop} ?v }}"
        return {
            ql.shorten(r["v"], PREFIXES)
            for r in ql.run_named(store, ql.parse_query(text, "q"), {}, PREFIXES)
        }

    # the default view holds the reference's values; the review's are one graph away
    assert value("trial:ref50-doxorubicin-sorafenib", "phase") == {"sk:PhaseII"}
    assert value("trial:NCT00901901", "enrolled") == {"720"}
    assert value("trial:brivanib-phase3", "acronym") == {"BRISK-PS"}
    text = (
        sk
        + """ SELECT ?o WHERE { GRAPH <https://w3id.org/sorakg/graph/disputed> {
        ?e sk:evidenceFor trial:NCT00901901 ; sk:statementPredicate sk:enrolled ;
           sk:statementValue ?o } }"""
    )
    rows = ql.run_named(store, ql.parse_query(text, "q"), {}, PREFIXES)
    assert {r["o"].value for r in rows} == {"362"}
