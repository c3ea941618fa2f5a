"""A query worker: a process answering jobs on a socket over the release's on-disk store.

Started by :mod:`sorakg.server.pool` as ``python -m sorakg.server.worker FD CONFIG`` (CONFIG: a
JSON :class:`Config`). The store is opened read-only (milliseconds, whatever its size; the
operating system's page cache is shared by every worker). A release under the setting
``memory_store_quads`` is also loaded into memory, its default view only (``view``): queries that
name no graph run there, the others on the on-disk store. Frames are a 4-byte big-endian
length and a pickle (both ends are this package). The first frame the worker sends is
``(READY, isolation)`` once the store is open (``isolation``: how it is cut off from the
network, "" when it is not); then one reply per job.

A worker is killed, not asked, when a query overruns its time: Oxigraph cannot be interrupted.
What else protects it, in the order it is set up:

- **No network** (``isolate_network``: a reader unless SERVICE is allowed, the writer unless
  SERVICE or LOAD is): the worker enters a network namespace of its own before it opens
  anything (with a user namespace when it lacks CAP_SYS_ADMIN), so even a query that slipped
  past the SERVICE/LOAD check cannot connect anywhere, loopback included.
- **A large stack**: jobs run in a thread with a :data:`STACK_BYTES` stack, because Oxigraph
  parses and evaluates nested queries recursively and overflowing the 8 MB main stack is a
  SIGSEGV. Reserved address space only; pages are touched as the recursion goes.
- **A memory ceiling** (``memory_mb``): ``RLIMIT_AS`` is set to the worker's address space once
  the store is open and a first query has run, plus ``memory_mb``. A query that needs more fails
  to allocate: Python raises :class:`MemoryError` (answered 503 here), while Oxigraph (Rust)
  aborts the process, which the pool answers with the same 503 and replaces the worker.
- **Every exception answered**: the loop never ends on a job's error; it answers 500.

In update mode one more worker is the writer (``writable``): the only process that opens the
live store read-write; it runs the updates and, on request, makes the snapshots readers open.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import pickle
import resource
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from sorakg.children import tie_to
from sorakg.release.default_view import default_graphs, load_view

from .execute import Graphs

HEADER = struct.Struct("!I")
READY = "ready"
STACK_BYTES = 1 << 30  # 1 GiB: 200,000 nested groups parse (the main thread's 8 MB: under 5,000)
CLONE_NEWNET = 0x40000000  # from <sched.h>; os.CLONE_NEWNET needs Python 3.12
CLONE_NEWUSER = 0x10000000
log = logging.getLogger("sorakg.server.worker")


@dataclass(frozen=True)
class Config:
    store: str | None = None  # the on-disk store folder; None: an empty in-memory store
    writable: bool = False  # open it read-write: the pool's one update writer (update mode)
    memory_mb: int = 0  # address space a job may add to the worker's baseline; 0: no limit
    isolate_network: bool = False  # enter a network namespace of its own (no interfaces up)
    view: str | None = None  # the release's N-Quads: hold its default view in memory too
    parent: int | None = None  # the process that started it, which it must not outlive

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Config:
        return cls(**json.loads(text))


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise EOFError
        chunks += chunk
    return bytes(chunks)


def send_frame(sock: socket.socket, value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(HEADER.pack(len(payload)) + payload)


def recv_frame(sock: socket.socket) -> object:
    (size,) = HEADER.unpack(_recv_exact(sock, HEADER.size))
    return pickle.loads(_recv_exact(sock, size))


def isolate_network() -> str:
    """Move this process into a new, empty network namespace: with ``CLONE_NEWNET`` alone
    (needs CAP_SYS_ADMIN: root, or a privileged container), else together with a new user
    namespace (``CLONE_NEWUSER``: what ``unshare -Urn`` does, allowed to unprivileged users
    where user namespaces are enabled). Returns how, or "" (and a warning) when neither works:
    the worker then keeps the host's network, which the pool reports."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as error:
        log.warning("query worker keeps the host's network: no libc (%s)", error)
        return ""
    attempts = (("network namespace", CLONE_NEWNET),
                ("user and network namespaces", CLONE_NEWUSER | CLONE_NEWNET))  # fmt: skip
    reasons = []
    for how, flags in attempts:
        try:
            if libc.unshare(flags) == 0:
                return how
        except AttributeError:  # not Linux
            reasons.append("unshare() is not available")
            break
        errno = ctypes.get_errno()
        reasons.append(f"{how}: {os.strerror(errno)}")
    log.warning("query worker keeps the host's network: unshare failed (%s)", "; ".join(reasons))
    return ""


