"""The pool's update writer (update mode): the one process that opens the live store
read-write, applies updates and makes the snapshots the readers open; replaced after a failure,
and honest about what a failure means. :class:`sorakg.server.pool.WorkerPool` is built on it."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shutil
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from .execute import Job, Reply
from .pool_lanes import Lanes
from .pool_workers import LOAD_TIMEOUT, _Worker
from .worker import memory_message

# a writer stopped mid-update may or may not have committed it: a client must not assume either
UNKNOWN = "it is unknown whether the update was applied: look before sending it again"
log = logging.getLogger("sorakg.server.pool")


class UpdateWriter(Lanes):
    """Applies updates to the live store; queries sent after one see it."""

    generation: int
    applied: int
    writer_error: str
    _update_lock: asyncio.Lock
    on_update: list[Callable[[], Awaitable[None]]]

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
        """A writer over the live store; ``applied`` becomes the serial of its last update."""
        writer = await self._spawn(store=self._live_store, writable=True)
        try:
            reply = await asyncio.wait_for(writer.call(Job("applied", "")), LOAD_TIMEOUT)
            assert isinstance(reply, Reply)
            if reply.status != 200:
                raise OSError(reply.body.decode("utf-8", "replace"))
            self.applied = int(reply.body)
        except BaseException:
            writer.kill()
            raise
        return writer

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

    def _drop_writer(self) -> None:
        if self._writer is not None:
            self._writer.kill()
        self._writer = None

    async def update(self, job: Job) -> Reply:
        """Apply an update to the live store (update mode); queries sent after it see it."""
        if not self.updatable:
            return Reply.text(403, "this endpoint serves a read-only store")
        async with self._update_lock:
            if self._writer is None:  # the last one timed out, died or failed to write
                try:
                    self._writer = await self._spawn_writer()
                except Exception as error:
                    log.error("the update writer could not start: %s", error)
                    self.writer_error = "the update writer could not start (see the log)"
                    return Reply.text(503, f"{self.writer_error}; the update was not applied")
            writer, serial = self._writer, self.applied + 1
            try:
                async with asyncio.timeout(self.timeout):
                    reply = await writer.call(dataclasses.replace(job, serial=serial))
            except TimeoutError:
                why = f"update stopped: it ran longer than {self.timeout:g} s"
                return await self._after_loss(serial, 503, why)
            except (asyncio.IncompleteReadError, ConnectionError):
                self._drop_writer()  # reaps it: its exit status says why it died
                if self.memory_mb and writer.process.returncode == -signal.SIGABRT:
                    return await self._after_loss(serial, 503, memory_message(self.memory_mb))
                return await self._after_loss(serial, 500, "the update writer died")
            assert isinstance(reply, Reply)
            if reply.status >= 500:  # the store failed (disk full …): RocksDB may refuse every
                # later write until it is reopened, so the next update starts a new writer
                log.error("update failed: %s", reply.body.decode("utf-8", "replace"))
                self._drop_writer()
                self.writer_error = "the last update failed writing the store (see the log)"
                return Reply.text(500, "the store could not be written (the server's log says "
                                  "why); the update was not applied")  # fmt: skip
            if reply.status != 204:
                return reply
            self.applied = serial
            return await self._publish(reply)

    async def _after_loss(self, serial: int, status: int, why: str) -> Reply:
        """The answer to update ``serial`` after its writer was lost (``why``): a new writer
        reads the serial the live store last committed, which tells whether it was applied."""
        self._drop_writer()
        try:
            self._writer = await self._spawn_writer()
        except Exception as error:
            log.error("the update writer could not start: %s", error)
            self.writer_error = "the update writer could not start (see the log)"
            return Reply.text(status, f"{why}; {UNKNOWN}")
        if self.applied == serial:
            log.warning("%s just after committing update %d", why, serial)
            return await self._publish(Reply.text(200, f"{why} just after its commit: the update "
                                                  "was applied"))  # fmt: skip
        if self.applied == serial - 1:
            return Reply.text(status, f"{why} before its commit: the update was not applied")
        log.error("after %s the live store's serial is %d, not %d or %d",
                  why, self.applied, serial - 1, serial)  # fmt: skip
        return Reply.text(status, f"{why}; {UNKNOWN}")

    async def _publish(self, reply: Reply) -> Reply:
        """After an update is committed: a snapshot for the readers, which are replaced."""
        self.writer_error = ""
        self.generation += 1
        try:
            self.store_dir = await self._snapshot()
        except Exception as error:  # applied and durable, but not yet visible to queries
            log.error("snapshot after an update failed: %s", error)
            self._drop_writer()  # the next update starts a new writer, which snapshots
            self.writer_error = "a snapshot failed: queries do not see the last update"
            return Reply.text(500, "the update was applied but queries do not see it yet "
                              "(the server's log says why)")  # fmt: skip
        for idle in (self._idle, self._fast_idle):  # idle readers read the old snapshot
            while not idle.empty():
                self._replace(idle.get_nowait(), failed=False)
        for callback in self.on_update:
            await callback()
        return reply
