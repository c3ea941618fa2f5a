"""The named queries about clinical studies, their arms and outcomes, and the links out give
the review's answers.

Expectations are written from the review (its full text is
``loaders/data/<publication>/source.txt``); the sentence each rests on is quoted in a comment.
Entities are named by the graph's IRIs (``drug:sorafenib``) or by the review's own words.
"""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox

from tests.helpers import answer, column, where

# --- clinical studies ----------------------------------------------------------------------

TABLE_2 = {
    # Table 2 "Ongoing clinical trials for overcoming sorafenib resistance", column Studies
    "combination": {
        "NCT01271504",
        "NCT01033240",
        "NCT01539018",
        "NCT01272557",
        "NCT01015833",
        "NCT01214343",
    },
    "second_line": {
        "NCT01507168",
        "NCT01273662",
        "NCT00717756",
        "NCT01545804",
        "NCT01567930",
        "NCT01180959",
        "NCT01140347",
        "NCT01108705",
        "NCT00825955",
        "NCT01035229",
    },
}
TABLE_2_PHASE_III = {  # Table 2, column Phases
    "NCT01015833",
    "NCT01214343",
    "NCT01140347",
    "NCT01108705",
    "NCT00825955",
    "NCT01035229",
}


def trial_ids(rows: list[dict[str, str]], key: str = "trial") -> set[str]:
    return {row[key].removeprefix("trial:") for row in rows}


def test_trials_by_table_phase_status_and_strategy(store: ox.Store) -> None:
    rows = answer(store, "trials")
    # Table 1 has ten rows (five combinations, five second-line treatments); Table 2 sixteen
    assert len(where(rows, table="Table 1")) == 10
    assert (
        trial_ids(where(rows, table="Table 2")) == TABLE_2["combination"] | TABLE_2["second_line"]
    )
    phase3 = answer(store, "trials", phase="sk:PhaseIII")
    assert trial_ids(where(phase3, table="Table 2")) == TABLE_2_PHASE_III
    # "Thus this trial was halted after the interim analysis[61]"
    halted = answer(store, "trials", status="sk:Halted")
    assert trial_ids(halted) == {"ref61-erlotinib-bevacizumab"}
    # "a randomized phase III trial … is recruiting participants (linicalTrials.gov, NCT01840592)"
    assert trial_ids(answer(store, "trials", status="sk:Recruiting")) == {"NCT01840592"}
    second = answer(store, "trials", strategy="sk:SecondLine", status="sk:Ongoing")
    assert TABLE_2["second_line"] <= trial_ids(second)
    # Table 1: Cases 39, 53, 50, 47 vs 49, 362, 11, 46, 71 vs 36, 18, 10; SEARCH's 362 is one arm
    # of the 720 its publication randomized (disputed: the default view has the reference's 720)
    assert sorted(int(r["enrolled"]) for r in where(rows, table="Table 1")) == sorted(
        [39, 53, 50, 47 + 49, 720, 11, 46, 71 + 36, 18, 10]
    )


def test_trials_testing_a_drug(store: ox.Store) -> None:
    rows = answer(store, "trials-by-drug")
    # doxorubicin: the phase III of ref [50], NCT01840592 (text), NCT01272557 and NCT01015833
    # (Table 2, "Doxorubicin plus sorafenib vs sorafenib")
    assert trial_ids(rows) == {
        "ref50-doxorubicin-sorafenib",
        "NCT01840592",
        "NCT01272557",
        "NCT01015833",
    }
    # "doxorubicinplussorafenib compared with doxorubicinalone": doxorubicin in both arms
    ref50 = where(rows, trial="trial:ref50-doxorubicin-sorafenib")
    assert column(ref50, "role") == {"experimental arm", "control arm"}
    brivanib = answer(store, "trials-by-drug", drug="drug:brivanib")
    # Table 1 "Brivanib[56] Phase II", Table 2 NCT01108705 and NCT00825955, and "the phase III
    # trial" of the Bristol-Myers Squibb press release
    assert {"ref56-brivanib", "NCT01108705", "NCT00825955"} <= trial_ids(brivanib)
    assert len(trial_ids(brivanib)) == 4


