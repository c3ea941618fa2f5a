"""The reference of the source tables (``docs/tables.md``), generated from the table models.

Each table's columns, types, allowed values and the entity kinds a column may name come from
:mod:`.tables`, so the document cannot drift from what the loader accepts: ``sorakg lint``
rewrites it and ``sorakg lint --check`` fails when it is stale.
"""

from __future__ import annotations

import inspect
import typing
from enum import Enum

from pydantic.fields import FieldInfo

from . import tables

HEADER = """# Source tables

Generated from `loaders/tables.py` by `sorakg lint`; do not edit by hand.

Every table also has the provenance columns `refs`, `quote`, `location`, `basis` and `note`
(see the end). List cells are separated by `|`; `refs` by `;` (ranges like `17-19` allowed).
"""


def _type_text(info: FieldInfo) -> str:
    """A reader's name for a column type: ``id``, ``text``, ``list of ids``, ``one of …``."""
    annotation = info.annotation
    for arg in typing.get_args(annotation) or (annotation,):
        if inspect.isclass(arg) and issubclass(arg, Enum):
            return "one of " + ", ".join(f"`{e.value}`" for e in arg)
    text = str(annotation) + " ".join(map(str, info.metadata))
    if "list" in text:
        return "list of " + ("ids" if "pattern" in text else "values")
    if "int" in text:
        return "count (integer ≥ 0)" if "ge=0" in text else "integer"
    if "float" in text:
        return "number"
    if "pattern" in text:
        return "id (lower-case words joined by `-`, or an NCT number)"
    return "text"


def _column(name: str, info: FieldInfo) -> str:
    required = "yes" if info.is_required() else ""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    names = extra.get("refs")
    kinds = f"names a {' or '.join(map(str, names))}" if isinstance(names, list) else ""  # type: ignore[arg-type]
    described = "; ".join(part for part in (info.description or "", kinds) if part)
    return f"| `{name}` | {_type_text(info)} | {required} | {described} |"


def tables_markdown() -> str:
    lines = [HEADER]
    for model in tables.ALL_MODELS:
        doc = inspect.cleandoc(model.__dict__.get("__doc__") or "")
        lines += [
            f"## `{model.table}`",
            "",
            doc,
            "",
            f"Key: {', '.join(f'`{k}`' for k in model.key)}.",
            "",
            "| column | values | required | meaning |",
            "|---|---|---|---|",
        ]
        own = [n for n in tables.columns(model) if n not in tables.Row.model_fields]
        lines += [_column(name, model.model_fields[name]) for name in own]
        lines.append("")
    lines += [
        "## Provenance columns (every table)",
        "",
        "| column | values | required | meaning |",
        "|---|---|---|---|",
    ]
    lines += [_column(name, info) for name, info in tables.Row.model_fields.items()]
    return "\n".join(lines) + "\n"
