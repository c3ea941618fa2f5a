"""The endpoint at 1M and 10M triples beside the Oxigraph server.

    .venv/bin/python -m benchmarks.endpoint_scale [--sizes 1M 10M] [--samples 5]  (bench-scale)

For each synthetic graph (the review's graph copied with its entity IRIs renamed per copy; the
first copy keeps the review's IRIs so the named queries' default parameters find answers):
the time to write each server's on-disk store (``sorakg build``'s ``write_store``; ``oxigraph
load``), each server's time from start to its first answer and the memory of all its processes
(after the first answer, and after every query ran), then p50/p99 of every named query
(``queries/*.rq`` with its default parameters: ``/queries/NAME`` on sorakg, the same text with
the defaults in a ``VALUES`` block on Oxigraph) and of a point lookup. Each query runs
``--samples`` times at most and stops early past ``--budget`` seconds (always at least once),
so the run is bounded; with few samples p99 is the slowest one. Both servers get the same
timeout (``--timeout``, 120 s); sorakg's row cap is raised to 1,000,000 so both return every
row. Prints markdown and writes ``benchmarks/endpoint_scale.md``; docs/scaling.md quotes it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings
from sorakg.sparql import catalogue

from .baseline import materialise
from .servers import Server, manifest, oxigraph_load, sorakg_build, start
from .starvation import percentile
from .workload import PREFIXES, synthetic

HERE = Path(__file__).resolve().parent
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}  # 100k: a quick trial
JSON = "application/sparql-results+json"
POINT_NAME = "(point lookup)"
PAGE_NAME, SEARCH_NAME = "(page drug/sorafenib)", "(search sorafenib)"
POINT = PREFIXES + "SELECT ?p ?o WHERE { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }"


@dataclass
class Run:
    load_s: float
    startup_s: float
    memory_start: tuple[float, float]
    memory_end: tuple[float, float] = (0.0, 0.0)
    times: dict[str, list[float]] = field(default_factory=dict)  # query → seconds per request
    failures: dict[str, str] = field(default_factory=dict)  # query → first non-200 status
    load_average: tuple[float, float] = (0.0, 0.0)  # the machine's 1-min load, before and after


def requests_for(server: Server) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Each query as (method, URL, parameters) for this server."""
    prefixes = catalogue.prefixes_for(Settings().base_iri)
    out: dict[str, tuple[str, str, dict[str, str]]] = {}
    for query in catalogue.list_queries():
        if server.name in ("sorakg", "baseline"):
            out[query.name] = ("GET", f"{server.root}/queries/{query.name}", {"format": "json"})
        else:
            text = catalogue.bound_text(query, catalogue.bind(query, {}, prefixes))
            out[query.name] = ("POST", server.sparql, {"query": text})
    out[POINT_NAME] = ("GET", server.sparql, {"query": POINT})
    if server.name in ("sorakg", "baseline"):  # the worst entity page (shared graph), a search
        out[PAGE_NAME] = ("GET", f"{server.root}/drug/sorafenib.html", {})
        out[SEARCH_NAME] = ("GET", f"{server.root}/search", {"q": "sorafenib"})
    return out


def measure(
    server: Server,
    load_s: float,
    samples: int,
    budget: float,
    patience: float,
    only: list[str] | None = None,
) -> Run:
    """Every query's timings; a request unanswered after ``patience`` seconds is given up (the
    Oxigraph server does not always stop a query at its own timeout) and counted at that."""
    run = Run(load_s, server.startup_s, server.memory_mb())
    before = os.getloadavg()[0]
    with httpx.Client(timeout=patience, headers={"Accept": JSON}) as client:
        for name, (method, url, params) in requests_for(server).items():
            if only and name not in only and name != POINT_NAME:  # the page and search if named
                continue
            times: list[float] = []
            began = time.perf_counter()
            while len(times) < samples and (not times or time.perf_counter() - began < budget):
                sent = time.perf_counter()
                try:
                    if method == "GET":
                        answer = client.get(url, params=params)
                    else:
                        answer = client.post(url, data=params)
                    status = f"{answer.status_code}"
                except httpx.TimeoutException:
                    status = f"no answer in {patience:g} s"
                times.append(time.perf_counter() - sent)
                if status != "200":
                    run.failures.setdefault(name, status)
                    if status.startswith("no answer"):
                        break  # once is enough: the server may still be busy with it
            run.times[name] = times
    run.memory_end = server.memory_mb()
    run.load_average = (before, os.getloadavg()[0])
    return run


