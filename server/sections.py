"""The answer-first sections of an entity page: what each kind's readers come for, every
statement beside its quote.

Each section is one query in ``server/queries/`` (read through the query library) whose rows
carry an evidence record ``?ev``; the quotes, locations, references and modalities of those
records shown (each statement's first few, in IRI order) come from one more query
(``evidence-records``) and are joined here. A quote is written
out once per page: a later statement citing the same sentence points back to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from sorakg.sparql import catalogue

from .backend import Backend, select
from .charts import Edge
from .entity_window import with_members

STATUS_AS_OF = {"ongoing", "recruiting", "active, not recruiting", "not yet recruiting"}


@dataclass(frozen=True)
class Cite:
    number: str
    href: str  # the primary paper (DOI, PubMed) when the reference list gives it, else our page
    title: str = ""  # the cited paper's record, for the link's title


@dataclass
class Quote:
    number: int
    text: str
    location: str = ""
    cites: list[Cite] = field(default_factory=list)
    modality: str = ""
    model: str = ""
    basis: str = ""
    note: str = ""


@dataclass(frozen=True)
class Use:
    """One statement's use of a quote: the first use on the page shows it, later ones point.
    A dispute belongs to the statement's evidence record, not to the sentence: the same
    sentence may support a disputed statement and the curator's reading beside it."""

    quote: Quote
    first: bool
    dispute: str = ""  # the curator's reason, when this record's statement is disputed


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    css: str = ""  # e.g. the relation's class, so the table reads like the network's legend


@dataclass
class Row:
    cells: list[Cell]
    uses: list[Use] = field(default_factory=list)
    edge: Edge | None = None  # how the network draws the row's statement, if it draws it
    why: list[tuple[int, str]] = field(default_factory=list)  # an inference's steps, by depth
    why_gist: str = ""  # the statements of the review the inference rests on
    # how many evidence records state the row's statement (the build-time summaries), of which
    # the first few are quoted; 0 when the section's query does not count them
    records: int = 0

    @property
    def dispute(self) -> str:
        return next((u.dispute for u in self.uses if u.dispute), "")

    @property
    def modalities(self) -> list[str]:
        return sorted({u.quote.modality for u in self.uses if u.quote.modality})


@dataclass
class Section:
    id: str
    title: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    intro: str = ""
    evidence: bool = True


@dataclass
class Quotes:
    """The page's quotes, numbered in the order they are first used."""

    records: dict[str, dict[str, str | set[str]]]  # evidence IRI → its fields
    cite: Callable[[str], Cite]
    by_text: dict[str, Quote] = field(default_factory=dict)

    def use(self, ev: str) -> Use | None:
        record = self.records.get(ev)
        if record is None:
            return None
        text = str(record["quote"])
        dispute = str(record.get("reason", ""))
        quote = self.by_text.get(text)
        if quote is not None:
            return Use(quote, first=False, dispute=dispute)
        cites = sorted(record.get("cites", set()), key=lambda c: int(c.rsplit("/", 1)[-1]))
        quote = Quote(
            len(self.by_text) + 1,
            text,
            str(record.get("location", "")),
            [self.cite(c) for c in cites],
            _words(str(record.get("modality", ""))),
            str(record.get("modelLabel", "")),
            _words(str(record.get("basis", ""))),
            str(record.get("note", "")),
        )
        self.by_text[text] = quote
        return Use(quote, first=True, dispute=dispute)


def _words(iri: str) -> str:
    """A vocabulary term as words: ``sk:CuratorReading`` → "curator reading"."""
    local = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower()


def evidence_records(rows: list[dict[str, str]]) -> dict[str, dict[str, str | set[str]]]:
    """``evidence-records`` rows (one per cited reference) as one record per evidence IRI."""
    found: dict[str, dict[str, str | set[str]]] = {}
    for row in rows:
        record = found.setdefault(row["ev"], {"cites": set()})
        for name, value in row.items():
            if name == "cite":
                record["cites"].add(value)  # type: ignore[union-attr]
            elif name != "ev":
                record[name] = value
    return found


