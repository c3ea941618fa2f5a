"""Docs that cannot drift: every setting is in the README's table, every route in the docs."""

from __future__ import annotations

import re
from pathlib import Path

from sorakg.server.app import create_app
from sorakg.server.pool import WorkerPool
from sorakg.settings import PROJECT_ROOT, Settings


def test_every_setting_is_in_the_readme_table():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"| `{name}` |" not in readme]
    assert missing == []


def test_every_route_is_in_the_endpoint_doc(graph_file: Path) -> None:
    """Every route the app documents in OpenAPI has a row in docs/endpoint.md's table, written
    with its parameters as the doc writes them (``/queries/NAME``, ``/{path}``)."""
    doc = (PROJECT_ROOT / "docs" / "endpoint.md").read_text(encoding="utf-8")
    app = create_app(Settings(), WorkerPool(graph_file, size=1))  # not started: no workers
    routes = [*app.openapi()["paths"], "/openapi.json"]
    assert len(routes) > 10  # the check is not vacuous
    missing = []
    for route in routes:
        # a parameter is written in capitals (/queries/NAME), the catch-all as it is
        written = "".join(
            "[A-Z]+" if part.startswith("{") and route != "/{path}" else re.escape(part)
            for part in re.split(r"(\{\w+\})", route)
        )
        if not re.search(rf"(\| |, )`{written}[`?]", doc):
            missing.append(route)
    assert missing == []
