"""Safe defaults: read-only, SERVICE/LOAD refused, body caps, and the per-query timeout
(a runaway query is stopped while a concurrent point lookup is still answered)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sorakg.settings import Settings
from sorakg.sparql import text as sparql_text
from tests.constants import RDFS_LABEL, SORAFENIB
from tests.helpers import SLOW_QUERY, app_client, running_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
INSERT = "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/x> <urn:p> 1 } }"
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def client(graph_file: Path) -> Iterator[TestClient]:
    with app_client(graph_file, Settings(max_body_bytes=5_000), workers=2) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def writable(graph_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(update_enabled=True, update_token=TOKEN)  # type: ignore[arg-type]
    live = tmp_path_factory.mktemp("live")
    with app_client(graph_file, settings, workers=2, updatable=True, live_dir=live) as test_client:
        yield test_client


def total(client: TestClient) -> int:
    response = client.get("/sparql", params={"query": COUNT})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_update_is_refused_when_read_only_and_the_store_is_unchanged(client: TestClient):
    before = total(client)
    by_form = client.post("/sparql", data={"update": INSERT})
    by_body = client.post(
        "/sparql", content=INSERT, headers={"Content-Type": "application/sparql-update"}
    )
    assert by_form.status_code == by_body.status_code == 403
    assert "read-only" in by_form.text
    assert client.get("/sparql", params={"update": INSERT}).status_code == 405
    assert client.post("/sparql", data={"query": INSERT}).status_code == 400  # not a query
    assert total(client) == before


def test_service_is_refused_and_nothing_is_fetched(client: TestClient):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.text


def test_oversized_body_is_413_and_the_store_is_unchanged(client: TestClient):
    before = total(client)
    padding = "# " + "x" * 6_000 + "\n"
    response = client.post("/sparql", data={"query": padding + COUNT})
    assert response.status_code == 413
    long_get = client.get("/sparql", params={"query": padding + COUNT})
    assert long_get.status_code == 414
    assert total(client) == before


def test_update_needs_the_token(writable: TestClient):
    before = total(writable)
    assert writable.post("/sparql", data={"update": INSERT}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert writable.post("/sparql", data={"update": INSERT}, headers=wrong).status_code == 401
    assert total(writable) == before


def test_update_with_the_token_reaches_every_worker(writable: TestClient):
    before = total(writable)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert writable.post("/sparql", data={"update": INSERT}, headers=auth).status_code == 204
    # two workers answer in turn: every answer must see the insert
    assert {total(writable) for _ in range(6)} == {before + 1}
    delete = INSERT.replace("INSERT", "DELETE")
    assert writable.post("/sparql", data={"update": delete}, headers=auth).status_code == 204
    assert total(writable) == before


def test_load_is_refused_even_with_the_token(writable: TestClient):
    before = total(writable)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    load = "LOAD <http://127.0.0.1:9/data.ttl>"
    response = writable.post("/sparql", data={"update": load}, headers=auth)
    assert response.status_code == 403
    assert total(writable) == before


def test_update_settings_need_a_token():
    with pytest.raises(ValueError, match="update_token"):
        Settings(update_enabled=True)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("SELECT * { SERVICE <http://x> { ?s ?p ?o } }", {"SERVICE"}),
        ("select * { service silent <http://x> { ?s ?p ?o } }", {"SERVICE"}),
        ("SELECT ?service { ?service ?p <http://x/SERVICE> }", set()),
        ('SELECT * { ?s ?p "SERVICE" } # SERVICE in a comment', set()),
        ("PREFIX service: <http://x/> SELECT * { ?s service:p ?o }", set()),
        ("SELECT * { ?s ?p '''a\nSERVICE''' }", set()),
        ("LOAD <http://x/data.ttl>", {"LOAD"}),
        ('INSERT DATA { <http://x> <http://p> "load"@en }', set()),
    ],
)
def test_keyword_scan(text: str, found: set[str]):
    assert sparql_text.uses(text, "SERVICE", "LOAD") == found


def test_slow_query_times_out_while_a_point_lookup_is_answered(graph_file: Path):
    settings = Settings(query_timeout=3)
    lookup = f"SELECT ?l WHERE {{ <{SORAFENIB}> <{RDFS_LABEL}> ?l }}"
    with running_server(settings, graph_file) as url:
        slow: dict[str, object] = {}

        def run_slow() -> None:
            slow["response"] = httpx.get(f"{url}/sparql", params={"query": SLOW_QUERY},
                                         timeout=60)  # fmt: skip

        thread = threading.Thread(target=run_slow)
        thread.start()
        time.sleep(0.5)  # the slow query is now running in one worker
        # whether the slow query was still running when each lookup's answer came: behaviour, not
        # a time limit, so a loaded machine cannot fail it
        while_slow = []
        while thread.is_alive():
            response = httpx.get(f"{url}/sparql", params={"query": lookup}, timeout=60)
            while_slow.append(thread.is_alive())
            assert response.status_code == 200
            assert response.json()["results"]["bindings"][0]["l"]["value"] == "Sorafenib"
            time.sleep(0.1)
        thread.join()
        answer = slow["response"]
        assert isinstance(answer, httpx.Response)
        # stopped by the timeout (the query itself would run for minutes), with the reason
        assert answer.status_code == 503
        assert "longer than 3 s" in answer.text
        assert while_slow and while_slow[0], "no lookup was answered while the slow query ran"
        # the killed worker is replaced: the server keeps answering with both workers
        time.sleep(2)
        for _ in range(4):
            assert httpx.get(f"{url}/sparql", params={"query": lookup}).status_code == 200
        assert httpx.get(f"{url}/health").json()["status"] == "ok"
