"""How the embedded engine answers: point lookups in the server's own process with the workers'
answer, and capped answers cut at a solution's end in their own format, evaluated once."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from sorakg.server.execute import MAXBYTES_HEADER, MAXROWS_HEADER, Job, run_query
from sorakg.server.pool import WorkerPool
from tests.constants import RDFS_LABEL, SORAFENIB
from tests.helpers import run_jobs

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
    assert run_jobs(inline, *jobs) == run_jobs(workers, *jobs)  # status, type, body and headers
    assert inline.answered_inline == len(jobs) - 1  # the broken query: 400 from a worker
    assert workers.answered_inline == 0


def test_a_lookup_with_more_rows_than_inline_rows_is_answered_whole_by_a_worker(
    graph_file: Path,
) -> None:
    many = Job("query", "SELECT ?s ?p ?o { ?s ?p ?o }", format="tsv", max_rows=50)
    few = Job("query", POINT, format="tsv")
    pool = WorkerPool(graph_file, size=1, inline_rows=10)
    reply, small = run_jobs(pool, many, few)
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
    replies = run_jobs(pool, *others)
    assert pool.answered_inline == 0
    assert replies[-1].status == 403  # the worker's checks still apply
    live = WorkerPool(graph_file, size=1, inline_rows=1000, updatable=True, live_dir=tmp_path)
    run_jobs(live, Job("query", POINT, format="json"))
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
