"""Helpers for the endpoint tests: the project's graph as a file, and a real server on a port.

Not fixtures (the other test files own their fixtures); the one test here checks the helper.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from sorakg.pipeline.build import Built
from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SK = "https://w3id.org/sorakg/ontology#"
SORAFENIB = "https://w3id.org/sorakg/drug/sorafenib"
# A query that runs for minutes on the project's graph: a three-way cross product, counted.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(settings: Settings, graph_file: Path, workers: int = 2) -> Iterator[str]:
    """A real uvicorn server (in a thread) over a worker pool; yields its base URL."""
    live = graph_file.parent / "live" if settings.update_enabled else None
    pool = WorkerPool(graph_file, size=workers, timeout=settings.query_timeout,
                      updatable=settings.update_enabled, live_dir=live)  # fmt: skip
    port = free_port()
    config = uvicorn.Config(create_app(settings, pool), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_running_server_answers_health(built: Built, graph_file: Path) -> None:
    with running_server(Settings(), graph_file, workers=1) as url:
        health = httpx.get(f"{url}/health").json()
    assert health["status"] == "ok"
    assert health["triples"] == sum(len(g) for g in built.graphs.values())
