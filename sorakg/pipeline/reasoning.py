"""Reasoning: materialize what the ontology implies, and check that nothing contradicts it.

Engines, each for what it does well (the measurements behind the choice are in
docs/reasoning.md and ``benchmarks/reasoners.py``):

* **reasonable** (OWL 2 RL in Rust) materializes the inferences: memberships of the defined drug
  classes (``VEGFRInhibitor ≡ Drug ⊓ ∃inhibits.VEGFR``), superclasses, inverse properties; the
  property chains it lacks (``targetsPathway ⊒ inhibits ∘ memberOfPathway``) are applied here. It
  runs over the ontology and the entity facts only: evidence records take part in no axiom.
* **owlrl** (OWL 2 RL in pure Python) is the slow reference; a test holds the two to the same
  answer.
* **HermiT** (OWL 2 DL; the jar owlready2 ships, run by :mod:`sorakg.pipeline.hermit`) checks
  the graph is consistent and every class satisfiable; it is complete where OWL RL is not, so a
  contradiction RL misses still fails the build. It runs in java while the build goes on.

``InhibitorOfSeveralKinases`` uses a qualified minimum cardinality, which OWL RL cannot derive
and a DL reasoner derives only when targets are known to be distinct. The graph's entity IRIs
are minted one per distinct entity (a unique-name assumption), so :data:`RULES` state the class's
meaning as a SPARQL rule under that assumption.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Literal

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Literal as LiteralNode
from rdflib.term import Node

from sorakg.loaders.vocab import SK
from sorakg.pipeline.hermit import Hermit, rows_of

PROVENANCE_CLASSES = (SK.Evidence, SK.Citation, SK.Publication)

# Closed-world readings of axioms outside OWL RL, under the unique-name assumption above: one
# SPARQL CONSTRUCT per class, sorakg/pipeline/rules/<class>.rq
RULES = {
    Path(str(entry)).stem: entry.read_text(encoding="utf-8")
    for entry in sorted(resources.files("sorakg.pipeline.rules").iterdir(), key=str)
    if entry.name.endswith(".rq")
}


class InconsistentOntology(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


Triple = tuple[Node, Node, Node]


def entity_triples(ontology: Graph, facts: Iterable[Graph]) -> set[Triple]:
    """The ontology plus the facts about entities (evidence, citation and publication records
    are left out: no axiom mentions them, and they are most of the triples)."""
    graphs = list(facts)
    provenance = {
        s for g in graphs for cls in PROVENANCE_CLASSES for s in g.subjects(RDF.type, cls)
    }
    triples = set(ontology)
    for graph in graphs:
        triples.update(t for t in graph if t[0] not in provenance)
    return triples


def reasoning_input(ontology: Graph, facts: Graph) -> Graph:
    """:func:`entity_triples` as a graph."""
    graph = Graph()
    graph += entity_triples(ontology, [facts])
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


def _owlrl_closure(triples: set[Triple]) -> set[Triple]:
    """The OWL 2 RL closure by owlrl: complete, pure Python, slow (the reference engine)."""
    import owlrl

    closure = Graph()
    closure += triples
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    return set(closure)


class _Reasonable:
    """The OWL 2 RL closure by ``reasonable`` (Rust), with its two gaps closed here, kept open
    for more triples (the disputed statements) so their consequences cost an incremental run.

    * It derives spurious ``owl:sameAs`` from ``owl:InverseFunctionalProperty`` (measured in
      docs/reasoning.md), so those declarations are left out of its input; the graph keeps no
      ``sameAs`` anyway, and the test against owlrl shows nothing else is lost.
    * It skips ``owl:propertyChainAxiom``; the chains are followed here, their triples handed
      back to it, until neither adds anything.

    The work is on Python sets of rdflib terms, not rdflib graphs: building and copying graphs
    (three indexes per triple) cost ten times the reasoning itself.
    """

    def __init__(self, triples: set[Triple]):
        import reasonable

        lists = Graph()
        lists += (t for t in triples if t[1] in _LIST_PREDICATES)
        self.chains = _property_chains(lists)
        self.reasoner = reasonable.PyReasoner()
        self.triples: set[Triple] = set()
        self.add(triples)

    def add(self, triples: Iterable[Triple]) -> None:
        """Extend the closure with ``triples``. The reasoner goes on from where it was: RL rules
        are monotone, so closing (closure + new triples) gives the closure of everything."""
        new = [t for t in triples if t not in self.triples and t[1:] != _IFP]
        while new:
            self.triples.update(new)
            self.reasoner.from_graph(new)
            self.triples.update(self.reasoner.reason())
            new = [t for t in self._chained() if t not in self.triples]
            if _inert(new, self.triples):
                # each run of the engine costs most of a first one (it re-reads everything)
                self.triples.update(new)
                break

    def _chained(self) -> set[Triple]:
        by_predicate: dict[Node, dict[Node, list[Node]]] = {}
        wanted = {step for _, steps in self.chains for step in steps}
        for s, p, o in self.triples:
            if p in wanted:
                by_predicate.setdefault(p, {}).setdefault(s, []).append(o)
        found: set[Triple] = set()
        for prop, steps in self.chains:
            pairs = {(x, y) for x, ys in by_predicate.get(steps[0], {}).items() for y in ys}
            for step in steps[1:]:
                following = by_predicate.get(step, {})
                pairs = {(x, z) for x, y in pairs for z in following.get(y, ())}
            found |= {(x, prop, y) for x, y in pairs}
        return found


# What a chain's property may say about itself and still leave its triples without
# consequences beyond their domain and range: declarations, annotations, its chain, and the
# reflexive axioms and the types (owl:Thing) the rules derive for every property.
_INERT_TYPES = {OWL.ObjectProperty, RDF.Property, OWL.Thing, RDFS.Resource}


def _inert(chained: list[Triple], closure: set[Triple]) -> bool:
    """Whether the chained triples imply nothing the closure lacks but themselves: no OWL 2 RL
    rule reads their property except for its domain and range (and their subjects and objects
    already have those types), and none of their terms has an ``owl:sameAs`` other than
    itself. Then the engine's run over them can be skipped."""
    if not chained:
        return True
    properties = {p for _, p, _ in chained}
    nodes = {t for triple in chained for t in triple}
    domains: dict[Node, set[Node]] = {p: set() for p in properties}
    ranges: dict[Node, set[Node]] = {p: set() for p in properties}
    for s, p, o in closure:
        if p == OWL.sameAs and s != o and (s in nodes or o in nodes):
            return False
        if s in properties:
            if p == RDFS.domain:
                domains[s].add(o)
            elif p == RDFS.range:
                ranges[s].add(o)
            elif p == RDF.type:
                if o not in _INERT_TYPES:
                    return False
            elif p in (RDFS.subPropertyOf, OWL.equivalentProperty):
                if o != s:
                    return False
            elif p != OWL.propertyChainAxiom and not isinstance(o, LiteralNode):
                return False
        elif o in properties and p != RDFS.subPropertyOf:
            return False
    return all((x, RDF.type, d) in closure for x, p, _ in chained for d in domains[p]) and all(
        (y, RDF.type, r) in closure for _, p, y in chained for r in ranges[p]
    )


