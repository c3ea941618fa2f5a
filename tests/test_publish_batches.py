"""``sorakg publish``'s batches for SPARQL Update: every triple sent once, a blank node's triples
never split between two requests (each request's blank nodes are new nodes), and templates with
blank nodes small enough for Virtuoso to compile."""

from __future__ import annotations

from itertools import pairwise

import pyoxigraph as ox

from sorakg.release.summaries import summarise
from sorakg.sparql.publish import TEMPLATE_BATCH, _batches, _has_blank
from tests.constants import BASE


def test_batches_keep_each_blank_node_whole_and_templates_small(reasoned_store: ox.Store) -> None:
    # the summaries: thousands of triples on blank nodes, a few without
    quads = list(summarise(reasoned_store, ox.NamedNode(BASE + "graph/summaries")))
    assert sum(map(_has_blank, quads)) > TEMPLATE_BATCH * 3
    batches = list(_batches(quads, 1_000))
    assert sorted(map(str, (q for b in batches for q in b))) == sorted(map(str, quads))
    home: dict[str, int] = {}
    for number, batch in enumerate(batches):
        if any(map(_has_blank, batch)):
            assert len(batch) <= TEMPLATE_BATCH
        for quad in batch:
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.BlankNode):
                    assert home.setdefault(term.value, number) == number, term


def test_a_chain_of_blank_nodes_stays_in_one_batch() -> None:
    p, g = ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/g")
    chain = [ox.BlankNode(f"b{i}") for i in range(TEMPLATE_BATCH + 5)]
    quads = [ox.Quad(a, p, b, g) for a, b in pairwise(chain)]
    quads.insert(0, ox.Quad(ox.BlankNode("lone"), p, ox.Literal("x"), g))
    batches = list(_batches(quads, 1_000))
    assert [len(b) for b in batches] == [1, len(chain) - 1]
