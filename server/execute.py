"""Run one SPARQL query or update against a pyoxigraph store and serialize the answer.

Plain functions of (store, job) → reply, so they run the same inside a worker process and in
a test. The web layer never touches the store: it sends a :class:`Job` and sends back the
:class:`Reply` (status, media type, bytes) it gets.

The row cap (``max_rows``) and the byte cap (``max_bytes``) are applied while serializing:
solutions are first written as TSV, one line per row (or XML records when rows may be longer
than Oxigraph's readers take), into a sink that stops the evaluation at a cap, and the rows
kept are re-serialized in the negotiated format; triples are taken one at a time. Oxigraph
evaluates lazily, so a capped ``SELECT * { ?s ?p ?o }`` stops early instead of running to the end.
A cut answer carries ``X-SPARQL-MaxRows: <max_rows>`` or ``X-SPARQL-MaxBytes: <max_bytes>``.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from sorakg.formats import Format, NotAcceptable, Offer, negotiate
from sorakg.loaders.vocab import PREFIXES
from sorakg.release.default_view import default_graphs
from sorakg.sparql import text as sparql_text
from sorakg.sparql.bindings import with_values
from sorakg.sparql.errors import declare_known_prefixes, parse_error, short_error

MAXROWS_HEADER = "X-SPARQL-MaxRows"
KNOWN_PREFIXES = {name: str(namespace) for name, namespace in PREFIXES.items()}
MAXBYTES_HEADER = "X-SPARQL-MaxBytes"
READER_LINE_LIMIT = 16 * 2**20  # Oxigraph's TSV, JSON and N-Triples readers refuse longer lines
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
    # variable → an RDF term in N-Triples syntax (``<iri>``, ``"text"``, ``"5"^^<…#integer>``);
    # made with ``str(term)`` of a pyoxigraph term and parsed back by :func:`parse_term`
    bindings: dict[str, str] = field(default_factory=dict)
    max_rows: int = 10_000
    max_bytes: int = 16_000_000  # the pool sets the `max_result_bytes` setting
    allow_service: bool = False
    allow_load: bool = False
    # relative IRIs in the text resolve against this (the endpoint's URL, as Oxigraph's server)
    base_iri: str | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str) -> Reply:
        return cls(status, "text/plain; charset=utf-8", message.encode())


def parse_term(text: str) -> ox.NamedNode | ox.Literal:
    """One IRI or literal from its N-Triples form. The text is parsed as the object of a single
    triple, so anything that is not exactly one term (a second triple, a blank node) fails."""
    try:
        quads = list(ox.parse(f"<urn:s> <urn:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as error:
        raise ValueError(f"not an RDF term: {text!r}") from error
    if len(quads) != 1 or not isinstance(quads[0].object, ox.NamedNode | ox.Literal):
        raise ValueError(f"not one IRI or literal: {text!r}")
    return quads[0].object


class _Cap(io.RawIOBase):
    """A byte sink keeping whole records (each ending with ``end``): at most ``rows`` of them,
    within ``budget`` bytes; past either limit it stops the writer by raising :class:`Full`."""

    class Full(Exception):
        pass

    def __init__(self, end: bytes, rows: int, budget: int):
        self.end, self.rows, self.budget = end, rows, budget
        self.buffer = bytearray()
        self.ends: list[int] = []  # where each kept record ends
        self.scan = 0  # where the next record end may start
        self.cut_rows = self.cut_bytes = False

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.buffer += chunk
        while (found := self.buffer.find(self.end, self.scan)) >= 0:
            self.scan = found + len(self.end)
            if len(self.ends) >= self.rows:
                self.cut_rows = True
                raise _Cap.Full
            if self.scan > self.budget:
                self.cut_bytes = True
                raise _Cap.Full
            self.ends.append(self.scan)
        if len(self.buffer) > self.budget:  # the record being written is already too big
            self.cut_bytes = True
            raise _Cap.Full
        self.scan = max(self.scan, len(self.buffer) - len(self.end) + 1)
        return len(chunk)


@dataclass
class _Cut:
    rows: bool = False
    bytes: bool = False

    def headers(self, job: Job) -> dict[str, str]:
        headers = {MAXROWS_HEADER: str(job.max_rows)} if self.rows else {}
        if self.bytes:
            headers[MAXBYTES_HEADER] = str(job.max_bytes)
        return headers


def _write_capped(result: ox.QuerySolutions, fmt: ox.QueryResultsFormat, rows: int, budget: int,
                  end: bytes) -> _Cap:  # fmt: skip
    sink = _Cap(end, rows, budget)
    with contextlib.suppress(_Cap.Full):
        result.serialize(sink, format=fmt)  # type: ignore[arg-type]
    return sink


def _solutions(
    result: ox.QuerySolutions, target: ox.QueryResultsFormat, job: Job
) -> tuple[bytes, _Cut]:
    """The solutions in ``target``, cut at ``max_rows`` and ``max_bytes``, evaluated lazily.

    They are written as TSV (one line per row) into a sink that stops the evaluation at a cap;
    the lines kept are parsed back and written in ``target``. Oxigraph's TSV reader refuses a
    line over 16 MiB, so when ``max_bytes`` allows rows that long the records are XML results
    instead (``</result>`` cannot occur inside a value: ``<`` is escaped), which it reads
    without that limit. If the answer in ``target`` is longer than ``max_bytes`` (JSON is more
    verbose than TSV), rows are dropped from the end until it fits."""
    tsv, xml = ox.QueryResultsFormat.TSV, ox.QueryResultsFormat.XML
    inter, end = (xml, b"</result>") if job.max_bytes > READER_LINE_LIMIT else (tsv, b"\n")
    # TSV: the header line counts as a record; XML: the head precedes the first record
    header_record = 1 if inter == tsv else 0
    sink = _write_capped(result, inter, job.max_rows + header_record, job.max_bytes, end)
    cut = _Cut(sink.cut_rows, sink.cut_bytes)
    complete = not (cut.rows or cut.bytes)
    if complete and inter == target:
        return bytes(sink.buffer), cut

    def prefix(records: int) -> bytes:
        if inter == tsv:
            return bytes(sink.buffer[: sink.ends[records - 1]]) if records else b""
        if complete and records == len(sink.ends):
            return bytes(sink.buffer)
        head = sink.buffer.index(b"<results>") + len(b"<results>")
        stop = sink.ends[records - 1] if records else head
        return bytes(sink.buffer[:stop]) + b"</results></sparql>"

    records = len(sink.ends)
    while True:
        kept = prefix(records)
        body = kept if inter == target else _reserialize(kept, inter, target)
        if len(body) <= job.max_bytes or records <= header_record:
            return body, cut
        cut.bytes = True
        rows = records - header_record
        records = header_record + min(rows - 1, int(rows * job.max_bytes / len(body) * 0.9))


def _reserialize(
    body: bytes, source: ox.QueryResultsFormat, target: ox.QueryResultsFormat
) -> bytes:
    body = body or b"\n"  # a TSV answer cut before its header line: no variables known
    return ox.parse_query_results(body, format=source).serialize(format=target) or b""


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


class _Budget(io.RawIOBase):
    """A byte sink that stops the writer (raises :class:`Full`) past ``limit`` bytes."""

    class Full(Exception):
        pass

    def __init__(self, limit: int):
        self.limit = limit
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.buffer += chunk
        if len(self.buffer) > self.limit:
            raise _Budget.Full
        return len(chunk)


def _small(result: ox.QuerySolutions, fmt: Format, job: Job) -> bytes | None:
    """The answer written straight in ``fmt`` when it is small enough that neither cap can
    apply (most answers); None when it is not, and the query must run again under the caps.
    This skips the count-and-rewrite of :func:`_solutions`, a fixed cost larger than a point
    lookup's evaluation."""
    # an answer shorter than max_rows times the smallest row cannot hold more than max_rows
    sink = _Budget(min(job.max_bytes, job.max_rows * fmt.smallest_row))
    try:
        result.serialize(sink, format=fmt.results)  # type: ignore[arg-type]
    except _Budget.Full:
        return None
    return bytes(sink.buffer)


