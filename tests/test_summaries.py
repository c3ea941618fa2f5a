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
            f" <{SKS}referenceCount> ?refs }} }}",
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
