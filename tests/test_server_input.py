"""Inputs refused (400) by the web layer before any engine sees them.

Before the fix each of these killed a query worker (a Python exception outside the worker's
error handling, or a stack overflow in Oxigraph's parser). Now each is a 400 naming what is
wrong, and the pool's ``restarts`` counter stays where it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from sorakg.sparql import text as sparql_text

TOKEN = "s3cret-token"
ASK = "ASK {}"


@pytest.fixture(scope="module")
def pool(graph_file: Path) -> WorkerPool:
    return WorkerPool(graph_file, size=2)


@pytest.fixture(scope="module")
def client(pool: WorkerPool) -> Iterator[TestClient]:
    settings = Settings(update_enabled=True, update_token=TOKEN)  # type: ignore[arg-type]
    with TestClient(create_app(settings, pool)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"default-graph-uri": ""}, "default-graph-uri: not an absolute IRI: ''"),
        ({"named-graph-uri": "<x>"}, "named-graph-uri: not an absolute IRI: '<x>'"),
        ({"default-graph-uri": "relative"}, "default-graph-uri: not an absolute IRI"),
        ({"named-graph-uri": "http://a b/"}, "named-graph-uri: not an absolute IRI"),
    ],
)
def test_bad_graph_iri_is_400(
    client: TestClient, pool: WorkerPool, params: dict[str, str], message: str
) -> None:
    before = pool.restarts
    by_get = client.get("/sparql", params={"query": ASK, **params})
    by_form = client.post("/sparql", data={"query": ASK, **params})
    for response in (by_get, by_form):
        assert response.status_code == 400
        assert message in response.text
    assert pool.restarts == before


def _nested_selects(n: int) -> str:
    return "SELECT * WHERE " + "{ SELECT * WHERE " * n + "{}" + " }" * n


DEEP = {
    "5000 nested groups": "ASK " + "{" * 5000 + "}" * 5000,
    "5000 parentheses in a FILTER": "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "100k negations": "ASK { FILTER(" + "!" * 100_000 + "true) }",
    "100k || chain": "ASK { FILTER(" + "||".join(["true"] * 100_001) + ") }",
    "2000 nested sub-selects": _nested_selects(2000),
    "20000 nested path parentheses": "ASK { ?s " + "(" * 20_000 + "<p>" + ")" * 20_000 + " ?o }",
    "5000 OPTIONALs": "SELECT * { " + "OPTIONAL { ?s ?p ?o } " * 5000 + "}",
}


@pytest.mark.parametrize("name", list(DEEP))
def test_too_deep_is_400_before_the_engine(client: TestClient, pool: WorkerPool, name: str):
    text = DEEP[name]
    before = pool.restarts
    query = client.post(
        "/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert query.status_code == 400
    assert "the limit is max_nesting = 1000" in query.text
    update = client.post(
        "/sparql",
        content=f"INSERT {{ <urn:a> <urn:b> 1 }} WHERE {{ {text.removeprefix('ASK ')} }}".encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert update.status_code == 400
    assert "the update nests" in update.text
    assert pool.restarts == before
    assert client.get("/sparql", params={"query": ASK}).status_code == 200  # workers are fine


def test_ordinary_queries_are_far_below_the_limit() -> None:
    """Every query of the query library, and a long flat one, stays well under max_nesting."""
    from sorakg.sparql import catalogue

    for query in catalogue.list_queries():
        assert sparql_text.depth(query.text) < 50, query.name
    flat = "SELECT * { " + " . ".join(f"?s <p>/<q> ?o{i}" for i in range(5000)) + " }"
    assert sparql_text.depth(flat) < 10
    in_strings = 'ASK { ?s ?p "' + "{" * 5000 + '" } # ' + "(" * 5000
    assert sparql_text.depth(in_strings) == 1


def test_depth_just_at_the_limit_runs(client: TestClient) -> None:
    at_limit = "ASK " + "{" * 1000 + "}" * 1000
    assert sparql_text.depth(at_limit) == 1000
    assert client.get("/sparql", params={"query": at_limit}).status_code == 200
    over = "ASK " + "{" * 1001 + "}" * 1001
    assert client.get("/sparql", params={"query": over}).status_code == 400


def test_canned_query_refuses_graph_parameters_and_bad_iris(client: TestClient) -> None:
    from sorakg.sparql import catalogue

    query = catalogue.load_query("drug-actions")  # one parameter, `drug`, an IRI
    for params in ({"default-graph-uri": ""}, {"named-graph-uri": "<x>"}, {"drug": "a b<>"}):
        response = client.get(f"/queries/{query.name}", params=params)
        assert response.status_code == 400, params
        assert next(iter(params)) in response.text