def _serialize(
    result: object, fmt: Format, job: Job, again: Callable[[], object]
) -> tuple[bytes, _Cut]:
    """``result`` in ``fmt`` under the caps; ``again`` runs the query anew (a large answer's
    first, uncounted writing is abandoned and it is written counted)."""
    if isinstance(result, ox.QueryBoolean):
        assert fmt.results is not None
        return result.serialize(format=fmt.results) or b"", _Cut()
    if isinstance(result, ox.QuerySolutions):
        assert fmt.results is not None
        if (body := _small(result, fmt, job)) is not None:
            return body, _Cut()
        result = again()
        assert isinstance(result, ox.QuerySolutions)
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
    """403 when the text might use SERVICE or LOAD and the settings refuse it. The check reads
    the text the way Oxigraph might (:func:`sparql_text.may_use`), erring towards refusing."""
    used = sparql_text.may_use(job.text, "SERVICE", "LOAD")
    if "SERVICE" in used and not job.allow_service:
        return Reply.text(403, "SERVICE (federated query) is disabled on this endpoint")
    if "LOAD" in used and job.op == "update" and not job.allow_load:
        return Reply.text(403, "LOAD is disabled on this endpoint")
    return None


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


def run_query(store: ox.Store, job: Job, graphs: Graphs | None = None) -> Reply:
    """Answer ``job``. ``graphs``: the default view's graphs of ``store`` when the caller keeps
    them (a read-only store's never change); else they are read from the store."""
    if (refused := _too_deep(job) or refusal(job)) is not None:
        return refused
    options: dict[str, object] = {"base_iri": job.base_iri}
    if job.default_graphs or job.named_graphs:
        # the Protocol's dataset replaces the query's FROM / FROM NAMED; named-graph-uri alone
        # leaves the default graph empty (SPARQL 1.1 Protocol, 2.1.4)
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif "from" not in job.text.lower() or not sparql_text.uses(job.text, "FROM"):
        # the union of the default view's graphs: the disputed layer stays one GRAPH away
        options["default_graph"] = default_graphs(store) if graphs is None else graphs
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    text = job.text
    if job.bindings:
        # the one binding method of every path (bindings.with_values): Oxigraph's substitutions
        # were 9-20x slower on the parameterised queries with joins (benchmarks/bindings.py)
        try:
            bound = {ox.Variable(name): parse_term(term) for name, term in job.bindings.items()}
            text = with_values(job.text, bound)
        except ValueError as error:
            return Reply.text(400, str(error))
    try:
        result = _query(store, text, options)
        fmt = negotiate(_kind(result), job.accept, job.format)
        body, cut = _serialize(result, fmt, job, lambda: _query(store, text, options))
    except SyntaxError as error:
        return Reply.text(400, f"bad query: {short_error(str(error), job.text, KNOWN_PREFIXES)}")
    except NotAcceptable as error:
        return Reply.text(406, str(error))
    except (OSError, ValueError, RuntimeError) as error:
        return Reply.text(500, f"query failed: {error}")
    if fmt.results == ox.QueryResultsFormat.XML or fmt.rdf == ox.RdfFormat.RDF_XML:
        # Oxigraph writes a CR in a literal as is, and XML readers turn it into LF
        body = body.replace(b"\r", b"&#13;")
    return Reply(200, fmt.media_type, body, cut.headers(job))


