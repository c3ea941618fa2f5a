"""Deterministic serialization: the same graph always gives the same bytes."""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph


def canonical(graph: Graph) -> Graph:
    """The graph with blank nodes relabelled from their content (OWL axioms use blank nodes)."""
    return to_canonical_graph(graph)


def sorted_ntriples(graph: Graph) -> str:
    lines = canonical(graph).serialize(format="nt").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def sorted_nquads(graphs: dict[URIRef, Graph]) -> str:
    dataset = Dataset()
    for name, graph in graphs.items():
        named = dataset.graph(name)
        for triple in canonical(graph):
            named.add(triple)
    lines = dataset.serialize(format="nquads").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"
