"""The CPU one entity page costs, in-process, and what each of its queries costs.

    nice -n 5 .venv/bin/python -m benchmarks.page_cpu BUILD [/drug/sorafenib.html ...]
        [--samples 2]

``BUILD`` is a build folder whose ``graph`` is a release (``store/``, ``sorakg.nq``), e.g. one
``benchmarks.entity_pages`` wrote. The app runs in this process (Starlette's test client) and
its queries are answered here too, on the release's read-only on-disk store (the worker pool's
``run`` replaced by a direct call; not the in-memory default view a server may hold), so the
process's CPU time is the page's whole cost: the queries, reading their answers, the
explanations (rdflib) and the HTML. Served, the same work is split between the web process and
a worker, and the load of other processes shows as wait. Each page is asked ``--samples``
times; per sample: the page's CPU, its queries' part, and each query's CPU and answer size
(the first line of its text). The 1-minute load is printed beside.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("paths", nargs="*", default=["/drug/sorafenib.html"])
    parser.add_argument("--samples", type=int, default=2)
    args = parser.parse_args()
    os.environ["SORAKG_BUILD_DIR"] = str(args.build)
    os.environ.setdefault("SORAKG_QUERY_TIMEOUT", "120")
    os.environ.setdefault("SORAKG_QUERY_WORKERS", "1")

    import pyoxigraph as ox
    from fastapi.testclient import TestClient

    from sorakg.release.default_view import default_graphs
    from sorakg.server import pool
    from sorakg.server.app import create_app
    from sorakg.server.execute import Job, Reply, run_query

    store = ox.Store.read_only(str(args.build.resolve() / "graph" / "store"))
    graphs = default_graphs(store)
    spent: list[tuple[float, int, str]] = []

    async def run(self: pool.WorkerPool, job: Job) -> Reply:
        start = time.process_time()
        reply = run_query(store, job, graphs)
        head = next(
            (line for line in job.text.splitlines() if line[:6] in ("SELECT", "CONSTR")), ""
        )
        spent.append((time.process_time() - start, len(reply.body), head[:70]))
        return reply

    pool.WorkerPool.run = run  # type: ignore[method-assign]
    with TestClient(create_app()) as client:
        for path in args.paths:
            for sample in range(1, args.samples + 1):
                spent.clear()
                load = os.getloadavg()[0]
                start = time.process_time()
                status = client.get(path).status_code
                cpu = time.process_time() - start
                queries = sum(s for s, _, _ in spent)
                print(f"\n{path} sample {sample}: {status}, page {cpu:.2f} CPU s, "
                      f"queries {queries:.2f} s, load {load:.1f}")  # fmt: skip
                for seconds, size, head in sorted(spent, reverse=True):
                    print(f"  {seconds:5.2f} s {size / 1e6:6.2f} MB  {head}")


if __name__ == "__main__":
    main()
