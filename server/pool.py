"""A pool of query worker processes over the release's on-disk store.

Why processes: a pyoxigraph query cannot be interrupted from Python, so the only sound way to
stop a runaway query is to stop the process running it. Every worker opens the same on-disk
store read-only (``build/releases/<digest>/store/``, see :mod:`sorakg.release.store`), so a worker
starts in well under a second and holds no copy of the graph. Each job goes to an idle worker; if
it does not answer within the timeout the worker is killed and a fresh one is started in the
background, while the other workers keep answering. docs/endpoint.md gives the overhead.

**The fast lane** (``fast_lane``, the setting ``fast_lane_ms``): one more worker, kept for
cheap queries, so that queries which run until the timeout cannot starve a point lookup even
when they hold every general worker. A query goes to an idle general worker when
there is one; when every general worker is busy it takes whichever frees first, the general
workers or the fast one. On the fast worker it may run only ``fast_lane`` seconds: past that the
worker is killed (Oxigraph cannot be interrupted), the query's text is remembered as slow, and
the query starts again in the general lane, with the full timeout. A query remembered as slow
keeps out of the fast lane for ten minutes. So the fast worker is held by one query for at most
``fast_lane`` seconds, and a runaway that is sent again and again costs it that once in ten
minutes. Waiting queries are served first come, first served in each lane. The fast worker is a
reader like the others (in update mode it follows the snapshots). docs/endpoint.md has the
numbers.

**The pages' worker** (``page_lane``): one more, for the Linked Data pages' own queries
(``Job.page``), which take it or a general worker, whichever frees first; nothing else uses it,
so runaway queries cannot starve the pages however they vary their text.

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
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from sorakg.release.default_view import default_graphs, load_view, release_quads
from sorakg.settings import Settings
from sorakg.sparql import text as sparql_text

from .execute import Graphs, Job, Reply
from .pool_inline import INLINE_IN_FLIGHT, INLINE_TEXT, InlineAnswers
from .pool_lanes import SLOW_FOR, SLOW_REMEMBERED, Overrun
from .pool_workers import (
    LOAD_TIMEOUT,
    VIEW_GAP,
    VIEW_LOAD_TIMEOUT,
    Unisolated,
    _Launched,
    _Worker,
)
from .pool_writer import UNKNOWN, UpdateWriter

__all__ = ["INLINE_IN_FLIGHT", "INLINE_TEXT", "LOAD_TIMEOUT", "SLOW_FOR", "SLOW_REMEMBERED",
           "UNKNOWN", "Overrun", "Unisolated", "WorkerPool"]  # fmt: skip
log = logging.getLogger(__name__)
EAGER_QUADS = 100_000  # a release this small loads into memory in well under a second


@dataclass
class WorkerPool(UpdateWriter, InlineAnswers):
    """Workers over the release whose N-Quads are ``graph_file`` (its folder holds ``store/``,
    written from the N-Quads on first use when missing); ``None``: an empty store. Its jobs
    live in four modules: supervision (``pool_workers``), lanes (``pool_lanes``), the update
    writer (``pool_writer``) and inline answers (``pool_inline``)."""

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
    applied: int = 0  # update mode: the serial of the last update committed to the live store
    _opening: collections.Counter[Path | None] = field(default_factory=collections.Counter)
    on_update: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    max_result_bytes: int = 16_000_000  # every job's byte cap (setting max_result_bytes)
    memory_mb: int = 0  # memory a query may add to a worker (setting query_memory_mb); 0: none
    isolate_network: bool = False  # readers run without network (SERVICE off)
    isolate_writer: bool = False  # the update writer runs without network (SERVICE and LOAD off)
    allow_unisolated: bool = False  # serve even when a worker cannot be cut off from the network
    store_dir: Path | None = None
    _launched: list[_Launched] = field(default_factory=list)  # see launch_readers
    lanes_later: bool = False  # the fast lane's and the pages' readers start after start()
    _pin: IO[bytes] | None = None  # held while serving: a rebuild does not prune this release
    restarts: int = 0  # workers replaced (timeouts, deaths)
    respawn_failures: int = 0  # failed attempts to start a replacement (retried with backoff)
    fast_lane: float = 0.0  # seconds a query may hold the fast lane's worker; 0: no fast lane
    _fast_idle: asyncio.Queue[_Worker] = field(default_factory=asyncio.Queue)
    _slow: OrderedDict[str, float] = field(default_factory=OrderedDict)  # key → when it overran
    page_lane: bool = False  # one more worker, for the pages' own queries (Job.page)
    _page_idle: asyncio.Queue[_Worker] = field(default_factory=asyncio.Queue)
    moved: int = 0  # queries moved from the fast lane to the general lane
    inline_rows: int = 0  # one-pattern queries with at most this many rows are answered here
    _inline: ox.Store | None = None  # this process's read-only view of the release's store
    _inline_graphs: Graphs | None = None  # its default view's graphs (they never change)
    _inline_view: ox.Store | None = None  # this process's copy of the default view in memory
    # a release of at most this many quads is held in memory (the setting's default)
    memory_quads: int = Settings.model_fields["memory_store_quads"].default
    eager_quads: int = EAGER_QUADS  # up to this many, loaded before the first answer
    view_file: Path | None = None  # the N-Quads the readers load their in-memory view from
    eager_views: bool = False  # the view is small: every worker loads it before it serves
    view_gap: float = VIEW_GAP  # a replacement's view loads at most once in this many seconds
    view_load_timeout: float = VIEW_LOAD_TIMEOUT  # seconds a reader may take to load its view
    view_failures: int = 0  # loads of a reader's view that failed (each is tried again)
    _viewing: asyncio.Task[None] | None = None
    _viewed_at: float = float("-inf")
    _view_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one pass of loads at a time
    answered_inline: int = 0
    _refreshing: int = 0  # readers being replaced after an update (expected, not missing)
    writer_error: str = ""  # why the update writer is broken ("": it is not), for /health
    _inline_busy: int = 0
    _inline_threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(INLINE_IN_FLIGHT, "inline-answers")
    )
    _closed: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, graph_file: Path | None) -> WorkerPool:
        """The pool ``settings`` describe, over the release whose N-Quads are ``graph_file``."""
        live = graph_file.parent.name if graph_file is not None else "empty"
        return cls(
            graph_file,
            size=settings.query_workers,
            timeout=settings.query_timeout,
            fast_lane=settings.fast_lane_ms / 1000,
            page_lane=settings.page_lane,
            inline_rows=settings.inline_rows,
            memory_quads=settings.memory_store_quads,
            updatable=settings.update_enabled,
            live_dir=settings.build_dir / "live" / live,
            max_result_bytes=settings.max_result_bytes,
            memory_mb=settings.query_memory_mb,
            # no network unless a query may fetch: defence in depth behind the checks; readers
            # fetch only for SERVICE, the writer also for LOAD
            isolate_network=not settings.allow_service,
            isolate_writer=not (settings.allow_service or settings.allow_load),
            allow_unisolated=settings.allow_unisolated,
        )

    def launch_readers(self) -> None:
        """Start the general lane's readers now, ahead of :meth:`start`, which then waits for
        them instead of starting them, and starts the fast lane's and the pages' after it has
        (``lanes_later``): ``sorakg serve`` calls this before it imports the web framework, so
        the workers start on the other core meanwhile, and the first answer waits for the
        readers it needs only. A read-only pool over a release whose store is written (an older
        build's is written by :meth:`start` first)."""
        if self.updatable or self.graph_file is None or self._launched:
            return
        from sorakg.release.folder import STORE_DIR
        from sorakg.release.store import release_store

        if not (self.graph_file.parent / STORE_DIR / "CURRENT").exists():
            return
        self._pin_release()
        self.store_dir = self.store_dir or release_store(self.graph_file.parent)
        self.lanes_later = True
        self._launched = self._launch_readers(self._plan_views(), self._lanes()[: self.size])

    def _launch_readers(self, memory: bool, lanes: list[tuple[bool, bool]]) -> list[_Launched]:
        """A process started for each lane's reader (all stopped if one cannot be started)."""
        launched: list[_Launched] = []
        try:
            for _ in lanes:
                launched.append(self._launch(self.store_dir, False, memory))
        except BaseException:
            for one in launched:
                one.kill()
            raise
        return launched

    def _pin_release(self) -> None:
        from sorakg.release.folder import pin

        if self.graph_file is None or self._pin is not None:
            return
        try:
            self._pin = pin(self.graph_file.parent)
        except OSError as error:  # e.g. a read-only release folder: serve it unpinned
            log.warning("could not pin %s against pruning: %s", self.graph_file.parent, error)

    def _plan_views(self) -> bool:
        """Whether the readers hold the default view in memory (``view_file``: the release is
        under ``memory_quads``) and load it before they serve (``eager_views``: it is small)."""
        quads = release_quads(self.graph_file) if self.graph_file is not None else 0
        if self.graph_file is not None and not self.updatable and quads <= self.memory_quads:
            self.view_file = self.graph_file
        self.eager_views = self.view_file is not None and quads <= self.eager_quads
        return self.eager_views

    def _lanes(self) -> list[tuple[bool, bool]]:
        """(fast, page) of each reader: the general lane's, the fast lane's, the pages'."""
        lanes = [(False, False)] * self.size + [(True, False)] * (1 if self.fast_lane else 0)
        return lanes + [(False, True)] * (1 if self.page_lane else 0)

    @classmethod
    def for_build(cls, settings: Settings) -> WorkerPool:
        """The pool over the current build (:class:`MissingBuild` when there is none), its link
        resolved now, so that a rebuild while serving cannot mix two releases."""
        from sorakg.release.store import built_file

        return cls.from_settings(settings, built_file(settings).resolve())

    async def start(self) -> None:
        if self.graph_file is not None:
            from sorakg.release.store import release_store

            self._pin_release()
            if self.store_dir is None:
                self.store_dir = await asyncio.to_thread(release_store, self.graph_file.parent)
        if self.updatable:
            if self.live_dir is None:
                raise ValueError("an updatable pool needs live_dir (where updates are kept)")
            await asyncio.to_thread(self._prepare_live)
            self._writer = await self._spawn_writer()
            self.store_dir = await self._snapshot()
        eager = self.eager_views if self._launched else self._plan_views()
        lanes, later = self._lanes(), []
        if self.lanes_later:
            lanes, later = lanes[: self.size], lanes[self.size :]
        # every reader's process starts before this one opens its own reader, so they start
        # on the other core meanwhile
        launched = self._launched or self._launch_readers(eager, lanes)
        self._launched = []
        spawns = zip(lanes, launched, strict=True)
        spawning = asyncio.gather(
            *(self._spawn(fast=f, page=p, launched=one) for (f, p), one in spawns)
        )
        try:
            await self._open_inline(eager)
        except BaseException:
            spawning.cancel()
            await asyncio.gather(spawning, return_exceptions=True)
            raise
        for worker in await spawning:
            self._home(worker).put_nowait(worker)
        self._start_later(later, eager)
        if self.view_file is not None and not eager:  # a large release: the first answers
            self._background(self._load_in_background())  # come from the disk
        for role, state in self.isolation().items():
            (log.warning if "NOT" in state else log.info)("network of the %s: %s", role, state)

    async def _open_inline(self, eager: bool) -> None:
        """This process's own reader of the store, for the point lookups it answers itself."""
        if self.inline_rows and not self.updatable and self.store_dir is not None:
            self._inline = await asyncio.to_thread(ox.Store.read_only, str(self.store_dir))
            self._inline_graphs = default_graphs(self._inline)
            if eager and self.view_file is not None:
                self._inline_view = await asyncio.to_thread(load_view, self.view_file)
            sparql_text.one_pattern("")  # compiles its expression now, not at the first request

    async def _load_in_background(self) -> None:
        """The in-memory views of a release too large to load before the first answer: each
        reader's in turn, then this process's (for the point lookups it answers itself)."""
        await self._load_views()
        if self._inline is not None and self.view_file is not None:
            view = await asyncio.to_thread(load_view, self.view_file)
            if not self._closed:
                self._inline_view = view

    async def close(self) -> None:
        self._closed = True  # a query cancelled from now on must not start a replacement
        self._inline = self._inline_view = None
        self._inline_threads.shutdown(wait=False)
        for task in self._spawning:
            task.cancel()
        await asyncio.gather(*self._spawning, return_exceptions=True)
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()
        for launched in self._launched:  # started by launch_readers, never waited for
            launched.kill()
        self._launched.clear()
        if self._writer is not None:
            self._writer.kill()
            self._writer = None
        if self._pin is not None:
            self._pin.close()  # releases the lock: a later build may prune the release
            self._pin = None

    async def run(self, job: Job) -> Reply:
        if job.max_bytes != self.max_result_bytes:
            job = dataclasses.replace(job, max_bytes=self.max_result_bytes)
        if (reply := await self._answer_inline(job)) is not None:
            return reply
        return await self._run_on_workers(job)
