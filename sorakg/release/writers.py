"""The RDF writers: each format, from the same canonical triples, in a fixed order, so the same
graphs always give the same bytes; plus writing a file with its checksum.

The lowest layer of the export but :mod:`sorakg.release.serialize`: the parts of a release
(``metadata``, ``ontodocs``, ``sssom``) write through these, and :mod:`sorakg.release.export`
assembles a release from the parts. Nothing here imports those modules. Turtle and TriG bind
the prefixes of the vocabularies, of the registries we link to (from the Bioregistry, see
``loaders/identifiers.py``) and of our own entity kinds, so the files read like hand-written ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Namespace, URIRef
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from sorakg.formats import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Format
from sorakg.loaders.identifiers import split_iri
from sorakg.loaders.prefixes import PREFIX_IRIS
from sorakg.release.default_view import in_default_view
from sorakg.release.folder import ExportFile
from sorakg.release.serialize import canonical, nquads, oxigraph_text, rdfxml, sorted_lines, union
from sorakg.settings import Settings

# -- prefixes ----------------------------------------------------------------------------------


_PREFIX_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9_-]$|^[A-Za-z]$")


def prefixes_for(graphs: Iterable[Graph], base: str) -> dict[str, str]:
    """Prefix → namespace for a file: vocabularies, linked registries, our entity kinds."""
    found = dict(PREFIX_IRIS)
    iris = {
        str(node)
        for graph in graphs
        for triple in graph
        for node in triple
        if isinstance(node, URIRef)
    }
    for iri in sorted(iris):
        if iri.startswith(base):
            parts = iri.removeprefix(base).split("/")
            if len(parts) == 2 and _PREFIX_NAME.match(parts[0]) and parts[0] not in found:
                found[parts[0]] = f"{base}{parts[0]}/"
            continue
        split = split_iri(iri)
        if split is not None and _PREFIX_NAME.match(split[0]) and split[0] not in found:
            found[split[0]] = split[1]
    return dict(sorted(found.items()))


def _bound(graph: Graph, prefixes: dict[str, str]) -> Graph:
    for name, namespace in prefixes.items():
        graph.bind(name, Namespace(namespace), override=True, replace=True)
    return graph


# -- serialization -----------------------------------------------------------------------------


def _key(triple: tuple[Node, Node, Node]) -> tuple[str, ...]:
    return tuple(f"{type(t).__name__}:{t.n3()}" for t in triple)


def prepare(graphs: dict[str, Graph]) -> dict[str, Graph]:
    """Each graph with its blank nodes relabelled from their content (done once per export)."""
    return {name: canonical(graph) for name, graph in graphs.items()}


def _ordered(graph: Graph, prefixes: dict[str, str]) -> Graph:
    """A fresh graph with the triples added in sorted order (a stable store order)."""
    result = _bound(Graph(bind_namespaces="none"), prefixes)
    for triple in sorted(graph, key=_key):
        result.add(triple)
    return result


class SortedTurtleSerializer(TurtleSerializer):
    """rdflib's Turtle with named subjects in plain IRI order (rdflib orders them by how often
    each is referenced, which moves a subject when an unrelated fact is added). Blank nodes keep
    rdflib's order, which its inlining of lists and restrictions relies on."""

    def orderSubjects(self) -> list[Node]:
        def key(subject: Node) -> tuple[bool, int, str]:
            blank = isinstance(subject, BNode)
            return blank, self._references[subject] if blank else 0, str(subject)

        return sorted(self._subjects, key=key)


def _turtle(graph: Graph) -> str:
    stream = io.BytesIO()
    SortedTurtleSerializer(graph).serialize(stream, encoding="utf-8")
    return stream.getvalue().decode("utf-8")


def _trig(graphs: dict[str, Graph], iris: dict[str, str], prefixes: dict[str, str]) -> str:
    """TriG: the prefixes once, then each named graph's Turtle body in a block, by name."""
    head = "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in prefixes.items())
    blocks = []
    for name in sorted(graphs):
        body = _turtle(_ordered(graphs[name], prefixes))
        lines = [line for line in body.splitlines() if not line.startswith("@prefix")]
        text = "\n".join(f"    {line}" if line else "" for line in lines).strip("\n")
        blocks.append(f"<{iris[name]}> {{\n{text}\n}}\n")
    return head + "\n" + "\n".join(blocks)


def _jsonld(graphs: dict[str, Graph], iris: dict[str, str], prefixes: dict[str, str]) -> str:
    dataset = Dataset()
    for name, graph in graphs.items():
        named = dataset.graph(URIRef(iris[name]))
        for triple in sorted(graph, key=_key):
            named.add(triple)
    context = dict(prefixes)
    document = json.loads(dataset.serialize(format="json-ld", context=context, auto_compact=True))
    return json.dumps(_sort_json(document), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _sort_json(value: object, ordered: bool = False) -> object:
    """Sort JSON-LD arrays (sets in RDF) for stable output; an ``@list`` keeps its order."""
    if isinstance(value, dict):
        return {k: _sort_json(v, ordered=k == "@list") for k, v in value.items()}
    if isinstance(value, list) and ordered:
        return [_sort_json(v) for v in value]
    if isinstance(value, list):
        items = [_sort_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def serialize(
    graphs: dict[str, Graph],
    fmt: Format,
    settings: Settings,
    extra_prefixes: dict[str, str] | None = None,
    prefixes: dict[str, str] | None = None,
) -> str:
    """The selected graphs in one format; triple formats get their union.

    The graphs must have gone through :func:`prepare` (stable blank node labels); ``prefixes``
    saves working them out again when one selection is written in several formats."""
    iris = {name: f"{settings.base_iri}graph/{name}" for name in graphs}
    if prefixes is None:
        prefixes = prefixes_for(graphs.values(), settings.base_iri)
    prefixes = prefixes | (extra_prefixes or {})
    # the formats with a writer of their own (readable Turtle, graph blocks in TriG, sorted
    # JSON-LD …); any other RDF format of the registry is written by pyoxigraph
    if fmt is NQUADS:
        return nquads({URIRef(iris[name]): graph for name, graph in graphs.items()})
    if fmt is TRIG:
        return _trig(graphs, iris, prefixes)
    if fmt is JSONLD:
        return _jsonld(graphs, iris, prefixes)
    # a triple format has no graph names, so a selection of several graphs is written as the
    # default view: the disputed layer only goes out on its own or in a quad format
    merged = union(g for name, g in graphs.items() if len(graphs) == 1 or in_default_view(name))
    if fmt is NTRIPLES:
        return sorted_lines(merged.serialize(format="nt"))
    if fmt is TURTLE:
        return _turtle(_ordered(merged, prefixes))
    if fmt is RDFXML:
        return rdfxml(merged, prefixes)
    if fmt.rdf is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    return oxigraph_text(merged, prefixes, fmt.rdf)


def serialize_graph(
    graph: Graph, fmt: Format, settings: Settings, extra_prefixes: dict[str, str] | None = None
) -> str:
    """One graph (the dataset metadata, say) in a triple format."""
    return serialize(prepare({"default": graph}), fmt, settings, extra_prefixes)


# -- files -------------------------------------------------------------------------------------


def file_name(which: str, fmt: Format) -> str:
    return f"sorakg-{which}.{fmt.extension}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(path: Path, text: str, media_type: str) -> ExportFile:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return ExportFile(path, sha256(path), media_type)
