"""Why does an entity belong to a class? Explanations from the asserted facts and the axioms.

An explanation is a tree: each node states one thing (``sorafenib inhibits VEGFR-2``,
``VEGFR-2 is a VEGFR``, ``VEGFR inhibitor ≡ drug ⊓ ∃inhibits.VEGFR``) with the evidence records
behind it, and its children are what that statement rests on. Three kinds of reason are found:

* the membership is **stated** in the facts (with the evidence that states it);
* the class is **defined** (an ``owl:equivalentClass`` intersection of named classes,
  ``someValuesFrom`` and ``minQualifiedCardinality`` restrictions) and the entity meets every part;
* the entity belongs to a **subclass** that is explained in turn;
* the entity belongs to a class **defined with** the class as one of its parts (a kinase
  inhibitor is, by definition, a small-molecule drug).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from sorakg import names as names_
from sorakg.loaders.vocab import PREFIXES, SK


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


@dataclass
class Evidence:
    quote: str
    refs: list[int]
    location: str
    source_row: str

    def __str__(self) -> str:
        cites = f"ref. [{', '.join(map(str, self.refs))}]" if self.refs else "no reference"
        return f'review, {cites}, {self.location}: "{self.quote}" ({self.source_row})'


@dataclass
class Reason:
    statement: str
    evidence: list[Evidence] = field(default_factory=list)
    because: list[Reason] = field(default_factory=list)

    def lines(self, depth: int = 0) -> list[str]:
        pad = "  " * depth
        out = [f"{pad}- {self.statement}"]
        out += [f"{pad}    evidence: {e}" for e in self.evidence]
        for child in self.because:
            out += child.lines(depth + 1)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


class Explainer:
    """Explanations over ``graph``: the ontology plus the asserted facts (not the inferences,
    which are what is being explained)."""

    def __init__(self, graph: Graph):
        self.g = graph

    def label(self, node: Node) -> str:
        value = self.g.value(node, RDFS.label)
        if value is not None:
            return str(value)
        return self.g.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else "?"

    def evidence(self, subject: URIRef, predicate: URIRef, obj: URIRef) -> list[Evidence]:
        found = []
        for e in self.g.subjects(SK.evidenceFor, subject):
            if (e, SK.statementPredicate, predicate) not in self.g:
                continue
            if (e, SK.statementObject, obj) not in self.g:
                continue
            refs = sorted(
                int(n)
                for c in self.g.objects(e, SK.cites)
                for n in self.g.objects(c, SK.referenceNumber)
                if isinstance(n, Literal)
            )
            found.append(
                Evidence(
                    str(self.g.value(e, SK.quote) or ""),
                    refs,
                    str(self.g.value(e, SK.location) or ""),
                    str(self.g.value(e, SK.sourceRow) or ""),
                )
            )
        return sorted(found, key=lambda e: e.source_row)

    def subclass_path(self, start: URIRef, goal: URIRef) -> list[URIRef] | None:
        """The shortest chain start ⊑ … ⊑ goal through named classes, or None."""
        queue: deque[list[URIRef]] = deque([[start]])
        seen = {start}
        while queue:
            path = queue.popleft()
            if path[-1] == goal:
                return path
            for parent in self.g.objects(path[-1], RDFS.subClassOf):
                if isinstance(parent, URIRef) and parent not in seen:
                    seen.add(parent)
                    queue.append([*path, parent])
        return None

    def _is_a(self, node: URIRef, cls: URIRef) -> Reason | None:
        """Why a target is in ``cls``: its stated type and the subclass chain up to ``cls``."""
        best: list[URIRef] | None = None
        for stated in self.g.objects(node, RDF.type):
            if isinstance(stated, URIRef):
                path = self.subclass_path(stated, cls)
                if path and (best is None or len(path) < len(best)):
                    best = path
        if best is None:
            return None
        reason = Reason(
            f"{self.label(node)} is {_a(self.label(best[0]))} (stated)",
            self.evidence(node, RDF.type, best[0]),
        )
        for lower, upper in itertools.pairwise(best):
            reason.because.append(Reason(f"{self.label(lower)} ⊑ {self.label(upper)} (ontology)"))
        return reason

    def explain(
        self,
        entity: URIRef,
        cls: URIRef,
        _depth: int = 0,
        _seen: frozenset[tuple[URIRef, URIRef]] = frozenset(),
    ) -> Reason | None:
        """Why ``entity`` is a ``cls``, or None if the facts and axioms do not say so."""
        if _depth > 12 or (entity, cls) in _seen:
            return None
        if (entity, RDF.type, cls) in self.g:
            return Reason(
                f"{self.label(entity)} is {_a(self.label(cls))} (stated)",
                self.evidence(entity, RDF.type, cls),
            )
        seen = _seen | {(entity, cls)}
        for definition in self.g.objects(cls, OWL.equivalentClass):
            reason = self._by_definition(entity, cls, definition, _depth, seen)
            if reason is not None:
                return reason
        for sub in sorted(self.g.subjects(RDFS.subClassOf, cls), key=str):
            if isinstance(sub, URIRef):
                inner = self.explain(entity, sub, _depth + 1, seen)
                if inner is not None:
                    return Reason(
                        f"{self.label(entity)} is {_a(self.label(cls))}: "
                        f"it is {_a(self.label(sub))}, and {self.label(sub)} ⊑ {self.label(cls)}",
                        because=[inner],
                    )
        for defined in self._defined_with(cls):
            inner = self.explain(entity, defined, _depth + 1, seen)
            if inner is not None:
                return Reason(
                    f"{self.label(entity)} is {_a(self.label(cls))}: it is "
                    f"{_a(self.label(defined))}, defined as {self.label(cls)} ⊓ … (ontology)",
                    because=[inner],
                )
        return None

    def _defined_with(self, cls: URIRef) -> list[URIRef]:
        """Named classes defined as an intersection that has ``cls`` as one of its parts."""
        found = set()
        for defined, definition in self.g.subject_objects(OWL.equivalentClass):
            head = self.g.value(definition, OWL.intersectionOf)
            if isinstance(defined, URIRef) and head is not None and cls in set(self.g.items(head)):
                found.add(defined)
        return sorted(found, key=str)

    def _by_definition(
        self,
        entity: URIRef,
        cls: URIRef,
        definition: Node,
        depth: int,
        seen: frozenset[tuple[URIRef, URIRef]] = frozenset(),
    ) -> Reason | None:
        parts = (
            list(self.g.items(self.g.value(definition, OWL.intersectionOf)))  # type: ignore[arg-type]
            if isinstance(definition, BNode)
            else [definition]
        )
        because: list[Reason] = []
        shown: list[str] = []
        for part in parts:
            if isinstance(part, URIRef):
                inner = self.explain(entity, part, depth + 1, seen)
                shown.append(self.label(part))
            else:
                inner, text = self._restriction(entity, part)
                shown.append(text)
            if inner is None:
                return None
            because.append(inner)
        return Reason(
            f"{self.label(entity)} is {_a(self.label(cls))}, "
            f"defined as {' ⊓ '.join(shown)} (ontology)",
            because=because,
        )

    def _restriction(self, entity: URIRef, restriction: Node) -> tuple[Reason | None, str]:
        g = self.g
        prop = g.value(restriction, OWL.onProperty)
        some = g.value(restriction, OWL.someValuesFrom)
        on_class = g.value(restriction, OWL.onClass)
        least = g.value(restriction, OWL.minQualifiedCardinality)
        if not isinstance(prop, URIRef):
            return None, "?"
        target = some if some is not None else on_class
        needed = 1 if some is not None else int(str(least or 0))
        if not isinstance(target, URIRef) or needed < 1:
            return None, "?"
        quantifier = "∃" if some is not None else f"≥{needed} "
        text = f"{quantifier}{self.label(prop)}.{self.label(target)}"
        witnesses = []
        for value in sorted(g.objects(entity, prop), key=str):
            if not isinstance(value, URIRef):
                continue
            membership = self._is_a(value, target)
            if membership is not None:
                witnesses.append(
                    Reason(
                        f"{self.label(entity)} {self.label(prop)} {self.label(value)} (stated)",
                        self.evidence(entity, prop, value),
                        [membership],
                    )
                )
        if len(witnesses) < needed:
            return None, text
        return Reason(f"{self.label(entity)} is in {text}", because=witnesses), text

    # --- inferred relations ----------------------------------------------------------------

    def explain_relation(
        self, subject: URIRef, prop: URIRef, obj: URIRef, _depth: int = 0
    ) -> Reason | None:
        """Why ``subject prop obj`` holds: stated, or through a sub-property, an inverse or a
        property chain of the ontology; None if it does not follow."""
        g = self.g
        says = f"{self.label(subject)} {self.label(prop)} {self.label(obj)}"
        if (subject, prop, obj) in g:
            return Reason(f"{says} (stated)", self.evidence(subject, prop, obj))
        if _depth > 6:
            return None
        for sub in sorted(g.subjects(RDFS.subPropertyOf, prop), key=str):
            if isinstance(sub, URIRef) and (inner := self.explain_relation(
                subject, sub, obj, _depth + 1
            )):  # fmt: skip
                return Reason(
                    f"{says}: {self.label(sub)} ⊑ {self.label(prop)} (ontology)", because=[inner]
                )
        inverses = {*g.objects(prop, OWL.inverseOf), *g.subjects(OWL.inverseOf, prop)}
        for inverse in sorted(inverses, key=str):
            if isinstance(inverse, URIRef) and (inner := self.explain_relation(
                obj, inverse, subject, _depth + 1
            )):  # fmt: skip
                return Reason(
                    f"{says}: the inverse of {self.label(inverse)} (ontology)", because=[inner]
                )
        for head in g.objects(prop, OWL.propertyChainAxiom):
            steps = [s for s in g.items(head) if isinstance(s, URIRef)]
            chain = self._chain(subject, steps, obj, _depth)
            if chain:
                names = " ∘ ".join(self.label(s) for s in steps)
                return Reason(f"{says}: {self.label(prop)} ⊒ {names} (ontology)", because=chain)
        return None

    def _chain(
        self, start: URIRef, steps: list[URIRef], end: URIRef, depth: int
    ) -> list[Reason] | None:
        """Explanations of each link of a path start -steps-> end, or None if there is none."""
        first, *rest = steps
        middles = sorted({o for o in self._reachable(start, first) if isinstance(o, URIRef)})
        for middle in middles if rest else [end]:
            link = self.explain_relation(start, first, middle, depth + 1)
            if link is None:
                continue
            if not rest:
                return [link]
            tail = self._chain(middle, rest, end, depth)
            if tail is not None:
                return [link, *tail]
        return None

    def _reachable(self, start: URIRef, prop: URIRef) -> set[Node]:
        """Objects of ``prop`` from ``start``, stated or through sub-properties and inverses."""
        g = self.g
        props = {prop, *g.transitive_subjects(RDFS.subPropertyOf, prop)}
        found: set[Node] = set()
        for p in props:
            found |= set(g.objects(start, p))
            for inverse in {*g.objects(p, OWL.inverseOf), *g.subjects(OWL.inverseOf, p)}:
                for q in {inverse, *g.transitive_subjects(RDFS.subPropertyOf, inverse)}:
                    found |= set(g.subjects(q, start))
        return found


class SwappedArguments(ValueError):
    """The class was named first and the entity second."""

    def __init__(self, entity: str, cls: str):
        super().__init__(
            f"'{entity}' is a class and '{cls}' an entity: the entity comes first "
            f"(sorakg explain '{cls}' '{entity}')"
        )


@dataclass(frozen=True)
class Answer:
    """Why a statement holds, or (``reason`` None) the statement that does not follow."""

    reason: Reason | None
    claim: str


def explanation_graph(graphs: Mapping[str, Graph]) -> Graph:
    """What explanations are drawn from: the ontology and the asserted facts of a build (by
    short name, as ``read_build`` gives them), with the project's prefixes bound."""
    graph = graphs["ontology"] + graphs["asserted"]
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def _swapped(names: names_.Names, entity: str, cls: str) -> bool:
    """``explain CLASS ENTITY``: the first names only classes and the second an individual."""
    try:
        names.resolve(entity, names_.INDIVIDUAL)
        return False
    except names_.NamingError:
        pass
    try:
        names.resolve(entity, names_.CLASS)
        names.resolve(cls, names_.INDIVIDUAL)
    except names_.NamingError:
        return False
    return True


