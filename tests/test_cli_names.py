"""One way to name an entity (``sorakg.names``), and CLI errors that help: one line, a hint,
a documented exit code."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.names import CLASS, AmbiguousName, Expect, Names, UnknownName
from sorakg.release.folder import inputs_digest, reusable_build
from sorakg.settings import Settings
from sorakg.sparql import catalogue as ql
from tests.constants import BASE

PREFIXES = ql.prefixes_for(BASE)
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SK = "https://w3id.org/sorakg/ontology#"


@pytest.fixture(scope="module")
def names(store: object) -> Names:
    from sorakg.names import from_store

    return from_store(store, BASE, PREFIXES)


def test_every_form_of_a_name_resolves_to_one_iri(names: Names) -> None:
    sorafenib = BASE + "drug/sorafenib"
    for text in (sorafenib, f"<{sorafenib}>", "drug:sorafenib", "drug/sorafenib", "SORAFENIB"):
        assert names.resolve(text) == sorafenib, text
    # eight nodes are labelled "Sorafenib" (the drug and seven trial arms): the drug wins
    assert names.resolve("Sorafenib") == sorafenib
    assert names.resolve("VEGFR inhibitor", expect=CLASS) == SK + "VEGFRInhibitor"
    assert names.resolve("VEGFRInhibitor", expect=CLASS) == SK + "VEGFRInhibitor"
    assert names.resolve("NCT00988741") == BASE + "trial/NCT00988741"  # an identifier
    # a parameter's kind narrows the candidates
    assert names.resolve("sorafenib", expect=Expect("drug", (SK + "Drug",))) == sorafenib


def test_unknown_and_ambiguous_names_say_what_to_type(names: Names) -> None:
    with pytest.raises(UnknownName, match=r"did you mean drug:sorafenib \(Sorafenib\)"):
        names.resolve("drug:sorafenibb")
    with pytest.raises(UnknownName, match=r"did you mean drug:sunitinib \(Sunitinib\)"):
        names.resolve("sunitnib")
    twins = Names.from_triples(
        [
            (BASE + "trial/a/arm/x", LABEL, "X"),
            (BASE + "trial/b/arm/x", LABEL, "X"),
        ],
        BASE,
        PREFIXES,
    )
    with pytest.raises(AmbiguousName, match=r"trial:a/arm/x \(X\); trial:b/arm/x \(X\)"):
        twins.resolve("x")


@pytest.mark.slow  # three explanations, each a reasoner run
def test_explain_takes_a_label_and_prefers_the_drug(cli_env: CliRunner) -> None:
    result = cli_env.invoke(app, ["explain", "Sorafenib", "VEGFR inhibitor"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("- Sorafenib is a VEGFR inhibitor")
    # the CURIE form query -p uses works here too
    assert cli_env.invoke(app, ["explain", "drug:sunitinib", "sk:VEGFRInhibitor"]).exit_code == 0
    missing = cli_env.invoke(app, ["explain", "sunitnib", "sk:VEGFRInhibitor"])
    assert missing.exit_code == 3
    assert "no such entity 'sunitnib'; did you mean drug:sunitinib" in missing.output


def test_query_names_and_arguments_are_checked(cli_env: CliRunner) -> None:
    typo = cli_env.invoke(app, ["query", "second-line-option"])
    assert typo.exit_code == 3 and "did you mean 'second-line-options'" in typo.output
    param = cli_env.invoke(app, ["query", "trial-outcomes", "-p", "trail=x"])
    assert param.exit_code == 2 and "did you mean 'trial'" in param.output
    # a mistyped NCT number is an error with the near one, not an empty table and exit 0
    near = cli_env.invoke(app, ["query", "trial-outcomes", "-p", "trial=trial:NCT0098874"])
    assert near.exit_code == 2 and "did you mean trial:NCT00988741" in near.output
    # the bare identifier, the path and the label all work
    for value in ("NCT00988741", "trial/NCT00988741"):
        ok = cli_env.invoke(app, ["query", "trial-outcomes", "-p", f"trial={value}"])
        assert ok.exit_code == 0 and "Tivantinib" in ok.output, ok.output
    label = cli_env.invoke(app, ["query", "trials-by-drug", "-p", "drug=Sorafenib"])
    assert label.exit_code == 0 and "drug:sorafenib" in label.output


def test_query_errors_are_one_line(cli_env: CliRunner, tmp_path: Path) -> None:
    no_prefix = tmp_path / "no-prefix.rq"
    no_prefix.write_text("SELECT ?d WHERE { ?d a sk:Drug }\n")
    ran = cli_env.invoke(app, ["query", "--file", str(no_prefix), "--format", "csv"])
    assert ran.exit_code == 0, ran.output  # sk: is the project's: declared for the user
    assert "drug/sorafenib" in ran.output
    unknown = tmp_path / "unknown.rq"
    unknown.write_text("SELECT ?d WHERE { ?d a foo:Drug }\n")
    failed = cli_env.invoke(app, ["query", "--file", str(unknown)])
    assert failed.exit_code == 1
    assert "line 1, column" in failed.output and "undeclared prefix 'foo:'" in failed.output
    typo = tmp_path / "typo.rq"
    typo.write_text("SELEC * WHERE { ?s ?p ?o }\n")
    failed = cli_env.invoke(app, ["query", "--file", str(typo)])
    assert failed.exit_code == 1
    for output in (failed.output,):
        assert "[red]" not in output and "\\u{" not in output
        assert len(output.strip().splitlines()) == 1, output


def test_unreachable_endpoint_is_one_line(cli_env: CliRunner) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sparql"
    result = cli_env.invoke(app, ["query", "summary", "--endpoint", url])
    assert result.exit_code == 4
    assert result.output.strip().splitlines() == [
        f"error: the external store cannot be reached ({url}: [Errno 111] Connection refused)"
    ]


def test_bad_port_and_busy_port(cli_env: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORAKG_PORT", "abc")
    bad = cli_env.invoke(app, ["serve"])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1, bad.output
    assert "SORAKG_PORT='abc'" in bad.output
    monkeypatch.delenv("SORAKG_PORT")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = cli_env.invoke(app, ["serve", "--port", str(port)])
    assert taken.exit_code == 4  # not 3, "no build yet"
    assert f"cannot listen on 127.0.0.1:{port}" in taken.output


def test_an_unchanged_build_is_reused(tmp_path: Path, data_copy: Path) -> None:
    settings = Settings(data_dir=data_copy, build_dir=tmp_path / "build")
    release = settings.build_dir / "releases" / "x"
    release.mkdir(parents=True)
    for name in ("sorakg.nq", "sorakg.nt"):
        (release / name).write_text("")
    (settings.build_dir / "graph").symlink_to(Path("releases") / "x")
    assert reusable_build(settings) is None  # no manifest: build
    manifest = {"inputs": inputs_digest(settings), "stats": {"triples": 1}}
    (release / "manifest.json").write_text(json.dumps(manifest))
    assert reusable_build(settings) == manifest
    table = next(data_copy.rglob("*.csv"))
    table.write_text(table.read_text() + "\n")
    assert reusable_build(settings) is None  # a table changed: build again


def test_build_without_java_says_what_it_needs_in_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    bin_dir = Path(sys.executable).parent  # the venv's programs, and no java among them
    assert not (bin_dir / "java").exists()
    env = {**os.environ, "PATH": str(bin_dir), "SORAKG_BUILD_DIR": str(tmp_path / "build")}
    ran = subprocess.run([str(bin_dir / "sorakg"), "build"], env=env, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert ran.returncode == 4, ran.stderr
    lines = (ran.stdout + ran.stderr).strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert lines[0].startswith("error: sorakg build checks consistency with HermiT")
    assert "no 'java' program on PATH" in lines[0] and "sorakg build --no-reason" in lines[0]
    assert not (tmp_path / "build" / "graph").exists()  # nothing half-written
