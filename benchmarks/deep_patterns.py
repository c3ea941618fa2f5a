"""What small queries that expand to many triple patterns cost the engine.

    .venv/bin/python -m benchmarks.deep_patterns [--cap 15] [--store DIR]

Three queries of a few kilobytes are known to hold a worker until the timeout (an outside review
found them): a 999-step property path sequence, 999 nested ``[ <p> … ]`` and 999 nested
collections. Each is a compact spelling of one basic graph pattern with many triple patterns (a
path step, a blank node's property, a collection element are each a pattern or two), so they are
measured beside the same sizes written flat: a collection of N elements, a chain and a star of N
triple patterns. Each query runs in a fresh process with the worker's 1 GiB thread stack, on an
empty in-memory store (the cost that does not depend on the data) and on the project's release
store for the nested three, stopped after ``--cap`` seconds. The load average before and after is
recorded (the machine is shared). Prints markdown and writes ``benchmarks/deep_patterns.md``;
docs/endpoint.md quotes it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from sorakg.release.folder import current_graph_file
from sorakg.settings import Settings

HERE = Path(__file__).resolve().parent
P = "<urn:p>"
SIZES = (25, 50, 100, 200, 999)
NESTED = ("path sequence", "nested [ ]", "nested collections")


def query(shape: str, n: int) -> str:
    """The query of ``shape`` with ``n`` steps, levels, elements or patterns."""
    if shape == "path sequence":
        return "ASK { ?s " + "/".join([P] * n) + " ?o }"
    if shape == "nested [ ]":
        return "ASK { ?s " + f"{P} [ " * n + f"{P} ?o" + " ]" * n + " }"
    if shape == "nested collections":
        return f"ASK {{ ?s {P} " + "( " * n + ")" * n + " }"
    if shape == "flat collection":
        return f"ASK {{ ?s {P} (" + " <urn:a>" * n + " ) }"
    if shape == "chain of patterns":
        return "ASK { " + " ".join(f"?v{i} {P} ?v{i + 1} ." for i in range(n)) + " }"
    if shape == "star of patterns":
        return "ASK { " + " ".join(f"?s <urn:p{i}> ?o{i} ." for i in range(n)) + " }"
    raise ValueError(shape)


SHAPES = (*NESTED, "flat collection", "chain of patterns", "star of patterns")
# run in a child: the query, on the store given (or an empty one), in a thread with a large stack
CHILD = """
import sys, threading, time, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1]) if sys.argv[1] else ox.Store()
text = sys.stdin.read()
def run():
    began = time.perf_counter()
    store.query(text)
    print(time.perf_counter() - began)
threading.stack_size(1 << 30)
thread = threading.Thread(target=run)
thread.start()
thread.join()
"""


def seconds(text: str, store: str, cap: float) -> float | None:
    """How long the engine takes for ``text``; None when it passes ``cap``."""
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, store], input=text, text=True,
                              capture_output=True, timeout=cap, check=True)  # fmt: skip
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cap", type=float, default=15.0, help="seconds before a query is cut")
    parser.add_argument("--store", type=Path, default=None, help="the release's store folder")
    args = parser.parse_args()
    store = args.store or current_graph_file(Settings()).resolve().parent / "store"
    load_before = os.getloadavg()[0]
    started = time.time()
    rows = []
    for shape in SHAPES:
        stores = [("empty", "")] + ([("project", str(store))] if shape in NESTED else [])
        for label, path in stores:
            cells = []
            for n in SIZES:
                took = seconds(query(shape, n), path, args.cap)
                cells.append(f"> {args.cap:g}" if took is None else f"{took:.3f}")
            rows.append(f"| {shape} | {label} | " + " | ".join(cells) + " |")
    sizes = " | ".join(f"{n}" for n in SIZES)
    lengths = " ".join(f"{n}: {len(query('nested collections', n))} B" for n in SIZES)
    text = "\n".join([
        f"Seconds of the engine per query (pyoxigraph, one process each, cut at {args.cap:g} s); "
        f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}; "
        f"{time.time() - started:.0f} s in all. Nested collections' sizes: {lengths}.",
        "",
        f"| shape | store | {sizes} |",
        "|---|---|" + "---|" * len(SIZES),
        *rows,
    ])  # fmt: skip
    print(text)
    (HERE / "deep_patterns.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
