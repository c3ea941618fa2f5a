"""A pool of query worker processes over the release's on-disk store.

Why processes: a pyoxigraph query cannot be interrupted from Python, so the only sound way to
stop a runaway query is to stop the process running it. Every worker opens the same on-disk
store read-only (``build/releases/<digest>/store/``, see :mod:`sorakg.release.store`), so a worker
starts in well under a second and holds no copy of the graph. Each job goes to an idle worker; if
it does not answer within the timeout the worker is killed and a fresh one is started in the
background, while the other workers keep answering. docs/endpoint.md gives the overhead.

**The fast lane** (``fast_lane``, the setting ``fast_lane_ms``): one more worker, kept for
cheap queries, so that queries which run until the timeout cannot starve a point lookup even
when they hold every general worker (issue 10.4). A query goes to an idle general worker when
there is one; when every general worker is busy it takes whichever frees first, the general
workers or the fast one. On the fast worker it may run only ``fast_lane`` seconds: past that the
worker is killed (Oxigraph cannot be interrupted), the query's text is remembered as slow, and
the query starts again in the general lane, with the full timeout. A query remembered as slow
never enters the fast lane again. So the fast worker is held by one query for at most
``fast_lane`` seconds, and a runaway that is sent again and again costs it that once. Waiting
queries are served first come, first served in each lane. The fast worker is a reader like the
others (in update mode it follows the snapshots). docs/endpoint.md has the numbers.

Updates (``updatable``, the setting ``update_enabled``) are durable. The release's store is
copied once into a live store (``build/live/<digest>/store/``) that exactly one process, the
writer worker, opens read-write and applies updates to (RocksDB's write-ahead log: an update
answered 204 survives a restart and ``kill -9``). Readers never open a store another process
writes (undefined behaviour for a read-only RocksDB): after each update the writer makes a
snapshot (``Store.backup``: hard links, milliseconds) under ``build/live/<digest>/snapshots/``,
the idle readers are replaced by readers of the new snapshot, and a busy one is replaced when
its query ends, so every query sent after the 204 sees the update. Snapshots no reader uses are
deleted. docs/endpoint.md has the measurements.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from sorakg.children import die_with_parent
from sorakg.release.default_view import default_graphs
from sorakg.sparql import text as sparql_text

from .execute import MAXROWS_HEADER, Graphs, Job, Reply, run_query
from .worker import HEADER, READY, Config, memory_message

SLOW_REMEMBERED = 1024  # query texts remembered as too slow for the fast lane (least recent out)
LOAD_TIMEOUT = 60.0  # seconds a new worker may take to start and open the store
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # backoff between attempts to replace a worker, seconds
log = logging.getLogger(__name__)


class Overrun(Exception):
    """A query ran past the fast lane's budget (its worker has been replaced)."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    store: Path | None = None  # the store (release, or a snapshot in update mode) it reads
    fast: bool = False  # the fast lane's worker

    async def call(self, value: object) -> object:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(HEADER.pack(len(payload)) + payload)
        await self.writer.drain()
        return await self.receive()

    async def receive(self) -> object:
        (size,) = HEADER.unpack(await self.reader.readexactly(HEADER.size))
        return pickle.loads(await self.reader.readexactly(size))

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.writer.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


