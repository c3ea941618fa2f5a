"""Each named query gives the review's answer.

Expectations are written from the review (its full text is
``loaders/data/<publication>/source.txt``); the sentence each rests on is quoted in a comment.
Entities are named by the graph's IRIs (``drug:sorafenib``) or by the review's own words.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from sorakg.release.store import load_store
from sorakg.sparql import catalogue as ql
from tests.conftest import BASE
from tests.helpers import PREFIXES, answer

SK = "https://w3id.org/sorakg/ontology#"


def column(rows: list[dict[str, str]], name: str) -> set[str]:
    return {row[name] for row in rows}


def where(rows: list[dict[str, str]], **match: str) -> list[dict[str, str]]:
    return [row for row in rows if all(row[k] == v for k, v in match.items())]


# --- resistance mechanisms ---------------------------------------------------------------------


def test_mechanisms_and_their_pathways(store: ox.Store) -> None:
    rows = answer(store, "mechanisms")
    by_label = {row["label"]: row for row in rows}
    acquired = {r["label"] for r in rows if r["type"] == "sk:AcquiredResistanceMechanism"}
    # "some limited studies have also demonstrated that EGFR[10], glucose-regulated protein 78
    # (GRP78)[41], multidrug resistance protein (MDRP) 2[42], nuclear factor κB (NF-κB)[43, 44]
    # and autophagy[45] may be involved in the acquired resistance"
    for word in ("PI3K/Akt", "JAK-STAT", "Hypoxic", "EMT", "EGFR", "GRP78", "MDRP2", "NF-κB"):
        assert any(word in label for label in acquired), word
    assert any("utophagy" in label for label in acquired)
    # "some HCC cells are initially resistant to sorafenib which is termed primary resistance[8]"
    primary = answer(store, "mechanisms", type="sk:PrimaryResistanceMechanism")
    assert len(primary) == 1 and "heterogeneity" in primary[0]["label"].lower()
    # "the existence of EMT accompanied by activation of PI3K/Akt and MAPK pathway in
    # sorafenib-resistant HCC cells"
    emt = by_label["EMT in sorafenib resistance"]
    for pathway in ("Epithelial-mesenchymal transition", "PI3K/Akt", "MAPK"):
        assert pathway in emt["pathways"]
    # "Recently, the role of EMT in the resistance of HCC to sunitinib has been reported[39]":
    # the one mechanism of resistance to another drug
    others = {r["label"] for r in rows if r["drug"] != "drug:sorafenib"}
    assert others == {"EMT in sunitinib resistance"}
    to_sorafenib = answer(store, "mechanisms", drug="drug:sorafenib")
    assert len(to_sorafenib) == len(rows) - 1
    # section headings: "PI3K/Akt pathway and sorafenib resistance", "JAK-STAT pathway and …",
    # "targeting hypoxia-inducible pathways"
    assert (
        "PI3K/Akt pathway"
        in by_label["Compensatory activation of the PI3K/Akt pathway"]["pathways"]
    )
    assert "JAK-STAT pathway" in by_label["JAK-STAT pathway activation"]["pathways"]
    assert "Hypoxia-inducible pathway" in by_label["Hypoxic microenvironment"]["pathways"]


def test_agents_that_reversed_resistance(store: ox.Store) -> None:
    rows = answer(store, "resistance-reversals")
    pairs = {(r["mechanism"], r["agent"]) for r in rows}
    # "the resistance to sorafenib could be reversed by gene knockdown of Akt and Akt inhibitor
    # MK-2206"; "dovitinib … could reverse the acquired resistance to sorafenib by directly
    # activating SHP-1"; "EF24 … overcome sorafenib resistance through inhibiting HIF-1α"  # noqa: RUF003 (the review's alpha)
    assert pairs == {
        ("mechanism:pi3k-akt-activation", "intervention:akt-knockdown"),
        ("mechanism:pi3k-akt-activation", "drug:mk-2206"),
        ("mechanism:jak-stat-activation", "drug:dovitinib"),
        ("mechanism:hypoxia", "drug:ef24"),
    }
    via = {r["agent"]: r["viaLabel"] for r in rows}
    assert via["drug:dovitinib"] == "SHP-1"
    assert via["drug:ef24"] == "HIF-1\u03b1"  # HIF-1α  # noqa: RUF003
    only = answer(store, "resistance-reversals", mechanism="mechanism:jak-stat-activation")
    assert column(only, "agent") == {"drug:dovitinib"}


def test_what_changes_in_resistant_cells(store: ox.Store) -> None:
    rows = answer(store, "mechanism-observations", mechanism="mechanism:jak-stat-activation")
    # "Sorafenib-resistant HCC cells express higher levels of p-STAT3, p-JAK1 and p-JAK2, but
    # lower levels of SHP-1 and p-SHP-1"
    assert column(where(rows, change="increased"), "entityLabel") == {
        "p-STAT3",
        "p-JAK1",
        "p-JAK2",
    }
    assert column(where(rows, change="decreased"), "entityLabel") == {"SHP-1", "p-SHP-1"}
    # "sorafenib-resistant HCC cells … had increased expression of phosphorylated Akt and p85"
    pi3k = answer(store, "mechanism-observations", mechanism="mechanism:pi3k-akt-activation")
    assert {"Phosphorylated Akt", "p85"} <= column(where(pi3k, change="increased"), "entityLabel")


def test_molecules_of_a_mechanism_are_those_it_involves(store: ox.Store) -> None:
    rows = answer(store, "mechanism-molecules")
    # "Sorafenib-resistant HCC cells express higher levels of p-STAT3, p-JAK1 and p-JAK2, but
    # lower levels of SHP-1 and p-SHP-1" (a phosphorylated form counts for its protein)
    assert column(rows, "label") == {"STAT3", "JAK1", "JAK2", "SHP-1"}
    assert "p-SHP-1 decreased" in where(rows, label="SHP-1")[0]["evidence"]
    # the regulators of the JAK-STAT pathway the background sentences name ("activated by ...
    # PDGFR, FGFR, EGFR through JAK"; "negative regulation ... by SOCS ... SHP-1 and SHP-2")
    # are not part of the mechanism: reviewed_inferences.csv rejects them
    assert not {"EGFR", "FGFR", "PDGFR", "SHP-2"} & column(rows, "label")
    assert not any(label.startswith("SOCS") for label in column(rows, "label"))
    # the EMT mechanism runs through MAPK and PI3K/Akt; that makes none of their members
    # involved ("the existence of EMT accompanied by activation of PI3K/Akt and MAPK pathway")
    emt = answer(store, "mechanism-molecules", mechanism="mechanism:emt-resistance")
    members = {"Raf-1", "B-Raf", "RAF", "MEK", "ERK1/2", "PI3K", "p85", "Akt", "S6K", "4EBP1"}
    assert not members & column(emt, "label")


def test_pathway_participants_and_roles(store: ox.Store) -> None:
    rows = answer(store, "pathway-participants")
    # "sorafenib inhibited the activity of STAT3, by downregulating the phosphorylation of STAT3
    # … (Y705 and S727) through regulating PI3K/Akt pathway and MAPK pathway, respectively"
    assert column(where(rows, role="has upstream regulator"), "label") == {
        "PDGFR",
        "FGFR",
        "EGFR",
        "PI3K/Akt pathway",
        "RAF/MEK/ERK (MAPK) pathway",
    }
    negative = column(where(rows, role="has negative regulator"), "label")
    assert {"SHP-1", "SHP-2"} <= negative and any(x.startswith("SOCS") for x in negative)
    # "upregulate the phosphorylation of its downstream targets such as S6K and 4EBP1"
    pi3k = answer(store, "pathway-participants", pathway="pathway:pi3k-akt")
    assert column(where(pi3k, role="has downstream target"), "label") == {"S6K", "4EBP1"}
    # "p85, a regulatory subunit of PI3K"
    assert "p85" in column(pi3k, "label")


# --- drugs and targets -------------------------------------------------------------------------


def test_what_sorafenib_does(store: ox.Store) -> None:
    rows = answer(store, "drug-actions")
    # "targeting the Raf-1 and B-Raf"; "inhibiting vascular endothelial growth factor receptor
    # (VEGFR), platelet-derived growth factor receptor (PDGFR), Ret and c-kit[3]"
    assert {"Raf-1", "B-Raf", "VEGFR", "PDGFR", "Ret", "c-Kit"} <= column(
        where(rows, action="inhibits"), "targetLabel"
    )
    # "Sorafenib has demonstrated to activate Akt, and upregulate the phosphorylation of … S6K
    # and 4EBP1"
    assert column(where(rows, action="activates"), "targetLabel") == {"Akt"}
    assert {"Phosphorylated S6K", "Phosphorylated 4EBP1"} == column(
        where(rows, action="upregulates"), "targetLabel"
    )
    # "but had no effect on JAK2 and SHP2 expression"
    assert column(where(rows, action="has no effect on"), "targetLabel") == {"JAK2", "SHP-2"}
    # "sorafenib inhibited the phosphorylated ERK (pERK) in HCC PLC/PRF/5 and HepG2 cells"
    perk = where(rows, action="inhibits", targetLabel="pERK")
    assert set(perk[0]["models"].split("; ")) == {"HepG2", "PLC/PRF/5"}


def test_drugs_sharing_targets_with_sorafenib(store: ox.Store) -> None:
    rows = {
        r["other"]: set(r["sharedTargets"].split("; ")) for r in answer(store, "shared-targets")
    }
    # "Sunitinib, a multikinase inhibitor targeting the similar receptors to sorafenib, such as
    # VEGFR, PDGFR and RAF": RAF is disputed (the SUTENT label lists no RAF kinase); the curator's
    # row from the label adds KIT
    assert rows["drug:sunitinib"] == {"VEGFR", "PDGFR", "c-Kit"}
    # "dovitinib, another multikinase inhibitor targeting VEGFR, FGFR and c-KIT"
    assert rows["drug:dovitinib"] == {"VEGFR", "c-Kit"}
    # "VEGFR inhibitors (axitinib and ramucirumab"; "Brivanib, a selective dual inhibitor of
    # FGFR and VEGFR"
    for drug in ("axitinib", "ramucirumab", "brivanib"):
        assert rows[f"drug:{drug}"] == {"VEGFR"}
    # "VEGFR inhibitor (bevacizumab)" is disputed (bevacizumab binds the ligand VEGF-A): the
    # statement is in the disputed graph, outside the default view
    assert "drug:bevacizumab" not in rows
    # erlotinib (EGFR), tivantinib (MET, disputed), everolimus (mTOR) share nothing with sorafenib
    assert not {"drug:erlotinib", "drug:tivantinib", "drug:everolimus"} & rows.keys()


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        # "VEGFR inhibitors (axitinib and ramucirumab"; sorafenib inhibits VEGFR; sunitinib,
        # dovitinib and brivanib target VEGFR. A VEGFR inhibitor is a small molecule: ramucirumab
        # (an antibody that binds VEGFR-2) is not one, and "VEGFR inhibitor (bevacizumab)" is
        # disputed (an antibody that binds VEGF-A)
        ("sk:VEGFRInhibitor", {"sorafenib", "sunitinib", "dovitinib", "brivanib", "axitinib"}),
        (
            "sk:MTORInhibitor",
            {"everolimus", "temsirolimus"},
        ),  # "mTOR inhibitor (everolimusand temsirolimus)"
        (
            "sk:FGFRInhibitor",
            {"dovitinib", "brivanib"},
        ),  # "targeting VEGFR, FGFR"; "dual inhibitor of FGFR"
        (
            "sk:EGFRInhibitor",
            {"erlotinib"},
        ),  # "Erlotinib, an oral tyrosine kinase inhibitor of EGFR"
        ("sk:AKTInhibitor", {"mk-2206"}),  # "Akt inhibitor MK-2206"
        # "Ret and c-kit"; "VEGFR, FGFR and c-KIT"; sunitinib by the curator's row from its label
        ("sk:KITInhibitor", {"sorafenib", "dovitinib", "sunitinib"}),
    ],
)
def test_drugs_of_a_class(store: ox.Store, cls: str, expected: set[str]) -> None:
    rows = answer(store, "drugs-by-class", **{"class": cls})
    assert column(rows, "drug") == {f"drug:{d}" for d in expected}


def test_multikinase_inhibitors_as_the_review_calls_them(store: ox.Store) -> None:
    # "Sorafenib, as a multilkinase inhibitor"; "dovitinib, another multikinase inhibitor";
    # "Sunitinib, a multikinase inhibitor"
    rows = answer(store, "drugs-by-class", **{"class": "sk:MultikinaseInhibitor"})
    assert column(rows, "drug") == {"drug:sorafenib", "drug:dovitinib", "drug:sunitinib"}


def test_class_query_reads_the_inferred_graph(nquads: Path) -> None:
    """A drug the reasoner types sk:MTORInhibitor (in the inferred graph) is found as one."""
    copy = load_store(nquads)
    copy.add(
        ox.Quad(
            ox.NamedNode(BASE + "drug/lenalidomide"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(SK + "MTORInhibitor"),
            ox.NamedNode(BASE + "graph/inferred"),
        )
    )
    rows = answer(copy, "drugs-by-class", **{"class": "sk:MTORInhibitor"})
    assert "drug:lenalidomide" in column(rows, "drug")
    assert where(rows, drug="drug:lenalidomide")[0]["because"] == "typed"


def test_drugs_inhibiting_several_kinases(store: ox.Store) -> None:
    rows = {r["drug"]: int(r["kinases"]) for r in answer(store, "several-kinase-inhibitors")}
    # sorafenib: Raf-1, B-Raf, VEGFR, PDGFR, Ret, c-kit; sunitinib: VEGFR, PDGFR and, from its
    # label, KIT (the review's RAF is disputed);
    # dovitinib: VEGFR, FGFR, c-KIT; brivanib: FGFR and VEGFR
    assert rows == {
        "drug:sorafenib": 6,
        "drug:sunitinib": 3,
        "drug:dovitinib": 3,
        "drug:brivanib": 2,
    }
    three = answer(store, "several-kinase-inhibitors", min="3")
    assert column(three, "drug") == {"drug:sorafenib", "drug:sunitinib", "drug:dovitinib"}


def test_pathways_a_drug_acts_on(store: ox.Store) -> None:
    # "dovitinib, another multikinase inhibitor targeting VEGFR, FGFR and c-KIT and regulating
    # the JAK-STAT pathway" (FGFR activates STAT3 through JAK)
    assert "JAK-STAT pathway" in column(answer(store, "drug-pathways"), "pathwayLabel")
    # "thus inhibiting the RAF/MEK/ERK signaling pathways"; "sorafenib inhibited the HGF-induced
    # EMT"; "the anti-angiogenic activity of sorafenib"
    sorafenib = column(answer(store, "drug-pathways", drug="drug:sorafenib"), "pathway")
    assert {"pathway:mapk", "pathway:emt", "pathway:angiogenesis"} <= sorafenib


def test_drugs_and_their_classes(store: ox.Store) -> None:
    rows = {r["drug"]: r for r in answer(store, "drugs")}
    # "metronomic chemotherapy using tegafur/uracil"
    assert set(rows["drug:tegafur-uracil"]["components"].split(" + ")) == {"Tegafur", "Uracil"}
    # "Doxorubicin is considered as one of the most effective cytotoxic agents"
    assert "cytotoxic chemotherapy" in rows["drug:doxorubicin"]["classes"]
    # "GC33, a recombinant humanized antibody against glypican-3"
    assert "antibody drug" in rows["drug:gc33"]["classes"]


# --- biomarkers ----------------------------------------------------------------------------------


def test_biomarkers_and_direction(store: ox.Store) -> None:
    rows = answer(store, "biomarkers")
    # "the tumors from the non-responder group had higher expression of phospho-c-Jun and JNK
    # activity … the JNK activation was correlated with decreased TTP and poor OS"; "patients
    # with … lower hepatocyte growth factor (HGF) in sera at baseline showed enhanced survival"
    negative = answer(store, "biomarkers", direction="sk:Negative")
    assert {r["moleculeLabel"] for r in negative} == {"JNK", "Phospho-c-Jun", "HGF"}
    assert {"TTP", "OS", "response"} <= column(where(negative, moleculeLabel="JNK"), "endpoint")
    # "higher soluble c-KIT … showed enhanced survival benefit, [but] neither of them predicted
    # the response to sorafenib"
    not_predictive = answer(store, "biomarkers", verdict="sk:NotPredictive")
    assert column(not_predictive, "moleculeLabel") == {"c-Kit", "HGF"}
    kit = where(rows, moleculeLabel="c-Kit", direction="sk:Positive")
    assert kit and kit[0]["verdict"] == "sk:Prognostic"
    # "the pERK levels … showed the correlation with median time to progress (TTP)[13]. However,
    # the correlationship was not validated in the phase III trial[14]"
    perk = where(rows, moleculeLabel="pERK")
    assert "sk:NotValidated" in column(perk, "verdict")
    assert "33" in column(perk, "samples")
    # "the angiogenesis biomarkers Ang2 and VEGF … were independent predictors of the survival"
    assert {"Ang2", "VEGF"} <= column(
        where(
            rows,
            studyLabel=next(s for s in column(rows, "studyLabel") if s.startswith("SHARP")),
            endpoint="OS",
        ),
        "moleculeLabel",
    )
    # "MET-high tumors treated with tivantinib had a median TTP of 2.7 mo, which was
    # significantly longer"
    met = answer(store, "biomarkers", drug="drug:tivantinib")
    assert [(r["moleculeLabel"], r["endpoint"], r["direction"]) for r in met] == [
        ("MET", "TTP", "sk:Positive")
    ]


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


# --- evidence ------------------------------------------------------------------------------------


def test_evidence_for_a_fact(store: ox.Store) -> None:
    rows = answer(store, "evidence-search")
    # "In addition, the resistance to sorafenib could be reversed by gene knockdown of Akt and
    # Akt inhibitor MK-2206" (in the paragraph on Chen et al[7])
    reversal = where(rows, subject="drug:mk-2206", predicate="reverses")
    assert reversal and reversal[0]["object"] == "mechanism:pi3k-akt-activation"
    assert reversal[0]["references"] == "7"
    assert all("mk-2206" in r["quote"].lower() for r in rows)
    # "by inhibiting vascular endothelial growth factor receptor (VEGFR), platelet-derived
    # growth factor receptor (PDGFR), Ret and c-kit[3]"
    ret = where(answer(store, "evidence-search", text="Ret and c-kit"), object="molecule:ret")
    assert ret[0]["subject"] == "drug:sorafenib" and ret[0]["references"] == "3"


def test_what_reference_26_supports(store: ox.Store) -> None:
    rows = answer(store, "facts-citing-reference")
    facts = {(r["subject"], r["predicate"], r["object"]) for r in rows}
    # "dovitinib, another multikinase inhibitor targeting VEGFR, FGFR and c-KIT … could reverse
    # the acquired resistance to sorafenib …[26]"
    assert ("drug:dovitinib", "reverses", "mechanism:jak-stat-activation") in facts
    assert ("drug:dovitinib", "inhibits", "molecule:fgfr") in facts
    # reference [7] (Chen et al) is not reference [26]
    assert "drug:mk-2206" not in column(rows, "subject")
    seven = answer(store, "facts-citing-reference", number="7")
    assert ("drug:mk-2206", "reverses", "mechanism:pi3k-akt-activation") in {
        (r["subject"], r["predicate"], r["object"]) for r in seven
    }


def test_curator_readings_say_what_was_inferred(store: ox.Store) -> None:
    rows = answer(store, "curator-readings")
    assert rows and all(r["note"] for r in rows)
    facts = {(r["subject"], r["predicate"], r["object"]) for r in rows}
    # the review never calls bevacizumab an antibody: that is the curator's knowledge
    assert ("drug:bevacizumab", "rdf:type", "antibody drug") in facts
    # "Ret and c-kit[3]" is the review's own statement
    assert ("drug:sorafenib", "inhibits", "molecule:ret") not in facts


def test_discrepancies_of_the_review(store: ox.Store) -> None:
    rows = answer(store, "discrepancies")
    search = {r["aspect"]: r for r in where(rows, subject="trial:NCT00901901")}
    # Table 1 is titled "Completed clinical trials" but the text says the SEARCH trial "is being
    # conducted"
    assert "Completed" in search["status"]["alternativeQuote"]
    # Table 1 reads "Erlotinib plussorafenibvserlotinib plus placebo", the text "with sorafenib
    # as the controlled arm"
    assert "erlotinib plus placebo" in search["control arm"]["alternativeQuote"]
    # Table 1 efficacy gives "DCR: 45.7%", its footnote "DCS: Disease control rate"
    assert "DCS" in column(rows, "alternative")


def test_statements_without_a_reference(store: ox.Store) -> None:
    rows = answer(store, "unreferenced-statements")
    facts = {(r["subject"], r["predicate"], r["object"]) for r in rows}
    # "Sorafenib executes its anti-tumor activity partially through targeting the Raf-1 and
    # B-Raf, thus inhibiting the RAF/MEK/ERK signaling pathways" cites nothing
    assert ("drug:sorafenib", "inhibits", "molecule:raf1") in facts
    # "Ret and c-kit[3]" cites [3]
    assert ("drug:sorafenib", "inhibits", "molecule:ret") not in facts


# --- data-quality checks -----------------------------------------------------------------------


def _with(nquads: Path, *triples: tuple[str, str, str | ox.Literal]) -> ox.Store:
    copy = load_store(nquads)
    for s, p, o in triples:
        obj = o if isinstance(o, ox.Literal) else ox.NamedNode(o)
        copy.add(
            ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(BASE + "graph/asserted"))
        )
    return copy


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def test_entities_without_identifier(store: ox.Store, nquads: Path) -> None:
    rows = answer(store, "entities-without-identifier")
    assert "drug:sorafenib" not in column(rows, "entity")
    for row in rows:
        iri = ql.to_term(ql.Parameter("x", ql.ParamKind.iri, ""), row["entity"], PREFIXES)
        assert not list(
            store.quads_for_pattern(
                iri, ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch"), None
            )
        ), row
    new = BASE + "drug/new-compound"
    copy = _with(nquads, (new, RDF_TYPE, SK + "Drug"), (new, LABEL, ox.Literal("New compound")))
    found = answer(copy, "entities-without-identifier", **{"class": "sk:Drug"})
    assert "drug:new-compound" in column(found, "entity")


@pytest.fixture(scope="module")
def served(reasoned_store: ox.Store) -> ox.Store:
    """The build as ``sorakg build`` writes and the server serves it, inferred graph included."""
    return reasoned_store


def test_facts_without_evidence(served: ox.Store, nquads: Path) -> None:
    # on the build as served: inferred facts (affects from inhibits) rest on stated ones, which
    # have evidence
    assert answer(served, "facts-without-evidence") == []
    copy = _with(nquads, (BASE + "drug/erlotinib", SK + "inhibits", BASE + "molecule/mtor"))
    assert answer(copy, "facts-without-evidence") == [
        {"subject": "drug:erlotinib", "predicateLabel": "inhibits", "object": "molecule:mtor"}
    ]


def test_nodes_without_evidence(store: ox.Store, nquads: Path) -> None:
    assert answer(store, "nodes-without-evidence") == []
    arm = BASE + "trial/NCT01035229/arm/extra"
    copy = _with(nquads, (arm, RDF_TYPE, SK + "ControlArm"))
    assert answer(copy, "nodes-without-evidence") == [
        {"class": "sk:StudyArm", "node": "trial:NCT01035229/arm/extra"}
    ]


def test_summary_counts(store: ox.Store) -> None:
    counts = {r["label"]: int(r["instances"]) for r in answer(store, "summary")}
    # candidate biomarkers named: pERK, JNK activity, phospho-c-Jun, Ang2, VEGF, soluble c-KIT,
    # HGF, MET-high
    assert counts["candidate biomarker"] == 8
    # ten Table 1 rows, sixteen Table 2 rows, and in the text the phase II of ref [13], SHARP,
    # NCT01840592, brivanib's phase III and the first-line erlotinib plus bevacizumab of ref [60]
    assert counts["clinical study"] == 10 + 16 + 5


# --- labels, not ontology IRIs ----------------------------------------------------------------


@pytest.mark.parametrize("query", [q.name for q in ql.list_queries()])
def test_answers_show_labels_not_ontology_iris(served: ox.Store, query: str) -> None:
    """A pharmacologist reads "phase II", not ``…/ontology#PhaseII``: no column of a default
    answer holds a labelled ontology term, except a parameter's own column (what the user types
    back in), and that one has a ``<name>Label`` column beside it."""
    named = ql.load_query(query)
    results = ql.run_named(served, named, {}, PREFIXES)
    columns, rows = ql.rows(results)
    params = {p.name for p in named.parameters}
    offending: set[str] = set()
    for row in rows:
        for name in columns:
            term = row[name]
            if not isinstance(term, ox.NamedNode) or not term.value.startswith(SK):
                continue
            if name in params and f"{name}Label" in columns:
                continue
            if next(served.quads_for_pattern(term, ox.NamedNode(LABEL), None), None):
                offending.add(f"?{name} = {ql.shorten(term, PREFIXES)}")
    assert not offending, sorted(offending)[:5]


# --- claims, results in words, reference checks ------------------------------------------------


def test_results_reported_without_a_figure(store: ox.Store) -> None:
    rows = answer(store, "results-without-figures")
    found = {
        (r["armLabel"], r["result"], r["versusLabel"], r["measure"], r["subgroup"]) for r in rows
    }
    # "the median OS and TTP was no statistically difference in the experimental and controlled
    # arms" (SEARCH, preliminary results)
    for measure in ("overall survival", "time to progression"):
        assert (
            "Sorafenib plus erlotinib",
            "no difference",
            "Sorafenib plus placebo",
            measure,
            "",
        ) in found
    search = where(rows, trialLabel="SEARCH: sorafenib plus erlotinib vs sorafenib plus placebo")
    assert {r["significance"] for r in search} == {"not statistically significant"}
    assert {r["modality"] for r in search} == {"hedged"}  # "the preliminary results"
    # "which was significantly longer than that (1.4 mo) for 15 MET-high patients"
    (met,) = where(rows, subgroup="MET-high")
    assert (met["result"], met["significance"]) == ("longer", "statistically significant")
    # "tivantinib at the dose of 240 mg ... showed slightly longer OS ... compared to ... 360 mg"
    (dose,) = where(rows, armLabel="Tivantinib 240 mg twice daily")
    assert (dose["versusLabel"], dose["measure"]) == (
        "Tivantinib 360 mg twice daily",
        "overall survival",
    )
    # "these patients died within 4 mo" (sunitinib, Child-Pugh class B): an upper bound
    (bound,) = where(rows, result="within a bound")
    assert (bound["subgroup"], bound["bound"], bound["unit"]) == (
        "Child-Pugh class B",
        "4",
        "month",
    )
    assert "died within 4 mo" in bound["quote"]
    only = answer(store, "results-without-figures", trial="trial:ref55-sunitinib")
    assert column(only, "result") == {"within a bound"}


def test_claims_about_antitumour_drugs_in_general(store: ox.Store) -> None:
    rows = answer(store, "general-scope-claims")
    # "Many mechanisms account for acquired resistance to antitumor drugs, such as addiction
    # switching, compensatorypathway ..., epithelial-mesenchymal transition (EMT), cancer stem
    # cells, disabling of pro-apoptotic signals, hypoxic microenvironment, etc[17-19]"
    assert column(rows, "aboutLabel") == {
        "Addiction switching",
        "Compensatory pathway activation",
        "EMT in sorafenib resistance",
        "Cancer stem cells",
        "Disabling of pro-apoptotic signals",
        "Hypoxic microenvironment",
        # "Long-term exposure to antitumor drugs often results in reduced sensitivity ...":
        # a background sentence, recorded under the section's drug with general scope
        "Long-term exposure to antitumour drugs often reduces the tumour cells' sensitivity, "
        "leading to acquired resistance",
    }
    # "The hypoxic microenvironment is closely related to the resistance to many antitumor drugs"
    hypoxia = where(rows, about="mechanism:hypoxia")
    assert any(r["quote"].startswith("The hypoxic microenvironment") for r in hypoxia)
    # "Emerging evidence suggests that EMT is involved in ... the resistance of antitumor drugs"
    emt = where(rows, about="mechanism:emt-resistance", modality="hedged")
    assert emt and emt[0]["references"] == "38"
    # for sorafenib itself the review only "indicated the correlation" of cancer stem cells
    # (hedged); the abstract states addiction switching for sorafenib
    assert where(rows, about="mechanism:cancer-stem-cells")[0]["drugSpecific"] == "hedged"
    assert where(rows, about="mechanism:addiction-switching")[0]["drugSpecific"] == "stated"


def test_statements_checked_against_a_reference(store: ox.Store) -> None:
    rows = answer(store, "reference-checks")
    by_statement = {r["statement"]: r for r in rows}
    assert len(rows) >= 100  # every drug-action and drug-class statement, and three trial facts
    contradicted = answer(store, "reference-checks", verdict="sk:ContradictedByReference")
    statements = " ".join(column(contradicted, "statement")).lower()
    for words in ("bevacizumab", "u0126", "sunitinib", "tivantinib", "362", "phase iii"):
        assert words in statements, words
    assert all(r["correction"] and r["release"] for r in contradicted)
    # the phase of [50]: its registry record (NCT00108953) says phase 2
    phase = by_statement["the doxorubicin plus sorafenib vs doxorubicin trial [50] is phase III"]
    assert "NCT00108953" in phase["reference"] and "phase 2" in phase["correction"]
    assert column(rows, "verdictLabel") >= {
        "consistent with the reference",
        "contradicted by the reference",
        "not covered by the reference",
    }


def _rejected() -> list[tuple[str, str, str]]:
    """The inferences reviewed_inferences.csv rejects, as (subject, predicate, object) names."""
    import csv

    path = Path(__file__).parent.parent / "loaders" / "data" / "reviewed_inferences.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["status"] == "rejected"]
    name = lambda text: text.replace("/", ":", 1)  # noqa: E731  (drug/u0126 → drug:u0126)
    return [(name(r["subject"]), r["predicate"], name(r["object"])) for r in rows]


# The column of each query whose answer rows relate two entities of a rejected inference, that
# says how the row relates them (a route through a pathway is named as such, never as involvement)
RELATION_COLUMN = {
    "drug-pathways": "through",
    "facts-citing-reference": "predicate",
    "mechanism-observations": "change",
    "pathway-participants": "role",
}


def _names_of(store: ox.Store, predicate: str) -> set[str]:
    """How an answer may name the predicate, its inverse or a sub-property of either."""
    text = f"""PREFIX sk: <{SK}> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
      PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
      SELECT DISTINCT ?p ?label WHERE {{
        {{ BIND({predicate} AS ?p) }} UNION {{ ?p owl:inverseOf|^owl:inverseOf {predicate} }}
        UNION {{ ?p rdfs:subPropertyOf+/(owl:inverseOf|^owl:inverseOf)? {predicate} }}
        OPTIONAL {{ ?p rdfs:label ?label }} }}"""
    names = set()
    for row in ql.run_named(store, ql.parse_query(text, "names"), {}, PREFIXES):
        names.add(ql.shorten(row["p"], PREFIXES))
        if row["label"] is not None:
            names.add(row["label"].value)
    return names


@pytest.mark.slow  # every query once per rejected inference's entity
def test_no_answer_states_a_relation_the_reviewed_inferences_reject(store: ox.Store) -> None:
    """Every named query, with its defaults and with each entity parameter set to each entity a
    rejected inference names: a row holding both ends of a rejected inference must say, in its
    relation column, a relation that is not the rejected one."""
    rejected = _rejected()
    entities = sorted({x for s, _, o in rejected for x in (s, o) if ":" in x})
    names = {p: _names_of(store, p) for _, p, _ in rejected}
    for query in ql.list_queries():
        runs: list[dict[str, str]] = [{}]
        for param in query.parameters:
            if param.kind == ql.ParamKind.iri:
                # an entity parameter takes entities of its kind; a class parameter, classes
                prefix = "sk:" if param.name == "class" else f"{param.name}:"
                runs += [{param.name: e} for e in entities if e.startswith(prefix)]
        for params in runs:
            for row in answer(store, query.name, **params):
                values = set(row.values())
                for s, p, o in rejected:
                    if s in values and o in values:
                        where_ = f"{query.name} {params}: {row}"
                        assert query.name in RELATION_COLUMN, f"states {s} {p} {o}? {where_}"
                        said = row[RELATION_COLUMN[query.name]]
                        assert not any(n and n in said for n in names[p]), where_
