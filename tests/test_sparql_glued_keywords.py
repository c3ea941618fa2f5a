"""Keywords that Oxigraph reads glued to the name after them, judged by Oxigraph itself.

The grammar's tokens read ``FROMex:g`` as one prefixed name; Oxigraph's scannerless parser
reads ``FROM ex:g`` there, so the query has a dataset of its own and the endpoint must not
replace it with the default view's graphs (``server/execute.py``, ``run_query``), nor the proxy
send its dataset parameters (``sorakg/sparql/remote.py``, ``dataset_fields``). The judge: the
Protocol's dataset replaces a query's own, so the engine's answer to a text changes when one
is imposed exactly when the text has a dataset clause the engine reads.
"""

from __future__ import annotations

import functools

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sorakg.sparql import text as sparql_text
from sorakg.sparql.remote import dataset_fields

X = "http://x/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROLOGUE = f"PREFIX ex: <{X}> PREFIX : <{X}> "
# the default graph, graph g and graph h each hold one triple: any dataset clause changes what
# the patterns below see
BOTH = "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


@functools.cache
def _store() -> ox.Store:
    store = ox.Store()
    for graph in (ox.DefaultGraph(), ox.NamedNode(X + "g"), ox.NamedNode(X + "h")):
        label = "default" if isinstance(graph, ox.DefaultGraph) else graph.value
        store.add(ox.Quad(ox.NamedNode(X + "a"), ox.NamedNode(X + "p"), ox.Literal(label), graph))
    # an object ``true`` to glue a GRAPH to (``?s ?p trueGRAPH<g> { … }``)
    store.add(ox.Quad(ox.NamedNode(X + "b"), ox.NamedNode(X + "p"), ox.Literal(True)))
    return store


def _answer(text: str, **dataset: object) -> list[str] | None:
    """The engine's answer to ``text`` as sorted lines, None when it does not parse it."""
    try:
        result = _store().query(text, **dataset)  # type: ignore[arg-type]
    except SyntaxError:
        return None
    if isinstance(result, ox.QueryBoolean):
        return [str(bool(result))]
    if isinstance(result, ox.QuerySolutions):
        return sorted(str([solution[v] for v in result.variables]) for solution in result)
    return sorted(str(triple) for triple in result)


def engine_reads_from(text: str) -> bool | None:
    """Whether Oxigraph reads a dataset clause (``FROM`` or ``FROM NAMED``) in ``text``: its
    answer changes when the Protocol's dataset (the store's default graph and named graphs)
    replaces the query's. None when it does not parse the text."""
    own = _answer(text)
    imposed = _answer(text, default_graph=ox.DefaultGraph(),
                      named_graphs=[ox.NamedNode(X + "g"), ox.NamedNode(X + "h")])  # fmt: skip
    return None if own is None else own != imposed


