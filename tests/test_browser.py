"""The query page in a real headless Chromium (Debian's package, driven by playwright):
type a query, run it, see the rows; every request stays on this server (no CDN)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page
from rdflib import Graph, URIRef

from sorakg.sparql.catalogue import list_queries
from tests.browser_fixtures import ARTEFACTS, WIDTH
from tests.constants import RDFS_LABEL, SK

pytestmark = pytest.mark.browser  # Chromium through playwright

QUERY = (
    f"SELECT ?drug ?label WHERE {{ ?drug a <{SK}Drug> ; <{RDFS_LABEL}> ?label }} ORDER BY ?label"
)


def test_type_a_query_run_it_and_see_the_rows(
    browser_server: str, browser_page: tuple[Page, list[str]], union: Graph, tmp_path: Path
) -> None:
    page, outside = browser_page
    page.goto(browser_server + "/query")
    page.wait_for_selector(".CodeMirror")
    # type the query into the editor, as a person would
    page.click(".CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.evaluate("window.sorakgYasgui.getTab().getYasqe().setValue('')")
    page.keyboard.type(QUERY)
    typed = page.evaluate("window.sorakgYasgui.getTab().getYasqe().getValue()")
    assert "ORDER BY ?label" in typed
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr", timeout=20_000)
    cells = page.locator(".yasr table tbody tr").all_inner_texts()
    drugs = {
        str(label)
        for drug in union.subjects(URIRef(RDF_TYPE), URIRef(SK + "Drug"))
        for label in union.objects(drug, URIRef(RDFS_LABEL))
    }
    assert len(cells) == len(drugs) > 3
    assert all(any(label in row for row in cells) for label in drugs)
    # the drug IRIs in the table open this server's pages
    hrefs = page.locator(".yasr table tbody a").evaluate_all("links => links.map(a => a.href)")
    assert any(href.startswith(browser_server + "/drug/") for href in hrefs), hrefs[:3]
    # IRIs read as their labels ("Sorafenib"), literals without their language tag
    texts = page.locator(".yasr table tbody a.iri").all_inner_texts()
    assert "Sorafenib" in texts and not [t for t in texts if "://" in t or "@en" in t]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "query-results.png"))
    assert outside == []


def test_example_picker_and_download_link(
    browser_server: str, browser_page: tuple[Page, list[str]]
) -> None:
    page, outside = browser_page
    page.goto(browser_server + "/query")
    page.wait_for_selector(".CodeMirror")
    options = page.locator("#examples option").count()
    assert options == 1 + len(list_queries())  # the placeholder, plus one per queries/*.rq
    link = page.locator("a.download[data-format=csv]")
    link.dispatch_event("click")
    href = link.get_attribute("href") or ""
    assert href.startswith(browser_server + "/sparql?query=") and href.endswith("format=csv")
    assert outside == []


def test_entity_page_renders(browser_server: str, browser_page: tuple[Page, list[str]]) -> None:
    page, outside = browser_page
    page.goto(browser_server + "/drug/sorafenib")
    assert page.locator("h1").inner_text() == "Sorafenib"
    assert page.locator("#actions details.quote").count() > 0
    assert outside == []


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


PAGE_KINDS = {
    "home": "/",
    "query-page": "/query",
    "named-queries": "/queries",
    "named-query": "/queries/second-line-options",
    "drug": "/drug/sorafenib",
    "trial": "/trial/ref50-doxorubicin-sorafenib",
    "trial-with-subgroups": "/trial/NCT00988741",
    "mechanism": "/mechanism/jak-stat-activation",
    "molecule": "/molecule/met",
    "pathway": "/pathway/jak-stat",
    "outcomes": "/outcomes",
    "search": "/search?q=MET",
}


@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_every_page_kind_fits_the_window(
    browser_server: str, browser_page: tuple[Page, list[str]], kind: str
) -> None:
    """Each kind of page renders, fits a 1,400 px window (no 3,000 px tables or quotes), and
    leaves a full-page screenshot and its size in build/test-artefacts/browser/."""
    page, outside = browser_page
    response = page.goto(browser_server + PAGE_KINDS[kind])
    assert response is not None and response.status == 200, kind
    assert page.locator("header.site nav a[href='/outcomes']").count() == 1
    width, height = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert width <= WIDTH, f"{kind} is {width} px wide"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"wide-{kind}.png"), full_page=True)
    sizes = ARTEFACTS / "page-sizes.tsv"
    with sizes.open("a", encoding="utf-8") as log:
        log.write(f"{kind}\t{PAGE_KINDS[kind]}\t{width}\t{height}\n")
    assert outside == []


def test_trial_chart_draws_each_median(
    browser_server: str, browser_page: tuple[Page, list[str]]
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/trial/ref50-doxorubicin-sorafenib")
    bars = page.locator("svg.chart.bars rect.bar")
    # Table 1: doxorubicin plus sorafenib vs doxorubicin: OS 13.7 vs 6.5, PFS 6.0 vs 2.7,
    # TTP 6.4 vs 2.8 months
    values = sorted(float(v) for v in bars.evaluate_all("bs => bs.map(b => b.dataset.value)"))
    assert values == [2.7, 2.8, 6.0, 6.4, 6.5, 13.7]
    labels = page.locator("svg.chart.bars text.bar-label").all_text_contents()
    assert labels.count("Doxorubicin plus sorafenib") == 3
    # the longest bar is the longest value: drawn to scale
    widths = bars.evaluate_all("bs => bs.map(b => [b.dataset.value, b.getBBox().width])")
    assert max(widths, key=lambda w: float(w[1]))[0] == "13.7"


def test_outcomes_across_trials(browser_server: str, browser_page: tuple[Page, list[str]]) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/outcomes")
    charts = page.locator("svg.chart.bars")
    assert charts.count() == 3  # OS, TTP, PFS
    os_chart = charts.nth(0)
    assert "overall survival" in (os_chart.locator("title").first.text_content() or "").lower()
    labels = os_chart.locator("text.bar-label").all_text_contents()
    studies = os_chart.locator("text.study").all_text_contents()
    assert any(s.startswith("Doxorubicin plus sorafenib vs doxorubicin") for s in studies)
    assert {"Doxorubicin plus sorafenib", "Doxorubicin plus placebo"} <= set(labels)
    assert os_chart.locator("rect.bar").count() == len(labels) >= 8


def test_neighbourhood_network(browser_server: str, browser_page: tuple[Page, list[str]]) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/mechanism/jak-stat-activation")
    network = page.locator("svg.chart.network")
    assert network.count() == 1
    names = network.locator("text.node-label").all_text_contents()
    # "dovitinib … could reverse the acquired resistance to sorafenib" via JAK-STAT; p-STAT3 up
    assert {"Sorafenib", "Dovitinib", "JAK-STAT pathway", "p-STAT3"} <= set(names)
    assert network.locator("circle.node").count() == len(names)
    assert network.locator("line.edge").count() == len(names)
    page.click("svg.chart.network a:has(text:text-is('Dovitinib'))")
    assert page.locator("h1").inner_text() == "Dovitinib"


def test_example_description_goes_when_the_query_is_edited(
    browser_server: str, browser_page: tuple[Page, list[str]]
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/query")
    page.wait_for_selector(".CodeMirror")
    page.select_option("#examples", index=1)
    assert page.locator("#example-description").inner_text() != ""
    query = page.evaluate("window.sorakgYasgui.getTab().getYasqe().getValue()")
    assert not query.startswith("#+")  # the library's TOML header stays out of the editor
    page.evaluate("window.sorakgYasgui.getTab().getYasqe().setValue('SELECT * WHERE { ?s ?p ?o }')")
    assert page.locator("#example-description").inner_text() == ""
