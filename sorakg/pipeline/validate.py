"""SHACL validation whose messages point at the source table row, not just the IRI."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from pyshacl_turbo import validate as shacl_validate
from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, SH

from sorakg.loaders.vocab import SK

SHAPES = Path(str(files("sorakg.shapes"))) / "sorakg-shapes.ttl"


@dataclass(frozen=True, order=True)
class Violation:
    source_row: str  # file:line of the row the offending node came from ('' if unknown)
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        where = self.source_row or "(no source row)"
        path = f" {self.path}:" if self.path else ""
        return f"{where}: <{self.focus}>{path} {self.message}"


def shapes_graph() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def _source_row(data: Graph, focus: Node, path: Node | None, value: Node | None) -> str:
    """The table row behind a violation.

    In order: the node's own row (evidence records carry one); the evidence of the exact triple;
    the evidence that defines the node (a mention, with no statement predicate); any evidence
    about the node; and last the evidence that points at the node (a triple's object, or a
    citation it cites).
    """
    if (focus, SK.sourceRow, None) in data:
        return str(data.value(focus, SK.sourceRow))
    about = list(data.subjects(SK.evidenceFor, focus))
    exact = [
        e
        for e in about
        if path is not None
        and value is not None
        and (e, SK.statementPredicate, path) in data
        and (e, SK.statementObject, value) in data
    ]
    mentions = [e for e in about if (e, SK.statementPredicate, None) not in data]
    pointing = [*data.subjects(SK.statementObject, focus), *data.subjects(SK.cites, focus)]
    for candidates in (exact, mentions, about, pointing):
        rows = sorted(str(r) for e in candidates if (r := data.value(e, SK.sourceRow)) is not None)
        if rows:
            return rows[0]
    return ""


class UnionView(Graph):
    """Several graphs read as their union, without copying a triple into a new graph (at a
    hundred papers the copy took 10 CPU seconds, more than the shapes engine's own work on
    the relation-evidence constraint now). Read-only; triple patterns only.

    Not rdflib's ``ReadOnlyGraphAggregate``: that one is context-aware, and pySHACL validates
    each named graph of a context-aware data graph on its own, while the shapes need the
    ontology's class hierarchy beside the facts. A triple in two of the graphs is read twice;
    the SHACL engine loads its data as a set, so it counts once (tests/test_shapes.py)."""

    def __init__(self, graphs: Iterable[Graph]):
        super().__init__()
        self.parts = list(graphs)

    def triples(self, triple: Any) -> Generator[Any, None, None]:  # type: ignore[override]
        for graph in self.parts:
            yield from graph.triples(triple)

    def __len__(self) -> int:  # an upper bound: triples in two graphs count twice
        return sum(len(graph) for graph in self.parts)


def validate_graph(data: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Validate ``data`` (facts plus ontology) and return every violation, located.

    The engine is pyshacl-turbo (SHACL in Rust behind pySHACL's API): pySHACL runs SPARQL
    constraints and nested shapes node by node in Python, which made validation grow to minutes
    at a hundred papers (docs/scaling.md). tests/test_shapes.py holds the two engines to the
    same results on a graph that breaks every shape.
    """
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes or shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        # in place, pyshacl-turbo writes the (unchanged) data back into the graph and diffs it:
        # a quarter of its time at 30 papers. Without rules or inference it copies nothing
        inplace=False,
    )
    if not isinstance(report, Graph):  # pySHACL could not run the shapes at all
        raise ValueError(f"the SHACL shapes could not be applied: {report}")
    if conforms:
        return []
    found = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage) or Literal("constraint violated")
        assert focus is not None
        found.add(
            Violation(
                _source_row(data, focus, path, value),
                str(focus),
                data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "",
                str(message),
            )
        )
    return sorted(found)


def validate_graphs(graphs: Iterable[Graph]) -> list[Violation]:
    """:func:`validate_graph` of the union of ``graphs`` (the build's named graphs), read in
    place (:class:`UnionView`) instead of copied into one graph: the same violations, sources
    and order (tests/test_shapes.py)."""
    return validate_graph(UnionView(graphs))


class UnreadableFile(ValueError):
    """An RDF file no parser could read; the message names the file."""


def validate_file(path: Path) -> list[Violation]:
    """The shapes' violations in an RDF file (its triples in any graph, with the ontology beside
    them for the class hierarchy); :class:`UnreadableFile` when it does not parse."""
    from rdflib import Dataset
    from rdflib.util import guess_format

    from sorakg.ontology import ontology_graph

    dataset = Dataset()
    try:
        dataset.parse(path, format=guess_format(str(path)) or "nquads")
    except Exception as error:  # any parser's error, reported with the file name
        raise UnreadableFile(f"{path}: cannot parse: {error}") from error
    union = Graph()
    for triple in dataset.triples((None, None, None)):
        union.add(triple)
    union += ontology_graph()
    return validate_graph(union)
