"""The query library: named SPARQL queries in ``queries/*.rq``, their parameters, and running them.

A query file opens with a header of ``#+`` comment lines that together are a TOML document
(title, description, parameters; the format is in ``docs/queries.md``). Parameters are bound as
RDF terms, never pasted into query text as strings: a ``VALUES`` block of terms written by
Oxigraph's serializer opens the WHERE group, and the same terms stand in for their variables
where that is safe (:func:`sorakg.sparql.bindings.with_values`, the one binding method of every
path, embedded store or remote endpoint: CLI, ``/queries``, Linked Data pages).

Contract for the endpoint's ``/queries`` routes (plain functions, no web code here):

* ``list_queries()`` → every :class:`NamedQuery` (name, title, description, parameters), sorted
  by name, for the listing page.
* ``load_query(name)`` → one :class:`NamedQuery`; raises :class:`UnknownQuery` (answer 404).
* ``run_named(store, query, raw_params, prefixes)`` → ``pyoxigraph.QuerySolutions`` (SELECT) or
  ``pyoxigraph.QueryBoolean`` (ASK); serialize them with
  ``results.serialize(format=pyoxigraph.QueryResultsFormat.CSV)`` (or JSON, TSV, XML).
  ``raw_params`` are the request's strings by parameter name; a bad name or value raises
  :class:`ParameterError` (answer 400). ``prefixes`` is :func:`prefixes_for` of the settings'
  base IRI, so ``drug:sorafenib`` is accepted for an IRI parameter.
* ``run_named`` also accepts an :class:`Remote` (a remote SPARQL endpoint) in place of a store.

Rule for query authors: a parameter is a variable named in the query's ``SELECT`` clause (not
``SELECT *``) and used in its outer group, not only inside a sub-select; ``load_query`` checks it.
A query names a graph of the release by its IRI under the default base
(``<https://w3id.org/sorakg/graph/asserted>``); :func:`bound_text` writes those IRIs under the
configured ``base_iri`` (:func:`under_base`), the one place every path's text passes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from sorakg.loaders.prefixes import DEFAULT_BASE, PREFIX_IRIS, TABLE
from sorakg.names import ANY, Expect, Names, NamingError, curie, suggest_word
from sorakg.release.default_view import default_graphs
from sorakg.sparql import paging
from sorakg.sparql import text as sparql_text
from sorakg.sparql.bindings import BindingError, Term, with_values
from sorakg.sparql.paging import Page, PageError

if TYPE_CHECKING:  # a remote store's client loads httpx: imported when one is asked
    from sorakg.sparql.remote import Remote


def __getattr__(name: str) -> object:
    """``Remote`` and ``RemoteError`` (:mod:`sorakg.sparql.remote`), imported on first use."""
    if name in ("Remote", "RemoteError"):
        from sorakg.sparql import remote

        return getattr(remote, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


HEADER = "#+"
RESERVED = frozenset({"format"})  # a request's argument that is no query's parameter
FIRST = Page()  # the first page at the query's own page size
OWL_THING = TABLE["owl"] + "Thing"
LIBRARY_FORMS = frozenset({"SELECT", "ASK"})
XSD = TABLE["xsd"]
GRAPHS = DEFAULT_BASE + "graph/"  # the release's graphs, as the query files name them
Results = ox.QuerySolutions | ox.QueryBoolean


class QueryError(Exception):
    """A query file or a request for a query is wrong; the message says how."""


class UnknownQuery(QueryError, LookupError):
    pass


class ParameterError(QueryError, ValueError):
    pass


class RemoteUnavailable(QueryError):
    """The remote endpoint is down, refused, timed out or answered something unreadable."""


class ParamKind(StrEnum):
    """What an argument must be, and the RDF term it becomes."""

    iri = "iri"  # a full IRI, <IRI> or prefixed name (drug:sorafenib, sk:PhaseIII)
    string = "string"  # xsd:string
    integer = "integer"  # xsd:integer
    decimal = "decimal"  # xsd:decimal


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: ParamKind
    description: str
    default: str | None = None  # None: the variable stays free unless the caller binds it
    required: bool = False
    # what an IRI argument must name: instances of these classes, or classes under these
    instance_of: tuple[str, ...] = ()
    subclass_of: tuple[str, ...] = ()

    def expect(self) -> Expect:
        """The kind a name given for this parameter resolves to (:mod:`sorakg.names`)."""
        if not (self.instance_of or self.subclass_of):
            return ANY
        noun = self.name  # "drug", "trial", "phase" …; for classes, "drug class"
        if self.subclass_of:
            top = self.subclass_of[0].rsplit("#", 1)[-1]
            words = "".join(f" {c.lower()}" if c.isupper() else c for c in top).strip()
            noun = "class" if top == "Thing" else f"{words} class"
        if self.instance_of == (OWL_THING,):  # any individual: an entity, not a class
            return Expect(noun, individual=True)
        return Expect(noun, instance_of=self.instance_of, subclass_of=self.subclass_of)


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
    page_size: int | None = None  # items per page by default; None: not paged

    @property
    def sparql(self) -> str:
        """The query without its ``#+`` header: what is sent to a store (the header is lexed
        by nobody, and its text, often not ASCII, sends no check down its slow path)."""
        return _without_header(self.text)

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
    unknown = set(meta) - {"title", "description", "tags", "params", "page_size"}
    if unknown:
        raise QueryError(f"{where}: unknown header keys {sorted(unknown)}")
    params = []
    for pname, spec in meta.get("params", {}).items():
        extra = set(spec) - {
            "kind", "description", "default", "required", "instance_of", "subclass_of"
        }  # fmt: skip
        if extra:
            raise QueryError(f"{where}: parameter '{pname}' has unknown keys {sorted(extra)}")
        try:
            kind = ParamKind(spec.get("kind", "iri"))
        except ValueError as error:
            known = ", ".join(ParamKind)
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
                instance_of=_classes(spec.get("instance_of"), where, pname),
                subclass_of=_classes(spec.get("subclass_of"), where, pname),
            )
        )
    page_size = meta.get("page_size")
    if page_size is not None and (type(page_size) is not int or page_size < 1):
        raise QueryError(f"{where}: page_size must be a whole number from 1")
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
        page_size=page_size,
    )
    _check(query, where, forms)
    return query


def _classes(value: object, where: str, pname: str) -> tuple[str, ...]:
    """``"sk:Drug"`` or a list of CURIEs, as full IRIs."""
    items = [value] if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
    found = []
    for item in items:
        prefix, colon, local = str(item).partition(":")
        if not colon or prefix not in PREFIX_IRIS:
            raise QueryError(f"{where}: parameter '{pname}': '{item}' is not a known CURIE")
        found.append(PREFIX_IRIS[prefix] + local)
    return tuple(found)


def _check(query: NamedQuery, where: str, forms: frozenset[str] = LIBRARY_FORMS) -> None:
    """Parse the query and check each parameter is a projected variable (Oxigraph's rule)."""
    if query.form not in forms:
        raise QueryError(f"{where}: only SELECT and ASK queries are supported, not {query.form}")
    taken = {p.name for p in query.parameters} & {*paging.ARGUMENTS, *RESERVED}
    if taken:
        raise QueryError(f"{where}: {sorted(taken)} name the request's own arguments")
    if query.page_size is not None:
        _check_paged(query, where)
    dummy: dict[ox.Variable, Term] = {ox.Variable(p.name): ox.Literal("") for p in query.parameters}
    try:
        ox.Store().query(query.text, substitutions=dummy)
    except (SyntaxError, RuntimeError) as error:
        raise QueryError(f"{where}: {error}") from error


def _check_paged(query: NamedQuery, where: str) -> None:
    """A paged query picks its items in one ordered sub-select, which binds every parameter."""
    if not paging.ordered(query.text):
        raise QueryError(
            f"{where}: a paged query picks its items in one sub-select with ORDER BY "
            "(docs/queries.md, 'Paged listings')"
        )
    start, end = paging.span(query.text) or (0, 0)
    inside = {t.text[1:] for t in sparql_text.lex(query.text[start:end]) if t.kind == "var"}
    for param in query.parameters:
        if param.name not in inside:
            raise QueryError(
                f"{where}: parameter '{param.name}' is not used in the page's sub-select"
            )


@lru_cache(maxsize=512)
def _without_header(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(HEADER)) + "\n"


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
    return dict(_prefixes(base_iri))


@cache
def _prefixes(base_iri: str) -> dict[str, str]:
    from sorakg.loaders.tables import ENTITY_MODELS  # the table models: on first use only

    found = dict(PREFIX_IRIS)
    for model in ENTITY_MODELS:
        found[model.segment] = f"{base_iri}{model.segment}/"
    return found


def to_term(param: Parameter, value: str, prefixes: Mapping[str, str]) -> Term:
    """The RDF term for one argument, or :class:`ParameterError` saying what is wrong."""
    if param.kind is not ParamKind.string:
        value = value.strip()
    try:
        if param.kind is ParamKind.iri:
            return ox.NamedNode(_expand(value, prefixes))
        if param.kind is ParamKind.integer:
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if param.kind is ParamKind.decimal:
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
    notes: list[str] | None = None,
) -> dict[ox.Variable, Term]:
    """Arguments (with defaults filled in) as terms by variable; unknown or missing ones fail.

    With ``names`` (the graph's names index), an IRI argument may also be a path
    (``drug/sorafenib``), a label (``sorafenib``), an acronym (``SEARCH``) or an identifier
    (``NCT00988741``); it resolves to the parameter's kind, and one that names nothing, or
    only something of another kind, is an error with candidates, not an empty answer. A name of
    another kind that leads to one entity of the right kind (``trial=tivantinib``: the one trial
    testing it) is read as that entity, and ``notes`` gets a line saying so."""
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
        if names is not None and param.kind is ParamKind.iri and param.name in raw:
            value = _resolve(names, param, value, notes)
        bound[ox.Variable(param.name)] = to_term(param, value, prefixes)
    return bound


