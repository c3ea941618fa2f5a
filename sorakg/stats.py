"""Counts of a built graph: triples per named graph, instances per class."""

from __future__ import annotations

from collections import Counter

from rdflib import Graph, URIRef
from rdflib.namespace import RDF


def graph_stats(graphs: dict[URIRef, Graph]) -> dict[str, object]:
    classes: Counter[str] = Counter()
    for graph in graphs.values():
        for _, cls in graph.subject_objects(RDF.type):
            classes[
                graph.namespace_manager.normalizeUri(cls) if isinstance(cls, URIRef) else str(cls)
            ] += 1
    return {
        "graphs": {str(name): len(graph) for name, graph in sorted(graphs.items())},
        "triples": sum(len(g) for g in graphs.values()),
        "classes": dict(sorted(classes.items())),
    }
