"""Child processes that never outlive the process that started them.

HermiT's ``java``, the query workers and the server's one-time export are children of a build or
a server; if that parent dies (``kill -9`` included) the kernel must end them too, or they keep
running with nobody to read their answers, holding memory and locks.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_PRCTL: Callable[..., int] | None
try:  # resolved here, not in the child, where imports could deadlock; from the symbols this
    # process has loaded (libc's among them), not by name: ctypes.util.find_library runs
    # ``ldconfig -p`` in a child process, tens of milliseconds of every server's start
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (AttributeError, OSError, TypeError):  # not Linux: no parent-death signal
    _PRCTL = None


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess`` (run between fork and exec) that asks the kernel to
    SIGKILL the child when this process dies; None where the platform has no such signal."""
    if _PRCTL is None:
        return None
    parent = os.getpid()
    prctl = _PRCTL

    def tie() -> None:  # pragma: no cover - runs in the forked child
        _tie(prctl, parent)

    return tie


def tie_to(parent: int) -> None:
    """Run by a child that is one of sorakg's own programs, first thing: the kernel SIGKILLs it
    when ``parent`` dies, and it ends now if ``parent`` already has. Its parent then starts it
    without a ``preexec_fn``, which makes ``subprocess`` fork the whole parent rather than
    vfork: about 4 CPU ms and 20 ms of waiting in a web process of 150 MB, per child."""
    if _PRCTL is not None:
        _tie(_PRCTL, parent)


def _tie(prctl: Callable[..., int], parent: int) -> None:
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
