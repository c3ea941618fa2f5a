"""Naming entities the way people do, and showing them the way people read.

One resolver for ``sorakg explain``, ``sorakg query -p`` and the pages: a name may be a full
IRI (``https://w3id.org/sorakg/drug/sorafenib`` or ``<…>``), a CURIE (``drug:sorafenib``,
``sk:VEGFRInhibitor``), a path (``drug/sorafenib``), an ontology local name
(``VEGFRInhibitor``) or a label, matched case-insensitively (``sorafenib``, ``VEGFR inhibitor``).
Labels are shared (eight nodes are labelled "Sorafenib": the drug and seven trial arms), so the
resolver prefers the kind the caller expects (a class for ``explain``'s second argument, a drug
for ``-p drug=…``), then whole entities over their parts (``drug/x`` over ``trial/y/arm/x``);
what is still ambiguous is an error listing the candidates, and an unknown name is an error
that suggests the nearest known names. Nothing is matched silently to "the first one".

The other direction, :func:`curie` and :func:`display`, turns IRIs back into labels or CURIEs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SK = "https://w3id.org/sorakg/ontology#"
LABELS = (RDFS + "label", SKOS + "prefLabel", "http://purl.org/dc/terms/title")
SYNONYMS = (SKOS + "altLabel",)
# identifiers a user may type for an entity: NCT00988741, CHEMBL1336, P40763 …
IDENTIFIERS = tuple(
    SK + name for name in ("nctId", "chemblId", "uniprotId", "chebiId", "drugbankId", "hgncId")
)
CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    OWL + "AnnotationProperty",
    RDF_TYPE.replace("type", "Property"),
}
# what a caller may expect: a kind of ontology term, or an entity class of the graph
CLASS, PROPERTY = "class", "property"


class NamingError(LookupError):
    """A name that names nothing, or several things; the message says what to type instead."""


class UnknownName(NamingError):
    pass


class AmbiguousName(NamingError):
    pass


@dataclass
class Names:
    """Labels, synonyms and types of every IRI of a graph: what the resolver searches."""

    base_iri: str
    prefixes: Mapping[str, str]
    labels: dict[str, list[str]] = field(default_factory=dict)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # every IRI used as a subject

    @classmethod
    def from_triples(
        cls, triples: Iterable[tuple[object, object, object]], base_iri: str,
        prefixes: Mapping[str, str],
    ) -> Names:  # fmt: skip
        """From (subject, predicate, object) terms of rdflib or pyoxigraph (anything whose
        ``str``/``.value`` is the IRI or lexical form)."""
        names = cls(base_iri, prefixes)
        for s, p, o in triples:
            subject, predicate = term_text(s), term_text(p)
            if not subject.startswith(("http://", "https://")):
                continue
            names.known.add(subject)
            if predicate in LABELS:
                names.labels.setdefault(subject, []).append(term_text(o))
            elif predicate in SYNONYMS or predicate in IDENTIFIERS:
                names.synonyms.setdefault(subject, []).append(term_text(o))
            elif predicate == RDF_TYPE:
                names.types.setdefault(subject, set()).add(term_text(o))
        return names

    def label(self, iri: str) -> str | None:
        found = self.labels.get(iri)
        return min(found, key=lambda text: (len(text), text)) if found else None

    def show(self, iri: str) -> str:
        """``curie (label)`` for messages."""
        label, short = self.label(iri), curie(iri, self.prefixes)
        return f"{short} ({label})" if label else short

    # --- resolving -------------------------------------------------------------------------

    def expand(self, text: str) -> str | None:
        """The IRI a CURIE, ``<IRI>``, full IRI or path stands for (None for anything else)."""
        text = text.strip()
        if text.startswith("<") and text.endswith(">"):
            return text[1:-1]
        if text.startswith(("http://", "https://")):
            return text
        prefix, colon, local = text.partition(":")
        if colon and prefix in self.prefixes:
            return self.prefixes[prefix] + local
        segment, slash, _ = text.partition("/")
        if slash and segment in self.prefixes and self.prefixes[segment].startswith(self.base_iri):
            return self.base_iri + text
        return None

    def resolve(self, text: str, expect: str | None = None, what: str = "entity") -> str:
        """The one IRI ``text`` names; ``expect`` is :data:`CLASS`, :data:`PROPERTY`, a
        class IRI the answer should be an instance of, or a namespace ending in ``/`` the
        answer should be under (``…/drug/`` for ``-p drug=…``). Raises :class:`UnknownName` or
        :class:`AmbiguousName` with candidates."""
        text = text.strip()
        iri = self.expand(text)
        if iri is None and expect in (CLASS, PROPERTY) and (SK + text) in self.known:
            iri = SK + text
        if iri is not None:
            if iri in self.known:
                return iri
            raise UnknownName(self._unknown(text, what))
        wanted = text.casefold()
        matches = sorted(
            iri
            for iri in self.known
            if any(v.casefold() == wanted for v in self.labels.get(iri, ()))
            or any(v.casefold() == wanted for v in self.synonyms.get(iri, ()))
            or (
                curie(iri, self.prefixes).casefold().partition(":")[2] == wanted
                and expect in (CLASS, PROPERTY)
            )
        )
        if not matches:
            raise UnknownName(self._unknown(text, what))
        best = self._prefer(matches, expect)
        if len(best) == 1:
            return best[0]
        shown = "; ".join(self.show(iri) for iri in best[:8])
        more = f" and {len(best) - 8} more" if len(best) > 8 else ""
        raise AmbiguousName(
            f"'{text}' names {len(best)} {what}s: {shown}{more}; type one of the CURIEs"
        )

    def _prefer(self, matches: list[str], expect: str | None) -> list[str]:
        """The expected kind first, then whole entities (``drug/x``) over parts of one
        (``trial/y/arm/x``)."""
        if expect is not None and expect.endswith("/"):  # a namespace: drug/, trial/ …
            matches = [iri for iri in matches if iri.startswith(expect)] or matches
        elif expect is not None:
            kinds = {CLASS: CLASS_TYPES, PROPERTY: PROPERTY_TYPES}.get(expect, {expect})
            typed = [iri for iri in matches if self.types.get(iri, set()) & kinds]
            matches = typed or matches
        depth = {iri: _depth(iri, self.base_iri) for iri in matches}
        least = min(depth.values())
        return [iri for iri in matches if depth[iri] == least]

    def _unknown(self, text: str, what: str) -> str:
        hints = self.suggest(text)
        tail = f"; did you mean {', '.join(hints)}?" if hints else ""
        return f"no such {what} '{text}'{tail}"

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """The nearest known names to a mistyped one, each shown as ``curie (label)``."""
        wanted = text.strip().casefold()
        by_key: dict[str, str] = {}
        # whole entities first, so "sunitnib" suggests the drug, not a trial arm named alike
        for iri in sorted(self.known, key=lambda iri: (_depth(iri, self.base_iri), iri)):
            short = curie(iri, self.prefixes)
            if short == iri:
                continue  # outside the project's namespaces: not worth suggesting
            shown = self.show(iri)
            keys = [short.casefold(), short.partition(":")[2].casefold()]
            keys += [v.casefold() for v in self.labels.get(iri, ())]
            keys += [v.casefold() for v in self.synonyms.get(iri, ())]
            keys += [self.base_iri and iri.removeprefix(self.base_iri).casefold()]
            for key in keys:
                by_key.setdefault(key, shown)
        close = difflib.get_close_matches(wanted, list(by_key), n=limit * 3, cutoff=0.75)
        found: list[str] = []
        for key in close:
            if by_key[key] not in found:
                found.append(by_key[key])
        return found[:limit]


def term_text(term: object) -> str:
    """The IRI, literal value or label of a pyoxigraph term (an RDF-star triple as its text)."""
    return str(getattr(term, "value", term))


def _depth(iri: str, base_iri: str) -> int:
    if not iri.startswith(base_iri):
        return 0
    return iri[len(base_iri) :].count("/")


def curie(iri: str, prefixes: Mapping[str, str]) -> str:
    """``drug:sorafenib`` for an IRI under a known prefix (the longest wins), else the IRI."""
    best = max(
        (item for item in prefixes.items() if iri.startswith(item[1])),
        key=lambda item: len(item[1]),
        default=None,
    )
    return f"{best[0]}:{iri[len(best[1]) :]}" if best else iri


def suggest_word(word: str, choices: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for a mistyped query or parameter name (empty if none is near)."""
    close = difflib.get_close_matches(word, list(choices), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def from_store(store: object, base_iri: str, prefixes: Mapping[str, str]) -> Names:
    """The names of a pyoxigraph store's graphs (all of them: ontology, facts, inferences)."""
    quads = store.quads_for_pattern(None, None, None)  # type: ignore[attr-defined]
    return Names.from_triples(
        ((q.subject, q.predicate, q.object) for q in quads), base_iri, prefixes
    )
