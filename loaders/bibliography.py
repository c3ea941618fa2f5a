"""A publication's bibliographic record (``publication.toml``) and its reference list
(``references.csv``), checked and loaded as RDF (``dcterms:``, ``bibo:``).

Only confirmed values are written: every bibliographic field of the record, and every DOI or
PMID of a reference, must name where it was confirmed (``[sources]`` in the TOML, the
``source_url`` column in the table), so a guessed value cannot enter the graph unnoticed. A
field nobody could confirm is left out, and the record says so (``record_check``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from .errors import Problem
from .prefixes import PREFIX_IRIS
from .source_files import read_csv
from .tables import OptionalInt, OptionalText

BIBO = Namespace(PREFIX_IRIS["bibo"])
SK = Namespace(PREFIX_IRIS["sk"])
TABLE = "references.csv"
DOI = r"^10\.\d{4,9}/\S+$"
PMID = r"^\d{1,9}$"
OptionalDoi = Annotated[OptionalText, Field(pattern=DOI)]
OptionalPmid = Annotated[OptionalText, Field(pattern=PMID)]
BIBLIOGRAPHIC = ("authors", "journal", "year", "volume", "issue", "pages", "doi", "pmid")


class PublicationRecord(BaseModel):
    """``publication.toml``: the publication's title and, where confirmed, its record."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str
    title: str = Field(min_length=3)
    kind: str = "review"
    authors: list[str] = []
    journal: OptionalText = None
    year: OptionalInt = None
    volume: OptionalText = None
    issue: OptionalText = None
    pages: OptionalText = None
    doi: OptionalDoi = None
    pmid: OptionalPmid = None
    #: field → where its value was confirmed (a URL, or a file and its release)
    sources: dict[str, str] = {}
    #: what was looked for and not found, so a reader knows why a field is missing
    record_check: dict[str, str] = {}

    @model_validator(mode="after")
    def _each_field_has_its_source(self) -> PublicationRecord:
        unsourced = [f for f in BIBLIOGRAPHIC if getattr(self, f) and f not in self.sources]
        if unsourced:
            raise ValueError(f"no source under [sources] for: {', '.join(unsourced)}")
        return self

    def citation(self) -> str:
        """ "Authors. Title. Journal Year;Volume(Issue):Pages", from the confirmed fields only;
        empty while the journal or year is not confirmed (the title alone is not a citation)."""
        if not (self.journal and self.year):
            return ""
        authors = ", ".join(self.authors)
        where = f"{self.journal} {self.year}"
        where += f";{self.volume}" if self.volume else ""
        where += f"({self.issue})" if self.issue else ""
        where += f":{self.pages}" if self.pages else ""
        return ". ".join(part for part in (authors, self.title, where) if part) + "."


class Reference(BaseModel):
    """One numbered reference of the publication's reference list, resolved to the primary
    paper where the list gives it (so "[50]" on a page links to the paper)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: int = Field(ge=1)
    first_author: OptionalText = None
    title: OptionalText = None
    journal: OptionalText = None
    year: OptionalInt = None
    doi: OptionalDoi = None
    pmid: OptionalPmid = None
    source_url: OptionalText = None  # where the reference list entry was read
    note: OptionalText = None

    @model_validator(mode="after")
    def _identifiers_have_a_source(self) -> Reference:
        if (self.doi or self.pmid) and not self.source_url:
            raise ValueError("a DOI or PMID needs the source_url it was confirmed at")
        return self

    def citation(self) -> str:
        parts = [self.first_author, self.title, self.journal, str(self.year or "") or None]
        return ". ".join(p for p in parts if p)


def read_record(
    meta: dict[str, object], shown: str
) -> tuple[PublicationRecord | None, list[Problem]]:
    try:
        return PublicationRecord.model_validate(meta), []
    except ValidationError as error:
        return None, [
            Problem(shown, 0, ".".join(map(str, e["loc"])) or "record", e["msg"])
            for e in error.errors()
        ]


def read_references(folder: Path, shown: str) -> tuple[list[Reference], list[Problem]]:
    """The folder's ``references.csv`` (none is an empty list), each row checked."""
    path = folder / TABLE
    if not path.exists():
        return [], []
    table = read_csv(path, shown, frozenset({"number", "year"}))
    problems = list(table.problems)
    found: list[Reference] = []
    numbers: dict[int, int] = {}
    for line, record in table.records:
        cells = {k: v for k, v in record.items() if v.strip()}
        try:
            reference = Reference.model_validate(cells)
        except ValidationError as error:
            for issue in error.errors():
                column = ".".join(map(str, issue["loc"])) or "row"
                problems.append(Problem(shown, line, column, issue["msg"]))
            continue
        first = numbers.get(reference.number)
        if first is not None:
            message = f"reference {reference.number} is on line {first} too"
            problems.append(Problem(shown, line, "number", message))
        numbers[reference.number] = line
        found.append(reference)
    return found, problems


def add_record(g: Graph, node: URIRef, record: PublicationRecord) -> None:
    """The record's confirmed fields on the publication node."""
    for author in record.authors:
        g.add((node, DCTERMS.creator, Literal(author)))
    if record.year:
        g.add((node, DCTERMS.issued, Literal(str(record.year), datatype=XSD.gYear)))
    for field, prop in (("volume", BIBO.volume), ("issue", BIBO.issue), ("pages", BIBO.pages),
                        ("doi", BIBO.doi), ("pmid", BIBO.pmid)):  # fmt: skip
        value = getattr(record, field)
        if value:
            g.add((node, prop, Literal(value)))
    if record.citation():
        g.add((node, DCTERMS.bibliographicCitation, Literal(record.citation())))
    check = record.record_check
    if check.get("result"):  # why a field is missing, for a reader of the page or the export
        said = f"Bibliographic record {check['result']}"
        said += f" (checked {check['checked']})" if check.get("checked") else ""
        g.add((node, SKOS.editorialNote, Literal(said + ".")))


def add_reference(g: Graph, citation: URIRef, pub: URIRef, reference: Reference) -> None:
    """A reference of the list on its citation node (the node evidence records cite)."""
    g.add((citation, RDF.type, SK.Citation))
    g.add((citation, SK.referenceNumber, Literal(reference.number, datatype=XSD.positiveInteger)))
    g.add((citation, SK.inPublication, pub))
    for value, prop in ((reference.doi, BIBO.doi), (reference.pmid, BIBO.pmid)):
        if value:
            g.add((citation, prop, Literal(value)))
    if reference.citation():
        g.add((citation, DCTERMS.bibliographicCitation, Literal(reference.citation())))
    if reference.source_url:
        g.add((citation, DCTERMS.source, URIRef(reference.source_url)))