_IFP = (RDF.type, OWL.InverseFunctionalProperty)
_LIST_PREDICATES = {OWL.propertyChainAxiom, RDF.first, RDF.rest}


def _property_chains(graph: Graph) -> list[tuple[URIRef, list[URIRef]]]:
    chains = []
    for prop, head in graph.subject_objects(OWL.propertyChainAxiom):
        steps = [step for step in graph.items(head) if isinstance(step, URIRef)]
        if isinstance(prop, URIRef) and len(steps) > 1:
            chains.append((prop, steps))
    return sorted(chains)


Pattern = tuple[Node | None, Node | None, Node | None]  # None: a variable


@functools.cache
def _prepared(rule: str) -> tuple[Query, list[Pattern] | None]:
    """The rule parsed once, and the triple patterns it matches (None if one has a property
    path: then it may need any triple)."""
    from rdflib.paths import Path as PropertyPath
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.algebra import traverse
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    query = prepareQuery(rule, initNs={"sk": SK})
    patterns: list[Pattern] = []
    paths = False

    def visit(node: object) -> None:
        nonlocal paths
        if isinstance(node, CompValue) and node.name == "BGP":
            for triple in node.triples:
                paths |= isinstance(triple[1], PropertyPath)
                patterns.append(
                    tuple(None if isinstance(t, Variable) else t for t in triple)  # type: ignore[arg-type]
                )

    traverse(query.algebra, visitPre=visit)
    return query, None if paths else patterns


