"""Names given to named queries at scale: the names index beside the release against the names
table the server read through its query pool (a baseline commit), side by side in one run.

    .venv/bin/python -m benchmarks.name_lookup [--size 1M] [--baseline e9e8400] [--misses 10]

On the synthetic graph of ``benchmarks/endpoint_scale.py`` (the review copied with renamed
entity IRIs; copy 0 keeps the review's IRIs, literals such as labels and NCT numbers repeat in
every copy), each server is started on the same release and asked, in order:

1. ``/queries/trial-arms?trial=NCT00988741``: the first name it resolves (status, rows, wall
   time, server CPU and the growth of the server's RSS);
2. the same trial by CURIE, by label and by path, and ``trial=SEARCH`` (an acronym; another
   trial): status and rows;
3. ``--misses`` names that resolve to nothing (``trial=NCT9999999N``): wall and server CPU per
   request (a did-you-mean is computed for each);
4. a point lookup on ``/sparql`` sent while a miss is being answered: its wall time shows
   whether name resolution holds up the event loop.

The index is written before the current server starts (as ``sorakg build`` does); its write
time and the peak RSS of the process that wrote it are reported. The machine's 1-minute load
is recorded before and after. Prints markdown and writes ``benchmarks/name_lookup.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

from . import baseline
from .servers import Server, sorakg_build, start
from .workload import synthetic

HERE = Path(__file__).resolve().parent
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
JSON = {"Accept": "application/sparql-results+json"}
TRIAL = "NCT00988741"
FOUND = [  # (label, query, value): one trial named five ways, then an acronym
    ("identifier", "trial-arms", TRIAL),
    ("CURIE", "trial-arms", f"trial:{TRIAL}"),
    ("path", "trial-arms", f"trial/{TRIAL}"),
    ("label", "trial-arms", "Tivantinib vs placebo (second line)"),
    ("acronym", "trial-arms", "SEARCH"),  # trial-arms: a cheap query, so resolving is measured
]
POINT = "SELECT ?p ?o WHERE { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }"


def ask(server: Server, query: str, value: str) -> tuple[int, int, float, float]:
    """(status, rows, wall s, server CPU s) of one named query with ``trial=value``."""
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    reply = httpx.get(f"{server.root}/queries/{query}", params={"trial": value},
                      headers=JSON, timeout=600)  # fmt: skip
    wall = time.perf_counter() - started
    rows = len(reply.json()["results"]["bindings"]) if reply.status_code == 200 else 0
    return reply.status_code, rows, wall, server.cpu_seconds() - cpu


def point_during_miss(server: Server, value: str) -> float:
    """Wall seconds of a point lookup sent 20 ms after a miss (``value``) was sent."""
    miss = threading.Thread(target=ask, args=(server, "trial-arms", value))
    miss.start()
    time.sleep(0.02)
    started = time.perf_counter()
    httpx.get(f"{server.root}/sparql", params={"query": POINT}, headers=JSON, timeout=600)
    wall = time.perf_counter() - started
    miss.join()
    return wall


def measure(server: Server, misses: int) -> list[str]:
    rss = server.memory_mb()[0]
    status, rows, wall, cpu = ask(server, *FOUND[0][1:])
    grown = server.memory_mb()[0] - rss
    lines = [f"| first name (identifier) | {status} | {rows} | {wall:.3f} | {cpu:.3f} | "
             f"{grown:+.0f} MB |"]  # fmt: skip
    for label, query, value in FOUND[1:]:
        status, rows, wall, cpu = ask(server, query, value)
        lines.append(f"| {label} `{value}` | {status} | {rows} | {wall:.3f} | {cpu:.3f} | |")
    walls, cpus = [], []
    for n in range(misses):
        status, _, wall, cpu = ask(server, "trial-arms", f"NCT{99999990 + n}")
        walls.append(wall)
        cpus.append(cpu)
    lines.append(f"| unresolved name (mean of {misses}) | {status} | 0 | "
                 f"{sum(walls) / misses:.3f} | {sum(cpus) / misses:.3f} | |")  # fmt: skip
    point = point_during_miss(server, "NCT99999989")
    lines.append(f"| point lookup sent during a miss | | | {point:.3f} | | |")
    return lines


def write_index(release: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of writing the names index in a fresh process."""
    code = (
        "import resource, sys, time; from pathlib import Path\n"
        "from sorakg import name_index\n"
        "from sorakg.release.default_view import default_graphs\n"
        "release = Path(sys.argv[1]); t = time.perf_counter()\n"
        "name_index.write(release / 'store', release / name_index.NAMES_FILE,"
        " 'https://w3id.org/sorakg/', default_graphs)\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        # VmHWM, not ru_maxrss: Linux carries the parent's peak across fork and exec
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(time.perf_counter() - t, usage.ru_utime + usage.ru_stime, hwm)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(release)], capture_output=True,
                         text=True, check=True).stdout.split()  # fmt: skip
    return float(out[0]), float(out[1]), float(out[2]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=SIZES, default="1M")
    # main just before the names index: the names table read through the pool at first use
    parser.add_argument("--baseline", default="e9e8400", help="the commit to compare with")
    parser.add_argument("--misses", type=int, default=10)
    args = parser.parse_args()
    source = current_graph_file(Settings())
    sha = baseline.resolve(args.baseline)[:7]
    head = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    cleanup: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="names-bench-") as tmp:
        graph = synthetic(source, SIZES[args.size], Path(tmp) / "graph.nq", keep_first=True)
        build, store_s = sorakg_build(graph, store=True)
        cleanup.append(build)
        release = build / "releases" / "bench"
        quads = sum(1 for _ in graph.open("rb"))
        load = [os.getloadavg()[0]]
        report = [f"## Name lookup at {args.size} ({quads:,} quads), `{head}` beside `{sha}`", ""]
        report.append("| request | status | rows | wall s | server CPU s | RSS growth |")
        report.append("|---|---|---|---|---|---|")
        tables = {}
        for name, code in (("baseline", baseline.materialise(args.baseline)), ("current", None)):
            if code is None:
                index_s, index_cpu, index_mb = write_index(release)
            server = start("sorakg", graph, build=build, code=code)
            try:
                tables[name] = measure(server, args.misses)
            finally:
                server.stop()
        load.append(os.getloadavg()[0])
        for name, lines in tables.items():
            label = f"`{sha}` (names read through the pool)" if name == "baseline" else (
                f"`{head}` (names index)")  # fmt: skip
            report.append(f"| **{label}** | | | | | |")
            report += lines
        size_mb = (release / "names.sqlite").stat().st_size / 2**20
        report += [
            "",
            f"Store written in {store_s:.1f} s; names index written in {index_s:.1f} s "
            f"({index_cpu:.1f} s CPU; {size_mb:.0f} MB on disk; peak RSS of the writing process "
            f"{index_mb:.0f} MB, the store's mapped pages included). "
            f"Load (1 min) {load[0]:.1f} before, {load[1]:.1f} after.",
        ]
    for folder in cleanup:
        shutil.rmtree(folder, ignore_errors=True)
    text = "\n".join(report) + "\n"
    print(text)
    (HERE / "name_lookup.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
