"""Helpers the tests share (fixtures live in conftest.py): terms of the project's graph, a test
client of the endpoint over a worker pool, and a real server on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import uvicorn
from fastapi.testclient import TestClient

from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from sorakg.sparql import catalogue as ql

BASE = "https://w3id.org/sorakg/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SK = "https://w3id.org/sorakg/ontology#"
SORAFENIB = "https://w3id.org/sorakg/drug/sorafenib"
# A query that runs for minutes on the project's graph: a three-way cross product, counted.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PREFIXES = ql.prefixes_for(BASE)


@contextmanager
def app_client(
    graph_file: Path, settings: Settings | None = None, workers: int = 1, **pool: Any
) -> Iterator[TestClient]:
    """A test client of the endpoint serving ``graph_file`` with ``workers`` query workers;
    ``pool`` goes to :class:`WorkerPool` (``timeout``, ``updatable``, ``live_dir`` …)."""
    backend = WorkerPool(graph_file, size=workers, **pool)
    with TestClient(create_app(settings or Settings(), backend)) as client:
        yield client


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


def answer(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    """Rows of a named query as plain strings (IRIs shortened: drug:sorafenib)."""
    results = ql.run_named(store, ql.load_query(name), params, PREFIXES)
    columns, rows = ql.rows(results)
    return [{c: ql.shorten(row[c], PREFIXES) for c in columns} for row in rows]
