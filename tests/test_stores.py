"""Conformance: the same checks against the embedded store, a real Oxigraph server and a real
Virtuoso 7.2, the external ones loaded by ``sorakg publish`` and served by ``sorakg serve`` in
proxy mode (``SORAKG_SPARQL_ENDPOINT``). Every named query, Linked Data pages of every entity
kind in every format, the protocol cases, the row cap, the timeout and update routing must give
the embedded store's answers, up to :func:`tests.stores.normalise` (docs/scaling.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from typer.testing import CliRunner

from sorakg.cli import app as cli
from sorakg.loaders.tables import ENTITY_MODELS
from sorakg.pipeline.build import Built
from sorakg.release.store import load_store
from sorakg.release.summaries import write as write_summaries
from sorakg.server.app import create_app
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.publish import count_triples, publish, staging_graph
from sorakg.sparql.remote import Remote
from tests.constants import BASE
from tests.stores import Store, cpu_seconds, normalise, normalise_triples, oxigraph, virtuoso

pytestmark = pytest.mark.stores  # the Oxigraph server and Virtuoso

STORES = ("embedded", "oxigraph", "virtuoso")
EXTERNAL = ("oxigraph", "virtuoso")
QUERIES = catalogue.list_queries()
TOKEN = "conformance-token"
# a query no engine answers within seconds: a three-way cross product, filtered (Virtuoso counts
# a bare one from its statistics in a second)
SLOW = {
    "virtuoso": """SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i
  FILTER(STR(?c) < STR(?f) && STR(?f) < STR(?i)) }""",
}
SLOW["oxigraph"] = SLOW["virtuoso"]


@pytest.fixture(scope="session")
def stores(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """The external stores, each started and loaded with ``sorakg publish``."""
    with (
        # a generous limit: some named queries take seconds on Oxigraph with an explicit default
        # graph on this loaded machine (docs/scaling.md); the timeout test has its own server
        oxigraph(tmp_path_factory.mktemp("oxigraph"), timeout_s=120) as ox_store,
        virtuoso(tmp_path_factory.mktemp("virtuoso")) as virt_store,
    ):
        for store, method in ((ox_store, "oxigraph"), (virt_store, "gsp")):
            settings = store.settings(build_dir)
            remote = Remote.from_settings(settings)
            try:
                publish(settings, remote, method)  # type: ignore[arg-type]
            finally:
                remote.close()
        yield {"oxigraph": ox_store, "virtuoso": virt_store}


@contextmanager
def serving(
    name: str, stores: dict[str, Store], build_dir: Path, **extra: object
) -> Iterator[TestClient]:
    """``sorakg serve``'s app over one store (the embedded pool, or a proxy to the store)."""
    if name == "embedded":
        application = create_app(Settings(build_dir=build_dir, **extra))  # type: ignore[arg-type]
    else:
        application = create_app(stores[name].settings(build_dir, **extra))
    with TestClient(application) as client:
        yield client


@pytest.fixture(scope="session")
def clients(stores: dict[str, Store], build_dir: Path) -> Iterator[dict[str, TestClient]]:
    # path-heavy named queries (drugs-by-class) take seconds on the external stores (scaling.md)
    extra = {"update_enabled": True, "update_token": TOKEN, "query_timeout": 60}
    with (
        serving("embedded", stores, build_dir, **extra) as embedded,
        serving("oxigraph", stores, build_dir, **extra) as oxi,
        serving("virtuoso", stores, build_dir, **extra) as virt,
    ):
        yield {"embedded": embedded, "oxigraph": oxi, "virtuoso": virt}


def test_publish_loaded_every_graph_with_its_counts(
    clients: dict[str, TestClient], reasoned: Built
) -> None:
    expected = {str(iri): len(g) for iri, g in reasoned.graphs.items()}
    for name in STORES:
        health = clients[name].get("/health").json()
        assert health["status"] == "ok", (name, health)
        assert health["graphs"] == expected, name


@pytest.mark.parametrize("store", EXTERNAL)
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_named_queries_agree(
    clients: dict[str, TestClient], store: str, query: catalogue.NamedQuery
) -> None:
    answers = {}
    for name in ("embedded", store):
        response = clients[name].get(f"/queries/{query.name}", params={"format": "json"})
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        answers[name] = normalise(query.text, response.json())
    assert answers[store] == answers["embedded"]


