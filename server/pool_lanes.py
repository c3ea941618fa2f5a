"""The pool's lanes: which idle worker a query takes (general, fast, the pages'), the fast
lane's budget and its list of queries known to be slow, and one call on a worker with the
timeout. :class:`sorakg.server.pool.WorkerPool` is built on it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import OrderedDict

from .execute import Job, Reply
from .pool_workers import Supervision, _Worker
from .worker import memory_message

SLOW_FOR = 600.0  # seconds a query that overran the fast lane keeps out of it
SLOW_REMEMBERED = 1024  # query texts remembered as too slow for the fast lane (least recent out)


class Overrun(Exception):
    """A query ran past the fast lane's budget (its worker has been replaced)."""


class Lanes(Supervision):
    """Takes a worker for a query from the right lane and runs the query on it."""

    timeout: float
    moved: int
    _slow: OrderedDict[str, float]

    async def _acquire(self) -> _Worker | None:
        try:
            return await asyncio.wait_for(self._idle.get(), self.timeout)
        except TimeoutError:
            return None

    async def _acquire_either(self, *queues: asyncio.Queue[_Worker]) -> _Worker | None:
        """An idle worker of the first of ``queues`` (default: the general lane, then the fast
        one) that has one, else whichever frees a worker first (each lane's waiters are served
        in order); None after the timeout."""
        queues = queues or (self._idle, self._fast_idle)
        for queue in queues:
            with contextlib.suppress(asyncio.QueueEmpty):
                return queue.get_nowait()
        gets = [asyncio.ensure_future(queue.get()) for queue in queues]
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
        for worker in won[1:]:  # two freed at once: keep the first lane's, give back the other
            self._home(worker).put_nowait(worker)
        return won[0] if won else None

    @staticmethod
    def _key(job: Job) -> str:
        """What identifies a query for the slow list: its text with whitespace normalised (a
        named query's parameters are bound in its text: slow or not with them)."""
        return " ".join(job.text.split())

    def _remember_slow(self, job: Job) -> None:
        key = self._key(job)
        self._slow[key] = time.monotonic()
        self._slow.move_to_end(key)
        while len(self._slow) > SLOW_REMEMBERED:
            self._slow.popitem(last=False)

    def is_slow(self, job: Job) -> bool:
        """Whether ``job``'s query overran the fast lane in the last :data:`SLOW_FOR` seconds
        (it then keeps out of it; not for good, as one overrun may be the machine's load)."""
        since = self._slow.get(self._key(job))
        return since is not None and time.monotonic() - since < SLOW_FOR

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
        if worker.retiring:
            self._replace(worker)  # its in-memory successor serves: no replacement
        elif worker.store == self.store_dir:
            self._home(worker).put_nowait(worker)
        else:  # an update was made while it ran: it reads an old snapshot
            self._replace(worker, failed=False)
        assert isinstance(reply, Reply)
        return reply

    async def _run_on_workers(self, job: Job) -> Reply:
        """``job`` on a worker: the pages' own, the fast lane's or a general one."""
        if job.page and self.page_lane:  # the pages' worker, or a general one if it frees first
            worker = await self._acquire_either(self._page_idle, self._idle)
        elif self.fast_lane and not self.is_slow(job):
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
