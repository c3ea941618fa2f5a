"""Labels for the IRIs a page shows, and the one way a page writes an IRI: a labelled link.

A result table names entities by IRI; a reader wants "Sorafenib" and "phase II". The labels are
fetched in one query through the backend (so the same timeout applies), and every cell is
rendered by :func:`link`: the label (or, with none, the CURIE ``drug:sorafenib``) as link text,
the full IRI as its title, and the link itself only for ``http(s)`` IRIs, pointing at this
server's page when the IRI is under the base. Other schemes (``javascript:``, ``data:``) are
shown as text, never as links: a label or IRI from the data must not run script in a reader's
browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from markupsafe import Markup, escape

from sorakg.names import curie
from sorakg.sparql import catalogue
from sorakg.sparql.bindings import with_rows

from .backend import Backend, select

MAX_IRIS = 2_000  # a page never shows more; the VALUES block stays small


def is_web_iri(iri: str) -> bool:
    return iri.startswith(("http://", "https://"))


async def fetch_labels(backend: Backend, iris: Iterable[str]) -> dict[str, str]:
    """``{iri: label}`` for the IRIs that have one (``rdfs:label`` or ``skos:prefLabel``)."""
    wanted = sorted({iri for iri in iris if is_web_iri(iri) and ">" not in iri})[:MAX_IRIS]
    if not wanted:
        return {}
    text = with_rows(catalogue.page_query("labels").sparql, ox.Variable("s"), _terms(wanted))
    rows = await select(backend, text, MAX_IRIS)
    # labels are a comfort: without them (rows None) the page still shows CURIEs
    return {row["s"]: row["label"] for row in rows or [] if "label" in row}


def _terms(iris: list[str]) -> Iterator[ox.NamedNode]:
    """The IRIs as terms, leaving out any Oxigraph would not accept (a proxied store's odd one)."""
    for iri in iris:
        try:
            yield ox.NamedNode(iri)
        except ValueError:
            continue


@dataclass(frozen=True)
class Linker:
    """Renders IRIs for one page: labels, prefixes and the base IRI served here."""

    labels: Mapping[str, str]
    prefixes: Mapping[str, str]
    base_iri: str

    def href(self, iri: str) -> str | None:
        if not is_web_iri(iri):
            return None
        return "/" + iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else iri

    def text(self, iri: str) -> str:
        return self.labels.get(iri) or curie(iri, self.prefixes)

    def __call__(self, iri: str) -> Markup:
        """``<a href title>label</a>`` (text only for a non-web IRI)."""
        href = self.href(iri)
        if href is None:
            return Markup('<span class="iri" title="{}">{}</span>').format(iri, self.text(iri))
        return Markup('<a href="{}" title="{}">{}</a>').format(href, iri, self.text(iri))

    def cell(self, binding: Mapping[str, str] | None) -> Markup:
        """One SPARQL JSON results binding as HTML."""
        if not binding:
            return Markup("")
        if binding.get("type") == "uri":
            return self(binding["value"])
        return Markup(escape(binding.get("value", "")))
