"""The pipeline: source tables → RDF → SHACL check → reasoning → files on disk.

A build writes into a new folder under ``build/releases/`` and only then points the
``build/graph`` link at it (an atomic rename), so a failed build never touches the last good one.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rdflib import Graph, URIRef

from sorakg import name_index
from sorakg.forked import Forked
from sorakg.loaders.rdf import Minter, facts_graphs
from sorakg.loaders.read import read_sources
from sorakg.loaders.vocab import SK
from sorakg.ontology import ontology_graph
from sorakg.serialize import release_texts, union
from sorakg.settings import Settings
from sorakg.stats import graph_stats
from sorakg.validate import validate_graphs
from sorakg.versions import library_versions
from sorakg.views import in_default_view

if TYPE_CHECKING:
    from sorakg.hermit import Hermit
    from sorakg.reasoning import Closure, Triple

GRAPH_FILES = {"nquads": "sorakg.nq", "ntriples": "sorakg.nt"}
STORE_DIR = "store"  # the release's on-disk Oxigraph store, which the endpoint's workers open
Progress = Callable[[str], None]


class BuildError(Exception):
    """The build stopped; ``problems`` lists every reason, each naming where to look."""

    def __init__(self, stage: str, problems: list[str]):
        self.stage = stage
        self.problems = problems
        super().__init__(f"{stage} failed:\n" + "\n".join(problems))


@dataclass
class Built:
    graphs: dict[URIRef, Graph]
    timings: dict[str, float] = field(default_factory=dict)

    def default_view_names(self) -> list[URIRef]:
        """Every named graph's name except the disputed layer's."""
        return [iri for iri in self.graphs if in_default_view(str(iri))]

    def default_view(self) -> list[Graph]:
        """Every named graph except the disputed layer."""
        return [self.graphs[iri] for iri in self.default_view_names()]

    def union(self) -> Graph:
        """The default view as one graph."""
        return union(self.default_view())

    def graph(self, name: str) -> Graph:
        """One named graph by its short name: ``ontology``, ``asserted`` or ``inferred``."""
        return next(g for iri, g in self.graphs.items() if str(iri).endswith(f"/graph/{name}"))


def _timed(timings: dict[str, float], name: str, progress: Progress) -> Callable[..., object]:
    def run(step: Callable[[], object]) -> object:
        progress(f"{name} …")
        start = time.perf_counter()
        result = step()
        timings[name] = round(time.perf_counter() - start, 3)
        progress(f"{name} done in {timings[name]:.2f} s")
        return result

    return run


def _layers(
    settings: Settings, timings: dict[str, float], progress: Progress
) -> tuple[Graph, Graph, Graph]:
    """The ontology, the asserted facts and the disputed statements of the tables."""
    from sorakg.loaders.errors import TableError

    ontology = _timed(timings, "ontology", progress)(ontology_graph)
    assert isinstance(ontology, Graph)
    classes = {
        str(c).removeprefix(str(SK)) for c in ontology.subjects() if str(c).startswith(str(SK))
    }
    try:
        sources = _timed(timings, "read tables", progress)(
            lambda: read_sources(settings.data_dir, ontology_classes=classes)
        )
    except TableError as error:
        raise BuildError("reading the source tables", [str(p) for p in error.problems]) from error
    layers = _timed(timings, "convert to RDF", progress)(
        lambda: facts_graphs(sources, settings.base_iri)  # type: ignore[arg-type]
    )
    assert isinstance(layers, tuple)
    facts, disputed = layers
    assert isinstance(facts, Graph) and isinstance(disputed, Graph)
    return ontology, facts, disputed


def inferences(settings: Settings) -> tuple[Graph, Graph, Graph]:
    """The ontology, the asserted facts and the inferred graph, without the checks (what
    ``sorakg review-inferences`` compares with the reviewed list)."""
    ontology, facts, disputed = _layers(settings, {}, lambda _: None)
    return ontology, facts, inferred_layers(ontology, facts, disputed)["inferred"]


def review_problems(settings: Settings, inferred: Graph) -> list[str]:
    """Differences between the inferred graph and the data folder's reviewed list (none when
    the folder has no list, as a new publication's scratch folder)."""
    from sorakg.inference_review import FILE_NAME, problems, read_reviewed

    path = settings.data_dir / FILE_NAME
    if not path.exists():
        return []
    return problems(inferred, read_reviewed(path, settings.base_iri), settings.base_iri)


