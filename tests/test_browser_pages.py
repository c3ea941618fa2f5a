"""What each kind of page says, read in a real browser (Debian's Chromium, driven by
playwright): the drug's network against the graph, a quote beside each statement, the arms on
the outcome chart, the home page's counts, the error page's did-you-mean, and every page kind
at a phone's width. Each test leaves its screenshots in build/screenshots/ (not in git)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page
from rdflib import Graph, Namespace, URIRef

from tests.browser_fixtures import ARTEFACTS

SK = Namespace("https://w3id.org/sorakg/ontology#")
BASE = "https://w3id.org/sorakg/"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ACTIONS = {"inhibits", "binds", "activates", "upregulates", "downregulates", "regulates",
           "hasNoEffectOn"}  # fmt: skip
PHONE = 390


def shot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def stated(graph: Graph, subject: str) -> set[tuple[str, str]]:
    """(relation, object path) of every drug action the review states of ``subject``: the
    relations its evidence records are for, in any graph (disputed ones included)."""
    found = set()
    for ev in graph.subjects(SK.evidenceFor, URIRef(BASE + subject)):
        relation, obj = graph.value(ev, SK.statementPredicate), graph.value(ev, SK.statementObject)
        if relation is not None and str(relation).removeprefix(str(SK)) in ACTIONS:
            found.add((str(relation).removeprefix(str(SK)), "/" + str(obj).removeprefix(BASE)))
    return found


def edges(page: Page) -> list[dict[str, str]]:
    return page.locator("svg.network line.edge").evaluate_all(
        "ls => ls.map(l => ({relation: l.dataset.relation, node: l.dataset.node,"
        " direction: l.dataset.direction, title: l.querySelector('title').textContent}))"
    )


def row_named(page: Page, section: str, name: str) -> Locator:
    """The row of a section's table whose first cell reads ``name`` exactly."""
    first = page.locator("td:first-child", has_text=re.compile(f"^{re.escape(name)}$"))
    return page.locator(f"#{section} tbody tr").filter(has=first).first


def quote_of(page: Page, row: str | Locator) -> str:
    """The quote beside a table row: written in the row, or the one its link points back to."""
    found = page.locator(row) if isinstance(row, str) else row
    cell = found.locator("td.evidence").first
    same = cell.locator("p.same-quote a")
    if same.count():
        target = (same.first.get_attribute("href") or "").lstrip("#")
        return page.locator(f"details#{target} blockquote").text_content() or ""
    return cell.locator("details.quote blockquote").first.text_content() or ""


def test_drug_page_network_draws_what_the_graph_states(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
    union: Graph,
) -> None:
    page, outside = browser_page
    page.goto(browser_server + "/drug/sorafenib")
    drawn = edges(page)
    outward = {(e["relation"], e["node"]) for e in drawn if e["direction"] == "out"}
    actions = {pair for pair in outward if pair[0] in ACTIONS}
    # every stated action is drawn with its relation, and nothing else is drawn as one
    assert actions == stated(union, "drug/sorafenib")
    for target in ("vegfr", "raf1", "kit", "ret"):  # the direct kinase targets the review names
        assert ("inhibits", f"/molecule/{target}") in actions
    assert ("hasNoEffectOn", "/molecule/jak2") in actions
    assert not {("inhibits", "/molecule/jak2"), ("inhibits", "/molecule/akt")} & actions
    assert ("activates", "/molecule/akt") in actions
    # an edge says its statement; the inward ones are mechanisms of resistance to it
    vegfr = next(e for e in drawn if e["node"] == "/molecule/vegfr")
    assert vegfr["title"] == "Sorafenib inhibits VEGFR"
    for e in drawn:
        if e["direction"] == "in":
            assert e["relation"] == "resistanceTo"
            assert (URIRef(BASE + e["node"][1:]), SK.resistanceTo, URIRef(BASE + "drug/sorafenib"))\
                in union  # fmt: skip
    legend = page.locator("svg.network g.legend-item").evaluate_all(
        "gs => gs.map(g => g.dataset.relation)"
    )
    assert {e["relation"] for e in drawn} <= set(legend)
    assert {"inhibits", "hasNoEffectOn", "resistanceTo"} <= set(legend)
    # each action in the table has its quote beside it, and the quote says it
    vegfr_row = "#actions tr:has(td a[href='/molecule/vegfr'])"
    assert "(VEGFR)" in quote_of(page, vegfr_row)
    jak2_row = "#actions tr:has(td a[href='/molecule/jak2'])"
    assert "no effect on JAK2" in quote_of(page, jak2_row)
    rows = page.locator("#actions tbody tr")
    assert rows.count() == len(actions)
    for i in range(rows.count()):
        cell = rows.nth(i).locator("td.evidence")
        assert cell.locator("details.quote, p.same-quote").count() >= 1
    # the page's other answers: resistance, biomarkers, trials with a dated status
    mechanisms = page.locator("#mechanisms tbody tr").all_inner_texts()
    assert any("Compensatory activation of the PI3K/Akt pathway" in m for m in mechanisms)
    assert page.locator("#biomarkers tbody tr").count() >= 5
    search = page.locator("#trials tr:has-text('SEARCH: sorafenib plus erlotinib')").inner_text()
    assert "missed" in search and "ongoing (as of the review" in search
    shot(page, "drug")
    assert outside == []


