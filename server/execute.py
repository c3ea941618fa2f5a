"""Run one SPARQL query or update against a pyoxigraph store and serialize the answer.

Plain functions of (store, job) → reply, so they run the same inside a worker process and in
a test. The web layer never touches the store: it sends a :class:`Job` and sends back the
:class:`Reply` (status, media type, bytes) it gets.

The row cap (``max_rows``) and the byte cap (``max_bytes``) are applied while serializing:
solutions are written once, in the negotiated format, into a sink that knows where each one
ends in that format and stops the evaluation at a cap, keeping whole solutions; triples are
taken one at a time. Oxigraph evaluates lazily, so a capped ``SELECT * { ?s ?p ?o }`` stops
early instead of running to the end, and every answer is evaluated once.
A cut answer carries ``X-SPARQL-MaxRows: <max_rows>`` or ``X-SPARQL-MaxBytes: <max_bytes>``.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from sorakg.formats import Format, NotAcceptable, Offer, negotiate
from sorakg.loaders.prefixes import PREFIX_IRIS
from sorakg.release.default_view import default_graphs, in_default_view
from sorakg.sparql import text as sparql_text
from sorakg.sparql.errors import declare_known_prefixes, parse_error, short_error

from . import text_check
from .update_graphs import default_graph_update
from .update_marker import update_marked

MAXROWS_HEADER = "X-SPARQL-MaxRows"
KNOWN_PREFIXES = PREFIX_IRIS
MAXBYTES_HEADER = "X-SPARQL-MaxBytes"
# Oxigraph writes a CR in a literal as is, and XML readers turn it into LF: written as a reference
XML_CR = b"&#13;"
# The worker's thread stack (server/worker.py) parses 200,000 nested groups; past this bound a
# query is refused before Oxigraph sees it. The web layer refuses far shallower queries first.
MAX_NESTING = 100_000


@dataclass(frozen=True)
class Job:
    op: str  # "query" or "update"
    text: str
    accept: str | None = None
    format: str | None = None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_rows: int = 10_000
    max_bytes: int = 16_000_000  # the pool sets the `max_result_bytes` setting
    allow_service: bool = False
    allow_load: bool = False
    # relative IRIs in the text resolve against this (the endpoint's URL, as Oxigraph's server)
    base_iri: str | None = None
    page: bool = False  # one of the site's own pages' queries: it may use their reserved worker
    serial: int = 0  # an update's number, committed with it (server/update_marker.py); 0: none


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str) -> Reply:
        return cls(status, "text/plain; charset=utf-8", message.encode())


class _Records:
    """Where one solution ends in a results format, so that an answer written straight in that
    format is counted and cut at a solution's end: one evaluation, one writing.

    ``record`` matches one solution (and its line end), anchored where it starts; every match
    ends in ``terminator``, whose count (C speed) bounds the solutions from above, so the exact
    matching runs only near a cap. ``head`` ends where the first solution starts; ``foot``
    closes a cut answer. JSON knows a solution has ended only when the next one starts
    (``started``: one more than the matches) and joins them with a comma (``skip``)."""

    def __init__(self, record: bytes, terminator: bytes, head: bytes, foot: bytes = b"",
                 header_lines: int = 0, started: int = 0, skip: int = 0,
                 cr: bytes = b"\r") -> None:  # fmt: skip
        self.record = re.compile(record, re.DOTALL)
        self.cr = cr  # what a CR is written as (counted by the caps)
        self.terminator, self.head, self.foot = terminator, head, foot
        self.header_lines, self.started, self.skip = header_lines, started, skip


_RECORDS = {
    # a TSV line never holds a raw line break (Oxigraph escapes it); the header line first
    ox.QueryResultsFormat.TSV: _Records(rb"[^\n]*+\n", b"\n", head=b"\n", header_lines=1),
    # CSV quotes a value holding a comma, quote or line break, doubling its quotes
    ox.QueryResultsFormat.CSV: _Records(
        rb'(?:[^"\r]++|"(?:[^"]++|"")*+"|\r(?!\n))*+\r\n', b"\r\n", head=b"\r\n", header_lines=1
    ),
    # ``<`` is escaped inside values, so ``</result>`` only closes a solution
    ox.QueryResultsFormat.XML: _Records(
        rb"(?:[^<]++|<(?!/result>))*+</result>",
        b"</result>",
        head=b"<results>",
        foot=b"</results></sparql>",
        cr=XML_CR,
    ),
    # solutions are ``{…}`` objects joined by commas; outside strings ``},{`` occurs only
    # between two of them (a solution's own members are joined by ``},"``)
    ox.QueryResultsFormat.JSON: _Records(
        rb'\{(?:[^"}]++|"(?:[^"\\]++|\\.)*+"|\}(?!,\{))*+\}(?=,\{)',
        b"},{",
        head=b'"bindings":[',
        foot=b"]}}",
        started=1,
        skip=1,
    ),
}


class _Capped(io.RawIOBase):
    """A byte sink for an answer written in its own format: past ``max_rows`` solutions or
    ``max_bytes`` bytes it stops the writer (and so Oxigraph's lazy evaluation) by raising
    :class:`Full`; :meth:`answer` is then the solutions kept, closed as a whole document."""

    class Full(Exception):
        pass

    def __init__(self, records: _Records, max_rows: int, max_bytes: int) -> None:
        self.records, self.max_rows, self.max_bytes = records, max_rows, max_bytes
        self.buffer = bytearray()
        self.bound = 0  # terminators written: at least the solutions' line ends
        self.ends: list[int] = []  # once counting: where the head and each solution end
        self.next = 0  # where the next solution starts
        self.probe = 0  # no terminator starts between ``next`` and here (the last match failed)
        self.cut_rows = self.cut_bytes = False

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        records = self.records
        seen = max(0, len(self.buffer) - len(records.terminator) + 1)
        self.buffer += chunk if records.cr == b"\r" else chunk.replace(b"\r", records.cr)
        self.bound += self.buffer.count(records.terminator, seen)
        over_bytes = len(self.buffer) > self.max_bytes
        most = self.bound - records.header_lines + records.started
        if self.ends or over_bytes or most > self.max_rows:
            if self._count() > self.max_rows:
                self.cut_rows = True
                raise _Capped.Full
            if over_bytes:
                self.cut_bytes = True
                raise _Capped.Full
        return len(chunk)

    def _count(self) -> int:
        """Match the solutions written since the last call; how many there are at least."""
        records, buffer = self.records, self.buffer
        if not self.ends:
            head = buffer.find(records.head)
            if head < 0:
                return 0
            self.next = self.probe = head + len(records.head)
            self.ends.append(self.next)
        if buffer.find(records.terminator, self.probe) >= 0:
            while match := records.record.match(buffer, self.next):
                self.ends.append(match.end())
                self.next = match.end() + records.skip
            self.probe = max(self.next, len(buffer) - len(records.terminator) + 1)
        matched = len(self.ends) - 1
        return matched + records.started if matched else 0

    def answer(self) -> bytes:
        if not (self.cut_rows or self.cut_bytes) or not self.ends:
            return bytes(self.buffer)
        keep = min(len(self.ends) - 1, self.max_rows)
        fits = bisect.bisect_right(self.ends, self.max_bytes - len(self.records.foot), hi=keep + 1)
        if fits <= keep:  # the solutions kept are longer than max_bytes: fewer
            self.cut_bytes = True
            keep = max(0, fits - 1)
        return bytes(self.buffer[: self.ends[keep]]) + self.records.foot


@dataclass
class _Cut:
    rows: bool = False
    bytes: bool = False

    def headers(self, job: Job) -> dict[str, str]:
        headers = {MAXROWS_HEADER: str(job.max_rows)} if self.rows else {}
        if self.bytes:
            headers[MAXBYTES_HEADER] = str(job.max_bytes)
        return headers


def _solutions(
    result: ox.QuerySolutions, target: ox.QueryResultsFormat, job: Job
) -> tuple[bytes, _Cut]:
    """The solutions in ``target``, cut at ``max_rows`` and ``max_bytes``: written once, in
    ``target``, into a sink that stops the lazy evaluation at a cap."""
    sink = _Capped(_RECORDS[target], job.max_rows, job.max_bytes)
    with contextlib.suppress(_Capped.Full):
        result.serialize(sink, format=target)  # type: ignore[arg-type]
    body = sink.answer()
    return body, _Cut(sink.cut_rows, sink.cut_bytes)


def _triples(result: ox.QueryTriples, target: ox.RdfFormat, job: Job) -> tuple[bytes, _Cut]:
    """The triples in ``target``, cut at ``max_rows`` and ``max_bytes``; taken one at a time from
    Oxigraph's lazy evaluation, so a capped CONSTRUCT stops early."""
    cut = _Cut()
    kept: list[ox.Triple] = []
    size = 0
    for triple in result:
        if len(kept) >= job.max_rows:
            cut.rows = True
            break
        size += len(str(triple).encode()) + 3  # its N-Triples line
        if size > job.max_bytes:
            cut.bytes = True
            break
        kept.append(triple)
    while True:
        body = ox.serialize(kept, format=target) or b""
        if len(body) <= job.max_bytes or not kept:
            return body, cut
        cut.bytes = True
        del kept[min(len(kept) - 1, int(len(kept) * job.max_bytes / len(body) * 0.9)) :]


def _serialize(result: object, fmt: Format, job: Job) -> tuple[bytes, _Cut]:
    """``result`` in ``fmt`` under the caps."""
    if isinstance(result, ox.QueryBoolean):
        assert fmt.results is not None
        return result.serialize(format=fmt.results) or b"", _Cut()
    if isinstance(result, ox.QuerySolutions):
        assert fmt.results is not None
        return _solutions(result, fmt.results, job)
    assert isinstance(result, ox.QueryTriples) and fmt.rdf is not None
    return _triples(result, fmt.rdf, job)


def nesting(text: str) -> int:
    """The deepest bracket nesting of ``text``, counting brackets inside strings and comments
    too: an upper bound of the parser's recursion, cheap enough to run on every job."""
    depth = deepest = 0
    for char in text:
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth -= 1
    return deepest


def _kind(result: object) -> Offer:
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    return "graph"


def _too_deep(job: Job) -> Reply | None:
    # each level takes a character at least, so a shorter text needs no count
    if len(job.text) > MAX_NESTING and nesting(job.text) > MAX_NESTING:
        return Reply.text(400, f"the query nests brackets more than {MAX_NESTING} levels deep")
    return None


def refusal(job: Job) -> Reply | None:
    """403 when the text might use SERVICE or LOAD and the settings refuse it
    (:func:`text_check.refused`; the web layer asked first, this is the workers' backstop)."""
    why = text_check.refused(job.text, job.op, job.allow_service, job.allow_load)
    return Reply.text(403, why) if why else None


def _query(store: ox.Store, text: str, options: dict[str, object]) -> object:
    """``store.query``; a query that does not parse is tried again with a ``PREFIX`` line for
    each prefix of the project's vocabulary (sk:, rdfs: …) it uses without declaring. Declared
    only after a failure, so a query that parses is lexed by nobody but Oxigraph. A query that
    still fails is reported at the user's own line (the added lines taken off)."""
    try:
        return store.query(text, **options)  # type: ignore[arg-type]
    except SyntaxError:
        declared, lines = declare_known_prefixes(text, KNOWN_PREFIXES)
        if not lines:
            raise
        try:
            return store.query(declared, **options)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise parse_error(error, len(lines)) from None


Graphs = list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]


