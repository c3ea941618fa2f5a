"""Every format sorakg reads or writes, in one table, and content negotiation over it.

A :class:`Format` is one row: its short name (the ``format`` parameter, ``--format``, an entity
path's suffix) and the other names that select it. Media types, file extensions and whether a
format keeps named graphs come from pyoxigraph's :class:`~pyoxigraph.RdfFormat` and
:class:`~pyoxigraph.QueryResultsFormat`, never typed twice. :data:`OFFERS` says which formats each
kind of answer offers, the preferred one first; every surface reads it: ``/sparql``, the entity
pages, ``/ontology``, the named queries, the downloads, ``sorakg export`` and ``sorakg query``
(``tests/test_formats.py`` runs each format on each surface).

An ``Accept`` header picks among an offer's formats by q-value (python-mimeparse does the
matching), ties going to the earlier entry, and a ``format`` parameter (a short name, an alias
or a media type) overrides the header so that a browser link can ask for CSV.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import mimeparse
from pyoxigraph import QueryResultsFormat, RdfFormat

# what is answered: SELECT solutions, an ASK boolean, CONSTRUCT/DESCRIBE triples, an entity's
# page, a description of a resource (/ontology, the service description, VoID), a named query's
# answer or page, the files of `sorakg export`, and `sorakg query`'s output
Offer = Literal[
    "solutions", "boolean", "graph", "page", "description", "canned", "export", "results"
]


@dataclass(frozen=True)
class Format:
    name: str  # the one short name: `format=`, `--format`, an entity path's suffix
    aliases: tuple[str, ...] = ()  # other media types and short names that select it
    rdf: RdfFormat | None = None
    results: QueryResultsFormat | None = None
    given_media_type: str | None = field(default=None, repr=False)  # only for HTML
    rdflib: str | None = None  # rdflib's parser and serializer name (the export's writers)
    rapper: str | None = None  # raptor's parser name, where raptor has one (tests)

    @property
    def media_type(self) -> str:
        """The Content-Type we answer with (without parameters)."""
        source = self.rdf or self.results
        found = source.media_type if source is not None else self.given_media_type
        assert found is not None, self.name
        return found.split(";")[0].strip()

    @property
    def extension(self) -> str:
        """The file extension, and the suffix of an entity path asking for this format."""
        source = self.rdf or self.results
        return source.file_extension if source is not None else self.name

    @property
    def quads(self) -> bool:
        """Whether the format keeps named graphs."""
        return self.rdf is not None and self.rdf.supports_datasets

    def selected_by(self, name: str) -> bool:
        """Whether ``name`` (lower case: a short name, an extension or a media type) means it."""
        return name in (self.name, self.extension, self.media_type, *self.aliases)


JSON = Format("json", ("application/json", "srj"), results=QueryResultsFormat.JSON)
XML = Format("xml", ("application/xml", "text/xml", "srx"), results=QueryResultsFormat.XML)
CSV = Format("csv", results=QueryResultsFormat.CSV)
TSV = Format("tsv", results=QueryResultsFormat.TSV)

TURTLE = Format("ttl", ("application/x-turtle", "application/turtle", "turtle"),
                rdf=RdfFormat.TURTLE, rdflib="turtle", rapper="turtle")  # fmt: skip
NTRIPLES = Format("nt", ("text/plain", "ntriples"), rdf=RdfFormat.N_TRIPLES, rdflib="nt",
                  rapper="ntriples")  # fmt: skip
NQUADS = Format("nq", ("nquads",), rdf=RdfFormat.N_QUADS, rdflib="nquads", rapper="nquads")
TRIG = Format("trig", (), rdf=RdfFormat.TRIG, rdflib="trig", rapper="trig")
# "rdf" (the extension) is how the endpoint named it before the names were made one
RDFXML = Format("rdfxml", ("application/xml", "text/xml", "rdf", "rdf+xml", "xml"),
                rdf=RdfFormat.RDF_XML, rdflib="xml", rapper="rdfxml")  # fmt: skip
# "json-ld" and "application/x-json+ld" are what SPARQLWrapper sends for JSONLD
JSONLD = Format("jsonld", ("application/json", "application/x-json+ld", "json", "json-ld"),
                rdf=RdfFormat.JSON_LD, rdflib="json-ld")  # fmt: skip
N3 = Format("n3", ("text/rdf+n3", "application/n3"), rdf=RdfFormat.N3, rdflib="n3")
HTML = Format("html", ("application/xhtml+xml",), given_media_type="text/html")

RESULTS = (JSON, XML, CSV, TSV)
RDF = (TURTLE, NTRIPLES, RDFXML, JSONLD, N3, TRIG, NQUADS)

# The formats of each kind of answer, the preferred one first.
OFFERS: dict[Offer, tuple[Format, ...]] = {
    "solutions": RESULTS,
    "boolean": RESULTS,
    "graph": RDF,
    "page": (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML, N3, TRIG, NQUADS),
    "description": (*RDF, HTML),
    "canned": (*RESULTS, HTML),  # a named query: its results, or its page
    # the export's files; N3 is left out (Turtle says the same, and more tools read it)
    "export": (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML),
    "results": (CSV, TSV, JSON, XML),
}

# every format by its short name
FORMATS: dict[str, Format] = {f.name: f for formats in OFFERS.values() for f in formats}


class NotAcceptable(ValueError):
    """No format of this offer matches what the client accepts."""

    def __init__(self, offer: Offer):
        offered = ", ".join(f.media_type for f in OFFERS[offer])
        super().__init__(f"no acceptable format; this answer is available as: {offered}")


def by_name(offer: Offer, name: str) -> Format | None:
    """The format of ``offer`` named by ``name`` (short name, extension, alias or media type),
    or by the first of a comma-separated list that names one: SPARQLWrapper sends
    ``format=json-ld&format=application/ld+json,application/x-json+ld``, joined by the caller."""
    for part in name.split(","):
        part = part.strip().lower()
        for fmt in OFFERS[offer]:
            if fmt.selected_by(part):
                return fmt
    return None


def by_extension(offer: Offer, extension: str) -> Format | None:
    """The format of ``offer`` whose file extension is ``extension`` (an entity path's suffix)."""
    return next((f for f in OFFERS[offer] if f.extension == extension), None)


# Clients send the same few Accept headers again and again, and parsing one costs more than the
# engine's answer to a point lookup: answers are remembered (a failure is not, so it raises anew)
@functools.lru_cache(maxsize=512)
def negotiate(offer: Offer, accept: str | None, format_param: str | None = None) -> Format:
    """Choose the answer's format; raise :class:`NotAcceptable` when nothing fits."""
    formats = OFFERS[offer]
    if format_param:
        chosen = by_name(offer, format_param)
        if chosen is None:
            raise NotAcceptable(offer)
        return chosen
    if not accept or not accept.strip():
        return formats[0]
    best, best_q = None, 0.0
    for fmt in formats:
        for media_type in (fmt.media_type, *(a for a in fmt.aliases if "/" in a)):
            try:
                q = mimeparse.quality(media_type, accept)
            except (ValueError, mimeparse.MimeTypeParseException):
                return formats[0]  # a malformed header is ignored, as if absent
            if q > best_q:
                best, best_q = fmt, q
    if best is None:
        raise NotAcceptable(offer)
    return best


def accept_header(formats: Sequence[Format]) -> str:
    """An ``Accept`` header asking for ``formats``, the first preferred."""
    return ", ".join(
        f.media_type if i == 0 else f"{f.media_type};q={1 - i / 10:.1f}"
        for i, f in enumerate(formats)
    )
