"""The web process's own CPU for one request, by layer, in-process: no socket, no client.

    .venv/bin/python -m benchmarks.request_path [--kind point] [--requests 1500] [--rounds 3]

Serves the project's build (``make build`` first) from this checkout's app and feeds a raw
``GET /sparql`` to uvicorn's protocol over a transport that keeps what is written, so the
numbers hold no kernel time and no client: what the Python side of a request costs. Four
paths, each the least CPU per request of five repeats, in turns for ``--rounds`` rounds:

- ``app``: the ASGI app alone (middlewares, ``/sparql``, the engine, the serialisation);
- ``httptools (strict)``: the protocol the server runs (server/http_tools.py) and the app;
- ``h11 (strict)``: the protocol it ran before, kept where httptools is missing
  (server/http_strict.py), and the app;
- ``httptools``: uvicorn's httptools protocol and the app (it does not make the strict checks:
  what they cost).

Prints markdown with the machine's 1-minute load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any
from urllib.parse import urlencode

import uvicorn
from uvicorn.server import ServerState

from sorakg.server.app import create_app, uvicorn_options
from sorakg.settings import Settings

from .answer_cpu import MICRO
from .workload import PREFIXES


class _Kept(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.out: list[bytes] = []

    def write(self, data: Any) -> None:
        self.out.append(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5000)}.get(name, default)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


async def _per_request(app: Any, http: Any, query: str, count: int) -> float:
    """Least CPU ms per request over five repeats of ``count`` requests."""
    text = urlencode({"query": query})
    raw = (f"GET /sparql?{text} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAccept: "
           "application/sparql-results+json\r\nUser-Agent: bench\r\n\r\n").encode()  # fmt: skip
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/sparql", "raw_path": b"/sparql", "root_path": "",
             "query_string": text.encode(), "headers": [(b"host", b"127.0.0.1:8000"),
             (b"accept", b"application/sparql-results+json")], "state": {}}  # fmt: skip

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: object) -> None: ...

    protocol = None
    if http is not None:
        config = uvicorn.Config(app, **{**uvicorn_options(Settings()), "http": http},
                                lifespan="off")  # fmt: skip
        config.load()
        loop = asyncio.get_running_loop()
        protocol = config.http_protocol_class(
            config=config, server_state=ServerState(), app_state={}, _loop=loop
        )
        protocol.connection_made(_Kept())
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(count):
            if protocol is None:
                await app(dict(scope), receive, send)
                continue
            protocol.data_received(raw)
            while not protocol.cycle.response_complete:
                await asyncio.sleep(0)
        best = min(best, (time.process_time() - started) / count * 1000)
    return best


async def _run(kind: str, count: int, rounds: int) -> None:
    from sorakg.server.http_strict import StrictH11Protocol
    from sorakg.server.http_tools import StrictHttpToolsProtocol

    app = create_app(Settings())
    paths = {"app": None, "httptools (strict)": StrictHttpToolsProtocol,
             "h11 (strict)": StrictH11Protocol, "httptools": "httptools"}  # fmt: skip
    cells: dict[str, list[float]] = {name: [] for name in paths}
    load = [os.getloadavg()[0]]
    async with app.router.lifespan_context(app):
        for _ in range(rounds):
            for name, http in paths.items():
                cells[name].append(await _per_request(app, http, PREFIXES + MICRO[kind], count))
    load.append(os.getloadavg()[0])
    print(
        f"`{kind}`, {count} requests x 5 repeats x {rounds} rounds; load "
        f"{min(load):.1f}-{max(load):.1f}\n"
    )
    print("| path | CPU ms per request (median of rounds; range) |\n|---|---|")
    for name, values in cells.items():
        print(f"| {name} | {statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=list(MICRO), default="point")
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(_run(args.kind, args.requests, args.rounds))


if __name__ == "__main__":
    main()
