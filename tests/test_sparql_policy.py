"""The SERVICE/LOAD check against the engine itself: whatever Oxigraph runs, the check refuses.

The oracle is pyoxigraph, the engine the server runs. Every generated IRI that could become a
SERVICE or LOAD target is aimed at port 1 on loopback or has no network scheme
(``tests/sparql_grammar.py``): Oxigraph refuses such a target before it opens any connection,
and the error it raises proves that it parsed the text and ran the SERVICE or LOAD. No text
reaches the network. The generated texts hold ``\\u``/``\\U`` escapes in strings, IRIs,
prefixed names and comments, which Oxigraph 0.5 reads only inside strings and IRIs.
"""

from __future__ import annotations

import functools
import os

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sorakg.sparql import text as sparql_text
from tests.sparql_grammar import ESCAPED, ESCAPED_LINE, HOST, hidden_behind_less_than

# What Oxigraph says when it is about to fetch a target it refuses: port 1, an IRI without
# a network scheme (urn:…), or an unbound service variable.
WITNESSES = (
    "port 1 is not allowed",
    "A URI scheme must be set",
    "variable encoding the service name is unbound",
    "invalid format",  # urn:a#b, refused by the HTTP client
)
SEED = ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), ox.NamedNode("urn:x"))


@functools.cache
def engine_runs_service_or_load(text: str, update: bool) -> bool | None:
    """True when Oxigraph ran a SERVICE or LOAD of ``text`` (stopped at the refused target),
    False when it ran the text without one, None when it does not parse the text."""
    store = ox.Store()
    store.add(SEED)  # one solution for ?s ?p ?o, so more of the SERVICEs are reached
    try:
        if update:
            store.update(text)
        else:
            answer = store.query(text)
            if not isinstance(answer, ox.QueryBoolean):
                list(answer)
    except SyntaxError:
        return None
    except (OSError, RuntimeError) as error:
        if any(witness in str(error) for witness in WITNESSES):
            return True
        raise AssertionError(f"the engine failed otherwise (generator bug?): {error}") from error
    return False


EXAMPLES = int(os.environ.get("SORAKG_PROPERTY_EXAMPLES", "1000"))
BOUNDED = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@BOUNDED
@given(st.one_of(ESCAPED.query, ESCAPED.probe, ESCAPED_LINE.probe))
def test_check_refuses_every_service_the_engine_runs_in_generated_queries(text: str) -> None:
    if engine_runs_service_or_load(text, update=False):
        assert "SERVICE" in sparql_text.may_use(text, "SERVICE", "LOAD"), text


@BOUNDED
@given(st.one_of(ESCAPED.update, ESCAPED.probe_update, ESCAPED_LINE.probe_update))
def test_check_refuses_every_service_or_load_the_engine_runs_in_generated_updates(
    text: str,
) -> None:
    if engine_runs_service_or_load(text, update=True):
        assert sparql_text.may_use(text, "SERVICE", "LOAD"), text


# Escape forms (\u0022, \U00000022, \u005C, an escaped IRI character …) each written so that a
# check misreading an escape thinks the rest of the line is inside a string, an IRI or a comment.
TARGET = f"<{HOST}/a>"
WHERE = f'WHERE {{ BIND("\\u0022" AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #"'
DATA = 'INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "\\u0022" } } ;'
ESCAPED_QUERIES = [
    f'SELECT * WHERE {{ BIND("\\u0022" AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #"',
    f"SELECT * WHERE {{ BIND('\\u0027' AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #'",
    f'SELECT * WHERE {{ BIND("\\U00000022" AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #"',
    f'SELECT * WHERE {{ BIND("\\u005C" AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #"',
    f'SELECT * WHERE {{ BIND("""\\u0022""" AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #"""',
    f"SELECT * WHERE {{ BIND(<urn:\\u0041> AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #>",
    f'SELECT * WHERE {{ BIND("\\u000A" AS ?x) SERVICE {TARGET} {{ ?a ?b ?c }} }} #"',
    f'select * {{ bind("\\u0022" as ?x) {{ service silent {TARGET} {{}} }} }} #"',
    f'ASK {{ FILTER EXISTS {{ BIND("\\u0022" AS ?x) SERVICE {TARGET} {{}} }} }} #"',
    f"CONSTRUCT {{ ?a ?b ?c }} {WHERE}",
]
ESCAPED_UPDATES = [
    f"INSERT {{ GRAPH <urn:g> {{ ?a ?b ?c }} }} {WHERE}",
    f'{DATA} LOAD {TARGET} INTO GRAPH <urn:g> #"',
    f'{DATA} LOAD {TARGET} #"',
]