def _matches(triple: Triple, patterns: list[Pattern]) -> bool:
    return any(
        all(c is None or c == t for c, t in zip(pattern, triple, strict=True))
        for pattern in patterns
    )


def _apply(rule: str, triples: set[Triple]) -> list[Triple]:
    """The rule's CONSTRUCT over the triples, run by Oxigraph on the triples one of its
    patterns matches (a basic graph pattern never reads another triple). rdflib's SPARQL
    engine on a graph of the whole closure cost more than the reasoning."""
    import pyoxigraph as ox

    from sorakg.release.serialize import oxigraph_term, rdflib_term

    _, patterns = _prepared(rule)
    if patterns is None:
        needed: Iterable[Triple] = triples
    else:
        by_predicate: dict[Node | None, list[Pattern]] = {}
        for pattern in patterns:
            by_predicate.setdefault(pattern[1], []).append(pattern)
        anything = by_predicate.get(None, [])
        needed = (
            t
            for t in triples
            if (t[1] in by_predicate and _matches(t, by_predicate[t[1]]))
            or (anything and _matches(t, anything))
        )
    store = ox.Store()
    store.extend(ox.Quad(*(oxigraph_term(term) for term in t)) for t in needed)  # type: ignore[arg-type]
    answer = store.query(rule, prefixes={"sk": str(SK)})
    return [
        (rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object))  # type: ignore[arg-type]
        for t in answer  # type: ignore[union-attr]
    ]


class _Facts:
    """The facts read batch by batch (a graph, or one paper's triples at a time), keeping only
    what the closure and :meth:`Closure.inferred` need, so no graph of every paper is held: the
    triples about entities (records of the provenance classes left out), every named subject,
    and the records' own triples that have the form of a kept inference (to tell one stated)."""

    def __init__(self) -> None:
        self.entity_triples: set[Triple] = set()
        self.entity_subjects: set[Node] = set()
        self.records: set[Node] = set()
        self.record_links: set[Triple] = set()
        self.subjects: set[URIRef] = set()

    def add(self, triples: Iterable[Triple]) -> tuple[set[Triple], bool]:
        """Take a batch in; the entity triples it adds, and whether a subject it types as a
        record was an entity before (then the closure so far no longer holds)."""
        batch = list(triples)
        records = {s for s, p, o in batch if p == RDF.type and o in PROVENANCE_CLASSES}
        new_records = records - self.records
        self.records |= new_records
        retyped = not new_records.isdisjoint(self.entity_subjects)
        if retyped:  # rare: a record's triples were read as an entity's in an earlier batch
            moved = {t for t in self.entity_triples if t[0] in new_records}
            self.entity_triples -= moved
            self.entity_subjects -= new_records
            self.record_links.update(t for t in moved if _record_link(t))
        added = set()
        for triple in batch:
            if isinstance(triple[0], URIRef):
                self.subjects.add(triple[0])
            if triple[0] in self.records:
                if _record_link(triple):
                    self.record_links.add(triple)
            elif triple not in self.entity_triples:
                added.add(triple)
        self.entity_triples |= added
        self.entity_subjects.update(t[0] for t in added)
        return added, retyped


