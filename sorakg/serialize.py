"""Deterministic serialization: the same graph always gives the same bytes."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph


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