def _patterns_outside_graph(node: object, inside: bool = False) -> bool:
    """Whether rdflib's algebra (or parse tree, under EXISTS) ``node`` has a triple pattern that
    is not inside ``GRAPH``."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        inside = inside or node.name in ("Graph", "GraphGraphPattern")
        if node.name in ("BGP", "TriplesBlock") and node["triples"] and not inside:
            return True
        return any(_patterns_outside_graph(value, inside) for value in node.values())
    if isinstance(node, list | tuple):
        return any(_patterns_outside_graph(value, inside) for value in node)
    return False


def default_graph_update(text: str) -> str | None:
    """Why the update is refused: it uses the store's default graph.

    A query's default graph is the union of the named graphs, but Oxigraph runs an update
    against the store's own default graph, which holds nothing of the build: ``DELETE WHERE``
    written like a query would answer 204 and change nothing. So every update names its graph
    (``GRAPH <…>``, ``WITH <…>`` or ``USING <…>``), and the store's default graph stays empty.
    Checked on rdflib's algebra of the update; one rdflib cannot parse is left to Oxigraph."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = translateUpdate(parseUpdate(text)).algebra
    except Exception:  # rdflib's grammar or algebra differs: Oxigraph decides
        return None

    def field(node: dict[str, object], key: str) -> object:  # CompValue.get(k) answers k
        return dict.get(node, key)

    for op in operations:
        if op.name in ("InsertData", "DeleteData", "DeleteWhere") and field(op, "triples"):
            return f"{op.name}: triples outside GRAPH"
        if op.name != "Modify" or field(op, "withClause") is not None:
            continue
        for clause in ("delete", "insert"):
            template = field(op, clause)
            if isinstance(template, dict) and field(template, "triples"):
                return f"{clause.upper()}: a template outside GRAPH"
        using = field(op, "using") or []
        using_default = any(field(u, "default") is not None for u in using)  # type: ignore[attr-defined]
        if not using_default and _patterns_outside_graph(field(op, "where")):
            return "WHERE: a pattern outside GRAPH"
    return None


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
        store.update(job.text, base_iri=job.base_iri)
    except SyntaxError as error:
        return Reply.text(400, f"bad update: {error}")
    except (OSError, ValueError, RuntimeError) as error:
        return Reply.text(500, f"update failed: {error}")
    return Reply(204, "text/plain", b"")


def run(store: ox.Store, job: Job, graphs: Graphs | None = None) -> Reply:
    return run_update(store, job) if job.op == "update" else run_query(store, job, graphs)
