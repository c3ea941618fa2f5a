"""Questions answered while the server's download export runs, at its old and new priority.

    .venv/bin/python -m benchmarks.export_beside --build BUILD [--seconds 30] [--rounds 2]

``BUILD`` is a bench build folder (:func:`benchmarks.servers.sorakg_build`, with its store). A
question process (the 3-pattern join of :mod:`benchmarks.answer_cpu` on the release's on-disk
store, in a loop, as a query worker runs it) counts the answers it gives in ``--seconds``,
three ways in each round, the order alternating by round: alone, beside the export process
started as before this change (``nice 0``), and beside it started as the server now starts it
(:func:`sorakg.server.downloads.in_background`: ``nice 19``). The export is stopped at the end
of each window (its time and memory are measured apart, with ``/usr/bin/time``). The ratios
are answers per second beside the export ÷ alone, and now ÷ before, in the same round; the
machine's 1-minute load is recorded. Writes ``benchmarks/export_beside.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sorakg.server.downloads import EXPORT_SETTINGS, in_background
from sorakg.settings import Settings

from .answer_cpu import MICRO
from .workload import PREFIXES

HERE = Path(__file__).resolve().parent
QUESTIONS = """
import sys, time, pyoxigraph as ox
from sorakg.release.default_view import default_graphs
store = ox.Store.read_only(sys.argv[1])
graphs = default_graphs(store)
deadline, answers = time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < deadline:
    store.query(sys.argv[3], default_graph=graphs).serialize(format=ox.QueryResultsFormat.JSON)
    answers += 1
print(answers)
"""


def _questions(store: Path, seconds: float) -> float:
    text = PREFIXES + MICRO["join"]
    out = subprocess.run([sys.executable, "-c", QUESTIONS, str(store), str(seconds), text],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return int(out.stdout) / seconds


def _export(release: Path, settings: Settings, lowered: bool) -> subprocess.Popen[bytes]:
    shutil.rmtree(release / "downloads", ignore_errors=True)
    passed = settings.model_dump_json(include=EXPORT_SETTINGS)
    command = [sys.executable, "-m", "sorakg.server.downloads", str(release), passed]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=in_background() if lowered else None)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    release = args.build / "releases" / "bench"
    settings = Settings(build_dir=args.build, export_memory_mb=0)
    rows = []
    modes: list[tuple[str, bool | None]] = [("alone", None), ("nice 0", False), ("nice 19", True)]
    for round_ in range(args.rounds):
        load = os.getloadavg()[0]
        rate: dict[str, float] = {}
        for name, lowered in modes if round_ % 2 == 0 else reversed(modes):
            export = None if lowered is None else _export(release, settings, lowered)
            time.sleep(2)  # past its imports: the export is reading and writing
            rate[name] = _questions(release / "store", args.seconds)
            if export is not None:
                export.send_signal(signal.SIGKILL)
                export.wait()
        load = max(load, os.getloadavg()[0])
        alone, before, now = rate["alone"], rate["nice 0"], rate["nice 19"]
        rows.append(
            f"| {round_ + 1} | {alone:.1f} | {before:.1f} ({before / alone:.2f}x) | "
            f"{now:.1f} ({now / alone:.2f}x) | **{now / before:.2f}x** | {load:.1f} |"
        )
        print(rows[-1], flush=True)
    shutil.rmtree(release / "downloads", ignore_errors=True)
    quads = sum(1 for _ in (release / "sorakg.nq").open("rb"))
    text = "\n".join(
        [
            f"`python -m benchmarks.export_beside`: {quads:,} quads, the 3-pattern join in a "
            f"loop for {args.seconds:g} s per cell; answers per second (÷ alone).",
            "",
            "| round | alone | beside the export at nice 0 (before) | beside it at nice 19 (now) "
            "| now ÷ before | load |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    (HERE / "export_beside.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
