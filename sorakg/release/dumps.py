"""The whole-graph files of a release, streamed by Oxigraph from the release's own files.

Every RDF format of the export (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML) is written
by pyoxigraph's streaming parser and writers from the release's sorted ``sorakg.nq`` (split by
graph first, :class:`Split`) and ``sorakg.nt``: memory stays bounded whatever the graph's size,
and the work is compiled code, not rdflib's in-memory graphs (at a million triples those took
13 CPU minutes and 3.8 GB). The statements keep the release's sorted order, so the same release
gives the same bytes. The all-graphs N-Quads and N-Triples are the release's files themselves
(linked or copied); the canonical N-Quads (RDFC-1.0) are sorted on disk by ``sort``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from sorakg.formats import NQUADS, NTRIPLES, OFFERS, Format
from sorakg.release.default_view import in_default_view
from sorakg.release.files import GRAPHS, ExportFile
from sorakg.release.writers import file_name, prefixes_of, sha256
from sorakg.settings import Settings

# the formats of the export, by short name (the registry's export offer)
EXPORTED: dict[str, Format] = {f.name: f for f in OFFERS["export"]}
# the release's own sorted files that are the all-graphs download in that format
RELEASE_FILES = {NQUADS.name: "sorakg.nq", NTRIPLES.name: "sorakg.nt"}
SORT_MEMORY = "256M"  # sort's buffer for the canonical N-Quads; past it, it merges from disk


class MissingGraph(LookupError):
    """The build has no such named graph (``inferred`` before the reasoner step has run)."""


def graph_iri(settings: Settings, name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{settings.base_iri}graph/{name}")


class Split:
    """A release's ``sorakg.nq`` split by named graph, in a working folder: each graph's lines
    as N-Quads and as N-Triples (lines cut, never parsed: the release's lines are rdflib's rows,
    each ending with its graph's IRI), in the release's sorted order. Oxigraph's streaming
    parser reads them back: the terms are the release's exactly (its on-disk store would give
    ``xsd:integer`` for an ``xsd:nonNegativeInteger``)."""

    def __init__(self, release: Path, folder: Path, settings: Settings):
        self.release, self.folder, self.settings = release, folder, settings
        prefix = f"<{settings.base_iri}graph/"
        handles: dict[str, tuple[IO[str], IO[str]]] = {}
        try:
            with (release / RELEASE_FILES[NQUADS.name]).open(encoding="utf-8") as lines:
                for line in lines:
                    head, _, graph = line.removesuffix(" .\n").rpartition(" ")
                    if graph not in handles:
                        name = graph.removeprefix(prefix).removesuffix(">")
                        handles[graph] = (
                            self.path(name, NQUADS).open("w", encoding="utf-8"),
                            self.path(name, NTRIPLES).open("w", encoding="utf-8"),
                        )
                    quads, triples = handles[graph]
                    quads.write(line)
                    triples.write(f"{head} .\n")
        finally:
            for quads, triples in handles.values():
                quads.close()
                triples.close()
        self.names = sorted(g.removeprefix(prefix).removesuffix(">") for g in handles)
        self.iris: dict[str, set[str]] = {}  # each graph's IRIs, read once for the prefixes

    def default_view(self) -> Path:
        """The default view's triples, each once, sorted: the release's ``sorakg.nt``, or (a
        bare release folder holding only ``sorakg.nq``) made from the split graphs by ``sort``."""
        own = self.release / RELEASE_FILES[NTRIPLES.name]
        if own.exists():
            return own
        made = self.folder / "default-view.nt"
        if not made.exists():
            parts = [str(self.path(n, NTRIPLES)) for n in self.names if in_default_view(n)]
            subprocess.run(
                ["sort", "-u", "-S", SORT_MEMORY, "-T", str(self.folder), "-o", str(made), *parts],
                env={**os.environ, "LC_ALL": "C"},
                check=True,
            )
        return made

    def path(self, name: str, fmt: Format) -> Path:
        return self.folder / f"{name}.{fmt.extension}"

    def selected(self, which: str) -> list[str]:
        """The graphs of a selection: ``asserted`` or ``inferred`` alone, or ``all``."""
        if which == "all":
            return self.names
        if which not in self.names:
            have = ", ".join(self.names)
            raise MissingGraph(f"this build has no '{which}' graph (it has: {have})")
        return [which]

    def quads(self, names: list[str]) -> Iterator[ox.Quad]:
        for name in names:
            yield from ox.parse(path=self.path(name, NQUADS), format=ox.RdfFormat.N_QUADS)

    def triples(self, names: list[str]) -> Iterator[ox.Triple]:
        """The triples of the graphs ``names``; of several, their default view (each triple
        once: the release's sorted N-Triples)."""
        path = self.path(names[0], NTRIPLES) if len(names) == 1 else self.default_view()
        for quad in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES):
            yield quad.triple

    def prefixes(self, names: list[str]) -> dict[str, str]:
        """The prefixes of a file of the graphs ``names`` (:func:`prefixes_of` their IRIs)."""
        for name in names:
            if name not in self.iris:
                found = self.iris[name] = set()
                for quad in self.quads([name]):
                    for term in (quad.subject, quad.predicate, quad.object):
                        if isinstance(term, ox.NamedNode):
                            found.add(term.value)
        iris = set().union(*(self.iris[name] for name in names))
        return prefixes_of(iris, self.settings.base_iri)


