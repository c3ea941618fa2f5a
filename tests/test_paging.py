"""Paged listings: pages of a named query never overlap and, read in order, give its whole
answer; the first page of the project's own graph is the whole answer; the endpoint links the
pages and the CLI says how to ask for the next; bad paging arguments are refused by name."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sorakg.cli.app import app
from sorakg.settings import Settings
from sorakg.sparql import catalogue as ql
from sorakg.sparql.paging import Page
from tests.helpers import PREFIXES, app_client

PAGED = [query for query in ql.list_queries() if query.page_size is not None]
CAP = 40  # the test server's max_page_size


def _rows(store: ox.Store, query: ql.NamedQuery, page: Page | None, **raw: str) -> list[tuple]:
    columns, rows = ql.rows(ql.run_named(store, query, raw, PREFIXES, page=page))
    return [tuple(str(row[c]) for c in columns) for row in rows]


def _all_pages(store: ox.Store, query: ql.NamedQuery, size: int, **raw: str) -> list[tuple]:
    joined: list[tuple] = []
    for number in range(1, 10_000):
        page = _rows(store, query, Page(number, size), **raw)
        joined += page
        if len(page) < size:  # a page has at least as many rows as items: the last one
            return joined
    raise AssertionError("no last page")


def test_the_listings_are_paged() -> None:
    assert {q.name for q in PAGED} >= {"curator-readings", "drugs", "trials", "molecule-links"}


@pytest.mark.parametrize("query", PAGED, ids=lambda q: q.name)
def test_the_first_page_of_the_project_graph_is_the_whole_answer(
    store: ox.Store, query: ql.NamedQuery
) -> None:
    whole = _rows(store, query, None)
    assert whole, "the project's graph answers every listing"
    assert _rows(store, query, ql.FIRST) == whole


@pytest.mark.parametrize("query", PAGED, ids=lambda q: q.name)
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(min_value=1, max_value=60))
def test_pages_read_in_order_are_the_whole_answer(
    store: ox.Store, query: ql.NamedQuery, size: int
) -> None:
    assert _all_pages(store, query, size) == _rows(store, query, None)


def test_pages_are_chosen_after_the_parameters(store: ox.Store) -> None:
    """The parameters are bound inside the sub-select that picks a page's items: a filtered
    listing's pages hold only matching items, and all of them."""
    trials = ql.load_query("trials")
    whole = _rows(store, trials, None, phase="sk:PhaseIII")
    assert 2 < len(whole) < len(_rows(store, trials, None))
    assert _all_pages(store, trials, 2, phase="sk:PhaseIII") == whole
    assert len(_rows(store, trials, Page(1, 2), phase="sk:PhaseIII")) == 2


def test_a_page_picks_its_items_before_their_labels() -> None:
    """LIMIT goes into the sub-select, before the OPTIONALs that label the items: a LIMIT on
    the outer query would label every item of the graph first."""
    query = ql.load_query("curator-readings")
    text = ql.bound_text(query, {}, Page(3, 10))
    limit = text.index("LIMIT 10 OFFSET 20")
    assert text.index("SELECT ?evidence") < limit < text.index("OPTIONAL")
    assert "LIMIT" not in ql.bound_text(query, {}, None)


def test_the_page_s_sub_select_may_join_sub_selects_of_its_own() -> None:
    """A sub-select inside the one that picks the items (a pattern read in one pass and
    joined, ``trials``) is allowed; the page is cut after the outer sub-select's ORDER BY."""
    query = ql.parse_query(
        '#+ title = "t"\n#+ description = "d"\n#+ page_size = 5\n'
        "SELECT ?s ?o WHERE { { SELECT ?s WHERE { ?s a ?c { SELECT ?s WHERE { ?s ?p ?x }"
        " ORDER BY ?x LIMIT 9 } } ORDER BY ?s } ?s ?q ?o }",
        "t",
    )
    text = ql.bound_text(query, {}, Page(2, 5))
    assert "ORDER BY ?s LIMIT 5 OFFSET 5 }" in text
    assert "ORDER BY ?x LIMIT 9 }" in text


@pytest.mark.parametrize(
    ("header", "body", "message"),
    [
        ("#+ page_size = 5\n", "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", "sub-select"),
        ("#+ page_size = 0\n", "SELECT ?s WHERE { ?s ?p ?o }", "page_size"),
        (
            '#+ page_size = 5\n#+ [params.o]\n#+ kind = "string"\n',
            "SELECT ?s ?o WHERE { { SELECT ?s WHERE { ?s ?p ?x } ORDER BY ?s } ?s ?p ?o }",
            "parameter 'o' is not used in the page's sub-select",
        ),
        ('#+ [params.page]\n#+ kind = "integer"\n', "SELECT ?page WHERE { ?s ?p ?page }", "page"),
        (  # the only ORDER BY is a nested sub-select's: the page's own items are unordered
            "#+ page_size = 5\n",
            "SELECT ?s WHERE { { SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s } } }"
            " ?s ?p ?o }",
            "sub-select",
        ),
    ],
)
def test_a_paged_query_is_checked_when_loaded(header: str, body: str, message: str) -> None:
    with pytest.raises(ql.QueryError, match=re.escape(message)):
        ql.parse_query('#+ title = "t"\n#+ description = "d"\n' + header + body, "t")