def test_combination_trials_and_partners(store: ox.Store) -> None:
    rows = answer(store, "combination-trials")
    partners = {r["trial"].removeprefix("trial:"): set(r["partners"].split(" + ")) for r in rows}
    # Table 1, Combinational therapy: 5-fluorouracil, tegafur/uracil, octreotide, doxorubicin,
    # erlotinib plus sorafenib
    table1 = [set(r["partners"].split(" + ")) for r in where(rows, table="Table 1")]
    assert sorted(map(sorted, table1)) == sorted(
        [
            ["5-Fluorouracil"],
            ["Tegafur/uracil"],
            ["Octreotide (long-acting)"],
            ["Doxorubicin"],
            ["Erlotinib"],
        ]
    )
    # Table 2: E7050, CS-1008, tegafur-uracil, doxorubicin (twice), cisplatin/fluorouracil
    assert partners["NCT01271504"] == {"E7050"}
    assert partners["NCT01033240"] == {"CS-1008"}
    assert partners["NCT01214343"] == {"Cisplatin", "5-Fluorouracil"}
    assert trial_ids(where(rows, table="Table 2")) == TABLE_2["combination"]


def test_second_line_options_after_sorafenib(store: ox.Store) -> None:
    rows = answer(store, "second-line-options")
    # Table 1 second-line rows and Table 2's second-line studies
    assert column(rows, "drugLabel") == {
        "Sunitinib",
        "Brivanib",
        "Tivantinib",
        "Gemcitabine",
        "Oxaliplatin",
        "Erlotinib",
        "Bevacizumab",
        "GC33",
        "Axitinib",
        "Lenalidomide",
        "Temsirolimus",
        "Ramucirumab",
        "Everolimus",
    }
    assert TABLE_2["second_line"] <= trial_ids(rows)


def test_trials_by_target_class(store: ox.Store) -> None:
    # mTOR: "Temsirolimus" (NCT01567930), "Everolimus plus BSC vs placebo plus BSC" (NCT01035229)
    assert trial_ids(answer(store, "trials-by-target-class")) == {"NCT01567930", "NCT01035229"}
    # MET: "tivantinib, a selective oral inhibitor of MET" is disputed (its cytotoxicity does not
    # depend on MET: Basilico 2013, Xiang 2015), so no trial reaches MET through a target
    met = answer(store, "trials-by-target-class", targetClass="sk:METKinase")
    assert trial_ids(met) == set()
    vegfr = answer(store, "trials-by-target-class", targetClass="sk:VEGFR")
    assert "NCT00988741" not in trial_ids(vegfr) and "NCT01273662" in trial_ids(vegfr)
    # Glypican-3 is no kinase: GC33 ("antibody against glypican-3") only under Proteoglycan
    gpc3 = answer(store, "trials-by-target-class", targetClass="sk:Proteoglycan")
    assert trial_ids(gpc3) == {"NCT01507168"}


def test_trials_by_drug_class(store: ox.Store) -> None:
    assert trial_ids(answer(store, "trials-by-drug-class")) == {"NCT01567930", "NCT01035229"}
    # erlotinib: SEARCH (NCT00901901), NCT01180959 and the halted phase II of ref [61]
    egfr = answer(store, "trials-by-drug-class", **{"class": "sk:EGFRInhibitor"})
    # and "Erlotinib plus bevacizumab has shown an apparently synergistic effect … as first-line
    # treatment of HCC[60]"
    assert trial_ids(egfr) == {
        "NCT00901901",
        "NCT01180959",
        "ref61-erlotinib-bevacizumab",
        "ref60-erlotinib-bevacizumab-first-line",
    }