def _resolve(names: Names, param: Parameter, value: str, notes: list[str] | None) -> str:
    """The full IRI an IRI argument names, as the parameter's kind."""
    try:
        found = names.resolution(value, expect=param.expect(), what=param.name)
    except NamingError as error:
        raise ParameterError(f"parameter '{param.name}': {error}") from error
    if found.note and notes is not None:
        notes.append(found.note)
    return "<" + found.iri + ">"


# --- running ---------------------------------------------------------------------------------


def run_named(
    target: ox.Store | Remote,
    query: NamedQuery,
    raw: Mapping[str, str] | None = None,
    prefixes: Mapping[str, str] | None = None,
    names: Names | None = None,
    notes: list[str] | None = None,
    page: Page | None = FIRST,
    base_iri: str = DEFAULT_BASE,
) -> Results:
    """Run ``query`` with arguments ``raw`` on the embedded store or a remote endpoint; a paged
    query gives ``page`` (the first by default; None: the whole answer). ``base_iri``: the
    release's (setting ``base_iri``), under which its graphs are named."""
    bound = bind(query, raw or {}, prefixes or {}, names, notes)
    text = bound_text(query, bound, page, base_iri)
    if not isinstance(target, ox.Store):
        return _run_remote(target, text)
    try:
        results = target.query(text, default_graph=default_graphs(target))
    except (SyntaxError, RuntimeError) as error:
        raise QueryError(f"{query.name}: {error}") from error
    assert isinstance(results, Results)
    return results


