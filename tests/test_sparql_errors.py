"""A SPARQL mistake is reported as what it is, at the user's own line and column: the prefixes
the project declares for a query are neither blamed nor counted (a misspelt keyword, a missing
brace, an undeclared prefix, on ``/sparql``, YASGUI's route, and ``sorakg query --file``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sorakg.cli import app

# (query as typed, with sk: undeclared as the README allows; the message it gets)
CASES = [
    (  # a missing "}": the brace, not the prefix
        "SELECT ?x WHERE { ?x a sk:Drug ",
        "error at 1:31 (line 1, column 31) at the end of the query near '?x WHERE { ?x a sk:Drug': "
        'expected one of ",", ".", ";", "{", "{|", "}", "~"',
    ),
    (
        "SELEC ?x WHERE { ?x a sk:Drug }",
        "error at 1:1 (line 1, column 1): unknown keyword 'SELEC'; a query starts with SELECT, "
        "CONSTRUCT, ASK or DESCRIBE",
    ),
    (
        "SELECT ?x WHERE { ?x a sk:Drug } LIMT 5",
        "error at 1:40 (line 1, column 40) at the end of the query near '{ ?x a sk:Drug } LIMT 5'"
        ": expected one of HAVING, OFFSET, OPTIONAL, VALUES",
    ),
    (  # an aggregate beside a variable not grouped: the engine's sentence, not "expected The"
        "SELECT (COUNT(?x) AS ?n) ?y\nWHERE { ?x a sk:Drug ; sk:y ?y }",
        "error at 2:33 (line 2, column 33) at the end of the query near 'a sk:Drug ; sk:y ?y }': "
        "The SELECT contains a variable that is unbound; with an aggregate, every other selected "
        "variable must be in GROUP BY",
    ),
    (  # the user's line 5, not 5 + the PREFIX lines added above it
        "SELECT ?x\nWHERE {\n  ?x a sk:Drug ; rdfs:label ?l .\n  FILTER(?x = )\n}",
        "error at 5:2 (line 5, column 2) at the end of the query near '}': expected an expression "
        "(a variable, a value, or a function like STR)",
    ),
    (  # a prefix nobody declares is still named
        "SELECT ?x WHERE { ?x a foo:Drug }",
        "error at 1:32 (line 1, column 32) near 'WHERE { ?x a foo:Drug': undeclared prefix "
        "'foo:'; declare it with PREFIX",
    ),
]


@pytest.mark.parametrize(("query", "message"), CASES)
def test_sparql_names_the_fault_at_the_users_line(
    reasoned_client: TestClient,
    query: str,
    message: str,
) -> None:
    answer = reasoned_client.get("/sparql", params={"query": query})
    assert answer.status_code == 400
    assert answer.text.strip() == f"bad query: {message}"
    assert "undeclared prefix 'sk:'" not in answer.text


@pytest.mark.parametrize(("query", "message"), CASES)
def test_query_file_names_the_fault_at_the_files_line(
    cli_env: CliRunner,
    tmp_path: Path,
    query: str,
    message: str,
) -> None:
    path = tmp_path / "bad.rq"
    path.write_text(query + "\n")
    result = cli_env.invoke(app, ["query", "--file", str(path)])
    assert result.exit_code == 1
    # one line: no "assumed PREFIX sk:" note before an error that has nothing to do with it
    assert result.output.strip().splitlines() == [f"error: {path}: {message}"]
