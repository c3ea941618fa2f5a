"""SERVICE/LOAD stay refused however they are written: no query makes the endpoint send a request.

Each form below made the endpoint send a request to a listener before the fix. Every test
first proves its form is live, by running it straight in pyoxigraph against a loopback
listener that records hits (the listener is hit), then sends it to the endpoint (403) and
checks that the listener saw nothing: by GET, by POST form, by POST body, as an update, and
through the proxy backend (external triplestore mode), where a passing check would forward it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from sorakg.server.app import create_app
from sorakg.server.execute import Job
from sorakg.server.proxy import ProxyBackend
from sorakg.settings import Settings
from tests.helpers import Spy, app_client

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EMPTY_RESULTS = json.dumps({"head": {"vars": []}, "results": {"bindings": [{}]}}).encode()


class Listener:
    """A loopback HTTP server that records every request and answers with empty results."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                hits.append(f"{self.command} {self.path}")
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(EMPTY_RESULTS)))
                self.end_headers()
                self.wfile.write(EMPTY_RESULTS)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    running = Listener()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def client(graph_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(update_enabled=True, update_token=TOKEN)  # type: ignore[arg-type]
    # an updatable pool, as update_enabled makes it: updates reach the writer's own check
    live = tmp_path_factory.mktemp("live")
    with app_client(graph_file, settings, workers=2, updatable=True, live_dir=live) as test_client:
        yield test_client


def _queries(url: str) -> dict[str, str]:
    """SERVICE hidden from a lexer (a: glued to the token before it, b: after a comment ended by
    CR, c: after an escaped character in a local name), and the forms Oxigraph's scannerless
    parser reads differently from the grammar's tokens (keywords matched without a word
    boundary, ``<`` as less-than). ``{url}`` is the listener."""
    group = "{ ?a ?b ?c }"
    return {
        "a: variable glued to .SERVICE": (
            f"SELECT * WHERE {{ ?s <urn:x>* ?o.SERVICE <{url}/a1> {group} }}"
        ),
        "a: number glued to .SERVICE": f"SELECT * WHERE {{ ?s ?p 2.SERVICE <{url}/a2> {group} }}",
        "b: comment ended by CR": f"SELECT * WHERE {{ #x\rSERVICE <{url}/b> {group} }}",
        "c: escaped # in a local name": (
            f"PREFIX ex: <http://e/> SELECT * WHERE {{ OPTIONAL {{ ?s ?p ex:a\\# }} "
            f"SERVICE <{url}/c1> {group} }}"
        ),
        "c: escaped ' in a local name": (
            f"PREFIX ex: <http://e/> SELECT * WHERE {{ OPTIONAL {{ ?s ?p ex:a\\' }} "
            f"SERVICE <{url}/c2> {group} }}"
        ),
        "SERVICE SILENT": f"SELECT * WHERE {{ sErViCe SILENT <{url}/silent> {group} }}",
        "keyword glued to a prefixed name": (
            f"PREFIX ex: <{url}/> SELECT * WHERE {{ SERVICEex:glued {group} }}"
        ),
        "prefix named service": f"PREFIX : <{url}/> SELECT * WHERE {{ service:colon {group} }}",
        "boolean glued to SERVICE": f"SELECT * WHERE {{ ?s ?p trueSERVICE<{url}/bool>{group} }}",
        "less-than read as an IRI by the grammar": (
            f"PREFIX ex: <{url}/> SELECT * WHERE {{ BIND(1 AS ?l) BIND(2 AS ?r) "
            f"FILTER(?l<?r)SERVICEex:lt#>\n{group} }}"
        ),
        **_escaped_queries(url),
    }


# An escaped quote in a string: a check that misreads the escape thinks the string ends early,
# and then that the rest of the line (up to the last comment's quote) is one more string.
ESCAPED = 'BIND("\\u0022" AS ?x)'


def _escaped_queries(url: str) -> dict[str, str]:
    """The escape forms that once passed the check: each reached the listener on an endpoint
    without a network namespace, and through the proxy."""
    service = f"SERVICE <{url}/e-@> {{ ?a ?b ?c }}"
    forms = {
        "top level": f'SELECT * WHERE {{ {ESCAPED} {service} }} #"',
        "subquery": f'SELECT * WHERE {{ {{ SELECT * WHERE {{ {ESCAPED} {service} }} }} }} #"',
        "FILTER EXISTS": f'SELECT * WHERE {{ FILTER EXISTS {{ {ESCAPED} {service} }} }} #"',
        "FILTER NOT EXISTS": (
            f'SELECT * WHERE {{ FILTER NOT EXISTS {{ {ESCAPED} {service} }} }} #"'
        ),
        "MINUS": f'SELECT * WHERE {{ ?s ?p ?o MINUS {{ {ESCAPED} {service} }} }} #"',
        "OPTIONAL": f'SELECT * WHERE {{ OPTIONAL {{ {ESCAPED} {service} }} }} #"',
        "GRAPH": f'SELECT * WHERE {{ GRAPH ?g {{ {ESCAPED} {service} }} }} #"',
        "UNION": f'SELECT * WHERE {{ {{ }} UNION {{ {ESCAPED} {service} }} }} #"',
        "CONSTRUCT": f'CONSTRUCT {{ ?a ?b ?c }} WHERE {{ {ESCAPED} {service} }} #"',
        "lower case": f'select * where {{ {ESCAPED.lower()} {service.lower()} }} #"',
        "SILENT": f'SELECT * WHERE {{ {ESCAPED} {service.replace("E ", "E SILENT ", 1)} }} #"',
        "long string": f'SELECT * WHERE {{ BIND("""\\u0022""" AS ?x) {service} }} #"""',
        "single quote": f"SELECT * WHERE {{ BIND('\\u0027' AS ?x) {service} }} #'",
        "escape in an IRI": f"SELECT * WHERE {{ BIND(<urn:\\u0041> AS ?x) {service} }} #>",
    }
    return {
        f"escape, {name}": text.replace("@", str(i)) for i, (name, text) in enumerate(forms.items())
    }


def _updates(url: str) -> dict[str, str]:
    return {
        "LOAD after a CR-ended comment": f"#x\rLOAD <{url}/load-cr>",
        "LOAD glued to a prefixed name": f"PREFIX ex: <{url}/> LOADex:load-glued",
        "LOADSILENT glued": f"CLEAR SILENT GRAPH <urn:g>;LOADSILENT<{url}/load-silent>",
        "SERVICE in an update's WHERE": (
            f"INSERT {{ ?a ?b ?c }} WHERE {{ ?s ?p 2.SERVICE <{url}/upd> {{ ?a ?b ?c }} }}"
        ),
        "SERVICE in an update, CR comment": (
            f"INSERT {{ ?a ?b ?c }} WHERE {{ #x\rSERVICE <{url}/upd-cr> {{ ?a ?b ?c }} }}"
        ),
        **_escaped_updates(url),
    }


def _escaped_updates(url: str) -> dict[str, str]:
    where = f"{{ {ESCAPED} SERVICE <{url}/u-@> {{ ?a ?b ?c }} }}"
    insert = 'INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "\\u0022" } } ; '
    forms = {
        "INSERT WHERE": f'INSERT {{ GRAPH <urn:g> {{ ?a ?b ?c }} }} WHERE {where} #"',
        "DELETE WHERE": f'DELETE {{ GRAPH <urn:g> {{ ?a ?b ?c }} }} WHERE {where} #"',
        "WITH": f'WITH <urn:g> INSERT {{ ?a ?b ?c }} WHERE {where} #"',
        "USING": f'INSERT {{ GRAPH <urn:g> {{ ?a ?b ?c }} }} USING <urn:g> WHERE {where} #"',
        "LOAD INTO": f'{insert}LOAD <{url}/u-@> INTO GRAPH <urn:g> #"',
        "LOAD": f'{insert}LOAD <{url}/u-@> #"',
    }
    return {
        f"escape, {name}": text.replace("@", str(i)) for i, (name, text) in enumerate(forms.items())
    }


def _live_store() -> ox.Store:
    """A store in which every pattern of the forms above matches, so Oxigraph reaches SERVICE."""
    store = ox.Store()
    store.update(
        "INSERT DATA { <urn:s> <urn:x> <urn:o> ; <urn:p> 2, true, <http://e/a#> "
        "GRAPH <urn:g> { <urn:s> <urn:x> <urn:o> } }"
    )
    return store


def _hit_by(listener: Listener, run: object) -> list[str]:
    before = len(listener.hits)
    # the listener's answer need not make sense to Oxigraph: the hit is the proof
    with contextlib.suppress(OSError, RuntimeError, ValueError, SyntaxError):
        run()  # type: ignore[operator]
    return listener.hits[before:]


QUERY_FORMS = list(_queries("http://listener"))
UPDATE_FORMS = list(_updates("http://listener"))


@pytest.mark.parametrize("form", QUERY_FORMS)
def test_query_form_is_live_in_oxigraph_and_refused_by_the_endpoint(
    form: str, listener: Listener, client: TestClient
) -> None:
    query = _queries(listener.url)[form]
    store = _live_store()
    assert _hit_by(listener, lambda: list(store.query(query))), "not a live bypass form"  # type: ignore[arg-type]
    before = len(listener.hits)
    by_get = client.get("/sparql", params={"query": query})
    by_form = client.post("/sparql", data={"query": query})
    by_body = client.post(
        "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    for response in (by_get, by_form, by_body):
        assert response.status_code == 403, (form, response.text)
        assert "SERVICE" in response.text
    assert listener.hits[before:] == []


@pytest.mark.parametrize("form", UPDATE_FORMS)
def test_update_form_is_live_in_oxigraph_and_refused_even_with_the_token(
    form: str, listener: Listener, client: TestClient
) -> None:
    update = _updates(listener.url)[form]
    store = _live_store()
    assert _hit_by(listener, lambda: store.update(update)), "not a live bypass form"
    before = len(listener.hits)
    by_form = client.post("/sparql", data={"update": update}, headers=AUTH)
    by_body = client.post(
        "/sparql",
        content=update.encode(),
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    for response in (by_form, by_body):
        assert response.status_code == 403, (form, response.text)
    assert listener.hits[before:] == []


def test_proxy_mode_forwards_none_of_the_forms(listener: Listener) -> None:
    """The proxy's upstream is the listener itself: a form that passed the check would be
    forwarded to it (a hit). A harmless query is forwarded, which shows the set-up works."""

    async def send_all() -> list[int]:
        backend = ProxyBackend(listener.url + "/upstream")
        await backend.start()
        try:
            statuses = [(await backend.run(Job("query", q))).status
                        for q in _queries(listener.url).values()]  # fmt: skip
            for update in _updates(listener.url).values():
                statuses.append((await backend.update(Job("update", update))).status)
            return statuses
        finally:
            await backend.close()

    before = len(listener.hits)
    statuses = asyncio.run(send_all())
    assert set(statuses) == {403}
    assert listener.hits[before:] == []

    async def harmless() -> int:
        backend = ProxyBackend(listener.url + "/upstream")
        await backend.start()
        try:
            return (await backend.run(Job("query", "SELECT * { ?s ?p ?o }"))).status
        finally:
            await backend.close()

    assert asyncio.run(harmless()) == 200
    assert listener.hits[before:] == ["POST /upstream"]


def test_allowed_service_still_runs(listener: Listener, graph_file: Path) -> None:
    """With allow_service on, the same check lets SERVICE through (it is a policy, not a ban)."""
    # a loopback listener: allowed only because it is listed (tests/test_service_targets.py)
    settings = Settings(allow_service=True, service_allowed_hosts=["127.0.0.1"])
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}/allowed> {{ ?a ?b ?c }} }}"
    with app_client(graph_file, settings) as allowed:
        before = len(listener.hits)
        response = allowed.get("/sparql", params={"query": query})
    assert response.status_code != 403
    assert listener.hits[before:] == ["POST /allowed"]


def test_every_form_is_refused_before_any_worker_sees_it() -> None:
    """The check runs in the web layer: a refused text never reaches a worker (where a worker
    without a network namespace would have fetched it) nor an external store."""
    spy = Spy()
    settings = Settings(update_enabled=True, update_token=TOKEN)  # type: ignore[arg-type]
    with TestClient(create_app(settings, spy)) as web:
        spy.jobs.clear()  # the start-up statistics query
        for query in _queries("http://127.0.0.1:1").values():
            assert web.post("/sparql", data={"query": query}).status_code == 403, query
        for update in _updates("http://127.0.0.1:1").values():
            response = web.post("/sparql", data={"update": update}, headers=AUTH)
            assert response.status_code == 403, update
        long = "SELECT * WHERE { " + "?s ?p ?o . " * 1000 + ESCAPED + ' SERVICE <x> {} } #"'
        assert web.post("/sparql", data={"query": long}).status_code == 403  # checked off-loop
        assert spy.jobs == []
        assert web.post("/sparql", data={"query": "ASK {}"}).status_code == 500  # reaches the spy
    assert [job.text for job in spy.jobs] == ["ASK {}"]
