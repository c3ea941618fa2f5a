"""Linked Data: entity IRIs dereference as HTML, Turtle and JSON-LD; unknown IRIs are 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from tests.constants import RDFS_LABEL, SK, SORAFENIB
from tests.helpers import app_client

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

PATH = "/drug/sorafenib"


@pytest.fixture(scope="module")
def client(graph_file: Path) -> Iterator[TestClient]:
    with app_client(graph_file) as test_client:
        yield test_client


def facts_about(union: Graph, iri: str) -> set[tuple[str, str]]:
    return {(str(p), str(o)) for p, o in union.predicate_objects(URIRef(iri))}


def test_html_page_shows_label_types_facts_evidence_and_links(client: TestClient, union: Graph):
    response = client.get(PATH, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    label = str(union.value(URIRef(SORAFENIB), URIRef(RDFS_LABEL)))
    assert f"<h1>{label}</h1>" in html
    for cls in union.objects(
        URIRef(SORAFENIB), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    ):
        assert f'title="{cls}"' in html  # each type is shown, linked
    # a quote of the evidence for sorafenib, with a citation
    evidence = next(union.subjects(URIRef(SK + "evidenceFor"), URIRef(SORAFENIB)))
    quote = str(union.value(evidence, URIRef(SK + "quote")))
    assert quote.replace("'", "&#39;").replace('"', "&#34;") in html
    assert "/publication/sorafenib-resistance-hcc-review/reference/" in html
    chembl = str(union.value(URIRef(SORAFENIB), URIRef(SK + "chemblId")))
    assert f"https://www.ebi.ac.uk/chembl/explore/compound/{chembl}" in html
    # facts in both directions: an outgoing object and an incoming subject are links
    assert 'href="/molecule/akt"' in html
    assert 'href="/biomarker/' in html


def test_trial_page_links_to_clinicaltrials_gov(client: TestClient, union: Graph):
    trial, nct = next(union.subject_objects(URIRef(SK + "nctId")))
    path = "/" + str(trial).removeprefix("https://w3id.org/sorakg/")
    html = client.get(path, headers={"Accept": "text/html"}).text
    assert f"https://clinicaltrials.gov/study/{nct}" in html


def test_protein_page_links_to_uniprot(client: TestClient, union: Graph):
    protein, accession = next(union.subject_objects(URIRef(SK + "uniprotId")))
    path = "/" + str(protein).removeprefix("https://w3id.org/sorakg/")
    assert f"https://www.uniprot.org/uniprotkb/{accession}/entry" in client.get(path).text


@pytest.mark.parametrize(
    ("how", "media_type", "rdf_format"),
    [
        ({"headers": {"Accept": "text/turtle"}}, "text/turtle", ox.RdfFormat.TURTLE),
        (
            {"headers": {"Accept": "application/ld+json"}},
            "application/ld+json",
            ox.RdfFormat.JSON_LD,
        ),
        ({"suffix": ".ttl"}, "text/turtle", ox.RdfFormat.TURTLE),
        ({"suffix": ".jsonld"}, "application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_rdf_forms_hold_the_entity_facts(client, union, how, media_type, rdf_format):
    response = client.get(PATH + how.get("suffix", ""), headers=how.get("headers", {}))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    triples = [q.triple for q in ox.parse(response.content, format=rdf_format)]
    got = {(t.predicate.value, t.object.value) for t in triples if t.subject.value == SORAFENIB}
    assert got == facts_about(union, SORAFENIB)
    assert any(t.predicate.value == SK + "quote" for t in triples)  # evidence comes along


def test_unknown_iri_is_404(client: TestClient):
    for path in ("/drug/no-such-drug", "/drug/no-such-drug.ttl", "/nothing/here"):
        assert client.get(path).status_code == 404


def test_base_iri_path_also_resolves(client: TestClient):
    assert client.get("/sorakg" + PATH + ".ttl").status_code == 200


def test_html_links_its_alternates(client: TestClient):
    response = client.get(PATH)
    assert 'rel="alternate"; type="text/turtle"' in response.headers["link"]
    assert f'href="{PATH}.jsonld"' in response.text


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    head = client.head(PATH, headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/turtle")
    assert head.content == b""
    assert client.head("/drug/no-such-drug").status_code == 404