def bound_text(
    query: NamedQuery,
    bound: Mapping[ox.Variable, Term],
    page: Page | None = FIRST,
    base_iri: str = DEFAULT_BASE,
) -> str:
    """The text sent to a store: ``query`` with ``bound`` terms and, when it is paged, cut to
    ``page`` (the first by default, at the query's page size when the page gives none; None:
    the whole answer), its graph IRIs under ``base_iri`` (:func:`under_base`). The one text of
    every path: CLI, ``/queries``, the query page's examples, benchmarks."""
    text = under_base(query.sparql, base_iri)
    try:
        if query.page_size is None:
            return with_values(text, bound)
        if page is not None and not page.size:
            page = Page(page.number, query.page_size)
        return paging.bound_text(text, bound, page)
    except BindingError as error:
        raise QueryError(f"{query.name}: {error}") from error


@lru_cache(maxsize=256)
def under_base(text: str, base_iri: str) -> str:
    """``text`` with each IRI token of a release's graph (``<https://w3id.org/sorakg/graph/…>``)
    written under ``base_iri``, where a release built with that setting names its graphs
    (:meth:`sorakg.loaders.evidence.Minter.graph`). Only those IRIs: the ontology's namespace
    and other vocabularies stay, and so do comments and strings (IRI tokens only, by the
    lexer). They stay absolute, so a query naming graphs of the default view may still run on
    the in-memory view (``server/execute.py``, ``view_answers``)."""
    if base_iri == DEFAULT_BASE or GRAPHS not in text:
        return text
    opening, parts, done = "<" + GRAPHS, [], 0
    for token in sparql_text.lex(text):
        if token.kind == "iri" and token.text.startswith(opening):
            parts += [text[done : token.start], "<", base_iri, "graph/", token.text[len(opening) :]]
            done = token.end
    return "".join(parts) + text[done:]


def page_of(
    query: NamedQuery, page: str | int | None, limit: str | int | None, cap: int | None = None
) -> Page | None:
    """The page a request asks for (:func:`sorakg.sparql.paging.page_of`); None for a query that
    is not paged and was given no paging argument. A bad value, or one given to a query that
    is not paged, raises :class:`ParameterError` naming the argument."""
    if query.page_size is None:
        for name, value in (("page", page), ("limit", limit)):
            if value is not None:
                raise ParameterError(f"parameter '{name}': query '{query.name}' is not paged")
        return None
    try:
        return paging.page_of(query.page_size, page, limit, cap)
    except PageError as error:
        raise ParameterError(str(error)) from error


def _run_remote(endpoint: Remote, text: str) -> Results:
    from sorakg.sparql.remote import RemoteError

    try:
        answer = endpoint.query(text)
    except RemoteError as error:
        if error.status == 400:  # the store says the query is wrong
            raise QueryError(str(error)) from error
        raise RemoteUnavailable(error.located()) from error
    if answer.cut_bytes:  # never print a silently shortened answer
        raise QueryError(
            f"the answer is over {endpoint.max_bytes} bytes (setting max_result_bytes)"
        )
    return answer.results()


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
