"""Benchmark: engines in-process, then the three servers side by side, then scaling.

``python -m benchmarks.run [--seconds S] [--quick]`` (``make bench``) prints markdown tables and
writes them to ``benchmarks/results.md``. Load comes from wrk (C, one thread per core), which
cycles through 200 query texts per kind so no server can answer from a cache of query text.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

from .servers import Server, start
from .workload import MIX, synthetic, variants

HERE = Path(__file__).resolve().parent
SERVERS = ("sorakg", "oxigraph", "rdflib-endpoint")


def wrk(server: Server, texts: list[str], accept: str, concurrency: int, seconds: float) -> dict:
    split = urlsplit(server.sparql)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as paths:
        for text in texts:
            paths.write(f"{split.path}?query={quote(text, safe='')}\n")
    env = dict(os.environ, WRK_PATHS=paths.name, WRK_ACCEPT=accept)
    threads = min(concurrency, 2)
    duration = f"-d{max(1, round(seconds))}s"
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", duration, "--timeout", "60s",
               "-s", str(HERE / "wrk.lua"), f"{split.scheme}://{split.netloc}/"]  # fmt: skip
    cpu_before = server.cpu_seconds()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {server.name} ({done.returncode}): {done.stderr.strip()}"
                           f" {done.stdout.strip()[-500:]}")  # fmt: skip
    output = done.stdout
    cpu = server.cpu_seconds() - cpu_before
    os.unlink(paths.name)
    result = json.loads([line for line in output.splitlines() if line.startswith("{")][-1])
    result["rps"] = result["requests"] / result["seconds"]
    result["cpu_ms_per_request"] = 1000 * cpu / max(1, result["requests"])
    return result


def _check(server: Server, texts: list[str], accept: str) -> None:
    import httpx

    answer = httpx.get(server.sparql, params={"query": texts[0]}, headers={"Accept": accept},
                       timeout=300)  # fmt: skip
    if answer.status_code != 200:
        raise RuntimeError(f"{server.name}: {answer.status_code} {answer.text[:300]}")


def compare_servers(graph: Path, seconds: float, out: list[str]) -> None:
    store = ox.Store()
    store.bulk_load(path=str(graph), format=ox.RdfFormat.N_QUADS)
    texts = variants(store)
    results: dict[tuple[str, str, int], dict] = {}
    for name in SERVERS:
        server = start(name, graph)
        try:
            for query, (_, _, accept) in MIX.items():
                _check(server, texts[query], accept)
                for concurrency in (1, 16):
                    results[name, query, concurrency] = wrk(
                        server, texts[query], accept, concurrency, seconds
                    )
                    r = results[name, query, concurrency]
                    print(f"  {name:16} {query:10} c={concurrency:<3} {r['rps']:9.1f} req/s "
                          f"p50 {r['p50_us'] / 1000:8.2f} ms  errors {r['errors'] + r['non2xx']}",
                          flush=True)  # fmt: skip
        finally:
            server.stop()
    out.append(f"\n## Servers side by side ({len(store)} triples, {seconds:g} s per cell)\n")
    out.append(
        "| query | c | server | req/s | p50 ms | p99 ms | CPU ms/req | errors | vs Oxigraph |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|")
    for query in MIX:
        for concurrency in (1, 16):
            base = results["oxigraph", query, concurrency]["rps"]
            for name in SERVERS:
                r = results[name, query, concurrency]
                out.append(
                    f"| {query} | {concurrency} | {name} | {r['rps']:.0f} | "
                    f"{r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | "
                    f"{r['cpu_ms_per_request']:.2f} | {r['errors'] + r['non2xx']} | "
                    f"{r['rps'] / base:.2f}x |"
                )
    ratios = []
    for q in MIX:
        for c in (1, 16):
            ratio = results["sorakg", q, c]["rps"] / results["rdflib-endpoint", q, c]["rps"]
            ratios.append(f"{q} c={c}: {ratio:.1f}x")
    out.append("\nsorakg vs rdflib-endpoint (req/s ratio): " + ", ".join(ratios))


def _time(run: Callable[[str], object], texts: list[str], budget: float) -> float:
    """Median seconds per query over the varied texts, within a time budget (at least one)."""
    timings: list[float] = []
    started = time.perf_counter()
    for text in texts:
        start = time.perf_counter()
        run(text)
        timings.append(time.perf_counter() - start)
        if time.perf_counter() - started > budget:
            break
    return statistics.median(timings)


def _ox_run(store: ox.Store, text: str) -> object:
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.TURTLE)
    return result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[union-attr]


def _rdflib_run(dataset: object, text: str) -> object:
    result = dataset.query(text)  # type: ignore[attr-defined]
    return result.serialize(format="turtle" if result.type == "CONSTRUCT" else "json")


def compare_engines(graphs: dict[str, Path], out: list[str], rdflib_limit: int) -> None:
    from rdflib import Dataset

    out.append("\n## Engines in-process: median ms per query (load seconds)\n")
    out.append("| graph | engine | load s | " + " | ".join(MIX) + " |")
    out.append("|---|---|---|" + "---|" * len(MIX))
    for label, path in graphs.items():
        store = ox.Store()
        start = time.perf_counter()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        load = time.perf_counter() - start
        texts = variants(store, count=50)

        cells = [f"{1000 * _time(partial(_ox_run, store), texts[q], 5):.2f}" for q in MIX]
        out.append(
            f"| {label} ({len(store)}) | pyoxigraph | {load:.1f} | " + " | ".join(cells) + " |"
        )
        print(out[-1], flush=True)
        if len(store) > rdflib_limit:
            out.append(f"| {label} | rdflib | not run (over {rdflib_limit} triples) |")
            continue
        dataset = Dataset(default_union=True)
        start = time.perf_counter()
        dataset.parse(str(path), format="nquads")
        load = time.perf_counter() - start

        cells = [f"{1000 * _time(partial(_rdflib_run, dataset), texts[q], 20):.2f}" for q in MIX]
        out.append(
            f"| {label} ({len(dataset)}) | rdflib | {load:.1f} | " + " | ".join(cells) + " |"
        )
        print(out[-1], flush=True)


def scaling(graphs: dict[str, Path], seconds: float, out: list[str]) -> None:
    out.append(f"\n## Scaling: p50 ms at concurrency 1 ({seconds:g} s per cell)\n")
    out.append("| graph | server | " + " | ".join(MIX) + " |")
    out.append("|---|---|" + "---|" * len(MIX))
    for label, path in graphs.items():
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        texts = variants(store)
        size = len(store)
        del store
        for name in ("sorakg", "oxigraph"):
            server = start(name, path)
            try:
                cells = []
                for query, (_, _, accept) in MIX.items():
                    _check(server, texts[query], accept)
                    r = wrk(server, texts[query], accept, 1, seconds)
                    cells.append(f"{r['p50_us'] / 1000:.2f}")
            finally:
                server.stop()
            out.append(f"| {label} ({size}) | {name} | " + " | ".join(cells) + " |")
            print(out[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5, help="wrk run length per cell")
    parser.add_argument("--quick", action="store_true", help="skip the 1M-triple graph")
    parser.add_argument("--rdflib-limit", type=int, default=150_000,
                        help="largest graph rdflib's engine is timed on")  # fmt: skip
    parser.add_argument("--only", choices=["engines", "servers", "scaling"], action="append")
    args = parser.parse_args()
    graph = current_graph_file(Settings())
    if not graph.exists():
        raise SystemExit("no build: run 'sorakg build' (or 'make build') first")
    work = Path(tempfile.mkdtemp(prefix="sorakg-bench-"))
    sizes = {"10k": 10_000, "100k": 100_000} | ({} if args.quick else {"1M": 1_000_000})
    synthetic_graphs = {k: synthetic(graph, n, work / f"{k}.nq") for k, n in sizes.items()}
    out = ["# sorakg endpoint benchmark", "",
           f"Machine: {os.cpu_count()} cores. Query mix: " + ", ".join(MIX) + "."]  # fmt: skip
    only = set(args.only or ["engines", "servers", "scaling"])
    if "engines" in only:
        engines = {"project": graph} | {k: v for k, v in synthetic_graphs.items() if k != "10k"}
        compare_engines(engines, out, args.rdflib_limit)
    if "servers" in only:
        compare_servers(graph, args.seconds, out)
    if "scaling" in only:
        scaling(synthetic_graphs, max(2.0, args.seconds / 2), out)
    text = "\n".join(out) + "\n"
    (HERE / "results.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
