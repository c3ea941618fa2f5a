"""The query library: named SPARQL queries in ``queries/*.rq``, their parameters, and running them.

A query file opens with a header of ``#+`` comment lines that together are a TOML document
(title, description, parameters; the format is in ``docs/queries.md``). Parameters are bound as
RDF terms, never pasted into query text as strings: a ``VALUES`` block of terms written by
Oxigraph's serializer opens the WHERE group, and the same terms stand in for their variables
where that is safe (:func:`with_values`, the one binding method of every path, embedded store
or remote endpoint: CLI, ``/queries``, Linked Data pages).

Contract for the endpoint's ``/queries`` routes (plain functions, no web code here):

* ``list_queries()`` → every :class:`NamedQuery` (name, title, description, parameters), sorted
  by name, for the listing page.
* ``load_query(name)`` → one :class:`NamedQuery`; raises :class:`UnknownQuery` (answer 404).
* ``run_query(store, query, raw_params, prefixes)`` → ``pyoxigraph.QuerySolutions`` (SELECT) or
  ``pyoxigraph.QueryBoolean`` (ASK); serialize them with
  ``results.serialize(format=pyoxigraph.QueryResultsFormat.CSV)`` (or JSON, TSV, XML).
  ``raw_params`` are the request's strings by parameter name; a bad name or value raises
  :class:`ParameterError` (answer 400). ``prefixes`` is :func:`prefixes_for` of the settings'
  base IRI, so ``drug:sorafenib`` is accepted for an IRI parameter.
* ``run_query`` also accepts an :class:`Endpoint` (a remote SPARQL endpoint) in place of a store.

Rule for query authors: a parameter is a variable named in the query's ``SELECT`` clause (not
``SELECT *``) and used in its outer group, not only inside a sub-select; ``load_query`` checks it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from sorakg import sparql_text
from sorakg.loaders.tables import ENTITY_MODELS
from sorakg.loaders.vocab import PREFIXES
from sorakg.names import Names, NamingError, curie, suggest_word
from sorakg.remote import Remote as Endpoint  # a remote SPARQL store (sorakg/remote.py)
from sorakg.remote import RemoteError
from sorakg.views import default_graphs

HEADER = "#+"
LIBRARY_FORMS = frozenset({"SELECT", "ASK"})
XSD = "http://www.w3.org/2001/XMLSchema#"
Results = ox.QuerySolutions | ox.QueryBoolean
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class QueryError(Exception):
    """A query file or a request for a query is wrong; the message says how."""


class UnknownQuery(QueryError, LookupError):
    pass


class ParameterError(QueryError, ValueError):
    pass


class RemoteUnavailable(QueryError):
    """The remote endpoint is down, refused, timed out or answered something unreadable."""


class Kind(StrEnum):
    """What an argument must be, and the RDF term it becomes."""

    iri = "iri"  # a full IRI, <IRI> or prefixed name (drug:sorafenib, sk:PhaseIII)
    string = "string"  # xsd:string
    integer = "integer"  # xsd:integer
    decimal = "decimal"  # xsd:decimal


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: Kind
    description: str
    default: str | None = None  # None: the variable stays free unless the caller binds it
    required: bool = False


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = ()
    tags: tuple[str, ...] = ()
    form: str = "SELECT"  # SELECT or ASK
    path: Path | None = field(default=None, compare=False)

    def parameter(self, name: str) -> Parameter:
        for param in self.parameters:
            if param.name == name:
                return param
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise ParameterError(f"query '{self.name}' has no parameter '{name}' (known: {known})")


# --- reading query files ---------------------------------------------------------------------


def parse_query(
    text: str, name: str, path: Path | None = None, forms: frozenset[str] = LIBRARY_FORMS
) -> NamedQuery:
    """A :class:`NamedQuery` from a file's text: its ``#+`` header (TOML) and its SPARQL."""
    header = "\n".join(
        line.removeprefix(HEADER).removeprefix(" ")
        for line in text.splitlines()
        if line.startswith(HEADER)
    )
    where = str(path or name)
    try:
        meta = tomllib.loads(header)
    except tomllib.TOMLDecodeError as error:
        raise QueryError(f"{where}: the '#+' header is not valid TOML: {error}") from error
    unknown = set(meta) - {"title", "description", "tags", "params"}
    if unknown:
        raise QueryError(f"{where}: unknown header keys {sorted(unknown)}")
    params = []
    for pname, spec in meta.get("params", {}).items():
        extra = set(spec) - {"kind", "description", "default", "required"}
        if extra:
            raise QueryError(f"{where}: parameter '{pname}' has unknown keys {sorted(extra)}")
        try:
            kind = Kind(spec.get("kind", "iri"))
        except ValueError as error:
            known = ", ".join(Kind)
            raise QueryError(
                f"{where}: parameter '{pname}': kind must be one of {known}"
            ) from error
        default = spec.get("default")
        params.append(
            Parameter(
                name=pname,
                kind=kind,
                description=str(spec.get("description", "")),
                default=None if default is None else str(default),
                required=bool(spec.get("required", False)),
            )
        )
    form = sparql_text.form(text)
    query = NamedQuery(
        name=name,
        title=str(meta.get("title", name)),
        description=str(meta.get("description", "")).strip(),
        text=text,
        parameters=tuple(params),
        tags=tuple(meta.get("tags", ())),
        form=form,
        path=path,
    )
    _check(query, where, forms)
    return query


