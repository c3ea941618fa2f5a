"""Benchmark: ``sorakg publish`` of a synthetic graph at scale into Virtuoso 7.2, and every
named query served from it (proxy mode) beside the embedded server on the same release.

    nice -n 10 .venv/bin/python -m benchmarks.stores_scale --build BUILD [--methods gsp update]
    nice -n 10 .venv/bin/python -m benchmarks.stores_scale --work DIR --size 1M

``--build``: a bench build folder (:mod:`benchmarks.scale_stores`' layout, e.g. one an
``endpoint_scale --work`` run left); ``--work``/``--size``: the graph and its build are
written there (or reused) by :mod:`benchmarks.scale_stores`. Either way the benchmark serves
its own copy of the release (the store copied, the N-Quads hard-linked), so the folder it was
given is only read.

1. For each of ``--methods``, a new Virtuoso (``tests/stores.py``'s, with ``--buffers`` page
   buffers and ``--after-image-limit``) is started and the release published into it through
   ``sorakg publish``'s code (:func:`sorakg.sparql.publish.publish`): wall seconds and its
   steps, Virtuoso's CPU seconds and peak RSS (psutil, sampled every 0.2 s), this process's CPU
   (parsing, the summaries), the database file's size, and the machine's 1-minute load before
   and after. A failed publish is recorded with what the staging graphs then held.
2. ``sorakg serve`` in proxy mode against the last method's store, then (Virtuoso stopped)
   the embedded server on the same release: every named query through
   ``/queries/NAME?format=json`` with its default parameters, a point lookup, sorafenib's page
   and ``/search`` (``benchmarks.endpoint_scale``'s requests and measurement: ``--samples``
   requests at most, best reported, the same ``--timeout`` on both), with sorakg's CPU and, in
   proxy mode, Virtuoso's CPU per request.
3. A markdown report (``--out``, default ``benchmarks/stores_scale.md``) comparing them per
   query, with the row counts of both answers (a difference is flagged, not hidden). The raw
   results go to ``--save`` (JSON); ``--report SAVED…`` rewrites the markdown from them.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import resource
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings
from sorakg.sparql.publish import Method, PublishError, count_triples, publish, staging_graph
from sorakg.sparql.remote import Remote, RemoteError
from tests.stores import Store, cpu_seconds, virtuoso

from . import scale_stores
from .endpoint_scale import PAGE_NAME, POINT_NAME, SEARCH_NAME, SIZES, Run, measure
from .servers import Server, start

HERE = Path(__file__).resolve().parent
# Virtuoso's own virtuoso.ini table: 1,360,000 buffers (8 KB pages) and 1,000,000 dirty for a
# machine with 16 GB free; this one has 24 GiB, shared with other work
BUFFERS, DIRTY_BUFFERS = 1_360_000, 1_000_000
# the most a transaction may write to the log (default 50 MB): the switch's MOVE of the asserted
# graph is one transaction, and at 1M it is aborted (SR325) under the default
AFTER_IMAGE_LIMIT = 1_500_000_000
GOAL_S = 1.0
EXTRA = (POINT_NAME, PAGE_NAME, SEARCH_NAME)


@dataclass
class Published:
    method: str
    wall_s: float
    steps: dict[str, float]  # upload / verify / switch seconds
    store_cpu_s: float
    client_cpu_s: float  # this process: reading the N-Quads, deriving the summaries, sending
    peak_rss_mb: float
    rss_after_mb: float
    database_mb: float
    load: tuple[float, float]
    graphs: dict[str, int] = field(default_factory=dict)
    error: str = ""  # why it failed, and what the store held then


class PeakRss:
    """The most RSS a process reached while this runs, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.process = psutil.Process(pid)
        self.every = every
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss / 2**20)
            except psutil.NoSuchProcess:
                return
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def mirror(build: Path, target: Path) -> Path:
    """A build folder serving the release of ``build`` that this benchmark may write in (the
    server pins its release, ``publish`` needs a digest in the manifest): the store and names
    index copied, the N-Quads hard-linked (read only)."""
    source = (build / "graph").resolve()
    release = target / "releases" / "bench"
    release.mkdir(parents=True)
    try:
        os.link(source / "sorakg.nq", release / "sorakg.nq")
    except OSError:
        shutil.copyfile(source / "sorakg.nq", release / "sorakg.nq")
    shutil.copytree(source / "store", release / "store")
    for name in ("names.sqlite", "downloads"):
        if (source / name).is_dir():
            shutil.copytree(source / name, release / name)
        elif (source / name).exists():
            shutil.copyfile(source / name, release / name)
    found = json.loads((source / "manifest.json").read_text())
    stats = json.dumps(found["stats"], sort_keys=True).encode()
    found.setdefault("digest", "bench-" + hashlib.sha256(stats).hexdigest()[:12])
    (release / "manifest.json").write_text(json.dumps(found) + "\n")
    (target / "graph").symlink_to(Path("releases") / "bench")
    return target


