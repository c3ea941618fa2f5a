"""The query library: header parsing, parameter binding (and its safety), the CLI, remote runs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from sorakg.cli import app
from sorakg.loaders.prefixes import DEFAULT_BASE
from sorakg.release.default_view import default_graphs
from sorakg.settings import Settings
from sorakg.sparql import catalogue as ql
from sorakg.sparql import remote
from sorakg.sparql.bindings import with_rows, with_values
from tests.constants import BASE
from tests.helpers import PREFIXES, answer
from tests.stores import concat_columns

QUERIES = ql.list_queries()


# --- the library's files ---------------------------------------------------------------------


def test_the_library_has_at_least_thirty_documented_queries() -> None:
    assert len(QUERIES) >= 30
    for query in QUERIES:
        assert query.title != query.name, f"{query.name}: no title"
        assert query.description, f"{query.name}: no description"
        for param in query.parameters:
            assert param.description, f"{query.name}: parameter {param.name} undocumented"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_query_runs_with_its_defaults(reasoned_store: ox.Store, query: ql.NamedQuery) -> None:
    """Every answer is read to its end (evaluation is lazy: an error may only come while
    reading); a quality check whose description says it should be empty is, and every other
    query answers something with its default parameters on the review's graph."""
    result = ql.run_named(reasoned_store, query, {}, PREFIXES)
    if isinstance(result, ox.QueryBoolean):
        return
    rows = list(result)  # type: ignore[call-overload]
    if "Should be empty" in query.description:
        assert rows == [], f"{query.name}: {rows[:3]}"
    else:
        assert rows, f"{query.name} answers nothing with its defaults"


SERVER = Path(__file__).parent.parent / "server"


def test_every_page_query_is_a_checked_file_the_server_reads() -> None:
    """The pages' SPARQL lives in ``server/queries/*.rq``, read and checked like the library's;
    each file is named by some module of the server (no file left behind, none kept as a
    Python string instead)."""
    code = "".join(path.read_text(encoding="utf-8") for path in SERVER.glob("*.py"))
    for path in sorted((SERVER / "queries").glob("*.rq")):
        query = ql.page_query(path.stem)
        assert query.title != path.stem, f"{path.name}: no title"
        assert f'"{path.stem}"' in code, f"{path.name} is read by no module of server/"
    strings = [p.name for p in SERVER.glob("*.py") if "PREFIX rdfs:" in p.read_text()]
    assert strings == [], f"SPARQL kept as Python strings in {strings}"


def test_header_parse_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text('#+ title = "unterminated\nSELECT ?s WHERE { ?s ?p ?o }\n')
    with pytest.raises(ql.QueryError, match=r"bad\.rq.*TOML"):
        ql.load_query_file(bad)
    bad.write_text('#+ [params.x]\n#+ kind = "colour"\nSELECT ?x WHERE { ?x ?p ?o }\n')
    with pytest.raises(ql.QueryError, match="kind must be one of"):
        ql.load_query_file(bad)


def test_a_parameter_must_be_a_projected_variable(tmp_path: Path) -> None:
    bad = tmp_path / "hidden.rq"
    bad.write_text('#+ [params.o]\n#+ kind = "string"\nSELECT ?s WHERE { ?s ?p ?o }\n')
    with pytest.raises(ql.QueryError, match="projection"):
        ql.load_query_file(bad)


def test_unknown_query_and_unknown_parameter_are_refused(store: ox.Store) -> None:
    with pytest.raises(ql.UnknownQuery):
        ql.load_query("no-such-query")
    with pytest.raises(ql.ParameterError, match="no parameter 'colour'"):
        answer(store, "drug-actions", colour="red")
    with pytest.raises(ql.ParameterError, match="not a valid integer"):
        answer(store, "several-kinase-inhibitors", min="two")


# --- parameters are terms, not text ------------------------------------------------------------

BREAKOUTS = [
    # close the IRI and the group, then match everything
    "https://w3id.org/sorakg/drug/sorafenib> } UNION { ?drug ?action ?target . } #",
    # close a string literal and widen a filter
    '" || true || "',
    "') } UNION { ?s ?p ?o } #",
]


@pytest.mark.parametrize("value", BREAKOUTS)
def test_an_iri_argument_cannot_break_out_of_the_query(store: ox.Store, value: str) -> None:
    with pytest.raises(ql.ParameterError):
        answer(store, "drug-actions", drug=value)


def test_a_string_argument_is_one_literal_locally_and_remotely(store: ox.Store) -> None:
    # search text crafted to end the literal and add an always-true disjunct
    crafted = 'MK-2206")) || true || CONTAINS(?quote, ("'
    local = answer(store, "evidence-search", text=crafted)
    assert local == []
    remote = ql.run_named(_remote(store), ql.load_query("evidence-search"), {"text": crafted})
    assert ql.rows(remote)[1] == []
    # the same search, innocently, finds the MK-2206 sentence (control)
    assert answer(store, "evidence-search", text="MK-2206")


