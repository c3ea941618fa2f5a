"""Deterministic serialization: the same graph always gives the same bytes."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import RDF, XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.term import Node


def canonical(graph: Graph) -> Graph:
    """The graph with blank nodes relabelled from their content (OWL axioms use blank nodes)."""
    return to_canonical_graph(graph)


def sorted_lines(text: str) -> str:
    """A line-based serialization (N-Triples, N-Quads) with its lines sorted."""
    return "\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n"


def union(graphs: Iterable[Graph]) -> Graph:
    merged = Graph()
    for graph in graphs:
        merged += graph
    return merged


class _Rows:
    """A graph's N-Triples rows, made once for both release files: the rows of the triples
    without a blank node, and the triples with one, kept aside to be labelled canonically in
    whatever union they are written in.

    rdflib's canonical labels are computed from the triples that touch a blank node only (its
    colour refinement starts from them and never looks further), so only those few triples (the
    ontology's OWL axioms) are canonicalized: canonicalizing whole graphs of entity facts cost
    most of the write stage and changed nothing. The rows are rdflib's own N-Triples rows
    (``_nt_row``, what ``Graph.serialize`` writes), so the bytes are the ones it gave."""

    def __init__(self, graph: Graph):
        self.plain: list[str] = []
        self.blank: list[tuple[Node, Node, Node]] = []
        for triple in graph:
            if isinstance(triple[0], BNode) or isinstance(triple[2], BNode):
                self.blank.append(triple)
            else:
                self.plain.append(_nt_row(triple))


def _union_rows(parts: Iterable[_Rows]) -> set[str]:
    """The rows of the union of the graphs, blank nodes labelled as :func:`canonical` labels
    them in that union."""
    rows: set[str] = set()
    blank = Graph()
    for part in parts:
        rows.update(part.plain)
        blank += part.blank
    if len(blank):
        rows.update(_nt_row(triple) for triple in canonical(blank))
    return rows


def graph_rows(graph: Graph) -> tuple[list[str], list[tuple[Node, Node, Node]]]:
    """A graph's N-Triples rows of the triples without a blank node, and the triples with one
    (to be labelled by :func:`blank_rows` in whatever union they are written in)."""
    rows = _Rows(graph)
    return rows.plain, rows.blank


def blank_rows(graphs: Iterable[Graph]) -> set[str]:
    """The rows of triples with blank nodes, labelled as :func:`canonical` labels them in the
    union of ``graphs``."""
    blank = Graph()
    for graph in graphs:
        blank += graph
    return {_nt_row(triple) for triple in canonical(blank)} if len(blank) else set()


def _sorted_text(rows: Iterable[str]) -> str:
    # the same text as sorted_lines(serialization): sorted lines, one newline after each
    return "".join(sorted(rows)) or "\n"


def sorted_ntriples(*graphs: Graph) -> str:
    """Sorted N-Triples of the union of ``graphs``, blank nodes labelled canonically."""
    return _sorted_text(_union_rows(_Rows(g) for g in graphs))


def nquads(graphs: dict[URIRef, Graph]) -> str:
    """Sorted N-Quads of the named graphs as they are (callers canonicalize blank nodes)."""
    dataset = Dataset()
    for name, graph in graphs.items():
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    return sorted_lines(dataset.serialize(format="nquads"))


def _nquads_text(parts: dict[URIRef, _Rows]) -> str:
    # each row is its N-Triples row with the graph's name before the final dot (rdflib's
    # N-Quads row is formatted that way)
    rows: list[str] = []
    for name, part in parts.items():
        suffix = f"{name.n3()} .\n"
        rows.extend(row[:-2] + suffix for row in _union_rows([part]))
    return _sorted_text(rows)


def sorted_nquads(graphs: dict[URIRef, Graph]) -> str:
    """Sorted N-Quads of the named graphs, each graph's blank nodes labelled canonically in it."""
    return _nquads_text({name: _Rows(graph) for name, graph in graphs.items()})


def release_texts(graphs: dict[URIRef, Graph], default: Iterable[URIRef]) -> tuple[str, str]:
    """:func:`sorted_nquads` of the graphs and :func:`sorted_ntriples` of the ``default`` ones,
    each graph's rows made once for both."""
    parts = {name: _Rows(graph) for name, graph in graphs.items()}
    return _nquads_text(parts), _sorted_text(_union_rows(parts[name] for name in default))


def oxigraph_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The same RDF term as pyoxigraph's (blank nodes keep their labels)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """The same RDF term as rdflib's (the inverse of :func:`oxigraph_term`)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)  # rdflib leaves a plain literal's datatype unset
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _rdfxml_key(triple: tuple[Node, Node, Node]) -> tuple[str, bool, str, str]:
    subject, predicate, obj = triple
    # rdf:type first, so the writer can name the element after the class (owl:Ontology …),
    # which OWL tools that read RDF/XML as XML (pronto) look for
    return subject.n3(), predicate != RDF.type, predicate.n3(), f"{type(obj).__name__}:{obj.n3()}"


def rdfxml(graph: Graph, prefixes: dict[str, str]) -> str:
    """RDF/XML written by pyoxigraph from the triples in sorted order: the same graph always
    gives the same bytes. (rdflib's writer numbers the namespaces it has no prefix for while
    iterating a ``set``, so its output moved with ``PYTHONHASHSEED``.) Blank nodes keep their
    labels: callers pass a graph with canonical ones (:func:`canonical`)."""
    return oxigraph_text(graph, prefixes, ox.RdfFormat.RDF_XML)


def oxigraph_text(graph: Graph, prefixes: dict[str, str], format: ox.RdfFormat) -> str:
    """``graph`` in ``format``, written by pyoxigraph from the triples in sorted order (the same
    graph always gives the same bytes)."""
    triples = [
        ox.Triple(*(oxigraph_term(term) for term in triple))  # type: ignore[arg-type]
        for triple in sorted(graph, key=_rdfxml_key)
    ]
    data = ox.serialize(triples, format=format, prefixes=prefixes)
    assert data is not None
    return data.decode("utf-8")


def rdfc10_nquads(graphs: dict[URIRef, Graph]) -> str:
    """The named graphs as canonical N-Quads by W3C RDF Dataset Canonicalization (RDFC-1.0, with
    SHA-256): blank nodes labelled ``c14n0`` … by the standard algorithm (pyoxigraph's), lines in
    code point order. Its SHA-256 is the dataset's hash, which any RDFC-1.0 implementation
    (pyld's URDNA2015, rdf-canonize, Oxigraph) recomputes from any of the export's files."""
    dataset = ox.Dataset()
    for name, graph in graphs.items():
        graph_name = ox.NamedNode(str(name))
        for triple in graph:
            s, p, o = (oxigraph_term(term) for term in triple)
            dataset.add(ox.Quad(s, p, o, graph_name))  # type: ignore[arg-type]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert data is not None
    return sorted_lines(data.decode("utf-8"))
