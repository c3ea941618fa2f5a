"""How a named query's parameters are bound, measured: Oxigraph's substitutions (the embedded
store's former method) against :func:`sorakg.sparql.bindings.with_values` (a ``VALUES`` block
plus the constants in place, now the one method of every path).

    .venv/bin/python -m benchmarks.bindings [--triples 300000] [--repeat 3]

Every named query with parameters runs with its defaults both ways on the same in-memory
synthetic graph (the review's graph copied with entity IRIs renamed per copy; the first copy
keeps the review's IRIs, so the defaults find answers), with the default view's graphs as the
default graph, as the endpoint runs it; each cell is the best of ``--repeat`` runs (fewer once
a query has taken ``--budget`` seconds), the two methods alternating. Both must give the same
number of rows. Prints markdown and writes ``benchmarks/bindings.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from sorakg.release.default_view import default_graphs
from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings
from sorakg.sparql import catalogue as ql
from sorakg.sparql.bindings import with_values

from .workload import synthetic

HERE = Path(__file__).resolve().parent


def _seconds(store: ox.Store, text: str, **options: object) -> tuple[float, int]:
    """Seconds to run ``text`` and read every row, and the rows."""
    started = time.perf_counter()
    rows = len(list(store.query(text, **options)))  # type: ignore[arg-type,call-overload]
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--triples", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=20, help="seconds per query, roughly")
    parser.add_argument("--store", type=Path, help="an on-disk store to read instead (read-only)")
    parser.add_argument("--only", nargs="+", metavar="QUERY", help="these named queries only")
    args = parser.parse_args()
    if args.store:  # e.g. the 10M release an endpoint_scale run left
        store = ox.Store.read_only(str(args.store))
    else:
        source = current_graph_file(Settings())
        with tempfile.TemporaryDirectory() as work:
            graph = synthetic(source, args.triples, Path(work) / "graph.nq", keep_first=True)
            store = ox.Store()
            store.bulk_load(path=str(graph), format=ox.RdfFormat.N_QUADS)
    graphs = default_graphs(store)
    prefixes = ql.prefixes_for(Settings().base_iri)
    lines = [
        "## Binding a named query's parameters",
        "",
        f"`python -m benchmarks.bindings`: {len(store):,} quads "
        f"({'on disk, read-only' if args.store else 'in memory'}), named queries with "
        f"parameters, their defaults, best of {args.repeat}, ms.",
        "",
        "| query | rows | runs | substitutions (before) | VALUES + constants (now) "
        "| now / before |",
        "|---|---|---|---|---|---|",
    ]
    for query in ql.list_queries():
        if (
            not query.parameters
            or query.form != "SELECT"
            or (args.only and query.name not in args.only)
        ):
            continue
        bound = ql.bind(query, {}, prefixes)
        text = with_values(query.text, bound)
        before: list[float] = []
        now: list[float] = []
        began = time.perf_counter()
        while len(now) < args.repeat and (not now or time.perf_counter() - began < args.budget):
            seconds, old_rows = _seconds(
                store, query.text, default_graph=graphs, substitutions=bound
            )
            before.append(seconds)
            seconds, new_rows = _seconds(store, text, default_graph=graphs)
            now.append(seconds)
            if old_rows != new_rows:
                raise SystemExit(f"{query.name}: {old_rows} rows before, {new_rows} now")
        lines.append(
            f"| {query.name} | {new_rows} | {len(now)} | {min(before) * 1000:.1f} | "
            f"{min(now) * 1000:.1f} | "
            f"{min(now) / min(before):.2f}x |"
        )
    text_out = "\n".join(lines) + "\n"
    with (HERE / "bindings.md").open("a" if args.store else "w", encoding="utf-8") as out:
        out.write(("\n" if args.store else "") + text_out)
    print(text_out)


if __name__ == "__main__":
    main()
