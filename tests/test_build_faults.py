"""Faults during a build (a full disk, kill -9) leave nothing behind: no staging folder, no stray
link, no child process, and the last good release untouched."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sorakg.pipeline.build
import sorakg.release.folder
from sorakg.cli import Exit, app
from sorakg.pipeline.build import Built
from sorakg.release.folder import BUILDING, _staging, clean_leftovers, pin
from sorakg.settings import Settings
from tests.files import copy_release


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_killed_builds_are_cleaned_but_not_a_running_build(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    releases.mkdir()
    killed = releases / f".staging-{_dead_pid()}-abc"  # killed after writing its lock file
    killed.mkdir()
    (killed / BUILDING).touch()
    early = releases / f".staging-{_dead_pid()}-def"  # killed before its lock file existed
    early.mkdir()
    running, lock = _staging(releases)  # a build still writing (it holds the lock)
    legacy_old = releases / ".staging-old"
    legacy_old.mkdir()
    os.utime(legacy_old, (time.time() - 7200, time.time() - 7200))
    legacy_new = releases / ".staging-new"  # a build of the old scheme may still be writing
    legacy_new.mkdir()
    try:
        removed = clean_leftovers(tmp_path)
    finally:
        lock.close()
    assert sorted(removed) == sorted([killed, early, legacy_old])
    assert running.exists() and legacy_new.exists()


def test_half_written_downloads_are_removed_unless_served(tmp_path: Path) -> None:
    served, idle = tmp_path / "releases" / "a", tmp_path / "releases" / "b"
    for release in (served, idle):
        (release / ".downloads-staging").mkdir(parents=True)
    with pin(served):
        clean_leftovers(tmp_path)
    assert (served / ".downloads-staging").exists()
    assert not (idle / ".downloads-staging").exists()


def test_full_disk_is_one_line_with_its_own_exit_code(
    built: Built, published: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = copy_release(published.build_dir, tmp_path)
    before = link.resolve()

    def full(nquads: Path, target: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(sorakg.pipeline.build, "assemble", lambda *_: built)
    monkeypatch.setattr(sorakg.release.folder, "write_store", full)
    # without reasoning: the disk fills while the store is written, after any reasoning
    result = CliRunner().invoke(
        app, ["build", "--no-reason"], env={"SORAKG_BUILD_DIR": str(tmp_path)}
    )
    assert result.exit_code == Exit.DISK_FULL == 5
    errors = [line for line in result.output.splitlines() if not line.endswith(" …")]
    assert len(errors) == 1 and errors[0].startswith("error: disk full while writing the build")
    assert "Traceback" not in result.output
    assert link.resolve() == before  # the previous release still served
    assert list((tmp_path / "releases").glob(".staging-*")) == []


CHILD = """
from rdflib import Graph
from sorakg.ontology import ontology_graph
from sorakg.pipeline.reasoning import check_consistency
graph = ontology_graph()
while True:
    check_consistency(graph)
"""


def _java_children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and "java" in stat.split("(", 1)[1].split(")")[0]:
            found.append(int(entry.name))
    return found


def _wait_for(check: object, seconds: float) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()  # type: ignore[operator]
        if value:
            return value
        time.sleep(0.1)
    return check()  # type: ignore[operator]


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs Linux /proc")
@pytest.mark.java
def test_a_killed_build_leaves_no_orphan_java() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD])
    try:
        java = _wait_for(lambda: _java_children(child.pid), 60)
        assert java, "HermiT's java never started"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

        def gone() -> bool:
            return not any(Path(f"/proc/{pid}").exists() for pid in java)  # type: ignore[attr-defined]

        assert _wait_for(gone, 10), f"java {java} outlived the killed build"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
