"""The scale benchmarks' graphs and stores, kept in a work folder so that later runs reuse them.

Writing a 10M store takes minutes (the bulk load, the summaries, the compaction, the names
index), so a run given ``--work DIR`` keeps what it wrote there and the next run finds it:

- ``graphs/NAME.nq``: the synthetic graph (:func:`benchmarks.workload.synthetic`), NAME being
  the size and ``-shared`` for the copies that share their entities;
- ``sorakg/NAME-KEY/``: a bench build folder (:func:`benchmarks.servers.sorakg_build`'s
  layout) whose store and names index were written by the code whose release-writing files
  hash to KEY (:func:`store_key`), in a fresh process, as ``sorakg build`` writes them; a
  baseline commit whose release code is unchanged shares the checkout's store;
- ``oxigraph/NAME/``: the same graph loaded by ``oxigraph load``, plus the summaries graph of
  the store it is compared with (derived at build time, so not in the N-Quads), so both servers
  hold the same quads;
- a ``timings.json`` in each store's folder: the seconds and peak memory it took to write.

A folder is used only once it is complete (its ``timings.json`` is written last).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .servers import BIN, manifest, nice, sorakg_build
from .workload import synthetic

ROOT = Path(__file__).resolve().parent.parent
TIMINGS = "timings.json"
SUMMARIES = "https://w3id.org/sorakg/graph/summaries"
# what decides the bytes of a release's store and names index (their key)
RELEASE_CODE = ("release", "name_index.py", "loaders/prefixes.py")

# each step of writing a release, in a fresh process of the code under test; the steps the
# code does not have (an older commit without a names index) are left out
_WRITE = """
import importlib.util, json, sys, time
from pathlib import Path
folder = Path(sys.argv[1])
took = {}
started = time.perf_counter()
from sorakg.release.folder import write_store
write_store(folder / "sorakg.nq", folder / "store")
took["store s"] = round(time.perf_counter() - started, 1)
if importlib.util.find_spec("sorakg.name_index"):
    from sorakg import name_index
    from sorakg.release.default_view import default_graphs
    started = time.perf_counter()
    name_index.write(folder / "store", folder / "names.sqlite", "https://w3id.org/sorakg/",
                     default_graphs)
    took["names index s"] = round(time.perf_counter() - started, 1)
print(json.dumps(took))
"""


def graph(work: Path, size: str, quads: int, shared: bool, source: Path) -> Path:
    """The synthetic graph of ``quads`` quads, written once."""
    target = work / "graphs" / f"{name(size, shared)}.nq"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        synthetic(source, quads, partial, keep_first=True, shared=shared)
        partial.rename(target)
    return target


def name(size: str, shared: bool) -> str:
    return f"{size}-shared" if shared else size


def store_key(code: Path | None) -> str:
    """A hash of the files that write a release's store and names index, in ``code`` (a
    materialised commit, :mod:`benchmarks.baseline`) or this checkout (None)."""
    package = (code or ROOT) / "sorakg"
    digest = hashlib.sha256()
    for part in RELEASE_CODE:
        path = package / part
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            if file.exists() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(package)).encode() + b"\0")
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def _peak_run(command: list[str], env: dict[str, str]) -> tuple[str, float, int]:
    """Run ``command`` at nice 5; (its output, wall seconds, peak RSS MB from GNU time)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "peak KB %M", *nice(), *command],
            env=env,
            cwd=tempfile.gettempdir(),  # not the checkout: its folders would shadow a baseline
            stdout=subprocess.PIPE,
            stderr=err,
            check=False,
        )
        wall = time.perf_counter() - started
        err.seek(0)
        lines = err.read().decode(errors="replace").splitlines()
    if done.returncode:
        raise RuntimeError(f"{command[:3]} failed: {' / '.join(lines[-5:])}")
    peak = [int(line.split()[-1]) for line in lines if line.startswith("peak KB ")]
    return done.stdout.decode(), wall, round(peak[-1] / 1024) if peak else 0


def release(work: Path, nquads: Path, code: Path | None) -> Path:
    """A bench build folder serving ``nquads``, its store and names index written by ``code``
    (None: this checkout), reused when an earlier run wrote it with the same release code."""
    target = work / "sorakg" / f"{nquads.stem}-{store_key(code)}"
    if (target / TIMINGS).exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    build, _ = sorakg_build(nquads)
    folder = build / "releases" / "bench"
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
    out, wall, peak = _peak_run([sys.executable, "-c", _WRITE, str(folder)], env)
    took = json.loads(out.strip().splitlines()[-1]) | {"wall s": round(wall, 1), "peak MB": peak}
    manifest(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(build, target)
    (target / TIMINGS).write_text(json.dumps(took) + "\n")
    return target


def oxigraph(work: Path, nquads: Path, summaries_from: Path | None) -> Path:
    """An Oxigraph store of ``nquads`` (loaded once) holding the summaries graph of the sorakg
    build ``summaries_from`` (replaced when that build's differ)."""
    target = work / "oxigraph" / nquads.stem
    if not (target / TIMINGS).exists():
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        load = [str(BIN / "oxigraph"), "load", "--location", str(target), "--file", str(nquads)]
        _, wall, peak = _peak_run(load, dict(os.environ))
        (target / TIMINGS).write_text(json.dumps({"load s": round(wall, 1), "peak MB": peak}))
    if summaries_from is not None:
        _summaries(target, summaries_from / "releases" / "bench" / "store")
    return target


def _summaries(location: Path, store: Path) -> None:
    """The summaries graph of the sorakg ``store`` in the Oxigraph store at ``location``."""
    import pyoxigraph as ox

    marker = location / "summaries-of"
    if marker.exists() and marker.read_text() == str(store.resolve()):
        return
    source = ox.Store.read_only(str(store))
    quads = list(source.quads_for_pattern(None, None, None, ox.NamedNode(SUMMARIES)))
    del source
    target = ox.Store(str(location))  # the Oxigraph server's files, as `oxigraph load` wrote them
    target.remove_graph(ox.NamedNode(SUMMARIES))
    target.bulk_extend(quads)
    target.flush()
    del target
    marker.write_text(str(store.resolve()))


def timings(folder: Path) -> dict[str, float]:
    """What writing the store in ``folder`` took (see :data:`TIMINGS`)."""
    return json.loads((folder / TIMINGS).read_text()) if (folder / TIMINGS).exists() else {}