def view_answers(job: Job) -> bool:
    """Whether the default view's own store (:func:`sorakg.release.default_view.load_view`, its
    union default graph) answers ``job`` as the whole store does: no dataset in the request, no
    ``FROM``, and every ``GRAPH`` naming one graph of the default view by its absolute IRI
    (:func:`_view_graph`). The view holds each of those graphs whole, so such a query reads the
    same quads on either store; a ``GRAPH ?g`` ranges over the disputed layers too on the whole
    store, and stays there. A text without "graph" or "from" anywhere, in any case, names no
    graph; one with them is lexed, and only the keywords as Oxigraph reads them count
    (:func:`sorakg.sparql.text.keywords_read`: ``GRAPH:x {`` and ``FROMex:g`` too, not
    ``owl:someValuesFrom``, a comment, a string or an IRI). A ``\\u`` escape always sends the query
    to the whole store, since Oxigraph never reads a keyword through one; so does a ``<`` that
    Oxigraph may read as less-than where the lexer reads an IRI holding a ``#`` or ``'``, which
    could hide a ``GRAPH`` from the lexer (:func:`sorakg.sparql.text.reads_alike`)."""
    if job.default_graphs or job.named_graphs:
        return False
    lowered = job.text.lower()
    if "\\u" in lowered:
        return False
    if "graph" not in lowered and "from" not in lowered:
        return True
    tokens = list(sparql_text.lex(job.text))
    if not sparql_text.reads_alike(tokens):
        return False
    for at, _ in sparql_text.keywords_read(tokens, "GRAPH", "FROM"):
        # a FROM, or a GRAPH glued to a name (``GRAPH:disputed {``): the whole store
        plain = tokens[at].kind == "word" and tokens[at].text.upper() == "GRAPH"
        if not (plain and _view_graph(tokens[at + 1 : at + 2])):
            return False
    return True


