"""Time and peak memory of writing a release's downloads, this branch beside a baseline commit.

    .venv/bin/python -m benchmarks.export_scale --nquads /tmp/scale1m/1M.nq --work /tmp/me/x

A release folder is made from the N-Quads file (``sorakg.nq``; ``sorakg.nt``, the default
view's triples; the on-disk store), then each pipeline writes its downloads into it
(``export_release``, what ``sorakg serve`` runs in its export process, and what this branch's
``sorakg build`` runs) in a fresh process, one after the other, under ``nice -n 5``: wall
seconds, CPU seconds and peak resident memory (the process's own, from ``wait4``), the
machine's load before and after. The synthetic graphs' renamed copies carry links without a
recorded source, so the SSSOM step stops both pipelines: every whole-graph file is written
before it in both, and the line says where each stopped. On demand only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.build_scale import unpack
from benchmarks.servers import BIN, nice
from sorakg.release.default_view import in_default_view
from sorakg.release.folder import STORE_DIR, write_store

_RUN = """
import sys
from pathlib import Path
from sorakg.server.downloads import export_release
from sorakg.settings import Settings
export_release(Path(sys.argv[1]), Settings(reason=False))
"""


def release_folder(nquads: Path, folder: Path, store: Path | None = None) -> Path:
    """A release folder of ``nquads``: the file itself, the default view's triples sorted and
    each once (as a build writes ``sorakg.nt``), and the on-disk store (``store``, written
    earlier, linked; else written now)."""
    folder.mkdir(parents=True, exist_ok=True)
    if store is not None and not (folder / STORE_DIR).exists():
        (folder / STORE_DIR).symlink_to(store.resolve())
    (folder / "sorakg.nq").unlink(missing_ok=True)
    (folder / "sorakg.nq").symlink_to(nquads.resolve())
    unsorted = folder / "default-view.unsorted"
    if (folder / "sorakg.nt").exists():
        return folder
    with nquads.open(encoding="utf-8") as lines, unsorted.open("w", encoding="utf-8") as out:
        for line in lines:
            head, _, graph = line.removesuffix(" .\n").rpartition(" ")
            if in_default_view(graph.strip("<>")):
                out.write(f"{head} .\n")
    subprocess.run(
        ["sort", "-u", "-S", "256M", "-o", str(folder / "sorakg.nt"), str(unsorted)],
        env={**os.environ, "LC_ALL": "C"},
        check=True,
    )
    unsorted.unlink()
    if not (folder / STORE_DIR / "CURRENT").exists():
        write_store(nquads, folder / STORE_DIR)
    return folder


def timed_oxigraph_dump(store: Path, target: Path) -> dict[str, object]:
    """The Oxigraph server's whole-graph file: ``oxigraph dump`` of its store to N-Quads, at
    nice 5, wall seconds and peak memory (GNU time)."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "peak KB %M %U %S", *nice(), str(BIN / "oxigraph"),
         "dump", "--location", str(store), "--file", str(target)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    line = [x for x in done.stderr.splitlines() if x.startswith("peak KB ")][-1].split()
    target.unlink(missing_ok=True)
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(float(line[3]) + float(line[4]), 1),
        "peak_mb": round(int(line[2]) / 1024),
        "load": [round(load, 1), round(os.getloadavg()[0], 1)],
        "exit": done.returncode,
    }


def timed_export(release: Path, package: Path | None, timeout: float) -> dict[str, object]:
    """One export of ``release`` in a fresh process (``package`` puts another sorakg first)."""
    shutil.rmtree(release / "downloads", ignore_errors=True)
    env = dict(os.environ)
    if package is not None:
        env["PYTHONPATH"] = str(package)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        # GNU time reports the export's peak: this process's own (the store it wrote) would
        # be inherited by a child forked from it
        timed = ["/usr/bin/time", "-f", "peak KB %M", *nice(), sys.executable]
        child = subprocess.Popen(
            [*timed, "-c", _RUN, str(release)],
            env=env,
            cwd=release.parent,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    child.returncode = os.waitstatus_to_exitcode(status)
    peak = [int(line.split()[-1]) for line in lines if line.startswith("peak KB ")]
    lines = [line for line in lines if not line.startswith(("peak KB ", "Command exited"))]
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_mb": round(peak[-1] / 1024) if peak else None,
        "load": [round(load, 1), round(os.getloadavg()[0], 1)],
        "exit": child.returncode,
        "stopped_at": (lines or ["killed"])[-1] if child.returncode else "",
        "over_timeout": wall >= timeout,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nquads", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="a scratch folder")
    parser.add_argument("--baseline", default="2aad118", help="git revision to compare with")
    parser.add_argument("--this", metavar="REV", help="export with this commit, not the checkout")
    parser.add_argument("--store", type=Path, help="the graph's sorakg store, written earlier")
    parser.add_argument("--oxigraph", type=Path, help="an Oxigraph store of the graph: its dump")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    release = release_folder(args.nquads, args.work / "release", args.store)
    runs = {}
    if args.oxigraph is not None:
        runs["oxigraph dump"] = timed_oxigraph_dump(args.oxigraph, args.work / "dump.nq")
        print(json.dumps({"oxigraph dump": runs["oxigraph dump"]}), flush=True)
    with tempfile.TemporaryDirectory(prefix="sorakg-export-this-") as tmp:
        package = unpack(args.this, Path(tmp)) if args.this else None
        runs["this branch"] = timed_export(release, package, args.timeout)
    print(json.dumps({"this branch": runs["this branch"]}), flush=True)
    if not args.skip_baseline:
        with tempfile.TemporaryDirectory(prefix="sorakg-export-scale-") as tmp:
            package = unpack(args.baseline, Path(tmp))
            runs[args.baseline] = timed_export(release, package, args.timeout)
            print(json.dumps({args.baseline: runs[args.baseline]}), flush=True)
    shutil.rmtree(release / "downloads", ignore_errors=True)
    shutil.rmtree(release / ".downloads-staging", ignore_errors=True)


if __name__ == "__main__":
    main()
