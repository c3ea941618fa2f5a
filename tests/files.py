"""Files the tests write: the build as the server reads it, a cell of a table changed."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from sorakg.pipeline.build import Built
from sorakg.release.serialize import sorted_nquads


def write_graph(built: Built, folder: Path) -> Path:
    """The build as the server reads it: ``folder/sorakg.nq``."""
    path = folder / "sorakg.nq"
    path.write_text(sorted_nquads(built.graphs), encoding="utf-8")
    return path


def edit_cell(path: Path, row_key: str, column: str, value: str) -> int:
    """Set one cell of the row whose first cell is ``row_key``; return the row's line number."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):
        if row[0] == row_key:
            row[header.index(column)] = value
            with path.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle, lineterminator="\n").writerows(rows)
            return number
    raise KeyError(row_key)


def copy_release(build_dir: Path, target: Path) -> Path:
    """A copy of the build folder ``build_dir`` (its releases and its ``graph`` link) in
    ``target``, for a test that changes a release: cheaper than writing one. Returns the link."""
    shutil.copytree(build_dir, target, symlinks=True, dirs_exist_ok=True)
    return target / "graph"
