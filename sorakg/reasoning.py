"""Reasoning: materialize what the ontology implies, and check that nothing contradicts it.

Engines, each for what it does well (the measurements behind the choice are in
docs/reasoning.md and ``benchmarks/reasoners.py``):

* **reasonable** (OWL 2 RL in Rust) materializes the inferences: memberships of the defined drug
  classes (``VEGFRInhibitor ≡ Drug ⊓ ∃inhibits.VEGFR``), superclasses, inverse properties; the
  property chains it lacks (``targetsPathway ⊒ inhibits ∘ memberOfPathway``) are applied here. It
  runs over the ontology and the entity facts only: evidence records take part in no axiom.
* **owlrl** (OWL 2 RL in pure Python) is the slow reference; a test holds the two to the same
  answer.
* **HermiT** (OWL 2 DL, through owlready2) checks the graph is consistent and every class
  satisfiable; it is complete where OWL RL is not, so a contradiction RL misses still fails
  the build.

``InhibitorOfSeveralKinases`` uses a qualified minimum cardinality, which OWL RL cannot derive
and a DL reasoner derives only when targets are known to be distinct. The graph's entity IRIs
are minted one per distinct entity (a unique-name assumption), so :data:`RULES` state the class's
meaning as a SPARQL rule under that assumption.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from sorakg.children import die_with_parent
from sorakg.loaders.vocab import SK

PROVENANCE_CLASSES = (SK.Evidence, SK.Citation, SK.Publication)

# Closed-world readings of axioms outside OWL RL, under the unique-name assumption above.
RULES = {
    "InhibitorOfSeveralKinases": """
        CONSTRUCT { ?drug a sk:InhibitorOfSeveralKinases }
        WHERE {
          SELECT ?drug WHERE {
            ?drug sk:inhibits ?kinase . ?kinase a sk:Kinase . ?drug a sk:SmallMoleculeDrug
          }
          GROUP BY ?drug HAVING (COUNT(DISTINCT ?kinase) >= 2)
        }""",
}


class InconsistentOntology(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def reasoning_input(ontology: Graph, facts: Graph) -> Graph:
    """The ontology plus the facts about entities (evidence, citation and publication records
    are left out: no axiom mentions them, and they are most of the triples)."""
    provenance = {s for cls in PROVENANCE_CLASSES for s in facts.subjects(RDF.type, cls)}
    graph = Graph()
    graph += ontology
    for triple in facts:
        if triple[0] not in provenance:
            graph.add(triple)
    return graph


def _is_named(node: object) -> bool:
    return isinstance(node, URIRef)


def _worth_keeping(triple: tuple, individuals: set[URIRef]) -> bool:  # type: ignore[type-arg]
    """An inference a user asks about: a named individual's membership of a named class of the
    ontology, or an ontology property between named individuals."""
    s, p, o = triple
    if s not in individuals or not _is_named(o):
        return False
    if p == RDF.type:
        return str(o).startswith(str(SK))
    return str(p).startswith(str(SK))


Engine = Literal["reasonable", "owlrl"]


def _owlrl_closure(graph: Graph) -> Graph:
    """The OWL 2 RL closure by owlrl: complete, pure Python, slow (the reference engine)."""
    import owlrl

    closure = Graph()
    closure += graph
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    return closure


def _reasonable_closure(graph: Graph) -> Graph:
    """The OWL 2 RL closure by ``reasonable`` (Rust), with its two gaps closed here.

    * It derives spurious ``owl:sameAs`` from ``owl:InverseFunctionalProperty`` (measured in
      docs/reasoning.md), so those declarations are left out of its input; the graph keeps no
      ``sameAs`` anyway, and the test against owlrl shows nothing else is lost.
    * It skips ``owl:propertyChainAxiom``; the chains are followed here, and the closure is run
      again until neither adds anything.
    """
    import reasonable

    chains = _property_chains(graph)
    current = Graph()
    current += graph
    current.remove((None, RDF.type, OWL.InverseFunctionalProperty))
    while True:
        reasoner = reasonable.PyReasoner()
        reasoner.from_graph(current)
        for triple in reasoner.reason():
            current.add(triple)
        added = 0
        for prop, steps in chains:
            for x, y in _follow(current, steps):
                if (x, prop, y) not in current:
                    current.add((x, prop, y))
                    added += 1
        if not added:
            return current


def _follow(graph: Graph, steps: list[URIRef]) -> set[tuple[Node, Node]]:
    """The (start, end) pairs joined by the chain of properties ``steps``."""
    pairs = set(graph.subject_objects(steps[0]))
    for step in steps[1:]:
        pairs = {(x, z) for x, y in pairs for z in graph.objects(y, step)}
    return pairs


def _property_chains(graph: Graph) -> list[tuple[URIRef, list[URIRef]]]:
    chains = []
    for prop, head in graph.subject_objects(OWL.propertyChainAxiom):
        steps = [step for step in graph.items(head) if isinstance(step, URIRef)]
        if isinstance(prop, URIRef) and len(steps) > 1:
            chains.append((prop, steps))
    return sorted(chains)


CLOSURES = {"reasonable": _reasonable_closure, "owlrl": _owlrl_closure}


def materialize(ontology: Graph, facts: Graph, engine: Engine = "reasonable") -> Graph:
    """The triples the ontology implies about the facts' entities that the facts do not state."""
    closure = CLOSURES[engine](reasoning_input(ontology, facts))
    for rule in RULES.values():
        for triple in closure.query(rule, initNs={"sk": SK}):
            closure.add(triple)  # type: ignore[arg-type]
    individuals = {s for s in facts.subjects() if isinstance(s, URIRef)} - set(ontology.subjects())
    inferred = Graph()
    for triple in closure:
        if triple not in facts and _worth_keeping(triple, individuals):
            inferred.add(triple)
    return inferred


