"""What changed between two releases: the facts added, removed and changed, each with the source
row and the evidence (quote, location) that states it — what a curator reviews before publishing.

A *fact* is a triple of the asserted graph about anything but an evidence record or a citation
(those are how facts are supported, and are reported with them). A fact is *changed* when, for one
subject and property, the old release has exactly one value and the new one exactly one other
value (a corrected label, date or number); every other difference is an addition or a removal.
Each fact's evidence is the record for that very triple (``sk:evidenceFor`` the subject with
``sk:statementPredicate``/``sk:statementObject``) or, for facts of an entity's own row (its label,
synonyms, classes), the record for the whole node.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from sorakg.loaders.vocab import SK
from sorakg.names import curie
from sorakg.release.store import read_build
from sorakg.settings import Settings

GRAPH_FILE = "sorakg.nq"


class UnknownRelease(LookupError):
    """Neither a release folder nor the digest of a release under ``build/releases``."""


@dataclass(frozen=True)
class Evidence:
    iri: str
    source_row: str
    quote: str
    location: str


@dataclass(frozen=True)
class Fact:
    subject: str
    predicate: str
    object: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    subject: str
    predicate: str
    old: str
    new: str
    old_evidence: list[Evidence] = field(default_factory=list)
    new_evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Diff:
    old: str  # release folders
    new: str
    added: list[Fact]
    removed: list[Fact]
    changed: list[Change]

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def resolve(settings: Settings, name: str) -> Path:
    """A release folder from a path, ``current``, or a digest (or its unique prefix)."""
    path = Path(name)
    if (path / GRAPH_FILE).is_file():
        return path
    if name == "current":
        current = settings.build_dir / "graph"
        if (current / GRAPH_FILE).is_file():
            return current.resolve()
        raise UnknownRelease(f"no current build in {settings.build_dir}: run 'sorakg build'")
    releases = settings.build_dir / "releases"
    known = sorted(
        p.name
        for p in (releases.iterdir() if releases.is_dir() else [])
        if (p / GRAPH_FILE).is_file()
    )
    matches = [digest for digest in known if digest.startswith(name)] if name else []
    if len(matches) == 1:
        return releases / matches[0]
    listed = ", ".join(known) or "none"
    if matches:
        raise UnknownRelease(f"'{name}' matches several releases: {', '.join(matches)}")
    raise UnknownRelease(
        f"'{name}' is neither a release folder (with {GRAPH_FILE}) nor a release in "
        f"{releases} (there: {listed})"
    )


def _facts(graph: Graph) -> set[tuple[Node, Node, Node]]:
    support = set(graph.subjects(RDF.type, SK.Evidence)) | set(
        graph.subjects(RDF.type, SK.Citation)
    )
    return {t for t in graph if t[0] not in support}


class _Evidence:
    """The evidence records of one graph, looked up by triple or by node."""

    def __init__(self, graph: Graph):
        self.g = graph
        self.by_triple: dict[tuple[Node, Node, Node], list[Node]] = {}
        self.by_node: dict[Node, list[Node]] = {}
        for record, about in graph.subject_objects(SK.evidenceFor):
            predicate = graph.value(record, SK.statementPredicate)
            obj = graph.value(record, SK.statementObject)
            if predicate is not None and obj is not None:
                self.by_triple.setdefault((about, predicate, obj), []).append(record)
            else:
                self.by_node.setdefault(about, []).append(record)

    def __call__(self, triple: tuple[Node, Node, Node]) -> list[Evidence]:
        records = self.by_triple.get(triple) or self.by_node.get(triple[0], [])
        return sorted(
            (
                Evidence(
                    iri=str(r),
                    source_row=str(self.g.value(r, SK.sourceRow) or ""),
                    quote=str(self.g.value(r, SK.quote) or ""),
                    location=str(self.g.value(r, SK.location) or ""),
                )
                for r in records
            ),
            key=lambda e: (e.source_row, e.iri),
        )


def _fact(triple: tuple[Node, Node, Node], evidence: _Evidence) -> Fact:
    s, p, o = triple
    return Fact(str(s), str(p), _value(o), evidence(triple))


def _value(term: Node) -> str:
    return str(term) if isinstance(term, URIRef) else term.n3()


def diff_graphs(old: Graph, new: Graph, old_name: str = "old", new_name: str = "new") -> Diff:
    """The facts of ``new``'s asserted graph that ``old`` lacks, and the other way round."""
    old_facts, new_facts = _facts(old), _facts(new)
    gone, came = old_facts - new_facts, new_facts - old_facts
    old_evidence, new_evidence = _Evidence(old), _Evidence(new)
    by_key: dict[tuple[Node, Node], tuple[list[Node], list[Node]]] = {}
    for s, p, o in gone:
        by_key.setdefault((s, p), ([], []))[0].append(o)
    for s, p, o in came:
        by_key.setdefault((s, p), ([], []))[1].append(o)
    changed = []
    for (s, p), (was, now) in by_key.items():
        if len(was) == 1 and len(now) == 1:
            changed.append(
                Change(
                    str(s),
                    str(p),
                    _value(was[0]),
                    _value(now[0]),
                    old_evidence((s, p, was[0])),
                    new_evidence((s, p, now[0])),
                )
            )
            gone.discard((s, p, was[0]))
            came.discard((s, p, now[0]))

    def order(fact: Fact | Change) -> tuple[str, str]:
        return fact.subject, fact.predicate

    return Diff(
        old=old_name,
        new=new_name,
        added=sorted((_fact(t, new_evidence) for t in came), key=lambda f: (order(f), f.object)),
        removed=sorted((_fact(t, old_evidence) for t in gone), key=lambda f: (order(f), f.object)),
        changed=sorted(changed, key=order),
    )


def diff_releases(settings: Settings, old: str, new: str) -> Diff:
    """The difference between two releases named as :func:`resolve` accepts."""
    old_path, new_path = resolve(settings, old), resolve(settings, new)
    old_graph = read_build(settings, old_path / GRAPH_FILE).get("asserted", Graph())
    new_graph = read_build(settings, new_path / GRAPH_FILE).get("asserted", Graph())
    return diff_graphs(old_graph, new_graph, str(old_path), str(new_path))


def as_text(diff: Diff, prefixes: dict[str, str]) -> str:
    """The difference for a reader: one block per fact, its evidence indented below it."""

    def short(value: str) -> str:
        return curie(value, prefixes)

    def evidence(records: list[Evidence], label: str = "") -> list[str]:
        if not records:
            return [f"    {label}no evidence record"]
        return [f'    {label}{e.source_row}: {e.location}: "{e.quote}"' for e in records]

    lines = [f"old: {diff.old}", f"new: {diff.new}"]
    if not diff:
        return "\n".join([*lines, "no facts added, removed or changed"]) + "\n"
    lines.append(
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
    )
    for sign, facts in (("+", diff.added), ("-", diff.removed)):
        for fact in facts:
            triple = (short(fact.subject), short(fact.predicate), short(fact.object))
            lines.append(f"{sign} {' '.join(triple)}")
            lines += evidence(fact.evidence)
    for change in diff.changed:
        lines.append(
            f"~ {short(change.subject)} {short(change.predicate)}: "
            f"{short(change.old)} → {short(change.new)}"
        )
        lines += evidence(change.new_evidence, "new ")
        if change.old_evidence != change.new_evidence:
            lines += evidence(change.old_evidence, "old ")
    return "\n".join(lines) + "\n"
