"""The build in batches (sorakg.pipeline.batched): the release files are the whole-graph build's,
byte for byte, and a problem in any batch still names its row."""

from __future__ import annotations

import csv
import filecmp
import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from benchmarks.build_scale import synthesise
from sorakg.loaders.rdf import Converter
from sorakg.loaders.read import Publication
from sorakg.loaders.vocab import SK
from sorakg.pipeline.batched import build_in_batches
from sorakg.pipeline.build import BuildError, assemble
from sorakg.release.folder import write_release
from sorakg.settings import Settings
from tests.conftest import BASE

SECOND = "synthetic-paper-0001"


def _without_a_definition(data: Path) -> str:
    """The second paper no longer defines a molecule the first defines and both refer to (a
    paper citing another's entity): its rows' references resolve to the first paper's."""
    path = data / SECOND / "molecules.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    shared = next(r["id"] for r in rows if not r["id"].endswith("-p1"))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if r["id"] != shared)
    return shared


def _quiet(_: str) -> None:
    pass


@pytest.mark.java
@pytest.mark.slow
def test_the_batched_release_is_the_whole_graph_release(tmp_path: Path) -> None:
    data = synthesise(tmp_path / "data", 2)  # two batches, the second citing the first
    _without_a_definition(data)
    whole = Settings(data_dir=data, build_dir=tmp_path / "whole")
    built = assemble(whole)
    expected = write_release(built.graphs, whole, built.timings)
    batched = Settings(data_dir=data, build_dir=tmp_path / "batched")
    link, timings = build_in_batches(batched, _quiet, batch_papers=1)
    assert timings["SHACL validation CPU"] > 0
    for name in ("sorakg.nq", "sorakg.nt", "downloads/index.json"):
        assert filecmp.cmp(expected / name, link / name, shallow=False), name
    manifests = [json.loads((f / "manifest.json").read_text()) for f in (expected, link)]
    assert manifests[0]["stats"] == manifests[1]["stats"]
    assert manifests[0]["digest"] == manifests[1]["digest"]
    assert len(json.loads((link / "downloads/index.json").read_text())) > 3


@pytest.mark.slow  # a build of synthetic papers in batches
def test_a_violation_in_a_later_batch_names_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = synthesise(tmp_path / "data", 2)
    graphs = Converter.graphs

    def with_an_unsupported_relation(
        self: Converter, publications: list[Publication]
    ) -> tuple[Graph, Graph]:
        asserted, disputed = graphs(self, publications)
        if publications[0].id == SECOND:
            asserted.add((URIRef(BASE + "drug/sorafenib"), SK.inhibits, URIRef(BASE + "x")))
        return asserted, disputed

    monkeypatch.setattr(Converter, "graphs", with_an_unsupported_relation)
    settings = Settings(data_dir=data, build_dir=tmp_path / "build", reason=False)
    with pytest.raises(BuildError) as caught:
        build_in_batches(settings, _quiet, batch_papers=1)
    assert caught.value.stage == "SHACL validation"
    located = [p for p in caught.value.problems if "no evidence record for this triple" in p]
    assert len(located) == 1
    assert located[0].split(": ")[0].rsplit(":", 1)[0].endswith(f"data/{SECOND}/drugs.csv")
    assert f"<{BASE}drug/sorafenib> <{SK}inhibits>: relation" in located[0]
    assert not (tmp_path / "build" / "graph").exists()


@pytest.mark.slow  # a build of synthetic papers in batches
def test_an_entity_another_batch_defines_is_checked_with_its_types(tmp_path: Path) -> None:
    """The second paper refers to a molecule only the first defines: its values' classes are
    checked with the lent types (no false violation), and what the second paper does not say
    about the molecule (its label) is not asked of it."""
    data = synthesise(tmp_path / "data", 2)
    _without_a_definition(data)
    settings = Settings(data_dir=data, build_dir=tmp_path / "build", reason=False)
    messages: list[str] = []
    link, _ = build_in_batches(settings, messages.append, batch_papers=1)
    assert "converted and checked 2 of 2 publications" in messages
    assert (link / "sorakg.nq").stat().st_size > 0
