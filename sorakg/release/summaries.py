"""Build-time summaries of each entity's evidence, in their own named graph of the store.

An entity that many papers discuss (sorafenib, in a graph of a thousand papers) has thousands of
evidence records. A page, a paged listing or a named question that needs "how many, and the
first few" reads them here instead of gathering every record per request. ``write_store``
(:mod:`sorakg.release.folder`) writes this graph into every release's on-disk store, after the
bulk load, from the store's default view:

* ``<entity> sks:evidenceCount n``: the evidence records ``?ev sk:evidenceFor <entity>``;
* ``<entity> sks:referenceCount n``: the distinct references (``sk:cites``) those records cite;
* ``<entity> sks:evidenceByPredicate [ sks:predicate p ; sks:count n ]``: the records per
  stated relation (``sk:statementPredicate``; records stating none are only in the total);
* ``<entity> sks:firstEvidence [ sks:rank i ; sks:record <ev> ]``: the first
  :data:`FIRST_EVIDENCE` records in :func:`evidence_order` (1-based ranks), the order every
  paged listing of evidence uses.

And per statement, the relation an evidence record states (``?ev sk:evidenceFor <s> ;
sk:statementPredicate <p> ; sk:statementObject <o>``), what a page's table shows as one row:

* ``<s> sks:statement [ sks:predicate <p> ; sks:object <o> ; sks:evidenceCount n ;
  sks:referenceCount m ; sks:firstEvidence [ sks:rank i ; sks:record <ev> ; sks:quote "…" ] ]``:
  its records, the distinct references they cite, and the first :data:`STATEMENT_RECORDS` in
  :func:`evidence_order` with their quotes. A statement's records are counted in every graph of
  the release, the disputed ones too (the pages list a disputed statement beside the curator's
  reading), where the entity's counts above are the default view's; a record counts where its
  subject, relation and object are stated in one graph, as ``GRAPH ?g { … }`` matches it.

The graph is ``…/graph/summaries`` beside the release's other graphs. It is derived (counts,
not the review's claims), so it is outside the default view
(:data:`sorakg.release.default_view.DERIVED`): plain queries do not see it, ``GRAPH`` reaches it,
and ``/health`` does not count it. It is not in ``sorakg.nq`` or the downloads, which hold the
review's graph; ``sorakg publish`` derives it from them and sends it with the release's graphs,
so pages served from an external store say what the embedded store's say.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from itertools import product

import pyoxigraph as ox

from sorakg.loaders.prefixes import TABLE
from sorakg.release.default_view import in_default_view, in_release

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

SK, SKS = TABLE["sk"], TABLE["sks"]
GRAPH_NAME = "summaries"  # …/graph/summaries
FIRST_EVIDENCE = 20  # records listed per entity: the first page of an entity's evidence
STATEMENT_RECORDS = 5  # records listed per statement: the quotes a page shows beside it
XSD_INTEGER = ox.NamedNode(TABLE["xsd"] + "integer")

EVIDENCE_COUNT = ox.NamedNode(SKS + "evidenceCount")
REFERENCE_COUNT = ox.NamedNode(SKS + "referenceCount")
BY_PREDICATE = ox.NamedNode(SKS + "evidenceByPredicate")
PREDICATE, COUNT = ox.NamedNode(SKS + "predicate"), ox.NamedNode(SKS + "count")
FIRST = ox.NamedNode(SKS + "firstEvidence")
RANK, RECORD = ox.NamedNode(SKS + "rank"), ox.NamedNode(SKS + "record")
STATEMENT, OBJECT = ox.NamedNode(SKS + "statement"), ox.NamedNode(SKS + "object")
QUOTE = ox.NamedNode(SKS + "quote")
EVIDENCE_FOR, STATED_PREDICATE, STATED_OBJECT = (
    ox.NamedNode(SK + name) for name in ("evidenceFor", "statementPredicate", "statementObject")
)
CITES, SK_QUOTE = ox.NamedNode(SK + "cites"), ox.NamedNode(SK + "quote")


def evidence_order(iri: str) -> str:
    """The stable order of an entity's evidence records: by IRI, code point by code point (as
    SPARQL's ``ORDER BY STR(?ev)`` sorts them)."""
    return iri


def graph_iri(store: ox.Store) -> ox.NamedNode | None:
    """``…/graph/summaries`` beside the store's ``…/graph/asserted``; None when the store has
    no such graph (not a release)."""
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph.value.endswith("/graph/asserted"):
            return ox.NamedNode(graph.value.removesuffix("asserted") + GRAPH_NAME)
    return None


