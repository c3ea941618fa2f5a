"""Canonical form of the source tables: columns in model order, rows sorted by their key.

``sorakg lint`` rewrites the tables in this form so diffs stay small and reviewable, and
regenerates ``docs/tables.md``; ``sorakg lint --check`` (run by ``make test``) fails if any table
or the reference is not in it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from . import tables
from .reference import tables_markdown

# docs/tables.md beside the source checkout (absent in an installed package: nothing to check)
REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "tables.md"


def canonical_text(path: Path, model: type[tables.Row]) -> str:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        columns = tables.columns(model)
        unknown = [c for c in header if c not in columns]
        if unknown:
            raise ValueError(f"{path}: unknown columns {unknown}; run 'sorakg validate' first")
        rows = list(reader)
    key = model.key
    rows.sort(key=lambda r: (*(r.get(k) or "" for k in key), r.get("quote") or ""))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c) or "" for c in columns})
    return out.getvalue()


def lint(data_dir: Path, fix: bool, reference: Path | None = REFERENCE) -> list[Path]:
    """Return the tables (and the table reference, ``docs/tables.md``) not in canonical form;
    rewrite them when ``fix``."""
    changed = []
    if reference is not None and reference.parent.is_dir():
        text = tables_markdown()
        if not reference.exists() or reference.read_text(encoding="utf-8") != text:
            changed.append(reference)
            if fix:
                reference.write_text(text, encoding="utf-8")
    for folder in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        for model in tables.ALL_MODELS:
            path = folder / model.table
            if not path.exists():
                continue
            text = canonical_text(path, model)
            if text != path.read_text(encoding="utf-8"):
                changed.append(path)
                if fix:
                    path.write_text(text, encoding="utf-8")
    return changed
