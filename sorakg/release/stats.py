"""Counts of a built graph: triples per named graph, instances per class."""

from __future__ import annotations

from collections import Counter

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from sorakg.loaders.prefixes import PREFIX_IRIS
from sorakg.names import curie

# one spelling per namespace (rdflib's per-graph bindings gave ":X", "sk:X" and "<…#X>" for one)


def graph_stats(graphs: dict[URIRef, Graph]) -> dict[str, object]:
    by_node: Counter[object] = Counter()
    for graph in graphs.values():
        by_node.update(graph.objects(None, RDF.type))
    # named once per class, not once per member
    classes: Counter[str] = Counter()
    for cls, count in by_node.items():
        classes[curie(str(cls), PREFIX_IRIS) if isinstance(cls, URIRef) else str(cls)] += count
    return {
        "graphs": {str(name): len(graph) for name, graph in sorted(graphs.items())},
        "triples": sum(len(g) for g in graphs.values()),
        "classes": dict(sorted(classes.items())),
    }