def _check(query: NamedQuery, where: str, forms: frozenset[str] = LIBRARY_FORMS) -> None:
    """Parse the query and check each parameter is a projected variable (Oxigraph's rule)."""
    if query.form not in forms:
        raise QueryError(f"{where}: only SELECT and ASK queries are supported, not {query.form}")
    dummy: dict[ox.Variable, Term] = {ox.Variable(p.name): ox.Literal("") for p in query.parameters}
    try:
        ox.Store().query(query.text, substitutions=dummy)
    except (SyntaxError, RuntimeError) as error:
        raise QueryError(f"{where}: {error}") from error


@cache
def _library() -> dict[str, NamedQuery]:
    """The installed library, read and checked once per process (the server asks per request)."""
    folder = resources.files("sorakg.queries")
    paths = sorted(Path(str(e)) for e in folder.iterdir() if e.name.endswith(".rq"))
    return {path.stem: load_query_file(path) for path in paths}


def list_queries() -> list[NamedQuery]:
    """Every query of the library, sorted by name."""
    return list(_library().values())


def load_query(name: str) -> NamedQuery:
    library = _library()
    if name not in library:
        hint = suggest_word(name, library)
        raise UnknownQuery(f"no query named '{name}'{hint}")
    return library[name]


def load_query_file(path: Path) -> NamedQuery:
    return parse_query(path.read_text(encoding="utf-8"), path.stem, path)


@cache
def page_query(name: str) -> NamedQuery:
    """A query the server's pages run (``server/queries/<name>.rq``): read and checked like the
    library's, CONSTRUCT allowed, but not listed (a page's section, not a user's question)."""
    entry = resources.files("sorakg.server.queries") / f"{name}.rq"
    path = Path(str(entry))
    return parse_query(path.read_text(encoding="utf-8"), name, path, LIBRARY_FORMS | {"CONSTRUCT"})


# --- binding parameters ----------------------------------------------------------------------


def prefixes_for(base_iri: str) -> dict[str, str]:
    """Prefixes accepted in IRI arguments and used to shorten IRIs in tables."""
    found = {name: str(namespace) for name, namespace in PREFIXES.items()}
    for model in ENTITY_MODELS:
        found[model.segment] = f"{base_iri}{model.segment}/"
    return found


def to_term(param: Parameter, value: str, prefixes: Mapping[str, str]) -> Term:
    """The RDF term for one argument, or :class:`ParameterError` saying what is wrong."""
    if param.kind is not Kind.string:
        value = value.strip()
    try:
        if param.kind is Kind.iri:
            return ox.NamedNode(_expand(value, prefixes))
        if param.kind is Kind.integer:
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if param.kind is Kind.decimal:
            number = Decimal(value)
            if not number.is_finite():
                raise ValueError(value)
            return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "decimal"))
        return ox.Literal(value)
    except (ValueError, InvalidOperation) as error:
        raise ParameterError(
            f"parameter '{param.name}': '{value}' is not a valid {param.kind}"
        ) from error


def _expand(value: str, prefixes: Mapping[str, str]) -> str:
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    prefix, colon, local = value.partition(":")
    if colon and prefix in prefixes:
        return prefixes[prefix] + local
    return value  # an absolute IRI; NamedNode rejects anything else