def _tie_java_to_this_process() -> None:
    """owlready2 starts java with ``subprocess`` and the keyword arguments in its module's
    ``_subprocess_kargs`` (empty on Linux); add the parent-death signal there."""
    from owlready2 import reasoning as owlready_reasoning

    tie = die_with_parent()
    if tie is not None:
        owlready_reasoning._subprocess_kargs["preexec_fn"] = tie  # type: ignore[attr-defined]


def check_consistency(graph: Graph) -> None:
    """Raise :class:`InconsistentOntology` if HermiT finds the graph inconsistent or a named
    class unsatisfiable; the message names the classes and the axioms about them."""
    import owlready2

    _tie_java_to_this_process()
    world = owlready2.World()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            raise InconsistentOntology(
                ["HermiT: the ontology and facts are inconsistent", *_clashes(graph)]
            ) from error
    unsatisfiable = sorted(
        URIRef(c.iri) for c in world.inconsistent_classes() if c is not owlready2.Nothing
    )
    if unsatisfiable:
        raise InconsistentOntology(
            [
                f"HermiT: class <{c}> can have no members; axioms: {_axioms(graph, [c])}"
                for c in unsatisfiable
            ]
        )


def short(node: object) -> str:
    """``sk:Name`` for the ontology's terms, ``rdfs:subClassOf`` style for the usual ones."""
    text = str(node)
    for prefix, namespace in (("sk", SK), ("rdfs", RDFS), ("owl", OWL)):
        if text.startswith(str(namespace)):
            return f"{prefix}:{text.removeprefix(str(namespace))}"
    return f"<{text}>"


def _axioms(graph: Graph, classes: Iterable[URIRef]) -> str:
    """The disjointness and subclass axioms that mention the classes, in short form."""
    found = []
    for cls in classes:
        for p in (RDFS.subClassOf, OWL.disjointWith, OWL.equivalentClass):
            for o in graph.objects(cls, p):
                if _is_named(o):
                    found.append(f"{short(cls)} {short(p)} {short(o)}")
            for s in graph.subjects(p, cls):
                if _is_named(s):
                    found.append(f"{short(s)} {short(p)} {short(cls)}")
    return "; ".join(sorted(set(found))) or "(none named)"


def _clashes(graph: Graph) -> list[str]:
    """Likely causes of an inconsistency: individuals typed with two disjoint classes (directly
    or through named superclasses), each with the disjointness axiom that forbids it."""
    supers: dict[URIRef, set[URIRef]] = {}

    def ancestors(cls: URIRef) -> set[URIRef]:
        if cls not in supers:
            supers[cls] = {cls}
            for parent in graph.objects(cls, RDFS.subClassOf):
                if _is_named(parent):
                    supers[cls] |= ancestors(parent)  # type: ignore[arg-type]
        return supers[cls]

    disjoint: set[tuple[str, str]] = {
        (min(str(a), str(b)), max(str(a), str(b)))
        for a, b in graph.subject_objects(OWL.disjointWith)
    }
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = sorted(str(m) for m in graph.items(graph.value(group, OWL.members)))  # type: ignore[arg-type]
        disjoint |= {(a, b) for a in members for b in members if a < b}
    found = []
    for individual in set(graph.subjects(RDF.type, None)):
        types: set[str] = set()
        for t in graph.objects(individual, RDF.type):
            if isinstance(t, URIRef):
                types |= {str(c) for c in ancestors(t)}
        for a, b in disjoint:
            if a in types and b in types:
                found.append(
                    f"<{individual}> is both {short(a)} and {short(b)}, which are declared disjoint"
                )
    return sorted(set(found))
