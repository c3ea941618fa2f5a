"""The summaries graph (sorakg/release/summaries.py) agrees with direct counts on the project's
graph, and stays out of the default view."""

from __future__ import annotations

import pyoxigraph as ox

from sorakg.release import summaries
from sorakg.release.default_view import default_graphs, in_default_view

SK = "https://w3id.org/sorakg/ontology#"
SKS = summaries.SKS
SORAFENIB = "https://w3id.org/sorakg/drug/sorafenib"


def _rows(store: ox.Store, text: str) -> list[dict[str, str]]:
    answer = store.query(text, default_graph=default_graphs(store))
    return [
        {v.value: row[v].value for v in answer.variables if row[v] is not None}  # type: ignore[union-attr,attr-defined]
        for row in answer  # type: ignore[union-attr]
    ]


def _summaries(store: ox.Store) -> str:
    graph = summaries.graph_iri(store)
    assert graph is not None
    return graph.value


def test_counts_agree_with_a_direct_count(store: ox.Store) -> None:
    graph = _summaries(store)
    direct = {
        r["entity"]: (int(r["n"]), int(r["refs"]))
        for r in _rows(
            store,
            f"SELECT ?entity (COUNT(DISTINCT ?ev) AS ?n) (COUNT(DISTINCT ?c) AS ?refs) WHERE"
            f" {{ ?ev <{SK}evidenceFor> ?entity OPTIONAL {{ ?ev <{SK}cites> ?c }} }}"
            " GROUP BY ?entity",
        )
    }
    summarised = {
        r["entity"]: (int(r["n"]), int(r["refs"]))
        for r in _rows(
            store,
            f"SELECT ?entity ?n ?refs WHERE {{ GRAPH <{graph}> {{ ?entity <{SKS}evidenceCount> ?n ;"
            f" <{SKS}referenceCount> ?refs }} FILTER(isIRI(?entity)) }}",  # not a statement's
        )
    }
    assert len(direct) > 100
    assert summarised == direct
    assert direct[SORAFENIB][0] > 20  # the drug the review is about has the most


def test_counts_per_predicate_agree(store: ox.Store) -> None:
    graph = _summaries(store)
    direct = {
        (r["entity"], r["p"]): int(r["n"])
        for r in _rows(
            store,
            f"SELECT ?entity ?p (COUNT(DISTINCT ?ev) AS ?n) WHERE {{ ?ev <{SK}evidenceFor>"
            f" ?entity ; <{SK}statementPredicate> ?p }} GROUP BY ?entity ?p",
        )
    }
    summarised = {
        (r["entity"], r["p"]): int(r["n"])
        for r in _rows(
            store,
            f"SELECT ?entity ?p ?n WHERE {{ GRAPH <{graph}> {{ ?entity <{SKS}evidenceByPredicate>"
            f" [ <{SKS}predicate> ?p ; <{SKS}count> ?n ] }} }}",
        )
    }
    assert summarised == direct
    assert direct[(SORAFENIB, SK + "inhibits")] > 1


def test_first_records_are_the_first_in_iri_order(store: ox.Store) -> None:
    graph = _summaries(store)
    records = sorted(
        r["ev"] for r in _rows(store, f"SELECT ?ev WHERE {{ ?ev <{SK}evidenceFor> <{SORAFENIB}> }}")
    )
    first = _rows(
        store,
        f"SELECT ?rank ?ev WHERE {{ GRAPH <{graph}> {{ <{SORAFENIB}> <{SKS}firstEvidence>"
        f" [ <{SKS}rank> ?rank ; <{SKS}record> ?ev ] }} }} ORDER BY ?rank",
    )
    assert len(records) > summaries.FIRST_EVIDENCE
    assert [int(r["rank"]) for r in first] == list(range(1, summaries.FIRST_EVIDENCE + 1))
    assert [r["ev"] for r in first] == records[: summaries.FIRST_EVIDENCE]


