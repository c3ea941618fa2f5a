"""Talking to an external SPARQL store: the one client behind ``sorakg query --endpoint``,
``sorakg publish`` and the server's proxy mode (``server/proxy.py``).

Correct by construction, whatever the store:

* **Parameters** are bound by :func:`sorakg.sparql.bindings.with_values` (a ``VALUES`` block
  opening the WHERE group) by the callers; nothing here pastes text into a query.
* **Formats** come from the query's form (:func:`sorakg.sparql.text.form`), never from a short
  name that could mean two media types: SELECT/ASK ask for SPARQL Results XML (read as a stream,
  so the row cap stops the download) or JSON; CONSTRUCT/DESCRIBE ask for N-Triples (one triple
  a line, also capped while streaming). Any other answer a store insists on is parsed whole.
* **The dataset** is the release's graphs, sent as ``default-graph-uri`` and ``named-graph-uri``
  (:func:`dataset_fields`), so a store's own graphs (Virtuoso's system graphs) never show and no
  ``--union-default-graph`` is needed; a query's own ``FROM``/``FROM NAMED`` or the client's
  dataset parameters replace it.
* **Reading is tolerant**: extra JSON members (Comunica's ``metadata``), Virtuoso's ASK written
  as a one-row SELECT of ``__ASK_RETVAL``, Virtuoso's ``nodeID://`` blank nodes.
* **Errors are one line** (:class:`RemoteError`): the store is down, refused, answered garbage.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

import httpx
import pyoxigraph as ox

from sorakg import formats
from sorakg.release.default_view import DERIVED, OUTSIDE_DEFAULT_VIEW, in_default_view
from sorakg.settings import Settings
from sorakg.sparql import text as sparql_text

log = logging.getLogger(__name__)

RESULTS_XML = formats.XML.media_type
RESULTS_JSON = formats.JSON.media_type
NTRIPLES = formats.NTRIPLES.media_type
# what the client asks a store for: the formats it reads as they stream, XML and N-Triples first
ACCEPT = {
    "solutions": formats.accept_header((formats.XML, formats.JSON)),
    "graph": formats.accept_header((formats.NTRIPLES, formats.TURTLE)),
}
_SR = "{http://www.w3.org/2005/sparql-results#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_BNODE_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term]
Shape = Literal["solutions", "graph"]  # what a query of a form returns
GRAPH_NAMES = ("ontology", "asserted", "inferred", *sorted(OUTSIDE_DEFAULT_VIEW))


class RemoteError(Exception):
    """The external store could not answer; the message is one line saying why."""

    def __init__(self, message: str, status: int = 502, where: str = ""):
        super().__init__(message)
        self.status = status  # what the proxy answers: 400 bad query, 502 store fault, 503 time
        self.where = (
            where  # the store's URL and details: for the operator (log, CLI), never a client
        )

    def located(self) -> str:
        """The message with where it happened: for the command line, whose user is the operator."""
        return f"{self} ({self.where})" if self.where else str(self)


def kind_of(form: str) -> Shape:
    """What a query of this form (``sparql_text.form``) returns: solutions or triples."""
    return "graph" if form in ("CONSTRUCT", "DESCRIBE") else "solutions"


# Whether a store reads a query's FROM: one that finds anything in a graph no store holds reads
# every graph instead (Oxigraph's --union-default-graph, which reads the Protocol's dataset but
# not the query's); the second probe tells "reads FROM" from "holds nothing yet".
IN_NO_GRAPH = "ASK FROM <urn:sorakg:probe:no-such-graph> WHERE { ?s ?p ?o }"
IN_ANY_GRAPH = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
IGNORES_FROM = (
    "the external store ignores a query's FROM and reads every graph (Oxigraph's "
    "--union-default-graph does), the disputed layer among them: the query is not sent. Start "
    "the store without that option, or name the graphs with default-graph-uri/named-graph-uri"
)


def dataset_fields(
    text: str,
    graphs: Iterable[str],
    default_graphs: Iterable[str] = (),
    named_graphs: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """The protocol's dataset parameters: the client's, else the release's graphs: those of the
    default view (:mod:`sorakg.release.default_view`) as the default graph (their union), all of
    them as the named graphs; none when the query names its own with ``FROM``/``FROM NAMED``."""
    default_graphs, named_graphs = list(default_graphs), list(named_graphs)
    if default_graphs or named_graphs:
        return [("default-graph-uri", g) for g in default_graphs] + [
            ("named-graph-uri", g) for g in named_graphs
        ]
    if sparql_text.names_dataset(text):
        return []
    graphs = list(graphs)
    default = [g for g in graphs if in_default_view(g)]  # not the disputed layer (default_view.py)
    return [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in graphs]


def release_graphs(settings: Settings) -> tuple[str, ...]:
    """The named graphs of the release: the local build's when there is one, else the graph
    names builds use (a graph the store lacks is simply empty), and the graphs ``sorakg publish``
    derives beside them (the summaries the entity pages read)."""
    from sorakg.release.store import MissingBuild, built_file

    derived = [f"{settings.base_iri}graph/{n}" for n in sorted(DERIVED)]
    try:
        manifest = built_file(settings).parent / "manifest.json"
        graphs = json.loads(manifest.read_text())["stats"]["graphs"]
        return tuple(sorted({*graphs, *derived}))
    except (MissingBuild, OSError, KeyError, ValueError):
        return tuple(f"{settings.base_iri}graph/{n}" for n in (*GRAPH_NAMES, *sorted(DERIVED)))


def auth_for(settings: Settings) -> httpx.Auth | None:
    """Credentials for the external store, from settings (never from a command line)."""
    password = settings.sparql_auth_password
    secret = password.get_secret_value() if password else ""
    if settings.sparql_auth_scheme == "basic":
        return httpx.BasicAuth(settings.sparql_auth_user or "", secret)
    if settings.sparql_auth_scheme == "digest":
        return httpx.DigestAuth(settings.sparql_auth_user or "", secret)
    if settings.sparql_auth_scheme == "bearer":
        return _Bearer(secret)
    return None


class _Bearer(httpx.Auth):
    def __init__(self, token: str):
        self.token = token

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


# --- reading answers --------------------------------------------------------------------------


def _bnode(label: str) -> ox.BlankNode:
    return ox.BlankNode(_BNODE_UNSAFE.sub("_", label.removeprefix("_:")) or "b")


def _xml_term(element: Element) -> Term:
    tag = element.tag.removeprefix(_SR)
    text = element.text or ""
    if tag == "uri":
        return ox.NamedNode(text)
    if tag == "bnode":
        return _bnode(text)
    if tag == "literal":
        if element.get(_XML_LANG):
            return ox.Literal(text, language=element.get(_XML_LANG))
        if element.get("datatype"):
            return ox.Literal(text, datatype=ox.NamedNode(element.get("datatype", "")))
        return ox.Literal(text)
    raise RemoteError(f"the store answered a <{tag}> term, which is not supported here")


def _json_term(value: Mapping[str, object]) -> Term:
    kind, text = value.get("type"), str(value.get("value", ""))
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return _bnode(text)
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return ox.Literal(text, language=str(value["xml:lang"]))
        if value.get("datatype"):
            return ox.Literal(text, datatype=ox.NamedNode(str(value["datatype"])))
        return ox.Literal(text)
    raise RemoteError(f"the store answered a term of type {kind!r}, which is not supported here")


@dataclass
class Answer:
    """What a store answered, cut at the row cap: solutions (SELECT), a boolean (ASK) or
    triples (CONSTRUCT, DESCRIBE)."""

    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None
    truncated: bool = False  # cut at the row cap
    cut_bytes: bool = False  # cut at the byte cap (whole rows kept)

    def solutions_tsv(self) -> bytes:
        """The solutions as SPARQL TSV (terms in N-Triples syntax), which pyoxigraph reads back."""
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        for row in self.rows:
            lines.append("\t".join(str(row[v]) if v in row else "" for v in self.variables))
        return ("\n".join(lines) + "\n").encode()

    def results(self) -> ox.QuerySolutions | ox.QueryBoolean:
        """As pyoxigraph results, for code written against the embedded store."""
        if self.boolean is not None:
            body = json.dumps({"head": {}, "boolean": self.boolean}).encode()
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        return ox.parse_query_results(self.solutions_tsv(), format=ox.QueryResultsFormat.TSV)


class Reader:
    """Reads a store's answer chunk by chunk, stopping at ``max_rows`` rows (or triples) and
    refusing more than ``max_bytes``. ``feed`` returns False once nothing more is wanted, so the
    caller closes the connection instead of downloading the rest."""

    def __init__(self, form: str, media_type: str, max_rows: int, max_bytes: int):
        self.form = form
        self.media_type = media_type.split(";")[0].strip().lower()
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.answer = Answer()
        self.size = 0
        self.buffer = bytearray()
        self.xml: XMLPullParser | None = None
        self.lines = 0
        if self.form in ("SELECT", "ASK") and self.media_type in (RESULTS_XML, "application/xml"):
            self.xml = XMLPullParser(events=("end",))

    def _sniff(self, chunk: bytes) -> None:
        """A store that names no media type (or a generic one): judge by the first byte."""
        generic = ("", "application/octet-stream", "text/plain")
        if self.form not in ("SELECT", "ASK") or self.media_type not in generic:
            return
        start = chunk.lstrip()[:1]
        if start == b"<":
            self.media_type, self.xml = RESULTS_XML, XMLPullParser(events=("end",))
        elif start == b"{":
            self.media_type = RESULTS_JSON

    def feed(self, chunk: bytes) -> bool:
        if self.size == 0 and chunk:
            self._sniff(chunk)
        streaming = self.xml is not None or self._lines()
        if self.size + len(chunk) > self.max_bytes:
            if not streaming:  # a JSON or Turtle document cannot be read in part
                raise RemoteError(f"the store's answer is over {self.max_bytes} bytes")
            chunk = chunk[: self.max_bytes - self.size]
            self.answer.cut_bytes = True
        self.size += len(chunk)
        if self.xml is not None:
            return self._feed_xml(chunk) and not self.answer.cut_bytes
        self.buffer += chunk
        if self._lines():
            return self._count_lines(chunk) and not self.answer.cut_bytes
        return True

    def _lines(self) -> bool:
        """N-Triples: one triple a line, so rows can be counted (and cut) as they arrive."""
        return self.form in ("CONSTRUCT", "DESCRIBE") and self.media_type in (
            NTRIPLES,
            "text/plain",
        )

    def _feed_xml(self, chunk: bytes) -> bool:
        assert self.xml is not None
        try:
            self.xml.feed(chunk)
            events = list(self.xml.read_events())
        except ParseError as error:
            raise RemoteError(f"the store answered malformed SPARQL XML: {error}") from error
        for event in events:
            element: Element = event[1]  # type: ignore[misc, assignment]  # "end": an element
            tag = element.tag.removeprefix(_SR)
            if tag == "variable":
                self.answer.variables.append(element.get("name", ""))
            elif tag == "boolean":
                self.answer.boolean = (element.text or "").strip() == "true"
            elif tag == "result":
                if len(self.answer.rows) >= self.max_rows:
                    self.answer.truncated = True
                    return False
                self.answer.rows.append(
                    {
                        b.get("name", ""): _xml_term(b[0])
                        for b in element
                        if b.tag.removeprefix(_SR) == "binding" and len(b)
                    }
                )
                element.clear()
        return True

    def _count_lines(self, chunk: bytes) -> bool:
        self.lines += chunk.count(b"\n")
        if self.lines <= self.max_rows:
            return True
        self.answer.truncated = True
        return False

    def finish(self) -> Answer:
        """The answer read so far (everything, unless the cap stopped the reading)."""
        answer = self.answer
        if self.xml is not None:
            if not (answer.truncated or answer.cut_bytes):
                try:
                    self.xml.close()
                except ParseError as error:
                    message = f"the store answered malformed SPARQL XML: {error}"
                    raise RemoteError(message) from error
        elif self.form in ("CONSTRUCT", "DESCRIBE"):
            answer.triples = self._triples()
        else:
            self._solutions_from_buffer()
        if self.form == "ASK" and answer.boolean is None:
            # Virtuoso 7 writes ASK as a one-row SELECT of ?__ASK_RETVAL (1 or 0); no other table
            # answers an ASK
            if answer.variables != ["__ASK_RETVAL"]:
                names = ", ".join(f"?{v}" for v in answer.variables) or "none"
                raise RemoteError(
                    f"the store answered something unexpected: a table ({names}) for an ASK"
                )
            values = [term.value for row in answer.rows for term in row.values()]
            answer.boolean = bool(values) and values[0] in ("1", "true")
            answer.variables, answer.rows = [], []
        return answer

    def _triples(self) -> list[ox.Triple]:
        body = bytes(self.buffer)
        if self.answer.truncated or self.answer.cut_bytes:  # whole lines, max_rows at most
            body = b"".join(
                body[: body.rfind(b"\n") + 1].splitlines(keepends=True)[: self.max_rows]
            )
        media = NTRIPLES if self.media_type == "text/plain" else self.media_type
        try:
            fmt = ox.RdfFormat.from_media_type(media)
            if fmt is None:
                raise RemoteError(f"the store answered {self.media_type!r}, not RDF")
            triples = [q.triple for q in ox.parse(body, format=fmt)]
        except SyntaxError as error:
            raise RemoteError(f"the store answered unreadable {media}: {error}") from error
        if len(triples) > self.max_rows:
            triples, self.answer.truncated = triples[: self.max_rows], True
        return triples

    def _solutions_from_buffer(self) -> None:
        if self.media_type not in (RESULTS_JSON, "application/json"):
            raise RemoteError(f"the store answered {self.media_type!r}, not SPARQL results")
        try:
            document = json.loads(bytes(self.buffer))
            if "boolean" in document:
                self.answer.boolean = bool(document["boolean"])
                return
            self.answer.variables = [str(v) for v in document["head"]["vars"]]
            bindings = document["results"]["bindings"]
            rows = [{name: _json_term(value) for name, value in b.items()} for b in bindings]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise RemoteError(f"the store answered unreadable SPARQL JSON: {error!r}") from error
        if len(rows) > self.max_rows:
            rows, self.answer.truncated = rows[: self.max_rows], True
        self.answer.rows = rows


def check_status(response: httpx.Response, body: bytes, url: str) -> None:
    """A one-line :class:`RemoteError` for an error status, or for Virtuoso's partial answer
    after its own timeout (``X-SQL-State: S1TAT`` with status 200)."""
    if response.headers.get("x-sql-state") == "S1TAT":
        log.warning("%s: the store stopped the query at its time limit", url)
        raise RemoteError("the external store stopped the query at its time limit", 503, url)
    if response.status_code < 400:
        return
    message = " ".join(body.decode("utf-8", "replace").split())[:500]
    log.warning("%s answered %s: %s", url, response.status_code, message)
    if response.status_code == 400:  # the client's text: the store's reason helps it
        raise RemoteError(f"the external store answered 400: {message}", 400, url)
    where = f"{url} answered {response.status_code}: {message}"
    raise RemoteError(f"the external store failed ({response.status_code})", 502, where)


def request_error(error: httpx.HTTPError, url: str, timeout: float) -> RemoteError:
    # the URL and the details go to the log only: a message may reach any client
    where = f"{url}: {str(error) or error.__class__.__name__}"
    log.warning("%s", where)
    if isinstance(error, httpx.TimeoutException):
        return RemoteError(f"the external store did not answer within {timeout:g} s", 503, where)
    return RemoteError("the external store cannot be reached", 502, where)


def timeout_fields(server: str, timeout: float) -> list[tuple[str, str]]:
    """The per-query time limit for stores that take one as a parameter: Virtuoso's ``timeout``
    is in milliseconds. Oxigraph takes it only at start (``oxigraph serve --timeout-s``)."""
    if server.lower().startswith("virtuoso"):
        return [("timeout", str(int(timeout * 1000)))]
    return []


# --- the synchronous client (CLI, publish) ----------------------------------------------------


@dataclass
class Remote:
    """A SPARQL store by its URLs, with one reusable HTTP client."""

    query_url: str
    update_url: str | None = None
    graph_store_url: str | None = None
    graphs: tuple[str, ...] = ()
    auth: httpx.Auth | None = None
    timeout: float = 30.0
    max_bytes: int = 64_000_000
    client: httpx.Client | None = None
    server: str = ""  # the store's Server header, once seen
    reads_from: bool | None = None  # whether the store reads a query's FROM, once known

    @classmethod
    def from_settings(cls, settings: Settings, url: str | None = None) -> Remote:
        query_url = url or settings.sparql_endpoint
        if not query_url:
            raise RemoteError("no SPARQL endpoint: set sparql_endpoint or pass --endpoint", 2)
        return cls(
            query_url=query_url,
            update_url=settings.sparql_update_endpoint,
            graph_store_url=settings.sparql_graph_store,
            graphs=release_graphs(settings),
            auth=auth_for(settings),
            timeout=settings.query_timeout,
            max_bytes=settings.max_result_bytes,
        )

    @property
    def http(self) -> httpx.Client:
        if self.client is None:
            self.client = httpx.Client(timeout=self.timeout, auth=self.auth)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def query(self, text: str, max_rows: int = 1_000_000_000) -> Answer:
        """Run a query on the release's graphs (see :func:`dataset_fields`); a query with its
        own ``FROM`` only on a store that reads it (:data:`IN_NO_GRAPH`)."""
        if sparql_text.names_dataset(text) and not self._reads_from():
            raise RemoteError(IGNORES_FROM, 502, self.query_url)
        fields = [("query", text), *dataset_fields(text, self.graphs)]
        return self._fetch(sparql_text.form(text), fields, max_rows)

    def _reads_from(self) -> bool:
        if self.reads_from is None:
            if self._fetch("ASK", [("query", IN_NO_GRAPH)], 1).boolean:
                self.reads_from = False
            elif self._fetch("ASK", [("query", IN_ANY_GRAPH)], 1).boolean:
                self.reads_from = True
            else:
                return True  # an empty store: nothing to mix in, ask again next time
        return self.reads_from

    def _fetch(self, form: str, fields: list[tuple[str, str]], max_rows: int) -> Answer:
        fields = fields + timeout_fields(self.server, self.timeout)
        headers = {"Accept": ACCEPT[kind_of(form)]}
        try:
            with self.http.stream("POST", self.query_url, data=_form(fields), headers=headers) as r:
                self.server = r.headers.get("server", self.server)
                if r.status_code >= 400:
                    check_status(r, r.read(), self.query_url)
                check_status(r, b"", self.query_url)
                reader = Reader(form, r.headers.get("content-type", ""), max_rows, self.max_bytes)
                for chunk in r.iter_bytes():
                    if not reader.feed(chunk):
                        break
                return reader.finish()
        except httpx.HTTPError as error:
            raise request_error(error, self.query_url, self.timeout) from error

    def update(self, text: str) -> None:
        url = self.update_url or self.query_url
        self.send("POST", url, content=text.encode(), media_type="application/sparql-update")

    def send(
        self,
        method: str,
        url: str,
        content: bytes,
        media_type: str,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> None:
        """One request that must succeed (an update, a Graph Store upload)."""
        try:
            response = self.http.request(method, url, content=content, params=params,
                                         headers={"Content-Type": media_type},
                                         timeout=timeout or max(self.timeout, 300))  # fmt: skip
        except httpx.HTTPError as error:
            raise request_error(error, url, timeout or max(self.timeout, 300)) from error
        self.server = response.headers.get("server", self.server)
        check_status(response, response.content, url)


def _form(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Repeated protocol parameters as httpx form data (order kept per name)."""
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return grouped