def test_values_block_serializes_terms_safely() -> None:
    query = ql.parse_query(
        '#+ [params.t]\n#+ kind = "string"\nSELECT ?t ?s WHERE { ?s ?p ?t }\n', "t"
    )
    bound = ql.bind(query, {"t": 'a" } ; DROP ALL ; #\n'}, PREFIXES)
    text = with_values(query.text, bound)
    assert 'VALUES (?t) { ("a\\" } ; DROP ALL ; #\\n") }' in text
    ox.Store().query(text)  # still one well-formed query


GRAPHS_PROBE = """PREFIX sk: <https://w3id.org/sorakg/ontology#>
# GRAPH <https://w3id.org/sorakg/graph/asserted> in a comment
SELECT ?s ?o { GRAPH <%sgraph/asserted> { ?s sk:p <https://w3id.org/sorakg/drug/x> }
  GRAPH <%sgraph/disputed-inferred> { ?s ?o "<https://w3id.org/sorakg/graph/x>" } }
"""


def test_graph_iris_follow_the_configured_base() -> None:
    """Only the release's graph IRI tokens move under another base: not the ontology's
    namespace, an entity IRI, a comment or a string, nor an IRI a parameter binds."""
    other = "http://example.org/kg/"
    query = ql.parse_query(GRAPHS_PROBE % (BASE, BASE), "probe")
    bound = {ox.Variable("o"): ox.NamedNode(f"{BASE}graph/asserted")}
    moved = ql.bound_text(query, bound, None, other)
    assert moved == with_values(GRAPHS_PROBE % (other, other), bound)
    assert ql.bound_text(query, bound, None) == with_values(query.sparql, bound)  # as written
    assert Settings().base_iri == BASE == DEFAULT_BASE  # the base the library's files name


def test_the_label_lookup_binds_each_iri_as_one_row(store: ox.Store) -> None:
    """The page query ``labels`` with many IRIs (``with_rows``): one label per IRI that has one,
    none for an IRI the graph does not hold."""
    iris = [f"{BASE}drug/sorafenib", f"{BASE}drug/sunitinib", f"{BASE}drug/no-such-drug"]
    text = with_rows(ql.page_query("labels").sparql, ox.Variable("s"), map(ox.NamedNode, iris))
    assert f"VALUES ?s {{ <{iris[0]}> <{iris[1]}> <{iris[2]}> }}" in text
    labels = {
        row["s"].value: row["label"].value
        for row in store.query(text, use_default_graph_as_union=True)
    }
    assert labels == {iris[0]: "Sorafenib", iris[1]: "Sunitinib"}


# --- remote endpoints ----------------------------------------------------------------------------


def _answering(store: ox.Store) -> httpx.MockTransport:
    """HTTP traffic answered by ``store``, as our SPARQL endpoint will answer it."""

    def handler(request: httpx.Request) -> httpx.Response:
        text = httpx.QueryParams(request.content.decode()).get("query", "")
        try:
            results = store.query(text, default_graph=default_graphs(store))
        except SyntaxError as error:
            return httpx.Response(400, text=str(error))
        body = results.serialize(format=ox.QueryResultsFormat.JSON)
        return httpx.Response(200, content=body)

    return httpx.MockTransport(handler)


def _remote(store: ox.Store) -> ql.Remote:
    client = httpx.Client(transport=_answering(store))
    return ql.Remote("http://endpoint.test/sparql", client=client)


def _rowset(results: ql.Results, text: str = "") -> set[tuple[tuple[str, str], ...]]:
    """Rows as a set; a GROUP_CONCAT value as its sorted elements (their order is the engine's,
    and the remote text binds parameters differently: tests/stores.py, normalise)."""
    concat = concat_columns(text)
    columns, rows = ql.rows(results)

    def cell(column: str, term: object) -> str:
        if column in concat and isinstance(term, ox.Literal):
            return repr(sorted(term.value.split(concat[column])))
        return str(term)

    return {tuple((c, cell(c, row[c])) for c in columns) for row in rows}


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_remote_runs_give_the_embedded_answers(store: ox.Store, query: ql.NamedQuery) -> None:
    local = ql.run_named(store, query, {}, PREFIXES)
    remote = ql.run_named(_remote(store), query, {}, PREFIXES)
    assert _rowset(remote, query.text) == _rowset(local, query.text)


