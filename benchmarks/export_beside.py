"""Questions answered while a server's download export runs: a baseline's export beside this
branch's.

    .venv/bin/python -m benchmarks.export_beside --build BUILD [--seconds 30] [--rounds 2]
        [--baseline a5d7b9b]

``BUILD`` is a bench build folder (:func:`benchmarks.servers.sorakg_build`, with its store, or
any folder whose ``releases/bench`` holds ``sorakg.nq`` and ``store/``). A question process (the
3-pattern join of :mod:`benchmarks.answer_cpu` on the release's on-disk store, in a loop, as a
query worker runs it) counts the answers it gives in ``--seconds``, three ways in each round,
the order alternating by round: alone, beside the export process of the baseline commit (what
its ``sorakg serve`` started for a new release, at the priority it gave it, nice 19), and beside
this branch's (what a server now runs only for a release built before downloads were written
by ``sorakg build``: a release built now has its files and nothing runs beside the questions,
the "alone" column). An export still running at the end of the window is stopped. The ratios
are answers per second beside each export ÷ alone, and this branch ÷ the baseline, in the same
round; the machine's 1-minute load is recorded. Writes ``benchmarks/export_beside.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sorakg.server.downloads import EXPORT_SETTINGS, in_background
from sorakg.settings import Settings

from .answer_cpu import MICRO
from .build_scale import unpack
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


def _export(release: Path, settings: Settings, package: Path | None) -> subprocess.Popen[bytes]:
    """The export process as a server starts it (nice 19), of this branch or of ``package``."""
    shutil.rmtree(release / "downloads", ignore_errors=True)
    shutil.rmtree(release / ".downloads-staging", ignore_errors=True)
    passed = settings.model_dump_json(include=EXPORT_SETTINGS)
    command = [sys.executable, "-m", "sorakg.server.downloads", str(release), passed]
    env = dict(os.environ, PYTHONPATH=str(package)) if package else None
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, cwd=release, preexec_fn=in_background())  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", default="a5d7b9b", help="git revision to compare with")
    args = parser.parse_args()
    release = args.build / "releases" / "bench"
    settings = Settings(build_dir=args.build, export_memory_mb=0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="sorakg-export-beside-") as tmp:
        package = unpack(args.baseline, Path(tmp))
        modes: list[tuple[str, Path | bool | None]] = [
            ("alone", False),
            ("before", package),
            ("now", None),
        ]
        for round_ in range(args.rounds):
            rows.append(_round(round_, modes, release, settings, args.seconds))
            print(rows[-1], flush=True)
    shutil.rmtree(release / "downloads", ignore_errors=True)
    quads = sum(1 for _ in (release / "sorakg.nq").open("rb"))
    text = "\n".join(
        [
            f"`python -m benchmarks.export_beside`: {quads:,} quads, the 3-pattern join in a "
            f"loop for {args.seconds:g} s per cell; answers per second (÷ alone).",
            "",
            f"| round | alone | beside {args.baseline}'s export (before) | beside this branch's "
            "export (now) | now ÷ before | load |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    (HERE / "export_beside.md").write_text(text + "\n", encoding="utf-8")
    print(text)


def _round(
    round_: int,
    modes: list[tuple[str, Path | bool | None]],
    release: Path,
    settings: Settings,
    seconds: float,
) -> str:
    load = os.getloadavg()[0]
    rate: dict[str, float] = {}
    for name, package in modes if round_ % 2 == 0 else reversed(modes):
        export = None
        if package is not False:
            export = _export(release, settings, package if isinstance(package, Path) else None)
            time.sleep(2)  # past its imports: the export is reading and writing
        rate[name] = _questions(release / "store", seconds)
        if export is not None:
            export.send_signal(signal.SIGKILL)
            export.wait()
    load = max(load, os.getloadavg()[0])
    alone, before, now = rate["alone"], rate["before"], rate["now"]
    return (
        f"| {round_ + 1} | {alone:.1f} | {before:.1f} ({before / alone:.2f}x) | "
        f"{now:.1f} ({now / alone:.2f}x) | **{now / before:.2f}x** | {load:.1f} |"
    )


if __name__ == "__main__":
    main()
