"""SHACL validation whose messages point at the source table row, not just the IRI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result

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


class _ParsedOnce(Graph):
    """The data graph as pySHACL sees it, with each SPARQL text parsed once.

    pySHACL runs a SPARQL constraint once per focus node and hands rdflib the query *text*
    each time; rdflib then parses and translates it again, which was 85 % of the validation
    time (pyinstrument, 10 papers). The parsed query is the same for every focus node (the
    node is passed as a binding), so it is prepared once and reused: same queries, same
    bindings, same results.
    """

    def __init__(self, data: Graph):
        super().__init__(store=data.store, identifier=data.identifier)
        self.namespace_manager = data.namespace_manager
        self._parsed: dict[tuple[str, tuple[tuple[str, str], ...]], Query] = {}

    def query(  # type: ignore[override]
        self,
        query_object: object,
        processor: object = "sparql",
        result: object = "sparql",
        initNs: Mapping[str, object] | None = None,  # rdflib's parameter names
        *args: object,
        **kwargs: object,
    ) -> Result:
        if isinstance(query_object, str):
            namespaces = dict(initNs or self.namespaces())
            key = (query_object, tuple(sorted((k, str(v)) for k, v in namespaces.items())))
            if key not in self._parsed:
                self._parsed[key] = prepareQuery(query_object, initNs=namespaces)
            query_object = self._parsed[key]
        return super().query(query_object, processor, result, initNs, *args, **kwargs)  # type: ignore[arg-type]


def validate_graph(data: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Validate ``data`` (facts plus ontology) and return every violation, located."""
    conforms, report, _ = shacl_validate(
        # in place: there are no rules or inference to add triples, so the (linear but large)
        # copy pySHACL makes in advanced mode is not needed
        _ParsedOnce(data),
        inplace=True,
        shacl_graph=shapes or shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
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
