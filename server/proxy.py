"""External triplestore mode: queries go to ``sparql_endpoint`` (Oxigraph, Fuseki …) over the
SPARQL Protocol, and its answers come back unchanged. The policy checks (SERVICE, LOAD, update
token) still run here; timeouts are the HTTP client's. The row cap is the remote store's
business in this mode. Bound variables become a trailing ``VALUES`` clause, written from
RDF terms (parsed and re-serialized by pyoxigraph), never pasted text.
"""

from __future__ import annotations

import httpx
import pyoxigraph as ox

from .execute import Job, Reply, parse_term, refusal
from .formats import FORMATS, NotAcceptable, by_name


def _accept(job: Job) -> str:
    if not job.format:
        return job.accept or "*/*"
    found = {
        fmt.media_type for kind in ("solutions", "graph") if (fmt := by_name(kind, job.format))
    }
    if not found:
        raise NotAcceptable("solutions")
    return ", ".join(sorted(found))


def _with_bindings(job: Job) -> str:
    if not job.bindings:
        return job.text
    names = " ".join(str(ox.Variable(name)) for name in job.bindings)
    values = " ".join(str(parse_term(term)) for term in job.bindings.values())
    return f"{job.text}\nVALUES ({names}) {{ ({values}) }}"


class ProxyBackend:
    def __init__(self, endpoint: str, timeout: float = 10.0):
        self.endpoint = endpoint
        self.timeout = timeout
        self.client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self.client = httpx.AsyncClient(timeout=self.timeout)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def _post(self, data: dict[str, object], accept: str) -> Reply:
        assert self.client is not None, "start() the backend first"
        try:
            answer = await self.client.post(self.endpoint, data=data, headers={"Accept": accept})
        except httpx.TimeoutException:
            return Reply.text(503, f"the external endpoint took longer than {self.timeout:g} s")
        except httpx.HTTPError as error:
            return Reply.text(502, f"the external endpoint failed: {error}")
        media_type = answer.headers.get("content-type", "application/octet-stream")
        return Reply(answer.status_code, media_type, answer.content)

    async def run(self, job: Job) -> Reply:
        if (refused := refusal(job)) is not None:
            return refused
        try:
            accept = _accept(job)
        except NotAcceptable:
            offered = {f.name for formats in FORMATS.values() for f in formats}
            return Reply.text(406, f"unknown format {job.format!r}; use one of {sorted(offered)}")
        data: dict[str, object] = {"query": _with_bindings(job)}
        if job.default_graphs:
            data["default-graph-uri"] = list(job.default_graphs)
        if job.named_graphs:
            data["named-graph-uri"] = list(job.named_graphs)
        return await self._post(data, accept)

    async def update(self, job: Job) -> Reply:
        if (refused := refusal(job)) is not None:
            return refused
        reply = await self._post({"update": job.text}, "*/*")
        return Reply(204, "text/plain", b"") if reply.status in (200, 204) else reply
