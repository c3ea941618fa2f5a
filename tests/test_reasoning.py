"""Reasoning: the defined drug classes, the property chains, consistency, explanations."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from sorakg.loaders.vocab import SK
from sorakg.ontology import ontology_graph
from sorakg.pipeline.build import Built
from sorakg.pipeline.explain import Explainer
from sorakg.pipeline.reasoning import InconsistentOntology, check_consistency, materialize
from tests.constants import BASE


def drug(name: str) -> URIRef:
    return URIRef(BASE + f"drug/{name}")


@pytest.fixture(scope="module")
def ontology(built: Built) -> Graph:
    return built.graph("ontology")


@pytest.fixture(scope="module")
def inferred(reasoned: Built) -> Graph:
    return reasoned.graph("inferred")


def members(graph: Graph, cls: URIRef) -> set[str]:
    return {str(s).removeprefix(BASE + "drug/") for s in graph.subjects(RDF.type, cls)}


# The review: "sorafenib targets ... tyrosine kinases by inhibiting vascular endothelial growth
# factor receptor (VEGFR)"; sunitinib and brivanib are introduced as VEGFR inhibitors; "EGFR
# inhibitor (erlotinib)"; "mTOR inhibitor (everolimus and temsirolimus)". "tivantinib, a selective
# oral inhibitor of MET" is disputed (reference_checks.csv): tivantinib is a kinase inhibitor only
# because the review calls it one (drug_classes.csv), never a MET inhibitor.
@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (SK.VEGFRInhibitor, {"sorafenib", "sunitinib", "brivanib"}),
        (SK.EGFRInhibitor, {"erlotinib"}),
        (SK.MTORInhibitor, {"everolimus", "temsirolimus"}),
        (SK.RAFInhibitor, {"sorafenib"}),
        (SK.ReceptorTyrosineKinaseInhibitor, {"sorafenib", "sunitinib", "erlotinib"}),
        (SK.KinaseInhibitor, {"sorafenib", "everolimus", "tivantinib"}),
        (SK.InhibitorOfSeveralKinases, {"sorafenib", "sunitinib"}),
    ],
)
def test_defined_class_members(
    inferred: Graph, facts: Graph, cls: URIRef, expected: set[str]
) -> None:
    assert expected <= members(inferred + facts, cls)


def test_a_disputed_target_makes_no_class(inferred: Graph, facts: Graph) -> None:
    everything = inferred + facts
    assert "tivantinib" not in members(everything, SK.METInhibitor)
    assert "tivantinib" not in members(everything, SK.ReceptorTyrosineKinaseInhibitor)
    assert "sunitinib" not in members(everything, SK.RAFInhibitor)  # "targeting ... RAF"


def test_cytotoxic_drugs_are_not_kinase_inhibitors(inferred: Graph) -> None:
    kinase_inhibitors = members(inferred, SK.KinaseInhibitor)
    assert not {"doxorubicin", "cisplatin", "oxaliplatin"} & kinase_inhibitors


def test_chain_sorafenib_targets_the_mapk_pathway(inferred: Graph) -> None:
    # "Sorafenib executes its anti-tumor activity partially through targeting the Raf-1 and B-Raf,
    # thus inhibiting the RAF/MEK/ERK signaling pathways": inhibits ∘ member of pathway.
    assert (drug("sorafenib"), SK.targetsPathway, URIRef(BASE + "pathway/mapk")) in inferred


def test_chain_does_not_follow_upstream_regulators(inferred: Graph, facts: Graph) -> None:
    # "STAT3 ... is also activated by ... PDGFR, ... FGFR, ... EGFR through JAK" is background:
    # erlotinib (EGFR), brivanib (FGFR) and sunitinib (PDGFR) do not target JAK-STAT by it
    jak_stat = URIRef(BASE + "pathway/jak-stat")
    assert (jak_stat, SK.hasUpstreamRegulator, URIRef(BASE + "molecule/egfr")) in facts
    for name in ("erlotinib", "brivanib", "sunitinib"):
        assert (drug(name), SK.targetsPathway, jak_stat) not in inferred
    assert (URIRef(BASE + "molecule/egfr"), SK.regulatesPathway, jak_stat) in inferred
    assert (URIRef(BASE + "molecule/egfr"), SK.participatesIn, jak_stat) not in inferred


def test_mechanisms_do_not_involve_every_participant_of_their_pathways(inferred: Graph) -> None:
    # the EMT mechanism runs through MAPK: that makes neither RAF1 nor the MAPK pathway itself a
    # molecule of it
    assert not set(inferred.triples((None, SK.involvesMolecule, None)))


def test_asserted_graph_holds_no_inferred_triple(inferred: Graph, facts: Graph) -> None:
    assert len(inferred) > 0
    assert not set(inferred) & set(facts)
    assert (drug("sorafenib"), RDF.type, SK.VEGFRInhibitor) not in facts


def test_inferences_are_about_named_entities_only(inferred: Graph) -> None:
    for s, p, o in inferred:
        assert isinstance(s, URIRef) and isinstance(o, URIRef)
        assert p == RDF.type or str(p).startswith(str(SK))
        assert p != OWL.sameAs


def test_project_graph_is_consistent(union: Graph) -> None:
    check_consistency(union)  # raises if not


def test_inconsistent_fragment_names_the_clash() -> None:
    graph = ontology_graph()
    odd = URIRef(BASE + "drug/odd")
    graph.add((odd, RDF.type, SK.SmallMoleculeDrug))
    graph.add((odd, RDF.type, SK.AntibodyDrug))
    with pytest.raises(InconsistentOntology) as caught:
        check_consistency(graph)
    text = str(caught.value)
    assert "inconsistent" in text
    assert f"<{odd}> is both sk:AntibodyDrug and sk:SmallMoleculeDrug" in text


def test_unsatisfiable_class_is_named() -> None:
    graph = ontology_graph()
    bad = URIRef(BASE + "ontology-test#AntibodySmallMolecule")
    graph.add((bad, RDF.type, OWL.Class))
    graph.add((bad, RDFS.subClassOf, SK.AntibodyDrug))
    graph.add((bad, RDFS.subClassOf, SK.SmallMoleculeDrug))
    with pytest.raises(InconsistentOntology) as caught:
        check_consistency(graph)
    assert f"class <{bad}> can have no members" in str(caught.value)


def test_explanation_cites_the_fact_and_the_axiom(ontology: Graph, facts: Graph) -> None:
    graph = ontology + facts
    reason = Explainer(graph).explain(drug("sunitinib"), SK.VEGFRInhibitor)
    assert reason is not None
    text = str(reason)
    assert "defined as small-molecule drug ⊓ ∃inhibits" in text
    assert "Sunitinib inhibits" in text
    assert "evidence: review, ref. [" in text
    assert "drug_actions.csv:" in text


def test_no_explanation_for_what_does_not_follow(ontology: Graph, facts: Graph) -> None:
    assert Explainer(ontology + facts).explain(drug("doxorubicin"), SK.VEGFRInhibitor) is None


def test_every_inferred_membership_is_explained(
    inferred: Graph, ontology: Graph, facts: Graph
) -> None:
    explainer = Explainer(ontology + facts)
    drugs = set(facts.subjects(RDF.type, SK.Drug))
    checked = 0
    for s, cls in inferred.subject_objects(RDF.type):
        if s in drugs and not isinstance(cls, BNode):
            assert explainer.explain(s, cls) is not None, (s, cls)  # type: ignore[arg-type]
            checked += 1
    assert checked > 20


@pytest.mark.slow  # owlrl's closure as the reference
def test_build_engine_agrees_with_the_reference(ontology: Graph, facts: Graph) -> None:
    # The build's fast engine (reasonable + chains) must find exactly what owlrl finds.
    fast = materialize(ontology, facts, "reasonable")
    reference = materialize(ontology, facts, "owlrl")
    assert set(fast) == set(reference)
    assert len(fast) > 300


def test_every_inferred_relation_is_explained(
    inferred: Graph, ontology: Graph, facts: Graph
) -> None:
    explainer = Explainer(ontology + facts)
    relations = [(s, p, o) for s, p, o in inferred if p != RDF.type]
    assert len(relations) > 100
    for s, p, o in relations:
        assert explainer.explain_relation(s, p, o) is not None, (s, p, o)  # type: ignore[arg-type]


def test_chain_explanation_names_both_links(ontology: Graph, facts: Graph) -> None:
    reason = Explainer(ontology + facts).explain_relation(
        drug("sorafenib"), SK.targetsPathway, URIRef(BASE + "pathway/mapk")
    )
    assert reason is not None
    text = str(reason)
    assert "targets pathway ⊒ inhibits ∘ member of pathway" in text
    assert "pathway_members.csv:" in text and "drug_actions.csv:" in text
    assert (
        Explainer(ontology + facts).explain_relation(
            drug("doxorubicin"), SK.targetsPathway, URIRef(BASE + "pathway/mapk")
        )
        is None
    )


def test_disputed_statements_extend_the_closure_as_a_fresh_one_would(
    ontology: Graph, facts: Graph, built: Built
) -> None:
    """The build adds the disputed statements to the asserted facts' closure (incrementally);
    the answer is the closure of both computed from scratch."""
    from sorakg.pipeline.reasoning import Closure

    disputed = built.graph("disputed")
    assert len(disputed) > 0
    closure = Closure(ontology, facts)
    alone = closure.inferred()
    closure.add(disputed)
    extended = closure.inferred()
    assert set(extended) == set(materialize(ontology, facts + disputed))
    assert set(extended) - set(alone)  # the disputed statements do add something


def test_facts_read_in_batches_give_the_closure_of_their_union(
    ontology: Graph, facts: Graph, built: Built
) -> None:
    """A build that reads one paper at a time hands the closure each batch; the answer is the
    one graph's, even when a record's type comes in a later batch than its other triples."""
    from sorakg.pipeline.reasoning import Closure

    whole = Closure(ontology, facts)
    types = [t for t in facts if t[1] == RDF.type]
    rest = [t for t in facts if t[1] != RDF.type]
    batched = Closure(ontology)
    for batch in (rest[::2], rest[1::2], types):
        batched.add(batch)
    assert batched.given == whole.given
    assert set(batched.inferred()) == set(whole.inferred())
    disputed = built.graph("disputed")
    whole.add(disputed)
    batched.add(disputed)
    assert set(batched.inferred()) == set(whole.inferred())


def test_a_chains_triples_reach_the_engine_when_an_axiom_reads_their_property(
    ontology: Graph, facts: Graph
) -> None:
    """The engine's re-run over the chain's triples is skipped only when nothing reads their
    property: give it an inverse, and its triples come out of the closure."""
    targeted_by = URIRef(BASE + "test/pathwayTargetedBy")
    extended = Graph()
    extended += ontology
    extended.add((targeted_by, OWL.inverseOf, SK.targetsPathway))
    extended.add((targeted_by, RDF.type, OWL.ObjectProperty))
    inferred = materialize(extended, facts)
    mapk, sorafenib = URIRef(BASE + "pathway/mapk"), drug("sorafenib")
    assert (sorafenib, SK.targetsPathway, mapk) in inferred
    closure_has = (mapk, targeted_by, sorafenib)
    from sorakg.pipeline.reasoning import Closure

    assert closure_has in Closure(extended, facts).triples
