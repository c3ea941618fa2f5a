"""Server CPU per answer, this checkout beside a baseline commit and the Oxigraph server.

    .venv/bin/python -m benchmarks.answer_cpu --build BUILD [--oxigraph STORE] [--baseline REV]
    .venv/bin/python -m benchmarks.answer_cpu --graph build/graph/sorakg.nq --named \
        --micro point join join-classes

Serves one graph three ways in one run: sorakg as this checkout, sorakg as ``--baseline`` (run
as it was, :mod:`benchmarks.baseline`), both at the shipped row cap (``max_rows`` 10,000; the
cap decides which answers took the old two-pass path), and ``oxigraph serve-read-only`` on the
same triples, every request carrying sorakg's default view as its dataset
(``default-graph-uri`` for the ontology, asserted and inferred graphs, ``named-graph-uri`` for
all five), which is what sorakg answers from. ``--build`` is a bench build folder holding a
release store (:func:`benchmarks.servers.sorakg_build`); ``--oxigraph`` a store loaded earlier
(else loaded now).

Requests: a point lookup, a 3-pattern join (and, on the project's graph, the same join over
every class, ~150 rows), a whole-graph aggregate, and named queries (sorakg:
``/queries/NAME``; Oxigraph: the same text with the defaults bound, as the worker binds them).
The servers take turns for each request kind, in an order that alternates by round; each cell
is the server's CPU (every process) over its requests ÷ requests, and the median wall time. Row
counts are compared; req/s is the cell's requests ÷ its wall time, one client at a time. The
machine's 1-minute load is recorded per cell, each server's start time and memory at the end.
Writes ``benchmarks/answer_cpu.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import httpx

from sorakg.settings import Settings
from sorakg.sparql import catalogue

from . import baseline
from .servers import Server, oxigraph_load, sorakg_build, start
from .workload import PREFIXES

HERE = Path(__file__).resolve().parent
JSON = "application/sparql-results+json"
GRAPH = "https://w3id.org/sorakg/graph/"
DEFAULT_VIEW = [GRAPH + name for name in ("ontology", "asserted", "inferred")]
NAMED = [*DEFAULT_VIEW, GRAPH + "disputed", GRAPH + "disputed-inferred"]
MICRO = {
    "point": "SELECT ?p ?o WHERE { <https://w3id.org/sorakg/drug/sorafenib> ?p ?o }",
    "join": "SELECT ?d ?t ?l WHERE { ?d sk:inhibits ?t . ?t a sk:RAFKinase . ?d rdfs:label ?l }",
    # the same join over every class of target: ~150 rows on the project's graph (over the row
    # cap at 1M, so for the project's graph only)
    "join-classes": "SELECT ?d ?t ?l WHERE { ?d sk:inhibits ?t . ?t a ?c . ?d rdfs:label ?l }",
    "aggregate": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
}
NAMED_QUERIES = ("trials", "drugs", "curator-readings", "trial-arms")


def _requests(
    server: Server, micro: list[str], named: list[str]
) -> dict[str, tuple[str, dict[str, object]]]:
    """Each request kind as (URL, parameters) for this server."""
    prefixes = catalogue.prefixes_for(Settings().base_iri)
    out: dict[str, tuple[str, dict[str, object]]] = {}
    dataset: dict[str, object] = {}
    if server.name == "oxigraph":
        dataset = {"default-graph-uri": DEFAULT_VIEW, "named-graph-uri": NAMED}
    for kind in micro:
        out[kind] = (server.sparql, {"query": PREFIXES + MICRO[kind], **dataset})
    for name in named:
        if server.name == "sorakg":
            out[name] = (f"{server.root}/queries/{name}", {"format": "json"})
        else:
            query = catalogue.load_query(name)
            text = catalogue.bound_text(query, catalogue.bind(query, {}, prefixes))
            out[name] = (server.sparql, {"query": text, **dataset})
    return out


def _cell(server: Server, url: str, params: dict[str, object], count: int) -> dict[str, object]:
    times, rows, headers = [], -1, ""
    with httpx.Client(timeout=600, headers={"Accept": JSON}) as client:
        client.get(url, params=params)  # warm: a fresh worker's imports are not the cell's
        load = os.getloadavg()[0]
        cpu = server.cpu_seconds()
        started = time.perf_counter()
        for _ in range(count):
            sent = time.perf_counter()
            answer = client.get(url, params=params)
            times.append(time.perf_counter() - sent)
            assert answer.status_code == 200, (server.name, url, answer.text[:300])
            rows = len(json.loads(answer.content)["results"]["bindings"])
            headers = ",".join(k for k in answer.headers if k.lower().startswith("x-sparql-max"))
        wall = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu
    return {"cpu_ms": cpu / count * 1000, "p50_ms": statistics.median(times) * 1000,
            "per_s": count / wall, "rows": rows, "cut": headers, "load": load}  # fmt: skip


def _settle(server: Server, seconds: float = 600) -> None:
    """Wait until ``server`` has used under 20 ms of CPU in a second (its start-up work done)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        time.sleep(1)
        if server.cpu_seconds() - before < 0.02:
            return


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def _rounds(cells: dict[tuple[str, str], list[dict[str, object]]], kind: str) -> str:
    """sorakg's CPU ÷ Oxigraph's in each round (the two ran minutes apart at most)."""
    pairs = zip(cells[kind, "sorakg"], cells[kind, "oxigraph"], strict=True)
    return ", ".join(_ratio(float(a["cpu_ms"]), float(b["cpu_ms"])) for a, b in pairs)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, help="a bench build folder with its store")
    parser.add_argument("--graph", type=Path, help="else: N-Quads to make one from (made now)")
    parser.add_argument("--oxigraph", type=Path)
    parser.add_argument("--baseline", default="a5d7b9b")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3, help="per cell, roughly")
    parser.add_argument("--requests", type=int, help="per cell, fixed (instead of --seconds): "
                        "on a loaded machine a cell of a few seconds holds too few requests "
                        "for the CPU clock's 10 ms ticks")  # fmt: skip
    parser.add_argument("--named", nargs="*", default=list(NAMED_QUERIES))
    parser.add_argument("--micro", nargs="*", choices=list(MICRO), default=list(MICRO))
    parser.add_argument("--out", type=Path, default=HERE / "answer_cpu.md")
    args = parser.parse_args()
    if args.build is None:
        if args.graph is None:
            parser.error("give --build or --graph")
        args.build = sorakg_build(args.graph, store=True)[0]
    graph = args.build / "releases" / "bench" / "sorakg.nq"
    location = args.oxigraph or oxigraph_load(graph)[0]
    shipped = {"SORAKG_MAX_ROWS": "10000"}
    code = baseline.materialise(args.baseline)
    label = f"sorakg@{baseline.resolve(args.baseline)[:7]}"
    servers = {}
    try:
        servers["sorakg"] = start("sorakg", graph, build=args.build, settings=shipped)
        servers[label] = start("sorakg", graph, build=args.build, settings=shipped, code=code)
        servers["oxigraph"] = start("oxigraph", graph, location=location)
        for server in servers.values():
            _settle(server)  # a large release loads into each worker's memory after start
        requests = {
            name: _requests(server, args.micro, args.named) for name, server in servers.items()
        }
        kinds = list(requests["sorakg"])
        memory = {}
        cells: dict[tuple[str, str], list[dict[str, object]]] = {}
        for round_ in range(args.rounds):
            for kind in kinds:
                order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
                # requests per cell from the first server's first answer time
                for name in order:
                    url, params = requests[name][kind]
                    probe = time.perf_counter()
                    httpx.get(url, params=params, headers={"Accept": JSON}, timeout=600)
                    count = args.requests or max(
                        3, min(1000, int(args.seconds / (time.perf_counter() - probe)))
                    )
                    cells.setdefault((kind, name), []).append(
                        _cell(servers[name], url, params, count)
                    )
                    print(kind, name, cells[kind, name][-1], flush=True)
        memory = {name: server.memory_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    lines = [
        f"Graph: {graph.resolve()} ({sum(1 for _ in graph.open('rb')):,} quads). "
        f"{args.rounds} rounds; cell = median over rounds. Ratios: ÷ the Oxigraph server.",
        "",
        "Start to first answer, s, and RSS / PSS MB of every process at the end: "
        + "; ".join(
            f"{name} {servers[name].startup_s:.2f} s, {rss:.0f} / {pss:.0f} MB"
            for name, (rss, pss) in memory.items()
        )
        + ".",
        "",
        f"| request | rows | sorakg CPU ms | {label} CPU ms | Oxigraph CPU ms | sorakg ÷ "
        f"{label} | sorakg ÷ Oxigraph | req/s (sorakg / {label} / Oxigraph) | throughput "
        f"sorakg ÷ Oxigraph | p50 ms (sorakg / {label} / Oxigraph) | cut | load | CPU sorakg ÷ "
        "Oxigraph, each round |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in kinds:

        def med(name: str, key: str, kind: str = kind) -> float:
            return statistics.median(float(c[key]) for c in cells[kind, name])  # type: ignore[arg-type]

        ours, base, oxi = (med(n, "cpu_ms") for n in (*list(servers)[:2], "oxigraph"))
        p50 = " / ".join(f"{med(n, 'p50_ms'):.1f}" for n in servers)
        rows = {str(cells[kind, n][-1]["rows"]) for n in servers}
        cut = {str(cells[kind, n][-1]["cut"]) or "-" for n in servers}
        loads = [float(c["load"]) for n in servers for c in cells[kind, n]]  # type: ignore[arg-type]
        ratios = f"**{_ratio(ours, base)}** | **{_ratio(ours, oxi)}**"
        per_s = " / ".join(f"{med(n, 'per_s'):.0f}" for n in servers)
        faster = _ratio(med("sorakg", "per_s"), med("oxigraph", "per_s"))
        lines.append(
            f"| {kind} | {' / '.join(sorted(rows))} | {ours:.2f} | {base:.2f} | {oxi:.2f} | "
            f"{ratios} | {per_s} | **{faster}** | {p50} | {' / '.join(sorted(cut))} "
            f"| {min(loads):.1f}-{max(loads):.1f} | {_rounds(cells, kind)} |"
        )
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
