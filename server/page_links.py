"""The links between the pages of a paged named query: ``Link`` headers (RFC 8288) and the
next/previous links of its HTML page.

A page with fewer rows than its ``limit`` is the last; a full page links to a next one, which
is empty when the items ran out exactly at the page's end (telling the two apart would cost a
count of the whole answer).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from urllib.parse import urlencode

from sorakg.formats import CSV, JSON, TSV, XML, Format
from sorakg.sparql.paging import ARGUMENTS, Page


def rows_in(body: bytes, fmt: Format) -> int:
    """How many solutions a SPARQL results document holds."""
    if fmt is JSON:
        return len(json.loads(body).get("results", {}).get("bindings", []))
    if fmt is XML:  # a '<' in a value is written as &lt;
        return body.count(b"<result>")
    if fmt is TSV:  # a line per solution after the header: values escape their line ends
        return max(0, body.rstrip(b"\n").count(b"\n"))
    if fmt is CSV:  # quoted values may hold line ends
        return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1)
    raise ValueError(f"no solutions in {fmt.name}")


def pages(page: Page, rows: int) -> dict[str, int]:
    """The page number of each relation (``first``, ``prev``, ``next``) from ``page``."""
    found = {"first": 1}
    if page.number > 1:
        found["prev"] = page.number - 1
    if rows >= page.size:
        found["next"] = page.number + 1
    return found


def page_url(url: str, arguments: Iterable[tuple[str, str]], page: Page, number: int) -> str:
    """``url`` with the request's other ``arguments`` and page ``number`` of ``page.size``."""
    kept = [(k, v) for k, v in arguments if k not in ARGUMENTS]
    return f"{url}?{urlencode([*kept, ('page', str(number)), ('limit', str(page.size))])}"


def link_header(
    url: str, arguments: Iterable[tuple[str, str]], page: Page, rows: int
) -> dict[str, str]:
    """The ``Link`` header of a page: its first, previous and next pages."""
    arguments = list(arguments)
    links = [
        f'<{page_url(url, arguments, page, number)}>; rel="{rel}"'
        for rel, number in pages(page, rows).items()
    ]
    return {"Link": ", ".join(links)}