_ABSOLUTE = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*:")


def _view_graph(following: list[sparql_text.Token]) -> bool:
    """Whether the token after a ``GRAPH`` names a graph of the default view: an absolute IRI
    (a relative one resolves against a base, and a prefixed name against the prefixes, that
    this check does not follow) that :func:`in_default_view` keeps. A graph the release does
    not have is empty on both stores."""
    if not following or following[0].kind != "iri" or not _ABSOLUTE.match(following[0].text):
        return False
    return in_default_view(following[0].text[1:-1])


def run_query(
    store: ox.Store, job: Job, graphs: Graphs | None = None, view: ox.Store | None = None
) -> Reply:
    """Answer ``job``. ``graphs``: the default view's graphs of ``store`` when the caller keeps
    them (a read-only store's never change); else they are read from the store. ``view``: the
    default view in memory, which answers every query that names no graph outside it
    (:func:`view_answers`) with its union default graph; ``store`` answers the others."""
    if (refused := _too_deep(job) or refusal(job)) is not None:
        return refused
    options: dict[str, object] = {"base_iri": job.base_iri}
    if view is not None and view_answers(job):
        store = view
        options["use_default_graph_as_union"] = True
    elif job.default_graphs or job.named_graphs:
        # the Protocol's dataset replaces the query's FROM / FROM NAMED; named-graph-uri alone
        # leaves the default graph empty (SPARQL 1.1 Protocol, 2.1.4)
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif not sparql_text.names_dataset(job.text):
        # the union of the default view's graphs: the disputed layer stays one GRAPH away
        options["default_graph"] = default_graphs(store) if graphs is None else graphs
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    text = job.text
    try:
        result = _query(store, text, options)
        fmt = negotiate(_kind(result), job.accept, job.format)
        body, cut = _serialize(result, fmt, job)
    except SyntaxError as error:
        return Reply.text(400, f"bad query: {short_error(str(error), job.text, KNOWN_PREFIXES)}")
    except NotAcceptable as error:
        return Reply.text(406, str(error))
    except (OSError, ValueError, RuntimeError) as error:
        return Reply.text(500, f"query failed: {error}")
    if fmt.rdf == ox.RdfFormat.RDF_XML:
        body = body.replace(b"\r", XML_CR)  # as in XML results (_Records)
    return Reply(200, fmt.media_type, body, cut.headers(job))


def run_update(store: ox.Store, job: Job) -> Reply:
    if (refused := _too_deep(job) or refusal(job)) is not None:
        return refused
    if where := default_graph_update(job.text):
        return Reply.text(
            400,
            f"updates must name their graph ({where}): queries see the union of the named "
            "graphs, but an update's default graph is the store's own, which is empty, so it "
            "would match nothing. Write GRAPH <…/graph/asserted> { … } around the triples, or "
            "WITH <…> before DELETE/INSERT (the graphs are listed at /health).",
        )
    try:
        if job.serial:
            update_marked(store, job.text, job.serial, job.base_iri)
        else:
            store.update(job.text, base_iri=job.base_iri)
    except SyntaxError as error:
        return Reply.text(400, f"bad update: {error}")
    except (OSError, ValueError, RuntimeError) as error:
        return Reply.text(500, f"update failed: {error}")
    return Reply(204, "text/plain", b"")


def run(
    store: ox.Store, job: Job, graphs: Graphs | None = None, view: ox.Store | None = None
) -> Reply:
    if job.op == "update":
        return run_update(store, job)
    return run_query(store, job, graphs, view)
