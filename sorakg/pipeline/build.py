"""The pipeline: source tables → RDF → SHACL check → reasoning → a release folder on disk.

The stages run here; the release folder they end in (staging, the atomic switch of
``build/graph``, pins and pruning) is :mod:`sorakg.release.folder`'s, so a failed build never
touches the last good release.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from sorakg.loaders.evidence import Minter
from sorakg.loaders.rdf import facts_graphs
from sorakg.loaders.read import read_sources
from sorakg.loaders.vocab import SK
from sorakg.ontology import ontology_graph
from sorakg.pipeline.forked import Forked
from sorakg.pipeline.validate import validate_graphs
from sorakg.release.default_view import in_default_view
from sorakg.release.folder import write_release
from sorakg.release.serialize import union
from sorakg.settings import Settings

if TYPE_CHECKING:
    from sorakg.pipeline.hermit import Hermit
    from sorakg.pipeline.reasoning import Closure, Triple

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
    from sorakg.pipeline.inference_review import FILE_NAME, problems, read_reviewed

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

    def beside() -> None:
        _check_shapes(shacl, built)

    layers = reason(ontology, facts, disputed, settings, timings, progress, beside)
    for name, graph in layers.items():
        built.graphs[mint.graph(name)] = graph
    return built


def reason(
    ontology: Graph,
    facts: Graph,
    disputed: Graph,
    settings: Settings,
    timings: dict[str, float],
    progress: Progress,
    beside: Callable[[], None] = lambda: None,
    closure: Closure | None = None,
) -> dict[str, Graph]:
    """The inferred layers (:func:`inferred_layers`), checked against the reviewed list, and the
    consistency check; ``beside`` runs in this process meanwhile (the shapes), and its error
    comes first. ``closure``: the facts already read into one (a batch at a time; ``facts`` is
    then not read)."""
    from sorakg.pipeline.reasoning import Closure, start_consistency_check

    # Three at once on the two cores. HermiT sees what the axioms are about: the ontology and
    # the entity facts (the evidence records are checked by the shapes; leaving them out halves
    # HermiT's time); it runs in java. OWL RL runs in a forked child, and this process checks
    # the shapes. The errors come in the order they did when the stages ran one after another:
    # a shapes error first (the others are then ended), then HermiT's inconsistency.
    progress("consistency (HermiT) …")
    started = time.perf_counter()
    closure = closure or Closure(ontology, facts)
    with start_consistency_check(closure.given) as hermit:
        progress("inference (OWL 2 RL) …")
        inferring = time.perf_counter()
        with Forked(lambda: _as_bytes(inferred_layers(ontology, facts, disputed, closure))) as rl:
            beside()
            layers = _from_bytes(rl.result())
        timings["inference (OWL 2 RL)"] = round(time.perf_counter() - inferring, 3)
        timings["inference (OWL 2 RL) child CPU"] = round(rl.cpu_seconds, 3)
        progress(f"inference (OWL 2 RL) done in {timings['inference (OWL 2 RL)']:.2f} s")
        _await_consistency(hermit, closure.given)
    timings["consistency (HermiT)"] = round(time.perf_counter() - started, 3)
    timings["consistency (HermiT) java CPU"] = round(hermit.cpu_seconds, 3)
    progress(f"consistency (HermiT) done in {timings['consistency (HermiT)']:.2f} s")
    unreviewed = review_problems(settings, layers["inferred"])
    if unreviewed:
        hint = "run 'sorakg review-inferences --write', then review each new row"
        raise BuildError("inference review", [*unreviewed, hint])
    return layers


def _as_bytes(layers: dict[str, Graph]) -> bytes:
    """The inferred layers as the forked child hands them back: each layer's name on a comment
    line, then its N-Triples rows (written row by row: no whole-graph string, no JSON)."""
    from sorakg.pipeline.hermit import rows_of

    out = io.BytesIO()
    for name, graph in layers.items():
        out.write(f"# layer {name}\n".encode())
        out.writelines(row.encode() for row in rows_of(graph))
    return out.getvalue()


def _from_bytes(data: bytes) -> dict[str, Graph]:
    parts = re.split(rb"^# layer (\S+)\n", data, flags=re.MULTILINE)[1:]
    return {
        name.decode(): Graph().parse(data=rows.decode(), format="nt")
        for name, rows in zip(parts[::2], parts[1::2], strict=True)
    }


def _check_shapes(shacl: Callable[..., object], built: Built) -> None:
    violations = shacl(lambda: validate_graphs(built.graphs.values()))
    if violations:
        raise BuildError("SHACL validation", [str(v) for v in violations])  # type: ignore[attr-defined]


def _await_consistency(hermit: Hermit, entities: set[Triple]) -> None:
    from sorakg.pipeline.reasoning import InconsistentOntology, raise_if_inconsistent

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
    from sorakg.pipeline.reasoning import Closure

    closure = closure or Closure(ontology, facts)
    inferred = closure.inferred()
    layers = {"inferred": inferred}
    if len(disputed):
        closure.add(disputed)
        with_disputed = closure.inferred()
        layers["disputed-inferred"] = with_disputed - inferred - facts - disputed
    return layers


def stages(settings: Settings) -> int:
    """How many stages :func:`build` reports (for a progress bar)."""
    return 7 if settings.reason else 5


def build(settings: Settings, progress: Progress = lambda _: None) -> tuple[Path, Built]:
    """Build and write the release. More publications than one batch are built in batches
    (:mod:`sorakg.pipeline.batched`, memory bounded by a batch; the returned :class:`Built`
    then holds no graph, only the timings: read the release for them)."""
    from sorakg.pipeline.batched import BATCH_PAPERS, build_in_batches, publication_count

    if publication_count(settings) > BATCH_PAPERS:
        written, timings = build_in_batches(settings, progress)
        return written, Built({}, timings)
    built = assemble(settings, progress)
    link = _timed(built.timings, "writing files", progress)(
        lambda: write_release(built.graphs, settings, built.timings)
    )
    assert isinstance(link, Path)
    return link, built
