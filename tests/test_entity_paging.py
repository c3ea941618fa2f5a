"""An entity's page, paged (server/entity_window.py): the totals the graph holds, the first
records in IRI order, and a next link that leads to the next ones, in HTML and in RDF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from sorakg.release.default_view import default_graphs
from sorakg.release.store import release_store
from tests.constants import SK, SORAFENIB
from tests.helpers import app_client

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def release(reasoned_graph_file: Path) -> Path:
    """The reasoned build's N-Quads, whose on-disk store the other modules share."""
    return reasoned_graph_file


@pytest.fixture(scope="module")
def client(release: Path) -> Iterator[TestClient]:
    with app_client(release) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def store(release: Path, client: TestClient) -> ox.Store:
    return ox.Store.read_only(str(release_store(release.parent)))


def _records(store: ox.Store) -> list[tuple[str, str]]:
    """Sorafenib's evidence records and their quotes, in IRI order, counted in the store."""
    rows = store.query(
        f"SELECT ?ev ?quote WHERE {{ ?ev <{SK}evidenceFor> <{SORAFENIB}> ; <{SK}quote> ?quote }}",
        default_graph=default_graphs(store),
    )
    return sorted((r["ev"].value, r["quote"].value) for r in rows)  # type: ignore[union-attr,index]


def _listed(html: str) -> list[tuple[str, str]]:
    """The records the page lists, in its order, each with the quote it shows."""
    found = re.findall(
        r'<li class="record" data-record="([^"]+)">.*?<blockquote class="record-quote">(.*?)'
        r"</blockquote>",
        html,
        re.S,
    )
    return [(unescape(ev), unescape(quote)) for ev, quote in found]


def _next(html: str) -> str | None:
    found = re.search(r'<a rel="next" class="next" href="([^"]+)"', html)
    return unescape(found.group(1)) if found else None


def test_the_page_counts_every_record_and_lists_the_first_in_iri_order(
    client: TestClient, store: ox.Store
) -> None:
    records = _records(store)
    html = client.get("/drug/sorafenib", headers=HTML, params={"size": 10}).text
    total = re.search(r'<span class="evidence-total">(\d+)</span>', html)
    assert total is not None and int(total.group(1)) == len(records) > 20
    assert _listed(html) == records[:10]
    assert 'start="1"' in html and "Records 1\u201310 of" in html


def test_the_next_link_leads_to_the_next_records(client: TestClient, store: ox.Store) -> None:
    records = _records(store)
    first = client.get("/drug/sorafenib", headers=HTML, params={"size": 10}).text
    target = _next(first)
    assert target == "/drug/sorafenib?page=2&size=10"
    second = client.get(target, headers=HTML).text
    assert _listed(second) == records[10:20]
    assert "Records 11\u201320 of" in second
    # walking every page lists every record once, in order, and the last page has no next
    seen, page = [], first
    while True:
        seen += _listed(page)
        following = _next(page)
        if following is None:
            break
        page = client.get(following, headers=HTML).text
    assert seen == records


def test_the_default_page_is_whole_on_the_reviews_graph(
    client: TestClient, store: ox.Store
) -> None:
    html = client.get("/drug/sorafenib", headers=HTML).text
    assert _listed(html) == _records(store) and _next(html) is None


def test_the_rdf_form_is_paged_with_a_link_to_the_rest(client: TestClient, store: ox.Store) -> None:
    records = _records(store)
    answer = client.get("/drug/sorafenib.nt", params={"size": 10})
    assert answer.status_code == 200
    assert re.search(r'<[^<>]*/drug/sorafenib\.nt\?page=2&size=10>; rel="next"',
                     answer.headers["link"])  # fmt: skip
    triples = list(ox.parse(answer.content, format=ox.RdfFormat.N_TRIPLES))
    described = sorted(
        (t.subject.value, t.object.value)  # type: ignore[union-attr]
        for t in triples
        if t.predicate.value == SK + "quote"
    )
    assert described == records[:10]
    own = [t for t in triples if t.subject == ox.NamedNode(SORAFENIB)]
    stored = store.query(f"SELECT * WHERE {{ <{SORAFENIB}> ?p ?o }}",
                         default_graph=default_graphs(store))  # fmt: skip
    assert len(own) == len(list(stored))  # its own facts whole on every page


def test_counts_by_relation_agree_with_the_graph(client: TestClient, store: ox.Store) -> None:
    html = client.get("/drug/sorafenib", headers=HTML).text
    shown = {
        unescape(p): int(n)
        for p, n in re.findall(
            r'<span class="relation-count" data-predicate="([^"]+)">[^<]*? (\d+)</span>', html
        )
    }
    direct = {
        r["p"].value: int(r["n"].value)  # type: ignore[index,union-attr]
        for r in store.query(
            f"SELECT ?p (COUNT(DISTINCT ?ev) AS ?n) WHERE {{ ?ev <{SK}evidenceFor> <{SORAFENIB}>"
            f" ; <{SK}statementPredicate> ?p }} GROUP BY ?p",
            default_graph=default_graphs(store),
        )
    }
    assert shown == direct and shown[SK + "inhibits"] > 1


@pytest.mark.parametrize("query", [{"page": "0"}, {"size": "0"}, {"size": "100000"}, {"page": "x"}])
def test_a_page_out_of_bounds_is_a_clear_400(client: TestClient, query: dict[str, str]) -> None:
    answer = client.get("/drug/sorafenib", params=query)
    assert answer.status_code == 400 and "page" in answer.text


def test_a_page_past_the_last_is_a_404(client: TestClient) -> None:
    assert client.get("/drug/sorafenib", params={"page": 500}, headers=HTML).status_code == 404