def publish_into(store: Store, build: Path, method: Method, database: Path) -> Published:
    """Publish the release of ``build`` into ``store`` (whose database file is ``database``)
    as ``sorakg publish`` does."""
    settings = store.settings(build)
    remote = Remote.from_settings(settings)
    remote.timeout = max(remote.timeout, 300)  # as `sorakg publish` does
    before = os.getloadavg()[0]
    store_cpu, own = cpu_seconds(store.process.pid), _own_cpu()
    started = time.perf_counter()
    steps: dict[str, float] = {}
    graphs: dict[str, int] = {}
    error = ""
    try:
        with PeakRss(store.process.pid) as peak:
            done = publish(settings, remote, method)
        steps, graphs = {k: round(v, 2) for k, v in done.seconds.items()}, done.graphs
    except PublishError as failed:
        error = str(failed)
        try:  # how far it got: the staging graphs' counts
            held = count_triples(remote, [staging_graph(g, _digest(build)) for g in _graphs(build)])
            error += f"; the store then held {sum(held.values()):,} triples in staging graphs"
        except RemoteError as unanswered:
            error += f"; counting the staging graphs failed too ({unanswered})"
    finally:
        remote.close()
    wall = time.perf_counter() - started
    rss = psutil.Process(store.process.pid).memory_info().rss / 2**20
    return Published(
        method, wall, steps, cpu_seconds(store.process.pid) - store_cpu, _own_cpu() - own,
        peak.peak, rss, database.stat().st_size / 2**20, (before, os.getloadavg()[0]), graphs,
        error,
    )  # fmt: skip


def _manifest(build: Path) -> dict[str, object]:
    return json.loads((build / "graph" / "manifest.json").read_text())  # type: ignore[no-any-return]


def _digest(build: Path) -> str:
    return str(_manifest(build)["digest"])


def _graphs(build: Path) -> list[str]:
    return list(_manifest(build)["stats"]["graphs"])  # type: ignore[index]


def loaded(
    store: Store, build: Path, method: Method, folder: Path, info: dict[str, object]
) -> dict[str, object]:
    """Publish into a Virtuoso just started in ``folder``, noting its RSS before any data."""
    info["virtuoso_rss_start"] = psutil.Process(store.process.pid).memory_info().rss / 2**20
    done = publish_into(store, build, method, folder / "virtuoso.db")
    print(f"published ({method}): {done}", flush=True)
    return dataclasses.asdict(done)


def serve(build: Path, timeout: float, settings: dict[str, str] | None = None) -> Server:
    server = start("sorakg", build / "graph" / "sorakg.nq", build=build, timeout=timeout,
                   settings=settings)  # fmt: skip
    server.name = "sorakg"  # endpoint_scale's requests: /queries/NAME, the page, /search
    return server


def command(args: argparse.Namespace) -> str:
    """The options of this run, as they would be typed."""
    words = []
    for key, value in vars(args).items():
        if value in (None, False) or key in ("out", "save", "report"):
            continue
        if key == "size" and args.work is None:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            words.append(flag)
        elif isinstance(value, list):
            words.append(" ".join([flag, *(shlex.quote(str(v)) for v in value)]))
        else:
            words.append(f"{flag} {shlex.quote(str(value))}")
    return " ".join(words)


def virtuoso_version() -> str:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "virtuoso-opensource-7-bin"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    return done.stdout.strip() or "?"


# --- the report -------------------------------------------------------------------------------


def _best(values: list[float]) -> float | None:
    return min(values) if values else None


def _pick(run: Run, field_: str, name: str) -> float | None:
    """The best of a query's requests; the page's and search's first (a repeated search is
    served from a cache)."""
    values: list[float] = getattr(run, field_).get(name, [])
    if name in (PAGE_NAME, SEARCH_NAME):
        return values[0] if values else None
    return _best(values)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def _within(run: Run, name: str) -> bool:
    best = _pick(run, "times", name)
    return best is not None and name not in run.failures and best <= GOAL_S


