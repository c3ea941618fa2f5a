"""Start to first answer, and a query worker's import CPU, this checkout beside a baseline.

    .venv/bin/python -m benchmarks.startup --build BUILD [--baseline REV] [--rounds 3]

``BUILD`` is a bench build folder with its store (:func:`benchmarks.servers.sorakg_build`).
Each round, in an order alternating by round, for this checkout and for ``--baseline`` (run as
it was, :mod:`benchmarks.baseline`): the CPU seconds of a fresh ``python -c "import
sorakg.server.worker"`` (what every worker, and every replacement of a worker killed at a
timeout, pays before it opens the store), and ``sorakg serve``'s time from process start to the
first answer (:func:`benchmarks.servers.start`: the port opens once the workers are up). The
machine's 1-minute load is recorded. Writes ``benchmarks/startup.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from . import baseline
from .servers import start

HERE = Path(__file__).resolve().parent


def _import_cpu(code: Path | None) -> float:
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "import sorakg.server.worker"], env=env, check=True,
                   cwd=tempfile.gettempdir())  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--baseline", default="HEAD~1")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    graph = args.build / "releases" / "bench" / "sorakg.nq"
    label = f"sorakg@{baseline.resolve(args.baseline)[:7]}"
    codes: dict[str, Path | None] = {"sorakg": None, label: baseline.materialise(args.baseline)}
    imports: dict[str, list[float]] = {name: [] for name in codes}
    starts: dict[str, list[float]] = {name: [] for name in codes}
    loads: list[float] = []
    for round_ in range(args.rounds):
        for name in codes if round_ % 2 == 0 else reversed(list(codes)):
            loads.append(os.getloadavg()[0])
            imports[name].append(_import_cpu(codes[name]))
            server = start("sorakg", graph, build=args.build, code=codes[name])
            starts[name].append(server.startup_s)
            server.stop()
            print(name, imports[name][-1], starts[name][-1], flush=True)
    quads = sum(1 for _ in graph.open("rb"))
    lines = [
        f"`python -m benchmarks.startup`: {quads:,} quads, {args.rounds} rounds (median, range); "
        f"load {min(loads):.1f}-{max(loads):.1f}.",
        "",
        "| server | worker import, CPU s | start to first answer, s |",
        "|---|---|---|",
    ]
    for name in codes:
        cpu, wall = imports[name], starts[name]
        lines.append(
            f"| {name} | {statistics.median(cpu):.2f} ({min(cpu):.2f}-{max(cpu):.2f}) | "
            f"{statistics.median(wall):.2f} ({min(wall):.2f}-{max(wall):.2f}) |"
        )
    text = "\n".join(lines) + "\n"
    (HERE / "startup.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
