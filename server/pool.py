"""A pool of query worker processes over the release's on-disk store.

Why processes: a pyoxigraph query cannot be interrupted from Python, so the only sound way to
stop a runaway query is to stop the process running it. Every worker opens the same on-disk
store read-only (``build/releases/<digest>/store/``, see :mod:`sorakg.store`), so a worker
starts in well under a second and holds no copy of the graph. Each job goes to an idle worker; if
it does not answer within the timeout the worker is killed and a fresh one is started in the
background, while the other workers keep answering. docs/endpoint.md gives the overhead.

Updates (when enabled) must reach every copy: an update takes all the workers, runs on the
first, and only if that succeeds on the others; it is logged so a replacement worker replays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import pickle
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .execute import Job, Reply
from .worker import HEADER, READY, Config, memory_message

LOAD_TIMEOUT = 60.0  # seconds a new worker may take to start and open the store
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # backoff between attempts to replace a worker, seconds
log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

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
    _updates: list[Job] = field(default_factory=list)
    _update_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _spawning: set[asyncio.Task[None]] = field(default_factory=set)
    updatable: bool = False  # workers hold in-memory copies that updates change
    max_result_bytes: int = 16_000_000  # every job's byte cap (setting max_result_bytes)
    memory_mb: int = 0  # memory a query may add to a worker (setting query_memory_mb); 0: none
    isolate_network: bool = False  # workers run without network (SERVICE and LOAD both off)
    store_dir: Path | None = None
    _pin: IO[bytes] | None = None  # held while serving: a rebuild does not prune this release
    restarts: int = 0  # workers replaced (timeouts, deaths)
    respawn_failures: int = 0  # failed attempts to start a replacement (retried with backoff)

    async def start(self) -> None:
        if self.graph_file is not None:
            from sorakg.build import pin
            from sorakg.store import release_store

            try:
                self._pin = pin(self.graph_file.parent)
            except OSError as error:  # e.g. a read-only release folder: serve it unpinned
                log.warning("could not pin %s against pruning: %s", self.graph_file.parent, error)
            if self.store_dir is None:
                self.store_dir = await asyncio.to_thread(release_store, self.graph_file.parent)
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def close(self) -> None:
        for task in self._spawning:
            task.cancel()
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()
        if self._pin is not None:
            self._pin.close()  # releases the lock: a later build may prune the release
            self._pin = None

    async def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        config = Config(
            store=str(self.store_dir) if self.store_dir is not None else None,
            copy=self.updatable,
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
        process = subprocess.Popen(command, pass_fds=[child.fileno()])
        child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent, limit=2**20)
        worker = _Worker(process, reader, writer)
        try:
            ready = await asyncio.wait_for(worker.receive(), LOAD_TIMEOUT)
            assert ready == READY, ready
            for update in self._updates:
                await worker.call(update)
        except BaseException:
            worker.kill()
            raise
        self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its replacement in the background."""
        worker.kill()
        self._workers.discard(worker)
        self.restarts += 1

        async def respawn() -> None:
            delay = RETRY_FIRST
            while True:
                try:
                    self._idle.put_nowait(await self._spawn())
                    return
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

    async def _call(self, worker: _Worker, job: Job) -> Reply:
        """Run ``job`` on ``worker``; the worker goes back to the pool or is replaced."""
        try:
            async with asyncio.timeout(self.timeout):
                reply = await worker.call(job)
        except TimeoutError:
            self._replace(worker)
            return Reply.text(503, f"query stopped: it ran longer than {self.timeout:g} s")
        except (asyncio.IncompleteReadError, ConnectionError):
            self._replace(worker)
            if self.memory_mb and worker.process.returncode == -signal.SIGABRT:
                return Reply.text(503, memory_message(self.memory_mb))  # Oxigraph's alloc failed
            return Reply.text(500, "the query worker died while running this query")
        except BaseException:  # cancelled mid-call: the worker's state is unknown
            self._replace(worker)
            raise
        self._idle.put_nowait(worker)
        assert isinstance(reply, Reply)
        return reply

    @property
    def missing(self) -> int:
        """Workers that should run but do not (being replaced, or failing to start)."""
        return max(0, self.size - len(self._workers))

    async def run(self, job: Job) -> Reply:
        job = dataclasses.replace(job, max_bytes=self.max_result_bytes)
        worker = await self._acquire()
        if worker is None:
            return Reply.text(503, "all query workers are busy; try again")
        return await self._call(worker, job)

    async def update(self, job: Job) -> Reply:
        """Apply an update to every worker's store, or to none."""
        if not self.updatable:
            return Reply.text(403, "this endpoint serves a read-only store")
        async with self._update_lock:
            taken: list[_Worker] = []
            try:
                for _ in range(self.size):
                    worker = await self._acquire()
                    if worker is None:
                        return Reply.text(503, "the workers are busy; the update was not applied")
                    taken.append(worker)
                first, *rest = taken
                taken = rest
                reply = await self._call(first, job)
                if reply.status != 204:
                    return reply
                self._updates.append(job)
                for worker in rest:
                    taken.remove(worker)
                    await self._call(worker, job)
                return reply
            finally:
                for worker in taken:
                    self._idle.put_nowait(worker)
