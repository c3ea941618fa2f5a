"""Every inferred triple reviewed: loaders/data/reviewed_inferences.csv against the build."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.loaders.vocab import SK
from sorakg.pipeline.build import Built, inferences, review_problems
from sorakg.pipeline.inference_review import (
    FILE_NAME,
    ReviewFileError,
    Status,
    problems,
    read_reviewed,
)
from sorakg.settings import Settings
from tests.constants import BASE, DATA, PUB

REVIEWED = DATA / FILE_NAME


@pytest.fixture(scope="module")
def inferred(reasoned: Built) -> Graph:
    return reasoned.graph("inferred")


def test_every_inferred_triple_is_reviewed_and_accepted(inferred: Graph) -> None:
    reviewed = read_reviewed(REVIEWED, BASE)
    assert problems(inferred, reviewed, BASE) == []
    accepted = [r for r in reviewed if r.status == Status.accepted]
    assert len(accepted) == len(inferred) > 300
    assert all(r.reason.startswith("sound") for r in accepted)


def test_rejected_inferences_are_the_issue_examples_and_none_is_drawn(inferred: Graph) -> None:
    rejected = {r.triple for r in read_reviewed(REVIEWED, BASE) if r.status == Status.rejected}
    bevacizumab = URIRef(BASE + "drug/bevacizumab")
    assert (bevacizumab, RDF.type, SK.KinaseInhibitor) in rejected
    assert (URIRef(BASE + "drug/u0126"), RDF.type, SK.ERKInhibitor) in rejected
    erlotinib_jak_stat = (
        URIRef(BASE + "drug/erlotinib"), SK.targetsPathway, URIRef(BASE + "pathway/jak-stat")
    )  # fmt: skip
    assert erlotinib_jak_stat in rejected
    assert not rejected & set(inferred)


def test_an_unreviewed_or_rejected_inference_is_a_problem(inferred: Graph) -> None:
    reviewed = read_reviewed(REVIEWED, BASE)
    more = Graph()
    more += inferred
    more.add((URIRef(BASE + "drug/doxorubicin"), RDF.type, SK.KinaseInhibitor))
    more.add((URIRef(BASE + "drug/bevacizumab"), RDF.type, SK.KinaseInhibitor))
    found = problems(more, reviewed, BASE)
    assert found == [
        f"{FILE_NAME}:{_line('drug/bevacizumab', 'sk:KinaseInhibitor')}: rejected inference is "
        "drawn: drug/bevacizumab rdf:type sk:KinaseInhibitor (rejected: bevacizumab "
        "is an antibody that binds VEGF-A; no antibody is a kinase inhibitor)",
        f"{FILE_NAME}: unreviewed inference: drug/doxorubicin rdf:type sk:KinaseInhibitor",
    ]
    fewer = Graph()
    fewer += inferred
    fewer.remove((URIRef(BASE + "drug/sorafenib"), SK.targetsPathway, None))
    stale = problems(fewer, reviewed, BASE)
    assert len(stale) == 2 and all("accepted inference is no longer drawn" in s for s in stale)


def _line(subject: str, obj: str) -> int:
    with REVIEWED.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if row["subject"] == subject and row["object"] == obj:
                return number
    raise KeyError(subject)


@pytest.mark.slow  # a reasoned build of a copy of the tables
def test_a_new_fact_with_a_new_inference_fails_until_reviewed(data_copy: Path) -> None:
    # the review never says doxorubicin inhibits Akt: a curator adding it would make doxorubicin
    # target the PI3K/Akt pathway, which must be read before it reaches the default view
    actions = data_copy / PUB / "drug_actions.csv"
    with actions.open("a", encoding="utf-8") as handle:
        handle.write(
            "doxorubicin,inhibits,akt,,stated,drug_specific,review_statement,yes,4;49,"
            "Doxorubicin is considered as one of the most "
            "effective cytotoxic agents,Combinational therapy with sorafenib,curator,a test row\n"
        )
    settings = Settings(data_dir=data_copy, reason=True)
    _, _, inferred = inferences(settings)
    found = review_problems(settings, inferred)
    assert (
        f"{FILE_NAME}: unreviewed inference: drug/doxorubicin sk:targetsPathway pathway/pi3k-akt"
        in found
    )
    runner = CliRunner()
    env = {"SORAKG_DATA_DIR": str(data_copy)}
    checked = runner.invoke(app, ["review-inferences"], env=env)
    assert checked.exit_code == 1 and "unreviewed inference" in checked.output
    written = runner.invoke(app, ["review-inferences", "--write"], env=env)
    assert written.exit_code == 1  # written, and still waiting for a curator
    rows = read_reviewed(data_copy / FILE_NAME, BASE)
    new = [r for r in rows if r.status == Status.unreviewed]
    assert {r.triple[2] for r in new} == {
        URIRef(BASE + "pathway/pi3k-akt"),
        URIRef(BASE + "molecule/akt"),
    }
    assert any("member of pathway" in r.reason for r in new)


def test_a_bad_status_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(
        "subject,predicate,object,status,reason\ndrug/x,rdf:type,sk:Drug,fine,because\n"
    )
    with pytest.raises(ReviewFileError, match=rf"{FILE_NAME}:2: status: 'fine' is not one of"):
        read_reviewed(path, BASE)