def test_remote_errors_are_query_errors(store: ox.Store) -> None:
    broken = ql.parse_query("SELECT ?s WHERE { ?s ?p ?o }", "ok")
    broken = ql.NamedQuery(**{**broken.__dict__, "text": "SELECT ?s WHERE { ?s ?p"})
    with pytest.raises(ql.QueryError, match="400"):
        ql.run_named(_remote(store), broken)


# --- the command -----------------------------------------------------------------------------


def test_cli_lists_the_queries(cli_env: CliRunner) -> None:
    result = cli_env.invoke(app, ["query"])
    assert result.exit_code == 0, result.output
    assert "drug-actions" in result.output


def test_cli_prints_a_table_and_csv(cli_env: CliRunner) -> None:
    result = cli_env.invoke(app, ["query", "drug-actions", "--param", "drug=drug:erlotinib"])
    assert result.exit_code == 0, result.output
    # "Erlotinib, an oral tyrosine kinase inhibitor of EGFR"
    assert "EGFR" in result.output
    result = cli_env.invoke(
        app, ["query", "drug-actions", "-p", "drug=drug:erlotinib", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split(",")[:3] == ["drug", "action", "target"]
    assert any(line.endswith(",EGFR,") or ",EGFR," in line for line in lines[1:])


def test_cli_runs_a_file_and_reports_bad_input(cli_env: CliRunner, tmp_path: Path) -> None:
    rq = tmp_path / "count.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/sorakg/ontology#Drug> }")
    result = cli_env.invoke(app, ["query", "--file", str(rq), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"n"' in result.output
    assert cli_env.invoke(app, ["query", "nope"]).exit_code == 3
    assert cli_env.invoke(app, ["query", "drug-actions", "-p", "drug=not an iri"]).exit_code == 2
    assert cli_env.invoke(app, ["query", "drug-actions", "-p", "novalue"]).exit_code == 2


def test_docs_list_every_query() -> None:
    text = (Path(__file__).parent.parent / "docs" / "queries.md").read_text(encoding="utf-8")
    catalogue = text.split("## The queries", 1)[1]
    listed = {line.split("`")[1] for line in catalogue.splitlines() if line.startswith("| `")}
    assert listed == {query.name for query in QUERIES}


def test_every_query_has_an_answer_test() -> None:
    here = Path(__file__).parent
    # the evidence-strength questions are answered in test_claims.py, on the reasoned
    # build with its disputed layer
    files = [*sorted(here.glob("test_answers_*.py")), here / "test_claims.py"]
    source = "".join(path.read_text(encoding="utf-8") for path in files)
    missing = [q.name for q in QUERIES if f'"{q.name}"' not in source]
    assert not missing, f"no answer test for {missing}"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_cli_answers_match_the_library(
    cli_env: CliRunner, store: ox.Store, query: ql.NamedQuery
) -> None:
    result = cli_env.invoke(app, ["query", query.name, "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = ox.parse_query_results(result.output.encode(), format=ox.QueryResultsFormat.JSON)
    assert isinstance(printed, ql.Results)
    assert _rowset(printed) == _rowset(ql.run_named(store, query, {}, PREFIXES))


@pytest.mark.parametrize("fmt", ["CSV", "TSV", "JSON", "XML"])
def test_results_serialize_in_every_format_for_the_endpoint(store: ox.Store, fmt: str) -> None:
    """What ``/queries/NAME?format=…`` will return: the results serialized by Oxigraph."""
    query = ql.load_query("trial-arms")
    results = ql.run_named(store, query, {"trial": "trial:NCT00988741"}, PREFIXES)
    body = results.serialize(format=getattr(ox.QueryResultsFormat, fmt))
    assert body is not None
    text = body.decode("utf-8")
    # "38 at 360 mg twice-daily and 33 at 240 mg twice-daily"
    assert "360 mg twice daily" in text and "38" in text
    if fmt == "CSV":
        assert text.splitlines()[0].split(",")[:3] == ["trial", "arm", "armLabel"]


def test_cli_queries_a_remote_endpoint(
    cli_env: CliRunner, store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each command run opens (and closes) its own client; answer them from the test store
    real = httpx.Client
    monkeypatch.setattr(remote.httpx, "Client", lambda **_: real(transport=_answering(store)))
    url = "http://endpoint.test/sparql"
    args = ["query", "outcomes-for-drug", "-p", "drug=drug:sunitinib", "--endpoint", url]
    result = cli_env.invoke(app, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    # "showed a modest antitumor activity in 11 sorafenib-resistant patients with SD in 40%
    # patients, and median TTP of 3.2 mo"
    values = {line.split(",")[5] for line in result.output.strip().splitlines()[1:]}
    assert values == {"40", "3.2"}
    crafted = 'x")) || true || CONTAINS(?quote, ("'
    args = ["query", "evidence-search", "-p", f"text={crafted}", "--endpoint", url]
    result = cli_env.invoke(app, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[1:] == []
