"""Run one SPARQL query or update against a pyoxigraph store and serialize the answer.

Plain functions of (store, job) → reply, so they run the same inside a worker process and in
a test. The web layer never touches the store: it sends a :class:`Job` and sends back the
:class:`Reply` (status, media type, bytes) it gets.

The row cap is applied while serializing: results are first written as TSV (solutions) or
N-Triples (triples), both one line per row, into a writer that stops the evaluation at the
cap; the lines kept are then re-serialized in the negotiated format by pyoxigraph. Oxigraph
evaluates lazily, so a capped ``SELECT * { ?s ?p ?o }`` stops early instead of running to the end.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field

import pyoxigraph as ox

from sorakg import sparql_text

from .formats import Format, Kind, NotAcceptable, negotiate

MAXROWS_HEADER = "X-SPARQL-MaxRows"


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
    allow_service: bool = False
    allow_load: bool = False


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
    """A byte sink that stops the writer once it holds ``limit`` complete lines."""

    class Full(Exception):
        pass

    def __init__(self, limit: int):
        self.limit = limit
        self.buffer = bytearray()
        self.lines = 0
        self.truncated = False

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        data = bytes(chunk)
        self.buffer += data
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            end = -1
            for _ in range(self.limit):
                end = self.buffer.index(b"\n", end + 1)
            del self.buffer[end + 1 :]
            self.truncated = True
            raise _Cap.Full
        return len(data)


def _capped(write: object, limit: int) -> tuple[bytes, bool]:
    sink = _Cap(limit)
    with contextlib.suppress(_Cap.Full):
        write(sink)  # type: ignore[operator]
    return bytes(sink.buffer), sink.truncated


def _serialize(result: object, fmt: Format, max_rows: int) -> tuple[bytes, bool]:
    if isinstance(result, ox.QueryBoolean):
        assert fmt.results is not None
        return result.serialize(format=fmt.results) or b"", False
    if isinstance(result, ox.QuerySolutions):
        assert fmt.results is not None
        tsv = ox.QueryResultsFormat.TSV
        body, truncated = _capped(lambda out: result.serialize(out, format=tsv), max_rows + 1)
        if fmt.results == tsv:
            return body, truncated
        solutions = ox.parse_query_results(body, format=tsv)
        return solutions.serialize(format=fmt.results) or b"", truncated
    assert isinstance(result, ox.QueryTriples) and fmt.rdf is not None
    nt = ox.RdfFormat.N_TRIPLES
    body, truncated = _capped(lambda out: result.serialize(out, format=nt), max_rows)
    if fmt.rdf == nt:
        return body, truncated
    return ox.serialize(ox.parse(body, format=nt), format=fmt.rdf) or b"", truncated


def _kind(result: object) -> Kind:
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    return "graph"


def run_query(store: ox.Store, job: Job) -> Reply:
    used = sparql_text.uses(job.text, "SERVICE", "FROM")
    if "SERVICE" in used and not job.allow_service:
        return Reply.text(403, "SERVICE (federated query) is disabled on this endpoint")
    options: dict[str, object] = {}
    if job.default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif "FROM" not in used:
        options["use_default_graph_as_union"] = True
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.bindings:
        try:
            options["substitutions"] = {
                ox.Variable(name): parse_term(term) for name, term in job.bindings.items()
            }
        except ValueError as error:
            return Reply.text(400, str(error))
    try:
        result = store.query(job.text, **options)  # type: ignore[arg-type]
        fmt = negotiate(_kind(result), job.accept, job.format)
        body, truncated = _serialize(result, fmt, job.max_rows)
    except SyntaxError as error:
        return Reply.text(400, f"bad query: {error}")
    except NotAcceptable as error:
        return Reply.text(406, str(error))
    except (OSError, ValueError, RuntimeError) as error:
        return Reply.text(500, f"query failed: {error}")
    headers = {MAXROWS_HEADER: str(job.max_rows)} if truncated else {}
    return Reply(200, fmt.media_type, body, headers)


def run_update(store: ox.Store, job: Job) -> Reply:
    used = sparql_text.uses(job.text, "SERVICE", "LOAD")
    if "SERVICE" in used and not job.allow_service:
        return Reply.text(403, "SERVICE (federated query) is disabled on this endpoint")
    if "LOAD" in used and not job.allow_load:
        return Reply.text(403, "LOAD is disabled on this endpoint")
    try:
        store.update(job.text)
    except SyntaxError as error:
        return Reply.text(400, f"bad update: {error}")
    except (OSError, ValueError, RuntimeError) as error:
        return Reply.text(500, f"update failed: {error}")
    return Reply(204, "text/plain", b"")


def run(store: ox.Store, job: Job) -> Reply:
    return run_update(store, job) if job.op == "update" else run_query(store, job)
