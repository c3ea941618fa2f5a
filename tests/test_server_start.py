"""What starting the server costs: the web process imports the web framework and the engine,
and leaves the build's libraries (rdflib, the table models, the export's registries, the
reasoners) and the pages' (the templates, the entity page's sections and charts) to the first
request that needs them (a page, a download). ``sorakg serve`` starts the general lane's query
workers before it imports the web framework, the pool takes them over, and the fast lane's and
the pages' workers start after the pool has."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path

from sorakg.release.store import release_store
from sorakg.server.execute import Job
from sorakg.server.pool import WorkerPool
from tests.helpers import DEADLINE, until

# what `sorakg serve` must not import before it answers (seconds of a start, docs/scaling.md)
HEAVY = (
    "rdflib",
    "owlready2",
    "pyshacl",
    "bioregistry",
    "httpx",
    "sorakg.loaders.tables",
    "sorakg.pipeline.build",
    "sorakg.pipeline.explain",
    "sorakg.release.export",
    # the pages': a /sparql answer renders none
    "jinja2",
    "rich.table",
    "sorakg.server.entity_html",
    "sorakg.server.entity_context",
    "sorakg.server.charts",
)
# what the command imports to start the query workers, before the web framework
WEB = ("fastapi", "starlette", "uvicorn", "sorakg.server.app")


def _imported(code: str, *args: str, among: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``among`` a fresh Python has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint([m for m in {among!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_command_and_the_web_app_import_none_of_the_build() -> None:
    assert _imported("import sorakg.cli, sorakg.server.app") == []


def test_a_query_is_answered_without_the_build_libraries(graph_file: Path) -> None:
    serve = """
import asyncio, json, sys
from pathlib import Path
from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from starlette.types import Message

async def main() -> None:
    app = create_app(Settings(), WorkerPool(Path(sys.argv[1]), size=1, inline_rows=1000))
    query = b"query=SELECT%20%3Fp%20%3Fo%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%203"
    sent: list[Message] = []
    async with app.router.lifespan_context(app):
        for path, text in (("/sparql", query), ("/sparql", b"query=ASK%7B%7D")):
            scope = {"type": "http", "method": "GET", "path": path, "query_string": text,
                     "headers": [(b"accept", b"application/sparql-results+json")],
                     "scheme": "http", "server": ("test", 80), "root_path": ""}

            async def receive() -> Message:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: Message) -> None:
                sent.append(message)

            await app(scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [200, 200]

asyncio.run(main())
"""
    assert _imported(serve, str(graph_file)) == []


def test_the_query_workers_start_before_the_web_framework_is_imported() -> None:
    assert _imported("import sorakg.cli, sorakg.server.pool", among=WEB) == []


def test_the_pool_takes_over_the_workers_launched_before_it_starts(graph_file: Path) -> None:
    release_store(graph_file.parent)
    pool = WorkerPool(graph_file, size=2, fast_lane=0.5, page_lane=True)
    pool.launch_readers()
    processes = [one.process for one in pool._launched]
    launched = sorted(process.pid for process in processes)
    assert len(launched) == pool.size == 2  # the general lane's: the first answers need no other

    async def go() -> tuple[list[int], int, set[tuple[bool, bool]]]:
        await pool.start()
        try:
            assert pool.missing == 0  # the fast lane's and the pages' start: expected, not missing
            reply = await pool.run(Job("query", "ASK { ?s ?p ?o }", format="json"))
            general = [w.process.pid for w in pool._workers if not (w.fast or w.page)]
            async with asyncio.timeout(DEADLINE):
                await until(lambda: len(pool._workers) == pool.expected)
            assert pool.missing == 0
            return sorted(general), reply.status, {(w.fast, w.page) for w in pool._workers}
        finally:
            await pool.close()

    general, status, lanes = asyncio.run(go())
    assert general == launched and status == 200  # no other general worker was started
    assert lanes == {(False, False), (True, False), (False, True)}
    assert all(process.poll() is not None for process in processes)  # closed: all stopped


def test_launched_workers_are_stopped_by_a_pool_that_never_started(graph_file: Path) -> None:
    release_store(graph_file.parent)
    pool = WorkerPool(graph_file, size=1)
    pool.launch_readers()
    (launched,) = [one.process for one in pool._launched]
    asyncio.run(pool.close())
    assert launched.poll() is not None
