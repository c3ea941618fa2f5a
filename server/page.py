"""The query page at ``/``: YASGUI (served from the package) with the example queries.

The examples are the ``queries/*.rq`` files of the installed ``sorakg.queries`` package; each
may start with a comment header of ``# key: value`` lines (``title``, ``description``). Having
none is fine: the page then starts from a small default query.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from importlib.resources import files

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()

DEFAULT_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sk: <https://w3id.org/sorakg/ontology#>

SELECT ?drug ?label WHERE {
  ?drug a sk:Drug ; rdfs:label ?label .
} ORDER BY ?label LIMIT 25
"""


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


def parse_example(name: str, text: str) -> Example:
    """An example from a ``.rq`` file: its leading ``# key: value`` comments and the text."""
    header: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        key, sep, value = stripped.lstrip("#").strip().partition(":")
        if sep and key.strip().isidentifier():
            header[key.strip().lower()] = value.strip()
    title = header.get("title") or name.replace("-", " ").replace("_", " ")
    return Example(name, title, header.get("description", ""), text)


def examples() -> list[Example]:
    folder = files("sorakg.queries")
    found = [p for p in folder.iterdir() if p.name.endswith(".rq")]
    return [parse_example(p.name.removesuffix(".rq"), p.read_text("utf-8")) for p in sorted(
        found, key=lambda p: p.name)]  # fmt: skip


@cache
def templates() -> jinja2.Environment:
    folder = files("sorakg.server") / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, auto_reload=False
    )


@router.get("/", response_class=HTMLResponse, summary="The query page")
async def query_page(request: Request) -> HTMLResponse:
    listed = examples()
    start = listed[0].query if listed else DEFAULT_QUERY
    html = (
        templates()
        .get_template("index.html")
        .render(examples=[asdict(e) for e in listed], default_query=start)
    )
    return HTMLResponse(html)
