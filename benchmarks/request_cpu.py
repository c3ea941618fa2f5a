"""CPU per cheap request: this checkout beside named baselines and Oxigraph's server.

    .venv/bin/python -m benchmarks.request_cpu [--baselines 1fc542e e3b0baa] [--rounds 3]

Every server serves the project's own build (``make build`` first). wrk sends the point lookup
of :data:`benchmarks.workload.MIX` (200 texts naming different entities, cycled) at concurrency
1 and 16, and the server's own CPU time (all its processes: uvicorn and the query workers) is
divided by the requests it answered. The servers take turns, round after round, so a burst of
other load on the shared 2-core machine falls on all of them; each cell is the median over the
rounds. Baselines are commits of this repository run as they were (:mod:`benchmarks.baseline`):
``1fc542e`` is the code before the per-request work (0.9 ms per lookup), ``e3b0baa`` main
just before its last step. Prints markdown and writes ``benchmarks/request_cpu.md``;
docs/endpoint.md quotes it.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import pyoxigraph as ox

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

from . import baseline
from .run import wrk
from .servers import Server, oxigraph_load, start
from .workload import MIX, variants

HERE = Path(__file__).resolve().parent
QUERIES = ("point", "path", "construct")
# The Oxigraph server (0.5.13, read-only) answers some requests after a concurrency-16 run with
# 500 "Resource temporarily unavailable (os error 11)", so each of its cells gets a fresh process
FRESH = "oxigraph"  # the cheap kinds of the mix: HTTP and the hop dominate


def _servers(graph: Path, baselines: list[str], location: Path) -> dict[str, Server]:
    servers: dict[str, Server] = {}
    try:
        for rev in baselines:
            code = baseline.materialise(rev)
            servers[f"sorakg@{baseline.resolve(rev)[:7]}"] = start("sorakg", graph, code=code)
        servers["sorakg (this checkout)"] = start("sorakg", graph)
        servers["oxigraph"] = start("oxigraph", graph, location=location)
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baselines", nargs="*", default=[baseline.BEFORE, "e3b0baa"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5, help="wrk run length per cell")
    parser.add_argument("--queries", nargs="+", choices=list(MIX), default=list(QUERIES))
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 16])
    args = parser.parse_args()
    graph = current_graph_file(Settings())
    if not graph.exists():
        raise SystemExit("no build: run 'sorakg build' (or 'make build') first")
    location, _ = oxigraph_load(graph)
    texts = variants(_union_store(graph))
    servers = _servers(graph, args.baselines, location)
    cells: dict[tuple[str, int, str], list[dict]] = {}
    try:
        for round_ in range(args.rounds):
            for query in args.queries:
                _, _, accept = MIX[query]
                for concurrency in args.concurrency:
                    for name, server in servers.items():
                        if name == FRESH:
                            server.stop()
                            server = servers[name] = start(FRESH, graph, location=location)
                        try:
                            result = wrk(server, texts[query], accept, concurrency, args.seconds)
                        except RuntimeError as error:  # e.g. the server stopped answering
                            print(error, flush=True)
                            continue
                        cells.setdefault((query, concurrency, name), []).append(result)
            print(f"round {round_ + 1}/{args.rounds} done", flush=True)
    finally:
        for server in servers.values():
            server.stop()
    lines = report(cells, list(servers), args)
    (HERE / "request_cpu.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def _union_store(graph: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(graph), format=ox.RdfFormat.N_QUADS)
    return store


def report(cells: dict[tuple[str, int, str], list[dict]], names: list[str],
           args: argparse.Namespace) -> list[str]:  # fmt: skip
    first = names[0]
    out = [
        "## CPU per cheap request",
        "",
        f"`python -m benchmarks.request_cpu` on the project's build: wrk, {args.seconds:g} s per "
        f"cell, {args.rounds} rounds with the servers taking turns; each cell the median over "
        "the rounds. CPU ms/req: the server's own CPU (all its processes) per answered request. "
        f"Ratios against {first}.",
        "",
        f"| query | c | server | CPU ms/req | req/s | p50 ms | p99 ms | non-2xx | CPU vs {first} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for query in args.queries:
        for concurrency in args.concurrency:
            base = statistics.median(
                r["cpu_ms_per_request"] for r in cells[query, concurrency, first]
            )
            for name in names:
                runs = cells.get((query, concurrency, name), [])
                if not runs:
                    out.append(f"| {query} | {concurrency} | {name} | wrk failed | | | | | |")
                    continue
                cpu = statistics.median(r["cpu_ms_per_request"] for r in runs)
                rps = statistics.median(r["rps"] for r in runs)
                p50 = statistics.median(r["p50_us"] for r in runs) / 1000
                p99 = statistics.median(r["p99_us"] for r in runs) / 1000
                bad = sum(r["non2xx"] + r["errors"] for r in runs)
                out.append(f"| {query} | {concurrency} | {name} | {cpu:.3f} | {rps:.0f} | "
                           f"{p50:.2f} | {p99:.2f} | {bad} | {cpu / base:.2f}x |")  # fmt: skip
    return out


if __name__ == "__main__":
    main()
