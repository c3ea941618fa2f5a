"""Pages of a listing: a named query's answer ``limit`` items at a time, in a stable order.

A paged query (header key ``page_size``) chooses the items of its answer in one sub-select,
``{ SELECT ?key … WHERE { … } ORDER BY … ?key }``, ordered by columns that end with a key unique
per item, and joins the labels and optional columns to those items outside it, ordered the same
way. A page writes ``LIMIT``/``OFFSET`` into that sub-select and binds the parameters inside it,
so the engine orders the items' keys, takes one page of them, and joins the rest to that page
only: a page's rows, not the whole answer's, are built, written and sent (a ``LIMIT`` on the
outer query alone orders and labels every row first). How much that saves is the engine's
choice: Oxigraph 0.5 evaluates an ``OPTIONAL``'s right side over the whole graph before the
join, so a page there costs about what the whole answer costs to compute (docs/scaling.md,
"Named questions at 1M: paged listings"). Pages never overlap and, read in order, give the
whole answer (``tests/test_paging.py``).

An item with several values of an optional column gives several rows, so a page has at least
as many rows as items; a page with fewer rows than ``limit`` is the last one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from sorakg.sparql import text as sparql_text
from sorakg.sparql.bindings import Term, with_values

ARGUMENTS = ("page", "limit")  # the request's paging arguments: never a query's parameters


class PageError(ValueError):
    """A paging argument is wrong; the message names it."""


@dataclass(frozen=True)
class Page:
    number: int = 1  # from 1
    size: int = 0  # items; 0: the query's own page size

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_of(
    default_size: int, page: str | int | None, limit: str | int | None, cap: int | None = None
) -> Page:
    """The page asked for: ``page`` from 1, ``limit`` items from 1 to ``cap`` (when given),
    both as the request gave them (text or numbers; None: the first page, ``default_size``)."""
    number = _whole("page", page, 1)
    size = _whole("limit", limit, default_size if cap is None else min(default_size, cap))
    if cap is not None and limit is not None and size > cap:
        raise PageError(f"parameter 'limit': {size} is over this server's max_page_size ({cap})")
    if (number - 1) * size > 2**53:  # past any answer, and past what an engine's OFFSET takes
        raise PageError(f"parameter 'page': {number} is past the end of any answer")
    return Page(number, size)


def _whole(name: str, value: str | int | None, default: int) -> int:
    if value is None:
        return default
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise PageError(f"parameter '{name}': '{value}' is not a whole number from 1")
    return int(text)


def span(text: str) -> tuple[int, int] | None:
    """Where the page's sub-select is in ``text``: from its ``SELECT`` to the ``}`` closing the
    group around it (where ``LIMIT`` goes), or None when the query has no sub-select."""
    return _span(text)


@lru_cache(maxsize=256)
def _span(text: str) -> tuple[int, int] | None:
    at = sparql_text.where_brace(text)
    if at is None:
        return None
    depth, start, opened = 1, None, 0
    for token in sparql_text.lex(text[at:]):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if start is not None and depth == opened - 1:
                return start, at + token.start
            if depth == 0:
                return None
        elif start is None and token.kind == "word" and token.text.upper() == "SELECT":
            start, opened = at + token.start, depth
    return None


def ordered(text: str) -> bool:
    """Whether the page's sub-select of ``text`` ends with an ``ORDER BY`` of its own, after
    its WHERE group (checked at load). Its group may hold sub-selects of its own (a pattern
    Oxigraph should hash-join rather than look up item by item); their ``ORDER BY`` does not
    count."""
    found = span(text)
    if found is None:
        return False
    depth, closed = 0, False
    for token in sparql_text.lex(text[found[0] : found[1]]):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            closed = closed or depth == 0
        elif closed and depth == 0 and token.kind == "word" and token.text.upper() == "ORDER":
            return True
    return False


def bound_text(text: str, bound: Mapping[ox.Variable, Term], page: Page | None) -> str:
    """A paged query's text for one page (``None``: every item), the parameters bound inside
    its sub-select: the items are chosen by them, then cut to the page."""
    found = span(text)
    assert found is not None, "a paged query has a sub-select (checked at load)"
    start, end = found
    inner = with_values(text[start:end], bound)
    if page is not None:
        inner = f"{inner.rstrip()} LIMIT {page.size} OFFSET {page.offset} "
    return text[:start] + inner + text[end:]
