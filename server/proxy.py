"""External triplestore mode: queries go to ``sparql_endpoint`` (Oxigraph's server, Virtuoso,
Fuseki …) over the SPARQL Protocol, through the client of :mod:`sorakg.sparql.remote`.

What makes it answer as the embedded store does (docs/scaling.md, "External stores"):

* bound variables (a Linked Data page's entity, a named query's parameters) become a ``VALUES``
  block opening the WHERE group (:func:`sorakg.sparql.bindings.with_values`, the CLI's method),
  never a trailing ``VALUES`` that a ``FILTER``/``GROUP BY``/``HAVING`` would not see;
* the store is asked for one unambiguous format chosen from the query's form, read as it
  streams (row cap with ``X-SPARQL-MaxRows``, byte cap
  ``max_result_bytes`` with ``X-SPARQL-MaxBytes``) and re-written by
  pyoxigraph in the format the client negotiated, exactly as the embedded store writes it;
* the dataset is the release's graphs (``default-graph-uri``/``named-graph-uri``) unless the
  query or the client names its own, so a store's system graphs never show and ``FROM`` works;
  a query's own ``FROM`` is refused by a store that reads every graph instead (Oxigraph's
  ``--union-default-graph``), whose answer would hold the disputed layer;
* ``query_timeout`` is passed to stores that take it per query (Virtuoso) and, when it runs out,
  the upstream request is abandoned: its connection is closed (start Oxigraph with
  ``--timeout-s`` so that it stops computing too);
* updates go to ``sparql_update_endpoint``; credentials come from the ``sparql_auth_*`` settings.

The policy checks (SERVICE, LOAD: :func:`~sorakg.server.execute.refusal`; the update token)
still run here, before anything is sent.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pyoxigraph as ox

from sorakg.formats import Format, NotAcceptable, Offer, negotiate
from sorakg.settings import Settings
from sorakg.sparql import text as sparql_text
from sorakg.sparql.remote import (
    ACCEPT,
    IGNORES_FROM,
    IN_ANY_GRAPH,
    IN_NO_GRAPH,
    Answer,
    Reader,
    RemoteError,
    auth_for,
    check_status,
    dataset_fields,
    kind_of,
    release_graphs,
    request_error,
    timeout_fields,
)

from .execute import MAXBYTES_HEADER, MAXROWS_HEADER, Job, Reply, refusal


def _answer_kind(form: str) -> Offer:
    return "boolean" if form == "ASK" else kind_of(form)


def serialize(answer: Answer, fmt: Format) -> bytes:
    """The answer in ``fmt``, written by pyoxigraph as the embedded store writes it."""
    if answer.triples is not None:
        assert fmt.rdf is not None
        return ox.serialize(answer.triples, format=fmt.rdf) or b""
    assert fmt.results is not None
    if answer.boolean is not None:
        body = json.dumps({"head": {}, "boolean": answer.boolean}).encode()
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    else:
        parsed = ox.parse_query_results(answer.solutions_tsv(), format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=fmt.results) or b""


class ProxyBackend:
    def __init__(
        self,
        endpoint: str,
        timeout: float = 10.0,
        *,
        update_endpoint: str | None = None,
        graphs: tuple[str, ...] = (),
        auth: httpx.Auth | None = None,
        max_bytes: int = 16_000_000,
    ):
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.timeout = timeout
        self.graphs = graphs
        self.auth = auth
        self.max_bytes = max_bytes
        self.server = ""  # the store's Server header, once seen (Virtuoso takes a timeout)
        self.client: httpx.AsyncClient | None = None
        self.reads_from: bool | None = None  # whether the store reads a query's FROM, once known

    @classmethod
    def from_settings(cls, settings: Settings) -> ProxyBackend:
        assert settings.sparql_endpoint
        return cls(
            settings.sparql_endpoint,
            timeout=settings.query_timeout,
            update_endpoint=settings.sparql_update_endpoint,
            graphs=release_graphs(settings),
            auth=auth_for(settings),
            max_bytes=settings.max_result_bytes,
        )

    async def start(self) -> None:
        # one client for the server's life: its connection pool is reused by every request
        self.client = httpx.AsyncClient(timeout=self.timeout + 5, auth=self.auth)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def _fetch(self, form: str, fields: list[tuple[str, str]], max_rows: int) -> Answer:
        assert self.client is not None, "start() the backend first"
        data: dict[str, list[str]] = {}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        headers = {"Accept": ACCEPT[kind_of(form)]}
        try:
            async with self.client.stream("POST", self.endpoint, data=data, headers=headers) as r:
                self.server = r.headers.get("server", self.server)
                check_status(r, await r.aread() if r.status_code >= 400 else b"", self.endpoint)
                reader = Reader(form, r.headers.get("content-type", ""), max_rows, self.max_bytes)
                async for chunk in r.aiter_bytes():
                    if not reader.feed(chunk):
                        break  # leaving the block closes the connection: the rest is not read
                return reader.finish()
        except httpx.HTTPError as error:
            raise request_error(error, self.endpoint, self.timeout) from error

    async def _store_reads_from(self) -> bool:
        """Whether the store answers a query's ``FROM`` from the graphs it names
        (:data:`~sorakg.sparql.remote.IN_NO_GRAPH`), as :meth:`Remote.query` asks."""
        if self.reads_from is None:
            if (await self._fetch("ASK", [("query", IN_NO_GRAPH)], 1)).boolean:
                self.reads_from = False
            elif (await self._fetch("ASK", [("query", IN_ANY_GRAPH)], 1)).boolean:
                self.reads_from = True
            else:
                return True  # an empty store: nothing to mix in, ask again next time
        return self.reads_from

    async def run(self, job: Job) -> Reply:
        if (refused := refusal(job)) is not None:
            return refused
        try:
            form = sparql_text.form(job.text)  # read once, for the format and the answer
            fmt = negotiate(_answer_kind(form), job.accept, job.format)
        except NotAcceptable as error:
            return Reply.text(406, str(error))
        text = job.text
        fields = [("query", text)]
        fields += dataset_fields(text, self.graphs, job.default_graphs, job.named_graphs)
        fields += timeout_fields(self.server, self.timeout)
        protocol_dataset = job.default_graphs or job.named_graphs
        own_dataset = not protocol_dataset and sparql_text.names_dataset(text)
        try:
            async with asyncio.timeout(self.timeout):
                if own_dataset and not await self._store_reads_from():
                    return Reply.text(502, IGNORES_FROM)
                answer = await self._fetch(form, fields, job.max_rows)
            body = serialize(answer, fmt)
        except TimeoutError:
            message = f"the external store took longer than {self.timeout:g} s; query abandoned"
            return Reply.text(503, message)
        except RemoteError as error:
            return Reply.text(error.status, str(error))
        except (SyntaxError, ValueError) as error:  # terms pyoxigraph cannot write back
            return Reply.text(502, f"the external store's answer cannot be re-written: {error}")
        headers = {MAXROWS_HEADER: str(job.max_rows)} if answer.truncated else {}
        if answer.cut_bytes:
            headers[MAXBYTES_HEADER] = str(self.max_bytes)
        return Reply(200, fmt.media_type, body, headers)

    async def update(self, job: Job) -> Reply:
        if (refused := refusal(job)) is not None:
            return refused
        assert self.client is not None, "start() the backend first"
        url = self.update_endpoint
        try:
            answer = await self.client.post(
                url, content=job.text.encode(),
                headers={"Content-Type": "application/sparql-update"},
            )  # fmt: skip
            check_status(answer, answer.content, url)
        except httpx.HTTPError as error:
            failed = request_error(error, url, self.timeout)
            return Reply.text(failed.status, str(failed))
        except RemoteError as error:
            return Reply.text(error.status, str(error))
        return Reply(204, "text/plain", b"")