@pytest.mark.parametrize("store", EXTERNAL)
@pytest.mark.parametrize(
    "query", [q for q in QUERIES if q.page_size is not None], ids=lambda q: q.name
)
def test_pages_agree(
    clients: dict[str, TestClient], store: str, query: catalogue.NamedQuery
) -> None:
    """A page holds the same items on every store: the order that picks them is total."""
    answers = {}
    for name in ("embedded", store):
        response = clients[name].get(
            f"/queries/{query.name}", params={"format": "json", "page": "2", "limit": "3"}
        )
        assert response.status_code == 200, (name, response.text)
        answers[name] = normalise(query.text, response.json())
    assert answers[store] == answers["embedded"]
    assert answers[store][1], "the review's graph has a second page of three items"  # type: ignore[index]


def _entities(clients: dict[str, TestClient]) -> list[str]:
    """One entity path of every kind (drug, trial, molecule …), found in the embedded store."""
    paths = []
    for model in ENTITY_MODELS:
        prefix = f"https://w3id.org/sorakg/{model.segment}/"
        query = (
            f'SELECT ?s {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}")) }} ORDER BY ?s LIMIT 1'
        )
        rows = clients["embedded"].get("/sparql", params={"query": query}).json()
        for row in rows["results"]["bindings"]:
            paths.append(row["s"]["value"].removeprefix("https://w3id.org/sorakg/"))
    return paths


@pytest.mark.parametrize("store", EXTERNAL)
def test_linked_data_pages_agree_in_every_format(
    clients: dict[str, TestClient], store: str
) -> None:
    paths = _entities(clients)
    assert len(paths) == len(ENTITY_MODELS)
    for path in paths:
        for extension, parse_as in (
            ("ttl", "turtle"),
            ("jsonld", "json-ld"),
            ("nt", "nt"),
            ("rdf", "xml"),
        ):
            graphs = []
            for name in ("embedded", store):
                response = clients[name].get(f"/{path}.{extension}")
                assert response.status_code == 200, (name, path, response.text)
                graphs.append(Graph().parse(data=response.content, format=parse_as))
            assert len(graphs[0]) > 0, (path, extension)
            assert normalise_triples(graphs[1]) == normalise_triples(graphs[0]), (path, extension)
    for name in ("embedded", store):
        assert clients[name].get("/drug/no-such-drug").status_code == 404
        assert clients[name].head("/drug/sorafenib").status_code == 200


@pytest.mark.parametrize(
    "store",
    [
        "oxigraph",
        pytest.param(
            "virtuoso",
            marks=pytest.mark.xfail(
                strict=True,
                reason="Virtuoso 7.2 mis-evaluates `rdfs:subClassOf+` inside FILTER NOT EXISTS, "
                "so an unlabelled node is named by its general type ('finding'); the rewrite "
                "that avoids it makes Oxigraph 600x slower (docs/scaling.md, Engine bugs)",
            ),
        ),
    ],
)
def test_linked_data_html_pages_agree(clients: dict[str, TestClient], store: str) -> None:
    for path in _entities(clients):
        pages = [
            clients[name].get(f"/{path}", headers={"Accept": "text/html"})
            for name in ("embedded", store)
        ]
        assert pages[0].status_code == pages[1].status_code == 200
        assert _visible(pages[1].text) == _visible(pages[0].text), path


def _visible(html: str) -> list[str]:
    """The page's lines, sorted: the order of facts with equal sort keys may differ."""
    return sorted(line.strip() for line in html.splitlines() if line.strip())


def test_explanations_and_downloads_in_proxy_mode(clients: dict[str, TestClient]) -> None:
    # from the local release: the "why" of inferred classes, and the export files
    for name in STORES:
        page = clients[name].get("/drug/sorafenib", headers={"Accept": "text/html"})
        assert "Why" in page.text or "why" in page.text, name
    embedded = clients["embedded"].get("/drug/sorafenib", headers={"Accept": "text/html"}).text
    assert embedded.count("because") == clients["oxigraph"].get(
        "/drug/sorafenib", headers={"Accept": "text/html"}
    ).text.count("because")


