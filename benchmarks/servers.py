"""Start the three servers on the same N-Quads file, and read their CPU time and memory.

- sorakg: ``sorakg serve`` (uvicorn + the worker pool; its CPU time includes the workers), of
  this checkout or of a baseline commit (``code=``, see :mod:`benchmarks.baseline`);
- Oxigraph: the ``oxigraph`` binary from PyPI, ``serve-read-only --union-default-graph``
  (``serve`` when it must accept updates), on a store loaded once by :func:`oxigraph_load`;
- rdflib-endpoint: ``python -m rdflib_endpoint serve`` (rdflib's own SPARQL engine).

``Server.startup_s`` is the time from starting the process to its first answer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

BIN = Path(sys.executable).parent


def nice(level: int = 5) -> list[str]:
    """The command prefix that runs a child at CPU priority ``level`` whatever this process's
    own (``nice -n`` adds to it: a benchmark already at nice 5 would give its child 10)."""
    return ["nice", "-n", str(max(0, level - os.nice(0)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    sparql: str  # the query URL
    startup_s: float = 0.0
    update_url: str = ""

    @property
    def root(self) -> str:
        split = urlsplit(self.sparql)
        return f"{split.scheme}://{split.netloc}"

    def processes(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and all its children (workers)."""
        total = 0.0
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def memory_mb(self, pss: bool = True) -> tuple[float, float]:
        """(RSS, PSS) in MB summed over the server and its children. RSS counts pages shared
        between processes (libraries, a shared store's mapped files) once per process; PSS
        divides them among the processes that share them, so its sum is the real footprint.
        Without ``pss`` (quicker: no walk of every mapping) the second is the RSS."""
        rss = total = 0.0
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                info = proc.memory_full_info() if pss else proc.memory_info()
                rss += info.rss
                total += getattr(info, "pss", info.rss)
        return rss / 2**20, total / 2**20

    def stop(self) -> None:
        for proc in reversed(self.processes()):
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        self.process.wait()

    def busy(self) -> bool:
        """Whether a thread of the server's processes is running or waiting for a core (state R
        or D): unlike its CPU time, this does not look idle when the machine's load starves it."""
        for proc in self.processes():
            try:
                for task in Path(f"/proc/{proc.pid}/task").iterdir():
                    state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state in ("R", "D"):
                        return True
            except OSError:  # it exited meanwhile
                continue
        return False

    def loading(self) -> bool:
        """Whether some of sorakg's query workers hold the default view in memory and others
        not yet: the pool replaces them one by one after start, or after a timeout."""
        views = set()
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                line = proc.cmdline()
                if "sorakg.server.worker" in line:
                    views.add('"view": null' not in line[-1])
        return len(views) > 1

    def settle(self, views: bool = True, most: float = 900) -> float:
        """Wait until the server is idle: no thread running or runnable in three looks half a
        second apart, and (``views``) no query worker still without its in-memory view where
        the others have theirs, so whatever it loads after its first answer is loaded. Returns
        the seconds waited."""
        started = time.perf_counter()
        calm = 0
        while calm < 3 and time.perf_counter() - started < most:
            time.sleep(0.5)
            calm = 0 if self.busy() or (views and self.loading()) else calm + 1
        return time.perf_counter() - started

    def crash(self) -> None:
        """kill -9 the server and every child at once, as a power cut or the OOM killer would."""
        self.stop()


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 3600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(url)


def oxigraph_load(graph: Path, location: Path | None = None) -> tuple[Path, float]:
    """The graph loaded into a new Oxigraph on-disk store; (its folder, seconds the load took)."""
    target = location or Path(tempfile.mkdtemp(prefix="bench-oxigraph-"))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    started = time.perf_counter()
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(target), "--file", str(graph)],
                   check=True, **quiet)  # type: ignore[call-overload]  # fmt: skip
    return target, time.perf_counter() - started


def sorakg_build(graph: Path, store: bool = False) -> tuple[Path, float]:
    """A build folder serving this graph file, laid out as ``sorakg build`` does it:
    ``graph`` links to ``releases/bench/``, whose ``sorakg.nq`` is the file (hard-linked where
    the file system allows, since the server resolves links to find its release folder). With
    ``store``, the release's on-disk store is written as ``sorakg build`` writes it; the seconds
    that took are returned (0 without)."""
    build = Path(tempfile.mkdtemp(prefix="bench-build-"))
    release = build / "releases" / "bench"
    release.mkdir(parents=True)
    try:
        os.link(graph, release / "sorakg.nq")
    except OSError:
        shutil.copyfile(graph, release / "sorakg.nq")
    (build / "graph").symlink_to(Path("releases") / "bench")
    # an empty download index: the server's one-time export of the release in every format
    # (minutes of rdflib at 1M triples) would otherwise run beside what is measured
    (release / "downloads").mkdir()
    (release / "downloads" / "index.json").write_text("{}\n")
    seconds = 0.0
    if store:
        from sorakg.release.folder import STORE_DIR, write_store

        started = time.perf_counter()
        write_store(release / "sorakg.nq", release / STORE_DIR)
        manifest(release)
        seconds = time.perf_counter() - started
    return build, seconds


