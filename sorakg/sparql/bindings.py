"""Parameter binding: a query's text with RDF terms bound to its variables.

The one binding method of every path, embedded store or remote endpoint (the CLI, ``/queries``,
the Linked Data pages, the proxy); :func:`with_rows` binds one variable to many terms, for the
labels of the IRIs a page shows. The web process binds before a job is sent: a query worker
receives a text and binds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

import pyoxigraph as ox

from sorakg.sparql import text as sparql_text

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class BindingError(ValueError):
    """The query's text has no place for the bindings."""


def with_values(text: str, bound: Mapping[ox.Variable, Term]) -> str:
    """The query with a ``VALUES`` block of the bound terms opening its WHERE group, and each
    bound term also written in place of its variable inside that group where this is safe.

    The ``VALUES`` block binds the parameters for the whole group (its ``FILTER``, ``GROUP BY``,
    ``HAVING`` and projection see them: one binding method for every path). Writing the
    constants in place as well lets the engine start from them: without it Oxigraph joins the
    ``VALUES`` row last and evaluates ``drugs-by-class`` for every class first (over 60 s
    instead of 0.4 s on its server); with it, parameterised joins run 9-20x faster than with
    Oxigraph's own substitutions (``benchmarks/bindings.py``). Places left alone:
    sub-selects (their variables are their own), ``AS ?v`` and ``VALUES`` (a variable is needed
    there); with ``MINUS`` (whose meaning depends on shared variables) nothing is written in.

    The terms are written by Oxigraph's N-Triples serializer (``str(term)``), which escapes
    literals and only accepts valid IRIs, so no argument can end the block early. Each text
    is lexed once per process (:func:`_template`); binding it is then a string join.
    """
    if not bound:
        return text
    at, pieces, rest = _template(text)
    names = " ".join(str(variable) for variable in bound)
    values = " ".join(str(term) for term in bound.values())
    terms = {variable.value: str(term) for variable, term in bound.items()}
    body = "".join(piece + terms.get(var[1:], var) for piece, var in pieces) + rest
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{body}"


def with_rows(text: str, variable: ox.Variable, terms: Iterable[Term]) -> str:
    """The query with a ``VALUES`` block of one row per term opening its WHERE group: the
    many-IRI form a page's label lookup needs (the terms written as in :func:`with_values`)."""
    at = sparql_text.where_brace(text)
    if at is None:
        raise BindingError("cannot find the query's WHERE group")
    rows = " ".join(str(term) for term in terms)
    return f"{text[:at]} VALUES {variable} {{ {rows} }}{text[at:]}"


@lru_cache(maxsize=512)
def _template(text: str) -> tuple[int, tuple[tuple[str, str], ...], str]:
    """Where the WHERE group opens in ``text`` (just after its ``{``), and the group split at
    each variable a bound term may be written in place of: (text before it, the variable)
    pairs, then the rest. None inside sub-selects, after ``AS``, in ``VALUES``; none at all
    with ``MINUS`` (whose meaning depends on shared variables)."""
    at = sparql_text.where_brace(text)
    if at is None:
        raise BindingError("cannot find the query's WHERE group")
    tokens = list(sparql_text.lex(text[at:]))
    if any(t.kind == "word" and t.text.upper() == "MINUS" for t in tokens):
        return at, (), text[at:]
    pieces, last, depth, skip_from, previous = [], 0, 1, None, ""
    for token in tokens:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if skip_from is not None and depth < skip_from:
                skip_from = None  # the sub-select or VALUES block is over
            if depth == 0:
                break
        elif token.kind == "word" and token.text.upper() in ("SELECT", "VALUES"):
            if skip_from is None:
                skip_from = depth if token.text.upper() == "SELECT" else depth + 1
        elif token.kind == "var" and skip_from is None and previous.upper() != "AS":
            pieces.append((text[at + last : at + token.start], token.text))
            last = token.end
        previous = token.text
    return at, tuple(pieces), text[at + last :]
