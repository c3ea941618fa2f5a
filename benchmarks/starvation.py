"""Can runaway queries starve a point lookup?

    .venv/bin/python -m benchmarks.starvation [--seconds 40] [--workers 2]   (make bench-starvation)

For the baseline commit (``before``, :data:`benchmarks.baseline.BEFORE`) and this checkout
(``after``), ``sorakg serve`` with ``--workers`` query workers and the default 10 s timeout on
the project's build; twice as many clients as workers each send a runaway query (a three-way
cross product counted: it only ends by the timeout) and send it again as soon as it is answered,
while one more client sends point lookups back to back (a different entity each time). Every
lookup's latency counts, whatever its status. Prints markdown and writes
``benchmarks/starvation.md``; docs/endpoint.md quotes it.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

from . import baseline
from .servers import Server, start
from .workload import variants

HERE = Path(__file__).resolve().parent
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = "application/sparql-results+json"


@dataclass
class Outcome:
    lookups: list[tuple[float, int]] = field(default_factory=list)  # (seconds, status)
    runaways: Counter[int] = field(default_factory=Counter)  # status → count


def _loop(server: Server, texts: list[str], stop: threading.Event,
          record: list[tuple[float, int]]) -> None:  # fmt: skip
    with httpx.Client(timeout=120) as client:
        turn = 0
        while not stop.is_set():
            text = texts[turn % len(texts)]
            turn += 1
            began = time.perf_counter()
            try:
                status = client.get(server.sparql, params={"query": text},
                                    headers={"Accept": JSON}).status_code  # fmt: skip
            except httpx.HTTPError:
                status = 0
            record.append((time.perf_counter() - began, status))


def starve(server: Server, lookups: list[str], runaways: int, seconds: float) -> Outcome:
    stop = threading.Event()
    outcome = Outcome()
    runaway_records: list[list[tuple[float, int]]] = [[] for _ in range(runaways)]
    threads = [
        threading.Thread(target=_loop, args=(server, [RUNAWAY], stop, record))
        for record in runaway_records
    ]
    for thread in threads:
        thread.start()
    time.sleep(1)  # the runaways take the workers first
    looker = threading.Thread(target=_loop, args=(server, lookups, stop, outcome.lookups))
    looker.start()
    time.sleep(seconds)
    stop.set()
    for thread in [looker, *threads]:
        thread.join()
    for record in runaway_records:
        outcome.runaways.update(status for _, status in record)
    return outcome


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (the largest value for q=100 or a short list)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=40, help="how long the lookups run")
    parser.add_argument("--workers", type=int, default=2, help="query workers of the server")
    parser.add_argument("--only", nargs="+", choices=["before", "after"],
                        default=["before", "after"])  # fmt: skip
    args = parser.parse_args()
    graph = current_graph_file(Settings())
    if not graph.exists():
        raise SystemExit("no build: run 'sorakg build' (or 'make build') first")
    store = ox.Store()
    store.bulk_load(path=str(graph), format=ox.RdfFormat.N_QUADS)
    lookups = variants(store)["point"]
    runaways = 2 * args.workers
    results: dict[str, Outcome] = {}
    for variant in args.only:
        code = baseline.materialise() if variant == "before" else None
        server = start("sorakg", graph, args.workers, code=code, timeout=10)
        try:
            results[variant] = starve(server, lookups, runaways, args.seconds)
        finally:
            server.stop()
        print(variant, results[variant].runaways, len(results[variant].lookups), flush=True)
    out = [
        "# Runaway queries beside a point lookup",
        "",
        f"Machine: {os.cpu_count()} cores. {args.workers} workers, 10 s query timeout, "
        f"{runaways} clients looping a runaway query, one client sending point lookups back to "
        f"back for {args.seconds:g} s. before = `{baseline.describe(baseline.BEFORE)}`; "
        f"after = `{baseline.describe('HEAD')}`.",
        "",
        "| server | lookups | answered 200 | other statuses | p50 ms | p99 ms | max ms | "
        "runaway answers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant, outcome in results.items():
        times = [seconds * 1000 for seconds, _ in outcome.lookups]
        statuses = Counter(status for _, status in outcome.lookups)
        ok = statuses.pop(200, 0)
        other = ", ".join(f"{n}x {s}" for s, n in sorted(statuses.items())) or "none"
        runaway = ", ".join(f"{n}x {s}" for s, n in sorted(outcome.runaways.items()))
        out.append(
            f"| {variant} | {len(times)} | {ok} | {other} | {percentile(times, 50):.1f} | "
            f"{percentile(times, 99):.1f} | {max(times, default=0):.1f} | {runaway} |"
        )
    if {"before", "after"} <= results.keys():
        before = [s for s, _ in results["before"].lookups]
        after = [s for s, _ in results["after"].lookups]
        out.append(
            f"\np99 after / before: {percentile(after, 99) / percentile(before, 99):.4f}x; "
            f"lookups answered in the same time: {len(after) / max(1, len(before)):.0f}x"
        )
    text = "\n".join(out) + "\n"
    (HERE / "starvation.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
