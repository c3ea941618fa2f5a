"""Docs that cannot drift: every setting is in the README's table, every route in the docs."""

from __future__ import annotations

from sorakg.settings import PROJECT_ROOT, Settings


def test_every_setting_is_in_the_readme_table():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"| `{name}` |" not in readme]
    assert missing == []


def test_every_route_is_in_the_endpoint_doc():
    doc = (PROJECT_ROOT / "docs" / "endpoint.md").read_text(encoding="utf-8")
    for route in ("/sparql", "/health", "/openapi.json", "/.well-known/void", "`/`"):
        assert route in doc
