"""What a release's downloads are: the graph selections, one file's record, and the index
(``downloads/index.json``) the server serves them by. Imports nothing of the export, so the
server reads a release's downloads without loading rdflib, and the export's writers use the
record without importing the release folder's code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DOWNLOADS = "downloads"  # the release's files in every format, which /download serves
INDEX = "index.json"  # in ``downloads/``: name → sha256 and media type of each file
# the graph selections the export writes (and `sorakg export --graph` offers)
GRAPHS = ("asserted", "inferred", "all")


@dataclass(frozen=True)
class ExportFile:
    """One file of a release's downloads (its index says which: the server reads it at start)."""

    path: Path
    sha256: str
    media_type: str


def write_index(folder: Path, files: list[ExportFile]) -> None:
    index = {f.path.name: {"sha256": f.sha256, "media_type": f.media_type} for f in files}
    (folder / INDEX).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")


def read_index(folder: Path) -> dict[str, ExportFile]:
    """The downloads listed in ``folder``'s index (what the server serves)."""
    index = json.loads((folder / INDEX).read_text())
    return {
        name: ExportFile(folder / name, entry["sha256"], entry["media_type"])
        for name, entry in sorted(index.items())
    }
