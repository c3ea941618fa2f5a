"""What the web layer runs queries on: the embedded worker pool, or an external endpoint.

Both answer a :class:`~sorakg.server.execute.Job` with a :class:`~sorakg.server.execute.Reply`.
Routes reach the backend through the :func:`get_backend` dependency.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Protocol

import pyoxigraph as ox
from fastapi import Request

from sorakg.settings import Settings
from sorakg.sparql.bindings import Term, with_values

from .execute import Job, Reply

ENTITY = ox.Variable("entity")  # the variable the pages' queries bind to the page's entity


class Backend(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def run(self, job: Job) -> Reply: ...
    async def update(self, job: Job) -> Reply: ...


async def select(
    backend: Backend,
    text: str,
    max_rows: int,
    bindings: Mapping[ox.Variable, Term] | None = None,
) -> list[dict[str, str]] | None:
    """Rows of a SELECT as ``{variable: value}`` strings (unbound variables left out), or
    None when the query failed: the pages' one way to read an answer they render. ``bindings``
    are written into the text here (:mod:`sorakg.sparql.bindings`), as for every job."""
    text = with_values(text, bindings or {})
    job = Job("query", text, format="json", max_rows=max_rows, page=True)
    reply = await backend.run(job)
    if reply.status != 200:
        return None
    rows = json.loads(reply.body)["results"]["bindings"]
    return [{name: value["value"] for name, value in row.items()} for row in rows]


def backend_for(settings: Settings) -> Backend:
    """The backend ``settings`` ask for: a proxy to ``sparql_endpoint``, else the current build."""
    if settings.sparql_endpoint:
        from .proxy import ProxyBackend

        return ProxyBackend.from_settings(settings)
    from .pool import WorkerPool

    return WorkerPool.for_build(settings)


# async, so FastAPI calls them in the event loop: a plain ``def`` dependency runs in a thread
# pool, two thread hops per request for a dictionary lookup
async def get_backend(request: Request) -> Backend:
    return request.app.state.backend  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def served_root(request: Request) -> str:
    """The served base URL ('/'-terminated) from the settings, never from the Host header,
    which a client chooses and a shared cache would keep: a forged Host must not reach the links
    another client is served."""
    settings: Settings = request.app.state.settings
    return settings.served_root()