async def rows_of(backend: Backend, name: str, bindings: dict[str, str]) -> list[dict[str, str]]:
    """The rows of the page query ``name`` with ``bindings`` (variable name → IRI)."""
    bound = {ox.Variable(name): ox.NamedNode(iri) for name, iri in bindings.items()}
    return await select(backend, catalogue.page_query(name).sparql, 2000, bound) or []


def first_records(
    rows: list[dict[str, str]], cells: Callable[[dict[str, str]], list[Cell]], most: int
) -> list[str]:
    """The evidence records a table of ``rows`` shows: for each row of the table, its first
    ``most`` records in IRI order."""
    by_row: dict[tuple[Cell, ...], set[str]] = {}
    for row in rows:
        if row.get("ev"):
            by_row.setdefault(tuple(cells(row)), set()).add(row["ev"])
    return [ev for evs in by_row.values() for ev in sorted(evs)[:most]]


def grouped(
    rows: list[dict[str, str]],
    cells: Callable[[dict[str, str]], list[Cell]],
    quotes: Quotes,
    edge: Callable[[dict[str, str]], Edge | None] | None = None,
) -> list[Row]:
    """One table row per distinct set of cells, with the quotes of all its evidence records."""
    found: dict[tuple[Cell, ...], Row] = {}
    seen: set[tuple[tuple[Cell, ...], str]] = set()
    for row in rows:
        made = cells(row)
        key = tuple(made)
        table_row = found.setdefault(key, Row(made, edge=edge(row) if edge else None))
        table_row.records = max(table_row.records, int(row.get("records", 0)))
        ev = row.get("ev", "")
        if ev and (key, ev) not in seen:
            seen.add((key, ev))
            use = quotes.use(ev)
            if use and all(u.quote is not use.quote for u in table_row.uses):
                table_row.uses.append(use)
    for table_row in found.values():  # a disputed statement is drawn as disputed
        if table_row.edge is not None and table_row.dispute:
            table_row.edge = replace(table_row.edge, disputed=True)
    return list(found.values())


def status_text(status: str, year: str) -> str:
    """A status the review reports, dated: "ongoing (as of the review, 2020)"."""
    if status.lower() in STATUS_AS_OF:
        return f"{status} (as of the review{', ' + year if year else ''})"
    return status


@dataclass(frozen=True)
class Record:
    """A publication's bibliographic record, as far as it is confirmed."""

    iri: str
    title: str
    citation: str = ""
    year: str = ""
    doi: str = ""
    pmid: str = ""
    note: str = ""  # why the record is incomplete


@dataclass
class Bibliography:
    publications: dict[str, Record]
    cites: dict[str, Cite]  # citation IRI → where its number links

    @property
    def year(self) -> str:
        """The year of the review (one publication today); empty when not confirmed."""
        years = {r.year[:4] for r in self.publications.values() if r.year}
        return years.pop() if len(years) == 1 else ""

    def cite(self, iri: str, href: str) -> Cite:
        return self.cites.get(iri) or Cite(iri.rsplit("/", 1)[-1], href)


def paper_href(doi: str, pmid: str) -> str:
    if doi:
        return "https://doi.org/" + doi
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else ""


async def bibliography(backend: Backend) -> Bibliography:
    """The publications' records (one per paper: read once per page); the references' links
    are added by :func:`add_references` for the references a page cites."""
    records = {}
    for r in await rows_of(backend, "publications", {}):
        records[r["publication"]] = Record(
            r["publication"], r["title"], r.get("citation", ""), r.get("year", ""),
            r.get("doi", ""), r.get("pmid", ""), r.get("note", ""),
        )  # fmt: skip
    return Bibliography(records, {})


async def add_references(backend: Backend, books: Bibliography, cited: list[str]) -> None:
    """The links of the references ``cited`` (those of a page's quotes: a graph of many papers
    has tens of thousands), into ``books``."""
    if not cited:
        return
    text = with_members(catalogue.page_query("references").sparql, {"cite": cited})
    for r in await select(backend, text, 100_000) or []:
        href = paper_href(r.get("doi", ""), r.get("pmid", ""))
        if href:
            books.cites[r["cite"]] = Cite(r["number"], href, r.get("citation", ""))
