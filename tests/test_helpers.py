"""The shared test helpers do what the other tests rely on."""

from __future__ import annotations

from pathlib import Path

import httpx

from sorakg.pipeline.build import Built
from sorakg.settings import Settings
from tests.helpers import app_client, running_server


def test_running_server_answers_health(built: Built, graph_file: Path) -> None:
    with running_server(Settings(), graph_file, workers=1) as url:
        health = httpx.get(f"{url}/health").json()
    assert health["status"] == "ok"
    assert health["triples"] == sum(len(g) for g in built.graphs.values())


def test_app_client_serves_the_graph_it_is_given(built: Built, graph_file: Path) -> None:
    with app_client(graph_file) as client:
        health = client.get("/health").json()
    assert health["triples"] == sum(len(g) for g in built.graphs.values())