def engine_reads_graph(text: str) -> bool | None:
    """Whether Oxigraph reads a ``GRAPH`` in ``text``, which has no dataset clause: only a
    ``GRAPH`` reaches the triple of graph g."""
    answer = _answer(text)
    return None if answer is None else any(X + "g" in line for line in answer)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        # a keyword glued to the name after it is the keyword and the name
        (f"{PROLOGUE}SELECT * FROMex:g WHERE {BOTH}", True),
        (f"{PROLOGUE}SELECT * FROM<{X}g> WHERE {BOTH}", True),
        (f"{PROLOGUE}SELECT * from:g WHERE {BOTH}", True),
        (f"{PROLOGUE}SELECT * From:g WHERE {BOTH}", True),
        (f"{PROLOGUE}SELECT * FROM NAMEDex:g WHERE {BOTH}", True),
        (f"{PROLOGUE}SELECT * FROMNAMED<{X}g> WHERE {BOTH}", True),
        (f"{PROLOGUE}SELECT * FROMNAMED:g {BOTH}", True),
        (f"{PROLOGUE}SELECT ?o FROMex:g FROMex:h {BOTH}", True),
        (f"{PROLOGUE}SELECT (?o AS ?x)FROMex:g {BOTH}", True),
        (f"{PROLOGUE}ASKFROMex:g {{ ?s ?p 'default' }}", True),
        (f"{PROLOGUE}askfrom<{X}g> {{ ?s ?p 'default' }}", True),
        (f"{PROLOGUE}CONSTRUCT {{ ?s ?p ?o }} FROMex:g WHERE {{ ?s ?p ?o }}", True),
        (f"{PROLOGUE}CONSTRUCTFROMex:g WHERE {{ ?s ?p ?o }}", True),
        (f"{PROLOGUE}DESCRIBE ex:a FROMex:g", True),
        # a prefix that holds the keyword is the keyword there, whatever the prologue declares
        (f"{PROLOGUE}PREFIX fromex: <{X}y/> SELECT * fromex:g {BOTH}", True),
        (f"{PROLOGUE}PREFIX fromex: <{X}y/> DESCRIBE * fromex:g {{ ?s ?p ?o }}", True),
        # … but a DESCRIBE reads a name of a declared prefix first: a resource to describe
        (f"{PROLOGUE}PREFIX fromex: <{X}> DESCRIBE ex:a fromex:g", False),
        (f"PREFIX fromage: <{X}> DESCRIBE fromage:a", False),
        # the keyword inside a longer name, a variable, a string, an IRI or a comment
        (f"{PROLOGUE}SELECT ?fromage {{ ?s ?p ?fromage }}", False),
        (f"{PROLOGUE}SELECT * {{ ?s ?p ?o FILTER(?p != ex:FROM) }}", False),
        (f"PREFIX FROMAGE: <{X}> SELECT ?o {{ ?s FROMAGE:p ?o }}", False),
        (f"PREFIX from: <{X}> SELECT ?o {{ ?s from:p ?o }}", False),
        (f"PREFIX from: <{XSD}> SELECT ?o {{ ?s ?p ?o }} ORDER BY from:string(?o)", False),
        (f"{PROLOGUE}SELECT ?o {{ ?s ?p ?o FILTER(?o != 'FROM ex:g') }} # FROM ex:g", False),
        (f"{PROLOGUE}SELECT ?o {{ ?s ?p ?o FILTER(?p != <{X}FROM>) }}", False),
        (f"{PROLOGUE}SELECT * {BOTH}", False),
    ],
)
def test_from_is_read_where_the_engine_reads_it(text: str, read: bool) -> None:
    assert engine_reads_from(text) is read  # the expectation, by the engine
    assert ("FROM" in sparql_text.uses(text, "FROM")) is read


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (f"{PROLOGUE}SELECT ?o {{ GRAPH:g {{ ?s ?p ?o }} }}", True),
        (f"{PROLOGUE}SELECT ?o {{ graph:g {{ ?s ?p ?o }} }}", True),
        (f"{PROLOGUE}SELECT ?o {{ GRAPHex:g {{ ?s ?p ?o }} }}", True),
        (f"{PROLOGUE}PREFIX GRAPH: <{X}y/> SELECT ?o {{ GRAPH:g {{ ?s ?p ?o }} }}", True),
        (f"{PROLOGUE}SELECT ?o {{ ?a ?b trueGRAPH<{X}g> {{ ?s ?p ?o }} }}", True),
        (f"{PROLOGUE}SELECT ?o {{ GrApH<{X}g>{{ ?s ?p ?o }} }}", True),
        (f"{PROLOGUE}PREFIX GRAPH: <{X}> SELECT ?o {{ GRAPH:a ?p ?o }}", False),
        (f"{PROLOGUE}PREFIX graph: <{X}> SELECT ?o {{ ?s graph:p ?o }}", False),
        (f"{PROLOGUE}SELECT ?graph {{ ?s ?p ?graph }}", False),
    ],
)
def test_graph_is_read_where_the_engine_reads_it(text: str, read: bool) -> None:
    assert engine_reads_graph(text) is read
    assert ("GRAPH" in sparql_text.uses(text, "GRAPH")) is read


