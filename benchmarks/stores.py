"""Benchmark: ``sorakg publish`` into the Oxigraph server and Virtuoso 7.2, and the named queries
served through each store (embedded pool vs proxy mode).

``python -m benchmarks.stores [--sizes 100000]`` prints markdown tables and writes them to
``benchmarks/stores.md``. The stores are the conformance suite's (``tests/stores.py``): each
started on loopback ports in a temporary folder and stopped after. Graphs: the current build,
and synthetic releases of the same shape (``benchmarks/workload.synthetic``). At 1M triples,
with Virtuoso's CPU and memory per step and per query: :mod:`benchmarks.stores_scale`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from sorakg.release.folder import current_graph_file
from sorakg.server.app import create_app
from sorakg.settings import Settings
from sorakg.sparql import catalogue
from sorakg.sparql.publish import Method, publish
from sorakg.sparql.remote import Remote
from tests.stores import Store, oxigraph, virtuoso

from .workload import synthetic

HERE = Path(__file__).resolve().parent
METHODS: dict[str, tuple[Method, ...]] = {
    "oxigraph": ("oxigraph", "gsp", "update"),
    "virtuoso": ("gsp", "update"),
}


def release(source: Path, triples: int, folder: Path) -> Path:
    """A build folder holding a synthetic release of about ``triples`` quads."""
    target = folder / "releases" / f"synthetic-{triples}"
    target.mkdir(parents=True)
    path = synthetic(source, triples, target / "sorakg.nq")
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        graph = line.rsplit(" ", 2)[-2].strip("<>")
        counts[graph] = counts.get(graph, 0) + 1
    manifest = {"digest": target.name, "files": ["sorakg.nq"], "stats": {"graphs": counts}}
    (target / "manifest.json").write_text(json.dumps(manifest))
    (folder / "graph").symlink_to(target)
    return folder


def load_times(store: Store, build_dir: Path, runs: int) -> dict[str, float]:
    found = {}
    settings = store.settings(build_dir)
    for method in METHODS[store.name]:
        times = []
        for _ in range(runs):
            remote = Remote.from_settings(settings)
            remote.timeout = 300  # as `sorakg publish` does
            start = time.perf_counter()
            try:
                publish(settings, remote, method)
            finally:
                remote.close()
            times.append(time.perf_counter() - start)
        found[method] = min(times)
    return found


def query_times(application: object, runs: int) -> list[float]:
    """Best-of-``runs`` milliseconds of every named query through ``/queries/NAME``."""
    found = []
    with TestClient(application) as client:  # type: ignore[arg-type]
        for query in catalogue.list_queries():
            best = float("inf")
            for _ in range(runs):
                start = time.perf_counter()
                response = client.get(f"/queries/{query.name}", params={"format": "json"})
                best = min(best, time.perf_counter() - start)
                assert response.status_code == 200, (query.name, response.text)
            found.append(best * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    source = current_graph_file(settings).resolve()
    lines = ["# External stores: load and query times", ""]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        builds = {f"project ({sum(1 for _ in source.open())} quads)": settings.build_dir}
        for size in args.sizes:
            builds[f"synthetic {size:,}"] = release(source, size, root / f"build-{size}")
        with oxigraph(root / "ox", timeout_s=60) as ox_store, virtuoso(root / "virt") as virt:
            lines += ["`sorakg publish`, best of runs, seconds (upload + verify + switch):", ""]
            lines += ["| release | store | method | seconds |", "|---|---|---|---|"]
            for label, build_dir in reversed(builds.items()):  # the project's release last
                for store in (ox_store, virt):
                    for method, seconds in load_times(store, build_dir, args.runs).items():
                        lines.append(f"| {label} | {store.name} | {method} | {seconds:.2f} |")
            lines += ["", "The 37 named queries through `/queries/NAME?format=json`, best of "
                      f"{args.runs}, ms:", ""]  # fmt: skip
            lines += ["| served by | median | max | sum |", "|---|---|---|---|"]
            apps = {
                "embedded (worker pool)": create_app(settings),
                "proxy → Oxigraph server": create_app(ox_store.settings(settings.build_dir)),
                "proxy → Virtuoso 7.2": create_app(virt.settings(settings.build_dir)),
            }
            for label, application in apps.items():
                ms = query_times(application, args.runs)
                lines.append(f"| {label} | {statistics.median(ms):.1f} | {max(ms):.1f} | "
                             f"{sum(ms):.0f} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "stores.md").write_text(text)


if __name__ == "__main__":
    main()
