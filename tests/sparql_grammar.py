"""A hypothesis grammar of SPARQL queries and updates built to trip the SERVICE/LOAD check.

The queries mix keywords in every case, comments ended by CR or LF, numbers glued to '.',
prefixed names, strings and IRIs that contain the keywords; with ``escapes=True`` also
``\\uXXXX``/``\\UXXXXXXXX`` escapes inside strings, IRIs, prefixed names and comments, and
trailing comments holding a quote or '>' (where a check that misreads an escape would think a
string or IRI ends).

Every IRI that the engine could use as a SERVICE or LOAD target is aimed at port 1 on loopback
or has no network scheme: Oxigraph refuses port 1 before it opens a connection, so running a
generated query never reaches the network, and the refusal proves the engine ran the SERVICE.
"""

from __future__ import annotations

from typing import NamedTuple

from hypothesis import strategies as st

HOST = "http://127.0.0.1:1"
TAILS = [' #"', " #'", " #>", ' #"""', " #'''"]


def _cases(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.lower(), word.title(), word[0].lower() + word[1:]])


def _join(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def _just(text: str) -> st.SearchStrategy[str]:
    return st.just(text)


def _pick(plain: list[str], escaped: list[str], escapes: bool) -> st.SearchStrategy[str]:
    return st.sampled_from(plain + escaped if escapes else plain)


class Grammar(NamedTuple):
    """``query`` and ``update`` are anything the grammar writes; ``probe`` is a query, and
    ``probe_update`` an update, with one SERVICE (or LOAD) the engine reaches unless the text
    around it hides it: where a check that misreads a term would miss it."""

    sep: st.SearchStrategy[str]
    prologue: st.SearchStrategy[str]
    triple: st.SearchStrategy[str]
    element: st.SearchStrategy[str]
    query: st.SearchStrategy[str]
    update: st.SearchStrategy[str]
    probe: st.SearchStrategy[str]
    probe_update: st.SearchStrategy[str]

    def elements(self) -> st.SearchStrategy[str]:
        return _elements(self.sep, self.element)


def _elements(
    sep: st.SearchStrategy[str], element: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    joiner = _join(sep, st.sampled_from(["", ".", " . "]), sep)
    return st.lists(st.tuples(joiner, element), min_size=0, max_size=4).map(
        lambda pairs: "".join((j if i else "") + e for i, (j, e) in enumerate(pairs))
    )


def _sep(escapes: bool, inline: bool) -> st.SearchStrategy[str]:
    if inline:  # one line: a misread term then runs to the line's end, past the SERVICE
        return st.sampled_from(["", "", " ", "\t", "  "])
    plain = ["", "", "", " ", "\n", "\r", "\r\n", "\t", " #c\n", "#c\r"]
    plain += [f"#SERVICE <{HOST}/> {{}}\r", f"# LOAD <{HOST}/>\n", " #x\r\n"]
    escaped = ["#\\u000A", f" #\\u000D SERVICE <{HOST}/> {{}}\n", '#"\n', "#'\n", "#>\n", '#"""\n']
    return _pick(plain, escaped, escapes)


def grammar(escapes: bool, inline: bool = False) -> Grammar:
    sep = _sep(escapes, inline)
    var = st.sampled_from(["?o", "$o", "?service", "?LOAD", "?s1"])
    iri = _pick(
        [
            f"<{HOST}/SERVICE>",
            "<urn:a#SERVICE>",
            f"<{HOST}/a(b)>",
            f"<{HOST}/#LOAD>",
            "<urn:x>",
            f"<{HOST}/s>",
        ],
        [
            f"<{HOST}/\\u0041>",
            f"<{HOST}/\\u003E>",  # an escaped '>' is not the IRI's end (and is refused in it)
            "<urn:a\\u0023SERVICE>",
            "<urn:\\u0022x>",
            f"<{HOST}/\\U00000053>",
            "<\\u0053ERVICE>",
        ],
        escapes,
    )
    pname = _pick(
        [
            "ex:a",
            "ex:a\\#",
            "ex:a\\'",
            "ex:a%41",
            "ex:a.b",
            "ex:",
            ":a",
            "ex:SERVICE",
            "ex:a\\.",
            "ex:a\\)",
            "load:x",
            "ex:LOAD",
        ],
        ["ex:a\\u0041", "ex:\\u0053ERVICE", "service\\u003Ax"],
        escapes,
    )
    literal = _pick(
        [
            '"SERVICE"',
            "'SERVICE'",
            '"a\\"b SERVICE"',
            "'''a\nSERVICE'''",
            '"""x""SERVICE"""',
            "'it\\'s'",
            '"x"@en',
            '"x"@SERVICE',
            '"1"^^ex:t',
            "2",
            "2.5",
            ".5",
            "1e3",
            "2.e3",
            "-1",
            "+2",
            "true",
            "false",
            "'#'",
            '"<"',
        ],
        [
            '"\\u0022"',
            "'\\u0027'",
            '"\\u005C"',
            '"a\\u000A"',
            '"""\\u0022"""',
            "'''\\u0027'''",
            '"\\U00000022"',
            '"\\u0053ERVICE"',
            '"x\\u0022 SERVICE"',
            '"x"@en--ltr',
        ],
        escapes,
    )
    node = st.one_of(var, iri, pname, st.sampled_from(["_:b", "_:b.c", "[]", "[ ]"]))
    verb = st.one_of(
        var,
        iri,
        pname,
        st.sampled_from(["a", "service:p", "<urn:x>*", "ex:p/ex:q", "^ex:p", "!ex:p"]),
    )
    expr = _pick(
        [
            "?a<?b",
            "?a < ?b",
            "?a<2",
            '?o="SERVICE"',
            "!bound(?x)",
            "?a<?b||?c>?d",
            "?a<=?b",
            'regex(?o,"SERVICE")',
            "?a<?b&&?c>=?d",
            "true",
        ],
        ['?o="\\u0022"', "?a<?b||'\\u0027'"],
        escapes,
    )
    keyword = _cases("SERVICE")
    if escapes:
        keyword = st.one_of(keyword, st.sampled_from(["\\u0053ERVICE", "SERVIC\\u0045"]))
    triple = _join(node, sep, _just(" "), verb, sep, _just(" "), st.one_of(node, literal))
    # A triple that matches nothing ends its group's solutions, and the engine then never runs
    # a SERVICE after it: with escapes (judged by running the engine), triples are most often
    # optional, so more generated SERVICEs are reached.
    kept = _join(_just("OPTIONAL {"), triple, _just("}"))
    some_triple = st.one_of(triple, kept, kept) if escapes else triple

    def element() -> st.SearchStrategy[str]:
        group = st.deferred(lambda: _join(_just("{"), _elements(sep, elements), sep, _just("}")))
        service = _join(
            keyword,
            sep,
            st.sampled_from(["", " SILENT ", " silent"]),
            sep,
            st.one_of(iri, var, pname),
            sep,
            group,
        )
        return st.one_of(
            some_triple,
            some_triple,
            service,
            service,
            _join(_just("FILTER"), sep, _just("("), expr, _just(")")),
            _join(_just("BIND("), expr, _just(" AS ?z)")),
            # a literal that keeps the one solution, so the SERVICE after it is reached
            _join(_just("BIND("), literal, st.sampled_from([" AS ?y)", " AS ?x)"])),
            _join(_just("VALUES ?v {"), sep, literal, sep, _just("}")),
            _join(_cases("OPTIONAL"), sep, group),
            _join(group, sep, _just("UNION"), sep, group),
            group,
            _join(_just("FILTER EXISTS"), sep, group),
        )

    elements: st.SearchStrategy[str] = st.deferred(element)
    prologue = _join(
        _just(f"PREFIX ex: <{HOST}/e/>"),
        sep,
        _just(f" PREFIX service: <{HOST}/s/>"),
        sep,
        _just(f" PREFIX load: <{HOST}/l/>"),
        sep,
        _just(f" PREFIX : <{HOST}/d/>"),
        sep,
        _just(" "),
    )
    query = _join(
        prologue,
        st.sampled_from(["SELECT * WHERE", "SELECT *", "ASK", "CONSTRUCT { ?s ?p ?o } WHERE"]),
        sep,
        _just("{"),
        _elements(sep, elements),
        sep,
        _just("}"),
        sep,
    )
    load = _cases("LOAD")
    if escapes:
        load = st.one_of(load, _just("\\u004COAD"))
    operation = st.one_of(
        _join(
            load,
            sep,
            st.sampled_from(["", " SILENT ", " silent"]),
            sep,
            _just(" "),
            st.one_of(iri, pname),
            st.sampled_from(["", " INTO GRAPH <urn:g>", " into graph ex:g"]),
        ),
        _join(
            _just("INSERT DATA {"),
            sep,
            st.one_of(st.sampled_from(["<s> <p> 'SERVICE'", "ex:a ex:b load:x"]), triple),
            sep,
            _just("}"),
        ),
        _join(_just("INSERT { ?s ?p ?o } WHERE {"), _elements(sep, elements), sep, _just("}")),
        _join(_just("DELETE WHERE {"), sep, triple, sep, _just("}")),
        st.sampled_from(["CLEAR ALL", "CLEAR SILENT GRAPH <urn:g>", "DROP DEFAULT"]),
    )
    update = _join(
        prologue,
        st.lists(operation, min_size=1, max_size=3).flatmap(
            lambda ops: _join(
                *[
                    _just(op) if i == 0 else _join(sep, _just(";"), sep, _just(op))
                    for i, op in enumerate(ops)
                ]
            )
        ),
        sep,
    )
    # a last comment that closes whatever a misread escape opened, on the SERVICE's line
    tail = st.sampled_from(TAILS) if inline else st.one_of(sep, st.sampled_from(TAILS))
    reached = _join(
        keyword, sep, _just(" "), st.sampled_from([f"<{HOST}/>", "?unbound", "<urn:x>"]), sep
    )
    around = _join(
        _elements(sep, elements),
        sep,
        reached,
        _just("{"),
        sep,
        _just("}"),
        sep,
        _elements(sep, elements),
    )
    probe = _join(
        prologue,
        st.sampled_from(["SELECT * WHERE", "ASK", "CONSTRUCT { ?s ?p ?o } WHERE"]),
        sep,
        _just("{"),
        around,
        _just("}"),
        tail,
    )
    probe_update = _join(
        prologue,
        st.one_of(
            _join(_just("INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE {"), around, _just("}")),
            _join(operation, sep, _just(";"), sep, load, _just(f" <{HOST}/>")),
        ),
        tail,
    )
    return Grammar(sep, prologue, triple, elements, query, update, probe, probe_update)


PLAIN = grammar(escapes=False)
ESCAPED = grammar(escapes=True)
ESCAPED_LINE = grammar(escapes=True, inline=True)


# A '<' that Oxigraph reads as less-than (or as a triple term's second '<') where the grammar's
# tokens read an IRI: with a quote or a '#' in that IRI, a string or a comment in one reading
# may hide a keyword, or a bracket in it may leave the readings' brackets apart. The openers
# come before the keyword, the closers end what an opener began in one of the readings.
LESS_THAN_OPENERS = [
    "FILTER(?o<'x>')",
    "FILTER(?o<'#>')",
    "FILTER(?o<'''x>''')",
    "FILTER(!(?o<?o))",
    "FILTER(!(?o<?o#>",
    "FILTER(?o<STR((?o>?o)))",
    "FILTER(?o<STR((?o>?o))||?o<'x>')",
    "FILTER(?o<=?o#>",
    "FILTER(COALESCE(EXISTS{?s ?p ?o}<'x>',true))",
    "BIND(<<(?o?o?o#)>>",
    "?s ?p <<(?s?p?o#)>>",
    "?s ?p <urn:a#'b>",
    "FILTER(?o != <urn:a#'b>)",
    "VALUES (?v ?w) { (<urn:a#b> <urn:c#'d>) }",
]
LESS_THAN_CLOSERS = [
    "FILTER(?o!='y')",
    "FILTER(?o!='''y''')",
    "'",
    "'''",
    ")",
    ">>",
    ")>> AS ?t)",
    "#",
    "#'",
    "#>",
    "BIND(<<(?o?o?o)>> AS ?t)",
]


def hidden_behind_less_than(keyword: str) -> st.SearchStrategy[str]:
    """A SELECT of ``?o`` bound to 'a', with ``keyword`` (a GRAPH or SERVICE pattern) between
    pieces that read apart around a '<', on one line or on several."""
    sep = st.sampled_from(["", " ", " ", "\n"])
    opener, closer = st.sampled_from(LESS_THAN_OPENERS), st.sampled_from(LESS_THAN_CLOSERS)
    pieces = st.lists(st.tuples(st.one_of(opener, closer), sep), max_size=2).map(
        lambda pairs: "".join(p + s for p, s in pairs)
    )
    return _join(
        _just("SELECT * WHERE { BIND('a' AS ?o) "),
        pieces,
        opener,
        sep,
        _just(keyword),
        sep,
        closer,
        sep,
        pieces,
        _just(" }"),
        st.sampled_from(["", " #'", " #'''", "\n"]),
    )
