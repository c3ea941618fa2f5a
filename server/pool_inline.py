"""Point lookups answered in the server's own process, without a worker (``inline_rows``):
at most :data:`INLINE_IN_FLIGHT` at once, in threads, so the event loop stays free and a flood
of lookups falls back to the workers. :class:`sorakg.server.pool.WorkerPool` is built on it."""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox

from sorakg.sparql import text as sparql_text

from .execute import MAXROWS_HEADER, Graphs, Job, Reply, run_query, view_answers

INLINE_IN_FLIGHT = 2  # point lookups answered in this process at once; more go to the workers
INLINE_TEXT = 4096  # longer texts are never point lookups worth recognising here
ON_LOOP_ROWS = 100  # from memory, a lookup of at most this many rows runs on the event loop


class InlineAnswers:
    """Answers one-pattern queries from this process's read-only view of the store."""

    inline_rows: int
    answered_inline: int
    _inline: ox.Store | None
    _inline_graphs: Graphs | None
    _inline_view: ox.Store | None
    _inline_busy: int
    _inline_threads: ThreadPoolExecutor

    async def _answer_inline(self, job: Job) -> Reply | None:
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
            or len(job.text) > INLINE_TEXT
            or self._inline_busy >= INLINE_IN_FLIGHT  # the workers answer it meanwhile
            or not sparql_text.one_pattern(job.text)
        ):
            return None
        limit = min(job.max_rows, self.inline_rows)
        reply = None
        if self._inline_view is not None and view_answers(job):
            # from memory there is no disk to wait for: a lookup of at most ON_LOOP_ROWS rows
            # (most are; about a tenth of a millisecond) is answered on the event loop, saving
            # a thread's hop; a longer one goes on to the thread, cut at limit as before
            few = min(limit, ON_LOOP_ROWS)
            first = _at_most(job, few)
            reply = run_query(self._inline, first, self._inline_graphs, self._inline_view)
            if few < limit and MAXROWS_HEADER in reply.headers:
                reply = None
        if reply is None:
            capped = _at_most(job, limit)
            self._inline_busy += 1
            try:  # in a thread: pyoxigraph lets the event loop run while it reads the disk
                reply = await asyncio.get_running_loop().run_in_executor(
                    self._inline_threads, run_query, self._inline, capped, self._inline_graphs,
                    self._inline_view,
                )  # fmt: skip
            finally:
                self._inline_busy -= 1
        if limit < job.max_rows and MAXROWS_HEADER in reply.headers:
            return None  # cut only by inline_rows: the worker answers with every row
        self.answered_inline += 1
        return reply


def _at_most(job: Job, rows: int) -> Job:
    """``job`` with a row cap of ``rows`` (itself when it has that cap: no copy per lookup)."""
    return job if job.max_rows == rows else dataclasses.replace(job, max_rows=rows)