def manifest(release: Path) -> None:
    """The triple count of each graph in ``manifest.json``, as ``sorakg build`` writes it: the
    server reads the counts from there instead of counting the store at start."""
    import collections
    import json

    counts: collections.Counter[str] = collections.Counter()
    with (release / "sorakg.nq").open("rb") as lines:
        for line in lines:
            graph = line.rstrip()[:-1].rstrip().rsplit(b" ", 1)[-1]  # "<s> <p> <o> <g> ."
            counts[graph[1:-1].decode()] += 1
    stats = {"graphs": dict(sorted(counts.items()))}
    (release / "manifest.json").write_text(json.dumps({"stats": stats}) + "\n")


def start(
    name: str,
    graph: Path,
    workers: int = 2,
    *,
    code: Path | None = None,
    settings: dict[str, str] | None = None,
    build: Path | None = None,
    location: Path | None = None,
    timeout: float = 120,
    writable: bool = False,
    port: int = 0,
) -> Server:
    """Start server ``name`` on ``graph`` and wait for its first answer.

    sorakg: ``code`` is a folder put first on PYTHONPATH (a baseline commit), ``settings`` extra
    ``SORAKG_*`` variables, ``build`` a build folder made earlier (restarts reuse it).
    oxigraph: ``location`` a store loaded earlier by :func:`oxigraph_load` (else loaded now),
    ``writable`` runs ``serve`` (accepts updates) instead of ``serve-read-only``. ``port``: the
    port to listen on (a restart keeps its URLs); 0: a free one.
    """
    port = port or free_port()
    env = dict(os.environ)
    quiet: dict[str, object] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    cwd = tempfile.gettempdir()  # not the checkout: its folders would shadow a baseline's
    update_url = ""
    if name == "sorakg":
        env |= {"SORAKG_BUILD_DIR": str(build or sorakg_build(graph)[0]),
                "SORAKG_QUERY_WORKERS": str(workers),
                "SORAKG_MAX_ROWS": "1000000", "SORAKG_QUERY_TIMEOUT": f"{timeout:g}"}  # fmt: skip
        env |= settings or {}
        if code is not None:  # the baseline's own tables (its settings look beside its code)
            env.setdefault("SORAKG_DATA_DIR", str(code / "sorakg" / "loaders" / "data"))
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
        # `python -m sorakg` is the `sorakg` command of whichever code PYTHONPATH puts first (the
        # installed script names this checkout's entry point, which a baseline may not have)
        command = [sys.executable, "-m", "sorakg", "serve", "--port", str(port)]
        url = update_url = f"http://127.0.0.1:{port}/sparql"
    elif name == "oxigraph":
        if location is None:
            location, _ = oxigraph_load(graph)
        binary = str(BIN / "oxigraph")
        mode = "serve" if writable else "serve-read-only"
        command = [binary, mode, "--location", str(location), "--bind", f"127.0.0.1:{port}",
                   "--union-default-graph", "--timeout-s", f"{timeout:g}"]  # fmt: skip
        url = f"http://127.0.0.1:{port}/query"
        update_url = f"http://127.0.0.1:{port}/update"
    elif name == "rdflib-endpoint":
        command = [sys.executable, "-m", "rdflib_endpoint", "serve", str(graph),
                   "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
    else:
        raise ValueError(name)
    started = time.perf_counter()
    if os.environ.get("BENCH_SERVER_LOG"):  # a file that gets every server's output, to debug
        log = open(os.environ["BENCH_SERVER_LOG"], "ab")  # noqa: SIM115 (the server holds it)
        quiet = {"stdout": log, "stderr": log}
    process = subprocess.Popen(command, env=env, cwd=cwd, **quiet)  # type: ignore[call-overload]
    try:
        _wait(url, process)
    except BaseException:
        Server(name, process, url).stop()
        raise
    return Server(name, process, url, time.perf_counter() - started, update_url)


def copy_store(location: Path) -> Path:
    """A copy of an Oxigraph store folder, for a run that writes to it."""
    target = Path(tempfile.mkdtemp(prefix="bench-oxigraph-rw-")) / "store"
    shutil.copytree(location, target)
    return target
