"""An external store that is down or answers nonsense: the server still starts and says so in
/health, and ``sorakg query`` and ``sorakg publish`` fail in one line (proxy mode, beside the
conformance suite in tests/test_stores.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sorakg.cli import app as cli
from sorakg.server.app import create_app
from sorakg.settings import Settings

pytestmark = pytest.mark.stores  # the proxy mode's faults, run with the conformance suite


@contextmanager
def fake_store(body: bytes, media_type: str) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def test_server_starts_when_the_store_answers_garbage(build_dir: Path) -> None:
    with (
        fake_store(b"<html>not SPARQL", "text/html") as url,
        TestClient(create_app(Settings(build_dir=build_dir, sparql_endpoint=url))) as client,
    ):
        health = client.get("/health").json()
        assert health["status"] == "error" and "not SPARQL results" in health["error"]
        answer = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert answer.status_code == 502 and "\n" not in answer.text.strip()


def test_server_starts_when_the_store_is_down(build_dir: Path) -> None:
    url = "http://127.0.0.1:9/sparql"  # discard port: nothing listens
    with TestClient(create_app(Settings(build_dir=build_dir, sparql_endpoint=url))) as client:
        health = client.get("/health").json()
        assert health["status"] == "error" and "cannot be reached" in health["error"]
        assert url not in json.dumps(health)


def test_cli_reads_extra_json_members_and_honours_the_setting(
    build_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Comunica adds a "metadata" member; the CLI must still read the rows
    answer = {"head": {"vars": ["n"]}, "metadata": {"cardinality": 1},
              "results": {"bindings": [{"n": {"type": "literal", "value": "42"}}]}}  # fmt: skip
    with fake_store(json.dumps(answer).encode(), "application/sparql-results+json") as url:
        monkeypatch.setenv("SORAKG_SPARQL_ENDPOINT", url)
        monkeypatch.setenv("SORAKG_BUILD_DIR", str(build_dir))
        query = build_dir / "q.rq"
        query.write_text("SELECT ?n WHERE { ?s ?p ?n }")
        result = CliRunner().invoke(cli, ["query", "--file", str(query), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["n", "42"]
    monkeypatch.setenv("SORAKG_SPARQL_ENDPOINT", "http://127.0.0.1:9/sparql")
    result = CliRunner().invoke(cli, ["query", "--file", str(query)])
    assert result.exit_code == 4 and "cannot be reached" in result.output
    assert "Traceback" not in result.output


def test_publish_against_unexpected_json_fails_in_one_line(
    build_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = {"head": {"vars": ["x"]},
              "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}  # fmt: skip
    with fake_store(json.dumps(answer).encode(), "application/sparql-results+json") as url:
        monkeypatch.setenv("SORAKG_BUILD_DIR", str(build_dir))
        result = CliRunner().invoke(cli, ["publish", "--endpoint", url, "--method", "update"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]  # after the progress lines
    assert last.startswith("error: publish failed: the store answered something unexpected")
