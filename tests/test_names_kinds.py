"""A name resolves to the kind its parameter expects, or is refused with the candidates of that
kind: never an empty answer from a name that matched something else (a drug's name given for a
trial, a class's for a drug …, on the CLI, on ``/queries/NAME`` and in the resolver), and the
on-disk names index answers as the in-memory one does."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.names import INDIVIDUAL, Names, NamingError, WrongKind, from_store
from sorakg.release.store import release_names
from sorakg.sparql import catalogue as ql
from tests.constants import BASE

PREFIXES = ql.prefixes_for(BASE)
SK = "https://w3id.org/sorakg/ontology#"


@pytest.fixture(scope="module")
def names(store: ox.Store) -> Names:
    return from_store(store, BASE, PREFIXES)


def expect(query: str, parameter: str):  # type: ignore[no-untyped-def]
    return ql.load_query(query).parameter(parameter).expect()


def test_every_iri_parameter_declares_its_kind_and_its_default_is_of_it(names: Names) -> None:
    for query in ql.list_queries():
        for param in query.parameters:
            if param.kind is not ql.ParamKind.iri:
                continue
            assert param.instance_of or param.subclass_of, (query.name, param.name)
            if param.default:
                found = names.resolution(param.default, param.expect(), param.name)
                assert found.iri == ql._expand(param.default, PREFIXES), (query.name, param.name)
                assert found.note is None


def test_a_drug_given_for_a_trial_is_the_one_trial_testing_it(names: Names) -> None:
    found = names.resolution("tivantinib", expect("trial-outcomes", "trial"), "trial")
    assert found.iri == BASE + "trial/NCT00988741"
    assert found.note is not None and "is a drug (drug:tivantinib), not a trial" in found.note
    back = names.resolution("trial:NCT00988741", expect("drug-actions", "drug"), "drug")
    assert back.iri == BASE + "drug/tivantinib"
    assert back.note is not None and "is a trial (trial:NCT00988741), not a drug" in back.note


def test_a_molecule_given_for_a_mechanism_is_the_one_mechanism_involving_it(names: Names) -> None:
    found = names.resolution("Akt", expect("mechanism-molecules", "mechanism"), "mechanism")
    assert found.iri == BASE + "mechanism/pi3k-akt-activation"
    assert found.note is not None and "is a molecule (molecule:akt), not a mechanism" in found.note
    # a brand name the review never uses stays unknown: refused, not an empty answer
    with pytest.raises(NamingError, match="no such drug 'Nexavar'"):
        names.resolve("Nexavar", expect("drug-actions", "drug"), "drug")


def test_arms_are_never_offered_as_trials(names: Names) -> None:
    with pytest.raises(WrongKind) as caught:
        names.resolve("brivanib", expect("trial-outcomes", "trial"), "trial")
    message = str(caught.value)
    offered = message.split("the trials linked to it: ")[1]
    assert "trial:brivanib-phase3 (Brivanib vs placebo (phase III))" in offered
    assert "trial:ref56-brivanib " in offered
    assert "/arm/" not in offered  # the arms are named as what the word matched, not offered


@pytest.mark.parametrize(
    ("query", "parameter", "value", "candidate"),
    [
        ("mechanism-molecules", "mechanism", "pi3k", "mechanism:pi3k-akt-activation"),
        ("drugs-by-class", "class", "VEGFR", "sk:VEGFRInhibitor (VEGFR inhibitor)"),
        ("drugs-by-class", "class", "sorafenib", "sk:MultikinaseInhibitor"),
    ],
)
def test_a_name_of_another_kind_is_refused_with_the_right_kind(
    names: Names, query: str, parameter: str, value: str, candidate: str
) -> None:
    with pytest.raises(WrongKind) as caught:
        names.resolve(value, expect(query, parameter), parameter)
    said = str(caught.value)
    assert said.startswith(f"'{value}' is ") and candidate in said.split(", not a")[1]


def test_acronyms_paths_identifiers_and_case(names: Names) -> None:
    trial = expect("trial-outcomes", "trial")
    assert names.resolve("SEARCH", trial) == BASE + "trial/NCT00901901"  # the acronym
    assert names.resolve("SHARP", trial) == BASE + "trial/sharp"
    assert names.resolve("So.LAR.", trial) == BASE + "trial/solar"
    assert names.resolve("GEMOX", trial) == BASE + "trial/ref59-gemcitabine-oxaliplatin"
    assert names.resolve("trial:nct00988741", trial) == BASE + "trial/NCT00988741"
    assert names.resolve("MAPK", expect("pathway-participants", "pathway")) == BASE + "pathway/mapk"
    assert names.canonical(BASE + "drug/Sorafenib") == BASE + "drug/sorafenib"
    phases = expect("trials", "phase")
    assert names.resolve("phase III", phases) == SK + "PhaseIII"
    with pytest.raises(NamingError, match=r"no such phase 'III'; the phases: .*sk:PhaseIII"):
        names.resolve("III", phases, "phase")


def test_a_relations_object_is_an_individual_not_a_class(names: Names) -> None:
    assert names.resolve("VEGFR", INDIVIDUAL) == BASE + "molecule/vegfr"


def test_the_cli_says_how_it_read_a_name_and_refuses_the_wrong_kind(
    cli_env: CliRunner,
) -> None:
    args = ["query", "trial-outcomes", "-p", "trial=tivantinib", "--format", "csv"]
    read = cli_env.invoke(app, args)
    assert read.exit_code == 0, read.output
    assert "note: trial 'tivantinib' is a drug" in read.output
    assert "trial/NCT00988741" in read.output  # the trial's figures, not an empty table
    for param, query, candidate in (
        ("mechanism=pi3k", "mechanism-molecules", "mechanism:pi3k-akt-activation"),
        ("class=VEGFR", "drugs-by-class", "sk:VEGFRInhibitor"),
        ("class=sorafenib", "drugs-by-class", "sk:MultikinaseInhibitor"),
        ("trial=brivanib", "trial-outcomes", "trial:brivanib-phase3"),
    ):
        refused = cli_env.invoke(app, ["query", query, "-p", param])
        assert refused.exit_code == 2, (param, refused.output)
        assert refused.output.startswith("error: ") and candidate in refused.output
    drug = cli_env.invoke(app, ["query", "drug-actions", "-p", "drug=trial:NCT00988741"])
    assert drug.exit_code == 0 and "note: drug 'trial:NCT00988741' is a trial" in drug.output


def test_explain_reads_the_object_as_the_molecule(cli_env: CliRunner) -> None:
    stated = cli_env.invoke(app, ["explain", "sorafenib", "inhibits", "VEGFR"])
    assert stated.exit_code == 0, stated.output
    assert stated.output.startswith("- Sorafenib inhibits VEGFR (stated)")
    swapped = cli_env.invoke(app, ["explain", "VEGFR inhibitor", "sorafenib"])
    assert swapped.exit_code == 2
    assert "the entity comes first (sorakg explain 'sorafenib' 'VEGFR inhibitor')" in swapped.output


def test_the_endpoint_says_how_it_read_a_name(reasoned_client: TestClient) -> None:
    answer = reasoned_client.get(
        "/queries/trial-outcomes", params={"trial": "tivantinib", "format": "csv"}
    )
    assert answer.status_code == 200, answer.text
    note = unquote(answer.headers["sorakg-note"])
    assert "trial 'tivantinib' is a drug (drug:tivantinib), not a trial" in note
    assert "read as trial:NCT00988741" in note
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and {row["trial"] for row in rows} == {BASE + "trial/NCT00988741"}
    page = reasoned_client.get(
        "/queries/trial-outcomes?trial=tivantinib", headers={"Accept": "text/html"}
    )
    assert "<strong>Note:</strong> trial &#39;tivantinib&#39; is a drug" in page.text


@pytest.mark.parametrize(
    ("query", "value", "candidate"),
    [
        ("mechanism-molecules?mechanism=pi3k", "pi3k", "mechanism:pi3k-akt-activation"),
        ("drugs-by-class?class=VEGFR", "VEGFR", "sk:VEGFRInhibitor"),
        ("drugs-by-class?class=sorafenib", "sorafenib", "sk:MultikinaseInhibitor"),
        ("trial-outcomes?trial=brivanib", "brivanib", "trial:brivanib-phase3"),
    ],
)
def test_the_endpoint_refuses_a_name_of_another_kind(
    reasoned_client: TestClient, query: str, value: str, candidate: str
) -> None:
    answer = reasoned_client.get(f"/queries/{query}", headers={"Accept": "text/csv"})
    assert answer.status_code == 400
    assert f"'{value}' is " in answer.text and candidate in answer.text


def test_the_index_on_disk_answers_as_the_one_in_memory(
    nquads: Path,
    names: Names,
) -> None:
    on_disk = Names.open(release_names(nquads.parent, BASE), BASE, PREFIXES)
    trial = expect("trial-outcomes", "trial")
    # the CURIE, the identifier, the label, the acronym and the path name one trial
    for text in ("trial:NCT00901901", "NCT00901901", "SEARCH", "trial/NCT00901901",
                 "SEARCH: sorafenib plus erlotinib vs sorafenib plus placebo"):  # fmt: skip
        assert (
            on_disk.resolve(text, trial)
            == names.resolve(text, trial)
            == (BASE + "trial/NCT00901901")
        ), text
    for text in ("CHEMBL1336", "drug:sorafenib", "Sorafenib", "sorafenib"):
        assert on_disk.resolve(text, expect("drug-actions", "drug")) == BASE + "drug/sorafenib"


def test_entity_paths_are_case_insensitive_where_unambiguous(reasoned_client: TestClient) -> None:
    for asked, canonical in (
        ("/drug/Sorafenib", "/drug/sorafenib"),
        ("/trial/nct00988741", "/trial/NCT00988741"),
        ("/drug/SORAFENIB.ttl", "/drug/sorafenib.ttl"),
    ):
        moved = reasoned_client.get(asked, follow_redirects=False)
        assert moved.status_code == 301, (asked, moved.text)
        assert moved.headers["location"].endswith(canonical)
        assert reasoned_client.get(asked).status_code == 200
    missing = reasoned_client.get("/drug/sorafenibb")
    assert missing.status_code == 404
    assert "did you mean" in missing.text and "/drug/sorafenib" in missing.text
