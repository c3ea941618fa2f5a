"""Can one client stall the others? /health and an entity page while one client attacks.

    .venv/bin/python -m benchmarks.stalls [--seconds 30] [--before REV]   (make bench-stalls)

For the commit ``--before`` (default: the main commit the security work started from) and this
checkout (``after``), ``sorakg serve`` on loopback with the default settings (2 workers, 10 s
timeout) on the project's build. For ``--seconds`` one attacking client runs, in threads and
each back to back: a 1 MB query of nested groups (``{}`` x 499,000: lexing it is the cost), a
300,000-word ``/search`` and 4 runaway queries (a three-way cross product counted: it only ends
by the timeout). Meanwhile two probes send ``/health`` and ``/drug/sorafenib`` back to back;
every probe's latency counts, whatever its status. The load average before and after each run
is recorded (the machine is shared). Prints markdown and writes ``benchmarks/stalls.md``;
docs/endpoint.md quotes it. Loopback only, every loop bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

from . import baseline
from .servers import Server, start
from .starvation import RUNAWAY, percentile

HERE = Path(__file__).resolve().parent
BEFORE = "02985da"  # main when the security work (SERVICE escapes, stalls) started
NESTING = ("ASK { " + "{}" * 499_000 + "}").encode()
# 300,000 words, form-encoded: a 600 KB URL, the size that once stalled the server
WORDS = "a+" * 300_000
HTML = "text/html"
Record = list[tuple[float, int]]


def _loop(send: Callable[[httpx.Client], httpx.Response | _Status], stop: threading.Event,
          record: Record) -> None:  # fmt: skip
    with httpx.Client(timeout=120) as client:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                status = send(client).status_code
            except (httpx.HTTPError, OSError, http.client.HTTPException):
                status = 0
            record.append((time.perf_counter() - began, status))


class _Status:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


def _raw_get(server: Server, path: str) -> _Status:
    """A GET whose URL is longer than httpx sends."""
    parts = urlsplit(server.sparql)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        connection.request("GET", path)
        return _Status(connection.getresponse().status)
    except OSError:
        return _Status(0)
    finally:
        connection.close()


def attack(server: Server, seconds: float) -> dict[str, Record]:
    root = server.sparql.removesuffix("sparql")
    attackers: dict[str, Callable[[httpx.Client], httpx.Response | _Status]] = {
        "nesting": lambda c: c.post(server.sparql, content=NESTING,
                                    headers={"Content-Type": "application/sparql-query"}),
        "search": lambda _: _raw_get(server, f"/search?format=json&q={WORDS}"),
        **{f"runaway{i}": (lambda c: c.get(server.sparql, params={"query": RUNAWAY}))
           for i in range(4)},
    }  # fmt: skip
    probes: dict[str, Callable[[httpx.Client], httpx.Response | _Status]] = {
        "/health": lambda c: c.get(root + "health"),
        "/drug/sorafenib": lambda c: c.get(root + "drug/sorafenib", headers={"Accept": HTML}),
    }  # fmt: skip
    stop = threading.Event()
    records: dict[str, Record] = {name: [] for name in [*attackers, *probes]}
    threads = [threading.Thread(target=_loop, args=(send, stop, records[name]))
               for name, send in [*attackers.items(), *probes.items()]]  # fmt: skip
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return records


def quiet(server: Server, seconds: float) -> dict[str, Record]:
    """The probes alone: the unloaded latencies, for scale."""
    root = server.sparql.removesuffix("sparql")
    records: dict[str, Record] = {"/health": [], "/drug/sorafenib": []}
    stop = threading.Event()
    threads = [threading.Thread(target=_loop, args=(lambda c, p=path: c.get(root + p.lstrip("/")),
                                                    stop, records[path]))
               for path in records]  # fmt: skip
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return records


def _row(variant: str, phase: str, name: str, record: Record) -> str:
    times = [seconds * 1000 for seconds, _ in record]
    statuses = Counter(status for _, status in record)
    shown = ", ".join(f"{n}x {s}" for s, n in sorted(statuses.items()))
    return (f"| {variant} | {phase} | {name} | {len(times)} | {shown} | "
            f"{percentile(times, 50):.0f} | {percentile(times, 99):.0f} | "
            f"{max(times, default=0):.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30, help="how long the attack runs")
    parser.add_argument("--before", default=BEFORE, help="the baseline commit")
    args = parser.parse_args()
    graph = current_graph_file(Settings())
    if not graph.exists():
        raise SystemExit("no build: run 'sorakg build' (or 'make build') first")
    rows: list[str] = []
    p99s: dict[str, dict[tuple[str, int], float]] = {}
    loads: list[str] = []
    for variant in ("before", "after"):
        code = baseline.materialise(args.before) if variant == "before" else None
        server = start("sorakg", graph, 2, code=code, timeout=10)
        try:
            load_before = os.getloadavg()[0]
            calm = quiet(server, 5)
            records = attack(server, args.seconds)
            loads.append(f"{variant}: {load_before:.1f} → {os.getloadavg()[0]:.1f}")
        finally:
            server.stop()
        for name, record in calm.items():
            rows.append(_row(variant, "quiet", name, record))
        for name, record in records.items():
            rows.append(_row(variant, "attack", name, record))
        p99s[variant] = {(name, q): percentile([s for s, _ in records[name]], q)
                         for name in ("/health", "/drug/sorafenib") for q in (99, 100)}  # fmt: skip
        print(variant, "done", flush=True)
    out = [
        "# One attacking client beside /health and an entity page",
        "",
        f"Machine: {os.cpu_count()} cores, shared; load average (1 min) before → after each "
        f"run: {'; '.join(loads)}. Default settings (2 workers, 10 s timeout). For "
        f"{args.seconds:g} s one client loops a 1 MB nested-group query, a 300,000-word "
        "/search and 4 runaway queries, each back to back, while two probes loop /health and "
        f"/drug/sorafenib. before = `{baseline.describe(args.before)}`; after = "
        f"`{baseline.describe('HEAD')}`. Times in ms; status 0: no answer (connection error).",
        "",
        "| server | phase | request | sent | statuses | p50 | p99 | max |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    for name in ("/health", "/drug/sorafenib"):
        for q, what in ((99, "p99"), (100, "longest wait")):
            ratio = p99s["after"][(name, q)] / p99s["before"][(name, q)]
            out.append(f"- {name} {what} under attack, after / before: {ratio:.3f}x")
    text = "\n".join(out) + "\n"
    (HERE / "stalls.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
