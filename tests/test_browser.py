"""The query page in a real headless Chromium (Debian's package, driven by playwright):
type a query, run it, see the rows; every request stays on this server (no CDN)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from rdflib import Graph, URIRef

from sorakg.settings import Settings
from tests.test_server_helpers import RDFS_LABEL, SK, running_server

CHROMIUM = "/usr/bin/chromium"
QUERY = (
    f"SELECT ?drug ?label WHERE {{ ?drug a <{SK}Drug> ; <{RDFS_LABEL}> ?label }} ORDER BY ?label"
)


@pytest.fixture(scope="module")
def server(graph_file: Path) -> Iterator[str]:
    with running_server(Settings(), graph_file, workers=1) as url:
        yield url


@pytest.fixture(scope="module")
def browser_page(server: str) -> Iterator[tuple[Page, list[str]]]:
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()

        def only_local(route, request):  # type: ignore[no-untyped-def]
            if request.url.startswith(server) or request.url.startswith("data:"):
                route.continue_()
            else:  # the page must work offline: anything else is recorded and refused
                outside.append(request.url)
                route.abort()

        page.route("**/*", only_local)
        yield page, outside
        browser.close()


def test_type_a_query_run_it_and_see_the_rows(
    server: str, browser_page: tuple[Page, list[str]], union: Graph, tmp_path: Path
) -> None:
    page, outside = browser_page
    page.goto(server + "/")
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
    assert any(href.startswith(server + "/drug/") for href in hrefs), hrefs[:3]
    # IRIs read as their labels ("Sorafenib"), literals without their language tag
    texts = page.locator(".yasr table tbody a.iri").all_inner_texts()
    assert "Sorafenib" in texts and not [t for t in texts if "://" in t or "@en" in t]
    page.screenshot(path=str(tmp_path / "query-page.png"))
    assert outside == []


def test_example_picker_and_download_link(
    server: str, browser_page: tuple[Page, list[str]]
) -> None:
    page, outside = browser_page
    page.goto(server + "/")
    page.wait_for_selector(".CodeMirror")
    options = page.locator("#examples option").count()
    assert options >= 1  # the placeholder, plus one per queries/*.rq
    link = page.locator("a.download[data-format=csv]")
    link.dispatch_event("click")
    href = link.get_attribute("href") or ""
    assert href.startswith(server + "/sparql?query=") and href.endswith("format=csv")
    assert outside == []


def test_entity_page_renders(server: str, browser_page: tuple[Page, list[str]]) -> None:
    page, outside = browser_page
    page.goto(server + "/drug/sorafenib")
    assert page.locator("h1").inner_text() == "Sorafenib"
    assert page.locator("ol.evidence li").count() > 0
    assert outside == []


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