def assemble(settings: Settings, progress: Progress = lambda _: None) -> Built:
    """Read, convert and check everything; raise :class:`BuildError` on any problem."""
    timings: dict[str, float] = {}
    ontology, facts, disputed = _layers(settings, timings, progress)
    mint = Minter(settings.base_iri)
    built = Built({mint.graph("ontology"): ontology, mint.graph("asserted"): facts}, timings)
    if len(disputed):
        built.graphs[mint.graph("disputed")] = disputed
    # the shapes check the disputed statements too: they keep their evidence like any other
    shacl = _timed(timings, "SHACL validation", progress)
    if not settings.reason:
        _check_shapes(shacl, built)
        return built
    from sorakg.reasoning import Closure, start_consistency_check

    # Three at once on the two cores. HermiT sees what the axioms are about: the ontology and
    # the entity facts (the evidence records are checked by the shapes; leaving them out halves
    # HermiT's time); it runs in java. OWL RL runs in a forked child, and this process checks
    # the shapes. The errors come in the order they did when the stages ran one after another:
    # a shapes error first (the others are then ended), then HermiT's inconsistency.
    progress("consistency (HermiT) …")
    started = time.perf_counter()
    closure = Closure(ontology, facts)
    with start_consistency_check(closure.given) as hermit:
        progress("inference (OWL 2 RL) …")
        inferring = time.perf_counter()
        with Forked(lambda: _as_bytes(inferred_layers(ontology, facts, disputed, closure))) as rl:
            _check_shapes(shacl, built)
            layers = _from_bytes(rl.result())
        timings["inference (OWL 2 RL)"] = round(time.perf_counter() - inferring, 3)
        timings["inference (OWL 2 RL) child CPU"] = round(rl.cpu_seconds, 3)
        progress(f"inference (OWL 2 RL) done in {timings['inference (OWL 2 RL)']:.2f} s")
        _await_consistency(hermit, closure.given)
    timings["consistency (HermiT)"] = round(time.perf_counter() - started, 3)
    timings["consistency (HermiT) java CPU"] = round(hermit.cpu_seconds, 3)
    progress(f"consistency (HermiT) done in {timings['consistency (HermiT)']:.2f} s")
    for name, graph in layers.items():  # type: ignore[attr-defined]
        built.graphs[mint.graph(name)] = graph
    unreviewed = review_problems(settings, layers["inferred"])  # type: ignore[index]
    if unreviewed:
        hint = "run 'sorakg review-inferences --write', then review each new row"
        raise BuildError("inference review", [*unreviewed, hint])
    return built


def _as_bytes(layers: dict[str, Graph]) -> bytes:
    """The inferred layers as the forked child hands them back: N-Triples per layer."""
    texts = {name: graph.serialize(format="nt") for name, graph in layers.items()}
    return json.dumps(texts).encode()


def _from_bytes(data: bytes) -> dict[str, Graph]:
    return {name: Graph().parse(data=text, format="nt") for name, text in json.loads(data).items()}


def _check_shapes(shacl: Callable[..., object], built: Built) -> None:
    violations = shacl(lambda: validate_graphs(built.graphs.values()))
    if violations:
        raise BuildError("SHACL validation", [str(v) for v in violations])  # type: ignore[attr-defined]


def _await_consistency(hermit: Hermit, entities: set[Triple]) -> None:
    from sorakg.reasoning import InconsistentOntology, raise_if_inconsistent

    def given() -> Graph:
        graph = Graph()
        graph += entities
        return graph

    try:
        raise_if_inconsistent(hermit, given)
    except InconsistentOntology as error:
        raise BuildError("consistency check", error.problems) from error


