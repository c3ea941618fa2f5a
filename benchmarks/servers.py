"""Start the three servers on the same N-Quads file, and read their CPU time.

- sorakg: ``sorakg serve`` (uvicorn + the worker pool; its CPU time includes the workers);
- Oxigraph: the ``oxigraph`` binary from PyPI, ``serve-read-only --union-default-graph``;
- rdflib-endpoint: ``python -m rdflib_endpoint serve`` (rdflib's own SPARQL engine).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    sparql: str  # the query URL

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and all its children (workers)."""
        total = 0.0
        try:
            root = psutil.Process(self.process.pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
        return total

    def stop(self) -> None:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            child.kill()
        self.process.kill()
        self.process.wait()


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 900) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


def start(name: str, graph: Path, workers: int = 2) -> Server:
    port = free_port()
    env = dict(os.environ)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if name == "sorakg":
        # serve this graph file: a build folder whose graph/sorakg.nq is a link to it
        build = Path(tempfile.mkdtemp(prefix="bench-build-"))
        (build / "graph").mkdir()
        (build / "graph" / "sorakg.nq").symlink_to(graph.resolve())
        env |= {"SORAKG_BUILD_DIR": str(build), "SORAKG_QUERY_WORKERS": str(workers),
                "SORAKG_MAX_ROWS": "1000000", "SORAKG_QUERY_TIMEOUT": "120"}  # fmt: skip
        command = [str(BIN / "sorakg"), "serve", "--port", str(port)]
        url = f"http://127.0.0.1:{port}/sparql"
    elif name == "oxigraph":
        location = tempfile.mkdtemp(prefix="bench-oxigraph-")
        binary = str(BIN / "oxigraph")
        subprocess.run([binary, "load", "--location", location, "--file", str(graph)],
                       check=True, **quiet)  # type: ignore[call-overload]  # fmt: skip
        command = [binary, "serve-read-only", "--location", location,
                   "--bind", f"127.0.0.1:{port}", "--union-default-graph"]  # fmt: skip
        url = f"http://127.0.0.1:{port}/query"
    elif name == "rdflib-endpoint":
        command = [sys.executable, "-m", "rdflib_endpoint", "serve", str(graph),
                   "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
    else:
        raise ValueError(name)
    process = subprocess.Popen(command, env=env, **quiet)  # type: ignore[call-overload]
    _wait(url, process)
    return Server(name, process, url)
