"""``sorakg publish``: load the current release into an external SPARQL store.

One named graph of the store per graph of the release (``…/graph/ontology``, ``asserted``,
``inferred``), replacing the previous copy. Readers never see half a release being loaded:

1. each graph is uploaded into a *staging* graph ``<graph>/staging-<digest>`` (nobody queries
   it: the proxy's dataset is the release's graph names, see :mod:`sorakg.sparql.remote`);
2. the staging graphs' triple counts are checked against the release;
3. one SPARQL Update request switches them in (``MOVE SILENT GRAPH <staging> TO GRAPH <g>`` for
   each graph, ``DROP SILENT GRAPH`` for a graph this release no longer has);
4. the live graphs' counts are checked again.

How much step 3 guarantees depends on the store (docs/scaling.md says what was tested): on
Oxigraph an update request is one transaction, so a query sees the old release or the new
one; on Virtuoso it is one transaction too, but its readers run at read-committed isolation,
so a query that overlaps the switch can see some graphs old and some new.

Upload methods:

* ``oxigraph``: the whole release as one N-Quads POST to the Graph Store URL (Oxigraph's
  ``/store``, bulk-loaded with ``no_transaction``); blank nodes are kept exactly;
* ``gsp``: the SPARQL 1.1 Graph Store Protocol, one N-Triples POST per graph
  (``?graph=<staging>``); works with Oxigraph's ``/store`` and Virtuoso's
  ``/sparql-graph-crud`` (``/sparql-graph-crud-auth`` with digest credentials);
* ``update``: SPARQL Update ``INSERT DATA`` in batches of ``batch`` triples to the update URL
  (any SPARQL 1.1 store); the triples about blank nodes travel in one batch so that each
  blank node stays one node, as ``INSERT { … } WHERE {}`` (Virtuoso refuses blank nodes in
  ``INSERT DATA``).

Credentials come from the ``sparql_auth_*`` settings (environment or ``sorakg.toml``), never
from the command line, so they do not end up in a shell history.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from sorakg.release import summaries
from sorakg.release.store import built_file
from sorakg.settings import Settings
from sorakg.sparql.remote import GRAPH_NAMES, Remote, RemoteError

Method = Literal["oxigraph", "gsp", "update"]
METHODS: tuple[Method, ...] = ("oxigraph", "gsp", "update")
Progress = Callable[[str], None]


class PublishError(Exception):
    """The release could not be published; the message says which step failed and why."""


@dataclass(frozen=True)
class Published:
    digest: str
    graphs: dict[str, int]  # graph IRI → triples, as verified in the store
    seconds: dict[str, float]  # step → seconds (upload, verify, switch)


def _release(settings: Settings) -> tuple[Path, str, dict[str, int]]:
    path = built_file(settings).resolve()
    manifest = json.loads((path.parent / "manifest.json").read_text())
    return path, str(manifest["digest"]), dict(manifest["stats"]["graphs"])


def staging_graph(graph: str, digest: str) -> str:
    return f"{graph}/staging-{digest}"


def _nt(quad: ox.Quad) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} .\n"


def _by_graph(path: Path) -> dict[str, list[ox.Quad]]:
    found: dict[str, list[ox.Quad]] = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise PublishError(f"{path}: a triple outside any named graph: {quad}")
        found.setdefault(quad.graph_name.value, []).append(quad)
    return found


def _derived(graphs: dict[str, list[ox.Quad]]) -> dict[str, list[ox.Quad]]:
    """The graphs the build derives into its own store beside the release (the summaries the
    entity pages read), derived the same way from the release's quads, so a server in front of
    the published store shows the pages the embedded one does."""
    store = ox.Store()
    store.bulk_extend(quad for quads in graphs.values() for quad in quads)
    graph = summaries.graph_iri(store)
    return {} if graph is None else {graph.value: list(summaries.summarise(store, graph))}


def _shared_blank_nodes(graphs: dict[str, list[ox.Quad]]) -> set[str]:
    """Blank nodes used in two graphs: per-graph uploads would split each into two nodes."""
    seen: dict[str, str] = {}
    shared = set()
    for graph, quads in graphs.items():
        for quad in quads:
            for term in (quad.subject, quad.object):
                if not isinstance(term, ox.BlankNode):
                    continue
                if seen.setdefault(term.value, graph) != graph:
                    shared.add(term.value)
    return shared


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


# Triples per INSERT template holding blank nodes: Virtuoso compiles a template into SQL and
# refuses one past 10,000 lines (SP031), which a 1,000-triple template of blank nodes passes.
TEMPLATE_BATCH = 200


def _blank_groups(quads: list[ox.Quad]) -> list[list[ox.Quad]]:
    """The triples mentioning blank nodes, grouped so that a blank node's triples (and those of
    every blank node linked to it) are in one group, in the order the groups first appear."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def blanks(quad: ox.Quad) -> list[str]:
        return [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]

    for quad in quads:
        nodes = blanks(quad)
        for other in nodes[1:]:
            parent[root(other)] = root(nodes[0])
    groups: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        if nodes := blanks(quad):
            groups.setdefault(root(nodes[0]), []).append(quad)
    return list(groups.values())


