"""Children end with their parent, however it dies (kill -9 included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

# The parent starts one child that sleeps, prints the child's pid, then sleeps itself. "tied":
# tied by the parent (a preexec_fn); "ties itself": the child calls tie_to as it starts.
PARENT = """
import os, subprocess, sys, time
from sorakg.children import die_with_parent
tie = die_with_parent() if sys.argv[1] == "tied" else None
ties = sys.argv[1] == "ties itself"
itself = f"from sorakg.children import tie_to; tie_to({os.getpid()}); " if ties else ""
child = subprocess.Popen([sys.executable, "-c", itself + "import time; time.sleep(120)"],
                         preexec_fn=tie)
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _orphan_after_kill_9(mode: str) -> tuple[int, bool]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    return child, _alive(child)


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_tied_child_dies_with_its_parent() -> None:
    child, left = _orphan_after_kill_9("untied")
    try:
        assert left, "without the tie the child outlives its parent (the test's control)"
    finally:
        os.kill(child, signal.SIGKILL)
    _, left = _orphan_after_kill_9("tied")
    assert not left


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_child_that_ties_itself_dies_with_its_parent() -> None:
    _, left = _orphan_after_kill_9("ties itself")
    assert not left
