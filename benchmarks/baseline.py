"""A named commit of this repository, laid out as an importable ``sorakg`` package, so a
benchmark can run the code as it was (the baseline) beside the code as it is, in one run.

``materialise(rev)`` exports the commit's tree with ``git archive`` and arranges its top-level
stage folders the way the commit's own ``pyproject.toml`` maps them (``server/`` becomes
``sorakg/server/`` …). Putting the result first on ``PYTHONPATH`` makes ``import sorakg`` load
the baseline: setuptools' editable-install finder is appended to ``sys.meta_path``, after the
path finder, so it only answers for modules that PYTHONPATH does not hold. Worker processes
inherit the environment, so they run the baseline too.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# main as the benchmark work started from it (the in-memory pool: a copy of the graph per worker)
BEFORE = "1fc542e"


def resolve(rev: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip


def materialise(rev: str = BEFORE) -> Path:
    """A folder to put on ``PYTHONPATH`` so ``sorakg`` is the code of commit ``rev`` (cached)."""
    sha = resolve(rev)
    target = Path(tempfile.gettempdir()) / f"sorakg-baseline-{sha[:12]}"
    if (target / "sorakg" / "__init__.py").exists():
        return target
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", sha],
                             capture_output=True, check=True).stdout  # fmt: skip
    staging = Path(tempfile.mkdtemp(prefix="sorakg-baseline-"))
    tree = staging / "tree"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    config = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))
    # older commits map the stage folders in pyproject.toml; newer ones link them into sorakg/
    # (committed symlinks, which copytree follows)
    mapping: dict[str, str] = config["tool"]["setuptools"].get("package-dir", {})
    package = staging / "out" / "sorakg"
    shutil.copytree(tree / mapping.get("sorakg", "sorakg"), package)
    for name, folder in mapping.items():
        if name != "sorakg":
            shutil.copytree(tree / folder, package / name.removeprefix("sorakg."))
    if not target.exists():  # another run may have made it meanwhile
        (staging / "out").rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def describe(rev: str) -> str:
    """``abc1234 (subject…)`` of a commit, for the tables' captions."""
    line = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s", rev],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    sha, _, subject = line.partition(" ")
    return f"{sha} ({subject[:50]}{'…' if len(subject) > 50 else ''})"
