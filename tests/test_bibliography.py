"""The review's bibliographic record and reference list: only confirmed values enter the graph
(each with its source), they load as dcterms:/bibo:, and a page links "[n]" to the paper.

The values below are made up for the checks and written to a scratch copy of the tables; the
real publication.toml holds only what was confirmed (today: the title)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from sorakg.loaders.errors import TableError
from sorakg.loaders.rdf import facts_graph
from sorakg.loaders.read import read_sources
from sorakg.server.sections import Bibliography, Cite, Quotes, Record, status_text

BIBO = Namespace("http://purl.org/ontology/bibo/")
PUB = "sorafenib-resistance-hcc-review"
BASE = "https://w3id.org/sorakg/"
FAKE_DOI = "10.0000/example.only"  # not a real paper: the checks need a well-formed DOI


def _with_record(data: Path, extra: str) -> None:
    toml = data / PUB / "publication.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + extra, encoding="utf-8")


def _record_fields(sources: str) -> str:
    # [sources] closes the file's own empty [sources] table, so the fields go at the top
    return f'authors = ["A B"]\njournal = "J Example"\nyear = 2013\ndoi = "{FAKE_DOI}"\n' + sources


def test_the_real_record_is_the_title_and_its_check(union) -> None:  # type: ignore[no-untyped-def]
    pub = URIRef(BASE + f"publication/{PUB}")
    assert (pub, DCTERMS.title, None) in union
    # nothing unconfirmed is written: no year, DOI or citation until a source confirms them
    assert not list(union.objects(pub, BIBO.doi))
    assert not list(union.objects(pub, DCTERMS.issued))


def test_a_field_without_its_source_is_refused(data_copy: Path) -> None:
    toml = data_copy / PUB / "publication.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('kind = "review"', f'kind = "review"\ndoi = "{FAKE_DOI}"'))
    with pytest.raises(TableError) as caught:
        read_sources(data_copy)
    assert "no source under [sources] for: doi" in str(caught.value)
    assert "publication.toml" in str(caught.value)


def test_a_confirmed_record_and_reference_load_as_dcterms_and_bibo(data_copy: Path) -> None:
    toml = data_copy / PUB / "publication.toml"
    text = toml.read_text(encoding="utf-8").replace("[sources]\n", "")
    head, _, rest = text.partition('kind = "review"\n')
    sources = '[sources]\nauthors = "x"\njournal = "x"\nyear = "x"\ndoi = "https://example.org"\n'
    toml.write_text(head + 'kind = "review"\n' + _record_fields("") + sources + rest)
    table = data_copy / PUB / "references.csv"
    table.write_text(
        table.read_text(encoding="utf-8")
        + f"50,Hsu CH,A paper,JAMA,2010,{FAKE_DOI},12345,https://example.org/list,\n"
    )
    graph = facts_graph(read_sources(data_copy), BASE)
    pub = URIRef(BASE + f"publication/{PUB}")
    assert graph.value(pub, BIBO.doi) == Literal(FAKE_DOI)
    assert str(graph.value(pub, DCTERMS.issued)) == "2013"
    citation = str(graph.value(pub, DCTERMS.bibliographicCitation))
    assert citation.startswith("A B. Mechanisms of resistance") and "J Example 2013" in citation
    ref = URIRef(BASE + f"publication/{PUB}/reference/50")
    assert graph.value(ref, BIBO.doi) == Literal(FAKE_DOI)
    assert graph.value(ref, BIBO.pmid) == Literal("12345")
    assert graph.value(ref, DCTERMS.source) == URIRef("https://example.org/list")


def test_a_reference_identifier_needs_its_source(data_copy: Path) -> None:
    table = data_copy / PUB / "references.csv"
    table.write_text(table.read_text(encoding="utf-8") + f"50,,,,,{FAKE_DOI},,,\n")
    with pytest.raises(TableError) as caught:
        read_sources(data_copy)
    assert "references.csv:2" in str(caught.value) and "source_url" in str(caught.value)


def test_a_cited_number_links_to_the_paper_and_a_status_is_dated() -> None:
    cite_iri = BASE + f"publication/{PUB}/reference/50"
    books = Bibliography(
        {BASE + "publication/x": Record(BASE + "publication/x", "T", year="2013")},
        {cite_iri: Cite("50", "https://doi.org/" + FAKE_DOI, "Hsu CH. A paper")},
    )
    records = {"ev": {"quote": "q", "cites": {cite_iri, BASE + f"publication/{PUB}/reference/7"}}}
    use = Quotes(records, lambda c: books.cite(c, "/local/" + c.rsplit("/", 1)[-1])).use("ev")
    assert use is not None
    assert [(c.number, c.href) for c in use.quote.cites] == [
        ("7", "/local/7"),  # not resolved: the reference's own page here
        ("50", "https://doi.org/" + FAKE_DOI),
    ]
    assert status_text("ongoing", books.year) == "ongoing (as of the review, 2013)"
    assert status_text("ongoing", "") == "ongoing (as of the review)"
    assert status_text("completed", "2013") == "completed"
