"""The pool's supervision: starting worker processes, replacing the ones that time out or die
(in the background, with backoff), and saying how many are missing and how they are isolated
from the network. :class:`sorakg.server.pool.WorkerPool` is built on it."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import pickle
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path

from .worker import HEADER, READY, Config

LOAD_TIMEOUT = 60.0  # seconds a new worker may take to start and open the store
# A reader that loads the default view may take longer: the on-disk readers answer meanwhile, and
# on a busy machine a million quads take minutes to parse (4.4 CPU s when the machine is idle).
VIEW_LOAD_TIMEOUT = 900.0
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # backoff between attempts to replace a worker, seconds
VIEW_GAP = 60.0  # seconds between two loads of the default view by replacement workers
log = logging.getLogger("sorakg.server.pool")


class Unisolated(RuntimeError):
    """A worker that should run without network could not be cut off from it."""


def _stop(process: subprocess.Popen[bytes], channel: asyncio.StreamWriter | socket.socket) -> None:
    """Kill a worker's process, close this end of its channel, and reap it (briefly)."""
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    channel.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    store: Path | None = None  # the store (release, or a snapshot in update mode) it reads
    fast: bool = False  # the fast lane's worker
    page: bool = False  # the worker kept for the site's own pages
    isolation: str = ""  # how it is cut off from the network ("": it is not)
    memory: bool = False  # it holds the default view in memory (pool.view_file)
    retiring: bool = False  # an in-memory reader replaced it: killed when next free, not respawned

    async def call(self, value: object) -> object:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(HEADER.pack(len(payload)) + payload)
        await self.writer.drain()
        return await self.receive()

    async def receive(self) -> object:
        (size,) = HEADER.unpack(await self.reader.readexactly(HEADER.size))
        return pickle.loads(await self.reader.readexactly(size))

    def kill(self) -> None:
        _stop(self.process, self.writer)


@dataclass(eq=False)
class _Launched:
    """A worker's process, started and not yet known to be ready (:meth:`Supervision._launch`)."""

    process: subprocess.Popen[bytes]
    sock: socket.socket  # this end of its socket pair
    store: Path | None
    memory: bool

    def kill(self) -> None:
        _stop(self.process, self.sock)


