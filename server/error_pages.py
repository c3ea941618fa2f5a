"""Errors as pages for people: a browser asking for an unknown entity or giving a bad parameter
gets the site's header, what went wrong, the nearest names (did you mean) and a search box.
Machine clients (anything not asking for HTML first) keep the plain-text bodies they parse."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from sorakg.names import Names

from .page import templates


def wants_html(request: Request) -> bool:
    """A browser's Accept header: ``text/html`` before any other type it names."""
    accept = request.headers.get("accept", "")
    first = accept.split(",", 1)[0].split(";", 1)[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


def did_you_mean(names: Names | None, iri: str, base_iri: str) -> list[tuple[str, str]]:
    """(label, local path) of the entities nearest to ``iri``: the same IRI but for case
    first, then names alike under the same kind of path (``/drug/…``), then any."""
    if names is None:
        return []
    found: list[str] = []
    same = names.canonical(iri)
    if same and same != iri:
        found.append(same)
    path = iri.removeprefix(base_iri)
    segment, _, rest = path.partition("/")
    probe = rest.rsplit("/", 1)[-1].replace("-", " ") or segment
    nearby = names.suggestions(probe, limit=6)
    nearby.sort(key=lambda other: not other.startswith(base_iri + segment + "/"))
    found += [other for other in nearby if other not in found and other.startswith(base_iri)]
    return [(names.label(i) or i.removeprefix(base_iri), "/" + i.removeprefix(base_iri))
            for i in found[:5]]  # fmt: skip


def error_page(
    status: int,
    title: str,
    message: str,
    suggestions: list[tuple[str, str]] | None = None,
    q: str = "",
) -> HTMLResponse:
    html = (
        templates()
        .get_template("error.html")
        .render(status=status, title=title, message=message, suggestions=suggestions or [], q=q)
    )
    return HTMLResponse(html, status)
