"""The embedded engine: one on-disk store per release, opened read-only by every query worker;
nothing parsed in the main process at start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sorakg.build import STORE_DIR, Built, publish
from sorakg.cli import app as cli
from sorakg.server.app import create_app
from sorakg.server.execute import Job
from sorakg.server.pool import WorkerPool
from sorakg.settings import Settings
from sorakg.store import release_store
from tests.conftest import write_graph
from tests.test_server_helpers import RDFS_LABEL, SORAFENIB

ASK_LABEL = f"ASK {{ <{SORAFENIB}> <{RDFS_LABEL}> ?l }}"


@pytest.fixture(scope="module")
def published(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(build_dir=tmp_path_factory.mktemp("engine") / "build", reason=False)
    publish(built, settings)
    return settings


def test_build_writes_an_on_disk_store_the_cli_queries(
    published: Settings, built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = (published.build_dir / "graph").resolve()
    store = ox.Store.read_only(str(release / STORE_DIR))
    assert len(store) == sum(len(g) for g in built.graphs.values())
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(published.build_dir))
    result = CliRunner().invoke(cli, ["query", "drugs-by-class", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "sorafenib" in result.output


def test_a_release_without_a_store_is_converted_once(built: Built, tmp_path: Path) -> None:
    graph_file = write_graph(built, tmp_path)  # a bare release folder, as an older build left it
    path = release_store(tmp_path)
    assert path == tmp_path / STORE_DIR
    assert len(ox.Store.read_only(str(path))) == sum(len(g) for g in built.graphs.values())
    stamp = (path / "CURRENT").stat().st_mtime_ns
    assert release_store(graph_file.parent) == path
    assert (path / "CURRENT").stat().st_mtime_ns == stamp  # not written again
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store-")]


def test_a_release_that_cannot_hold_a_store_says_rebuild(tmp_path: Path) -> None:
    from sorakg.store import MissingBuild

    with pytest.raises(MissingBuild, match="sorakg build"):
        release_store(tmp_path)


@pytest.fixture(scope="module")
def client(published: Settings) -> Iterator[TestClient]:
    graph_file = published.build_dir / "graph" / "sorakg.nq"
    pool = WorkerPool(graph_file.resolve(), size=1)
    with TestClient(create_app(published, pool)) as test_client:
        yield test_client


def test_start_parses_nothing_and_workers_read_the_store(
    client: TestClient, built: Built, published: Settings
) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    assert resources.graphs == {} and resources.explainer is None  # nothing parsed at start
    health = client.get("/health").json()
    assert health["triples"] == sum(len(g) for g in built.graphs.values())  # from the manifest
    answer = client.get("/sparql", params={"query": ASK_LABEL, "format": "json"})
    assert answer.json()["boolean"] is True
    assert resources.graphs == {}
    page = client.get("/drug/sorafenib", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert resources.explainer is not None  # read on first use, without the whole release
    assert resources.graphs == {}


def test_a_read_only_pool_refuses_updates(client: TestClient) -> None:
    pool = client.app.state.backend  # type: ignore[attr-defined]
    insert = Job("update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    reply = client.portal.call(pool.update, insert)  # type: ignore[union-attr]
    assert reply.status == 403