def _batches(quads: list[ox.Quad], size: int) -> Iterator[list[ox.Quad]]:
    """Batches of at most ``size`` triples. Triples mentioning blank nodes come first, in batches
    of at most :data:`TEMPLATE_BATCH`, and a blank node's triples are never split (a blank node in
    two requests would become two nodes); a group larger than that is a batch of its own."""
    batch: list[ox.Quad] = []
    for group in _blank_groups(quads):
        if batch and len(batch) + len(group) > min(size, TEMPLATE_BATCH):
            yield batch
            batch = []
        batch += group
    if batch:
        yield batch
    rest = [q for q in quads if not _has_blank(q)]
    for start in range(0, len(rest), size):
        yield rest[start : start + size]


def _upload(
    remote: Remote,
    method: Method,
    graphs: dict[str, list[ox.Quad]],
    digest: str,
    batch: int,
    progress: Progress,
) -> None:
    store_url = remote.graph_store_url
    if method in ("oxigraph", "gsp") and not store_url:
        raise PublishError(f"method {method} needs the Graph Store URL (sparql_graph_store)")
    if method == "oxigraph":
        assert store_url is not None
        lines = (
            f"{q.subject} {q.predicate} {q.object} <{staging_graph(graph, digest)}> .\n"
            for graph, quads in graphs.items()
            for q in quads
        )
        body = "".join(lines).encode()
        progress(f"uploading {sum(map(len, graphs.values()))} quads as N-Quads to {store_url}")
        remote.send("POST", store_url, body, "application/n-quads", {"no_transaction": ""})
        return
    for graph, quads in graphs.items():
        staging = staging_graph(graph, digest)
        if method == "gsp":
            assert store_url is not None
            progress(f"{graph}: uploading {len(quads)} triples to {store_url}")
            body = "".join(map(_nt, quads)).encode()
            remote.send("POST", store_url, body, "application/n-triples", {"graph": staging})
            continue
        done = 0
        for chunk in _batches(quads, batch):
            triples = "".join(map(_nt, chunk))
            if any(map(_has_blank, chunk)):  # Virtuoso refuses blank nodes in INSERT DATA;
                # in a template they are new nodes per solution, and WHERE {} has one solution
                remote.update(f"INSERT {{ GRAPH <{staging}> {{\n{triples}}} }} WHERE {{}}")
            else:
                remote.update(f"INSERT DATA {{ GRAPH <{staging}> {{\n{triples}}} }}")
            done += len(chunk)
            progress(f"{graph}: {done}/{len(quads)} triples")


def count_triples(remote: Remote, graphs: list[str]) -> dict[str, int]:
    """Triples per graph as the store counts them (a graph it lacks counts 0)."""
    if not graphs:
        return {}
    named = " ".join(f"FROM NAMED <{g}>" for g in graphs)  # the query's own dataset
    query = f"SELECT ?g (COUNT(*) AS ?n) {named} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    answer = remote.query(query)
    counts = {g: 0 for g in graphs}
    for row in answer.rows:
        counts[row["g"].value] = int(row["n"].value)
    return counts


def _check_counts(found: dict[str, int], expected: dict[str, int], where: str) -> None:
    wrong = {g: (found.get(g, 0), n) for g, n in expected.items() if found.get(g, 0) != n}
    if wrong:
        detail = "; ".join(f"<{g}>: {got} triples, expected {n}" for g, (got, n) in wrong.items())
        raise PublishError(f"{where}: the store holds the wrong counts: {detail}")


def publish(
    settings: Settings,
    remote: Remote,
    method: Method = "gsp",
    batch: int = 1_000,
    progress: Progress = lambda _: None,
) -> Published:
    """Load the current release into ``remote`` (see the module's docstring for the steps)."""
    path, digest, expected = _release(settings)
    graphs = _by_graph(path)
    if set(graphs) != set(expected):
        raise PublishError(f"{path}: graphs {sorted(graphs)} differ from the manifest's")
    derived = _derived(graphs)
    graphs |= derived
    expected = expected | {graph: len(quads) for graph, quads in derived.items()}
    if method != "oxigraph" and (shared := _shared_blank_nodes(graphs)):
        raise PublishError(
            f"blank nodes shared between graphs ({len(shared)}, e.g. _:{min(shared)}) would be "
            "split by per-graph uploads; use --method oxigraph"
        )
    staged = {staging_graph(g, digest): n for g, n in expected.items()}
    seconds: dict[str, float] = {}
    try:
        start = time.perf_counter()
        remote.update(";\n".join(f"DROP SILENT GRAPH <{g}>" for g in staged))
        _upload(remote, method, graphs, digest, batch, progress)
        seconds["upload"] = time.perf_counter() - start
        start = time.perf_counter()
        _check_counts(count_triples(remote, list(staged)), staged, "after the upload")
        seconds["verify"] = time.perf_counter() - start
        progress("switching the release in (one update request)")
        start = time.perf_counter()
        gone = {f"{settings.base_iri}graph/{name}" for name in GRAPH_NAMES} - set(expected)
        switch = [
            f"MOVE SILENT GRAPH <{staging_graph(g, digest)}> TO GRAPH <{g}>" for g in expected
        ]
        switch += [f"DROP SILENT GRAPH <{g}>" for g in sorted(gone)]
        remote.update(";\n".join(switch))
        seconds["switch"] = time.perf_counter() - start
        live = count_triples(remote, list(expected))
        _check_counts(live, expected, "after the switch")
    except RemoteError as error:
        raise PublishError(error.located()) from error
    except (KeyError, ValueError, TypeError) as error:  # an answer of another shape than asked
        raise PublishError(f"the store answered something unexpected ({error!r})") from error
    return Published(digest, live, seconds)
