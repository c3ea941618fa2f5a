"""What starting the server costs: the web process imports the web framework and the engine,
and leaves the build's libraries (rdflib, the table models, the export's registries, the
reasoners) to the first request that needs them (a page's explanations, a download)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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
)


def _imported(code: str, *args: str) -> list[str]:
    """Which of :data:`HEAVY` a fresh Python has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint([m for m in {HEAVY!r} if m in sys.modules])"
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
