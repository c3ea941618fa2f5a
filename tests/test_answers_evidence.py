"""The named queries about evidence, data quality, labels and claims give the review's answers.

Expectations are written from the review (its full text is
``loaders/data/<publication>/source.txt``); the sentence each rests on is quoted in a comment.
Entities are named by the graph's IRIs (``drug:sorafenib``) or by the review's own words.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from sorakg.release.store import load_store
from sorakg.sparql import catalogue as ql
from tests.constants import BASE, SK
from tests.helpers import PREFIXES, answer, column, where

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
