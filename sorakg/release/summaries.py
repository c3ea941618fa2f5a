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
from collections.abc import Iterator
from itertools import product

import pyoxigraph as ox

from sorakg.loaders.prefixes import TABLE
from sorakg.release.default_view import default_graphs, in_release

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

_RECORDS = f"""SELECT ?entity ?ev ?predicate ?cite WHERE {{
  ?ev <{SK}evidenceFor> ?entity .
  OPTIONAL {{ ?ev <{SK}statementPredicate> ?predicate }}
  OPTIONAL {{ ?ev <{SK}cites> ?cite }}
}}"""


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
    """The whole summaries graph of the store: its entities' and its statements' (``graph``)."""
    yield from summarise_entities(store, graph)
    yield from summarise_statements(store, graph)


def summarise_entities(store: ox.Store, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """The summaries of every entity with evidence in the store's default view, as quads in
    ``graph`` (one pass over the evidence records)."""
    records: dict[ox.NamedNode, set[str]] = defaultdict(set)
    by_predicate: dict[ox.NamedNode, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    cited: dict[ox.NamedNode, set[str]] = defaultdict(set)
    for row in store.query(_RECORDS, default_graph=default_graphs(store)):  # type: ignore[union-attr]
        entity, ev, predicate, cite = row["entity"], row["ev"], row["predicate"], row["cite"]
        if not isinstance(entity, ox.NamedNode) or not isinstance(ev, ox.NamedNode):
            continue
        records[entity].add(ev.value)
        if isinstance(predicate, ox.NamedNode):
            by_predicate[entity][predicate.value].add(ev.value)
        if cite is not None:
            cited[entity].add(str(cite))
    for entity in sorted(records, key=lambda e: e.value):
        found = records[entity]
        yield ox.Quad(entity, EVIDENCE_COUNT, _number(len(found)), graph)
        yield ox.Quad(entity, REFERENCE_COUNT, _number(len(cited[entity])), graph)
        counts = Counter({p: len(evs) for p, evs in by_predicate[entity].items()})
        for predicate, n in sorted(counts.items()):
            node = ox.BlankNode()
            yield ox.Quad(entity, BY_PREDICATE, node, graph)
            yield ox.Quad(node, PREDICATE, ox.NamedNode(predicate), graph)
            yield ox.Quad(node, COUNT, _number(n), graph)
        for rank, ev in enumerate(sorted(found, key=evidence_order)[:FIRST_EVIDENCE], 1):
            node = ox.BlankNode()
            yield ox.Quad(entity, FIRST, node, graph)
            yield ox.Quad(node, RANK, _number(rank), graph)
            yield ox.Quad(node, RECORD, ox.NamedNode(ev), graph)


Statement = tuple[ox.NamedNode, ox.NamedNode, Term]


def _in_release(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and in_release(quad.graph_name.value)


def _values(store: ox.Store, predicate: ox.NamedNode) -> dict[tuple[str, str], list[Term]]:
    """(graph, record) → the values of ``predicate`` on evidence records, in the release's
    graphs (read from the store's index of the predicate: no join)."""
    found: dict[tuple[str, str], list[Term]] = defaultdict(list)
    for quad in store.quads_for_pattern(None, predicate, None, None):
        if _in_release(quad) and isinstance(quad.subject, ox.NamedNode):
            found[(quad.graph_name.value, quad.subject.value)].append(quad.object)  # type: ignore[union-attr]
    return found


def statements(store: ox.Store) -> dict[Statement, set[str]]:
    """Each statement the evidence records of the release's graphs state, with its records."""
    subjects = _values(store, EVIDENCE_FOR)
    objects = _values(store, STATED_OBJECT)
    found: dict[Statement, set[str]] = defaultdict(set)
    for key, predicates in _values(store, STATED_PREDICATE).items():
        for s, p, o in product(subjects.get(key, []), predicates, objects.get(key, [])):
            if isinstance(s, ox.NamedNode) and isinstance(p, ox.NamedNode):
                found[(s, p, o)].add(key[1])  # type: ignore[index]
    return found


def _by_record(store: ox.Store, predicate: ox.NamedNode) -> dict[str, list[Term]]:
    found: dict[str, list[Term]] = defaultdict(list)
    for (_, ev), values in _values(store, predicate).items():
        found[ev] += values
    return found


def summarise_statements(store: ox.Store, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """The summary of every statement of the release's evidence records, as quads in ``graph``."""
    found = statements(store)
    cites = _by_record(store, CITES)
    quotes = _by_record(store, SK_QUOTE)
    for (s, p, o), evs in sorted(found.items(), key=lambda item: tuple(map(str, item[0]))):
        node = ox.BlankNode()
        yield ox.Quad(s, STATEMENT, node, graph)
        yield ox.Quad(node, PREDICATE, p, graph)
        yield ox.Quad(node, OBJECT, o, graph)
        yield ox.Quad(node, EVIDENCE_COUNT, _number(len(evs)), graph)
        cited = {str(c) for ev in evs for c in cites.get(ev, [])}
        yield ox.Quad(node, REFERENCE_COUNT, _number(len(cited)), graph)
        for rank, ev in enumerate(sorted(evs, key=evidence_order)[:STATEMENT_RECORDS], 1):
            first = ox.BlankNode()
            yield ox.Quad(node, FIRST, first, graph)
            yield ox.Quad(first, RANK, _number(rank), graph)
            yield ox.Quad(first, RECORD, ox.NamedNode(ev), graph)
            quote = min((q for q in quotes.get(ev, []) if isinstance(q, ox.Literal)), key=str,
                        default=None)  # fmt: skip
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
    quads = list(summarise(store, graph))
    store.extend(quads)
    return len(quads)