def report(runs: dict[tuple[str, str], Run], samples: int, budget: float) -> list[str]:
    out = [
        "## Endpoint at scale",
        "",
        f"Machine: {os.cpu_count()} cores, shared. `python -m benchmarks.endpoint_scale` "
        f"(`make bench-scale`): sorakg (`sorakg serve`, 2 general workers and the fast lane, on "
        "the release's on-disk store) beside the Oxigraph server (`oxigraph serve-read-only`) on "
        f"the same synthetic graph in the same run; at most {samples} requests per query, fewer "
        f"past {budget:g} s (p99 is then the slowest); the same query timeout on both. Memory: "
        "RSS / PSS summed over every process of the server (PSS shares pages that processes "
        "share). A status other than 200 is named in the cell.",
        "",
        "| graph | server | store written s | start to first answer s | MB after start "
        "(RSS / PSS) | MB after the queries (RSS / PSS) | machine load (1 min) before / after |",
        "|---|---|---|---|---|---|---|",
    ]
    sizes = list(dict.fromkeys(size for size, _ in runs))
    for size in sizes:
        for name in ("baseline", "sorakg", "oxigraph"):
            r = runs.get((size, name))
            if r is None:
                continue
            out.append(
                f"| {size} | {name} | {r.load_s:.1f} | {r.startup_s:.2f} | "
                f"{r.memory_start[0]:.0f} / {r.memory_start[1]:.0f} | "
                f"{r.memory_end[0]:.0f} / {r.memory_end[1]:.0f} | "
                f"{r.load_average[0]:.1f} / {r.load_average[1]:.1f} |"
            )
    for size in sizes:
        ours, theirs = runs.get((size, "sorakg")), runs.get((size, "oxigraph"))
        if ours is not None and theirs is None:  # sorakg alone: which requests pass a second
            out += ["", f"### {size}: sorakg alone, ms per request", "",
                    "| query | n | p50 | p99 | over 1 s |", "|---|---|---|---|---|"]  # fmt: skip
            for name, times in ours.times.items():
                failed = f" ({ours.failures[name]})" if name in ours.failures else ""
                p50, p99 = percentile(times, 50), percentile(times, 99)
                over = "**yes**" if p50 > 1 else ""
                out.append(f"| {name} | {len(times)} | {p50 * 1000:.1f}{failed} | "
                           f"{p99 * 1000:.1f} | {over} |")  # fmt: skip
        before = runs.get((size, "baseline"))
        if ours is not None and before is not None:  # the same server before and after
            out += ["", f"### {size}: sorakg before (baseline) and now, ms p50", "",
                    "| query | before | now | now / before | now over 1 s |",
                    "|---|---|---|---|---|"]  # fmt: skip
            for name, times in ours.times.items():
                was = before.times.get(name, [])
                cells = []
                for run, got in ((before, was), (ours, times)):
                    failed = f" ({run.failures[name]})" if name in run.failures else ""
                    cells.append(f"{percentile(got, 50) * 1000:.1f}{failed}" if got else "-")
                ratio = percentile(times, 50) / max(1e-9, percentile(was, 50)) if was else 0
                over = "**yes**" if percentile(times, 50) > 1 else ""
                out.append(f"| {name} | {cells[0]} | {cells[1]} | {ratio:.2f}x | {over} |")
        if ours is None or theirs is None:
            continue
        out += [
            "",
            f"### {size}: ms per request (p50 / p99) and sorakg / Oxigraph at p50",
            "",
            "| query | n | sorakg p50 | sorakg p99 | Oxigraph p50 | Oxigraph p99 | ratio p50 |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, ours_times in ours.times.items():
            theirs_times = theirs.times.get(name, [])
            cells = []
            for run, times in ((ours, ours_times), (theirs, theirs_times)):
                failed = f" ({run.failures[name]})" if name in run.failures else ""
                cells += [f"{percentile(times, 50) * 1000:.1f}{failed}",
                          f"{percentile(times, 99) * 1000:.1f}"]  # fmt: skip
            ratio = percentile(ours_times, 50) / max(1e-9, percentile(theirs_times, 50))
            n = f"{len(ours_times)}/{len(theirs_times)}"
            out.append(f"| {name} | {n} | " + " | ".join(cells) + f" | {ratio:.2f}x |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["1M", "10M"])
    parser.add_argument("--samples", type=int, default=5, help="most requests per query")
    parser.add_argument("--budget", type=float, default=20, help="seconds per query, roughly")
    parser.add_argument("--timeout", type=float, default=120, help="both servers' query timeout")
    parser.add_argument("--only", nargs="+", metavar="QUERY", help="these named queries only")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="copies share the drugs, trials and targets (benchmarks.workload.SHARED_KINDS)",
    )
    parser.add_argument("--servers", nargs="+", choices=["sorakg", "oxigraph", "baseline"],
                        default=["sorakg", "oxigraph"])  # fmt: skip
    parser.add_argument(
        "--baseline",
        default="a5d7b9b",
        metavar="REV",
        help="the commit the 'baseline' server runs (sorakg as it was)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait this long after a sorakg server's first answer before measuring: a release "
        "over server/pool.py's EAGER_QUADS answers from the disk until each worker has loaded "
        "its in-memory default view",
    )
    parser.add_argument("--out", type=Path, default=HERE / "endpoint_scale.md")
    parser.add_argument(
        "--reuse",
        nargs=2,
        metavar=("BUILD", "OXIGRAPH_STORE"),
        help="serve the stores an earlier run left (one size): a bench build folder and an "
        "Oxigraph store folder; their write times are then not measured (0)",
    )
    args = parser.parse_args()
    source = current_graph_file(Settings())
    if not source.exists():
        raise SystemExit("no build: run 'sorakg build' (or 'make build') first")
    work = Path(tempfile.mkdtemp(prefix="sorakg-scale-endpoint-"))
    runs: dict[tuple[str, str], Run] = {}
    for size in args.sizes:
        if args.reuse:
            build, location = (Path(folder) for folder in args.reuse)
            graph = build / "releases" / "bench" / "sorakg.nq"
            if not (build / "releases" / "bench" / "manifest.json").exists():
                manifest(graph.parent)
            sorakg_load = oxigraph_s = 0.0
        else:
            graph = synthetic(
                source, SIZES[size], work / f"{size}.nq", keep_first=True, shared=args.shared
            )
            build, sorakg_load = sorakg_build(graph, store=True)
            location, oxigraph_s = work / f"{size}-oxigraph", 0.0
            if "oxigraph" in args.servers:
                location, oxigraph_s = oxigraph_load(graph, location)
        print(f"{size}: stores written ({sorakg_load:.0f} s, {oxigraph_s:.0f} s)", flush=True)
        for name, load_s in (("baseline", sorakg_load), ("sorakg", sorakg_load),
                             ("oxigraph", oxigraph_s)):  # fmt: skip
            if name not in args.servers:
                continue
            code = materialise(args.baseline) if name == "baseline" else None
            server = start(
                "oxigraph" if name == "oxigraph" else "sorakg",
                graph,
                code=code,
                build=build,
                location=location,
                timeout=args.timeout,
            )
            server.name = name
            if name != "oxigraph":
                time.sleep(args.settle)
            try:
                patience = args.timeout + 60
                runs[size, name] = measure(
                    server, load_s, args.samples, args.budget, patience, args.only
                )
            finally:
                server.stop()
            sent = sum(map(len, runs[size, name].times.values()))
            print(f"  {name}: started in {server.startup_s:.1f} s, {sent} requests", flush=True)
            text = "\n".join(report(runs, args.samples, args.budget)) + "\n"
            args.out.write_text(text, encoding="utf-8")  # so far
        if not args.reuse:
            graph.unlink()  # the N-Quads of 10M triples are over a gigabyte
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