def _time_cell(run: Run, name: str) -> str:
    failed = f" ({run.failures[name]})" if name in run.failures else ""
    if name in (PAGE_NAME, SEARCH_NAME):  # each request: a repeated search is served from a cache
        return " / ".join(_ms(t) for t in run.times.get(name, [])) + failed
    return _ms(_best(run.times.get(name, []))) + failed


def _rows(run: Run, name: str) -> str:
    return str(run.rows[name]) if name in run.rows else "-"


def query_table(embedded: Run | None, proxy: Run) -> tuple[list[str], list[str]]:
    """The per-query table, and the names whose row counts differ."""
    out = [
        "| query | rows embedded / Virtuoso | embedded ms | embedded CPU ms | proxy → Virtuoso "
        "ms | sorakg CPU ms (proxy) | Virtuoso CPU ms | Virtuoso / embedded | Virtuoso ≤ 1 s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    differ = []
    names = sorted(n for n in proxy.times if n not in EXTRA)
    names += [n for n in EXTRA if n in proxy.times]
    for name in names:
        rows = f"{_rows(embedded, name) if embedded else '-'} / {_rows(proxy, name)}"
        counted = embedded is not None and name in embedded.rows and name in proxy.rows
        if counted and name not in (PAGE_NAME, SEARCH_NAME):  # the page and search: not JSON
            assert embedded is not None
            if embedded.rows[name] != proxy.rows[name]:
                differ.append(name)
                rows = f"**{rows}**"
        ratio = "-"
        if name in (PAGE_NAME, SEARCH_NAME):
            pass  # the first requests are compared in the text
        elif embedded and _best(embedded.times.get(name, [])) and _best(proxy.times.get(name, [])):
            ratio = f"{min(proxy.times[name]) / min(embedded.times[name]):.2f}x"
        out.append(
            f"| {name} | {rows} | {_time_cell(embedded, name) if embedded else '-'} | "
            f"{_ms(_pick(embedded, 'cpu', name)) if embedded else '-'} | "
            f"{_time_cell(proxy, name)} | {_ms(_pick(proxy, 'cpu', name))} | "
            f"{_ms(_pick(proxy, 'store_cpu', name))} | {ratio} | "
            f"{'yes' if _within(proxy, name) else '**no**'} |"
        )
    return out, differ


def summary(embedded: Run | None, proxy: Run) -> list[str]:
    named = [n for n in proxy.times if n not in EXTRA]
    out = []
    for label, run in (("proxy → Virtuoso", proxy), ("embedded", embedded)):
        if run is None:
            continue
        within = [n for n in named if _within(run, n)]
        ranked = sorted(named, key=lambda n: -(_best(run.times.get(n, [])) or 0))
        slowest = ", ".join(f"{n} {_time_cell(run, n)} ms" for n in ranked[:3])
        failed = ", ".join(f"{n} ({s})" for n, s in run.failures.items()) or "none"
        total = sum(_best(run.times.get(n, [])) or 0 for n in named)
        cpu = sum(_best(run.cpu.get(n, [])) or 0 for n in named)
        store = sum(_best(run.store_cpu.get(n, [])) or 0 for n in named)
        beside = f", Virtuoso's {store:.1f} s" if run is proxy else ""
        out.append(f"- {label}: {len(within)} of {len(named)} named queries within 1 s; "
                   f"slowest {slowest}; sum of the best times {total:.1f} s; CPU summed over "
                   f"the queries: sorakg's {cpu:.1f} s{beside}; "
                   f"not answered 200: {failed}.")  # fmt: skip
    cheap = [n for n in named if (_best(proxy.store_cpu.get(n, [])) or 0) <= GOAL_S]
    out.append(f"- Virtuoso used at most 1 CPU s on {len(cheap)} of {len(named)} named queries.")
    if embedded is not None:
        both = [n for n in named if n not in proxy.failures and n not in embedded.failures
                and proxy.times.get(n) and embedded.times.get(n)]  # fmt: skip
        logs = [math.log(min(proxy.times[n]) / min(embedded.times[n])) for n in both]
        faster = sum(1 for n in both if min(proxy.times[n]) < min(embedded.times[n]))
        if logs:
            mean = math.exp(sum(logs) / len(logs))
            out.append(f"- Virtuoso / embedded, geometric mean of the {len(both)} both answered: "
                       f"{mean:.2f}x (Virtuoso faster on {faster}).")  # fmt: skip
    return out


def report(saved: dict[str, object]) -> str:
    info: dict[str, object] = saved["info"]  # type: ignore[assignment]
    published = [Published(**p) for p in saved["published"]]  # type: ignore[attr-defined]
    proxy = Run(**saved["proxy"]) if saved.get("proxy") else None  # type: ignore[arg-type]
    embedded = Run(**saved["embedded"]) if saved.get("embedded") else None  # type: ignore[arg-type]
    graphs: dict[str, int] = info["graphs"]  # type: ignore[assignment]
    limit = info.get("after_image_limit") or 50_000_000  # Virtuoso's default
    lines = [
        f"# Publishing {info['label']} to Virtuoso 7.2"
        + (", and the named queries it serves" if proxy else "")
        + f" ({info['date']})",
        "",
        f"`python -m benchmarks.stores_scale {info['command']}` on {info['date']}. Graph: "
        f"{sum(graphs.values()):,} quads in the release ("
        + ", ".join(f"{g.rsplit('/', 1)[-1]} {n:,}" for g, n in graphs.items())
        + f"), plus the summaries graph `sorakg publish` derives. Virtuoso {info['virtuoso']} "
        f"(`tests/stores.py`'s configuration with NumberOfBuffers = {info['buffers']:,}, "
        f"MaxDirtyBuffers = {info['dirty_buffers']:,}, TransactionAfterImageLimit = "
        f"{limit:,}); this machine has 2 cores and "
        f"{info['memory_gb']} GiB, shared with other work: each row gives the 1-minute load. "
        f"Virtuoso's RSS once started, before any data: {info['virtuoso_rss_start']:.0f} MB.",
        "",
        "`sorakg publish` (its code: upload, count check, switch, count check again):",
        "",
        "| method | wall s | upload / verify / switch s | Virtuoso CPU s | publisher CPU s | "
        "Virtuoso peak RSS MB | RSS after MB | virtuoso.db MB | load before / after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in published:
        steps = " / ".join(f"{p.steps.get(k, 0):.1f}" for k in ("upload", "verify", "switch"))
        if p.error:
            steps = "**failed** (below)"
        lines.append(f"| {p.method} | {p.wall_s:.1f} | {steps} | {p.store_cpu_s:.1f} | "
                     f"{p.client_cpu_s:.1f} | {p.peak_rss_mb:.0f} | {p.rss_after_mb:.0f} | "
                     f"{p.database_mb:.0f} | {p.load[0]:.1f} / {p.load[1]:.1f} |")  # fmt: skip
    lines += [f"\n{p.method} failed: {p.error}" for p in published if p.error]
    if proxy is None:
        return "\n".join(lines) + "\n"
    lines += [
        "",
        f"Each method loads a new database; the queries below run on the one the last method "
        f"({published[-1].method}) loaded.",
        "",
        f"Every named query through `/queries/NAME?format=json` (default parameters), the point "
        f"lookup through `/sparql`, sorafenib's page and `/search`: at most {info['samples']} "
        f"requests each, the best reported (its CPU: the least seen), each server's query "
        f"timeout {info['timeout']:g} s (Virtuoso's own `timeout` in proxy mode). "
        '"sorakg CPU" is all of `sorakg serve`\'s processes; "Virtuoso CPU" the store\'s, '
        "read around each request. The page and `/search`: each request's ms, the first one's CPU "
        "and goal (a repeated search is served from a cache).",
        "",
        "| served by | start to first answer s | then idle after s | most RSS MB (sorakg) | "
        "Virtuoso RSS MB after | load before / after |",
        "|---|---|---|---|---|---|",
    ]
    runs = [("proxy → Virtuoso", proxy), ("embedded", embedded)]
    for label, run in runs:
        if run is None:
            continue
        after = f"{info['virtuoso_rss_after_queries']:.0f}" if run is proxy else "-"
        load = f"{run.load_average[0]:.1f} / {run.load_average[1]:.1f}"
        lines.append(f"| {label} | {run.startup_s:.1f} | {run.settle_s:.0f} | "
                     f"{run.peak_rss:.0f} | {after} | {load} |")  # fmt: skip
    table, differ = query_table(embedded, proxy)
    lines += ["", *table, "", *summary(embedded, proxy)]
    lines.append(
        "- Row counts differ (embedded / Virtuoso): " + ", ".join(differ) + "."
        if differ
        else "- Every query both answered has the same row count on both."
    )
    return "\n".join(lines) + "\n"


# --- the run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--build", type=Path, help="a bench build folder (only read)")
    given.add_argument("--work", type=Path, help="write or reuse the graph and build here")
    given.add_argument("--report", type=Path, nargs="+", metavar="SAVED",
                       help="rewrite the markdown only, from saved results")  # fmt: skip
    parser.add_argument("--size", choices=list(SIZES), default="1M", help="with --work")
    parser.add_argument("--label", help="the graph's name in the report (default: the folder's)")
    parser.add_argument("--methods", nargs="+", choices=["gsp", "update"], default=["gsp"])
    parser.add_argument("--samples", type=int, default=2, help="most requests per query")
    parser.add_argument("--budget", type=float, default=5, help="seconds per query, roughly")
    parser.add_argument("--timeout", type=float, default=30, help="each server's query timeout")
    parser.add_argument("--buffers", type=int, default=BUFFERS)
    parser.add_argument("--dirty-buffers", type=int, default=DIRTY_BUFFERS)
    parser.add_argument(
        "--after-image-limit",
        type=int,
        default=AFTER_IMAGE_LIMIT,
        help="Virtuoso's TransactionAfterImageLimit, bytes (0: its default, 50 MB)",
    )
    parser.add_argument("--no-embedded", action="store_true", help="proxy mode only")
    parser.add_argument("--publish-only", action="store_true", help="no queries")
    parser.add_argument("--out", type=Path, default=HERE / "stores_scale.md")
    parser.add_argument("--save", type=Path, help="the raw results (JSON)")
    args = parser.parse_args()
    if args.report:
        texts = [report(json.loads(saved.read_text())) for saved in args.report]
        if len(texts) > 1:
            texts.insert(0, f"{len(texts)} runs of `benchmarks/stores_scale.py`, each with its "
                         "options, Virtuoso's settings and the machine's load; the first is the "
                         "one docs/scaling.md quotes.\n")  # fmt: skip
        text = "\n".join(texts)
        args.out.write_text(text, encoding="utf-8")
        print(text)
        return
    if args.work:
        source = current_graph_file(Settings())
        if not source.exists():
            raise SystemExit("no build: run 'sorakg build' first")
        nquads = scale_stores.graph(args.work, args.size, SIZES[args.size], False, source)
        given_build, label = scale_stores.release(args.work, nquads, None), f"{args.size} renamed"
    else:
        given_build, label = args.build, args.build.name
    label = args.label or label
    root = Path(tempfile.mkdtemp(prefix="sorakg-stores-scale-"))
    try:
        build = mirror(given_build, root / "build")
        manifest = json.loads((build / "graph" / "manifest.json").read_text())
        info: dict[str, object] = {
            "label": label,
            "command": command(args),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "graphs": manifest["stats"]["graphs"],
            "virtuoso": virtuoso_version(),
            "buffers": args.buffers,
            "dirty_buffers": args.dirty_buffers,
            "after_image_limit": args.after_image_limit,
            "memory_gb": round(psutil.virtual_memory().total / 2**30),
            "timeout": args.timeout,
            "samples": args.samples,
        }  # fmt: skip
        published: list[dict[str, object]] = []
        saved: dict[str, object] = {"info": info, "published": published}

        def keep() -> None:
            if args.save:
                args.save.write_text(json.dumps(saved, indent=1) + "\n")

        parameters = {"NumberOfBuffers": args.buffers, "MaxDirtyBuffers": args.dirty_buffers}
        if args.after_image_limit:
            parameters["TransactionAfterImageLimit"] = args.after_image_limit
        # each method into a new database; the last one's store then serves the queries
        for method in args.methods[:-1]:
            with virtuoso(root / method, parameters) as store:
                published.append(loaded(store, build, method, root / method, info))
            keep()
        last = args.methods[-1]
        with virtuoso(root / last, parameters) as store:
            published.append(loaded(store, build, last, root / last, info))
            keep()
            if published[-1]["error"] or args.publish_only:
                print(report(saved))
                raise SystemExit(1 if published[-1]["error"] and not args.publish_only else 0)
            server = serve(build, args.timeout, {"SORAKG_SPARQL_ENDPOINT": store.query_url})
            try:
                proxy = measure(server, 0.0, args.samples, args.budget, args.timeout + 10,
                                store_cpu=lambda: cpu_seconds(store.process.pid))  # fmt: skip
            finally:
                server.stop()
            info["virtuoso_rss_after_queries"] = (
                psutil.Process(store.process.pid).memory_info().rss / 2**20
            )
            saved["proxy"] = dataclasses.asdict(proxy)
            keep()
        if not args.no_embedded:
            server = serve(build, args.timeout)
            try:
                embedded = measure(server, 0.0, args.samples, args.budget, args.timeout + 10)
            finally:
                server.stop()
            saved["embedded"] = dataclasses.asdict(embedded)
            keep()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    text = report(saved)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
