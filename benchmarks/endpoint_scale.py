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

Each server is measured once it is idle after its first answer (a release under
``memory_store_quads`` is loaded into memory then: :meth:`Server.settle`), and again idle after
each request it did not answer 200, so a query stopped at the timeout does not slow the next
(sorakg's worker replacing the one stopped reads the on-disk store until the pool gives it its
view, a minute later, as a reader would meet it);
the Oxigraph server is restarted after such a request instead (its timeout does not always stop
the work, which would go on using a core and memory). With ``--work DIR`` the graphs and stores
are kept there and reused by later runs (:mod:`benchmarks.scale_stores`: each code's own store,
the baseline's too), and each server's timings are saved there: ``--resume`` reads those of an
earlier run with the same code and options instead of measuring again, so one report can be
assembled from runs that took turns.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings
from sorakg.sparql import catalogue

from . import scale_stores
from .baseline import ROOT, materialise, resolve
from .endpoint_report import report
from .servers import Server, manifest, start
from .workload import PREFIXES

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
    settle_s: float = 0.0  # from the first answer to idle (the in-memory view loaded)
    rows: dict[str, int] = field(default_factory=dict)  # query → rows of its first JSON answer
    restarts: int = 0  # the Oxigraph server restarted after a request it did not answer 200
    peak_rss: float = 0.0  # the most RSS (MB) summed over the server's processes seen
    code: str = ""  # the commit (or the checkout's code hash) measured
    cpu: dict[str, list[float]] = field(default_factory=dict)  # query → server CPU s per request
    store_cpu: dict[str, list[float]] = field(default_factory=dict)  # proxy mode: the store's


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


def _rows(answer: httpx.Response) -> int:
    """The rows of a SPARQL JSON answer (-1: not one)."""
    try:
        return len(answer.json()["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return -1


def measure(
    server: Server,
    load_s: float,
    samples: int,
    budget: float,
    patience: float,
    only: list[str] | None = None,
    restart: Callable[[], Server] | None = None,
    store_cpu: Callable[[], float] | None = None,
) -> Run:
    """Every query's timings; a request unanswered after ``patience`` seconds is given up (the
    Oxigraph server does not always stop a query at its own timeout) and counted at that. After
    a request not answered 200 the server is restarted (``restart``, the same URLs) or, without
    one, left to become idle before the next. In proxy mode ``store_cpu`` reads the external
    store's CPU seconds, kept per request beside the server's."""
    run = Run(load_s, server.startup_s, server.memory_mb())
    run.settle_s = server.settle()
    before = os.getloadavg()[0]
    with httpx.Client(timeout=patience, headers={"Accept": JSON}) as client:
        for name, (method, url, params) in requests_for(server).items():
            if only and name not in only and name != POINT_NAME:  # the page and search if named
                continue
            times: list[float] = []
            cpu = run.cpu[name] = []
            beside = run.store_cpu[name] = []
            began = time.perf_counter()
            while len(times) < samples and (not times or time.perf_counter() - began < budget):
                used = server.cpu_seconds()
                stored = store_cpu() if store_cpu else 0.0
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
                cpu.append(max(0.0, server.cpu_seconds() - used))  # a killed worker's is lost
                if store_cpu is not None:
                    beside.append(store_cpu() - stored)
                run.peak_rss = max(run.peak_rss, server.memory_mb(pss=False)[0])
                if status == "200" and name not in run.rows:
                    run.rows[name] = _rows(answer)
                if status != "200":
                    run.failures.setdefault(name, status)
                    if restart is not None:
                        server.stop()
                        server = restart()
                        run.restarts += 1
                    else:  # its replacement worker is given its view a minute later
                        server.settle(views=False)
                    if status.startswith("no answer"):
                        break  # once is enough: the server may still be busy with it
            run.times[name] = times
            failed = run.failures.get(name, "")
            print(f"    {server.name} {name}: {' '.join(f'{t:.2f}' for t in times)} s {failed}",
                  flush=True)  # fmt: skip
    run.memory_end = server.memory_mb()
    run.load_average = (before, os.getloadavg()[0])
    server.stop()
    return run


def code_id(server: str, code: Path | None, baseline: str) -> str:
    """What a server runs: the baseline's commit, or a hash of the package sorakg runs (its
    code, queries and templates: ``code``, a materialised commit, or this checkout), so saved
    timings are reused only for the same code, whichever way it was laid out."""
    if server == "oxigraph":
        return "oxigraph"
    if server == "baseline":
        return resolve(baseline)[:7]
    root = code or ROOT
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root / "sorakg", followlinks=True)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for file in sorted(files):
            if not file.endswith(".pyc"):
                path = Path(folder) / file
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return "tree " + digest.hexdigest()[:8]


def saved(work: Path, graph: str, server: str, code: str, options: dict[str, object]) -> Path:
    key = hashlib.sha256(json.dumps([graph, server, code, options], sort_keys=True).encode())
    return work / "results" / f"{graph}-{server}-{key.hexdigest()[:12]}.json"


def begin(name: str, graph: Path, build: Path | None, location: Path, timeout: float,
          code: Path | None, port: int = 0) -> Server:  # fmt: skip
    """Start server ``name`` (sorakg, baseline or oxigraph; ``code`` what sorakg runs, None:
    this checkout) on ``port`` (0: a free one)."""
    kind = "oxigraph" if name == "oxigraph" else "sorakg"
    server = start(kind, graph, code=code, build=build, location=location, timeout=timeout,
                   port=port)  # fmt: skip
    server.name = name
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["1M", "10M"])
    parser.add_argument("--samples", type=int, default=5, help="most requests per query")
    parser.add_argument("--budget", type=float, default=20, help="seconds per query, roughly")
    parser.add_argument("--timeout", type=float, default=120, help="every server's query timeout")
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
        default="2aad118",
        metavar="REV",
        help="the commit the 'baseline' server runs (sorakg as it was)",
    )
    parser.add_argument(
        "--this",
        metavar="REV",
        help="the 'sorakg' server runs this commit (materialised as the baseline is) instead "
        "of the checkout; its saved timings are those of the checkout with the same code",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait this long more once a sorakg server is idle after its first answer (it "
        "waits anyway until each worker holds its in-memory default view: Server.settle)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "endpoint_scale.md")
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the graphs, the stores and each server's timings here, and reuse what an "
        "earlier run left (benchmarks.scale_stores)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="with --work: a server measured earlier with the same code and options is "
        "reported from its saved timings, not measured again",
    )
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
    keep = args.work is not None
    work = args.work or Path(tempfile.mkdtemp(prefix="sorakg-scale-endpoint-"))
    options = {"samples": args.samples, "budget": args.budget, "timeout": args.timeout,
               "only": sorted(args.only or [])}  # fmt: skip
    runs: dict[tuple[str, str], Run] = {}
    codes: dict[str, Path | None] = {
        "sorakg": materialise(args.this) if args.this else None,
        "oxigraph": None,
        "baseline": materialise(args.baseline) if "baseline" in args.servers else None,
    }
    for size in args.sizes:
        label = scale_stores.name(size, args.shared)
        builds: dict[str, Path] = {}
        loads: dict[str, float] = {}
        if args.reuse:
            build, location = (Path(folder) for folder in args.reuse)
            graph = build / "releases" / "bench" / "sorakg.nq"
            if not (build / "releases" / "bench" / "manifest.json").exists():
                manifest(graph.parent)
            builds = {"sorakg": build, "baseline": build}
        else:
            graph = scale_stores.graph(work, size, SIZES[size], args.shared, source)
            for name in ("sorakg", "baseline"):
                if name in args.servers:
                    builds[name] = scale_stores.release(work, graph, codes[name])
                    loads[name] = scale_stores.timings(builds[name]).get("wall s", 0.0)
            location = work / "oxigraph" / graph.stem
            if "oxigraph" in args.servers:
                ours = builds.get("sorakg") or builds.get("baseline")
                location = scale_stores.oxigraph(work, graph, ours)
                loads["oxigraph"] = scale_stores.timings(location).get("load s", 0.0)
        print(f"{label}: stores ready {loads}", flush=True)
        for name in ("baseline", "sorakg", "oxigraph"):
            if name not in args.servers:
                continue
            code_label = code_id(name, codes[name], args.baseline)
            record = saved(work, label, name, code_label, options)
            if args.resume and record.exists():
                fields = json.loads(record.read_text())
                runs[label, name] = Run(**fields)
                print(f"  {name}: from {record}", flush=True)
                continue
            again = functools.partial(begin, name, graph, builds.get(name), location,
                                      args.timeout, codes[name])  # fmt: skip
            server = again()
            port = int(server.root.rsplit(":", 1)[1])
            restart = functools.partial(again, port) if name == "oxigraph" else None
            if name != "oxigraph":
                time.sleep(args.settle)
            try:
                run = measure(server, loads.get(name, 0.0), args.samples, args.budget,
                              args.timeout + 10, args.only, restart)  # fmt: skip
            except BaseException:
                server.stop()
                raise
            run.code = code_label
            runs[label, name] = run
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(json.dumps(dataclasses.asdict(run)) + "\n")
            sent = sum(map(len, run.times.values()))
            print(f"  {name}: started in {run.startup_s:.1f} s, idle {run.settle_s:.0f} s later, "
                  f"{sent} requests", flush=True)  # fmt: skip
            text = "\n".join(report(runs, args.samples, args.budget, args.timeout,
                                     args.baseline)) + "\n"  # fmt: skip
            args.out.write_text(text, encoding="utf-8")  # so far
        if not args.reuse and not keep:
            graph.unlink()  # the N-Quads of 10M triples are over a gigabyte
    text = "\n".join(report(runs, args.samples, args.budget, args.timeout, args.baseline))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
