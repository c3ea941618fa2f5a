"""The build of many publications in batches, its memory bounded by a batch's graph.

:func:`sorakg.pipeline.build.assemble` holds every publication's triples in rdflib at once (three
indexes per triple: 1.2 GB at 1M triples), which a thousand papers do not fit. Here each batch of
publications is converted, checked against the shapes, written as sorted runs of release rows
(:mod:`sorakg.release.runs`) and read into the OWL RL closure before the next is converted; what
stays in memory for the whole build is the tables as read, every entity's types and the
reasoners' input (the facts about entities; evidence, citation and publication records, most of
the triples, take part in no axiom). The release files are the merge of the runs: the same
bytes as the whole-graph build (tests/test_build_batched.py).

The shapes see one batch at a time, with the ontology and the ``rdf:type`` triples of the
entities the batch mentions but whose table rows are in another batch (a paper citing another
paper's molecule), so a value's ``sh:class`` is checked as in the whole graph; of such a lent
entity's violations, those about a property the batch gives it are the batch's, the rest are the
defining batch's. What a batch cannot see: a count constraint (``sh:maxCount``,
``sh:qualifiedMaxCount``) over values of one node that different batches give (two papers giving
one shared entity two values of a one-valued property); every batch checks its own values.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from sorakg.loaders.evidence import Minter
from sorakg.loaders.prefixes import PREFIX_IRIS
from sorakg.loaders.rdf import Converter, Defined
from sorakg.loaders.read import Publication, read_sources
from sorakg.loaders.vocab import SK
from sorakg.names import curie
from sorakg.pipeline.validate import Violation, validate_graphs
from sorakg.release.default_view import in_default_view
from sorakg.release.folder import GRAPH_FILES, publish_release
from sorakg.release.runs import SortedRuns
from sorakg.release.serialize import blank_rows, graph_rows
from sorakg.settings import Settings

if TYPE_CHECKING:
    from sorakg.pipeline.build import Progress
    from sorakg.pipeline.reasoning import Closure

BATCH_PAPERS = 20  # publications converted and checked together (~200k triples of the review's)


def publication_count(settings: Settings) -> int:
    """How many publication folders the data folder has (without reading them)."""
    return sum(1 for p in settings.data_dir.iterdir() if (p / "publication.toml").exists())


def _batches(publications: list[Publication], size: int) -> Iterator[list[Publication]]:
    for start in range(0, len(publications), size):
        yield publications[start : start + size]


class _Clock:
    """CPU and wall seconds of a stage that runs in pieces (one per batch): ``with clock: …``."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter(), time.process_time()

    def __exit__(self, *_: object) -> None:
        self.wall += time.perf_counter() - self._started[0]
        self.cpu += time.process_time() - self._started[1]


class _Rows:
    """The release rows as runs: every graph's N-Quads rows, and the default view's N-Triples
    rows; the few triples with a blank node (the ontology's axioms) kept per graph, to be
    labelled canonically at the end as the whole-graph build labels them."""

    def __init__(self, folder: Path):
        self.quads = SortedRuns(folder, "quads")
        self.triples = SortedRuns(folder, "triples")
        self.blank: dict[URIRef, Graph] = {}
        self.counts: dict[URIRef, int] = {}

    def add(self, name: URIRef, graph: Graph) -> None:
        plain, blank = graph_rows(graph)
        suffix = f"{name.n3()} .\n"
        self.quads.add(row[:-2] + suffix for row in plain)
        if in_default_view(str(name)):
            self.triples.add(plain)
        self.blank.setdefault(name, Graph())
        self.blank[name] += blank
        self.counts.setdefault(name, 0)

    def close(self) -> None:
        """The blank-node rows, each graph's labelled in it, and the default view's in their
        union (as :func:`sorakg.release.serialize.release_texts`)."""
        for name, graph in self.blank.items():
            if len(graph):
                suffix = f"{name.n3()} .\n"
                self.quads.add(row[:-2] + suffix for row in blank_rows([graph]))
        in_view = [g for name, g in self.blank.items() if in_default_view(str(name))]
        if any(len(g) for g in in_view):
            self.triples.add(blank_rows(in_view))

    def write(self, staging: Path) -> tuple[str, dict[str, object]]:
        """The two release files in ``staging``; the N-Quads file's SHA-256 and the counts
        :func:`sorakg.release.stats.graph_stats` gives for the whole graph."""
        classes: dict[str, int] = {}
        counts = dict(self.counts)
        rdf_type = f"<{RDF.type}>"

        def count(line: str) -> None:
            rest, graph, _ = line.rsplit(" ", 2)
            counts[URIRef(graph[1:-1])] += 1
            _, predicate, obj = rest.split(" ", 2)
            if predicate == rdf_type:
                cls = curie(obj[1:-1], PREFIX_IRIS) if obj.startswith("<") else obj
                classes[cls] = classes.get(cls, 0) + 1

        sha256 = self.quads.write(staging / GRAPH_FILES["nquads"], count)
        self.triples.write(staging / GRAPH_FILES["ntriples"])
        stats = {
            "graphs": {str(name): n for name, n in sorted(counts.items())},
            "triples": sum(counts.values()),
            "classes": dict(sorted(classes.items())),
        }
        return sha256, stats


