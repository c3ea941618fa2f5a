"""One page of what is about an entity: its descriptions are paged, whatever the graph's size.

An entity many papers discuss has thousands of evidence records and resources that link to it.
Its HTML page and RDF forms show its own facts whole, and the resources about it one page at a
time (``?page=2&size=50``): its evidence records, then the other resources with a link to it,
each in IRI order (``server/queries/entity-members.rq``; the order of
:func:`sorakg.release.summaries.evidence_order`). The totals come with the page, and every
page but the last links to the next (an HTTP ``Link: <…>; rel="next"`` header, as Linked Data
Platform paging does, and a link on the HTML page).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from sorakg.sparql import catalogue

from .backend import ENTITY, Backend, select

PAGE_SIZE = 200  # resources per page: every page of the review's own graph is whole
MAX_PAGE_SIZE = 1000
EVIDENCE, REFERRING = "1", "2"  # the kinds of entity-members.rq
# resources about one entity read to sort them (sorafenib has 12,000 at 1M triples); beyond
# this, or the pool's byte cap, the last pages are not reached
MAX_MEMBERS = 1_000_000


class BadPage(ValueError):
    """A page number or size that is not a positive whole number within bounds."""


@dataclass
class Window:
    page: int = 1
    size: int = PAGE_SIZE
    evidence: list[str] = field(default_factory=list)  # this page's evidence records
    referring: list[str] = field(default_factory=list)  # this page's other linking resources
    evidence_total: int = 0
    referring_total: int = 0

    @property
    def first(self) -> int:
        """The position (1-based) of the page's first resource among all about the entity."""
        return (self.page - 1) * self.size + 1

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.evidence_total + self.referring_total

    @property
    def evidence_first(self) -> int:
        """The position (1-based) of the page's first evidence record among the entity's."""
        return min(self.first, self.evidence_total + 1)

    def query(self, page: int) -> str:
        """The query string of ``page`` with this page's size ("" for the default first page)."""
        parts = [f"page={page}"] if page != 1 else []
        parts += [f"size={self.size}"] if self.size != PAGE_SIZE else []
        return "?" + "&".join(parts) if parts else ""


def parse(page: str | None, size: str | None) -> tuple[int, int]:
    """The page number and size a request asks for (defaults: 1 and :data:`PAGE_SIZE`)."""
    try:
        number = int(page) if page else 1
        count = int(size) if size else PAGE_SIZE
    except ValueError:
        raise BadPage(f"page and size must be whole numbers, not {page!r} and {size!r}") from None
    if number < 1 or not 1 <= count <= MAX_PAGE_SIZE:
        raise BadPage(f"page must be 1 or more and size 1 to {MAX_PAGE_SIZE}")
    return number, count


async def window(backend: Backend, iri: str, page: int, size: int) -> Window | None:
    """The resources about ``iri`` on ``page`` (``size`` per page) and the totals, or None when
    a query failed."""
    bound = {ENTITY: ox.NamedNode(iri)}
    counts = await select(backend, catalogue.page_query("entity-member-counts").sparql, 10, bound)
    text = catalogue.page_query("entity-members").sparql
    rows = await select(backend, text, MAX_MEMBERS, bound)
    if counts is None or rows is None:
        return None
    totals = {r["kind"]: int(r["count"]) for r in counts}
    found = Window(page, size, evidence_total=totals.get(EVIDENCE, 0),
                   referring_total=totals.get(REFERRING, 0))  # fmt: skip
    members = sorted((row["kind"], row["member"]) for row in rows)
    for kind, member in members[(page - 1) * size : page * size]:
        (found.evidence if kind == EVIDENCE else found.referring).append(member)
    return found


def with_members(text: str, members: dict[str, list[str]]) -> str:
    """``text`` with its empty ``VALUES ?var { }`` blocks filled: ``members`` maps a variable
    name to IRIs (written by Oxigraph's serializer, which accepts valid IRIs only)."""
    for name, iris in members.items():
        block = f"VALUES ?{name} {{ }}"
        if block not in text:
            raise ValueError(f"no empty VALUES block for ?{name}")
        terms = " ".join(str(ox.NamedNode(iri)) for iri in iris)
        text = text.replace(block, f"VALUES ?{name} {{ {terms} }}")
    return text


def description(window: Window) -> dict[str, list[str]]:
    """The VALUES blocks of ``entity.rq`` for this page."""
    return {
        "s": window.referring,
        "n": window.referring,
        "s4": window.referring,
        "evidence": window.evidence,
        "evidence1": window.evidence,
        "evidence2": window.evidence,
    }
