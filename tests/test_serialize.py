"""The release files' writer gives the bytes rdflib's whole-graph canonical serialization gave."""

from __future__ import annotations

from rdflib import BNode, Graph, URIRef

from sorakg.pipeline.build import Built
from sorakg.release.default_view import in_default_view
from sorakg.release.serialize import (
    canonical,
    nquads,
    release_texts,
    sorted_lines,
    sorted_nquads,
    sorted_ntriples,
)


def _reference_ntriples(graph: Graph) -> str:
    """The writer before: canonicalize the whole graph, serialize with rdflib, sort the lines."""
    return sorted_lines(canonical(graph).serialize(format="nt"))


def test_nquads_equal_the_whole_graph_canonical_form(reasoned: Built) -> None:
    graphs = reasoned.graphs
    assert any(isinstance(t[2], BNode) for t in reasoned.graph("ontology"))
    expected = nquads({name: canonical(graph) for name, graph in graphs.items()})
    assert sorted_nquads(graphs) == expected
    assert "_:cb" in expected


def test_ntriples_of_the_default_view_equal_its_union_serialized(reasoned: Built) -> None:
    assert sorted_ntriples(*reasoned.default_view()) == _reference_ntriples(reasoned.union())


def test_labels_come_from_the_whole_union() -> None:
    """Two graphs' blank nodes canonicalized together, as the union would be."""
    a, b = Graph(), Graph()
    p = URIRef("https://example.org/p")
    node = BNode()
    a.add((URIRef("https://example.org/s"), p, node))
    b.add((node, p, URIRef("https://example.org/o")))
    b.add((URIRef("https://example.org/t"), p, URIRef("https://example.org/o")))
    union = Graph()
    union += a
    union += b
    assert sorted_ntriples(a, b) == _reference_ntriples(union)
    assert sorted_ntriples(a, b).count("_:cb") == 2
    assert sorted_ntriples(Graph()) == "\n" == _reference_ntriples(Graph())


def test_the_release_files_are_both_forms_at_once(reasoned: Built) -> None:
    """What the build writes: the N-Quads of every graph and the N-Triples of the default view
    (the disputed layers left out), from rows made once."""
    default = [iri for iri in reasoned.graphs if in_default_view(str(iri))]
    assert len(default) < len(reasoned.graphs)
    quads, triples = release_texts(reasoned.graphs, default)
    assert quads == nquads({name: canonical(g) for name, g in reasoned.graphs.items()})
    assert triples == _reference_ntriples(reasoned.union())