PROTOCOL = [
    # (query, format or Accept, expected media type)
    (
        "SELECT ?s WHERE { ?s a <https://w3id.org/sorakg/ontology#Drug> } ORDER BY ?s",
        "json",
        "application/sparql-results+json",
    ),
    (
        "SELECT ?s WHERE { ?s a <https://w3id.org/sorakg/ontology#Drug> } ORDER BY ?s",
        "xml",
        "application/sparql-results+xml",
    ),
    (
        "SELECT ?s WHERE { ?s a <https://w3id.org/sorakg/ontology#Drug> } ORDER BY ?s",
        "csv",
        "text/csv",
    ),
    (
        "SELECT ?s WHERE { ?s a <https://w3id.org/sorakg/ontology#Drug> } ORDER BY ?s",
        "tsv",
        "text/tab-separated-values",
    ),
    (
        "ASK { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }",
        "json",
        "application/sparql-results+json",
    ),
    (
        "ASK { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }",
        "xml",
        "application/sparql-results+xml",
    ),
    ("ASK { <https://w3id.org/sorakg/drug/nothing> ?p ?o }", "csv", "text/csv"),
    ("ASK { <https://w3id.org/sorakg/drug/nothing> ?p ?o }", "tsv", "text/tab-separated-values"),
    (
        "CONSTRUCT WHERE { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }",
        "json",
        "application/ld+json",
    ),
    ("CONSTRUCT WHERE { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }", "ttl", "text/turtle"),
    (
        "CONSTRUCT WHERE { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }",
        "nt",
        "application/n-triples",
    ),
    (
        "CONSTRUCT WHERE { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }",
        "rdf",
        "application/rdf+xml",
    ),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "csv", "text/csv"),  # no system graphs
    (
        "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/sorakg/graph/asserted> WHERE { ?s ?p ?o }",
        "csv",
        "text/csv",
    ),
    (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "csv",
        "text/csv",
    ),
]


def _comparable(body: bytes, media_type: str) -> object:
    if media_type in (
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
    ):
        fmt = ox.RdfFormat.from_media_type(media_type)
        assert fmt is not None
        return sorted(str(q.triple) for q in ox.parse(body, format=fmt))
    return body


@pytest.mark.parametrize("store", EXTERNAL)
@pytest.mark.parametrize("case", range(len(PROTOCOL)))
def test_protocol_cases_agree(clients: dict[str, TestClient], store: str, case: int) -> None:
    query, fmt, media_type = PROTOCOL[case]
    answers = []
    for name in ("embedded", store):
        for how in ({"params": {"query": query, "format": fmt}},
                    {"params": {"query": query}, "headers": {"Accept": media_type}}):  # fmt: skip
            response = clients[name].get("/sparql", **how)  # type: ignore[arg-type]
            assert response.status_code == 200, (name, response.text)
            assert response.headers["content-type"].split(";")[0] == media_type
            answers.append(_comparable(response.content, media_type))
    assert all(answer == answers[0] for answer in answers)


@pytest.mark.parametrize("store", STORES)
def test_dataset_parameters_errors_and_refusals(clients: dict[str, TestClient], store: str) -> None:
    client = clients[store]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    asserted = "https://w3id.org/sorakg/graph/asserted"
    answer = client.get(
        "/sparql", params={"query": count, "default-graph-uri": asserted, "format": "csv"}
    )
    expected = clients["embedded"].get(
        "/sparql",
        params={
            "query": f"SELECT (COUNT(*) AS ?n) FROM <{asserted}> WHERE {{ ?s ?p ?o }}",
            "format": "csv",
        },
    )
    assert answer.text == expected.text
    bad = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x }"})
    assert bad.status_code == 400 and "\n" not in bad.text.strip()
    service = "SELECT * { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }"
    assert client.get("/sparql", params={"query": service}).status_code == 403
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"
    assert client.post("/sparql", data={"update": update}).status_code == 401


@pytest.mark.parametrize("store", STORES)
def test_row_cap_applies_to_every_store(
    stores: dict[str, Store], build_dir: Path, store: str
) -> None:
    with serving(store, stores, build_dir, max_rows=5) as client:
        rows = client.get(
            "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "json"}
        )
        assert rows.headers["x-sparql-maxrows"] == "5"
        assert len(rows.json()["results"]["bindings"]) == 5
        triples = client.get(
            "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"}
        )
        assert triples.headers["x-sparql-maxrows"] == "5"
        assert len(triples.text.strip().splitlines()) == 5
        small = client.get(
            "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "format": "json"}
        )
        assert "x-sparql-maxrows" not in small.headers
    with serving(store, stores, build_dir, max_result_bytes=3000) as client:
        cut = client.get(
            "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "json"}
        )
        assert cut.status_code == 200 and cut.headers["x-sparql-maxbytes"] == "3000"
        assert 0 < len(cut.json()["results"]["bindings"]) < 100


@pytest.fixture
def strict_stores(
    stores: dict[str, Store], build_dir: Path, tmp_path: Path
) -> Iterator[dict[str, Store]]:
    """The stores, with an Oxigraph server whose own limit (``--timeout-s 2``) is just above the
    proxy's, as docs/scaling.md advises: it must stop computing what the proxy abandoned."""
    with oxigraph(tmp_path, timeout_s=2) as strict:
        settings = strict.settings(build_dir)
        remote = Remote.from_settings(settings)
        try:
            publish(settings, remote, "oxigraph")
        finally:
            remote.close()
        yield {**stores, "oxigraph": strict}