def bind(
    query: NamedQuery,
    raw: Mapping[str, str],
    prefixes: Mapping[str, str],
    names: Names | None = None,
) -> dict[ox.Variable, Term]:
    """Arguments (with defaults filled in) as terms by variable; unknown or missing ones fail.

    With ``names`` (the graph's labels and IRIs), an IRI argument may also be a path
    (``drug/sorafenib``), a label (``sorafenib``) or an identifier (``NCT00988741``), and one
    that names nothing in the graph is an error with suggestions, not an empty answer."""
    for name in raw:
        if name not in {p.name for p in query.parameters}:
            hint = suggest_word(name, [p.name for p in query.parameters])
            known = ", ".join(p.name for p in query.parameters) or "none"
            raise ParameterError(
                f"query '{query.name}' has no parameter '{name}'{hint} (known: {known})"
            )
    bound: dict[ox.Variable, Term] = {}
    for param in query.parameters:
        value = raw.get(param.name, param.default)
        if value is None:
            if param.required:
                raise ParameterError(f"query '{query.name}' needs parameter '{param.name}'")
            continue
        if names is not None and param.kind is Kind.iri and param.name in raw:
            value = _resolve(names, param, value, prefixes)
        bound[ox.Variable(param.name)] = to_term(param, value, prefixes)
    return bound


def _resolve(names: Names, param: Parameter, value: str, prefixes: Mapping[str, str]) -> str:
    """The full IRI an IRI argument names, preferring the parameter's own kind (a ``drug``
    parameter prefers ``drug/…``)."""
    expect = prefixes.get(param.name) if param.name in prefixes else None
    if expect is not None and not expect.startswith(names.base_iri):
        expect = None  # ``sk``, ``rdf`` … are not entity kinds
    try:
        return "<" + names.resolve(value, expect=expect, what=param.name) + ">"
    except NamingError as error:
        raise ParameterError(f"parameter '{param.name}': {error}") from error


# --- running ---------------------------------------------------------------------------------


def run_query(
    target: ox.Store | Endpoint,
    query: NamedQuery,
    raw: Mapping[str, str] | None = None,
    prefixes: Mapping[str, str] | None = None,
    names: Names | None = None,
) -> Results:
    """Run ``query`` with arguments ``raw`` on the embedded store or a remote endpoint."""
    bound = bind(query, raw or {}, prefixes or {}, names)
    if isinstance(target, Endpoint):
        return _run_remote(target, with_values(query.text, bound))
    try:
        text = with_values(query.text, bound)
        results = target.query(text, default_graph=default_graphs(target))
    except (SyntaxError, RuntimeError) as error:
        raise QueryError(f"{query.name}: {error}") from error
    assert isinstance(results, Results)
    return results


def _run_remote(endpoint: Endpoint, text: str) -> Results:
    try:
        answer = endpoint.query(text)
    except RemoteError as error:
        if error.status == 400:  # the store says the query is wrong
            raise QueryError(str(error)) from error
        raise RemoteUnavailable(str(error)) from error
    if answer.cut_bytes:  # never print a silently shortened answer
        raise QueryError(
            f"the answer is over {endpoint.max_bytes} bytes (setting max_result_bytes)"
        )
    return answer.results()


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
    literals and only accepts valid IRIs, so no argument can end the block early.
    """
    if not bound:
        return text
    names = " ".join(str(variable) for variable in bound)
    values = " ".join(str(term) for term in bound.values())
    at = sparql_text.where_brace(text)
    if at is None:
        raise QueryError("cannot find the query's WHERE group")
    body = _inline(text, at, {v.value: str(t) for v, t in bound.items()})
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{body}"


def _inline(text: str, at: int, terms: Mapping[str, str]) -> str:
    """``text[at:]`` with the variables of ``terms`` replaced by the terms inside the WHERE
    group (which opens just before ``at``), outside sub-selects, ``AS`` and ``VALUES``."""
    tokens = list(sparql_text.lex(text[at:]))
    if any(t.kind == "word" and t.text.upper() == "MINUS" for t in tokens):
        return text[at:]
    out, last, depth, skip_from, previous = [], 0, 1, None, ""
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
        elif (
            token.kind == "var"
            and token.text[1:] in terms
            and skip_from is None
            and previous.upper() != "AS"
        ):
            out.append(text[at + last : at + token.start] + terms[token.text[1:]])
            last = token.end
        previous = token.text
    out.append(text[at + last :])
    return "".join(out)


# --- results as rows -------------------------------------------------------------------------


def rows(results: Results) -> tuple[list[str], list[dict[str, Term | None]]]:
    """Column names and rows (``None`` for unbound) of SELECT results; ASK gives one row."""
    if isinstance(results, ox.QueryBoolean):
        return ["answer"], [{"answer": ox.Literal("true" if bool(results) else "false")}]
    names = [variable.value for variable in results.variables]
    table = [{name: solution[name] for name in names} for solution in results]
    return names, table  # type: ignore[return-value]


def shorten(term: object, prefixes: Mapping[str, str]) -> str:
    """A readable form of a term: prefixed IRIs, bare literal values, empty for unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value, prefixes)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)