def explain_named(
    graph: Graph, names: names_.Names, entity: str, cls: str, obj: str | None = None
) -> Answer:
    """Why ``entity`` is a ``cls`` (or, given ``obj``, why ``entity cls obj`` holds), each named
    as a user types it (:mod:`sorakg.names`). Raises :class:`SwappedArguments`, and
    :class:`~sorakg.names.UnknownName` or :class:`~sorakg.names.AmbiguousName` for a name."""
    # the subject and a relation's object are individuals: "VEGFR" is then the molecule
    # molecule:vegfr, not the class sk:VEGFR it shares a name with
    if obj is None and _swapped(names, entity, cls):
        raise SwappedArguments(entity, cls)
    subject = names.resolve(entity, expect=names_.INDIVIDUAL, what="entity")
    kind = names_.CLASS if obj is None else names_.PROPERTY
    target = names.resolve(cls, expect=kind, what=kind.noun)
    explainer = Explainer(graph)
    if obj is None:
        reason = explainer.explain(URIRef(subject), URIRef(target))
        claim = f"{names.show(subject)} is not shown to be {names.show(target)}"
    else:
        other = names.resolve(obj, expect=names_.INDIVIDUAL, what="entity")
        reason = explainer.explain_relation(URIRef(subject), URIRef(target), URIRef(other))
        claim = f"{names.show(subject)} {names.show(target)} {names.show(other)} does not follow"
    return Answer(reason, claim)
