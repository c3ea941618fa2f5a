"""Deterministic serialization: the same graph always gives the same bytes."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
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


def sorted_ntriples(graph: Graph) -> str:
    return sorted_lines(canonical(graph).serialize(format="nt"))


def nquads(graphs: dict[URIRef, Graph]) -> str:
    """Sorted N-Quads of the named graphs as they are (callers canonicalize blank nodes)."""
    dataset = Dataset()
    for name, graph in graphs.items():
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    return sorted_lines(dataset.serialize(format="nquads"))


def sorted_nquads(graphs: dict[URIRef, Graph]) -> str:
    return nquads({name: canonical(graph) for name, graph in graphs.items()})


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
    triples = [
        ox.Triple(*(oxigraph_term(term) for term in triple))  # type: ignore[arg-type]
        for triple in sorted(graph, key=_rdfxml_key)
    ]
    data = ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
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