def test_arms_of_the_tivantinib_trial(store: ox.Store) -> None:
    rows = answer(store, "trial-arms")
    # "Seventy-one patients were randomly assigned to receive tivantinib (38 at 360 mg twice-daily
    # and 33 at 240 mg twice-daily), and 36 patients, to receive placebo"
    cases = {(r["dose"], r["cases"]) for r in rows}
    assert {("360 mg twice daily", "38"), ("240 mg twice daily", "33"), ("", "36")} <= cases
    assert "71" in column(rows, "cases")
    assert column(where(rows, cases="36"), "role") == {"control arm"}


def _figures(rows: list[dict[str, str]]) -> set[tuple[str, str, Decimal]]:
    return {(r["armLabel"], r["measureLabel"], Decimal(r["value"])) for r in rows}


def test_outcomes_per_arm(store: ox.Store) -> None:
    rows = answer(store, "trial-outcomes")
    # "longer median TTP (6.4 mo vs 2.8 mo), OS (13.7 mo vs 6.5 mo), and PFS (6.0 mo vs 2.7 mo)"
    with_sorafenib = "Doxorubicin plus sorafenib"
    alone = "Doxorubicin plus placebo"
    assert _figures(rows) == {
        (with_sorafenib, "time to progression", Decimal("6.4")),
        (with_sorafenib, "overall survival", Decimal("13.7")),
        (with_sorafenib, "progression-free survival", Decimal("6.0")),
        (alone, "time to progression", Decimal("2.8")),
        (alone, "overall survival", Decimal("6.5")),
        (alone, "progression-free survival", Decimal("2.7")),
    }
    assert column(rows, "references") == {"50"}
    # "The 22 (31%) patients with MET-high tumors treated with tivantinib had a median TTP of
    # 2.7 mo … (1.4 mo) for 15 MET-high patients (42%) on placebo"
    met = where(answer(store, "trial-outcomes", trial="trial:NCT00988741"), subgroup="MET-high")
    assert {(r["measureLabel"], Decimal(r["value"])) for r in met} >= {
        ("time to progression", Decimal("2.7")),
        ("time to progression", Decimal("1.4")),
    }


def test_overall_survival_across_studies(store: ox.Store) -> None:
    rows = answer(store, "outcomes-by-measure")
    medians = sorted(Decimal(r["value"]) for r in rows if r["statisticLabel"] == "median")
    # Table 1, Efficacy: OS 13.7; 7.4; 12; 13.7 vs 6.5; 9.5 vs 8.5; 9.79; 4.7; 4.37
    expected = ["13.7", "7.4", "12", "13.7", "6.5", "9.5", "8.5", "9.79", "4.7", "4.37"]
    assert medians == sorted(Decimal(v) for v in expected)
    assert Decimal(rows[0]["value"]) == Decimal("13.7")  # largest first
    # Table 1: "SD:40%, median TTP:3.2 mo" (sunitinib) is among the TTP figures
    ttp = answer(store, "outcomes-by-measure", measure="sk:TimeToProgression")
    assert ("Sunitinib", Decimal("3.2")) in {(r["armLabel"], Decimal(r["value"])) for r in ttp}


def test_outcomes_of_brivanib(store: ox.Store) -> None:
    rows = answer(store, "outcomes-for-drug")
    # "the SD, tumor response rate, and disease control rate was 41.3%, 4.3%, and 45.7% … The
    # median OS was 9.79 mo"
    figures = {(r["measureLabel"], Decimal(r["value"]), r["unitLabel"]) for r in rows}
    assert {
        ("stable disease rate", Decimal("41.3"), "percent"),
        ("response rate", Decimal("4.3"), "percent"),
        ("disease control rate", Decimal("45.7"), "percent"),
        ("overall survival", Decimal("9.79"), "month"),
    } == figures