def open_store(path: str | None, writable: bool = False) -> ox.Store:
    """The on-disk store at ``path`` (read-only unless ``writable``), or an empty in-memory one.

    A writer replacing one that was just killed may find RocksDB's lock still held for a moment
    by the dying process, so opening read-write is retried for a few seconds."""
    if path is None:
        return ox.Store()
    if not writable:
        return ox.Store.read_only(path)
    for _ in range(50):
        try:
            return ox.Store(path)
        except OSError as error:
            if "lock" not in str(error).lower():
                raise
            time.sleep(0.1)
    return ox.Store(path)


def address_space() -> int:
    """This process's virtual memory size in bytes (what ``RLIMIT_AS`` limits)."""
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    return pages * resource.getpagesize()


def limit_memory(extra_mb: int) -> None:
    """Cap the address space at what it is now plus ``extra_mb`` MiB."""
    ceiling = address_space() + extra_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def answer(
    store: ox.Store, job: object, memory_mb: int, graphs: Graphs | None = None,
    view: ox.Store | None = None,
) -> object:  # fmt: skip
    """The reply to ``job``; never raises for an ordinary error (the worker must live on)."""
    from .execute import Reply, run

    try:
        return run(store, job, graphs, view)  # type: ignore[arg-type]
    except MemoryError:
        return Reply.text(503, memory_message(memory_mb))
    except Exception as error:  # a bug or an input nobody foresaw: one line, and go on
        return Reply.text(500, f"query failed: {_one_line(error)}")


def memory_message(memory_mb: int) -> str:
    return (
        f"query stopped: it needed more than the {memory_mb} MB of memory a query may use "
        "(setting query_memory_mb)"
    )


def snapshot(store: ox.Store, target: str) -> object:
    """A read-only view of the writer's store as it is now: ``Store.backup`` (RocksDB checkpoint:
    hard links to the immutable data files, on the same file system) into ``target``, which
    readers open read-only. Nothing ever writes a snapshot after it is made."""
    from .execute import Reply

    try:
        store.flush()
        store.backup(target)
    except OSError as error:
        return Reply.text(500, f"snapshot failed: {_one_line(error)}")
    return Reply(204, "text/plain", b"")


def _test_stop(point: str) -> None:
    """A test's way to stop the writer around an update's commit: when the file named by
    ``SORAKG_TEST_WRITER_STOP`` holds ``point`` ("before-commit", "after-commit"), the writer
    deletes it (so it stops once) and kills itself there, as a timeout or the OOM killer would."""
    flag = os.environ.get("SORAKG_TEST_WRITER_STOP")
    if flag and os.path.isfile(flag) and Path(flag).read_text().strip() == point:
        os.unlink(flag)
        os.kill(os.getpid(), signal.SIGKILL)


def serve(sock: socket.socket, config: Config, isolation: str = "") -> None:
    from .execute import Job, Reply, run
    from .update_marker import applied_serial

    store = open_store(config.store, config.writable)
    # a reader's store never changes: its default view's graphs are read once
    graphs = None if config.writable else default_graphs(store)
    # the default view in memory, loaded before the ceiling is set: the ceiling bounds a query
    view = load_view(Path(config.view)) if config.view and not config.writable else None
    if config.memory_mb:
        run(store, Job("query", "ASK { ?s ?p ?o }", format="json"))  # warm up allocator arenas
        limit_memory(config.memory_mb)
    send_frame(sock, (READY, isolation))  # how it is cut off from the network ("": it is not)
    while True:
        try:
            job = recv_frame(sock)
        except (EOFError, ConnectionError):
            return  # the server closed the socket or died: stop with it
        op = getattr(job, "op", "")
        if config.writable and op == "snapshot":
            reply = snapshot(store, job.text)  # type: ignore[attr-defined]
        elif config.writable and op == "applied":
            reply = Reply.text(200, str(applied_serial(store)))
        else:
            if op == "update":
                _test_stop("before-commit")
            reply = answer(store, job, config.memory_mb, graphs, view)
            if op == "update":
                _test_stop("after-commit")
        try:
            send_frame(sock, reply)
        except MemoryError:  # the reply itself did not fit under the ceiling
            del reply
            send_frame(sock, Reply.text(503, memory_message(config.memory_mb)))


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s:     %(message)s")
    sock = socket.socket(fileno=int(argv[0]))
    config = Config.from_json(argv[1]) if len(argv) > 1 else Config()
    if config.parent is not None:
        tie_to(config.parent)
    isolation = isolate_network() if config.isolate_network else ""
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("1000")  # under memory pressure the kernel kills a worker, not the server
    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=serve, args=(sock, config, isolation), name="queries")
    thread.start()
    thread.join()


if __name__ == "__main__":
    main(sys.argv[1:])
