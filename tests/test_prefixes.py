"""One prefix table (loaders/prefixes.py): every surface that writes or reads a prefix takes it
from there, so no two documents bind one name to two namespaces and no namespace is typed twice."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, Literal, URIRef

from sorakg.loaders.prefixes import GRAPH, PREFIX_IRIS, TABLE, prefixes
from sorakg.loaders.tables import ENTITY_MODELS
from sorakg.loaders.vocab import PREFIXES as VOCAB_PREFIXES
from sorakg.release import metadata, writers
from sorakg.server import description, execute, linked_data
from sorakg.sparql import catalogue
from tests.constants import BASE

ROOT = Path(__file__).parent.parent
# the project's code: the real folders (sorakg/'s symlinks to them name the same files)
CODE = ("sorakg", "server", "loaders", "ontology", "benchmarks")
SEGMENTS = {model.segment: f"{BASE}{model.segment}/" for model in ENTITY_MODELS}


def _from_table(surface: Mapping[str, object], where: str) -> None:
    for name, iri in surface.items():
        assert name in TABLE, f"{where}: prefix {name}: is not in loaders/prefixes.py"
        assert str(iri) == TABLE[name], (
            f"{where}: {name}: is <{iri}>, the table says <{TABLE[name]}>"
        )


@pytest.mark.parametrize(
    ("where", "surface"),
    [
        ("an entity page (server/linked_data.py)", linked_data.PREFIXES),
        ("the service description (server/description.py)", description.PREFIXES),
        ("VoID and DCAT (sorakg/release/metadata.py)", metadata.PREFIXES),
        ("the graph's bindings (loaders/vocab.py)", VOCAB_PREFIXES),
        ("a query worker's declared prefixes (server/execute.py)", execute.KNOWN_PREFIXES),
    ],
)
def test_each_documents_prefixes_come_from_the_table(where: str, surface: Mapping) -> None:
    _from_table(surface, where)


def test_the_graphs_prefixes_are_the_tables_graph_rows() -> None:
    assert {name: TABLE[name] for name in GRAPH} == PREFIX_IRIS
    assert prefixes("void", "sd") == {"void": TABLE["void"], "sd": TABLE["sd"]}
    with pytest.raises(KeyError, match="nope"):
        prefixes("nope")


def test_curies_and_release_files_use_the_tables_namespaces() -> None:
    """A CURIE a user types and a release file's prefixes: the table's graph rows plus one per
    entity kind under the base (and, in a file, one per linked registry: not the table's names)."""
    typed = catalogue.prefixes_for(BASE)
    _from_table({k: v for k, v in typed.items() if k not in SEGMENTS}, "CURIEs (catalogue)")
    assert set(GRAPH) <= set(typed)
    graph = Graph()
    graph.add((URIRef(f"{BASE}drug/sorafenib"), RDFS.label, Literal("sorafenib")))
    written = writers.prefixes_for([graph], BASE)
    _from_table({k: v for k, v in written.items() if k in TABLE}, "release files (writers)")
    assert set(GRAPH) <= set(written)


_DECLARED = re.compile(r"^PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.MULTILINE | re.IGNORECASE)


@pytest.mark.parametrize("folder", ["queries", "server/queries", "sorakg/pipeline/rules"])
def test_every_query_file_declares_the_tables_prefixes(folder: str) -> None:
    """The named queries, the pages' queries and the build's rules: each PREFIX line is a row
    of the table, or an entity kind under the default base."""
    paths = sorted((ROOT / folder).glob("*.rq"))
    assert paths
    for path in paths:
        for name, iri in _DECLARED.findall(path.read_text(encoding="utf-8")):
            expected = SEGMENTS.get(name) or TABLE.get(name)
            assert iri == expected, f"{path.name}: PREFIX {name}: <{iri}> (table: {expected})"


def test_no_module_spells_a_namespace_of_the_table() -> None:
    """Outside loaders/prefixes.py, the project's code reads a namespace from the table (a string
    that starts with one of its IRIs would be a second home for it)."""
    spelled = []
    files = {path.resolve() for top in CODE for path in (ROOT / top).rglob("*.py")}
    for path in sorted(files - {(ROOT / "loaders" / "prefixes.py").resolve()}):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith(tuple(TABLE.values()))
            ):
                spelled.append(f"{path.relative_to(ROOT.resolve())}:{node.lineno}")
    assert spelled == []