@pytest.mark.parametrize("text", ESCAPED_QUERIES)
def test_escape_forms_in_queries_are_refused(text: str) -> None:
    assert engine_runs_service_or_load(text, update=False) in (True, False)  # the engine parses it
    assert sparql_text.may_use(text, "SERVICE", "LOAD") == {"SERVICE"}


@pytest.mark.parametrize("text", ESCAPED_UPDATES)
def test_escape_forms_in_updates_are_refused(text: str) -> None:
    assert engine_runs_service_or_load(text, update=True) is True
    assert sparql_text.may_use(text, "SERVICE", "LOAD")


@pytest.mark.parametrize(
    ("text", "sparql11"),
    [
        ('SELECT * { ?s ?p "\\u0053ERVICE <x> {}" }', set()),  # an escape in a string is its text
        ("SELECT * { ?s ?p <urn:\\u0053ERVICE> }", set()),
        ("SELECT * { ?s ?p ?o } # \\u000A SERVICE <x> {}", {"SERVICE"}),
        ('SELECT * { ?s ?p "x\\u0022 SERVICE" }', {"SERVICE"}),
    ],
)
def test_escapes_the_engine_keeps_inside_a_term_are_not_refused(
    text: str, sparql11: set[str]
) -> None:
    """Oxigraph reads these without SERVICE; the check refuses only where an external store
    that expands escapes first, as SPARQL 1.1 says, would read a SERVICE (in proxy mode)."""
    assert engine_runs_service_or_load(text, update=False) is False
    assert sparql_text.may_use(text, "SERVICE", "LOAD") == sparql11


# A SERVICE behind a '<' that Oxigraph reads as less-than, or as a triple term's second '<',
# where the grammar's tokens read an IRI holding a quote or a '#' (sparql_grammar.py).
LESS_THAN_SERVICES = [
    f"SELECT * {{ BIND('a' AS ?o) FILTER(?o<'x>') SERVICE <{HOST}/> {{}} FILTER(?o!='y') }}",
    f"SELECT * {{ BIND('a' AS ?o) FILTER(!(?o<?o))SERVICE<{HOST}/>{{}}#>\n }}",
    f"PREFIX : <{HOST}/> SELECT * {{ BIND('a' AS ?o) FILTER(!(?o<?o))SERVICE:x#>\n{{}} }}",
    f"SELECT * {{ BIND('a' AS ?o) FILTER(?o<STR((?o>?o))||?o<'x>')SERVICE <{HOST}/> {{}}"
    " FILTER(?o!='y') }",
    f"SELECT * {{ BIND(<<(?o?o?o#)>> '''\n)>> AS ?t) SERVICE <{HOST}/> {{}} #'''\n }}",
]


@pytest.mark.parametrize("text", LESS_THAN_SERVICES)
def test_a_service_behind_a_less_than_is_refused(text: str) -> None:
    assert engine_runs_service_or_load(text, update=False) is True
    assert sparql_text.may_use(text, "SERVICE", "LOAD") == {"SERVICE"}


@BOUNDED
@given(hidden_behind_less_than(f"SERVICE <{HOST}/> {{}}"))
def test_check_refuses_every_service_behind_a_less_than_the_engine_runs(text: str) -> None:
    if engine_runs_service_or_load(text, update=False):
        assert "SERVICE" in sparql_text.may_use(text, "SERVICE", "LOAD"), text