@pytest.mark.parametrize(
    ("page", "limit", "named"),
    [
        ("0", None, "page"),
        ("x", None, "page"),
        (None, "-1", "limit"),
        (None, "2.5", "limit"),
        (None, str(CAP + 1), "limit"),
    ],
)
def test_bad_paging_arguments_are_refused_by_name(
    page: str | None, limit: str | None, named: str
) -> None:
    with pytest.raises(ql.ParameterError, match=f"parameter '{named}'"):
        ql.page_of(ql.load_query("drugs"), page, limit, CAP)
    with pytest.raises(ql.ParameterError, match="parameter 'page': query 'summary' is not paged"):
        ql.page_of(ql.load_query("summary"), "2", None)


# --- the endpoint ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(reasoned_graph_file: Path) -> Iterator[TestClient]:
    with app_client(reasoned_graph_file, Settings(max_page_size=CAP)) as test_client:
        yield test_client


def _links(response: object) -> dict[str, str]:
    header = response.headers.get("link", "")  # type: ignore[attr-defined]
    return {rel: url for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', header)}


def test_pages_on_the_endpoint_link_to_each_other(client: TestClient) -> None:
    first = client.get("/queries/drugs", params={"limit": 10, "format": "csv"})
    assert first.status_code == 200, first.text
    rows = list(csv.DictReader(io.StringIO(first.text)))
    assert len(rows) == 10
    links = _links(first)
    assert set(links) == {"first", "next"}
    assert links["next"].endswith("/queries/drugs?format=csv&page=2&limit=10")
    pages, number = [rows], 2
    while "next" in links:
        url = urlsplit(links["next"])
        answer = client.get(f"{url.path}?{url.query}")
        links = _links(answer)
        assert links["prev"].endswith(f"page={number - 1}&limit=10")
        pages.append(list(csv.DictReader(io.StringIO(answer.text))))
        number += 1
    whole = client.get("/queries/drugs", params={"format": "csv", "limit": CAP}).text
    assert [row for page in pages for row in page] == list(csv.DictReader(io.StringIO(whole)))
    assert len(pages[-1]) < 10


def test_the_first_page_is_the_default_and_keeps_the_other_arguments(client: TestClient) -> None:
    answer = client.get("/queries/trials", params={"phase": "sk:PhaseIII", "limit": "2"})
    assert answer.status_code == 200
    assert "phase=sk%3APhaseIII" in _links(answer)["next"]
    # the query's own page size, lowered to max_page_size: the first CAP items
    default = client.get("/queries/molecule-links", params={"format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(default.text)))) == CAP
    assert _links(default)["next"].endswith(f"page=2&limit={CAP}")


@pytest.mark.parametrize(
    ("params", "named"),
    [({"page": "0"}, "page"), ({"limit": "many"}, "limit"), ({"limit": str(CAP + 1)}, "limit")],
)
def test_bad_paging_arguments_are_a_400_naming_them(
    client: TestClient, params: dict[str, str], named: str
) -> None:
    answer = client.get("/queries/drugs", params={**params, "format": "json"})
    assert answer.status_code == 400
    assert answer.text.startswith(f"parameter '{named}'") and "\n" not in answer.text.strip()
    unpaged = client.get("/queries/summary", params={"page": "2"})
    assert unpaged.status_code == 400 and "not paged" in unpaged.text


def test_the_html_page_links_the_next_page(client: TestClient) -> None:
    html = client.get("/queries/drugs", params={"limit": "5"}, headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert 'rel="next"' in html.text and "page=2&amp;limit=5" in html.text
    assert "page 1 (5 per page)" in html.text


def test_the_openapi_description_names_the_paging_arguments(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/queries/{name}"]["get"]
    assert {"page", "limit"} <= {p["name"] for p in operation["parameters"]}


# --- the CLI ---------------------------------------------------------------------------------


def test_the_cli_prints_a_page_and_the_next_ones_command(cli_env: CliRunner) -> None:
    result = cli_env.invoke(app, ["query", "drugs", "--format", "csv", "--limit", "4"])
    assert result.exit_code == 0, result.output
    assert "next: sorakg query drugs --page 2 --limit 4" in result.output
    second = cli_env.invoke(app, ["query", "drugs", "--format", "csv", "--page", "2",
                                  "--limit", "4"])  # fmt: skip
    assert second.exit_code == 0 and "--page 3 --limit 4" in second.output
    first_rows = [line for line in result.output.splitlines() if line.startswith("http")]
    second_rows = [line for line in second.output.splitlines() if line.startswith("http")]
    assert len(first_rows) == len(second_rows) == 4 and not set(first_rows) & set(second_rows)


@pytest.mark.parametrize(
    ("args", "named"), [(["--page", "0"], "page"), (["--limit", "x"], "limit")]
)
def test_the_cli_refuses_bad_paging_arguments(
    cli_env: CliRunner, args: list[str], named: str
) -> None:
    result = cli_env.invoke(app, ["query", "drugs", *args])
    assert result.exit_code == 2 and f"parameter '{named}'" in result.output


def test_the_paged_queries_are_listed_in_the_docs() -> None:
    text = (Path(__file__).parent.parent / "docs" / "queries.md").read_text(encoding="utf-8")
    section = text.split("## Paged listings", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z-]+)` \| (\d+) \|", section, re.M))
    assert listed == {(q.name, str(q.page_size)) for q in PAGED}