@dataclass
class WorkerPool:
    """Workers over the release whose N-Quads are ``graph_file`` (its folder holds ``store/``,
    written from the N-Quads on first use when missing); ``None``: an empty store."""

    graph_file: Path | None
    size: int = 2
    timeout: float = 10.0
    _idle: asyncio.Queue[_Worker] = field(default_factory=asyncio.Queue)
    _workers: set[_Worker] = field(default_factory=set)
    _update_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _spawning: set[asyncio.Task[None]] = field(default_factory=set)
    updatable: bool = False  # update mode: a live copy of the release, changed by updates
    live_dir: Path | None = None  # update mode: where the live store and its snapshots live
    _writer: _Worker | None = None  # update mode: the one process that opens the live store
    generation: int = 0  # updates applied since start
    _opening: collections.Counter[Path | None] = field(default_factory=collections.Counter)
    on_update: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    max_result_bytes: int = 16_000_000  # every job's byte cap (setting max_result_bytes)
    memory_mb: int = 0  # memory a query may add to a worker (setting query_memory_mb); 0: none
    isolate_network: bool = False  # workers run without network (SERVICE and LOAD both off)
    store_dir: Path | None = None
    _pin: IO[bytes] | None = None  # held while serving: a rebuild does not prune this release
    restarts: int = 0  # workers replaced (timeouts, deaths)
    respawn_failures: int = 0  # failed attempts to start a replacement (retried with backoff)
    fast_lane: float = 0.0  # seconds a query may hold the fast lane's worker; 0: no fast lane
    _fast_idle: asyncio.Queue[_Worker] = field(default_factory=asyncio.Queue)
    _slow: OrderedDict[str, None] = field(default_factory=OrderedDict)
    moved: int = 0  # queries moved from the fast lane to the general lane
    inline_rows: int = 0  # one-pattern queries with at most this many rows are answered here
    _inline: ox.Store | None = None  # this process's read-only view of the release's store
    _inline_graphs: Graphs | None = None  # its default view's graphs (they never change)
    answered_inline: int = 0
    _closed: bool = False

    @property
    def expected(self) -> int:
        """Readers that should run: the general ones, and the fast lane's."""
        return self.size + (1 if self.fast_lane else 0)

    async def start(self) -> None:
        if self.graph_file is not None:
            from sorakg.release.folder import pin
            from sorakg.release.store import release_store

            try:
                self._pin = pin(self.graph_file.parent)
            except OSError as error:  # e.g. a read-only release folder: serve it unpinned
                log.warning("could not pin %s against pruning: %s", self.graph_file.parent, error)
            if self.store_dir is None:
                self.store_dir = await asyncio.to_thread(release_store, self.graph_file.parent)
        if self.updatable:
            if self.live_dir is None:
                raise ValueError("an updatable pool needs live_dir (where updates are kept)")
            await asyncio.to_thread(self._prepare_live)
            self._writer = await self._spawn_writer()
            self.store_dir = await self._snapshot()
        if self.inline_rows and not self.updatable and self.store_dir is not None:
            self._inline = await asyncio.to_thread(ox.Store.read_only, str(self.store_dir))
            self._inline_graphs = default_graphs(self._inline)
            sparql_text.one_pattern("")  # compiles its expression now, not at the first request
        lanes = [False] * self.size + [True] * (self.expected - self.size)
        workers = await asyncio.gather(*(self._spawn(fast=fast) for fast in lanes))
        for worker in workers:
            self._home(worker).put_nowait(worker)

    async def close(self) -> None:
        self._closed = True  # a query cancelled from now on must not start a replacement
        self._inline = None
        for task in self._spawning:
            task.cancel()
        await asyncio.gather(*self._spawning, return_exceptions=True)
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()
        if self._writer is not None:
            self._writer.kill()
            self._writer = None
        if self._pin is not None:
            self._pin.close()  # releases the lock: a later build may prune the release
            self._pin = None

    # --- update mode: the live store, its writer and its snapshots ---------------------------

    @property
    def _live_store(self) -> Path:
        assert self.live_dir is not None
        return self.live_dir / "store"

    def _prepare_live(self) -> None:
        """Copy the release's store into the live store once (a copy, not links: the writer
        changes its files); drop snapshots left by an earlier run."""
        assert self.live_dir is not None and self.store_dir is not None
        if not (self._live_store / "CURRENT").exists():
            staging = self.live_dir / f".store-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(self.store_dir, staging, ignore=shutil.ignore_patterns("LOCK"))
            os.replace(staging, self._live_store)
            log.warning("updates are kept in %s (a copy of the release)", self._live_store)
        shutil.rmtree(self.live_dir / "snapshots", ignore_errors=True)
        (self.live_dir / "snapshots").mkdir()

    async def _spawn_writer(self) -> _Worker:
        return await self._spawn(store=self._live_store, writable=True)

    async def _snapshot(self) -> Path:
        """A new read-only snapshot of the live store, made by the writer."""
        assert self._writer is not None and self.live_dir is not None
        target = self.live_dir / "snapshots" / f"{time.time_ns()}"
        reply = await asyncio.wait_for(
            self._writer.call(Job("snapshot", str(target))), LOAD_TIMEOUT
        )
        assert isinstance(reply, Reply)
        if reply.status != 204:
            raise OSError(reply.body.decode())
        return target

    def _drop_unused_snapshots(self) -> None:
        if not self.updatable or self.live_dir is None:  # read-only: there are no snapshots
            return
        used = {w.store for w in self._workers} | set(self._opening) | {self.store_dir}
        for path in (self.live_dir / "snapshots").iterdir():
            if path not in used:
                shutil.rmtree(path, ignore_errors=True)

    # --- workers --------------------------------------------------------------------------

    def _home(self, worker: _Worker) -> asyncio.Queue[_Worker]:
        """The queue an idle ``worker`` waits in: its lane's."""
        return self._fast_idle if worker.fast else self._idle

    async def _spawn(
        self, store: Path | None = None, writable: bool = False, fast: bool = False
    ) -> _Worker:
        parent, child = socket.socketpair()
        store = store or self.store_dir
        self._opening[store] += 1  # its snapshot must not be deleted while it opens
        try:
            worker = await self._start_worker(parent, child, store, writable)
            worker.fast = fast
            return worker
        finally:
            self._opening[store] -= 1
            if not self._opening[store]:
                del self._opening[store]

    async def _start_worker(
        self, parent: socket.socket, child: socket.socket, store: Path | None, writable: bool
    ) -> _Worker:
        config = Config(
            store=str(store) if store is not None else None,
            writable=writable,
            memory_mb=self.memory_mb,
            isolate_network=self.isolate_network,
        )
        command = [
            sys.executable,
            "-m",
            "sorakg.server.worker",
            str(child.fileno()),
            config.to_json(),
        ]
        process = subprocess.Popen(command, pass_fds=[child.fileno()], preexec_fn=die_with_parent())
        child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent, limit=2**20)
        worker = _Worker(process, reader, writer, store)
        try:
            ready = await asyncio.wait_for(worker.receive(), LOAD_TIMEOUT)
            assert ready == READY, ready
        except BaseException:
            worker.kill()
            raise
        if not writable:
            self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker, failed: bool = True) -> None:
        """Kill ``worker`` and start its replacement in the background (``failed``: it timed
        out or died; otherwise it read an older snapshot)."""
        worker.kill()
        self._workers.discard(worker)
        self._drop_unused_snapshots()
        if failed:
            self.restarts += 1
        if self._closed:
            return

        async def respawn() -> None:
            delay = RETRY_FIRST
            while True:
                try:
                    fresh = await self._spawn(fast=worker.fast)
                    if fresh.store == self.store_dir:
                        self._home(fresh).put_nowait(fresh)
                        return
                    fresh.kill()  # an update came while it started: start one on the new one
                    self._workers.discard(fresh)
                    continue
                except Exception as error:  # e.g. the store was deleted: retry, and /health says
                    self.respawn_failures += 1
                    log.error("a query worker could not be started (retry in %g s): %s",
                              delay, error)  # fmt: skip
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX)

        task = asyncio.ensure_future(respawn())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    async def _acquire(self) -> _Worker | None:
        try:
            return await asyncio.wait_for(self._idle.get(), self.timeout)
        except TimeoutError:
            return None

    async def _acquire_either(self) -> _Worker | None:
        """An idle general worker if there is one, else whichever lane frees a worker first
        (both lanes' waiters are served in order); None after the timeout."""
        with contextlib.suppress(asyncio.QueueEmpty):
            return self._idle.get_nowait()
        gets = [asyncio.ensure_future(queue.get()) for queue in (self._idle, self._fast_idle)]
        cancelled = False
        try:
            await asyncio.wait(gets, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            cancelled = True
        for get in gets:
            get.cancel()
        # a get that had already completed keeps its worker: collect every one
        outcomes = await asyncio.gather(*gets, return_exceptions=True)
        won = [worker for worker in outcomes if isinstance(worker, _Worker)]
        if cancelled:
            for worker in won:
                self._home(worker).put_nowait(worker)
            raise asyncio.CancelledError
        for worker in won[1:]:  # both freed at once: keep the general one, give back the fast
            self._home(worker).put_nowait(worker)
        return won[0] if won else None

    @staticmethod
    def _key(job: Job) -> str:
        """What identifies a query for the slow list: its text with whitespace normalised (a
        named query's parameters are bound in its text: slow or not with them)."""
        return " ".join(job.text.split())

    def _remember_slow(self, job: Job) -> None:
        key = self._key(job)
        self._slow[key] = None
        self._slow.move_to_end(key)
        while len(self._slow) > SLOW_REMEMBERED:
            self._slow.popitem(last=False)

    def is_slow(self, job: Job) -> bool:
        """Whether ``job``'s query once overran the fast lane (it then keeps out of it)."""
        return self._key(job) in self._slow

    async def _call(self, worker: _Worker, job: Job, budget: float | None = None) -> Reply:
        """Run ``job`` on ``worker``; the worker goes back to its lane or is replaced. With a
        ``budget`` (the fast lane) an overrun raises :class:`Overrun` instead of answering."""
        try:
            async with asyncio.timeout(budget or self.timeout):
                reply = await worker.call(job)
        except TimeoutError:
            self._replace(worker)
            if budget:
                raise Overrun from None
            return Reply.text(503, f"query stopped: it ran longer than {self.timeout:g} s")
        except (asyncio.IncompleteReadError, ConnectionError):
            self._replace(worker)
            if self.memory_mb and worker.process.returncode == -signal.SIGABRT:
                return Reply.text(503, memory_message(self.memory_mb))  # Oxigraph's alloc failed
            return Reply.text(500, "the query worker died while running this query")
        except BaseException:  # cancelled mid-call: the worker's state is unknown
            self._replace(worker)
            raise
        if worker.store == self.store_dir:
            self._home(worker).put_nowait(worker)
        else:  # an update was made while it ran: it reads an old snapshot
            self._replace(worker, failed=False)
        assert isinstance(reply, Reply)
        return reply

    @property
    def missing(self) -> int:
        """Workers that should run but do not (being replaced, or failing to start)."""
        return max(0, self.expected - len(self._workers))

    def _answer_inline(self, job: Job) -> Reply | None:
        """The reply to a point lookup from this process's own reader, or None when ``job`` is
        not a one-pattern query (:func:`sparql_text.one_pattern`) or has more than
        ``inline_rows`` rows: a worker answers it then. Such a query's time is bounded by the
        rows it yields, so it needs no process to kill; answering it here saves the round trip
        to a worker, most of a lookup's cost (docs/endpoint.md)."""
        if (
            self._inline is None
            or job.op != "query"
            or job.default_graphs
            or job.named_graphs
            or not sparql_text.one_pattern(job.text)
        ):
            return None
        limit = min(job.max_rows, self.inline_rows)
        reply = run_query(
            self._inline, dataclasses.replace(job, max_rows=limit), self._inline_graphs
        )
        if limit < job.max_rows and MAXROWS_HEADER in reply.headers:
            return None  # cut only by inline_rows: the worker answers with every row
        self.answered_inline += 1
        return reply

    async def run(self, job: Job) -> Reply:
        job = dataclasses.replace(job, max_bytes=self.max_result_bytes)
        if (reply := self._answer_inline(job)) is not None:
            return reply
        if self.fast_lane and not self.is_slow(job):
            worker = await self._acquire_either()
            if worker is not None and worker.fast:
                try:
                    return await self._call(worker, job, budget=self.fast_lane)
                except Overrun:
                    self._remember_slow(job)
                    self.moved += 1
                    worker = await self._acquire()  # start again in the general lane
        else:
            worker = await self._acquire()
        if worker is None:
            return Reply.text(503, "all query workers are busy; try again")
        return await self._call(worker, job)

    async def update(self, job: Job) -> Reply:
        """Apply an update to the live store (update mode); queries sent after it see it."""
        if not self.updatable:
            return Reply.text(403, "this endpoint serves a read-only store")
        async with self._update_lock:
            if self._writer is None:  # the last one timed out or died
                try:
                    self._writer = await self._spawn_writer()
                except Exception as error:
                    return Reply.text(503, f"the update writer could not start: {error}")
            writer = self._writer
            try:
                async with asyncio.timeout(self.timeout):
                    reply = await writer.call(job)
            except TimeoutError:  # RocksDB transactions: an update stopped midway leaves no trace
                writer.kill()
                self._writer = None
                return Reply.text(503, f"update stopped: it ran longer than {self.timeout:g} s; "
                                  "nothing was changed")  # fmt: skip
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.kill()
                self._writer = None
                if self.memory_mb and writer.process.returncode == -signal.SIGABRT:
                    return Reply.text(503, memory_message(self.memory_mb) + "; nothing was changed")
                return Reply.text(500, "the update writer died; nothing was changed")
            assert isinstance(reply, Reply)
            if reply.status != 204:
                return reply
            self.generation += 1
            try:
                self.store_dir = await self._snapshot()
            except Exception as error:  # applied and durable, but not yet visible to queries
                log.error("snapshot after an update failed: %s", error)
                return Reply.text(500, f"the update was applied but queries do not see it yet: "
                                  f"{error}")  # fmt: skip
            for idle in (self._idle, self._fast_idle):  # idle readers read the old snapshot
                while not idle.empty():
                    self._replace(idle.get_nowait(), failed=False)
            for callback in self.on_update:
                await callback()
            return reply