def _number(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def summarise(store: ox.Store, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """The whole summaries graph of the store, as quads in ``graph``: each entity's and its
    statements', one entity at a time. Only the entities' names and one entity's records are
    held at once, so the memory this takes does not grow with the number of papers; each
    record's values are read by index lookups (a record is stored under its own IRI)."""
    entities = {
        quad.object
        for quad in store.quads_for_pattern(None, EVIDENCE_FOR, None, None)
        if isinstance(quad.object, ox.NamedNode) and _in_release(quad)
    }
    for entity in sorted(entities, key=lambda e: e.value):
        records = [
            (quad.graph_name.value, quad.subject)  # type: ignore[union-attr]
            for quad in store.quads_for_pattern(None, EVIDENCE_FOR, entity, None)
            if isinstance(quad.subject, ox.NamedNode) and _in_release(quad)
        ]
        yield from _entity_summary(store, entity, records, graph)
        yield from _statement_summaries(store, entity, records, graph)


def _in_release(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and in_release(quad.graph_name.value)


def _values(
    store: ox.Store, record: ox.NamedNode, predicate: ox.NamedNode, graph: str | None = None,
    where: Callable[[str], bool] = in_release,
) -> list[Term]:  # fmt: skip
    """The values of ``predicate`` on ``record``: in ``graph``, or in every graph ``where``
    accepts."""
    name = ox.NamedNode(graph) if graph is not None else None
    return [
        quad.object  # type: ignore[misc]
        for quad in store.quads_for_pattern(record, predicate, None, name)
        if isinstance(quad.graph_name, ox.NamedNode) and where(quad.graph_name.value)
    ]


def _entity_summary(
    store: ox.Store, entity: ox.NamedNode, records: list[tuple[str, ox.NamedNode]],
    graph: ox.NamedNode,
) -> Iterator[ox.Quad]:  # fmt: skip
    """An entity's counts and first records, over the records in the default view."""
    found = {ev for g, ev in records if in_default_view(g)}
    if not found:
        return
    by_predicate: Counter[str] = Counter()
    cited: set[str] = set()
    for ev in found:
        stated = _values(store, ev, STATED_PREDICATE, where=in_default_view)
        by_predicate.update({p.value for p in stated if isinstance(p, ox.NamedNode)})
        cited.update(str(c) for c in _values(store, ev, CITES, where=in_default_view))
    yield ox.Quad(entity, EVIDENCE_COUNT, _number(len(found)), graph)
    yield ox.Quad(entity, REFERENCE_COUNT, _number(len(cited)), graph)
    for predicate, n in sorted(by_predicate.items()):
        node = ox.BlankNode()
        yield ox.Quad(entity, BY_PREDICATE, node, graph)
        yield ox.Quad(node, PREDICATE, ox.NamedNode(predicate), graph)
        yield ox.Quad(node, COUNT, _number(n), graph)
    ranked = sorted(found, key=lambda ev: evidence_order(ev.value))[:FIRST_EVIDENCE]
    for rank, ev in enumerate(ranked, 1):
        node = ox.BlankNode()
        yield ox.Quad(entity, FIRST, node, graph)
        yield ox.Quad(node, RANK, _number(rank), graph)
        yield ox.Quad(node, RECORD, ev, graph)


def _statement_summaries(
    store: ox.Store, subject: ox.NamedNode, records: list[tuple[str, ox.NamedNode]],
    graph: ox.NamedNode,
) -> Iterator[ox.Quad]:  # fmt: skip
    """The summary of each statement about ``subject`` its records state, over the release's
    graphs: a record counts where its relation and object are stated in its own graph."""
    found: dict[tuple[ox.NamedNode, Term], set[str]] = defaultdict(set)
    for g, ev in records:
        predicates = _values(store, ev, STATED_PREDICATE, g)
        for p, o in product(predicates, _values(store, ev, STATED_OBJECT, g)):
            if isinstance(p, ox.NamedNode):
                found[(p, o)].add(ev.value)
    for (p, o), evs in sorted(found.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        node = ox.BlankNode()
        yield ox.Quad(subject, STATEMENT, node, graph)
        yield ox.Quad(node, PREDICATE, p, graph)
        yield ox.Quad(node, OBJECT, o, graph)
        yield ox.Quad(node, EVIDENCE_COUNT, _number(len(evs)), graph)
        cited = {str(c) for iri in evs for c in _values(store, ox.NamedNode(iri), CITES)}
        yield ox.Quad(node, REFERENCE_COUNT, _number(len(cited)), graph)
        for rank, iri in enumerate(sorted(evs, key=evidence_order)[:STATEMENT_RECORDS], 1):
            record = ox.NamedNode(iri)
            first = ox.BlankNode()
            yield ox.Quad(node, FIRST, first, graph)
            yield ox.Quad(first, RANK, _number(rank), graph)
            yield ox.Quad(first, RECORD, record, graph)
            quotes = _values(store, record, SK_QUOTE)
            quote = min((q for q in quotes if isinstance(q, ox.Literal)), key=str, default=None)
            if quote is not None:
                yield ox.Quad(first, QUOTE, quote, graph)


def write(store: ox.Store) -> int:
    """Write (or rewrite) the summaries graph of ``store``; returns the quads written (0 when
    the store is not a release's)."""
    graph = graph_iri(store)
    if graph is None:
        return 0
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    written = 0

    def counted() -> Iterator[ox.Quad]:
        nonlocal written
        for quad in summarise(store, graph):
            written += 1
            yield quad

    # streamed, outside a transaction: the graph is written once, by the build, before the
    # store is served (a transaction would hold every quad of it in its batch)
    store.bulk_extend(counted())
    return written
