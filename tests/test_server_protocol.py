"""The SPARQL 1.1 Protocol at /sparql: query forms, formats, negotiation, datasets, status codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from sorakg.pipeline.build import Built
from sorakg.release.default_view import in_default_view
from sorakg.settings import Settings
from tests.constants import RDFS_LABEL, SORAFENIB
from tests.helpers import app_client

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LABEL = f"SELECT ?label WHERE {{ <{SORAFENIB}> <{RDFS_LABEL}> ?label }}"
CONSTRUCT = f"CONSTRUCT {{ <{SORAFENIB}> ?p ?o }} WHERE {{ <{SORAFENIB}> ?p ?o }}"
ONTOLOGY = "https://w3id.org/sorakg/graph/ontology"
ASSERTED = "https://w3id.org/sorakg/graph/asserted"


@pytest.fixture(scope="module")
def client(graph_file: Path) -> Iterator[TestClient]:
    settings = Settings(max_rows=500, max_body_bytes=20_000)
    with app_client(graph_file, settings, workers=2, timeout=10) as test_client:
        yield test_client


def count(built: Built, graph: str | None = None) -> int:
    if graph is None:  # the default view: the disputed layer is one GRAPH away
        return sum(len(g) for name, g in built.graphs.items() if in_default_view(str(name)))
    return next(len(g) for name, g in built.graphs.items() if str(name) == graph)


def total(built: Built) -> int:
    """Triples of the whole dataset, every named graph (the disputed layer too)."""
    return sum(len(g) for g in built.graphs.values())


def json_count(response: object) -> int:
    data = response.json()  # type: ignore[attr-defined]
    return int(data["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_direct_give_the_same_answer(client: TestClient, built: Built):
    by_get = client.get("/sparql", params={"query": COUNT})
    by_form = client.post("/sparql", data={"query": COUNT})
    by_body = client.post(
        "/sparql", content=COUNT, headers={"Content-Type": "application/sparql-query"}
    )
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert json_count(response) == count(built)


@pytest.mark.parametrize(
    ("accept", "media_type", "results_format"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", "JSON"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "XML"),
        ("text/tab-separated-values", "text/tab-separated-values", "TSV"),
    ],
)
def test_select_in_each_results_format(client, accept, media_type, results_format):
    response = client.get("/sparql", params={"query": LABEL}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    fmt = getattr(ox.QueryResultsFormat, results_format)
    rows = list(ox.parse_query_results(response.content, format=fmt))  # type: ignore[arg-type]
    assert [row["label"].value for row in rows] == ["Sorafenib"]


def test_select_as_csv(client: TestClient):
    response = client.get("/sparql", params={"query": LABEL}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == ["label", "Sorafenib"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+json", b'"boolean":true'),
        ("application/sparql-results+xml", b"<boolean>true</boolean>"),
    ],
)
def test_ask(client: TestClient, accept: str, expected: bytes):
    ask = f"ASK {{ <{SORAFENIB}> ?p ?o }}"
    response = client.get("/sparql", params={"query": ask}, headers={"Accept": accept})
    assert response.status_code == 200
    assert expected in response.content


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", "TURTLE"),
        ("application/n-triples", "N_TRIPLES"),
        ("application/rdf+xml", "RDF_XML"),
        ("application/ld+json", "JSON_LD"),
    ],
)
def test_construct_in_each_rdf_format(client: TestClient, built: Built, accept, rdf_format):
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    triples = list(ox.parse(response.content, format=getattr(ox.RdfFormat, rdf_format)))
    expected = sum(1 for g in built.graphs.values() for _ in g.predicate_objects(_ref(SORAFENIB)))
    assert len(triples) == expected > 10


def _ref(iri: str):  # type: ignore[no-untyped-def]
    from rdflib import URIRef

    return URIRef(iri)


def test_describe_defaults_to_turtle(client: TestClient):
    response = client.get("/sparql", params={"query": f"DESCRIBE <{SORAFENIB}>"})
    assert response.headers["content-type"].startswith("text/turtle")
    assert "Sorafenib" in response.text


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/sparql-results+xml;q=0.2, text/csv;q=0.9", "text/csv"),
        ("text/tab-separated-values;q=0.9, */*;q=0.1", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
    ],
)
def test_accept_q_values(client: TestClient, accept: str, media_type: str):
    response = client.get("/sparql", params={"query": LABEL}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith(media_type)
    assert "Accept" in response.headers["vary"]


def test_format_parameter_overrides_accept(client: TestClient):
    response = client.get(
        "/sparql", params={"query": LABEL, "format": "tsv"}, headers={"Accept": "text/csv"}
    )
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_no_acceptable_format_is_406(client: TestClient):
    response = client.get("/sparql", params={"query": LABEL}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.text


def test_default_graph_uri_narrows_the_default_graph(client: TestClient, built: Built):
    response = client.get("/sparql", params={"query": COUNT, "default-graph-uri": ONTOLOGY})
    assert json_count(response) == count(built, ONTOLOGY)
    both = urlencode([("query", COUNT), ("default-graph-uri", ONTOLOGY),
                      ("default-graph-uri", ASSERTED)])  # fmt: skip
    assert json_count(client.get(f"/sparql?{both}")) == count(built)


def test_named_graph_uri_limits_graph_patterns(client: TestClient):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.post("/sparql", data={"query": query, "named-graph-uri": ASSERTED})
    graphs = [row["g"]["value"] for row in response.json()["results"]["bindings"]]
    assert graphs == [ASSERTED]


def test_from_in_the_query_is_honoured(client: TestClient, built: Built):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    assert json_count(client.get("/sparql", params={"query": query})) == count(built, ONTOLOGY)


def test_service_description_on_get_without_query(client: TestClient):
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.object == ox.NamedNode(sd + "Service") for t in triples)
    assert any(t.predicate == ox.NamedNode(sd + "endpoint") for t in triples)
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")


def test_browser_get_without_query_goes_to_the_query_page(client: TestClient):
    response = client.get(
        "/sparql", headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/query"


def test_bad_query_is_400_with_position(client: TestClient):
    response = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert response.status_code == 400
    assert "1:" in response.text and "expected" in response.text


def test_wrong_content_type_is_415(client: TestClient):
    response = client.post("/sparql", content=COUNT, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_post_without_query_is_400(client: TestClient):
    assert client.post("/sparql", data={"format": "json"}).status_code == 400


def test_two_queries_is_400(client: TestClient):
    assert client.get("/sparql?" + urlencode([("query", COUNT)] * 2)).status_code == 400


def test_cors_is_open_for_reads(client: TestClient):
    response = client.get(
        "/sparql", params={"query": LABEL}, headers={"Origin": "https://example.org"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200


def test_row_cap_cuts_results_and_says_so(client: TestClient):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    response = client.get("/sparql", params={"query": query})
    assert len(response.json()["results"]["bindings"]) == 500
    assert response.headers["x-sparql-maxrows"] == "500"
    small = client.get("/sparql", params={"query": LABEL})
    assert "x-sparql-maxrows" not in small.headers
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    graph = client.get("/sparql", params={"query": construct, "format": "nt"})
    assert len(graph.text.splitlines()) == 500


def test_health(client: TestClient, built: Built):
    health = client.get("/health").json()
    workers = health.pop("workers")
    assert workers["size"] == 2 and workers["missing"] == 0
    # this pool was made without isolation (the settings' default pool asks for it)
    assert health.pop("network") == {"readers": "not isolated: not asked for (SERVICE is allowed)"}
    assert health == {
        "status": "ok",
        "mode": "embedded",
        "triples": total(built),
        "graphs": {str(name): len(g) for name, g in sorted(built.graphs.items())},
    }


def test_openapi_lists_the_routes(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/sparql", "/health", "/.well-known/void", "/"} <= set(paths)


def test_void_counts_the_graphs(client: TestClient, built: Built):
    response = client.get("/.well-known/void")
    assert response.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    void = "http://rdfs.org/ns/void#"
    counts = sorted(int(t.object.value) for t in triples if t.predicate.value == void + "triples")
    # the whole dataset and each named graph (linksets carry counts of their own)
    assert {total(built), *(len(g) for g in built.graphs.values())} <= set(counts)
    assert any(t.predicate.value == void + "sparqlEndpoint" for t in triples)


def test_query_page_lists_examples_and_vendored_yasgui(client: TestClient):
    page = client.get("/query")
    assert page.status_code == 200
    assert '<script src="/static/yasgui/yasgui.min.js">' in page.text
    assert "cdn" not in page.text.lower()
    examples = json.loads(page.text.split('id="example-data" type="application/json">')[1]
                          .split("</script>")[0])  # fmt: skip
    assert isinstance(examples, list)
    for asset in ("/static/yasgui/yasgui.min.js", "/static/yasgui/yasgui.min.css",
                  "/static/query.js"):  # fmt: skip
        assert client.get(asset).status_code == 200


# --- SPARQL 1.1 Protocol details ---------------------------------------------------------------


def test_cr_in_an_xml_literal_is_written_as_a_character_reference(client: TestClient):
    import xml.dom.minidom

    query = 'SELECT ?x WHERE { BIND("a\\rb" AS ?x) }'
    response = client.get("/sparql", params={"query": query, "format": "xml"})
    assert b"\r" not in response.content and b"a&#13;b" in response.content
    literal = xml.dom.minidom.parseString(response.content).getElementsByTagName("literal")[0]
    assert literal.firstChild.nodeValue == "a\rb"  # an XML reader gets the CR back
    construct = 'CONSTRUCT { <urn:a> <urn:b> ?x } WHERE { BIND("a\\rb" AS ?x) }'
    rdfxml = client.get("/sparql", params={"query": construct, "format": "rdf"})
    assert b"\r" not in rdfxml.content
    assert "a\rb" in {str(o) for o in rdflib_graph(rdfxml.content, "xml").objects()}


def rdflib_graph(data: bytes, fmt: str):  # type: ignore[no-untyped-def]
    from rdflib import Graph

    return Graph().parse(data=data, format=fmt)


def test_relative_iris_resolve_against_the_endpoint_url(client: TestClient):
    query = "SELECT ?x WHERE { BIND(<relative/thing> AS ?x) }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    value = response.json()["results"]["bindings"][0]["x"]["value"]
    assert value == Settings().served_root() + "relative/thing"  # base: <served root>sparql


@pytest.mark.parametrize(
    ("how", "kwargs"),
    [
        ("body", {"content": b"ASK { ?s ?p \"\xff\" }",
                  "headers": {"Content-Type": "application/sparql-query"}}),
        ("form", {"content": b"query=ASK+%7B+%3Fs+%3Fp+%22%FF%22+%7D",
                  "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ],
)  # fmt: skip
def test_body_that_is_not_utf8_is_400(client: TestClient, how: str, kwargs: dict[str, object]):
    response = client.post("/sparql", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_parameter_that_is_not_utf8_is_400(client: TestClient):
    response = client.get("/sparql?query=ASK+%7B+%3Fs+%3Fp+%22%FF%22+%7D")
    assert response.status_code == 400
    assert "'query' is not valid UTF-8" in response.text


def test_named_graph_uri_alone_leaves_the_default_graph_empty(client: TestClient):
    response = client.get("/sparql", params={"query": COUNT, "named-graph-uri": ASSERTED})
    assert json_count(response) == 0
    in_graphs = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": in_graphs, "named-graph-uri": ASSERTED})
    assert json_count(response) > 0


def test_dataset_parameters_override_from(client: TestClient, built: Built):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", params={"query": query, "default-graph-uri": ASSERTED})
    assert json_count(response) == count(built, ASSERTED)
    named = f"SELECT DISTINCT ?g FROM NAMED <{ONTOLOGY}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", params={"query": named, "named-graph-uri": ASSERTED})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [ASSERTED]


@pytest.mark.parametrize(
    ("formats", "media_type", "rdflib_format"),
    [
        (["json-ld", "application/ld+json,application/x-json+ld"], "application/ld+json",
         "json-ld"),
        (["n3"], "text/n3", "n3"),
        (["rdf+xml", "application/rdf+xml"], "application/rdf+xml", "xml"),
        (["turtle"], "text/turtle", "turtle"),
    ],
)  # fmt: skip
def test_construct_with_the_format_names_sparqlwrapper_sends(
    client: TestClient, formats: list[str], media_type: str, rdflib_format: str
):
    params = [("query", CONSTRUCT), *(("format", f) for f in formats)]
    response = client.get(f"/sparql?{urlencode(params)}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    graph = rdflib_graph(response.content, rdflib_format)
    turtle = rdflib_graph(client.get("/sparql", params={"query": CONSTRUCT}).content, "turtle")
    assert len(graph) == len(turtle) > 0
