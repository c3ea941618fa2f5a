"""The build as users run it: the CLI, deterministic output, atomic replacement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.settings import Settings
from tests.constants import BASE, PUB
from tests.files import copy_release, edit_cell

runner = CliRunner()


def _sorakg(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sorakg.cli", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.java
def test_two_builds_give_identical_files(tmp_path: Path) -> None:
    # Separate processes with different hash seeds: set and dict order must not leak into output.
    runs = [
        _sorakg(
            "build",
            env={"SORAKG_BUILD_DIR": str(tmp_path / name), "PYTHONHASHSEED": seed},
        )
        for name, seed in (("a", "1"), ("b", "2"))
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    for name in ("sorakg.nq", "sorakg.nt"):
        first = (tmp_path / "a" / "graph" / name).read_bytes()
        assert first == (tmp_path / "b" / "graph" / name).read_bytes()
        assert len(first) > 100_000
    # and the downloads the build writes beside them, every format (the index lists them)
    downloads = [tmp_path / name / "graph" / "downloads" for name in ("a", "b")]
    listed = sorted(p.name for p in downloads[0].iterdir())
    assert {"sorakg-all.ttl", "sorakg-all.jsonld", "sorakg-asserted.rdf", "void.ttl"} <= set(listed)
    assert listed == sorted(p.name for p in downloads[1].iterdir())
    for name in listed:
        assert (downloads[0] / name).read_bytes() == (downloads[1] / name).read_bytes(), name
    quads = (tmp_path / "a" / "graph" / "sorakg.nq").read_text()
    for graph in ("ontology", "asserted", "inferred"):
        assert f"<https://w3id.org/sorakg/graph/{graph}> .\n" in quads


@pytest.fixture
def own_release(tmp_path: Path, published: Settings) -> Settings:
    """A release of this test's own, for a build to fail over (conftest's ``published`` is
    shared by every test that only reads it)."""
    copy_release(published.build_dir, tmp_path / "build")
    return published.model_copy(update={"build_dir": tmp_path / "build"})


def test_failed_build_keeps_the_previous_one(
    own_release: Settings, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = own_release.build_dir / "graph"
    before = link.resolve()
    content = (link / "sorakg.nq").read_bytes()
    line = edit_cell(data_copy / PUB / "trials.csv", "NCT00901901", "enrolled", "-4")
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(own_release.build_dir))
    monkeypatch.setenv("SORAKG_DATA_DIR", str(data_copy))
    result = runner.invoke(app, ["build", "--no-reason"])
    assert result.exit_code == 1
    assert f"{PUB}/trials.csv:{line}: enrolled:" in result.output
    assert link.resolve() == before
    assert (link / "sorakg.nq").read_bytes() == content
    assert not [p for p in (own_release.build_dir / "releases").iterdir() if p.name.startswith(".")]


def test_validate_locates_a_broken_row(data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    line = edit_cell(data_copy / PUB / "drugs.csv", "sorafenib", "basis", "rumour")
    monkeypatch.setenv("SORAKG_DATA_DIR", str(data_copy))
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert f"loaders/data/{PUB}/drugs.csv:{line}: basis:" in result.output.replace(
        str(data_copy.parent.parent) + "/", ""
    )


def test_validate_passes_on_the_project_tables() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_an_rdf_file(published: Settings, tmp_path: Path) -> None:
    good = published.build_dir / "graph" / "sorakg.nq"
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    broken = tmp_path / "broken.nt"
    lines = [
        line
        for line in good.read_text().splitlines()
        if "ontology#quote>" not in line or "/models/hepg2" not in line
    ]
    broken.write_text("\n".join(line.rsplit(" ", 2)[0] + " ." for line in lines) + "\n")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "models.csv:" in result.output and "quote" in result.output
    assert runner.invoke(app, ["validate", str(tmp_path / "absent.nt")]).exit_code == 3


def test_stats_reports_counts_by_graph_and_class(
    published: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(published.build_dir))
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0
    stats = json.loads(result.output)
    assert stats["triples"] == sum(stats["graphs"].values())
    assert stats["classes"]["sk:ClinicalStudy"] >= 19
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(published.build_dir.parent / "nothing"))
    assert runner.invoke(app, ["stats"]).exit_code == 3


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "validate", "stats", "lint", "explain"):
        assert command in result.output


def test_explain_prints_the_reason(published: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(published.build_dir))
    result = runner.invoke(app, ["explain", "drug/erlotinib", "EGFR inhibitor"])
    assert result.exit_code == 0, result.output
    assert "Erlotinib is an EGFR inhibitor, defined as" in result.output
    assert (
        "ref. [51, 52]" in result.output
    )  # "Erlotinib, an oral tyrosine kinase inhibitor of EGFR"


@pytest.mark.slow  # each explain reads the whole build; the fast selection explains one
def test_explain_fails_for_what_is_not_entailed_or_unknown(
    published: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(published.build_dir))
    # "tivantinib, a selective oral inhibitor of MET" is disputed: no MET-inhibitor class follows
    assert runner.invoke(app, ["explain", "drug/tivantinib", "sk:METInhibitor"]).exit_code == 1
    assert runner.invoke(app, ["explain", "drug/doxorubicin", "sk:METInhibitor"]).exit_code == 1
    assert runner.invoke(app, ["explain", "drug/nothing", "sk:METInhibitor"]).exit_code == 3


def test_a_second_publication_needs_tables_only(data_copy: Path) -> None:
    # A second paper is a folder of tables; here its text reuses one of the review's sentences,
    # so the fixture holds no fact the review does not state.
    from rdflib import URIRef

    from sorakg.loaders.vocab import SK
    from sorakg.pipeline.build import assemble

    sentence = (
        "Sorafenib executes its anti-tumor activity partially through targeting the Raf-1 "
        "and B-Raf, thus inhibiting the RAF/MEK/ERK signaling pathways"
    )
    folder = data_copy / "second-paper"
    folder.mkdir()
    (folder / "publication.toml").write_text(
        'id = "second-paper"\ntitle = "A second paper (test fixture)"\nkind = "review"\n'
    )
    (folder / "source.txt").write_text(sentence + ".\n")
    (folder / "drug_actions.csv").write_text(
        "drug,action,target,model,modality,scope,evidence_type,supports,refs,quote,location,"
        "basis,note\n"
        f'sorafenib,inhibits,braf,,stated,drug_specific,review_statement,yes,7,"{sentence}",'
        "Introduction,review,\n"
    )
    built = assemble(Settings(data_dir=data_copy, reason=False))
    facts = built.graph("asserted")
    sorafenib, braf = URIRef(BASE + "drug/sorafenib"), URIRef(BASE + "molecule/braf")
    publications = {
        str(facts.value(e, SK.inPublication))
        for e in facts.subjects(SK.evidenceFor, sorafenib)
        if (e, SK.statementObject, braf) in facts
    }
    assert publications == {BASE + "publication/" + PUB, BASE + "publication/second-paper"}