def test_adverse_events(store: ox.Store) -> None:
    rows = answer(store, "adverse-events")
    # "rash in 70%, diarrhea in 50% and malaise in 40% patients"
    events = {(r["event"], Decimal(r["value"]), r["unitLabel"]) for r in rows}
    assert {
        ("rash", Decimal(70), "percent"),
        ("diarrhea", Decimal(50), "percent"),
        ("malaise", Decimal(40), "percent"),
    } <= events
    # "The only grade 2/3 adverse event of left ventricular dysfunction was seen in one patient"
    lv = where(rows, event="left ventricular dysfunction")
    assert len(lv) == 1 and lv[0]["grade"] == "2/3" and Decimal(lv[0]["value"]) == 1


def test_trials_by_design(store: ox.Store) -> None:
    # "a multicentre, randomized, placebo-controlled, double-blind, phase II study
    # (ClinicalTrials.gov, NCT00988741)"; "a randomized, placebo-controlled, double-blind,
    # phase III study (SEARCH trial, NCT00901901)"
    assert trial_ids(answer(store, "trial-design")) == {"NCT00988741", "NCT00901901"}
    # "A phase II open-label study assessed brivanib"
    assert trial_ids(answer(store, "trial-design", feature="sk:OpenLabel")) == {"ref56-brivanib"}


def test_primary_outcomes(store: ox.Store) -> None:
    # Table 2, Primary outcomes: OS for NCT01015833, NCT01214343, NCT01108705, NCT00825955,
    # NCT01035229; and "brivanib did not meet the primary endpoint of improving overall
    # survival vs placebo in the phase III trial"
    os_trials = trial_ids(answer(store, "primary-outcomes", outcome="sk:OverallSurvival"))
    assert os_trials == {
        "NCT01015833",
        "NCT01214343",
        "NCT01108705",
        "NCT00825955",
        "NCT01035229",
        "brivanib-phase3",
    }
    # PFS for NCT01507168, NCT01180959, NCT01140347
    pfs = trial_ids(answer(store, "primary-outcomes", outcome="sk:ProgressionFreeSurvival"))
    assert pfs == {"NCT01507168", "NCT01180959", "NCT01140347"}


# --- links out -------------------------------------------------------------------------------


def test_trials_link_to_clinicaltrials_gov(store: ox.Store) -> None:
    rows = answer(store, "trial-registry-links")
    # every NCT number the review prints: Table 2's sixteen, and NCT01840592, NCT00901901,
    # NCT00988741 in the text
    review = (
        TABLE_2["combination"]
        | TABLE_2["second_line"]
        | {
            "NCT01840592",
            "NCT00901901",
            "NCT00988741",
        }
    )
    assert column(rows, "nct") == review
    for row in rows:
        assert row["record"] == f"https://clinicaltrials.gov/study/{row['nct']}"


def test_drugs_link_to_chembl(store: ox.Store) -> None:
    rows = {r["drug"]: r for r in answer(store, "drug-links")}
    # outside the review: sorafenib is CHEMBL1336 and CHEBI:50924 in those registries
    assert rows["drug:sorafenib"]["chembl"] == "CHEMBL1336"
    assert rows["drug:sorafenib"]["chebiIri"] == "http://purl.obolibrary.org/obo/CHEBI_50924"
    for row in rows.values():
        if row["chembl"]:
            assert row["chemblIri"].endswith("/molecule/" + row["chembl"])


def test_molecules_link_to_uniprot(store: ox.Store) -> None:
    rows = {r["molecule"]: r for r in answer(store, "molecule-links")}
    # outside the review: STAT3 is UniProt P40763, HGNC:11364; MET is P08581
    assert rows["molecule:stat3"]["uniprotIri"] == "http://purl.uniprot.org/uniprot/P40763"
    assert rows["molecule:stat3"]["hgnc"] == "11364"
    assert rows["molecule:met"]["uniprot"] == "P08581"
    for row in rows.values():
        if row["uniprot"]:
            assert row["uniprotIri"] == "http://purl.uniprot.org/uniprot/" + row["uniprot"]
