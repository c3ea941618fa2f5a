"""The release folder on disk: one build's files, written atomically, pinned while served.

A build writes into a new staging folder under ``build/releases/``, renames it to its content's
digest and only then points the ``build/graph`` link at it (an atomic rename), so a failed or
killed build never touches the last good release. Staging folders are locked by their build and
releases are pinned by the servers that serve them; both locks are ``flock``s the kernel drops
when their holder exits, even on kill -9, so leftovers of dead runs are told apart from work in
progress and an old release is never pruned from under a server.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sorakg import name_index
from sorakg.release import summaries
from sorakg.release.default_view import default_graphs, in_default_view
from sorakg.release.files import DOWNLOADS
from sorakg.settings import Settings

if TYPE_CHECKING:  # writing a release needs rdflib; finding and pinning one (the server) not
    from rdflib import Graph, URIRef

GRAPH_FILES = {"nquads": "sorakg.nq", "ntriples": "sorakg.nt"}
STORE_DIR = "store"  # the release's on-disk Oxigraph store, which the endpoint's workers open
STAGING = ".staging-"  # + pid + random: a release being written
BUILDING = ".building"  # in a staging folder; its build holds an exclusive lock on it
PIN_FILE = ".pin"  # a server holds a shared lock on it while it serves the release


def write_release(
    graphs: dict[URIRef, Graph], settings: Settings, timings: dict[str, float] | None = None
) -> Path:
    """Write the named graphs into a new release folder, then switch ``build/graph`` to it
    atomically. ``timings`` (the build's, recorded in the manifest) gains the store's."""
    from sorakg.release.serialize import release_texts
    from sorakg.release.stats import graph_stats

    def write_graph_files(staging: Path) -> tuple[str, dict[str, object]]:
        in_view = [iri for iri in graphs if in_default_view(str(iri))]
        quads, triples = release_texts(graphs, in_view)
        contents = {GRAPH_FILES["nquads"]: quads, GRAPH_FILES["ntriples"]: triples}
        for name, text in contents.items():
            (staging / name).write_text(text, encoding="utf-8")
        return hashlib.sha256(quads.encode()).hexdigest(), graph_stats(graphs)

    return publish_release(write_graph_files, settings, timings)


GraphFiles = Callable[[Path], tuple[str, dict[str, object]]]


def publish_release(
    write_graph_files: GraphFiles, settings: Settings, timings: dict[str, float] | None = None
) -> Path:
    """A new release folder: ``write_graph_files(staging)`` writes the graph files (sorakg.nq,
    sorakg.nt) into the staging folder and returns the N-Quads file's SHA-256 and the graph's
    counts; the store, the names index, the downloads and the manifest are made from the files,
    then ``build/graph`` is switched to the folder atomically. ``timings`` (the build's,
    recorded in the manifest) gains the store's."""
    from sorakg.release.versions import library_versions

    timings = {} if timings is None else timings
    releases = settings.build_dir / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    clean_leftovers(settings.build_dir)
    staging, lock = _staging(releases)
    try:
        sha256, stats = write_graph_files(staging)
        start = time.perf_counter()
        write_store(staging / GRAPH_FILES["nquads"], staging / STORE_DIR)
        timings["on-disk store"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()  # what -p NAME= and the pages look names up in
        name_index.write(
            staging / STORE_DIR, staging / name_index.NAMES_FILE, settings.base_iri, default_graphs
        )
        timings["names index"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()  # the files /download serves, streamed from the store
        from sorakg.release.export import export_files  # it reads stores: store.py imports us

        export_files(settings, staging / DOWNLOADS, release=staging)
        timings["downloads"] = round(time.perf_counter() - start, 3)
        digest = sha256[:16]
        manifest = {
            "digest": digest,
            "inputs": inputs_digest(settings),
            "files": sorted(GRAPH_FILES.values()),
            "stats": stats,
            "timings": timings,
            "versions": library_versions(),
        }
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        )
        final = releases / digest
        (staging / BUILDING).unlink()  # still locked: a cleaner now goes by the pid in the name
        if final.exists():
            shutil.rmtree(staging)  # identical content is already on disk
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        lock.close()
    link = settings.build_dir / "graph"
    temp_link = settings.build_dir / f".graph-{os.getpid()}"
    temp_link.unlink(missing_ok=True)
    temp_link.symlink_to(Path("releases") / digest)
    os.replace(temp_link, link)  # atomic: readers see the old build or the new one
    prune(releases, keep=settings.keep_builds, current=final)
    return link


def write_store(nquads: Path, target: Path) -> None:
    """Bulk-load the N-Quads file ``nquads`` into a new on-disk Oxigraph store at ``target``,
    with the summaries graph (:mod:`sorakg.release.summaries`) derived from it.
    The store is closed on return (pyoxigraph closes it when the object is freed)."""
    import pyoxigraph

    store = pyoxigraph.Store(str(target))
    store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    summaries.write(store)  # each entity's evidence counts and first records, in their own graph
    store.optimize()  # compacts the bulk-loaded files: fewer files for every reader to open
    store.flush()
    del store


def current_graph_file(settings: Settings, kind: str = "nquads") -> Path:
    """The current release's graph file (through the ``build/graph`` link)."""
    return settings.build_dir / "graph" / GRAPH_FILES[kind]


# --- staging, and what dead runs leave behind ------------------------------------------------


def _staging(releases: Path) -> tuple[Path, IO[bytes]]:
    """A new staging folder, locked for as long as the returned file stays open (the kernel
    drops the lock when the build exits, even on kill -9)."""
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=releases))
    lock = (staging / BUILDING).open("wb")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return staging, lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _abandoned(staging: Path) -> bool:
    """Whether no running build is writing ``staging``: its lock is free, or (between the folder
    and its lock being made, or after the lock file is gone) the pid in its name is dead.
    A folder whose name has no pid (written by an older sorakg) counts once it is an hour old."""
    try:
        with (staging / BUILDING).open("rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
    except FileNotFoundError:
        pass
    pid = staging.name.removeprefix(STAGING).split("-")[0]
    if pid.isdigit():
        return not _alive(int(pid))
    return time.time() - staging.stat().st_mtime > 3600


def clean_leftovers(build_dir: Path) -> list[Path]:
    """Remove what killed or failed runs left behind, so they cannot fill the disk over time:
    staging folders of builds no longer running, temporary ``build/graph`` links of dead builds,
    and a release's half-written downloads when no server holds the release (a server writing
    them pins it). Returns what was removed."""
    removed = []
    releases = build_dir / "releases"
    for path in sorted(releases.glob(f"{STAGING}*")):
        if path.is_dir() and _abandoned(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    for path in sorted(releases.glob("*/.downloads-staging")):
        if not pinned(path.parent):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    for path in sorted(build_dir.glob(".graph-*")):
        pid = path.name.removeprefix(".graph-")
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


# --- pins and pruning ------------------------------------------------------------------------


def pin(release: Path) -> IO[bytes]:
    """Pin ``release`` against pruning for as long as the returned file stays open: a shared
    ``flock`` on its pin file, released by the kernel when the holder exits, even on kill -9,
    so a pin never outlives its server."""
    handle = (release / PIN_FILE).open("ab")
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def pinned(release: Path) -> bool:
    """Whether a running server holds ``release``'s pin."""
    try:
        handle = (release / PIN_FILE).open("rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def prune(releases: Path, keep: int, current: Path) -> None:
    """Delete all but the ``keep`` newest releases, never the current one or one being served."""
    old = sorted(
        (
            p
            for p in releases.iterdir()
            if p.is_dir() and p != current and not p.name.startswith(".") and not pinned(p)
        ),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in old[keep - 1 :]:
        shutil.rmtree(path, ignore_errors=True)
        # the release's live copy (update mode, server/pool.py) goes with it: updates are not
        # carried into another release
        shutil.rmtree(releases.parent / "live" / path.name, ignore_errors=True)


# --- reusing the current release -------------------------------------------------------------


def inputs_digest(settings: Settings) -> str:
    """What a build is made from: the source tables, the ontology, the shapes, the loaders'
    code and the settings that change the output (base IRI, reasoning), hashed. Equal digests
    make equal builds, so ``make serve`` can reuse the current one."""
    from importlib.resources import files

    folders = [settings.data_dir] + [
        Path(str(files(package)))
        for package in ("sorakg.ontology", "sorakg.shapes", "sorakg.loaders")
    ]
    digest = hashlib.sha256(f"{settings.base_iri}\n{settings.reason}\n".encode())
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".csv", ".txt", ".toml", ".ttl", ".py"}:
                digest.update(f"{path.relative_to(folder)}\n".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def reusable_build(settings: Settings) -> dict[str, Any] | None:
    """The current build's manifest if it was made from exactly these inputs, else None."""
    folder = current_graph_file(settings).parent
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    complete = all((folder / name).exists() for name in GRAPH_FILES.values())
    if complete and manifest.get("inputs") == inputs_digest(settings):
        return manifest  # type: ignore[no-any-return]
    return None
