"""The embedded engine's shape, measured: three ways of serving the same graph.

    .venv/bin/python -m benchmarks.engines [--sizes 100k 1M] [--seconds 5]   (make bench-engines)

- ``before``: ``sorakg serve`` of the baseline commit (:data:`benchmarks.baseline.BEFORE`): the
  worker pool where every worker loads its own in-memory copy of the graph;
- ``after``: ``sorakg serve`` of this checkout (the pool on the release's on-disk store);
- ``oxigraph``: Oxigraph's own server, ``oxigraph serve-read-only --timeout-s N`` on a store
  loaded once with ``oxigraph load``.

For each synthetic graph (the review's graph copied with its entity IRIs renamed per copy,
:func:`benchmarks.workload.synthetic`): seconds from start to the first answer, memory of all
the server's processes once it answers, and CPU milliseconds per request (wrk at concurrency 1,
the server's own CPU time) for a point lookup and for a three-hop join. Then, on the smallest
graph, what each costs in safety and durability: an update followed by ``kill -9`` and a
restart; a runaway query under a 2 s timeout (is it really cancelled: CPU the server still burns
afterwards; memory it reached; did a point lookup beside it still get answered); and a SERVICE
call to a loopback listener (did a connection arrive). Prints markdown and writes
``benchmarks/engines.md``; docs/design.md quotes it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

from . import baseline
from .run import wrk
from .servers import Server, copy_store, oxigraph_load, sorakg_build, start
from .workload import MIX, synthetic, variants

HERE = Path(__file__).resolve().parent
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}  # 10k: a quick trial
VARIANTS = ("before", "after", "oxigraph")
TOKEN = "bench-token"
JSON = "application/sparql-results+json"
# a CPU-only runaway (nothing to stream, little memory) and a memory-hungry one (security.md #4)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MEMORY_BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c"
MARK = "<urn:sorakg-bench:durable>"
# seconds the probe waits for an answer to a query under a 2 s timeout before it gives up
PATIENCE = 30
# the benchmark kills a server whose processes together pass this (the machine is shared)
CEILING_MB = 4096


@dataclass
class Figures:
    triples: int
    load_s: float | None  # building the on-disk store, where there is one
    startup_s: float
    rss_mb: float
    pss_mb: float
    cpu_ms: dict[str, float] = field(default_factory=dict)
    p50_ms: dict[str, float] = field(default_factory=dict)


def _launch(variant: str, graph: Path, location: Path, build: Path | None = None,
            **options: object) -> Server:  # fmt: skip
    if variant == "oxigraph":
        return start("oxigraph", graph, location=location, **options)  # type: ignore[arg-type]
    code = baseline.materialise() if variant == "before" else None
    return start("sorakg", graph, code=code, build=build, **options)  # type: ignore[arg-type]


def measure(variant: str, graph: Path, location: Path, load_s: float | None, build: Path | None,
            texts: dict[str, list[str]], seconds: float, triples: int) -> Figures:  # fmt: skip
    server = _launch(variant, graph, location, build)
    try:
        rss, pss = server.memory_mb()
        figures = Figures(triples, load_s, server.startup_s, rss, pss)
        for query in ("point", "join3"):
            result = wrk(server, texts[query], MIX[query][2], 1, seconds)
            figures.cpu_ms[query] = result["cpu_ms_per_request"]
            figures.p50_ms[query] = result["p50_us"] / 1000
        print(f"  {variant:9} {figures}", flush=True)
        return figures
    finally:
        server.stop()


# --- safety and durability ---------------------------------------------------------------------


def durability(variant: str, graph: Path, location: Path) -> str:
    """Insert one triple, kill -9 every process of the server, restart it: is the triple there?"""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    if variant == "oxigraph":
        readonly = start("oxigraph", graph, location=location)
        try:
            refused = httpx.post(readonly.update_url, data={"update": _insert()}).status_code
        finally:
            readonly.stop()
        writable = copy_store(location)
        launch: Callable[[], Server] = lambda: start(  # noqa: E731
            "oxigraph", graph, location=writable, writable=True
        )
        note = f"serve-read-only refuses it ({refused}); `serve`: "
    else:
        build, _ = sorakg_build(graph, store=variant != "before")
        settings = {"SORAKG_UPDATE_ENABLED": "true", "SORAKG_UPDATE_TOKEN": TOKEN}
        launch = lambda: _launch(variant, graph, location, build, settings=settings)  # noqa: E731
        note = ""
    server = launch()
    try:
        answer = httpx.post(server.update_url, data={"update": _insert()}, headers=auth)
        if answer.status_code not in (200, 204):
            return note + f"update answered {answer.status_code}"
        seen = _ask(server)
        server.crash()
        server = launch()
        kept = _ask(server)
    finally:
        server.stop()
    if not seen:
        return note + "update not visible"
    return note + ("kept after kill -9 and restart" if kept else "lost after kill -9 and restart")


def _insert() -> str:  # into a named graph: sorakg refuses updates of the (union) default graph
    return f"INSERT DATA {{ GRAPH <urn:sorakg-bench:g> {{ {MARK} <urn:sorakg-bench:p> 1 }} }}"


def _ask(server: Server) -> bool:
    answer = httpx.get(server.sparql, params={"query": f"ASK {{ {MARK} ?p ?o }}"},
                       headers={"Accept": JSON}, timeout=30)  # fmt: skip
    return bool(answer.json()["boolean"])


@dataclass
class Runaway:
    status: int
    seconds: float
    cpu_after_s: float  # CPU the server burnt in the 3 s after answering
    peak_mb: float  # highest RSS sum seen while it ran
    lookups: list[float]  # latencies of the point lookups sent meanwhile
    alive: bool
    killed: bool  # the benchmark had to kill it at CEILING_MB


def runaway(variant: str, graph: Path, location: Path, build: Path | None, query: str,
            lookup: str) -> Runaway:  # fmt: skip
    """Send ``query`` under a 2 s timeout; meanwhile a client repeats ``lookup``."""
    server = _launch(variant, graph, location, build, timeout=2)
    stop = threading.Event()
    peak = [0.0]
    lookups: list[float] = []

    killed = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], server.memory_mb()[0])
            if peak[0] > CEILING_MB:
                killed.set()
                server.stop()
                return
            time.sleep(0.1)

    def look() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                began = time.perf_counter()
                try:
                    ok = client.get(server.sparql, params={"query": lookup},
                                    headers={"Accept": JSON}).status_code == 200  # fmt: skip
                except httpx.HTTPError:
                    ok = False
                lookups.append(time.perf_counter() - began if ok else 99)
                time.sleep(0.05)

    threads = [threading.Thread(target=sample), threading.Thread(target=look)]
    try:
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        try:
            answer = httpx.get(server.sparql, params={"query": query}, headers={"Accept": JSON},
                               timeout=PATIENCE)  # fmt: skip
            status = answer.status_code
        except httpx.HTTPError:
            status = 0  # no answer: the server died or was killed
        seconds = time.perf_counter() - began
        stop.set()
        for thread in threads:
            thread.join()
        cpu = server.cpu_seconds()
        time.sleep(3)
        cpu_after = server.cpu_seconds() - cpu
        alive = server.process.poll() is None and _answers(server, lookup)
        return Runaway(status, seconds, cpu_after, peak[0], lookups, alive, killed.is_set())
    finally:
        stop.set()
        server.stop()


def _answers(server: Server, lookup: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(server.sparql, params={"query": lookup}, timeout=30).status_code == 200
    return False


def service_probe(variant: str, graph: Path, location: Path, build: Path | None) -> str:
    """A SERVICE call to a loopback listener we own: the status, and whether it was contacted."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    contacted = threading.Event()

    def accept() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            contacted.set()
            connection.close()

    thread = threading.Thread(target=accept)
    thread.start()
    server = _launch(variant, graph, location, build)
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        status = httpx.get(server.sparql, params={"query": query}, timeout=30).status_code
    finally:
        server.stop()
        thread.join()
        listener.close()
    return f"{status}, " + ("request reached the listener" if contacted.is_set() else "no request")