def test_outside_the_default_view(store: ox.Store) -> None:
    graph = _summaries(store)
    assert not in_default_view(graph)
    assert ox.NamedNode(graph) not in default_graphs(store)
    assert not store.query(
        f"ASK {{ <{SORAFENIB}> <{SKS}evidenceCount> ?n }}", default_graph=default_graphs(store)
    )
    assert store.query(f"ASK {{ GRAPH <{graph}> {{ <{SORAFENIB}> <{SKS}evidenceCount> ?n }} }}")


def test_statements_agree_with_their_records(store: ox.Store) -> None:
    """Per statement (subject, relation, object): its records in any of the release's graphs
    (the disputed ones too), the references they cite, and its first records with their quotes."""
    graph = _summaries(store)
    records: dict[tuple[str, str, str], set[str]] = {}
    for r in _rows(
        store,
        f"SELECT ?s ?p ?o ?ev WHERE {{ GRAPH ?g {{ ?ev <{SK}evidenceFor> ?s ;"
        f" <{SK}statementPredicate> ?p ; <{SK}statementObject> ?o }} FILTER(?g != <{graph}>) }}",
    ):
        records.setdefault((r["s"], r["p"], r["o"]), set()).add(r["ev"])
    cites: dict[str, set[str]] = {}
    quotes: dict[str, str] = {}
    for r in _rows(
        store,
        f"SELECT ?ev ?c ?q WHERE {{ GRAPH ?g {{ ?ev <{SK}statementPredicate> ?p ."
        f" OPTIONAL {{ ?ev <{SK}cites> ?c }} OPTIONAL {{ ?ev <{SK}quote> ?q }} }} }}",
    ):
        cites.setdefault(r["ev"], set()).update([r["c"]] if "c" in r else [])
        if "q" in r:
            quotes[r["ev"]] = r["q"]
    summarised: dict[tuple[str, str, str], tuple[int, int]] = {}
    first: dict[tuple[str, str, str], list[tuple[int, str, str]]] = {}
    for r in _rows(
        store,
        f"SELECT ?s ?p ?o ?n ?refs ?rank ?ev ?q WHERE {{ GRAPH <{graph}> {{ ?s <{SKS}statement>"
        f" ?st . ?st <{SKS}predicate> ?p ; <{SKS}object> ?o ; <{SKS}evidenceCount> ?n ;"
        f" <{SKS}referenceCount> ?refs ; <{SKS}firstEvidence> ?f . ?f <{SKS}rank> ?rank ;"
        f" <{SKS}record> ?ev OPTIONAL {{ ?f <{SKS}quote> ?q }} }} }}",
    ):
        key = (r["s"], r["p"], r["o"])
        summarised[key] = (int(r["n"]), int(r["refs"]))
        first.setdefault(key, []).append((int(r["rank"]), r["ev"], r.get("q", "")))
    assert len(records) > 100
    assert summarised == {
        key: (len(evs), len({c for ev in evs for c in cites.get(ev, set())}))
        for key, evs in records.items()
    }
    for key, evs in records.items():
        listed = sorted(evs)[: summaries.STATEMENT_RECORDS]
        assert sorted(first[key]) == [(i, ev, quotes[ev]) for i, ev in enumerate(listed, 1)]
    disputed = f"{graph.removesuffix('summaries')}disputed"
    in_disputed = _rows(
        store,
        f"SELECT DISTINCT ?ev WHERE {{ GRAPH <{disputed}> {{ ?ev <{SK}statementObject> ?o }} }}",
    )
    assert in_disputed  # the disputed statements are summarised too
    assert all(any(r["ev"] in evs for evs in records.values()) for r in in_disputed)
    # sorafenib inhibits more than one target, each statement with its own count
    inhibits = [k for k in records if k[0] == SORAFENIB and k[1] == SK + "inhibits"]
    assert len(inhibits) > 1
