"""Helpers the tests share (fixtures live in conftest.py): terms of the project's graph, a test
client of the endpoint over a worker pool, and a real server on a loopback port."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sorakg.server.app import create_app, uvicorn_options
from sorakg.server.execute import Job, Reply
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from sorakg.sparql import catalogue as ql
from tests.constants import BASE, SORAFENIB

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
    with serving(
        create_app(settings, pool), settings.model_copy(update={"port": free_port()})
    ) as url:
        yield url


@contextmanager
def serving(app: FastAPI, settings: Settings) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on ``settings``' host and port, with the options
    ``sorakg serve`` gives it (body and connection limits); yields its base URL."""
    config = uvicorn.Config(app, log_level="warning", **uvicorn_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://{settings.host}:{settings.port}"
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


class Getter(Protocol):
    def get(self, url: str, *, headers: dict[str, str]) -> Any: ...


def wait_for_downloads(client: Getter, timeout: float = 240) -> list[dict[str, object]]:
    """The ``/download`` listing once the server has written the export (``client`` is a test
    client or an ``httpx.Client`` on the server's URL): until then it answers 503 with a
    ``Retry-After``, and anything else fails the test."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/download", headers={"Accept": "application/json"})
        if response.status_code == 200:
            return response.json()  # type: ignore[no-any-return]
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"]
        assert time.monotonic() < deadline, "the downloads were never ready"
        time.sleep(1)


def answer(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    """Rows of a named query as plain strings (IRIs shortened: drug:sorafenib)."""
    results = ql.run_named(store, ql.load_query(name), params, PREFIXES)
    columns, rows = ql.rows(results)
    return [{c: ql.shorten(row[c], PREFIXES) for c in columns} for row in rows]


class Spy:
    """A backend that records every job it is given: what the web layer lets through."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def run(self, job: Job) -> Reply:
        self.jobs.append(job)
        return Reply.text(500, "the spy answers nothing")

    async def update(self, job: Job) -> Reply:
        return await self.run(job)


# A pool scenario: a test states which worker must answer what while the others are held.
LOOKUP = f"SELECT ?p ?o WHERE {{ <{SORAFENIB}> ?p ?o }}"
DEADLINE = 90  # seconds any one scenario may take before the test fails


def query(text: str) -> Job:
    return Job("query", text, format="json")


def rows(body: bytes) -> list[dict[str, dict[str, str]]]:
    return json.loads(body)["results"]["bindings"]  # type: ignore[no-any-return]


def run_jobs(pool: WorkerPool, *jobs: Job) -> list[Reply]:
    """Start ``pool``, run ``jobs`` one after the other, stop it."""

    async def go() -> list[Reply]:
        await pool.start()
        try:
            return [await pool.run(job) for job in jobs]
        finally:
            await pool.close()

    return asyncio.run(go())


def scenario(graph_file: Path, test: Callable[[WorkerPool], Awaitable[None]],
             **options: float) -> None:  # fmt: skip
    async def main() -> None:
        pool = WorkerPool(graph_file, **options)  # type: ignore[arg-type]
        await pool.start()
        try:
            async with asyncio.timeout(DEADLINE):
                await test(pool)
        finally:
            await pool.close()

    asyncio.run(main())


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.02)


def column(rows: list[dict[str, str]], name: str) -> set[str]:
    return {row[name] for row in rows}


def where(rows: list[dict[str, str]], **match: str) -> list[dict[str, str]]:
    return [row for row in rows if all(row[k] == v for k, v in match.items())]


def fast_first(values: Sequence[object]) -> list[object]:
    """Parameters for a test whose every case costs seconds of CPU: the first in the fast
    selection, the others marked ``slow`` (``make test`` runs them all)."""
    return [values[0], *(pytest.param(value, marks=pytest.mark.slow) for value in values[1:])]
