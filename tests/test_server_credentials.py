"""Credentials and the external store's address never leave the server: URLs with a user name
or password are refused (the sparql_auth_* settings hold them, never shown); clients are told
"the external store failed", the details go to the log; /health notices a store that goes down
after start; ``sorakg publish`` against a store of unexpected answers fails in one line."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from sorakg.server.app import create_app
from sorakg.server.proxy import ProxyBackend
from sorakg.settings import Settings

SECRET = "S3cret"


@pytest.mark.parametrize(
    "name", ["sparql_endpoint", "sparql_update_endpoint", "sparql_graph_store"]
)
def test_a_url_with_credentials_is_refused_without_showing_them(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**{name: f"http://admin:{SECRET}@127.0.0.1:7878/query"})  # type: ignore[arg-type]
    message = str(refused.value)
    assert "sparql_auth_user" in message and SECRET not in message and "admin" not in message


class Store:
    """A loopback store that answers every question (with nothing), and can go down."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                asked = self.rfile.read(int(self.headers.get("content-length", 0)))
                if b"ASK" in asked:
                    answer: object = {"head": {}, "boolean": True}
                else:  # the statistics query: no graphs
                    answer = {"head": {"vars": ["g", "n"]}, "results": {"bindings": []}}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/internal/query"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running() -> Iterator[Store]:
    store = Store()
    try:
        yield store
    finally:
        store.stop()


def test_clients_never_see_the_upstream_url(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/internal/query"
    settings = Settings(sparql_endpoint=url)
    with TestClient(create_app(settings, ProxyBackend.from_settings(settings))) as client:
        answer = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        health = client.get("/health")
    assert answer.status_code == 502 and "external store" in answer.text
    assert "/internal/" not in answer.text and "/internal/" not in health.text
    assert health.status_code == 503
    assert any("/internal/" in record.getMessage() for record in caplog.records)  # the log has it


def test_health_notices_a_store_that_goes_down_after_start() -> None:
    with running() as store:
        settings = Settings(sparql_endpoint=store.url)
        with TestClient(create_app(settings, ProxyBackend.from_settings(settings))) as client:
            first = client.get("/health")
            store.stop()
            second = client.get("/health")
    assert second.status_code == 503 and second.json()["status"] == "error"
    assert first.status_code == 200, first.text
    assert "/internal/" not in second.text
