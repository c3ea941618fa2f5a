"""Media types the endpoint speaks, and content negotiation over them (one table, one helper).

Each kind of answer has a list of formats in the server's order of preference; an ``Accept``
header picks among them by q-value (python-mimeparse does the matching), ties going to the
earlier entry, and a ``format`` parameter (a short name or a media type) overrides the header
so that a browser link can ask for CSV.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import mimeparse
from pyoxigraph import QueryResultsFormat, RdfFormat

Kind = Literal["solutions", "boolean", "graph", "page", "description", "canned"]


@dataclass(frozen=True)
class Format:
    name: str  # the `format` parameter value and file extension
    media_type: str  # the Content-Type we answer with
    aliases: tuple[str, ...]  # other media types and short names that select it
    results: QueryResultsFormat | None = None
    rdf: RdfFormat | None = None


JSON = Format("json", "application/sparql-results+json", ("application/json", "srj"),
              results=QueryResultsFormat.JSON)  # fmt: skip
XML = Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml", "srx"),
             results=QueryResultsFormat.XML)  # fmt: skip
CSV = Format("csv", "text/csv", (), results=QueryResultsFormat.CSV)
TSV = Format("tsv", "text/tab-separated-values", (), results=QueryResultsFormat.TSV)

TURTLE = Format("ttl", "text/turtle", ("application/x-turtle", "application/turtle", "turtle"),
                rdf=RdfFormat.TURTLE)  # fmt: skip
NTRIPLES = Format("nt", "application/n-triples", ("text/plain", "ntriples"),
                  rdf=RdfFormat.N_TRIPLES)  # fmt: skip
RDFXML = Format("rdf", "application/rdf+xml",
                ("application/xml", "text/xml", "rdfxml", "rdf+xml", "xml"),
                rdf=RdfFormat.RDF_XML)  # fmt: skip
# "json-ld" and "application/x-json+ld" are what SPARQLWrapper sends for JSONLD
JSONLD = Format("jsonld", "application/ld+json",
                ("application/json", "application/x-json+ld", "json", "json-ld"),
                rdf=RdfFormat.JSON_LD)  # fmt: skip
N3 = Format("n3", "text/n3", ("text/rdf+n3", "application/n3"), rdf=RdfFormat.N3)
HTML = Format("html", "text/html", ("application/xhtml+xml",))

# The formats of each kind of answer, the server's preferred one first.
FORMATS: dict[Kind, tuple[Format, ...]] = {
    "solutions": (JSON, XML, CSV, TSV),
    "boolean": (JSON, XML, CSV, TSV),
    "graph": (TURTLE, NTRIPLES, RDFXML, JSONLD, N3),
    "page": (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML),
    "description": (TURTLE, NTRIPLES, RDFXML, JSONLD, HTML),
    "canned": (JSON, XML, CSV, TSV, HTML),  # a named query: its results, or its page
}


class NotAcceptable(ValueError):
    """No format of this kind matches what the client accepts."""

    def __init__(self, kind: Kind):
        offered = ", ".join(f.media_type for f in FORMATS[kind])
        super().__init__(f"no acceptable format; this answer is available as: {offered}")


def by_name(kind: Kind, name: str) -> Format | None:
    """The format of ``kind`` named by ``name`` (short name, extension or media type), or by
    the first of a comma-separated list that names one: SPARQLWrapper sends
    ``format=json-ld&format=application/ld+json,application/x-json+ld``, joined by the caller."""
    for part in name.split(","):
        part = part.strip().lower()
        for fmt in FORMATS[kind]:
            if part == fmt.name or part == fmt.media_type or part in fmt.aliases:
                return fmt
    return None


# Clients send the same few Accept headers again and again, and parsing one costs more than the
# engine's answer to a point lookup: answers are remembered (a failure is not, so it raises anew)
@functools.lru_cache(maxsize=512)
def negotiate(kind: Kind, accept: str | None, format_param: str | None = None) -> Format:
    """Choose the answer's format; raise :class:`NotAcceptable` when nothing fits."""
    formats = FORMATS[kind]
    if format_param:
        chosen = by_name(kind, format_param)
        if chosen is None:
            raise NotAcceptable(kind)
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
        raise NotAcceptable(kind)
    return best
