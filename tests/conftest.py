"""Shared fixtures: the real tables built once, the build as files and a store, a build folder
for the CLI, and a scratch copy of the tables to break. Helpers that are not fixtures live in
tests/helpers.py."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from typer.testing import CliRunner

from sorakg.pipeline.build import Built, assemble
from sorakg.release.store import load_store, release_store
from sorakg.settings import Settings
from tests.constants import BASE, DATA
from tests.files import write_graph

# the browser tests' server and Chromium page, shared by every browser test file of a process
pytest_plugins = ["tests.browser_fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts the Oxigraph server (test_server_clients.py's oxigraph_server) needs an
    external store like the conformance suite: it is marked ``stores`` wherever it is."""
    for item in items:
        if "oxigraph_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.stores)


@pytest.fixture(scope="session")
def built() -> Built:
    """The project's own tables, assembled and SHACL-checked (consistency has its own test)."""
    return assemble(Settings(reason=False))


@pytest.fixture(scope="session")
def reasoned(built: Built) -> Built:
    """The build with its inferred graph, as ``sorakg build`` makes it (HermiT is left out)."""
    from sorakg.loaders.evidence import Minter
    from sorakg.pipeline.build import inferred_layers

    graphs = dict(built.graphs)
    disputed = (
        built.graph("disputed")
        if any(str(iri).endswith("/graph/disputed") for iri in graphs)
        else Graph()
    )
    layers = inferred_layers(built.graph("ontology"), built.graph("asserted"), disputed)
    for name, graph in layers.items():
        graphs[Minter(BASE).graph(name)] = graph
    return Built(graphs)


@pytest.fixture(scope="session")
def nquads(graph_file: Path) -> Path:
    """The build as N-Quads: the servers' file, so the two share one on-disk store."""
    return graph_file


@pytest.fixture(scope="session")
def store(nquads: Path) -> ox.Store:
    """The build's on-disk store, read-only: what ``sorakg query`` and the endpoint query (the
    order inside an unordered GROUP_CONCAT differs from an in-memory copy's)."""
    return ox.Store.read_only(str(release_store(nquads.parent)))


@pytest.fixture
def cli_env(nquads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A build folder holding the test graph, as ``sorakg build`` would leave it."""
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "sorakg.nq").symlink_to(nquads)
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(tmp_path))
    return CliRunner()


@pytest.fixture(scope="session")
def facts(built: Built) -> Graph:
    return built.graph("asserted")


@pytest.fixture(scope="session")
def graph_file(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's build as N-Quads, written once for every server test."""
    return write_graph(built, tmp_path_factory.mktemp("graph"))


@pytest.fixture(scope="session")
def published(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The build (without reasoning) written as ``sorakg build`` writes a release, once per test
    run: the first xdist worker to ask writes it, the others wait and read it. The tests that use
    it only read it (a test that changes a release makes its own)."""
    from sorakg.release.folder import write_release

    folder = _run_folder(tmp_path_factory) / "published"
    settings = Settings(build_dir=folder / "build", reason=False)
    with _locked(folder):
        if not (settings.build_dir / "graph").exists():
            write_release(built.graphs, settings, built.timings)
    return settings


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run shares (the process's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """``folder`` created and held by this process alone until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder.parent / f"{folder.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def reasoned_graph_file(reasoned: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reasoned build as a release folder holds it, written once per test process: the
    servers over it share its on-disk store (written on first use) and its downloads."""
    return write_graph(reasoned, tmp_path_factory.mktemp("reasoned"))


@pytest.fixture(scope="session")
def build_dir(reasoned: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder holding the reasoned graph as ``sorakg build`` leaves it, with a manifest:
    what the conformance suite publishes to the external stores."""
    root = tmp_path_factory.mktemp("build")
    release = root / "releases" / "conformance"
    release.mkdir(parents=True)
    write_graph(reasoned, release)
    graphs = {str(iri): len(graph) for iri, graph in reasoned.graphs.items()}
    manifest = {"digest": "conformance", "files": ["sorakg.nq"], "stats": {"graphs": graphs}}
    (release / "manifest.json").write_text(json.dumps(manifest))
    (root / "graph").symlink_to(release)
    return root


@pytest.fixture(scope="session")
def reasoned_store(reasoned_graph_file: Path) -> ox.Store:
    """The reasoned build in memory, loaded once per test process; the tests only read it."""
    return load_store(reasoned_graph_file)


@pytest.fixture(scope="module")
def reasoned_client(reasoned_graph_file: Path) -> Iterator[TestClient]:
    """A test client of the endpoint over the reasoned build (its inferred classes included)."""
    from tests.helpers import app_client  # the server's modules, only for the tests that ask

    with app_client(reasoned_graph_file) as client:
        yield client


@pytest.fixture(scope="session")
def union(built: Built) -> Graph:
    return built.union()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of loaders/data that a test may break."""
    target = tmp_path / "loaders" / "data"
    shutil.copytree(DATA, target)
    return target
