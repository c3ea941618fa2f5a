"""Every format of the registry (sorakg/formats.py) works on every surface that offers it: asked
for by media type and by name, it comes back with its media type and parses as that format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset
from typer.testing import CliRunner

from sorakg.cli import app as cli
from sorakg.formats import FORMATS, HTML, OFFERS, RDF, RESULTS, Format, Offer, by_name
from sorakg.pipeline.build import Built
from sorakg.release.export import EXPORTED, prepare, serialize
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from tests.constants import RDFS_LABEL, SORAFENIB
from tests.helpers import app_client, fast_first

SELECT = f"SELECT ?p ?o WHERE {{ <{SORAFENIB}> ?p ?o }}"
ASK = f"ASK {{ <{SORAFENIB}> ?p ?o }}"
CONSTRUCT = f"CONSTRUCT {{ <{SORAFENIB}> ?p ?o }} WHERE {{ <{SORAFENIB}> ?p ?o }}"
ENTITY = "/drug/sorafenib"


@pytest.fixture(scope="module")
def client(graph_file: Path) -> Iterator[TestClient]:
    with app_client(graph_file) as test_client:
        yield test_client


def ids(fmt: Format) -> str:
    return fmt.name


def triples(body: bytes, fmt: Format) -> list[ox.Triple]:
    """The triples of an RDF answer (any graph name dropped), parsed by pyoxigraph."""
    assert fmt.rdf is not None
    return [quad.triple for quad in ox.parse(body, format=fmt.rdf)]


def solutions(body: bytes, fmt: Format) -> list[object]:
    """The rows of a results answer (CSV, which pyoxigraph does not read back, by csv)."""
    if fmt.name == "csv":
        return list(csv.reader(io.StringIO(body.decode())))[1:]
    return list(ox.parse_query_results(body, format=fmt.results))  # type: ignore[arg-type]


def answered_as(response: object, fmt: Format) -> bytes:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    content_type = response.headers["content-type"]  # type: ignore[attr-defined]
    assert content_type.split(";")[0] == fmt.media_type
    return response.content  # type: ignore[attr-defined,no-any-return]


def test_every_format_has_one_name_and_its_media_type_selects_it() -> None:
    names = [f.name for f in FORMATS.values()]
    assert len(names) == len(set(names))
    for offer, formats in OFFERS.items():
        for fmt in formats:
            assert by_name(offer, fmt.name) is fmt
            assert by_name(offer, fmt.media_type) is fmt
    # the name the endpoint used for RDF/XML before the names were made one still selects it
    assert by_name("graph", "rdf") is FORMATS["rdfxml"]


@pytest.mark.parametrize("fmt", RESULTS, ids=ids)
def test_sparql_solutions_and_booleans_in_each_results_format(client: TestClient, fmt: Format):
    for query, offer in ((SELECT, "solutions"), (ASK, "boolean")):
        assert fmt in OFFERS[offer]
        for ask in ({"Accept": fmt.media_type}, {}):
            params = {"query": query} if ask else {"query": query, "format": fmt.name}
            body = answered_as(client.get("/sparql", params=params, headers=ask), fmt)
            if offer == "boolean" and fmt.name != "csv":
                assert bool(ox.parse_query_results(body, format=fmt.results)) is True
            elif offer == "boolean":
                assert body.decode().split() == ["true"]
            else:
                assert len(solutions(body, fmt)) > 3  # sorafenib's facts


@pytest.mark.parametrize("fmt", OFFERS["graph"], ids=ids)
def test_sparql_construct_in_each_rdf_format(client: TestClient, fmt: Format):
    expected = client.get("/sparql", params={"query": CONSTRUCT, "format": "nt"})
    reference = sorted(map(str, triples(expected.content, FORMATS["nt"])))
    for params, headers in (
        ({"query": CONSTRUCT}, {"Accept": fmt.media_type}),
        ({"query": CONSTRUCT, "format": fmt.name}, {}),
    ):
        body = answered_as(client.get("/sparql", params=params, headers=headers), fmt)
        assert sorted(map(str, triples(body, fmt))) == reference


@pytest.mark.parametrize("fmt", [f for f in OFFERS["page"] if f is not HTML], ids=ids)
def test_an_entity_page_in_each_rdf_format_by_accept_and_by_suffix(client: TestClient, fmt: Format):
    by_accept = answered_as(client.get(ENTITY, headers={"Accept": fmt.media_type}), fmt)
    by_suffix = answered_as(client.get(f"{ENTITY}.{fmt.extension}"), fmt)
    assert by_accept == by_suffix
    labels = [
        t.object.value
        for t in triples(by_suffix, fmt)
        if t.subject == ox.NamedNode(SORAFENIB) and t.predicate == ox.NamedNode(RDFS_LABEL)
    ]
    assert [label.lower() for label in labels] == ["sorafenib"]
    # the page names its alternates by the same suffixes
    links = client.get(ENTITY).headers["link"]
    assert f'{ENTITY}.{fmt.extension}>; rel="alternate"; type="{fmt.media_type}"' in links


def test_an_unknown_suffix_is_part_of_the_entity_path(client: TestClient) -> None:
    assert client.get(f"{ENTITY}.docx").status_code == 404


@pytest.mark.parametrize("fmt", OFFERS["page"], ids=ids)
@pytest.mark.slow  # pyLODE renders the HTML page
def test_the_ontology_in_each_page_format(client: TestClient, fmt: Format):
    body = answered_as(client.get("/ontology", headers={"Accept": fmt.media_type}), fmt)
    if fmt is HTML:
        assert b"Sorafenib Resistance" in body or b"sorakg" in body
        return
    owl = "http://www.w3.org/2002/07/owl#"
    ontology = ox.Triple(
        ox.NamedNode("https://w3id.org/sorakg/ontology"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode(f"{owl}Ontology"),
    )
    assert ontology in triples(body, fmt)


@pytest.mark.parametrize("fmt", OFFERS["description"], ids=ids)
def test_the_service_description_and_void_in_each_description_format(
    client: TestClient, fmt: Format
):
    described = client.get("/sparql", headers={"Accept": fmt.media_type}, follow_redirects=False)
    void = client.get("/.well-known/void", params={"format": fmt.name})
    if fmt is HTML:
        assert described.status_code == 303  # the query page
        return
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(str(t.object) == f"<{sd}Service>" for t in triples(answered_as(described, fmt), fmt))
    assert any("void#Dataset" in str(t.object) for t in triples(answered_as(void, fmt), fmt))


@pytest.mark.parametrize("fmt", OFFERS["canned"], ids=ids)
def test_a_named_query_in_each_of_its_formats(client: TestClient, fmt: Format):
    query = next(q for q in catalogue.list_queries() if not any(p.required for p in q.parameters))
    body = answered_as(client.get(f"/queries/{query.name}", params={"format": fmt.name}), fmt)
    if fmt is HTML:
        assert query.title.encode() in body
    else:
        assert solutions(body, fmt), query.name


# rdflib reads the asserted graph back: Turtle in the fast selection, every format in `make test`
@pytest.mark.parametrize("fmt", fast_first(OFFERS["export"]), ids=ids)
def test_the_export_writes_each_of_its_formats_as_rdflib_reads_them(built: Built, fmt: Format):
    assert EXPORTED[fmt.name] is fmt
    graphs = prepare({"asserted": built.graph("asserted")})
    text = serialize(graphs, fmt, Settings(reason=False))
    parsed = Dataset().parse(data=text, format=fmt.rdflib)
    assert sum(1 for _ in parsed.quads((None, None, None, None))) == len(graphs["asserted"])


def test_every_rdf_format_is_offered_for_triples_pages_and_descriptions() -> None:
    offers: tuple[Offer, ...] = ("graph", "page", "description")
    for offer in offers:
        assert set(RDF) <= set(OFFERS[offer]), offer


@pytest.mark.parametrize("fmt", OFFERS["results"], ids=ids)
def test_sorakg_query_prints_each_results_format(fmt: Format, cli_env: CliRunner) -> None:
    arguments = ["query", "drug-actions", "--param", "drug=sorafenib", "--format", fmt.name]
    result = cli_env.invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    assert solutions(result.stdout.encode(), fmt), result.output
