"""Shared fixtures: the real tables built once, and a scratch copy of the tables to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from sorakg.build import Built, assemble
from sorakg.settings import PROJECT_ROOT, Settings

DATA = PROJECT_ROOT / "loaders" / "data"
PUB = "sorafenib-resistance-hcc-review"
REVIEW = DATA / PUB / "source.txt"
BASE = "https://w3id.org/sorakg/"


@pytest.fixture(scope="session")
def built() -> Built:
    """The project's own tables, assembled and SHACL-checked (consistency has its own test)."""
    return assemble(Settings(reason=False))


@pytest.fixture(scope="session")
def reasoned(built: Built) -> Built:
    """The build with its inferred graph, as ``sorakg build`` makes it (HermiT is left out)."""
    from sorakg.loaders.rdf import Minter
    from sorakg.reasoning import materialize

    graphs = dict(built.graphs)
    ontology, asserted = (graphs[k] for k in graphs)
    graphs[Minter(BASE).graph("inferred")] = materialize(ontology, asserted)
    return Built(graphs)


@pytest.fixture(scope="session")
def facts(built: Built) -> Graph:
    return built.graphs[next(k for k in built.graphs if str(k).endswith("asserted"))]


@pytest.fixture(scope="session")
def union(built: Built) -> Graph:
    return built.union()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of loaders/data that a test may break."""
    target = tmp_path / "loaders" / "data"
    shutil.copytree(DATA, target)
    return target


def edit_cell(path: Path, row_key: str, column: str, value: str) -> int:
    """Set one cell of the row whose first cell is ``row_key``; return the row's line number."""
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):
        if row[0] == row_key:
            row[header.index(column)] = value
            with path.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle, lineterminator="\n").writerows(rows)
            return number
    raise KeyError(row_key)
