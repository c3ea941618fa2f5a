"""Real clients against a real server: SPARQLWrapper gets the same answers in JSON, XML, CSV and
TSV; and the external-triplestore mode proxies to an Oxigraph server started here."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import URIRef
from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, XML, SPARQLWrapper

from sorakg.pipeline.build import Built
from sorakg.server.app import create_app
from sorakg.server.proxy import ProxyBackend
from sorakg.settings import Settings
from sorakg.sparql.remote import Remote, RemoteError
from tests.constants import RDFS_LABEL, SK, SORAFENIB
from tests.helpers import app_client, free_port, running_server

QUERY = f"""SELECT ?target ?label WHERE {{
  <{SORAFENIB}> <{SK}inhibits> ?target . ?target <{RDFS_LABEL}> ?label
}} ORDER BY ?target"""


@pytest.fixture(scope="module")
def server(graph_file: Path) -> Iterator[str]:
    with running_server(Settings(), graph_file) as url:
        yield url


def _rows(wrapper: SPARQLWrapper, fmt: str) -> list[tuple[str, str]]:
    wrapper.setReturnFormat(fmt)
    result = wrapper.query().convert()
    if fmt == JSON:
        bindings = result["results"]["bindings"]  # type: ignore[index]
        return [(b["target"]["value"], b["label"]["value"]) for b in bindings]
    if fmt == XML:
        rows = []
        for r in result.getElementsByTagName("result"):  # type: ignore[union-attr]
            values = {
                b.getAttribute("name"): b.firstChild.firstChild.nodeValue
                for b in r.getElementsByTagName("binding")
            }
            rows.append((values["target"], values["label"]))
        return rows
    text = result.decode() if isinstance(result, bytes) else str(result)
    delimiter = "," if fmt == CSV else "\t"
    table = list(csv.reader(io.StringIO(text), delimiter=delimiter))[1:]
    if fmt == TSV:  # TSV writes terms in Turtle syntax: <iri> and "literal"@lang
        return [(t.strip("<>"), label.rsplit("@", 1)[0].strip('"')) for t, label in table]
    return [(t, label) for t, label in table]


def test_sparqlwrapper_gets_the_same_answers_in_every_format(server: str, union) -> None:
    answers = {}
    for fmt in (JSON, XML, CSV, TSV):
        for method in ("GET", "POST"):
            wrapper = SPARQLWrapper(f"{server}/sparql")
            wrapper.setQuery(QUERY)
            wrapper.setMethod(method)
            answers[fmt, method] = _rows(wrapper, fmt)
    first = answers[JSON, "GET"]
    assert all(rows == first for rows in answers.values())
    from rdflib import URIRef

    expected = sorted(str(o) for o in union.objects(URIRef(SORAFENIB), URIRef(SK + "inhibits")))
    assert [target for target, _ in first] == expected


@pytest.mark.parametrize(("fmt", "rdflib_format"), [(JSONLD, "json-ld"), (N3, "n3")])
def test_sparqlwrapper_construct_as_jsonld_and_n3(server: str, fmt: str, rdflib_format: str):
    """SPARQLWrapper sends format=json-ld (or n3) and a list of media types: once 406."""
    from rdflib import Graph

    wrapper = SPARQLWrapper(f"{server}/sparql")
    wrapper.setQuery(f"CONSTRUCT {{ <{SORAFENIB}> ?p ?o }} WHERE {{ <{SORAFENIB}> ?p ?o }}")
    wrapper.setReturnFormat(fmt)
    result = wrapper.query()
    body = result.response.read()
    graph = Graph().parse(data=body, format=rdflib_format)
    assert (URIRef(SORAFENIB), URIRef(RDFS_LABEL), None) in graph


def test_sparqlwrapper_ask(server: str) -> None:
    wrapper = SPARQLWrapper(f"{server}/sparql")
    wrapper.setQuery(f"ASK {{ <{SORAFENIB}> ?p ?o }}")
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["boolean"] is True  # type: ignore[index]


def _oxigraph(graph_file: Path, location: Path, *options: str) -> Iterator[str]:
    """The Oxigraph server over the build's graph, read-only, on a free port: its query URL."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(graph_file)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/query", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url + "/query"
    finally:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def oxigraph_server(graph_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Its union of every graph as the default graph: a query's FROM it does not read."""
    location = tmp_path_factory.mktemp("oxigraph-union")
    yield from _oxigraph(graph_file, location, "--union-default-graph")


@pytest.fixture(scope="module")
def oxigraph_plain(graph_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """As started by default: a query's FROM is read."""
    yield from _oxigraph(graph_file, tmp_path_factory.mktemp("oxigraph-plain"))


def test_proxy_mode_answers_from_the_external_store(oxigraph_server: str, built: Built) -> None:
    settings = Settings(sparql_endpoint=oxigraph_server)
    with TestClient(create_app(settings, ProxyBackend(oxigraph_server))) as client:
        health = client.get("/health").json()
        assert health["mode"] == "proxy"
        assert health["triples"] == sum(len(g) for g in built.graphs.values())
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        response = client.get("/sparql", params={"query": query, "format": "json"})
        assert response.status_code == 200
        n = int(response.json()["results"]["bindings"][0]["n"]["value"])
        assert n == health["triples"]
        # the Linked Data pages work through the proxy too (bindings sent as VALUES)
        page = client.get("/drug/sorafenib", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "<h1>Sorafenib</h1>" in page.text
        assert client.get("/drug/no-such-drug").status_code == 404
        bad = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x }"})
        assert bad.status_code == 400
        service = "SELECT * { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }"
        assert client.get("/sparql", params={"query": service}).status_code == 403
        update = "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"
        assert client.post("/sparql", data={"update": update}).status_code == 403


def _count(dataset: str, prefix: str) -> str:
    return f"PREFIX g: <{prefix}>\nSELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"


def test_proxy_mode_keeps_a_from_glued_to_its_graph(oxigraph_plain: str, built: Built) -> None:
    """Oxigraph reads ``FROMg:disputed`` as ``FROM g:disputed``: the proxy sends no dataset of
    its own, which would replace the query's (the default view's graphs, without the disputed
    layer), as for the spaced ``FROM``."""
    graph = next(name for name in built.graphs if name.endswith("/disputed"))
    prefix = graph.removesuffix("disputed")
    proxy = ProxyBackend(oxigraph_plain, graphs=tuple(built.graphs))  # as from_settings
    with TestClient(create_app(Settings(sparql_endpoint=oxigraph_plain), proxy)) as client:

        def answer(dataset: str) -> int:
            params = {"query": _count(dataset, prefix), "format": "json"}
            response = client.get("/sparql", params=params)
            assert response.status_code == 200, response.text
            return int(response.json()["results"]["bindings"][0]["n"]["value"])

        disputed = len(built.graphs[graph])
        assert answer("FROM g:disputed") == answer("FROMg:disputed") == disputed
        assert answer("fromg:disputed") == disputed
        assert 0 < answer("") != disputed  # the default view's


def test_a_store_that_ignores_from_gets_no_query_naming_its_graphs(
    oxigraph_server: str, oxigraph_plain: str, built: Built
) -> None:
    """Oxigraph's --union-default-graph answers a FROM from every graph: the disputed layer
    would answer ``FROM <…/asserted>``. The proxy and the CLI's client send no such query
    there (a one-line 502 naming the option), and still send the others, the Protocol's
    dataset included."""
    graphs = tuple(built.graphs)
    asserted = next(name for name in graphs if name.endswith("/asserted"))
    query = f"SELECT (COUNT(*) AS ?n) FROM <{asserted}> WHERE {{ ?s ?p ?o }}"
    union = ProxyBackend(oxigraph_server, graphs=graphs)
    with TestClient(create_app(Settings(sparql_endpoint=oxigraph_server), union)) as client:
        refused = client.get("/sparql", params={"query": query, "format": "json"})
        assert refused.status_code == 502 and "--union-default-graph" in refused.text
        dataset = {"query": query.replace(f"FROM <{asserted}>", ""), "default-graph-uri": asserted}
        named = client.get("/sparql", params={**dataset, "format": "json"})
        assert named.status_code == 200
        counted = named.json()["results"]["bindings"][0]["n"]["value"]
        assert counted == str(len(built.graphs[asserted]))
        assert client.get("/drug/sorafenib", headers={"Accept": "text/html"}).status_code == 200
    with pytest.raises(RemoteError, match="--union-default-graph"):
        Remote(query_url=oxigraph_server, graphs=graphs).query(query)
    answer = Remote(query_url=oxigraph_plain, graphs=graphs).query(query)
    assert int(answer.rows[0]["n"].value) == len(built.graphs[asserted])


def test_search_in_proxy_mode_finds_what_the_embedded_server_finds(
    oxigraph_server: str, graph_file: Path
) -> None:
    """``/search`` in front of an external store reads the names through the backend
    (``server/queries/names.rq``) instead of the release's index: the same entities, first the
    drug itself, and the same quotes."""
    params = {"q": "sorafenib resistance", "format": "json"}
    settings = Settings(sparql_endpoint=oxigraph_server)
    with TestClient(create_app(settings, ProxyBackend(oxigraph_server))) as client:
        proxied = client.get("/search", params=params).json()
        html = client.get("/search", params={"q": "sorafenib"}, headers={"Accept": "text/html"})
        by_acronym = client.get("/search", params={"q": "SHARP", "format": "json"})
    with app_client(graph_file) as client:
        embedded = client.get("/search", params=params).json()
    assert proxied["entities"] and proxied["evidence"]
    assert proxied == embedded
    assert html.status_code == 200 and 'href="/drug/sorafenib"' in html.text
    assert [h["href"] for h in by_acronym.json()["entities"]][:1] == ["/trial/sharp"]
