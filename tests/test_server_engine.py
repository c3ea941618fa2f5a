"""The embedded engine: one on-disk store per release, opened read-only by every query worker;
nothing parsed in the main process at start."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import http.server
import io
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
from sorakg.server.execute import MAXBYTES_HEADER, MAXROWS_HEADER, Job, Reply, run_query
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from tests.constants import RDFS_LABEL, SORAFENIB
from tests.files import write_graph
from tests.helpers import SLOW_QUERY, free_port

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


def _run(pool: WorkerPool, *jobs: Job) -> list[Reply]:
    """Start ``pool``, run ``jobs`` one after the other, stop it."""

    async def go() -> list[Reply]:
        await pool.start()
        try:
            return [await pool.run(job) for job in jobs]
        finally:
            await pool.close()

    return asyncio.run(go())


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
    replies = _run(
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
    replies = _run(
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
    (reached,) = _run(open_pool, job)
    assert _Listener.hits == ["/ssrf"] and b"leak" in reached.body  # the test can see a hit
    _Listener.hits.clear()
    (blocked,) = _run(WorkerPool(None, size=1, isolate_network=True), job)
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
            return [*slow, await pool.run(Job("query", ASK_LABEL, format="json"))]
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


# --- point lookups answered in the server's own process ----------------------------------------

POINT = f"SELECT ?p ?o WHERE {{ <{SORAFENIB}> ?p ?o }}"


def test_a_point_lookup_is_answered_inline_with_the_workers_answer(graph_file: Path) -> None:
    jobs = [
        Job("query", POINT, format=fmt) for fmt in ("json", "xml", "csv", "tsv")
    ] + [Job("query", "SELECT * { ?s ?p ?o } LIMIT 3", format="json"),
         Job("query", f"ASK {{ <{SORAFENIB}> <{RDFS_LABEL}> ?l }}", format="json"),
         Job("query", "SELECT ?s { ?s <urn:nothing> ?o }", format="json"),
         Job("query", "SELECT ?s { ?s ?p ?o ", format="json")]  # fmt: skip
    inline = WorkerPool(graph_file, size=1, inline_rows=1000)
    workers = WorkerPool(graph_file, size=1, inline_rows=0)
    assert _run(inline, *jobs) == _run(workers, *jobs)  # status, type, body and headers
    assert inline.answered_inline == len(jobs) - 1  # the broken query: 400 from a worker
    assert workers.answered_inline == 0


def test_a_lookup_with_more_rows_than_inline_rows_is_answered_whole_by_a_worker(
    graph_file: Path,
) -> None:
    many = Job("query", "SELECT ?s ?p ?o { ?s ?p ?o }", format="tsv", max_rows=50)
    few = Job("query", POINT, format="tsv")
    pool = WorkerPool(graph_file, size=1, inline_rows=10)
    reply, small = _run(pool, many, few)
    assert len(reply.body.splitlines()) == 51  # the header line and max_rows rows, not 10
    assert reply.headers[MAXROWS_HEADER] == "50"
    assert pool.answered_inline == 0  # the point lookup has more than 10 rows too
    assert len(small.body.splitlines()) > 11


def test_only_one_pattern_queries_without_a_dataset_are_answered_inline(
    graph_file: Path, tmp_path: Path
) -> None:
    others = [
        Job("query", f"SELECT ?o {{ <{SORAFENIB}> ?p ?o . ?o ?q ?r }}", format="json"),
        Job("query", f"SELECT DISTINCT ?p {{ <{SORAFENIB}> ?p ?o }}", format="json"),
        Job("query", POINT, format="json", default_graphs=("urn:g",)),
        Job("query", POINT + " OFFSET 1", format="json"),
        Job("query", "SELECT ?s { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", format="json"),
    ]
    pool = WorkerPool(graph_file, size=1, inline_rows=1000)
    replies = _run(pool, *others)
    assert pool.answered_inline == 0
    assert replies[-1].status == 403  # the worker's checks still apply
    live = WorkerPool(graph_file, size=1, inline_rows=1000, updatable=True, live_dir=tmp_path)
    _run(live, Job("query", POINT, format="json"))
    assert live.answered_inline == 0  # update mode: readers follow snapshots, so workers only


# Values that look like a format's own separators: JSON's ``},{``, XML's ``</result>``, CSV's
# quotes and line breaks, escapes at a value's end
TRICKY = ('x},{"y\\\\",\nz\r,w</result>', "a\\\\", '"', "},{}", "\r\n", "")
RESULT_FORMATS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}


class _CountingStore:
    """A store that counts its evaluations (each ``query`` call evaluates once)."""

    def __init__(self, store: ox.Store) -> None:
        self.store, self.queries = store, 0

    def query(self, *args: object, **kwargs: object) -> object:
        self.queries += 1
        return self.store.query(*args, **kwargs)  # type: ignore[arg-type]


def _tricky_store(rows: int) -> ox.Store:
    store = ox.Store()
    graph = ox.NamedNode("https://w3id.org/sorakg/graph/asserted")
    store.extend(
        ox.Quad(ox.NamedNode(f"urn:s{i:05}"), ox.NamedNode("urn:p"),
                ox.Literal(TRICKY[i % len(TRICKY)] * (i % 7)), graph)
        for i in range(rows)
    )  # fmt: skip
    return store


def test_a_large_answer_is_evaluated_once_with_the_bytes_oxigraph_writes() -> None:
    """5,000 rows (over a megabyte) below both caps: one evaluation, and the body is exactly
    what Oxigraph writes uncapped, in every results format."""
    store = _tricky_store(5_000)
    counting = _CountingStore(store)
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
    text = "SELECT ?s ?o { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s"
    for name, fmt in RESULT_FORMATS.items():
        counting.queries = 0
        job = Job("query", text, format=name, max_rows=10_000)
        reply = run_query(counting, job, graphs)  # type: ignore[arg-type]
        assert counting.queries == 1, name
        assert reply.status == 200 and MAXROWS_HEADER not in reply.headers, name
        whole = store.query(text).serialize(format=getattr(ox.QueryResultsFormat, fmt))
        assert whole is not None and len(whole) > 100_000
        expected = whole.replace(b"\r", b"&#13;") if name == "xml" else whole
        assert reply.body == expected, name


def _rows(body: bytes, name: str) -> list[tuple[str, ...]]:
    if name == "csv":  # Oxigraph reads no CSV results: Python's reader (values as written)
        return [tuple(row) for row in csv.reader(io.StringIO(body.decode(), newline=""))][1:]
    parsed = ox.parse_query_results(
        body, format=getattr(ox.QueryResultsFormat, RESULT_FORMATS[name])
    )
    assert isinstance(parsed, ox.QuerySolutions)
    return [tuple(str(term) for term in row) for row in parsed]


def test_answers_are_cut_at_a_solution_s_end_in_their_own_format() -> None:
    """A capped answer is a whole document holding the answer's first solutions: exactly
    ``max_rows`` of them, or as many as fit ``max_bytes`` (one more would not), with the
    header naming the cap; one evaluation either way."""
    store = _tricky_store(3_000)
    counting = _CountingStore(store)
    text = "SELECT ?s ?o { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s"
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
    for name in RESULT_FORMATS:
        whole = run_query(counting, Job("query", text, format=name, max_rows=10**6), graphs)  # type: ignore[arg-type]
        every = _rows(whole.body, name)
        assert len(every) == 3_000
        for max_rows in (1, 7, 2_999):
            counting.queries = 0
            reply = run_query(counting, Job("query", text, format=name, max_rows=max_rows), graphs)  # type: ignore[arg-type]
            assert counting.queries == 1
            assert reply.headers == {MAXROWS_HEADER: str(max_rows)}, (name, max_rows)
            assert _rows(reply.body, name) == every[:max_rows], (name, max_rows)
        assert (
            MAXROWS_HEADER
            not in run_query(store, Job("query", text, format=name, max_rows=3_000), graphs).headers
        )
        for max_bytes in (5_000, len(whole.body) // 3):
            job = Job("query", text, format=name, max_bytes=max_bytes)
            reply = run_query(counting, job, graphs)  # type: ignore[arg-type]
            assert reply.headers == {MAXBYTES_HEADER: str(max_bytes)}, (name, max_bytes)
            kept = _rows(reply.body, name)
            assert 0 < len(kept) < 3_000 and kept == every[: len(kept)], (name, max_bytes)
            assert len(reply.body) <= max_bytes
            one_more = run_query(
                store, Job("query", text, format=name, max_rows=len(kept) + 1), graphs
            )
            assert len(one_more.body) > max_bytes, (name, max_bytes)  # as many as fit


def test_a_worker_starts_without_rdflib_or_the_table_models() -> None:
    """A query worker imports neither rdflib nor the table models (pydantic): most of its start
    before, paid by every worker and every replacement of one killed at a timeout."""
    probe = (
        "import sys, sorakg.server.worker; "
        "print([m for m in ('rdflib', 'pydantic', 'sorakg.loaders.tables') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
