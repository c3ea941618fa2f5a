"""Drug classes that mean what pharmacology means, and disputed statements kept one graph away.

Reasoning once drew more than pharmacology allows: bevacizumab (an antibody that binds VEGF-A)
became a VEGFR, receptor-tyrosine-kinase, tyrosine-kinase and kinase inhibitor; ramucirumab a
tyrosine kinase inhibitor; U0126 an ERK inhibitor. These tests run over the default graph a
plain /sparql query sees.
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from sorakg.loaders.vocab import SK
from sorakg.pipeline.build import Built
from sorakg.release.default_view import default_graphs
from sorakg.server.execute import Job, run_query
from tests.constants import BASE

PREFIXES = "PREFIX sk: <https://w3id.org/sorakg/ontology#>\n"


@pytest.fixture(scope="module")
def store(reasoned_store: ox.Store) -> ox.Store:
    """The questions are asked of the reasoned build (conftest's ``store`` has no inferences)."""
    return reasoned_store


def select(store: ox.Store, text: str) -> set[tuple[str, ...]]:
    """Rows of a SELECT over the default graph the endpoint gives a plain query."""
    reply = run_query(store, Job("query", PREFIXES + text, accept="text/csv"))
    assert reply.status == 200, reply.body
    rows = list(csv.reader(io.StringIO(reply.body.decode())))[1:]
    return {tuple(cell.removeprefix(BASE) for cell in row) for row in rows}


def kinase_inhibitor_classes(ontology: Graph) -> set[URIRef]:
    """Every class defined by inhibiting a kinase (sk:inhibits some …Kinase or a kinase family)."""
    found = set()
    for cls, definition in ontology.subject_objects(OWL.equivalentClass):
        head = ontology.value(definition, OWL.intersectionOf)
        parts = list(ontology.items(head)) if head is not None else []
        for part in parts:
            if ontology.value(part, OWL.onProperty) == SK.inhibits:
                found.add(cls)
    return {c for c in found if isinstance(c, URIRef)}


def test_kinase_inhibitor_classes_require_a_small_molecule(reasoned: Built) -> None:
    ontology = reasoned.graph("ontology")
    classes = kinase_inhibitor_classes(ontology)
    assert {SK.KinaseInhibitor, SK.VEGFRInhibitor, SK.TyrosineKinaseInhibitor} <= classes
    for cls in classes:
        definition = ontology.value(cls, OWL.equivalentClass)
        parts = list(ontology.items(ontology.value(definition, OWL.intersectionOf)))
        assert SK.SmallMoleculeDrug in parts, cls


def test_no_antibody_in_any_kinase_inhibitor_class(store: ox.Store, reasoned: Built) -> None:
    classes = kinase_inhibitor_classes(reasoned.graph("ontology"))
    values = " ".join(f"<{c}>" for c in sorted(classes))
    rows = select(
        store,
        f"SELECT ?drug ?cls WHERE {{ VALUES ?cls {{ {values} }} ?drug a sk:AntibodyDrug, ?cls }}",
    )
    assert rows == set()
    # the drugs are there, in the classes pharmacology gives them
    classes_of = select(
        store,
        "SELECT ?drug ?cls WHERE { ?drug a ?cls . "
        "VALUES ?cls { sk:LigandTargetingAntibody sk:ReceptorTargetingAntibody } }",
    )
    assert classes_of == {
        ("drug/bevacizumab", "ontology#LigandTargetingAntibody"),
        ("drug/ramucirumab", "ontology#ReceptorTargetingAntibody"),
    }


def test_small_molecule_kinase_inhibitors_keep_their_classes(store: ox.Store) -> None:
    rows = select(store, "SELECT ?drug WHERE { ?drug a sk:VEGFRInhibitor }")
    assert {d for (d,) in rows} == {
        "drug/sorafenib", "drug/sunitinib", "drug/brivanib", "drug/dovitinib", "drug/axitinib"
    }  # fmt: skip


def test_u0126_is_no_erk_inhibitor_and_the_review_still_says_so(store: ox.Store) -> None:
    u0126 = "drug/u0126"
    # beside the disputed statement, the curator's row records what U0126 does inhibit (MEK1/2,
    # Favata et al. 1998): a kinase inhibitor, never an ERK inhibitor
    assert select(store, f"SELECT ?c WHERE {{ <{BASE}{u0126}> a ?c }}") == {
        ("ontology#Drug",), ("ontology#Agent",), ("ontology#SmallMoleculeDrug",),
        ("ontology#KinaseInhibitor",),
    }  # fmt: skip
    assert select(store, f"SELECT ?x WHERE {{ <{BASE}{u0126}> sk:inhibits ?x }}") == {
        ("molecule/mek",)
    }
    # one GRAPH away: the review's statement, its quote and the curator's reason
    disputed = select(
        store,
        f"""SELECT ?target ?quote ?reason WHERE {{
          GRAPH <{BASE}graph/disputed> {{
            <{BASE}{u0126}> sk:inhibits ?target .
            ?e sk:evidenceFor <{BASE}{u0126}> ; sk:statementObject ?target ; sk:quote ?quote .
            ?d a sk:Dispute ; sk:disputes ?e ; sk:disputeReason ?reason .
          }} }}""",
    )
    assert len(disputed) == 1
    target, quote, reason = next(iter(disputed))
    assert target == "molecule/erk"
    assert "selective inhibitor of ERK1/2" in quote
    assert "MEK1" in reason and "Favata" in reason


def test_what_a_disputed_statement_would_imply_is_kept_apart(store: ox.Store) -> None:
    # bevacizumab inhibits VEGFR (disputed) would make it nothing (not a small molecule), but
    # U0126 inhibits ERK would make it an ERK inhibitor: that consequence sits in its own graph
    rows = select(
        store,
        f"SELECT ?s ?c WHERE {{ GRAPH <{BASE}graph/disputed-inferred> {{ ?s a ?c }} }}",
    )
    assert ("drug/u0126", "ontology#ERKInhibitor") in rows
    assert not select(store, "SELECT ?s WHERE { ?s a sk:ERKInhibitor }")


def test_default_graph_is_the_default_view(store: ox.Store) -> None:
    names = {
        g.value.removeprefix(BASE) for g in default_graphs(store) if isinstance(g, ox.NamedNode)
    }
    assert names == {"graph/ontology", "graph/asserted", "graph/inferred"}
    assert not select(store, "SELECT ?e WHERE { ?e a sk:Dispute }")
    everything = select(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert ("graph/disputed",) in everything and ("graph/disputed-inferred",) in everything


def test_sorakg_nt_is_the_default_view(reasoned: Built) -> None:
    union = reasoned.union()
    assert (
        URIRef(BASE + "drug/bevacizumab"),
        SK.inhibits,
        URIRef(BASE + "molecule/vegfr"),
    ) not in union
    assert (URIRef(BASE + "drug/bevacizumab"), SK.binds, URIRef(BASE + "molecule/vegf")) in union
    assert not set(union.subjects(RDF.type, SK.Dispute))


def test_a_disputed_row_loads_into_the_disputed_graph(reasoned: Built) -> None:
    disputed, asserted = reasoned.graph("disputed"), reasoned.graph("asserted")
    statement = (URIRef(BASE + "drug/bevacizumab"), SK.inhibits, URIRef(BASE + "molecule/vegfr"))
    assert statement in disputed and statement not in asserted
    for record in disputed.subjects(SK.evidenceFor, statement[0]):
        assert (record, RDF.type, SK.Evidence) in disputed
        assert (None, SK.disputes, record) in disputed
        assert (record, None, None) not in asserted


# Every link between a drug and a pathway or resistance mechanism the default graph holds, each
# with the review's words that make it. Anything else (erlotinib, brivanib or sunitinib "targeting"
# JAK-STAT because EGFR, FGFR and PDGFR activate STAT3) fails here.
REVIEW_LINKS = {
    # "dovitinib ... regulating the JAK-STAT pathway, could reverse the acquired resistance"
    ("drug/dovitinib", "regulates", "pathway/jak-stat"),
    ("drug/dovitinib", "affects", "pathway/jak-stat"),
    ("drug/dovitinib", "reverses", "mechanism/jak-stat-activation"),
    # "EF24 ... overcome sorafenib resistance through inhibiting HIF-1 alpha"
    ("drug/ef24", "reverses", "mechanism/hypoxia"),
    ("drug/ef24", "targetsPathway", "pathway/hif"),
    # "the resistance to sorafenib could be reversed by ... Akt inhibitor MK-2206"
    ("drug/mk-2206", "reverses", "mechanism/pi3k-akt-activation"),
    ("drug/mk-2206", "targetsPathway", "pathway/pi3k-akt"),
    # "the anti-angiogenic activity of sorafenib"; "sorafenib inhibited the HGF-induced EMT";
    # "thus inhibiting the RAF/MEK/ERK signaling pathways"; "sorafenib inhibited the activity of
    # STAT3" (JAK-STAT section)
    *{
        ("drug/sorafenib", p, f"pathway/{x}")
        for p in ("inhibits", "affects")
        for x in ("angiogenesis", "emt", "mapk")
    },
    ("drug/sorafenib", "targetsPathway", "pathway/mapk"),
    ("drug/sorafenib", "targetsPathway", "pathway/jak-stat"),
    # "the role of EMT in the resistance of HCC to sunitinib" ("targeting ... RAF" is disputed:
    # sunitinib reaches no MAPK member)
    ("drug/sunitinib", "resistanceTo", "mechanism/emt-sunitinib-resistance"),
    # U0126 inhibits MEK (the curator's row beside the disputed "inhibitor of ERK1/2")
    ("drug/u0126", "targetsPathway", "pathway/mapk"),
}


def test_no_drug_linked_to_a_pathway_or_mechanism_the_review_does_not_connect(
    store: ox.Store,
) -> None:
    rows = select(
        store,
        """SELECT DISTINCT ?d ?p ?x WHERE {
             ?d a sk:Drug . { ?x a sk:Pathway } UNION { ?x a sk:ResistanceMechanism }
             { ?d ?p ?x } UNION { ?x ?p ?d } }""",
    )
    links = {(d, p.removeprefix("ontology#"), x) for d, p, x in rows}
    # the mechanisms of sorafenib resistance the review names, each its own row
    sorafenib = {x for d, p, x in links if d == "drug/sorafenib" and p == "resistanceTo"}
    assert len(sorafenib) == 14 and "mechanism/jak-stat-activation" in sorafenib
    assert links - {("drug/sorafenib", "resistanceTo", x) for x in sorafenib} == REVIEW_LINKS


def test_top_level_arms_never_sum_past_enrolment(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?trial ?enrolled (SUM(?cases) AS ?total) WHERE {
             ?trial sk:enrolled ?enrolled ; sk:hasArm ?arm . ?arm sk:caseCount ?cases .
             FILTER NOT EXISTS { ?arm sk:partOfArm ?whole } } GROUP BY ?trial ?enrolled""",
    )
    assert rows and all(int(total) <= int(enrolled) for _, enrolled, total in rows)
    # "Among the 107 enrolled patients ... Seventy-one patients were randomly assigned to receive
    # tivantinib (38 at 360 mg twice-daily and 33 at 240 mg twice-daily), and 36 patients, to
    # receive placebo"
    assert ("trial/NCT00988741", "107", "107") in rows
    parts = select(
        store,
        "SELECT ?part ?n WHERE { ?part sk:partOfArm "
        f"<{BASE}trial/NCT00988741/arm/tivantinib> ; sk:caseCount ?n }}",
    )
    assert parts == {
        ("trial/NCT00988741/arm/tivantinib-360", "38"),
        ("trial/NCT00988741/arm/tivantinib-240", "33"),
    }


def test_mappings_of_drug_classes_agree_with_their_definitions(reasoned: Built) -> None:
    from rdflib.namespace import SKOS

    from sorakg.ontology import mapping_triples

    kinase_roles = {
        URIRef("http://purl.obolibrary.org/obo/CHEBI_37699"),  # protein kinase inhibitor
        URIRef("http://purl.obolibrary.org/obo/CHEBI_38637"),  # tyrosine kinase inhibitor
        URIRef("http://purl.obolibrary.org/obo/NCIT_C1404"),  # Protein Kinase Inhibitor
    }
    inhibitors = kinase_inhibitor_classes(reasoned.graph("ontology"))
    for subject, predicate, obj in mapping_triples():
        if obj in kinase_roles:
            # only a small-molecule kinase-inhibitor class maps to a kinase-inhibitor role, and
            # never as an exact match (the roles cover protein kinases only)
            assert subject in inhibitors, (subject, obj)
            assert predicate != SKOS.exactMatch, (subject, obj)
        if subject in {SK.AntibodyDrug, SK.ReceptorTargetingAntibody, SK.LigandTargetingAntibody}:
            assert obj not in kinase_roles
    assert (
        SK.KinaseInhibitor,
        SKOS.narrowMatch,
        URIRef("http://purl.obolibrary.org/obo/CHEBI_37699"),
    ) in set(mapping_triples())