# the embedded store's timeout is tested in tests/test_server_limits.py
@pytest.mark.parametrize("store", EXTERNAL)
def test_timeout_stops_the_query_in_the_store(
    strict_stores: dict[str, Store], build_dir: Path, store: str
) -> None:
    # the store's own CPU is checked on Virtuoso; Oxigraph 0.5.13 kept computing this query
    # after its --timeout-s in our runs (0.3-0.4 CPU-s per s; docs/scaling.md)
    pid = strict_stores[store].process.pid if store == "virtuoso" else None
    idle = 0.0
    if pid is not None:  # the store's own background work (compaction after a load)
        before = cpu_seconds(pid)
        time.sleep(1.5)
        idle = cpu_seconds(pid) - before
    with serving(store, strict_stores, build_dir, query_timeout=1.5) as client:
        slow = client.get("/sparql", params={"query": SLOW[store], "format": "json"})
        assert slow.status_code == 503, slow.text  # the query runs for minutes untimed
        quick = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "format": "json"})
        assert quick.status_code == 200
    if pid is not None:  # the store stopped too (Oxigraph --timeout-s, Virtuoso timeout)
        time.sleep(3)
        before = cpu_seconds(pid)
        time.sleep(1.5)
        assert cpu_seconds(pid) - before < idle + 0.5  # a running query burns ~1.5 s here


@pytest.mark.parametrize("store", STORES)
def test_updates_go_to_the_update_url(clients: dict[str, TestClient], store: str) -> None:
    client = clients[store]
    scratch = "urn:sorakg:test:scratch"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    insert = f'INSERT DATA {{ GRAPH <{scratch}> {{ <urn:x> <urn:y> "{store}" }} }}'
    assert client.post("/sparql", data={"update": insert}, headers=auth).status_code == 204
    read = client.get(
        "/sparql",
        params={"query": f"SELECT ?o FROM <{scratch}> WHERE {{ ?s ?p ?o }}", "format": "csv"},
    )
    assert read.text.splitlines() == ["o", store]
    # the scratch graph is not part of the release: the default graph does not show it
    hidden = client.get("/sparql", params={"query": "ASK { <urn:x> ?p ?o }", "format": "json"})
    assert hidden.json()["boolean"] is False or store == "embedded"
    # SILENT: Virtuoso refuses to DROP a graph that was not made by CREATE GRAPH
    drop = f"DROP SILENT GRAPH <{scratch}>"
    assert client.post("/sparql", data={"update": drop}, headers=auth).status_code == 204
    gone = client.get(
        "/sparql", params={"query": f"ASK FROM <{scratch}> {{ ?s ?p ?o }}", "format": "json"}
    )
    assert gone.json()["boolean"] is False


@pytest.mark.parametrize("store_name", EXTERNAL)
def test_republishing_switches_without_leftovers(
    stores: dict[str, Store], build_dir: Path, reasoned: Built, store_name: str
) -> None:
    store = stores[store_name]
    settings = store.settings(build_dir)
    remote = Remote.from_settings(settings)
    try:
        done = publish(settings, remote, "update", batch=1000)
        staged = [staging_graph(g, "conformance") for g in done.graphs]
        leftovers = count_triples(remote, staged)  # the staging graphs, by FROM NAMED
    finally:
        remote.close()
    summaries = done.graphs.pop(f"{BASE}graph/summaries")  # derived from the release's quads
    assert done.graphs == {str(iri): len(g) for iri, g in reasoned.graphs.items()}
    assert summaries == write_summaries(load_store(build_dir / "graph" / "sorakg.nq"))
    assert leftovers == {g: 0 for g in staged}


def test_publish_command_from_the_environment(
    stores: dict[str, Store], build_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stores["oxigraph"]
    for name, value in (("SPARQL_ENDPOINT", store.query_url), ("BUILD_DIR", str(build_dir)),
                        ("SPARQL_UPDATE_ENDPOINT", store.update_url),
                        ("SPARQL_GRAPH_STORE", store.graph_store_url)):  # fmt: skip
        monkeypatch.setenv(f"SORAKG_{name}", value)
    result = CliRunner().invoke(cli, ["publish", "--method", "oxigraph"])
    assert result.exit_code == 0, result.output
    assert "published release conformance" in result.output
    monkeypatch.setenv("SORAKG_SPARQL_ENDPOINT", "http://127.0.0.1:9/sparql")
    monkeypatch.setenv("SORAKG_SPARQL_UPDATE_ENDPOINT", "http://127.0.0.1:9/update")
    failed = CliRunner().invoke(cli, ["publish"])
    assert failed.exit_code == 1 and "publish failed" in failed.output
    assert "Traceback" not in failed.output
