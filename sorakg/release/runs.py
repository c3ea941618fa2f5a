"""Sorted line files made in pieces: a build too large to hold writes each batch's rows as a
sorted run on disk, and the release file is their merge, each line once.

The release files are sorted N-Quads and N-Triples, one line per distinct quad or triple, so a
file made from runs is the file made from the whole graph at once: the merge of sorted runs is
sorted, and a line two batches both give (an entity every paper defines) is written once. Lines
are compared as Python strings compare them (by code point), as :func:`sorted` did.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path


class SortedRuns:
    """Runs of sorted, distinct lines under ``folder``, merged by :meth:`write`."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.paths: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, lines: Iterable[str]) -> None:
        """One run: ``lines`` (each ending in a newline), sorted, each once."""
        path = self.folder / f"{self.name}-{len(self.paths):05d}.run"
        with path.open("w", encoding="utf-8") as handle:
            handle.writelines(sorted(set(lines)))
        self.paths.append(path)

    def lines(self) -> Iterator[str]:
        """Every run's lines merged in order, each distinct line once."""
        handles = [path.open(encoding="utf-8") for path in self.paths]
        try:
            last = None
            for line in heapq.merge(*handles):
                if line != last:
                    yield line
                    last = line
        finally:
            for handle in handles:
                handle.close()

    def write(self, target: Path, each: Callable[[str], None] = lambda _: None) -> str:
        """The merged lines written to ``target`` (as :func:`sorted_lines` writes a whole graph's:
        a lone newline when there is none), ``each`` called with every line; returns the file's
        SHA-256. The runs are removed."""
        digest = hashlib.sha256()
        empty = True
        with target.open("w", encoding="utf-8") as out:
            for line in self.lines():
                out.write(line)
                each(line)
                digest.update(line.encode("utf-8"))
                empty = False
            if empty:
                out.write("\n")
                digest.update(b"\n")
        for path in self.paths:
            path.unlink()
        self.paths = []
        return digest.hexdigest()