def build_in_batches(
    settings: Settings, progress: Progress, batch_papers: int = BATCH_PAPERS
) -> tuple[Path, dict[str, float]]:
    """Build and write the release of ``settings.data_dir`` a batch of publications at a time;
    :class:`sorakg.pipeline.build.BuildError` on any problem, as the whole-graph build."""
    from sorakg.loaders.errors import TableError
    from sorakg.ontology import ontology_graph
    from sorakg.pipeline.build import BuildError, _timed, reason
    from sorakg.pipeline.reasoning import Closure

    timings: dict[str, float] = {}
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
    mint = Minter(settings.base_iri)
    converter = Converter(sources, settings.base_iri)  # type: ignore[arg-type]
    publications: list[Publication] = sources.publications  # type: ignore[attr-defined]
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".runs-", dir=settings.build_dir) as scratch:
        rows = _Rows(Path(scratch))
        rows.add(mint.graph("ontology"), ontology)
        closure = Closure(ontology) if settings.reason else None
        disputed = _convert_and_check(
            converter, ontology, publications, batch_papers, rows, mint, timings, progress, closure
        )
        if closure is not None:
            layers = reason(
                ontology, Graph(), disputed, settings, timings, progress, closure=closure
            )
            for name, graph in layers.items():
                rows.add(mint.graph(name), graph)
        rows.close()
        link = _timed(timings, "writing files", progress)(
            lambda: publish_release(rows.write, settings, timings)
        )
    assert isinstance(link, Path)
    return link, timings


def _convert_and_check(
    converter: Converter,
    ontology: Graph,
    publications: list[Publication],
    batch_papers: int,
    rows: _Rows,
    mint: Minter,
    timings: dict[str, float],
    progress: Progress,
    closure: Closure | None,
) -> Graph:
    """Each batch converted, checked, written as runs and read into ``closure`` (the reasoners'
    input: the facts about entities); returns every disputed statement with its records (when
    the build reasons)."""
    from sorakg.pipeline.build import BuildError

    convert, shacl = _Clock(), _Clock()
    progress("convert to RDF …")
    with convert:
        defined = converter.entity_types()
    progress("SHACL validation …")
    disputed_all = Graph()
    violations: set[Violation] = set()
    done = 0
    for batch in _batches(publications, batch_papers):
        with convert:
            asserted, disputed = converter.graphs(batch)
        with shacl:
            violations.update(_check(ontology, asserted, disputed, batch, defined))
        if not violations:  # once the build fails, the rest is only checked
            with convert:
                _keep(asserted, disputed, closure, disputed_all, rows, mint)
        done += len(batch)
        progress(f"converted and checked {done} of {len(publications)} publications")
        # freed before the next batch is converted, not after: two batches' graphs at once
        # were the build's peak (rdflib's graphs hold reference cycles, so collect them now)
        del asserted, disputed
        gc.collect()
    timings["convert to RDF"] = round(convert.wall, 3)
    timings["convert to RDF CPU"] = round(convert.cpu, 3)
    progress(f"convert to RDF done in {convert.wall:.2f} s")
    timings["SHACL validation"] = round(shacl.wall, 3)
    timings["SHACL validation CPU"] = round(shacl.cpu, 3)
    progress(f"SHACL validation done in {shacl.wall:.2f} s")
    if violations:
        raise BuildError("SHACL validation", [str(v) for v in sorted(violations)])
    return disputed_all


def _check(
    ontology: Graph,
    asserted: Graph,
    disputed: Graph,
    batch: list[Publication],
    defined: dict[URIRef, Defined],
) -> list[Violation]:
    """The batch's violations. Every entity the batch refers to but whose table rows are in
    another batch (a value, or the subject of a relation this batch's rows state) is lent its
    types, so values' classes are checked and the entity's shapes see the relations the batch
    gives it; of a lent entity's violations, those about a property the batch gives it are
    kept, the rest (its label, its evidence as an entity) are the defining batch's to report."""
    parts = [asserted, disputed] if len(disputed) else [asserted]
    here = {pub.id for pub in batch}
    lent = Graph()
    for graph in parts:
        for node in {*graph.subjects(), *graph.objects()}:
            entity = defined.get(node)  # type: ignore[call-overload]
            if entity is not None and not entity.publications & here:
                lent += entity.types
    found = validate_graphs([ontology, *parts, lent] if len(lent) else [ontology, *parts])
    if not len(lent):
        return found
    spell = Graph().namespace_manager.normalizeUri  # as the violations spell a path

    def given(violation: Violation) -> bool:
        node = URIRef(violation.focus)
        if (node, None, None) not in lent:
            return True
        return any(spell(str(p)) == violation.path for g in parts for p in g.predicates(node))

    return [v for v in found if given(v)]


def _keep(
    asserted: Graph,
    disputed: Graph,
    closure: Closure | None,
    disputed_all: Graph,
    rows: _Rows,
    mint: Minter,
) -> None:
    """The batch's rows into the runs; its facts read into the closure, its disputed statements
    kept for the reasoners."""
    rows.add(mint.graph("asserted"), asserted)
    if len(disputed):
        rows.add(mint.graph("disputed"), disputed)
    if closure is not None:
        closure.add(asserted)
        disputed_all += disputed
