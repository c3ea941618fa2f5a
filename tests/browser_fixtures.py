"""The browser tests' fixtures (a pytest plugin registered in conftest.py): one server on the
session graph per test process and one headless Chromium page per test file. Debian's Chromium,
driven by playwright: no browser download.

The page is closed at the end of each file because playwright's sync API keeps an event loop
running in the main thread while it is open: any later test in the same process that calls
``asyncio.run`` would fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sorakg.settings import PROJECT_ROOT, Settings
from tests.helpers import running_server

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
# Screenshots of every page kind, kept after the run (build/ is not in git): look at them
ARTEFACTS = PROJECT_ROOT / "build" / "screenshots"
WIDTH = 1400


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the browser is marked ``browser`` wherever it is (``make test-fast``
    leaves it out)."""
    for item in items:
        if {"browser_page", "browser_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_server(graph_file: Path) -> Iterator[str]:
    """The base URL of a server on the session graph, with one query worker."""
    (ARTEFACTS / "page-sizes.tsv").unlink(missing_ok=True)  # this run's sizes only
    with running_server(Settings(), graph_file, workers=1) as url:
        yield url


@pytest.fixture(scope="module")
def browser_page(browser_server: str) -> Iterator[tuple[Page, list[str]]]:
    """A Chromium page that may only reach ``browser_server``, and the URLs it tried beyond."""
    from playwright.sync_api import sync_playwright  # only a browser test pays its import

    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 1000})

        def only_local(route, request):  # type: ignore[no-untyped-def]
            if request.url.startswith(browser_server) or request.url.startswith("data:"):
                route.continue_()
            else:  # the page must work offline: anything else is recorded and refused
                outside.append(request.url)
                route.abort()

        page.route("**/*", only_local)
        yield page, outside
        browser.close()
