"""A piece of the build run in a forked child process, so the machine's second core does it
while this process goes on (the build infers with OWL RL in a child while it checks the shapes).

A fork, not a new interpreter: the child starts with the parent's graphs in memory (shared
copy-on-write), so nothing is serialized on the way in; only the answer comes back, as bytes
through a file. The child dies with the parent (``children``) and is killed if the parent gives
up on it (an error elsewhere in the build).
"""

from __future__ import annotations

import gc
import os
import signal
import tempfile
import traceback
from collections.abc import Callable
from types import TracebackType

from sorakg.children import die_with_parent


class ChildFailed(RuntimeError):
    """The work raised in the child; the message is its traceback."""


class Forked:
    """``work()`` started in a forked child; :meth:`result` waits for its bytes."""

    def __init__(self, work: Callable[[], bytes]):
        self._answer = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        tie = die_with_parent()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child (coverage does not follow forks)
            status = 1
            try:
                # The parent's objects go to the permanent generation: the collector no longer
                # walks them. A full collection in the child otherwise visits (and writes the
                # header of) every object of the parent's graphs, copying their pages out of
                # the shared memory and costing time in proportion to the parent's heap.
                gc.freeze()
                if tie is not None:
                    tie()
                data = work()
                status = 0
            except BaseException:
                data = traceback.format_exc().encode()
            try:
                self._answer.write(data)
                self._answer.flush()
            finally:
                os._exit(status)  # no atexit handlers, no flushing of the parent's buffers
        self.cpu_seconds = 0.0  # the child's user + system time, once it has ended
        self._done = False

    def result(self) -> bytes:
        _, status, usage = os.wait4(self.pid, 0)
        self._done = True
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        self._answer.seek(0)
        data = self._answer.read()
        if os.waitstatus_to_exitcode(status) != 0:
            raise ChildFailed(data.decode("utf-8", "replace") or f"child ended with {status}")
        return data

    def close(self) -> None:
        if not self._done:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self._done = True
        self._answer.close()

    def __enter__(self) -> Forked:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