def dump(split: Split, names: list[str], fmt: Format, path: Path) -> None:
    """The graphs ``names`` in ``fmt`` into ``path``, streamed. A quad format keeps the graphs'
    names; a triple format of several graphs holds their default view (the disputed layer only
    goes out on its own or in a quad format)."""
    assert fmt.rdf is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = names if fmt.quads or len(names) == 1 else [n for n in names if in_default_view(n)]
    statements = split.quads(names) if fmt.quads else split.triples(shown)
    ox.serialize(statements, path, fmt.rdf, prefixes=split.prefixes(shown))


def _place(source: Path, target: Path) -> None:
    """``target`` with the bytes of ``source``: a hard link where the file system allows."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def dump_files(split: Split, dist: Path) -> list[ExportFile]:
    """Every format of every graph selection the release has, into ``dist``; the all-graphs
    N-Quads and N-Triples are the release's own files."""
    files = []
    for which in GRAPHS:
        if which != "all" and which not in split.names:
            continue
        for fmt in EXPORTED.values():
            path = dist / file_name(which, fmt)
            if which == "all" and fmt is NQUADS:
                _place(split.release / RELEASE_FILES[fmt.name], path)
            elif which == "all" and fmt is NTRIPLES:
                _place(split.default_view(), path)
            else:
                dump(split, split.selected(which), fmt, path)
            files.append(ExportFile(path, sha256(path), fmt.media_type))
    return files


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def canonical_nquads(split: Split, path: Path) -> None:
    """Every graph as canonical N-Quads by W3C RDF Dataset Canonicalization (RDFC-1.0, with
    SHA-256), lines in code point order, into ``path``.

    A blank node's canonical label depends only on the quads that mention blank nodes (the
    algorithm hashes those and nothing else), so only they are canonicalized in memory (the
    ontology's OWL axioms); the other quads are written as they are, and the lines sorted by
    ``sort`` in byte order (UTF-8's byte order is code point order), which merges from
    temporary files past its buffer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    blank: list[ox.Quad] = []

    def plain() -> Iterator[ox.Quad]:
        for quad in split.quads(split.names):
            if _has_blank(quad):
                blank.append(quad)
            else:
                yield quad

    unsorted = split.folder / "unsorted.nq"
    with unsorted.open("wb") as lines:
        ox.serialize(plain(), lines, ox.RdfFormat.N_QUADS)
        dataset = ox.Dataset(blank)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        ox.serialize(dataset, lines, ox.RdfFormat.N_QUADS)
    subprocess.run(
        ["sort", "-S", SORT_MEMORY, "-T", str(split.folder), "-o", str(path), str(unsorted)],
        env={**os.environ, "LC_ALL": "C"},
        check=True,
    )
    unsorted.unlink()
