"""Entity pages and ``/search`` in a graph whose papers share their entities, before and after.

    nice -n 5 .venv/bin/python -m benchmarks.entity_pages [--size 1M] [--before 2aad118]
        [--graphs shared renamed] [--work DIR]

The project's build is copied by ``benchmarks/workload.py: synthetic(..., shared=True)``: every
copy keeps the IRIs of the drugs, trials, targets … and adds its own evidence, so sorafenib's
evidence grows with the size (26 records in the review, 5,642 at 1M). ``renamed`` is the
other shape (``shared=False``): every copy renames its entities, so the review's own pages
stay the size they are and the graph around them grows. One page of each kind is asked, in
HTML and, for the drug, Turtle; ``/ontology`` is the ontology's classes. Each commit serves the
same graph from a release it wrote itself (its own ``write_store``; this code also writes the
names index, as ``sorakg build`` does), started with ``benchmarks/servers.py: start``, one
after the other. Every page is asked ``--samples`` times, one request at a time: the first
answer (what a reader meets after a start: the old pages read graphs on first use) and the
median of the rest. A request that gives no answer within ``--timeout`` seconds is reported as
such. The machine's 1-minute load is recorded beside each page. Each server is asked once it
is idle after its first answer (its in-memory view loaded). With ``--work`` the graph and the
stores are those of :mod:`benchmarks.scale_stores` (kept, and reused by later runs). Prints
markdown.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

from . import scale_stores
from .baseline import materialise
from .servers import Server, sorakg_build, start
from .workload import synthetic

SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
PAGES = ["/drug/sorafenib.html", "/search?q=sorafenib", "/trial/sharp.html",
         "/molecule/braf.html", "/drug/sorafenib.ttl", "/mechanism/emt-resistance.html",
         "/pathway/jak-stat.html", "/biomarker/soluble-kit.html",
         "/model/sorafenib-resistant-cells.html",
         "/publication/sorafenib-resistance-hcc-review.html",
         "/publication/sorafenib-resistance-hcc-review/reference/6.html",
         "/mechanism/emt-resistance.ttl", "/.well-known/void", "/ontology"]  # fmt: skip


def release(graph: Path, code: Path | None) -> Path:
    """A build folder serving ``graph`` with the store written by ``code`` (None: this code)."""
    build, _ = sorakg_build(graph)
    folder = build / "releases" / "bench"
    script = (
        "import sys; from pathlib import Path; from sorakg.release.folder import write_store;"
        "write_store(Path(sys.argv[1]) / 'sorakg.nq', Path(sys.argv[1]) / 'store')"
    )
    # and the names index, as sorakg build writes it, where the code has one
    script += (
        "\ntry:\n from sorakg import name_index; from sorakg.release.default_view import "
        "default_graphs\nexcept ImportError:\n pass\nelse:\n name_index.write(Path(sys.argv[1])"
        " / 'store', Path(sys.argv[1]) / 'names.sqlite', 'https://w3id.org/sorakg/', "
        "default_graphs)"
    )
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
    subprocess.run([sys.executable, "-c", script, str(folder)], env=env, check=True,
                   cwd=tempfile.gettempdir())  # fmt: skip
    from .servers import manifest

    manifest(folder)
    return build


def measure(server: Server, samples: int, timeout: float) -> dict[str, tuple[str, str, float]]:
    """page → (first answer, median of the rest with the server's CPU seconds (all its
    processes) in brackets, load before it)."""
    found = {}
    with httpx.Client(timeout=timeout) as client:
        for page in PAGES:
            load = os.getloadavg()[0]
            times: list[str] = []
            cpu: list[float] = []
            for _ in range(samples):
                used = server.cpu_seconds()
                started = time.perf_counter()
                try:
                    status = client.get(server.root + page).status_code
                    took = time.perf_counter() - started
                    times.append(f"{took:.2f}" + ("" if status == 200 else f" ({status})"))
                    cpu.append(max(0.0, server.cpu_seconds() - used))
                except httpx.TimeoutException:
                    times.append(f"no answer in {timeout:g}")
                    break
            rest = [float(t.split()[0]) for t in times[1:] if t[0].isdigit()]
            median = f"{statistics.median(rest):.2f}" if rest else "-"
            if cpu[1:]:
                median += f" ({statistics.median(cpu[1:]):.2f} CPU)"
            found[page] = (times[0], median, load)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=list(SIZES), default="1M")
    parser.add_argument("--before", default="2aad118", help="the baseline commit ('' for none)")
    parser.add_argument("--after", default="", help="the commit measured ('': this checkout)")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--graphs", nargs="+", choices=["shared", "renamed"], default=["shared"])
    parser.add_argument("--work", type=Path, help="the scale benchmarks' work folder (kept)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="entity-pages-"))
    source = current_graph_file(Settings())
    try:
        for shape in args.graphs:
            shared = shape == "shared"
            if args.work:
                graph = scale_stores.graph(work, args.size, SIZES[args.size], shared, source)
            else:
                graph = synthetic(source, SIZES[args.size], work / f"{shape}.nq",
                                  keep_first=True, shared=shared)  # fmt: skip
            results = {}
            runs = [(args.before, materialise(args.before))] if args.before else []
            runs += [(args.after, materialise(args.after)) if args.after else ("this code", None)]
            for name, code in runs:
                build = (
                    scale_stores.release(work, graph, code) if args.work else release(graph, code)
                )
                server = start("sorakg", graph, code=code, build=build, timeout=args.timeout)
                try:
                    server.settle()
                    results[name] = measure(server, args.samples, args.timeout)
                finally:
                    server.stop()
                    if not args.work:
                        shutil.rmtree(build, ignore_errors=True)
            if not args.work:
                graph.unlink()
            report(f"{args.size} {shape}", results)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


def report(graph: str, results: dict[str, dict[str, tuple[str, str, float]]]) -> None:
    print(f"\n| request ({graph}) | " + " | ".join(
        f"{n}: first s | {n}: median s | load" for n in results) + " |")  # fmt: skip
    print("|---|" + "---|---|---|" * len(results))
    for page in PAGES:
        cells = [f"{r[page][0]} | {r[page][1]} | {r[page][2]:.1f}" for r in results.values()]
        print(f"| `{page}` | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