class Supervision:
    """Starts, replaces and counts the pool's worker processes."""

    # declared by WorkerPool (the dataclass): what supervision reads and writes
    size: int
    store_dir: Path | None
    live_dir: Path | None
    updatable: bool
    fast_lane: float
    page_lane: bool
    memory_mb: int
    isolate_network: bool
    isolate_writer: bool
    view_file: Path | None
    eager_views: bool
    view_gap: float
    view_load_timeout: float
    view_failures: int
    _viewing: asyncio.Task[None] | None
    _viewed_at: float
    _view_lock: asyncio.Lock
    allow_unisolated: bool
    restarts: int
    respawn_failures: int
    _workers: set[_Worker]
    _spawning: set[asyncio.Task[None]]
    _opening: collections.Counter[Path | None]
    _idle: asyncio.Queue[_Worker]
    _fast_idle: asyncio.Queue[_Worker]
    _page_idle: asyncio.Queue[_Worker]
    _writer: _Worker | None
    _refreshing: int
    _closed: bool

    @property
    def expected(self) -> int:
        """Readers that should run: the general ones, the fast lane's and the pages'."""
        return self.size + (1 if self.fast_lane else 0) + (1 if self.page_lane else 0)

    def _home(self, worker: _Worker) -> asyncio.Queue[_Worker]:
        """The queue an idle ``worker`` waits in: its lane's."""
        if worker.page:
            return self._page_idle
        return self._fast_idle if worker.fast else self._idle

    async def _spawn(
        self, store: Path | None = None, writable: bool = False, fast: bool = False,
        page: bool = False, memory: bool | None = None, launched: _Launched | None = None,
    ) -> _Worker:  # fmt: skip
        """A new worker; ``memory``: holding the default view in memory (default: when the
        pool serves the release from memory, ``view_file``). ``launched``: its process, started
        earlier by :meth:`_launch` (then ``store`` and ``memory`` are the ones it was given)."""
        if launched is not None:
            store, memory = launched.store, launched.memory
        store = store or self.store_dir
        if memory is None:
            memory = self.view_file is not None and not writable
        self._opening[store] += 1  # its snapshot must not be deleted while it opens
        try:
            started = launched or self._launch(store, writable, memory)
            worker = await self._ready(started, writable)
            worker.fast, worker.page = fast, page
            return worker
        finally:
            self._opening[store] -= 1
            if not self._opening[store]:
                del self._opening[store]

    def _launch(self, store: Path | None, writable: bool, memory: bool) -> _Launched:
        """Start a worker's process (it imports, opens ``store`` and says it is ready on its
        socket while this process goes on): :meth:`_ready` waits for it."""
        parent, child = socket.socketpair()
        config = Config(
            store=str(store) if store is not None else None,
            writable=writable,
            memory_mb=self.memory_mb,
            isolate_network=self.isolate_writer if writable else self.isolate_network,
            view=str(self.view_file) if memory and self.view_file is not None else None,
            parent=os.getpid(),  # the worker ties itself to this process (children.tie_to)
        )
        command = [
            sys.executable,
            "-m",
            "sorakg.server.worker",
            str(child.fileno()),
            config.to_json(),
        ]
        try:
            process = subprocess.Popen(command, pass_fds=[child.fileno()])
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        return _Launched(process, parent, store, memory)

    async def _ready(self, launched: _Launched, writable: bool) -> _Worker:
        """The worker whose process :meth:`_launch` started, once it has opened its store."""
        try:
            reader, writer = await asyncio.open_unix_connection(sock=launched.sock, limit=2**20)
        except BaseException:
            launched.kill()
            raise
        worker = _Worker(launched.process, reader, writer, launched.store, memory=launched.memory)
        try:
            timeout = self.view_load_timeout if launched.memory else LOAD_TIMEOUT
            ready = await asyncio.wait_for(worker.receive(), timeout)
            assert isinstance(ready, tuple) and ready[0] == READY, ready
            worker.isolation = ready[1]
            isolate = self.isolate_writer if writable else self.isolate_network
            if isolate and not worker.isolation and not self.allow_unisolated:
                raise Unisolated(
                    "the query workers cannot be cut off from the network (neither a network "
                    "namespace nor a user namespace could be made: see the warning above); "
                    "set allow_unisolated = true to serve anyway, with the SERVICE/LOAD check "
                    "as the only guard"
                )
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
        if worker.retiring:  # its in-memory successor is already serving
            return
        self._drop_unused_snapshots()
        if failed:
            self.restarts += 1
        if self._closed:
            return
        expected = not failed  # a replacement after an update: not a sign of trouble
        self._refreshing += expected

        async def respawn() -> None:
            nonlocal expected
            delay = RETRY_FIRST
            while True:
                try:
                    fresh = await self._spawn(
                        fast=worker.fast, page=worker.page, memory=self._view_at_once()
                    )
                    if fresh.store == self.store_dir:
                        self._refreshing -= expected
                        self._serve(fresh)
                        return
                    fresh.kill()  # an update came while it started: start one on the new one
                    self._workers.discard(fresh)
                    continue
                except Exception as error:  # e.g. the store was deleted: retry, and /health says
                    self._refreshing -= expected  # from now on it counts as missing
                    expected = False
                    delay = await self._after_failed_start(error, delay)

        self._background(respawn())

    def _background(self, work: Coroutine[object, object, None]) -> asyncio.Task[None]:
        """``work`` as a task the pool keeps (and cancels on close) until it ends."""
        task = asyncio.ensure_future(work)
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)
        return task

    def _serve(self, worker: _Worker) -> None:
        """A started reader to its lane's queue; one on the disk gets its view in time."""
        self._home(worker).put_nowait(worker)
        if self.view_file is not None and not worker.memory:
            self._load_views_later()

    async def _after_failed_start(self, error: Exception, delay: float) -> float:
        """A reader that could not start: counted, logged, and ``delay`` waited before the next
        try; the delay after that one (doubled, up to RETRY_MAX)."""
        self.respawn_failures += 1
        log.error("a query worker could not be started (retry in %g s): %s", delay, error)
        await asyncio.sleep(delay)
        return min(delay * 2, RETRY_MAX)

    def _start_later(self, lanes: list[tuple[bool, bool]], memory: bool) -> None:
        """Start a reader for each (fast, page) lane of ``lanes`` in the background, retrying
        with backoff as a replacement does; until each is up it counts as expected, not
        missing. The fast lane's and the pages' readers of ``sorakg serve``: the first answers
        need neither, so the start does not wait for them (two fewer processes starting
        beside the web process's)."""
        self._refreshing += len(lanes)

        async def start(fast: bool, page: bool) -> None:
            delay, counted = RETRY_FIRST, True
            while not self._closed:
                try:
                    worker = await self._spawn(fast=fast, page=page, memory=memory)
                except Exception as error:  # /health says missing from now on
                    self._refreshing -= counted
                    counted = False
                    delay = await self._after_failed_start(error, delay)
                    continue
                self._refreshing -= counted
                self._serve(worker)
                return

        for fast, page in lanes:
            self._background(start(fast, page))

    def _view_at_once(self) -> bool:
        """Whether a replacement worker loads the default view before it serves: only when
        that is cheap (``eager_quads``). A large release's replacement reads the disk first and
        is given its view later (:meth:`_load_views_later`), so queries killed at the timeout
        again and again cannot make the pool parse the release again and again."""
        return self.view_file is not None and self.eager_views

    def _load_views_later(self) -> None:
        """Give the on-disk readers their views, :data:`VIEW_GAP` seconds after the last view
        was loaded (at most one load a minute: about 7 % of a core at a million quads)."""
        if self._viewing is not None and not self._viewing.done():
            return  # it will find this reader too

        async def later() -> None:
            await asyncio.sleep(max(0.0, self._viewed_at + self.view_gap - time.monotonic()))
            await self._load_views()

        self._viewing = self._background(later())

    async def _load_views(self) -> None:
        """Replace each on-disk reader by one holding the default view in memory, one at a
        time: the new one is serving before the old one goes, so the pool never runs short while
        a large release loads (seconds per million quads). One pass at a time (no reader is
        replaced twice), until none is left on the disk: one that started meanwhile (a later
        lane's, a replacement's) gets its view :data:`VIEW_GAP` after the last load, as a
        replacement does (:meth:`_load_views_later`)."""
        async with self._view_lock:
            while not self._closed and (on_disk := self._on_disk()):
                for old in on_disk:
                    await self._load_view_of(old)
                if self._on_disk():
                    await asyncio.sleep(
                        max(0.0, self._viewed_at + self.view_gap - time.monotonic())
                    )

    def _on_disk(self) -> list[_Worker]:
        return [w for w in self._workers if not w.memory and not w.retiring]

    async def _load_view_of(self, old: _Worker) -> None:
        """Replace ``old`` by a reader holding the view, tried again until one loads (unless
        ``old`` is gone or the pool closed meanwhile)."""
        fresh = None
        while fresh is None:
            if old not in self._workers or self._closed:  # replaced or closed meanwhile
                return
            try:
                fresh = await self._spawn(fast=old.fast, page=old.page, memory=True)
            except Exception as error:  # the on-disk readers go on answering; try again
                self.view_failures += 1
                log.error("a query worker could not load the release into memory "
                          "(%r); trying again in %g s", error, self.view_gap)  # fmt: skip
                self._viewed_at = time.monotonic()
                await asyncio.sleep(self.view_gap)
        self._viewed_at = time.monotonic()
        self._retire(old)
        self._home(fresh).put_nowait(fresh)

    def _retire(self, worker: _Worker) -> None:
        """Stop ``worker`` without a replacement: now if it is idle, else when its query ends."""
        worker.retiring = True
        queue = self._home(worker)
        idle = [queue.get_nowait() for _ in range(queue.qsize())]
        for other in idle:
            if other is not worker:
                queue.put_nowait(other)
        if worker in idle:
            self._replace(worker)

    def _drop_unused_snapshots(self) -> None:
        if not self.updatable or self.live_dir is None:  # read-only: there are no snapshots
            return
        used = {w.store for w in self._workers} | set(self._opening) | {self.store_dir}
        for path in (self.live_dir / "snapshots").iterdir():
            if path not in used:
                shutil.rmtree(path, ignore_errors=True)

    def isolation(self) -> dict[str, str]:
        """How the readers (and the writer) are cut off from the network, in words."""

        def state(isolate: bool, allowed: str, workers: list[_Worker]) -> str:
            if not isolate:
                return f"not isolated: not asked for ({allowed} allowed)"
            hows = {worker.isolation for worker in workers}
            if "" in hows:
                return "NOT isolated: no network or user namespace (allow_unisolated is set)"
            return "isolated: " + ", ".join(sorted(hows)) if hows else "isolated"

        states = {"readers": state(self.isolate_network, "SERVICE is", list(self._workers))}
        if self.updatable:
            writers = [self._writer] if self._writer is not None else []
            states["writer"] = state(self.isolate_writer, "SERVICE or LOAD is", writers)
        return states

    @property
    def missing(self) -> int:
        """Workers that should run but do not (being replaced after a timeout or a death, or
        failing to start); readers being replaced by ones of a newer snapshot do not count."""
        return max(0, self.expected - len(self._workers) - self._refreshing)
