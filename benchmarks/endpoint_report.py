"""The markdown of :mod:`benchmarks.endpoint_scale`: the servers' start, memory and load, then
each named query's time on each server, side by side (sorakg, the Oxigraph server and the
baseline commit when the run has the three), with the goal per size."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .starvation import percentile

if TYPE_CHECKING:
    from .endpoint_scale import Run

# the goal for every named question, seconds at p50, by the graph's size
GOALS = {"100k": 1.0, "1M": 1.0, "10M": 3.0}
ORDER = ("sorakg", "oxigraph", "baseline")


def _cell(run: Run, name: str) -> str:
    times = run.times.get(name, [])
    if not times:
        return "-"
    failed = f" ({run.failures[name]})" if name in run.failures else ""
    return f"{percentile(times, 50) * 1000:.0f}{failed}"


def _cpu(run: Run, name: str) -> str:
    """The CPU cell; "-" when no request kept its CPU (a worker stopped at the timeout takes
    its CPU time with it)."""
    cpu = [c for c in run.cpu.get(name, []) if c > 0 or name not in run.failures]
    return f"{percentile(cpu, 50) * 1000:.0f}" if cpu else "-"


def _ratio(ours: Run, theirs: Run, name: str) -> str:
    a, b = ours.times.get(name, []), theirs.times.get(name, [])
    if not a or not b:
        return "-"
    return f"{percentile(a, 50) / max(1e-9, percentile(b, 50)):.2f}x"


def _goal(run: Run, name: str, goal: float) -> str:
    times = run.times.get(name, [])
    if not times:
        return "-"
    if name in run.failures or percentile(times, 50) > goal:
        return "**no**"
    return "yes"


def servers_table(runs: dict[tuple[str, str], Run]) -> list[str]:
    out = [
        "| graph | server | code | store written s | start to first answer s | then idle "
        "after s | MB after start (RSS / PSS) | MB after the queries (RSS / PSS) | most RSS "
        "seen MB | restarts | machine load (1 min) before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for graph in dict.fromkeys(g for g, _ in runs):
        for name in ORDER:
            r = runs.get((graph, name))
            if r is not None:
                out.append(
                    f"| {graph} | {name} | {r.code} | {r.load_s:.1f} | {r.startup_s:.2f} | "
                    f"{r.settle_s:.0f} | {r.memory_start[0]:.0f} / {r.memory_start[1]:.0f} | "
                    f"{r.memory_end[0]:.0f} / {r.memory_end[1]:.0f} | {r.peak_rss:.0f} | "
                    f"{r.restarts} | {r.load_average[0]:.1f} / {r.load_average[1]:.1f} |"
                )
    return out


def ours_name(present: dict[str, Run]) -> str:
    """The server the goal is checked on: sorakg, else the first present."""
    return "sorakg" if "sorakg" in present else next(n for n in ORDER if n in present)


def queries_table(graph: str, present: dict[str, Run]) -> list[str]:
    """Each query's p50 on every server of the run, the ratios to sorakg's, and the goal."""
    size = graph.split("-")[0]
    goal = GOALS.get(size, 1.0)
    names = [n for n in ORDER if n in present]
    ours = present[ours_name(present)]
    head = (f"### {graph}: ms at p50 ({', '.join(names)}), the server's CPU ms per request "
            f"(p50), and the goal of {goal:g} s")  # fmt: skip
    cols = ["query", "rows", *names, *(f"{n} CPU" for n in names)]
    cols += [f"sorakg / {n}" for n in names if n != "sorakg" and "sorakg" in present]
    cols += ["sorakg within the goal" if "sorakg" in present else "within the goal"]
    out = ["", head, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    queries = list(dict.fromkeys(q for n in names for q in present[n].times))
    met = 0
    for query in queries:
        rows = " / ".join(str(present[n].rows.get(query, "-")) for n in names)
        cells = [query, rows, *(_cell(present[n], query) for n in names)]
        cells += [_cpu(present[n], query) for n in names]
        if "sorakg" in present:
            cells += [_ratio(ours, present[n], query) for n in names if n != "sorakg"]
        cells.append(_goal(ours, query, goal))
        met += cells[-1] == "yes"
        out.append("| " + " | ".join(cells) + " |")
    out += ["", f"Within the goal: {met} of {len(queries)} requests ({ours_name(present)})."]
    return out


def report(runs: dict[tuple[str, str], Run], samples: int, budget: float, timeout: float,
           baseline: str) -> list[str]:  # fmt: skip
    out = [
        "## Endpoint at scale",
        "",
        f"Machine: {os.cpu_count()} cores, shared. `python -m benchmarks.endpoint_scale`: sorakg "
        f"(`sorakg serve`, its default workers), the Oxigraph server (`oxigraph serve-read-only "
        f"--union-default-graph`) and sorakg as it was at `{baseline}` (baseline) on the same "
        f"synthetic graph, in turn, in the same run; at most {samples} requests per query, fewer "
        f"past {budget:g} s; the same {timeout:g} s query timeout on every server. Memory: RSS / "
        "PSS summed over every process of the server. A status other than 200 is named in the "
        "cell; rows are those of the first answer (sorakg / Oxigraph / baseline).",
        "",
        *servers_table(runs),
    ]
    for graph in dict.fromkeys(g for g, _ in runs):
        present = {n: runs[graph, n] for n in ORDER if (graph, n) in runs}
        out += queries_table(graph, present)
    return out