def inferred_layers(
    ontology: Graph, facts: Graph, disputed: Graph, closure: Closure | None = None
) -> dict[str, Graph]:
    """``inferred``: what the ontology implies from the asserted facts alone; and, when there are
    disputed statements, ``disputed-inferred``: what they would add. Kept apart, so the default
    view never shows a consequence of a statement a curator disputes. The disputed statements
    extend the first closure (an incremental run) instead of a second one from scratch.
    ``closure``: the facts' closure if the caller has made it (its input went to HermiT)."""
    from sorakg.reasoning import Closure

    closure = closure or Closure(ontology, facts)
    inferred = closure.inferred()
    layers = {"inferred": inferred}
    if len(disputed):
        closure.add(disputed)
        with_disputed = closure.inferred()
        layers["disputed-inferred"] = with_disputed - inferred - facts - disputed
    return layers


def publish(built: Built, settings: Settings) -> Path:
    """Write the build into a new release folder, then switch ``build/graph`` to it atomically."""
    releases = settings.build_dir / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    clean_leftovers(settings.build_dir)
    staging, lock = _staging(releases)
    try:
        quads, triples = release_texts(built.graphs, built.default_view_names())
        contents = {GRAPH_FILES["nquads"]: quads, GRAPH_FILES["ntriples"]: triples}
        for name, text in contents.items():
            (staging / name).write_text(text, encoding="utf-8")
        start = time.perf_counter()
        write_store(staging / GRAPH_FILES["nquads"], staging / STORE_DIR)
        built.timings["on-disk store"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        name_index.write(staging / STORE_DIR, staging / name_index.NAMES_FILE, settings.base_iri)
        built.timings["names index"] = round(time.perf_counter() - start, 3)
        digest = hashlib.sha256(contents[GRAPH_FILES["nquads"]].encode()).hexdigest()[:16]
        stats = graph_stats(built.graphs)
        manifest = {
            "digest": digest,
            "inputs": inputs_digest(settings),
            "files": sorted(contents),
            "stats": stats,
            "timings": built.timings,
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
    _prune(releases, keep=settings.keep_builds, current=final)
    return link


def write_store(nquads: Path, target: Path) -> None:
    """Bulk-load the N-Quads file ``nquads`` into a new on-disk Oxigraph store at ``target``.
    The store is closed on return (pyoxigraph closes it when the object is freed)."""
    import pyoxigraph

    store = pyoxigraph.Store(str(target))
    store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    store.optimize()  # compacts the bulk-loaded files: fewer files for every reader to open
    store.flush()
    del store


STAGING = ".staging-"  # + pid + random: a release being written
BUILDING = ".building"  # in a staging folder; its build holds an exclusive lock on it


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
    Folders of builds before this scheme (no pid) count once they are an hour old."""
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
    """Remove what killed or failed runs left behind (security audit, finding 11): staging
    folders of builds no longer running, temporary ``build/graph`` links of dead builds, and a
    release's half-written downloads when no server holds the release (a server writing them
    pins it). Returns what was removed."""
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


PIN_FILE = ".pin"  # a server holds a shared lock on it while it serves the release


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


def _prune(releases: Path, keep: int, current: Path) -> None:
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


def stages(settings: Settings) -> int:
    """How many stages :func:`build` reports (for a progress bar)."""
    return 7 if settings.reason else 5


def build(settings: Settings, progress: Progress = lambda _: None) -> tuple[Path, Built]:
    built = assemble(settings, progress)
    link = _timed(built.timings, "writing files", progress)(lambda: publish(built, settings))
    assert isinstance(link, Path)
    return link, built


def current_graph_file(settings: Settings, kind: str = "nquads") -> Path:
    return settings.build_dir / "graph" / GRAPH_FILES[kind]


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
