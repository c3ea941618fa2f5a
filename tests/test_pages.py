"""The HTML pages as a reader sees them: labels, not IRIs; links only where they are safe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from sorakg.pipeline.build import Built
from sorakg.release import summaries
from sorakg.server.labels import Linker
from sorakg.sparql import catalogue
from tests.constants import BASE, SK
from tests.helpers import app_client

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(reasoned_graph_file: Path) -> Iterator[TestClient]:
    with app_client(reasoned_graph_file) as test_client:
        yield test_client


def _cells(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<td>(.*?)</td>", body, flags=re.S)


def test_named_query_page_shows_labelled_links(client: TestClient) -> None:
    html = client.get("/queries/second-line-options", headers=HTML).text
    cells = _cells(html)
    # the drug and the trial are links whose text is the label, with the IRI as the tooltip
    assert (
        '<a href="/drug/axitinib" title="https://w3id.org/sorakg/drug/axitinib">Axitinib</a>'
        in (cells)
    )
    assert any(">Axitinib (second line)</a>" in cell for cell in cells)
    assert "phase II" in cells and "ongoing" in cells
    # no cell shows a full IRI as its text, and the label column beside an IRI column is gone
    assert not [c for c in cells if re.search(r">https?://", c)]
    assert "<th" in html and ">drug label<" not in html
    heads = re.findall(r'<th title="\?(\w+)">', html)
    assert "drug" in heads and "drugLabel" not in heads


def test_query_page_gets_labels_for_its_results(client: TestClient) -> None:
    labels = client.get("/labels.json").json()
    assert labels[BASE + "drug/sorafenib"] == "Sorafenib"
    assert labels["https://w3id.org/sorakg/ontology#PhaseII"] == "phase II"
    page = client.get("/query", headers=HTML).text
    assert '"drug": "https://w3id.org/sorakg/drug/"' in page  # the prefixes YASGUI shortens with


def test_only_web_iris_become_links() -> None:
    link = Linker({BASE + "drug/x": "X"}, catalogue.prefixes_for(BASE), BASE)
    assert str(link(BASE + "drug/x")) == f'<a href="/drug/x" title="{BASE}drug/x">X</a>'
    assert str(link("https://example.org/a")).startswith('<a href="https://example.org/a"')
    hostile = str(link("javascript:alert(1)"))
    assert "<a" not in hostile and "href" not in hostile
    assert str(link.cell({"type": "literal", "value": "<b>"})) == "&lt;b&gt;"
    # no label: the CURIE
    assert ">drug:y</a>" in str(link(BASE + "drug/y"))


def test_a_missing_prefix_is_declared_or_named(client: TestClient) -> None:
    # sk: is the project's own prefix: the query runs without its PREFIX line
    no_prefix = "SELECT ?d WHERE { ?d a sk:Drug } LIMIT 1"
    answer = client.get("/sparql", params={"query": no_prefix, "format": "json"})
    assert answer.status_code == 200, answer.text
    # an unknown prefix is named, on one line, without the parser's Unicode ranges
    unknown = client.get("/sparql", params={"query": "SELECT * WHERE { ?s foo:p ?o }"})
    assert unknown.status_code == 400
    assert unknown.text.startswith("bad query: error at 1:")
    assert "undeclared prefix 'foo:'" in unknown.text
    assert "\\u{" not in unknown.text and "\n" not in unknown.text.strip()


def test_trial_page_shows_its_outcome_figures(client: TestClient) -> None:
    html = client.get("/trial/NCT00988741", headers=HTML).text
    outcomes = html.split('id="outcomes"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", outcomes, flags=re.S)[1:]
    cells = [
        re.sub(r"<[^>]+>", "", "|".join(re.findall(r"<td[^>]*>(.*?)</td>", r, re.S))) for r in rows
    ]
    # "median TTP was 1.6 months for tivantinib and 1.4 months for placebo … MET-high: 2.7 vs 1.4"
    for expected in (
        "Tivantinib (both doses)|time to progression|median|1.6|month||",
        "Placebo|time to progression|median|1.4|month||",
        "Tivantinib (both doses)|time to progression|median|2.7|month|MET-high|",
    ):
        assert any(c.startswith(expected) for c in cells), (expected, cells)
    # each figure beside the sentence or table cell it was read from
    assert all('class="quote"' in r or 'class="same-quote"' in r for r in rows)
    assert html.index('id="outcomes"') < html.index('id="facts"')


def test_drug_page_evidence_first_every_node_named(client: TestClient) -> None:
    html = client.get("/drug/sorafenib", headers=HTML).text
    # what a pharmacologist comes for first: actions, classes, resistance, biomarkers, trials
    order = ['id="actions"', 'id="classes"', 'id="mechanisms"', 'id="biomarkers"',
             'id="trials"', 'id="facts"', 'id="why"']  # fmt: skip
    assert [html.index(anchor) for anchor in order] == sorted(html.index(a) for a in order)
    # explanations are collapsed, each conclusion once; each quoted sentence written once
    assert "<pre" not in html
    summaries = re.findall(r'<details class="explanation"><summary>(.*?)</summary>', html)
    assert summaries and len(summaries) == len(set(summaries))
    quotes = re.findall(r'<details class="quote" id="q\d+">.*?<blockquote>(.*?)</blockquote>',
                        html, re.S)  # fmt: skip
    assert len(quotes) > 10 and len(quotes) == len(set(quotes))
    # the publication's title is not repeated per statement: once, under "Source"
    title = "Mechanisms of resistance to sorafenib and the strategies to overcome it"
    assert html.count(title) == 1
    # arms say which trial they belong to; evidence records are not listed as slugs
    assert "Sorafenib (arm of " in html
    assert "resistanceto-sorafenib" not in html and "statement object" not in html
    # inferred facts are marked and kept apart
    assert 'class="facts outgoing inferred"' in html
    trials = html.split('id="trials"', 1)[1].split("</table>", 1)[0]
    assert ">SEARCH: sorafenib plus erlotinib vs sorafenib plus placebo<" in trials
    # an inferred class says which of the review's statements it rests on
    inferred = html.split('id="inferred-classes"', 1)[1].split("</table>", 1)[0]
    vegfr = next(r for r in inferred.split("<tr") if ">VEGFR inhibitor</a>" in r)
    assert "because" in vegfr and "Sorafenib inhibits VEGFR (stated) [3]" in vegfr
    # one row per study, its status dated as the review reports it
    assert trials.count(">SEARCH: sorafenib plus erlotinib") == 1
    assert "ongoing (as of the review" in trials


def test_unlabelled_findings_get_names(client: TestClient) -> None:
    html = client.get("/trial/sharp", headers=HTML).text
    incoming = html.split('id="incoming"', 1)[1].split("</table>", 1)[0]
    texts = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<tr><td>(.*?)</td>", incoming)]
    assert texts and not [t for t in texts if re.fullmatch(r"[a-z0-9-]+", t)]  # no slugs
    assert len(set(texts)) == len(texts)  # two findings no longer both read "sharp-os"


def test_a_javascript_iri_is_never_a_link() -> None:
    import pyoxigraph as ox

    from sorakg.server.entity_view import entity_view

    me = ox.NamedNode(BASE + "drug/x")
    triples = [
        ox.Triple(me, ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch"),
                  ox.NamedNode("javascript:alert(1)")),
        ox.Triple(me, ox.NamedNode("https://w3id.org/sorakg/ontology#p"),
                  ox.NamedNode("javascript:alert(2)")),
    ]  # fmt: skip
    view = entity_view(me.value, triples, BASE, prefixes=catalogue.prefixes_for(BASE))
    assert all(not url.startswith("javascript:") for _, url in view.links)
    assert [o.href for _, o in view.outgoing] == [None, None]
    from sorakg.server.page import templates

    html = templates().get_template("entity.html").render(
        view=view, iri=me.value, request_path="/drug/x", why=None, outcomes=[], extras=[],
        trials=[], link=Linker({}, {}, BASE),
    )  # fmt: skip
    assert 'href="javascript:' not in html


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("sorafenib", "/drug/sorafenib"),  # the drug before the seven arms named "Sorafenib"
        ("NCT00988741", "/trial/NCT00988741"),  # a registry identifier
        ("CHEMBL1336", "/drug/sorafenib"),  # ChEMBL's sorafenib
        ("P40763", "/molecule/stat3"),  # UniProt's STAT3
        ("tumor hypoxia", "/mechanism/hypoxia"),  # a synonym
    ],
)
def test_search_finds_entities_by_name_synonym_and_identifier(
    client: TestClient, query: str, first: str
) -> None:
    found = client.get("/search", params={"q": query, "format": "json"}).json()
    assert found["entities"][0]["href"] == first, found["entities"][:3]


def test_search_finds_evidence_by_its_words_on_every_page(client: TestClient) -> None:
    found = client.get("/search", params={"q": "MK-2206"}, headers={"Accept": "application/json"})
    quotes = found.json()["evidence"]
    # "the resistance to sorafenib could be reversed by … Akt inhibitor MK-2206"
    assert quotes and all("mk-2206" in q["quote"].lower() for q in quotes)
    assert [q["score"] for q in quotes] == sorted((q["score"] for q in quotes), reverse=True)
    for path in ("/", "/queries", "/drug/sorafenib", "/outcomes", "/search?q=x"):
        html = client.get(path, headers=HTML).text
        assert '<form class="search" action="/search"' in html, path


def test_every_term_the_graph_uses_has_an_anchor_on_the_ontology_page(
    client: TestClient, reasoned: Built
) -> None:
    """Links from the pages go to /ontology#LocalName: each must land on its term (pyLODE
    names sections after labels, and leaves individuals such as PhaseII out)."""
    sk = "https://w3id.org/sorakg/ontology#"
    html = client.get("/ontology", headers=HTML).text
    ids = set(re.findall(r'id="([^"]+)"', html))
    used = {
        str(term)[len(sk) :]
        for graph in reasoned.graphs.values()
        for triple in graph
        for term in triple
        if str(term).startswith(sk)
    }
    assert len(used) > 200
    assert sorted(used - ids) == []
    assert {"VEGFRInhibitor", "PhaseII", "Ongoing", "AuthorStatement", "Month"} <= ids
    assert '<header class="site">' in html and 'href="/queries"' in html


def test_named_query_page_takes_names_and_keeps_the_form(client: TestClient) -> None:
    # the identifier, the path and the label name the trial as well as its CURIE
    for value in ("NCT00988741", "trial/NCT00988741", "trial:NCT00988741"):
        page = client.get("/queries/trial-outcomes", params={"trial": value}, headers=HTML)
        assert page.status_code == 200, page.text
        assert "<td>Tivantinib (both doses)</td>" in page.text
    # a mistyped one: 400, the message with the near name, and the form still there
    wrong = client.get("/queries/trial-outcomes", params={"trial": "NCT0098874"}, headers=HTML)
    assert wrong.status_code == 400
    assert "did you mean trial:NCT00988741" in wrong.text
    assert '<form method="get" action="/queries/trial-outcomes"' in wrong.text
    assert 'value="NCT0098874"' in wrong.text
    typo = client.get("/queries/second-line-option", headers=HTML)
    assert typo.status_code == 404 and "did you mean 'second-line-options'" in unescape(typo.text)
    assert 'href="/queries/second-line-options"' in typo.text  # the page links the near name


def test_drug_page_says_what_it_acts_on_with_evidence(client: TestClient) -> None:
    html = client.get("/drug/sorafenib", headers=HTML).text
    actions = html.split('id="actions"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", actions, re.S)[1:]
    text = [re.sub(r"<[^>]+>", "", r) for r in rows]
    # "inhibiting vascular endothelial growth factor receptor (VEGFR), … Ret and c-kit[3]"
    assert any(t.startswith("inhibitsRet") for t in text), text
    assert any(t.startswith("activatesAkt") for t in text)
    assert any(t.startswith("has no effect onJAK2") for t in text)
    # every statement has its quote beside it: written out, or pointing at the same sentence
    assert all('class="quote"' in r or 'class="same-quote"' in r for r in rows)
    assert html.index('id="actions"') < html.index('id="facts"')


def test_a_disputed_statement_is_marked_and_the_curators_reading_is_not(
    client: TestClient,
) -> None:
    """ "VEGFR inhibitor (bevacizumab)": the review's statement is shown as disputed with the
    curator's reason; the curator's reading (binds VEGF), read from the same sentence, is not."""
    html = client.get("/drug/bevacizumab", headers=HTML).text
    actions = html.split('id="actions"', 1)[1].split("</table>", 1)[0]
    inhibits = next(r for r in re.findall(r'<tr class="([^"]*)">(.*?)</tr>', actions, re.S)
                    if ">VEGFR</a>" in r[1])  # fmt: skip
    binds = next(r for r in re.findall(r'<tr class="([^"]*)">(.*?)</tr>', actions, re.S)
                 if ">VEGF</a>" in r[1])  # fmt: skip
    assert inhibits[0] == "disputed" and "Curator:" in inhibits[1]
    assert "binds VEGF-A" in unescape(inhibits[1])
    assert binds[0] == "" and "Disputed" not in binds[1]
    # the network draws the disputed statement faded, the reading plainly
    assert 'class="edge rel-inhibits disputed"' in html and 'class="edge rel-binds"' in html


def test_a_statement_shows_how_many_records_state_it_and_its_first_quote(
    client: TestClient, store: ox.Store
) -> None:
    """Sorafenib's actions, one row per statement: how many evidence records state it (the
    build-time summaries, in every graph: disputed statements are listed too) and, beside
    it, the quotes of its first records in IRI order."""
    records: dict[str, list[str]] = {}
    for row in store.query(
        f"SELECT ?o ?ev WHERE {{ GRAPH ?g {{ ?ev <{SK}evidenceFor> <{BASE}drug/sorafenib> ;"
        f" <{SK}statementPredicate> <{SK}inhibits> ; <{SK}statementObject> ?o }} }}"
    ):
        records.setdefault(row["o"].value, []).append(row["ev"].value)  # type: ignore[index]
    quotes = {
        row["ev"].value: row["q"].value  # type: ignore[index]
        for row in store.query(f"SELECT ?ev ?q WHERE {{ GRAPH ?g {{ ?ev <{SK}quote> ?q }} }}")
    }
    html = client.get("/drug/sorafenib", headers=HTML).text
    pattern = r'<details class="quote" id="q(\d+)">.*?<blockquote>(.*?)</blockquote>'
    numbered = {n: unescape(text) for n, text in re.findall(pattern, html, re.S)}
    actions = html.split('id="actions"', 1)[1].split("</table>", 1)[0]
    checked = 0
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", actions, re.S):
        if "rel-inhibits" not in row:
            continue
        target = re.search(r'<a href="/([^"]+)">', row)
        assert target is not None
        evs = sorted(set(records[BASE + target.group(1)]))
        shown = re.search(r'data-records="(\d+)"', row)
        assert shown is not None and int(shown.group(1)) == len(evs)
        beside = {numbered[n] for n in re.findall(r'(?:id="q|href="#q)(\d+)"', row)}
        assert beside == {quotes[ev] for ev in evs[: summaries.STATEMENT_RECORDS]}
        checked += 1
    assert checked == len(records) > 1
