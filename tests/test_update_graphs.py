"""Every update names its graph, decided on Oxigraph's own terminals and checked against the
engine: hypothesis writes updates (SPARQL 1.2 literals, escapes, ADD/COPY/MOVE, templates in
and out of GRAPH, WITH, USING), Oxigraph runs each on a store whose default graph is empty, and
whatever the rule lets through must leave it empty."""

from __future__ import annotations

import os

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sorakg.server.update_graphs import default_graph_update

G, H = "<urn:g>", "<urn:h>"


def _store() -> ox.Store:
    store = ox.Store()
    store.update(f"INSERT DATA {{ GRAPH {G} {{ <urn:s> <urn:p> <urn:o> }} "
                 f"GRAPH {H} {{ <urn:s> <urn:q> 1 }} }}")  # fmt: skip
    return store


def engine_writes_default(text: str) -> bool | None:
    """Whether Oxigraph, running ``text``, leaves a triple in the default graph (None: it
    does not parse it)."""
    store = _store()
    try:
        store.update(text)
    except SyntaxError:
        return None
    except RuntimeError:  # e.g. MOVE from a graph an earlier operation removed: nothing applied
        return False
    return any(True for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


@pytest.mark.parametrize(
    "text",
    [  # forms rdflib cannot parse (escapes, directional language tags) and ones it never reads
        'INSERT DATA { <urn:x> <urn:y> "esc\\u0022aped" }',
        'INSERT DATA { <urn:x> <urn:y> "dir"@en--ltr }',
        "INSERT DATA { <urn:x> <urn:y> <<( <urn:a> <urn:b> <urn:c> )>> }",
        'VERSION "1.2" INSERT DATA { <urn:x> <urn:y> "v" }',
        f"ADD {G} TO DEFAULT",
        f"COPY {G} TO DEFAULT",
        f"MOVE {G} TO DEFAULT",
        f"ADD GRAPH {G} TO DEFAULT",
    ],
)
def test_forms_that_write_the_default_graph_are_refused(text: str) -> None:
    assert engine_writes_default(text) is True  # the form is live in the engine
    assert default_graph_update(text) is not None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("LOAD <http://127.0.0.1:1/x>", "LOAD without INTO GRAPH"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE: triples outside GRAPH"),
        ("DELETE { GRAPH <urn:g> { ?s ?p ?o } } WHERE { ?s ?p ?o }",
         "WHERE: a pattern outside GRAPH"),
        ("DELETE { GRAPH <urn:g> { ?s ?p ?o } } WHERE { FILTER EXISTS { ?s ?p ?o } }",
         "WHERE: a pattern outside GRAPH"),
        ("INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { { SELECT * { ?s ?p ?o } } }",
         "WHERE: a pattern outside GRAPH"),
    ],
)  # fmt: skip
def test_updates_that_read_or_load_into_the_default_graph_are_refused(text: str, why: str) -> None:
    assert default_graph_update(text) == why


@pytest.mark.parametrize(
    "text",
    [
        'PREFIX ex: <urn:ex:> INSERT DATA { GRAPH <urn:g> { ex:a ex:b "x\\u0022y"@en--ltr } }',
        "WITH <urn:g> DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o FILTER(?o = 1) }",
        "INSERT { GRAPH <urn:g> { ?s ?p ?o } } USING <urn:h> WHERE { ?s ?p ?o }",
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(regex(str(?o), 'x')) BIND(1 AS ?n) VALUES ?v { 1 } "
        "OPTIONAL { GRAPH ?g { ?s ?q ?r } } }",
        "DELETE WHERE { GRAPH <urn:g> { ?s ?p ?o } } ; "
        "LOAD <http://127.0.0.1:1/x> INTO GRAPH <urn:g>",
        "CLEAR GRAPH <urn:g> ; DROP SILENT GRAPH <urn:h> ; ADD <urn:g> TO <urn:h>",
    ],
)
def test_updates_that_name_their_graphs_pass(text: str) -> None:
    assert default_graph_update(text) is None


def test_a_1_mb_insert_data_is_checked_in_one_pass() -> None:
    """rdflib's pre-check was quadratic here (472 KB: 9.2 s, past the update timeout)."""
    triples = " ".join(f'<urn:s{i}> <urn:p> "value {i}" .' for i in range(30_000))
    text = f"INSERT DATA {{ GRAPH <urn:g> {{ {triples} }} }}"
    assert len(text) > 900_000
    assert default_graph_update(text) is None
    assert default_graph_update(text.replace("GRAPH <urn:g> {", "", 1)[:-1]) is not None


TERM = st.sampled_from(["<urn:a>", "<urn:b>", '"x"', '"x\\u0022y"', '"d"@en--ltr', "1",
                        "<<( <urn:a> <urn:b> <urn:c> )>>", "?s", "?o", "[]", "_:b"])  # fmt: skip
TRIPLE = st.tuples(TERM, st.sampled_from(["<urn:p>", "?p", "a"]), TERM).map(" ".join)
BLOCK = st.one_of(
    TRIPLE,
    TRIPLE.map(lambda t: f"GRAPH {G} {{ {t} }}"),
    TRIPLE.map(lambda t: f"GRAPH ?g {{ {t} }}"),
)
BLOCKS = st.lists(BLOCK, min_size=1, max_size=3).map(" . ".join)
WHERE = st.sampled_from(["{ ?s ?p ?o }", f"{{ GRAPH {G} {{ ?s ?p ?o }} }}",
                         "{ GRAPH ?g { ?s ?p ?o } }", "{ BIND(<urn:a> AS ?s) }"])  # fmt: skip
OPERATION = st.one_of(
    BLOCKS.map(lambda b: f"INSERT DATA {{ {b} }}"),
    st.tuples(BLOCKS, WHERE).map(lambda p: f"INSERT {{ {p[0]} }} WHERE {p[1]}"),
    st.tuples(st.sampled_from(["", f"WITH {G} ", f"WITH {H} "]), BLOCKS, WHERE).map(
        lambda p: f"{p[0]}INSERT {{ {p[1]} }} WHERE {p[2]}"
    ),
    st.tuples(BLOCKS, WHERE).map(lambda p: f"INSERT {{ {p[0]} }} USING {G} WHERE {p[1]}"),
    st.tuples(st.sampled_from(["ADD", "COPY", "MOVE"]),
              st.sampled_from([G, "DEFAULT", f"GRAPH {H}"]),
              st.sampled_from([H, "DEFAULT", f"GRAPH {G}"])).map(
        lambda p: f"{p[0]} {p[1]} TO {p[2]}"),
)  # fmt: skip
UPDATE = st.tuples(
    st.sampled_from(["", 'VERSION "1.2" ', "PREFIX ex: <urn:ex:> "]),
    st.lists(OPERATION, min_size=1, max_size=3).map(" ; ".join),
).map("".join)


@settings(max_examples=int(os.environ.get("SORAKG_PROPERTY_EXAMPLES", "1000")),
          deadline=None, suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(UPDATE)
def test_no_update_the_rule_lets_through_writes_the_default_graph(text: str) -> None:
    if engine_writes_default(text):
        assert default_graph_update(text) is not None, text
