"""A bounded fuzz run over the whole OpenAPI description (schemathesis), against a real server
on loopback: no answer is a 5xx, every status code and media type is the documented one, and no
query worker is restarted.

Also a probe of the query string's length: strings between h11's 64 KiB default and max_body_bytes
are accepted, and longer ones get 414.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from tests.helpers import free_port, serving, wait_for_downloads

pytestmark = pytest.mark.slow  # schemathesis over every operation

# Bounds: the run covers every operation (about a dozen) with this many cases each.
EXAMPLES = 40
# Left out: "schema-valid data is accepted". Whether a `query` string is valid is decided by
# the SPARQL grammar, which a JSON schema cannot state, so a random string is rightly a 400.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


class Served:
    def __init__(self, url: str, pool: WorkerPool):
        self.url = url
        self.pool = pool


@pytest.fixture(scope="module")
def served(graph_file: Path) -> Iterator[Served]:
    config = Settings(port=free_port(), query_timeout=5, max_body_bytes=300_000, export_nice=0)
    pool = WorkerPool(graph_file, size=2, timeout=config.query_timeout)
    with serving(create_app(config, pool, prepare_downloads=True), config) as url:
        with httpx.Client(base_url=url) as client:
            wait_for_downloads(client)
        yield Served(url, pool)


def test_api_conforms_and_never_fails(served: Served) -> None:
    """Every operation of /openapi.json, EXAMPLES generated cases each, all default checks."""
    api = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
    before = served.pool.restarts
    tried = []
    for result in api.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=served.url, timeout=30, excluded_checks=EXCLUDED)

        run()
    assert len(tried) >= 12, tried
    assert served.pool.restarts == before


def _get_status(url: str, query: str) -> int:
    """GET /sparql?query=… by http.client (httpx refuses URLs over 64 KiB)."""
    from http.client import HTTPConnection
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", "/sparql?" + urlencode({"query": query}))
        return connection.getresponse().status
    finally:
        connection.close()


def test_query_strings_up_to_the_body_limit_are_accepted(served: Served) -> None:
    """Before, uvicorn (h11) answered 400 "Invalid HTTP request" from about 66 KB on."""
    for size in (70_000, 250_000):
        assert _get_status(served.url, "#" + "x" * size + "\nASK {}") == 200, size
    assert _get_status(served.url, "#" + "x" * 310_000 + "\nASK {}") == 414
