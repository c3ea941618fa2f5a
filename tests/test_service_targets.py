"""With SERVICE allowed, no SERVICE reaches the server's own network: loopback, link-local and
private targets (however spelt), and targets unknown before the query runs, are refused (403)
in the web layer, unless listed in service_allowed_hosts. No test resolves a name or connects."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sorakg.server.app import create_app
from sorakg.settings import Settings
from tests.helpers import Spy

PRIVATE = ["http://127.0.0.1:9/x", "http://0.0.0.0/", "http://2130706433/", "http://0x7f.1/",
           "http://[::1]/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
           "http://192.168.1.1/", "http://[fe80::1]/"]  # fmt: skip


def _status(query: str, **settings: object) -> tuple[int, Spy]:
    spy = Spy()
    with TestClient(create_app(Settings(allow_service=True, **settings), spy)) as client:  # type: ignore[arg-type]
        spy.jobs.clear()
        status = client.get("/sparql", params={"query": query}).status_code
    return status, spy


@pytest.mark.parametrize("target", PRIVATE)
def test_a_service_aimed_inside_is_refused(target: str) -> None:
    status, spy = _status(f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
    assert status == 403 and spy.jobs == []


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { VALUES ?x { <http://127.0.0.1/> } SERVICE ?x { ?s ?p ?o } }",
        "PREFIX ex: <http://127.0.0.1/> SELECT * { SERVICEex:x { ?s ?p ?o } }",
        "PREFIX ex: <http://127.0.0.1/> SELECT * { SERVICE SILENT ex:x { ?s ?p ?o } }",
    ],
)
def test_targets_that_cannot_be_known_or_hide_inside_are_refused(query: str) -> None:
    status, spy = _status(query)
    assert status == 403 and spy.jobs == []


def test_public_and_listed_targets_pass() -> None:
    public, spy = _status("SELECT * { SERVICE <http://93.184.216.34/sparql> { ?s ?p ?o } }")
    assert public == 500 and len(spy.jobs) == 1  # reached the backend (the spy answers 500)
    listed, spy = _status("SELECT * { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
                          service_allowed_hosts=["127.0.0.1"])  # fmt: skip
    assert listed == 500 and len(spy.jobs) == 1
