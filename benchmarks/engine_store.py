"""Query workers over a private in-memory copy of the graph (the engine before on-disk stores)
against workers opening the release's on-disk store read-only (the engine now), side by side
on the same synthesized graph: start-up time to the first answer, and resident memory of all
the workers.

    .venv/bin/python -m benchmarks.engine_store [COPIES]   # default 128 copies: about 1M quads

The graph is the current build (``make build``) copied COPIES times, every entity IRI and blank
node renamed per copy (the named graphs kept), so it grows like a literature-sized graph.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from sorakg.release.folder import current_graph_file, write_store
from sorakg.server.execute import Job
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings

BASE = "https://w3id.org/sorakg/"
POINT = Job("query", f"ASK {{ <{BASE}c7/drug/sorafenib> ?p ?o }}", format="json")

# the old worker (server/worker.py at 1fc542e): bulk-load the N-Quads into an in-memory store
PRIVATE_COPY = """
import sys, pyoxigraph as ox
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
print(len(store), flush=True)
sys.stdin.read()
"""


def synthesize(source: Path, copies: int, target: Path) -> int:
    lines = source.read_text(encoding="utf-8").splitlines()
    blank = re.compile(r"_:(\w+)")
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for k in range(copies):
            for line in lines:
                renamed = line.replace(BASE, f"{BASE}c{k}/").replace(
                    f"{BASE}c{k}/graph/", f"{BASE}graph/"
                )
                out.write(blank.sub(rf"_:c{k}x\1", renamed) + "\n")
                count += 1
    return count


def rss_mb(processes: list[psutil.Process]) -> float:
    return sum(p.memory_info().rss for p in processes) / 2**20


def private_copies(nquads: Path, workers: int) -> tuple[float, float]:
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PRIVATE_COPY, str(nquads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        assert proc.stdout is not None
        proc.stdout.readline()
    elapsed = time.perf_counter() - start
    memory = rss_mb([psutil.Process(p.pid) for p in procs])
    for proc in procs:
        proc.kill()
        proc.wait()
    return elapsed, memory


async def on_disk(nquads: Path, workers: int) -> tuple[float, float]:
    pool = WorkerPool(nquads, size=workers)
    start = time.perf_counter()
    await pool.start()
    reply = await pool.run(POINT)
    elapsed = time.perf_counter() - start
    assert reply.status == 200 and b"true" in reply.body, reply
    memory = rss_mb([psutil.Process(w.process.pid) for w in pool._workers])
    await pool.close()
    return elapsed, memory


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    source = current_graph_file(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        nquads = Path(tmp) / "sorakg.nq"
        quads = synthesize(source, copies, nquads)
        start = time.perf_counter()
        write_store(nquads, Path(tmp) / "store")  # what `sorakg build` adds, once per release
        store_seconds = time.perf_counter() - start
        rows = []
        for workers in (2, 4):
            old = private_copies(nquads, workers)
            new = asyncio.run(on_disk(nquads, workers))
            rows.append((workers, old, new))
    print(f"{quads:,} quads; on-disk store written once by the build in {store_seconds:.1f} s\n")
    print("| workers | private copies: start s | RSS MB | on-disk store: start s | RSS MB "
          "| start ratio | memory ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for workers, (t0, m0), (t1, m1) in rows:
        print(f"| {workers} | {t0:.1f} | {m0:.0f} | {t1:.2f} | {m1:.0f} "
              f"| {t0 / t1:.0f} x | {m0 / m1:.0f} x |")  # fmt: skip


if __name__ == "__main__":
    main()
