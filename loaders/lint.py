"""Canonical form of the source tables: columns in model order, rows sorted by their key.

``sorakg lint`` rewrites the tables in this form so diffs stay small and reviewable;
``sorakg lint --check`` (run by the tests) fails if any table is not in it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from . import tables


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


def lint(data_dir: Path, fix: bool) -> list[Path]:
    """Return the tables not in canonical form; rewrite them when ``fix``."""
    changed = []
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
