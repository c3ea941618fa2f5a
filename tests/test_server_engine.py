"""The embedded engine: one on-disk store per release, opened read-only by every query worker;
nothing parsed in the main process at start; each query bounded (input, memory, bytes, no
network); a rebuild or an update never breaks a running server. How it answers:
tests/test_server_answers.py."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import URIRef
from typer.testing import CliRunner

from sorakg.cli import app as cli
from sorakg.pipeline.build import Built
from sorakg.release import summaries
from sorakg.release.folder import STORE_DIR, prune
from sorakg.release.store import release_store
from sorakg.server.app import create_app
from sorakg.server.execute import MAXBYTES_HEADER, Job, Reply
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from tests.constants import RDFS_LABEL, SORAFENIB
from tests.files import write_graph
from tests.helpers import SLOW_QUERY, free_port, run_jobs

ASK_LABEL = f"ASK {{ <{SORAFENIB}> <{RDFS_LABEL}> ?l }}"


def _review_quads(store: ox.Store) -> int:
    """The store's quads but the build-time summaries (sorakg/release/summaries.py)."""
    derived = summaries.graph_iri(store)
    assert derived is not None and store.contains_named_graph(derived)
    return len(store) - len(list(store.quads_for_pattern(None, None, None, derived)))


def test_build_writes_an_on_disk_store_the_cli_queries(
    published: Settings, built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = (published.build_dir / "graph").resolve()
    store = ox.Store.read_only(str(release / STORE_DIR))
    assert _review_quads(store) == sum(len(g) for g in built.graphs.values())
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(published.build_dir))
    result = CliRunner().invoke(cli, ["query", "drugs-by-class", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "sorafenib" in result.output


def test_a_release_without_a_store_is_converted_once(built: Built, tmp_path: Path) -> None:
    graph_file = write_graph(built, tmp_path)  # a bare release folder, as an older build left it
    path = release_store(tmp_path)
    assert path == tmp_path / STORE_DIR
    assert _review_quads(ox.Store.read_only(str(path))) == sum(
        len(g) for g in built.graphs.values()
    )
    stamp = (path / "CURRENT").stat().st_mtime_ns
    assert release_store(graph_file.parent) == path
    assert (path / "CURRENT").stat().st_mtime_ns == stamp  # not written again
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store-")]


def test_a_release_that_cannot_hold_a_store_says_rebuild(tmp_path: Path) -> None:
    from sorakg.release.store import MissingBuild

    with pytest.raises(MissingBuild, match="sorakg build"):
        release_store(tmp_path)


@pytest.fixture(scope="module")
def client(published: Settings) -> Iterator[TestClient]:
    graph_file = published.build_dir / "graph" / "sorakg.nq"
    pool = WorkerPool(graph_file.resolve(), size=1)
    with TestClient(create_app(published, pool)) as test_client:
        yield test_client


def test_start_parses_nothing_and_workers_read_the_store(
    client: TestClient, built: Built, published: Settings
) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    assert resources.graphs == {} and resources.ontology is None  # nothing parsed at start
    health = client.get("/health").json()
    assert health["triples"] == sum(len(g) for g in built.graphs.values())  # from the manifest
    answer = client.get("/sparql", params={"query": ASK_LABEL, "format": "json"})
    assert answer.json()["boolean"] is True
    assert resources.graphs == {}
    page = client.get("/drug/sorafenib", headers={"Accept": "text/html"})
    assert page.status_code == 200
    # the ontology read on first use; the asserted facts an explanation needs, per entity
    assert resources.ontology is not None and len(resources.ontology) > 100
    assert not list(resources.ontology.triples((URIRef(SORAFENIB), None, None)))
    assert resources.graphs == {}


def test_a_read_only_pool_refuses_updates(client: TestClient) -> None:
    pool = client.app.state.backend  # type: ignore[attr-defined]
    insert = Job("update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    reply = client.portal.call(pool.update, insert)  # type: ignore[union-attr]
    assert reply.status == 403


# --- no input kills a worker; memory and bytes bounded per query; no network --------------


def _doubling(times: int, rows: int = 1) -> str:
    """A CONCAT doubling chain (a short text whose answer grows to gigabytes): ``rows`` rows of
    a 1 KiB string doubled ``times``."""
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(times))
    return (
        f"SELECT ?s ?big WHERE {{ {{ SELECT DISTINCT ?s {{ ?s ?p ?o }} LIMIT {rows} }} "
        f'BIND("{"a" * 1024}" AS ?s0) {binds} BIND(?s{times} AS ?big) }}'
    )


def test_no_input_kills_a_worker(graph_file: Path) -> None:
    pool = WorkerPool(graph_file, size=1, max_result_bytes=100_000_000)
    replies = run_jobs(
        pool,
        Job("query", "ASK {}", default_graphs=("",)),  # raised outside run_query's try
        Job("query", "ASK {}", named_graphs=("x",)),
        Job("query", "ASK " + "{" * 5000 + "}" * 5000, format="json"),  # SIGSEGV on 8 MB
        Job("query", "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }", format="json"),
        Job("query", "ASK { FILTER(" + "!" * 30_000 + "true) }", format="json"),
        Job("query", "ASK { FILTER(" + " || ".join(["false"] * 30_000) + ") }", format="json"),
        Job("query", "ASK " + "{" * 150_000 + "}" * 150_000, format="json"),  # past MAX_NESTING
        Job("query", _doubling(15), format="json"),  # a 32 MiB row: over the 16 MiB line limit
        Job("query", ASK_LABEL, format="json"),
    )
    statuses = [reply.status for reply in replies]
    assert statuses == [500, 500, 200, 200, 200, 200, 400, 200, 200], replies
    assert b"\n" not in replies[0].body.strip() and b"query failed" in replies[0].body
    assert json.loads(replies[5].body)["boolean"] is False
    big = json.loads(replies[7].body)["results"]["bindings"][0]["big"]["value"]
    assert len(big) == 1024 * 2**15
    assert pool.restarts == 0


def test_a_query_over_its_memory_is_stopped_with_503(graph_file: Path) -> None:
    pool = WorkerPool(graph_file, size=1, memory_mb=96)
    replies = run_jobs(
        pool,
        Job("query", "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c", format="json"),
        Job("query", _doubling(19), format="json"),  # a 512 MiB string
        Job("query", ASK_LABEL, format="json"),  # the replacement answers
    )
    for reply in replies[:2]:
        assert reply.status == 503, reply
        assert b"query_memory_mb" in reply.body and b"96 MB" in reply.body
    assert replies[2].status == 200 and json.loads(replies[2].body)["boolean"] is True


def test_answers_are_cut_at_max_result_bytes(graph_file: Path) -> None:
    settings = Settings(max_result_bytes=20_000)
    pool = WorkerPool(graph_file, size=1, max_result_bytes=settings.max_result_bytes)
    with TestClient(create_app(settings, pool)) as client:
        for fmt in ("json", "xml", "csv", "tsv"):
            answer = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }", "format": fmt})
            assert answer.status_code == 200
            assert answer.headers[MAXBYTES_HEADER] == "20000"
            assert 10_000 < len(answer.content) <= 20_000, fmt
        graph = client.get(
            "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "ttl"}
        )
        assert graph.headers[MAXBYTES_HEADER] == "20000" and len(graph.content) <= 20_000
        ox.parse(graph.content, format=ox.RdfFormat.TURTLE)  # still a whole document
        # 400 rows of 1 MiB each: without the byte cap, a 419 MB answer
        doubled = client.post("/sparql", content=_doubling(10, rows=400),
                              headers={"Content-Type": "application/sparql-query"})  # fmt: skip
        assert doubled.status_code == 200 and doubled.headers[MAXBYTES_HEADER] == "20000"
        assert len(doubled.content) <= 20_000
        small = client.get("/sparql", params={"query": ASK_LABEL})
        assert MAXBYTES_HEADER not in small.headers


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        _Listener.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {
                "head": {"vars": ["a"]},
                "results": {"bindings": [{"a": {"type": "literal", "value": "leak"}}]},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Listener.hits.clear()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_workers_without_network_cannot_reach_a_listener(listener: str) -> None:
    # the policy check bypassed: the job allows SERVICE, the pool was started with both off
    job = Job("query", f"SELECT * {{ SERVICE <{listener}/ssrf> {{ ?a ?b ?c }} }}",
              format="json", allow_service=True)  # fmt: skip
    open_pool = WorkerPool(None, size=1)
    (reached,) = run_jobs(open_pool, job)
    assert _Listener.hits == ["/ssrf"] and b"leak" in reached.body  # the test can see a hit
    _Listener.hits.clear()
    (blocked,) = run_jobs(WorkerPool(None, size=1, isolate_network=True), job)
    assert _Listener.hits == []
    assert blocked.status >= 400 and b"leak" not in blocked.body


# --- a rebuild never breaks a running server -----------------------------------------------


def test_a_rebuild_does_not_prune_the_served_release(built: Built, tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    served = releases / "a"
    served.mkdir(parents=True)
    live = tmp_path / "live" / "a"  # its live copy, had it been served with updates
    live.mkdir(parents=True)
    pool = WorkerPool(write_graph(built, served), size=1, timeout=2.0)

    async def go() -> list[Reply]:
        await pool.start()
        try:
            (releases / "b").mkdir()  # a new build, published with keep_builds = 1
            prune(releases, keep=1, current=releases / "b")  # would delete the served one
            assert served.exists() and live.exists()
            slow = [await pool.run(Job("query", SLOW_QUERY)) for _ in range(2)]
            # a respawned worker may take longer than the pool's 2 s wait on a busy machine:
            # ask until it answers rather than race its start
            for _ in range(30):
                answer = await pool.run(Job("query", ASK_LABEL, format="json"))
                if answer.status == 200:
                    break
            return [*slow, answer]
        finally:
            await pool.close()

    replies = asyncio.run(go())
    assert [reply.status for reply in replies] == [503, 503, 200]  # workers respawned
    assert pool.restarts == 2
    (releases / "c").mkdir()
    prune(releases, keep=1, current=releases / "c")  # no longer served: pruned like any other
    assert not served.exists() and not live.exists()  # the live copy goes with its release


def test_health_degrades_while_workers_cannot_start(built: Built, tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    pool = WorkerPool(write_graph(built, release), size=1, timeout=2.0)
    with TestClient(create_app(Settings(), pool)) as client:
        assert client.get("/health").status_code == 200
        shutil.rmtree(release)  # the release deleted under the server (by hand, or an old build)
        assert client.get("/sparql", params={"query": SLOW_QUERY}).status_code == 503
        deadline = time.monotonic() + 20
        while pool.respawn_failures < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded" and health.json()["workers"]["missing"] == 1
        assert pool.respawn_failures >= 2  # retried, not given up
        download = client.get("/download/SHA256SUMS")
        assert download.status_code == 410 and "restart" in download.text


# --- updates mean what they say --------------------------------------------------------------

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ASSERTED = "https://w3id.org/sorakg/graph/asserted"


@pytest.fixture
def writable(graph_file: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(update_enabled=True, update_token=TOKEN)  # type: ignore[arg-type]
    pool = WorkerPool(graph_file, size=2, updatable=True, live_dir=tmp_path / "live")
    with TestClient(create_app(settings, pool)) as client:
        yield client


def _ask(client: TestClient, query: str) -> bool:
    return bool(client.get("/sparql", params={"query": query, "format": "json"}).json()["boolean"])


def test_an_update_must_name_its_graph_and_then_deletes(writable: TestClient) -> None:
    before = writable.get("/health").json()
    label = f"<{SORAFENIB}> <{RDFS_LABEL}> ?l"
    # DELETE WHERE on the default graph would be a 204 that deletes nothing: a 400 says what
    # to write instead
    refused = writable.post("/sparql", data={"update": f"DELETE WHERE {{ {label} }}"}, headers=AUTH)
    assert refused.status_code == 400 and "GRAPH <" in refused.text
    assert _ask(writable, ASK_LABEL)
    named = f"DELETE WHERE {{ GRAPH <{ASSERTED}> {{ {label} }} }}"
    assert writable.post("/sparql", data={"update": named}, headers=AUTH).status_code == 204
    assert not _ask(writable, ASK_LABEL)  # every query sent after the 204 sees it
    assert not _ask(writable, ASK_LABEL)
    after = writable.get("/health").json()
    assert after["triples"] < before["triples"]  # counts follow updates
    assert after["graphs"][ASSERTED] == before["graphs"][ASSERTED] - (
        before["triples"] - after["triples"]
    )
    void = writable.get("/.well-known/void", headers={"Accept": "application/n-triples"}).text
    assert f'"{after["triples"]}"^^<http://www.w3.org/2001/XMLSchema#integer>' in void
    pool = writable.app.state.backend  # type: ignore[attr-defined]
    snapshots = list((pool.live_dir / "snapshots").iterdir())
    assert len(snapshots) <= 3  # old snapshots are deleted once no worker reads them


SERVE = """
import sys
from pathlib import Path

import uvicorn

from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings

graph, live, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
settings = Settings(update_enabled=True, update_token=sys.argv[4])
pool = WorkerPool(graph, size=1, updatable=True, live_dir=live)
uvicorn.run(create_app(settings, pool), host="127.0.0.1", port=port, log_level="warning")
"""


def _serve(graph_file: Path, live: Path, port: int) -> subprocess.Popen[bytes]:
    args = [str(graph_file), str(live), str(port), TOKEN]
    server = subprocess.Popen([sys.executable, "-c", SERVE, *args])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return server
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def test_an_update_survives_kill_9(graph_file: Path, tmp_path: Path) -> None:
    port, live = free_port(), tmp_path / "live"
    url = f"http://127.0.0.1:{port}/sparql"
    triple = "<urn:durable> <urn:p> 1"
    ask = {"query": f"ASK {{ {triple} }}", "format": "json"}
    server = _serve(graph_file, live, port)
    try:
        insert = f"INSERT DATA {{ GRAPH <{ASSERTED}> {{ {triple} }} }}"
        assert httpx.post(url, data={"update": insert}, headers=AUTH).status_code == 204
        assert httpx.get(url, params=ask).json()["boolean"] is True
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        server = _serve(graph_file, live, port)
        assert httpx.get(url, params=ask).json()["boolean"] is True
    finally:
        server.terminate()
        server.wait(timeout=30)