# --- the report --------------------------------------------------------------------------------


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "-"


def report(figures: dict[tuple[str, str], Figures], safety: dict[str, dict[str, str]],
           seconds: float) -> list[str]:  # fmt: skip
    out = [
        "# Engine shape: the pool before, the pool after, the Oxigraph server",
        "",
        f"Machine: {os.cpu_count()} cores. before = `{baseline.describe(baseline.BEFORE)}`; "
        f"after = this checkout (`{baseline.describe('HEAD')}`). wrk at concurrency 1, "
        f"{seconds:g} s per cell; CPU ms/req is the server's own CPU (all its processes). "
        "Memory is summed over all the server's processes once it answers (PSS shares "
        "shared pages out); the servers' one-time export of downloads is skipped. "
        "Ratios are against `before`.",
        "",
        "| graph | server | store load s | start to first answer s | RSS MB | PSS MB | "
        "point CPU ms/req | point p50 ms | join CPU ms/req | join p50 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in dict.fromkeys(size for size, _ in figures):
        base = figures.get((size, "before"))
        for variant in VARIANTS:
            f = figures.get((size, variant))
            if f is None:
                continue
            load = "-" if f.load_s is None else f"{f.load_s:.1f}"
            cells = [f"{f.startup_s:.1f}", f"{f.rss_mb:.0f}", f"{f.pss_mb:.0f}"]
            for query in ("point", "join3"):
                cells += [f"{f.cpu_ms[query]:.2f}", f"{f.p50_ms[query]:.2f}"]
            out.append(f"| {size} ({f.triples}) | {variant} | {load} | " + " | ".join(cells) + " |")
            if base is not None and variant != "before":
                ratios = [
                    _ratio(f.startup_s, base.startup_s),
                    _ratio(f.rss_mb, base.rss_mb),
                    _ratio(f.pss_mb, base.pss_mb),
                    _ratio(f.cpu_ms["point"], base.cpu_ms["point"]),
                    _ratio(f.p50_ms["point"], base.p50_ms["point"]),
                    _ratio(f.cpu_ms["join3"], base.cpu_ms["join3"]),
                    _ratio(f.p50_ms["join3"], base.p50_ms["join3"]),
                ]
                out.append(f"| | {variant} / before | | " + " | ".join(ratios) + " |")
    out += ["", "## Safety and durability (smallest graph, 2 s timeout)", ""]
    probes = list(next(iter(safety.values()))) if safety else []
    out.append("| | " + " | ".join(v for v in VARIANTS if v in safety) + " |")
    out.append("|---|" + "---|" * len(safety))
    for probe in probes:
        cells = [safety[v][probe] for v in VARIANTS if v in safety]
        out.append(f"| {probe} | " + " | ".join(cells) + " |")
    return out


def _describe_runaway(result: Runaway) -> dict[str, str]:
    slow = max(result.lookups, default=0)
    lookups = (f"{len(result.lookups)} answered, slowest {slow * 1000:.0f} ms"
               if slow < 99 else f"{len(result.lookups)} sent, some failed")  # fmt: skip
    killed = f", killed by the benchmark at {CEILING_MB} MB" if result.killed else ""
    return {
        "answer": f"{result.status or 'none'} after {result.seconds:.1f} s{killed}",
        "CPU in the 3 s after (sorakg: its replacement worker starting)": (
            f"{result.cpu_after_s:.2f} s"
        ),
        "peak RSS": f"{result.peak_mb:.0f} MB",
        "lookups meanwhile": lookups,
        "answers afterwards": "yes" if result.alive else "NO",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["100k", "1M"])
    parser.add_argument("--seconds", type=float, default=5, help="wrk run length per cell")
    parser.add_argument("--only", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--no-safety", action="store_true", help="skip the safety probes")
    parser.add_argument("--safety-only", action="store_true", help="only the safety probes")
    args = parser.parse_args()
    source = current_graph_file(Settings())
    if not source.exists():
        raise SystemExit("no build: run 'sorakg build' (or 'make build') first")
    work = Path(tempfile.mkdtemp(prefix="sorakg-engines-"))
    figures: dict[tuple[str, str], Figures] = {}
    safety: dict[str, dict[str, str]] = {}
    for size in args.sizes:
        graph = synthetic(source, SIZES[size], work / f"{size}.nq")
        location, load_s = oxigraph_load(graph, work / f"{size}-oxigraph")
        reader = ox.Store.read_only(str(location))
        texts = variants(reader)
        triples = len(reader)
        del reader
        print(f"{size}: {triples} triples, Oxigraph load {load_s:.1f} s", flush=True)
        builds: dict[str, Path | None] = {"oxigraph": None}
        loads: dict[str, float | None] = {"oxigraph": load_s}
        builds["before"], _ = sorakg_build(graph)
        loads["before"] = None  # every worker loads the N-Quads itself, at start
        builds["after"], loads["after"] = sorakg_build(graph, store=True)
        for variant in [] if args.safety_only else args.only:
            figures[size, variant] = measure(variant, graph, location, loads[variant],
                                             builds[variant], texts, args.seconds,
                                             triples)  # fmt: skip
        if args.no_safety or safety:
            continue
        lookup = texts["point"][0]
        for variant in args.only:
            build = builds[variant]
            found = {"update, kill -9, restart": durability(variant, graph, location)}
            for label, query in (("runaway", RUNAWAY), ("memory bomb", MEMORY_BOMB)):
                result = runaway(variant, graph, location, build, query, lookup)
                found |= {f"{label}: {k}": v for k, v in _describe_runaway(result).items()}
            found["SERVICE to a loopback listener"] = service_probe(variant, graph, location,
                                                                    build)  # fmt: skip
            safety[variant] = found
            print(f"  {variant}: {found}", flush=True)
    text = "\n".join(report(figures, safety, args.seconds)) + "\n"
    name = "engines-safety.md" if args.safety_only else "engines.md"
    (HERE / name).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