def _record_link(triple: Triple) -> bool:
    # what _worth_keeping could keep about a record: an ontology term to a named node
    return _is_named(triple[2]) and (
        str(triple[2] if triple[1] == RDF.type else triple[1]).startswith(str(SK))
    )


class Closure:
    """What the ontology implies about the facts' entities, extendable with more facts.

    The facts come as a graph or as batches (:meth:`add`, e.g. one paper's triples at a time).
    :attr:`given` (the ontology and the entity facts) is ready once they are in, so the build
    can hand it to HermiT; the closure is computed when first needed."""

    def __init__(
        self, ontology: Graph, facts: Iterable[Triple] = (), engine: Engine = "reasonable"
    ):
        self.ontology, self.engine = ontology, engine
        self.facts = _Facts()
        self.given: set[Triple] = set(ontology)
        self._ontology_subjects = set(ontology.subjects())
        self._reasonable: _Reasonable | None = None
        self._triples: set[Triple] | None = None
        self.add(facts)

    @property
    def triples(self) -> set[Triple]:
        if self._triples is None:
            if self.engine == "reasonable":
                self._reasonable = _Reasonable(self.given)
                self._triples = self._reasonable.triples
            else:
                self._triples = _owlrl_closure(self.given)
        return self._triples

    def add(self, facts: Iterable[Triple]) -> None:
        """Take ``facts`` (a batch of triples: a graph, a paper's triples, the disputed
        statements) in as well; a closure already computed is extended incrementally."""
        added, retyped = self.facts.add(facts)
        if retyped:
            self.given = set(self.ontology) | self.facts.entity_triples
            self._triples = self._reasonable = None  # computed from scratch when next needed
            return
        added -= self.given
        self.given |= added
        if self._triples is None or not added:
            return
        if self._reasonable is not None:
            self._reasonable.add(added)
        else:
            self._triples = _owlrl_closure(self.given)

    def inferred(self) -> Graph:
        """The triples the ontology implies about the facts' entities that the facts do not
        state: the closure plus the :data:`RULES`' conclusions, kept if :func:`_worth_keeping`."""
        derived = set(self.triples)
        for rule in RULES.values():
            derived.update(_apply(rule, self.triples))
        individuals = self.facts.subjects - self._ontology_subjects
        # a kept triple's subject is no ontology term, so it is in ``given`` if a fact states
        # it, unless its subject is a record (left out of ``given``)
        stated = self.given | self.facts.record_links
        inferred = Graph()
        inferred += (t for t in derived if _worth_keeping(t, individuals) and t not in stated)
        return inferred


def materialize(ontology: Graph, facts: Graph, engine: Engine = "reasonable") -> Graph:
    """The triples the ontology implies about the facts' entities that the facts do not state."""
    return Closure(ontology, facts, engine).inferred()


def check_consistency(graph: Graph) -> None:
    """Raise :class:`InconsistentOntology` if HermiT finds the graph inconsistent or a named
    class unsatisfiable; the message names the classes and the axioms about them."""
    with start_consistency_check(graph) as hermit:
        raise_if_inconsistent(hermit, lambda: graph)


def start_consistency_check(triples: Iterable[Triple]) -> Hermit:
    """HermiT started on the triples in a child process; the caller goes on meanwhile and asks
    :func:`raise_if_inconsistent` for the answer."""
    return Hermit(rows_of(triples))


def raise_if_inconsistent(hermit: Hermit, graph: Callable[[], Graph]) -> None:
    """Wait for HermiT; raise :class:`InconsistentOntology` naming the clashes or the
    unsatisfiable classes in ``graph()`` (what HermiT was given, made only for the message)."""
    consistent, unsatisfiable = hermit.result()
    if not consistent:
        raise InconsistentOntology(
            ["HermiT: the ontology and facts are inconsistent", *_clashes(graph())]
        )
    if unsatisfiable:
        given = graph()
        raise InconsistentOntology(
            [
                f"HermiT: class <{c}> can have no members; axioms: {_axioms(given, [URIRef(c)])}"
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
