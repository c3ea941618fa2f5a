"""`sorakg diff OLD NEW`: two releases that differ by one table row, and the diff names that row."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.pipeline.build import Built, assemble
from sorakg.release.diff import UnknownRelease, resolve
from sorakg.release.folder import write_release
from sorakg.settings import Settings
from tests.constants import DATA, PUB
from tests.files import edit_cell

pytestmark = pytest.mark.slow  # two builds and their releases

DRUG = "https://w3id.org/sorakg/drug/axitinib"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def releases(built: Built, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, int]:
    """(build folder, old digest, new digest, the edited line of drugs.csv): the project's tables,
    then the same tables with one drug's label corrected."""
    root = tmp_path_factory.mktemp("diff")
    data = root / "loaders" / "data"
    shutil.copytree(DATA, data)
    line = edit_cell(data / PUB / "drugs.csv", "axitinib", "label", "Axitinib (AG-013736)")
    build_dir = root / "build"
    settings = Settings(build_dir=build_dir, reason=False)
    old = write_release(built.graphs, settings, built.timings).resolve().name
    edited = assemble(Settings(data_dir=data, reason=False))
    new = write_release(edited.graphs, settings, edited.timings).resolve().name
    assert old != new
    return build_dir, old, new, line


def _run(build_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("SORAKG_BUILD_DIR", str(build_dir))
    result = CliRunner().invoke(app, ["diff", *args])
    return result.exit_code, result.stdout + (result.stderr if result.stderr_bytes else "")


def test_the_diff_names_the_changed_row(releases, monkeypatch: pytest.MonkeyPatch) -> None:
    build_dir, old, new, line = releases
    code, out = _run(build_dir, monkeypatch, old[:8], new, "--json")
    assert code == 0, out
    diff = json.loads(out)
    assert diff["added"] == [] and diff["removed"] == []
    (change,) = diff["changed"]
    assert (change["subject"], change["predicate"]) == (DRUG, LABEL)
    assert (change["old"], change["new"]) == ('"Axitinib"@en', '"Axitinib (AG-013736)"@en')
    rows = {e["source_row"] for e in change["new_evidence"]}
    assert rows == {f"loaders/data/{PUB}/drugs.csv:{line}"}
    assert all(e["quote"] for e in change["new_evidence"])


def test_the_text_diff_shows_fact_row_and_quote(releases, monkeypatch) -> None:
    build_dir, old, new, line = releases
    code, out = _run(build_dir, monkeypatch, old, new)
    assert code == 0, out
    assert "0 added, 0 removed, 1 changed" in out
    assert '~ drug:axitinib rdfs:label: "Axitinib"@en → "Axitinib (AG-013736)"@en' in out
    assert f"new loaders/data/{PUB}/drugs.csv:{line}: " in out


def test_the_other_way_round_and_the_same_release(releases, monkeypatch) -> None:
    build_dir, old, new, _ = releases
    _, out = _run(build_dir, monkeypatch, new, old, "--json")
    (change,) = json.loads(out)["changed"]
    assert change["new"] == '"Axitinib"@en'
    code, out = _run(build_dir, monkeypatch, old, old)
    assert code == 0 and "no facts added, removed or changed" in out


def test_an_unknown_release_is_named(releases, monkeypatch) -> None:
    build_dir, old, _, _ = releases
    code, out = _run(build_dir, monkeypatch, old, "feedface")
    assert code == 3
    assert "'feedface' is neither a release folder" in out and old in out


def test_an_ambiguous_digest_is_refused(tmp_path: Path) -> None:
    for digest in ("abcd0001", "abcd0002"):
        (tmp_path / "releases" / digest).mkdir(parents=True)
        (tmp_path / "releases" / digest / "sorakg.nq").write_text("")
    settings = Settings(build_dir=tmp_path)
    with pytest.raises(UnknownRelease, match="'abcd' matches several releases"):
        resolve(settings, "abcd")
    assert resolve(settings, "abcd0002") == tmp_path / "releases" / "abcd0002"
