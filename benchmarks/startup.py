"""Start to first answer, and the import CPU of a worker and of the web process, this checkout
beside a baseline.

    .venv/bin/python -m benchmarks.startup --build BUILD [--baseline REV] [--rounds 3]

``BUILD`` is a bench build folder with its store (:func:`benchmarks.servers.sorakg_build`).
Each round, in an order alternating by round, for this checkout and for ``--baseline`` (run as
it was, :mod:`benchmarks.baseline`): the CPU seconds of a fresh ``python -c "import
sorakg.server.worker"`` (what every worker, and every replacement of a worker killed at a
timeout, pays before it opens the store), the CPU seconds of the web process's imports
(``import sorakg.cli, sorakg.server.app``: what ``sorakg serve`` imports before it listens),
and ``sorakg serve``'s time from process start to the first answer
(:func:`benchmarks.servers.start`: the port opens once the workers are up). The machine's
1-minute load is recorded. Writes ``benchmarks/startup.md``.
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


WORKER = "import sorakg.server.worker"
WEB = "import sorakg.cli, sorakg.server.app"  # what `sorakg serve` imports before it serves


def _import_cpu(code: Path | None, modules: str = WORKER) -> float:
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", modules], env=env, check=True,
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
    web: dict[str, list[float]] = {name: [] for name in codes}
    starts: dict[str, list[float]] = {name: [] for name in codes}
    loads: list[float] = []
    for round_ in range(args.rounds):
        for name in codes if round_ % 2 == 0 else reversed(list(codes)):
            loads.append(os.getloadavg()[0])
            imports[name].append(_import_cpu(codes[name]))
            web[name].append(_import_cpu(codes[name], WEB))
            server = start("sorakg", graph, build=args.build, code=codes[name])
            starts[name].append(server.startup_s)
            server.stop()
            print(name, imports[name][-1], web[name][-1], starts[name][-1], flush=True)
    quads = sum(1 for _ in graph.open("rb"))
    lines = [
        f"`python -m benchmarks.startup`: {quads:,} quads, {args.rounds} rounds (median, range); "
        f"load {min(loads):.1f}-{max(loads):.1f}.",
        "",
        "| server | worker import, CPU s | web process import, CPU s | start to first answer, s |",
        "|---|---|---|---|",
    ]
    for name in codes:
        cells = [imports[name], web[name], starts[name]]
        lines.append(
            f"| {name} | "
            + " | ".join(f"{statistics.median(c):.2f} ({min(c):.2f}-{max(c):.2f})" for c in cells)
            + " |"
        )
    text = "\n".join(lines) + "\n"
    (HERE / "startup.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
