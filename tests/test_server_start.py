"""What starting the server costs: the web process imports the web framework and the engine,
and leaves the build's libraries (rdflib, the table models, the export's registries, the
reasoners) and the pages' (the templates, the entity page's sections and charts) to the first
request that needs them (a page, a download). ``sorakg serve`` starts the general lane's query
workers before it imports the web framework, the pool takes them over, and the fast lane's and
the pages' workers start after the pool has."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, get_args, get_type_hints

import httpx
import pytest

from sorakg.entry import SERVE_OPTIONS, serve_arguments
from sorakg.release.store import release_store
from sorakg.server.execute import Job
from sorakg.server.pool import WorkerPool
from sorakg.server.worker import Config
from tests.helpers import DEADLINE, free_port, until

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
    # each worker ties itself to this process (children.tie_to), which then starts it by vfork
    assert {Config.from_json(process.args[-1]).parent for process in processes} == {os.getpid()}

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


# what `sorakg serve` leaves out of its start: the CLI framework and the other commands' modules
CLI = ("typer", "rich", "sorakg.cli", "sorakg.pipeline")


def _served_build(graph_file: Path, root: Path) -> Path:
    """A build folder serving ``graph_file``, laid out as ``sorakg build`` leaves one."""
    release = root / "releases" / "x"
    release.mkdir(parents=True)
    shutil.copyfile(graph_file, release / "sorakg.nq")
    release_store(release)  # written now: the server's start only opens it
    (root / "graph").symlink_to(Path("releases") / "x")
    return root


def _imports(report: str) -> set[str]:
    """The modules a ``python -X importtime`` run imported, from its report."""
    return {line.rsplit("|", 1)[1].strip() for line in report.splitlines()
            if line.startswith("import time:")}  # fmt: skip


def test_serve_answers_before_importing_the_command_line_framework(
    graph_file: Path, tmp_path: Path
) -> None:
    build = _served_build(graph_file, tmp_path / "build")
    port = free_port()
    env = {**os.environ, "SORAKG_BUILD_DIR": str(build), "SORAKG_QUERY_WORKERS": "1"}
    server = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "sorakg", "serve", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "no answer"
            with contextlib.suppress(httpx.HTTPError):
                url = f"http://127.0.0.1:{port}/sparql"
                if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            time.sleep(0.05)
    finally:
        server.terminate()
        _, report = server.communicate(timeout=DEADLINE)
    imported = _imports(report)
    assert {"sorakg.entry", "sorakg.server.app", "uvicorn"} <= imported  # the report was read
    inside = tuple(f"{name}." for name in CLI)
    assert sorted(m for m in imported if m in CLI or m.startswith(inside)) == []


def _typer_serve() -> Any:
    """The typer command ``serve`` as click sees it (typer bundles its own click)."""
    import typer

    from sorakg.cli import app

    return typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]


def test_serve_options_are_the_typer_commands() -> None:
    from sorakg.cli.serve import serve_command

    assert {name for param in _typer_serve().params for name in param.opts} == set(SERVE_OPTIONS)
    hints = get_type_hints(serve_command, include_extras=True)
    hints.pop("return")
    declared = {  # Annotated[T | None, typer.Option(...)]: T
        f"--{name.replace('_', '-')}": next(
            kind for kind in get_args(get_args(hint)[0]) if kind is not type(None)
        )
        for name, hint in hints.items()
    }
    assert declared == SERVE_OPTIONS


@pytest.mark.parametrize(
    "args",
    [
        ["serve"],
        ["serve", "--port", "8001"],
        ["serve", "--port=8001", "--host", "0.0.0.0"],
        ["serve", "--host=::1"],
        ["serve", "--host", ""],
        ["serve", "--port", "0123"],
        ["serve", "--port", "+8001"],
        ["serve", "--port", "8_001"],
        ["serve", "--port", "-1"],
        ["serve", "--port"],
        ["serve", "--port", "1", "--port", "2"],
        ["serve", "--host", "--port", "1"],
        ["serve", "--help"],
        ["serve", "extra"],
        ["serve", "--", "--port", "1"],
        ["serve", "--hos", "x"],
        ["--version"],
        ["query", "summary"],
        [],
    ],
)
def test_the_quick_serve_reads_the_options_as_the_typer_command(args: list[str]) -> None:
    """Where the quick start reads the arguments at all, it reads what typer does; whatever it
    does not read goes to typer."""
    quick = serve_arguments(args)
    if quick is None:
        return
    with _typer_serve().make_context("serve", args[1:]) as context:
        assert quick == (context.params["host"], context.params["port"])


def test_a_serve_that_cannot_start_is_refused_by_the_typer_command(tmp_path: Path) -> None:
    def serve(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sorakg", "serve", *args],
            env={**os.environ, "SORAKG_BUILD_DIR": str(tmp_path), **env},
            cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE,
        )  # fmt: skip

    bad = serve(SORAKG_PORT="abc")
    assert bad.returncode == 2 and "bad setting: port (SORAKG_PORT='abc')" in bad.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        refused = serve("--port", str(taken))
    assert refused.returncode == 4 and f"cannot listen on 127.0.0.1:{taken}" in refused.stderr
    missing = serve("--port", str(free_port()))
    assert missing.returncode == 3 and "no build at" in missing.stderr
    assert serve("--port", "0x10").returncode == 2  # typer's own refusal of a bad option