def test_mechanism_page_shows_observations_and_reversals_with_quotes(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/mechanism/pi3k-akt-activation")
    agents = page.locator("#reversals tbody tr td:first-child").all_inner_texts()
    assert set(agents) == {"MK-2206", "Gene knockdown of Akt"}
    for agent in ("MK-2206", "Gene knockdown of Akt"):
        quote = quote_of(page, row_named(page, "reversals", agent))
        assert "Akt inhibitor MK-2206" in quote
    observed = page.locator("#observations tbody tr td:first-child").all_inner_texts()
    assert {"Akt", "Phosphorylated Akt", "p85"} <= set(observed)
    for name in ("Akt", "Phosphorylated Akt", "p85"):
        assert quote_of(page, row_named(page, "observations", name))
    assert "none" not in page.locator("#observations").inner_text()
    # the reversing agents are drawn as reversing it, the drug as what it resists
    drawn = {(e["relation"], e["node"], e["direction"]) for e in edges(page)}
    assert ("reverses", "/drug/mk-2206", "in") in drawn
    assert ("resistanceTo", "/drug/sorafenib", "out") in drawn
    # each quoted sentence is written out once on the page
    texts = page.locator("details.quote blockquote").all_text_contents()
    assert len(texts) == len(set(texts))
    shot(page, "mechanism")


def test_trial_page_says_design_endpoint_and_arms(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/trial/NCT00901901")
    summary = page.locator("dl.summary").inner_text()
    assert "phase III" in summary and "randomized" in summary
    assert "ongoing (as of the review" in summary
    endpoint = page.locator("#endpoint tbody tr").first
    assert "missed" in endpoint.inner_text()
    assert "did not show" in quote_of(page, "#endpoint tbody tr")
    arms = set(page.locator("#arms tbody tr td:first-child").all_inner_texts())
    assert arms == {"Sorafenib plus erlotinib", "Sorafenib plus placebo"}
    labels = page.locator("svg.chart.bars text.bar-label").all_text_contents()
    assert {"Sorafenib plus erlotinib", "Sorafenib plus placebo"} <= set(labels)
    # where the review's text and its table disagree, the page says so, with no file names
    assert page.locator("#discrepancies tbody tr").count() >= 1
    assert ".csv" not in page.locator("main").inner_text()
    shot(page, "trial")


def test_biomarker_and_molecule_pages_state_their_findings(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/biomarker/jnk-activity")
    rows = page.locator("#associations tbody tr")
    text = rows.all_inner_texts()
    assert {t.split("\t")[0] for t in text} == {"OS", "TTP", "response"}
    assert all("negative" in t and "39" in t for t in text)
    assert "JNK activation was correlated" in quote_of(page, "#associations tbody tr")
    shot(page, "biomarker")
    page.goto(browser_server + "/molecule/stat3")
    assert page.locator("p.kind").inner_text().lower() == "molecule"
    sorafenib = "#acted-on tr:has(td a[href='/drug/sorafenib'])"
    assert "inhibits" in page.locator(sorafenib).first.inner_text()
    assert "STAT3" in quote_of(page, sorafenib)
    drawn = {(e["relation"], e["node"], e["direction"]) for e in edges(page)}
    assert ("inhibits", "/drug/sorafenib", "in") in drawn
    shot(page, "molecule")


def test_outcome_chart_names_every_arm_under_its_study_and_design(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/outcomes")
    for chart in page.locator("svg.chart.bars").all():
        bars = chart.locator("rect.bar").evaluate_all(
            "bs => bs.map(b => [b.dataset.study, b.dataset.arm])"
        )
        shown = chart.locator("text.bar-label").all_text_contents()
        assert shown == [arm for _, arm in bars]  # the arm in full, never cut
        assert not [label for label in shown if label.endswith("…")]
        by_study: dict[str, list[str]] = {}
        for study, arm in bars:
            by_study.setdefault(study, []).append(arm)
        for study, arms in by_study.items():  # two arms of one trial never read alike
            assert len(arms) == len(set(arms)), study
    os_chart = page.locator("svg.chart.bars").first
    headings = os_chart.locator("text.design").all_text_contents()
    assert headings[0] == "randomised" and "retrospective" in headings
    text = os_chart.text_content() or ""
    # SEARCH is randomised; the retrospective series is not ranked beside it
    assert text.index("randomised") < text.index("SEARCH") < text.index("single-arm")
    assert text.index("retrospective") < text.index("Gemcitabine plus oxaliplatin")
    arms = set(os_chart.locator("text.bar-label").all_text_contents())
    assert {"Sorafenib plus erlotinib", "Sorafenib plus placebo", "Doxorubicin plus sorafenib",
            "Doxorubicin plus placebo"} <= arms  # fmt: skip
    shot(page, "outcomes")


def test_home_page_says_what_is_inside(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
    union: Graph,
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/")
    counts = dict(
        reversed(item.split(" ", 1))
        for item in page.locator("ul.counts li").all_inner_texts()
    )  # fmt: skip
    drugs = set(union.subjects(RDF_TYPE, SK.Drug))
    assert counts["drugs"] == str(len(drugs))
    mechanisms = set(union.subjects(RDF_TYPE, SK.ResistanceMechanism))
    assert counts["resistance mechanisms"] == str(len(mechanisms))
    starts = page.locator("ol.start a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert starts == ["/drug/sorafenib", "/mechanism/pi3k-akt-activation", "/outcomes"]
    assert "sk:Reversal" in page.locator("pre.sparql").inner_text()
    groups = page.locator("#questions h3").all_inner_texts()
    assert groups[0] == "Drugs and what they act on" and groups[-1] == "Curators' checks"
    checks = page.locator("#questions ul").last.inner_text()
    assert "without a reference number" in checks  # curators' checks kept apart
    shot(page, "home")
    page.click("ol.start a[href='/mechanism/pi3k-akt-activation']")
    assert page.locator("h1").inner_text() == "Compensatory activation of the PI3K/Akt pathway"


def test_error_page_offers_the_near_names_and_a_search(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
) -> None:
    page, _ = browser_page
    response = page.goto(browser_server + "/drug/sorafenibb")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert page.locator("header.site nav a[href='/outcomes']").count() == 1
    assert page.locator("ul.did-you-mean a").first.get_attribute("href") == "/drug/sorafenib"
    assert page.locator("form.search-again input[name=q]").input_value() == "sorafenibb"
    shot(page, "error-404")
    page.click("ul.did-you-mean a >> nth=0")
    assert page.locator("h1").inner_text() == "Sorafenib"


PHONE_PAGES = {
    "home": "/",
    "drug": "/drug/sorafenib",
    "mechanism": "/mechanism/pi3k-akt-activation",
    "trial": "/trial/NCT00901901",
    "biomarker": "/biomarker/jnk-activity",
    "molecule": "/molecule/stat3",
    "outcomes": "/outcomes",
    "error-404": "/drug/sorafenibb",
    "named-query": "/queries/second-line-options",
}


@pytest.mark.parametrize("kind", list(PHONE_PAGES))
def test_every_page_kind_reads_on_a_phone(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
    kind: str,
) -> None:
    """At 390 px the page does not scroll sideways (wide tables scroll inside themselves) and
    the navigation is on screen."""
    page, _ = browser_page
    page.set_viewport_size({"width": PHONE, "height": 844})
    try:
        page.goto(browser_server + PHONE_PAGES[kind])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE, f"{kind} is {width} px wide at {PHONE} px"
        nav = page.locator("header.site nav a[href='/outcomes']").bounding_box()
        assert nav is not None and nav["x"] + nav["width"] <= PHONE
        shot(page, f"phone-{kind}")
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})


def test_the_ontology_contents_leave_the_navigation_visible(
    browser_server: str,
    browser_page: tuple[Page, list[str]],
) -> None:
    page, _ = browser_page
    page.goto(browser_server + "/ontology")
    for link in page.locator("header.site nav a").all():
        box = link.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = page.evaluate(f"document.elementFromPoint({x}, {y}).closest('a')?.href")
        assert on_top == link.evaluate("a => a.href"), f"{on_top} covers the navigation"
    page.screenshot(path=str(Path(ARTEFACTS / "ontology.png")))