def test_the_proxy_sends_no_dataset_for_a_from_glued_to_its_graph() -> None:
    graphs = ["https://w3id.org/sorakg/graph/asserted"]
    glued = f"{PROLOGUE}SELECT * FROMex:g WHERE {{ ?s ?p ?o }}"
    assert dataset_fields(glued, graphs) == []
    plain = f"PREFIX fromage: <{X}> SELECT * WHERE {{ ?s fromage:p ?o }}"
    assert dataset_fields(plain, graphs) == [
        ("default-graph-uri", graphs[0]),
        ("named-graph-uri", graphs[0]),
    ]


# --- generated: the dataset clauses of every query form, glued or spaced, in any case ---------

KEYWORD = st.sampled_from(["FROM", "from", "From", "fROm"])
NAMED = st.sampled_from(["", "NAMED", " NAMED ", "named"])
GAP = st.sampled_from(["", " ", "\n#c\n"])
TARGET = st.sampled_from(["ex:g", ":h", f"<{X}g>", "fromex:h", "FROMAGE:g", "ex:FROM", "age:g"])
DECLARED = st.sets(st.sampled_from(["fromex", "FROMAGE", "age"]))
FORM = st.sampled_from(
    [
        ("SELECT ?o ?g", BOTH),  # ?gFROM when glued: a variable, no dataset
        ("SELECT *", BOTH),
        ("SELECT (?o AS ?x)", BOTH),
        ("ASK", "{ ?s ?p 'default' }"),
        ("CONSTRUCT { ?s ?p ?o }", BOTH),
        ("CONSTRUCT", "WHERE { ?s ?p ?o }"),
        # a DESCRIBE of ?s shows the dataset (one of a resource that is nowhere may not)
        ("DESCRIBE ?s ex:a", "WHERE { ?s ?p ?o }"),
        ("DESCRIBE ?s fromex:a", "WHERE { ?s ?p ?o }"),
        ("DESCRIBE *", "{ ?s ?p ?o }"),
    ]
)
CLAUSE = st.tuples(KEYWORD, NAMED, GAP, TARGET).map("".join)


@settings(max_examples=300, deadline=None)
@given(DECLARED, FORM, GAP, st.lists(CLAUSE, max_size=2), GAP)
def test_generated_dataset_clauses_are_read_as_the_engine_reads_them(
    declared: set[str], form: tuple[str, str], gap: str, clauses: list[str], before: str
) -> None:
    prologue = PROLOGUE + "".join(f"PREFIX {p}: <{X}>\n" for p in sorted(declared))
    text = f"{prologue}{form[0]}{gap}{' '.join(clauses)}{before}{form[1]}"
    read = engine_reads_from(text)
    if read is not None:  # what the engine does not parse has no dataset to keep
        assert ("FROM" in sparql_text.uses(text, "FROM")) is read, text


# --- generated: GRAPH glued to what stands before and after it -----------------------------------

BEFORE_GRAPH = st.sampled_from(["", "?a ?b true", "?a ?b ?c .", "?a ?b ?c", "BIND(1 AS ?z)"])
GRAPH_WORD = st.sampled_from(["GRAPH", "graph", "gRaPh"])
GRAPH_NAME = st.sampled_from([":g", "ex:g", f"<{X}g>", "?g", "graph:g"])
GRAPH_PREFIXES = st.sets(st.sampled_from(["GRAPH", "graph", "GRAPHex", "trueGRAPH"]))


@settings(max_examples=300, deadline=None)
@given(GRAPH_PREFIXES, BEFORE_GRAPH, GAP, GRAPH_WORD, GAP, GRAPH_NAME, GAP)
def test_generated_graphs_the_engine_reads_are_read(
    declared: set[str], before: str, gap: str, word: str, gap2: str, name: str, gap3: str
) -> None:
    """Every GRAPH that Oxigraph reads counts (the routing to the in-memory view relies on it;
    counting one more only keeps a query on the on-disk store)."""
    prologue = PROLOGUE + "".join(f"PREFIX {p}: <{X}>\n" for p in sorted(declared))
    text = f"{prologue}SELECT ?o {{ {before}{gap}{word}{gap2}{name}{gap3}{{ ?s ?p ?o }} }}"
    if engine_reads_graph(text):
        assert "GRAPH" in sparql_text.uses(text, "GRAPH"), text
