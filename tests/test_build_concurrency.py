"""HermiT runs in java and OWL RL in a forked child while the shapes are checked: their verdicts
still decide the build, in the order they did, and no child outlives a failed build."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL

import sorakg.pipeline.build
from sorakg.loaders.vocab import SK
from sorakg.ontology import ontology_graph
from sorakg.pipeline.build import BuildError, Built, assemble
from sorakg.pipeline.forked import ChildFailed, Forked
from sorakg.settings import Settings
from tests.constants import BASE

pytestmark = pytest.mark.java  # HermiT


def _children() -> list[int]:
    """Live processes whose parent is this process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.append(int(entry.name))
    return found


_BEFORE: set[int] = set()


@pytest.fixture(autouse=True)
def _children_before() -> None:
    """The children this process had before the test: servers and pools that other test files
    run in the same (xdist) process keep theirs; only the build's own must be gone."""
    _BEFORE.clear()
    _BEFORE.update(_children())


def _new_children() -> list[int]:
    return sorted(set(_children()) - _BEFORE)


def _clashing_ontology() -> Graph:
    # the review's sorafenib is stated both a molecular targeted drug and a multikinase
    # inhibitor (drugs.csv, drug_classes.csv); declaring the two disjoint contradicts the facts
    graph = ontology_graph()
    graph.add((SK.MolecularTargetedDrug, OWL.disjointWith, SK.MultikinaseInhibitor))
    return graph


def test_hermits_inconsistency_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sorakg.pipeline.build, "ontology_graph", _clashing_ontology)
    with pytest.raises(BuildError) as caught:
        assemble(Settings(reason=True))
    error = caught.value
    assert error.stage == "consistency check"
    assert error.problems[0] == "HermiT: the ontology and facts are inconsistent"
    assert (
        f"<{BASE}drug/sorafenib> is both sk:MolecularTargetedDrug and sk:MultikinaseInhibitor, "
        "which are declared disjoint"
    ) in error.problems
    assert _new_children() == []


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs Linux /proc")
def test_a_shapes_error_comes_first_and_ends_java(monkeypatch: pytest.MonkeyPatch) -> None:
    """HermiT was started before the shapes ran; their error is the build's, java is ended."""
    monkeypatch.setattr(sorakg.pipeline.build, "ontology_graph", _clashing_ontology)
    monkeypatch.setattr(
        sorakg.pipeline.build, "validate_graphs", lambda _: ["drugs.csv:2: a violation"]
    )
    with pytest.raises(BuildError) as caught:
        assemble(Settings(reason=True))
    assert caught.value.stage == "SHACL validation"
    assert caught.value.problems == ["drugs.csv:2: a violation"]
    assert _new_children() == []


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs Linux /proc")
def test_a_real_violation_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shapes check the build's named graphs in place (sorakg.pipeline.validate.UnionView): a
    relation without evidence is the build's SHACL error, located, and neither java nor the
    OWL RL child outlive the failed build."""
    facts_graphs = sorakg.pipeline.build.facts_graphs

    def with_an_unsupported_relation(*args: object, **kwargs: object) -> tuple[Graph, Graph]:
        facts, disputed = facts_graphs(*args, **kwargs)  # type: ignore[arg-type]
        facts.add((URIRef(BASE + "drug/sorafenib"), SK.inhibits, URIRef(BASE + "molecule/egfr")))
        return facts, disputed

    monkeypatch.setattr(sorakg.pipeline.build, "facts_graphs", with_an_unsupported_relation)
    with pytest.raises(BuildError) as caught:
        assemble(Settings(reason=True))
    assert caught.value.stage == "SHACL validation"
    located = [p for p in caught.value.problems if "no evidence record for this triple" in p]
    assert len(located) == 1
    assert re.fullmatch(
        rf"loaders/data/sorafenib-resistance-hcc-review/drugs\.csv:\d+: <{BASE}drug/sorafenib> "
        rf"<{SK}inhibits>: relation {SK}inhibits {BASE}molecule/egfr has no evidence record "
        "for this triple",
        located[0],
    ), located
    assert _new_children() == []


def test_the_inferences_made_in_the_child_are_the_in_process_ones(reasoned: Built) -> None:
    built = assemble(Settings(reason=True))
    assert built.timings["consistency (HermiT) java CPU"] > 0
    assert built.timings["inference (OWL 2 RL) child CPU"] > 0
    for name in ("inferred", "disputed-inferred"):
        assert set(built.graph(name)) == set(reasoned.graph(name))
    assert len(built.graph("inferred")) > 300
    assert _new_children() == []


def test_a_forked_childs_answer_and_its_failure() -> None:
    with Forked(lambda: b"answer " * 100_000) as child:
        assert child.result() == b"answer " * 100_000
    with Forked(lambda: str(1 / 0).encode()) as child, pytest.raises(ChildFailed) as caught:
        child.result()
    assert "ZeroDivisionError" in str(caught.value)
    assert _new_children() == []


def test_the_childs_layers_come_back_whole() -> None:
    # a literal that spans lines, one that looks like the layer separator, and an empty layer
    tricky = Graph()
    tricky.add((URIRef(BASE + "a"), SK.quote, Literal("two\n# layer fake\nlines")))
    tricky.add((URIRef(BASE + "a"), SK.location, Literal("# layer fake", lang="en")))
    layers = {"inferred": tricky, "disputed-inferred": Graph()}
    back = sorakg.pipeline.build._from_bytes(sorakg.pipeline.build._as_bytes(layers))
    assert list(back) == list(layers)
    assert {name: set(graph) for name, graph in back.items()} == {
        name: set(graph) for name, graph in layers.items()
    }
