"""Naming entities the way people do, and showing them the way people read.

One resolver for ``sorakg explain``, ``sorakg query -p``, ``/queries/NAME?param=`` and the
pages: a name may be a full IRI (``https://w3id.org/sorakg/drug/sorafenib`` or ``<…>``), a
CURIE (``drug:sorafenib``, ``sk:VEGFRInhibitor``), a path (``drug/sorafenib``), an ontology local
name (``VEGFRInhibitor``), a label, synonym, acronym or registry identifier (``sorafenib``,
``SEARCH``, ``NCT00988741``), all matched case-insensitively.

What the caller expects decides (:class:`Expect`: a trial, a drug class, an individual …). A name
that matches the expected kind resolves to it (whole entities before their parts: ``drug/x``
before ``trial/y/arm/x``); several matches are an error listing them. A name that matches only
something of another kind is never passed on to give an empty answer: it leads to the one
entity of the right kind linked to it (``trial=tivantinib`` is the one trial testing
tivantinib, and the answer says so in :attr:`Resolved.note`), or it is an error listing the
candidates of the right kind. An unknown name is an error with the nearest names.

The names are an index (:mod:`sorakg.name_index`), on disk beside each release, so
lookups cost the same at any size of graph. The other direction, :func:`curie` and
:meth:`Names.show`, turns IRIs back into CURIEs and labels.
"""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sorakg import name_index
from sorakg.name_index import OWL, RDF, RDFS, SK, depth, whole

RDF_TYPE = RDF + "type"
CLASS_TYPES = (OWL + "Class", RDFS + "Class")
PROPERTY_TYPES = (
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    OWL + "AnnotationProperty",
    RDF_TYPE.replace("type", "Property"),
)
SHOWN = 8  # candidates listed in a message


@dataclass(frozen=True)
class Expect:
    """The kind of term a caller wants: instances of some classes, classes under some class
    (``owl:Thing``: any class), an individual (a relation's object), or a property."""

    noun: str = "entity"  # for messages: "trial", "drug class"
    instance_of: tuple[str, ...] = ()
    subclass_of: tuple[str, ...] = ()
    individual: bool = False
    predicate: bool = False

    @property
    def narrows(self) -> bool:
        return bool(self.instance_of or self.subclass_of or self.individual or self.predicate)


ANY = Expect()
CLASS = Expect("class", subclass_of=(OWL + "Thing",))
PROPERTY = Expect("property", predicate=True)
INDIVIDUAL = Expect("entity", individual=True)


@dataclass(frozen=True)
class Resolved:
    iri: str
    note: str | None = None  # set when the name was of another kind and led here


class NamingError(LookupError):
    """A name that names nothing, or several things; the message says what to type instead."""


class UnknownName(NamingError):
    pass


class AmbiguousName(NamingError):
    pass


class WrongKind(AmbiguousName):
    """The name matches only terms of another kind, and not exactly one of the right kind is
    linked to them; the message lists those that are."""


class Names:
    """The resolver over a names index (on disk for a release, in memory for a graph)."""

    def __init__(self, db: sqlite3.Connection, base_iri: str, prefixes: Mapping[str, str]):
        self.db = db
        self.base_iri = base_iri
        self.prefixes = prefixes

    @classmethod
    def from_triples(
        cls, triples: Iterable[tuple[object, object, object]], base_iri: str,
        prefixes: Mapping[str, str],
    ) -> Names:  # fmt: skip
        """From (subject, predicate, object) terms of rdflib or pyoxigraph (anything whose
        ``str``/``.value`` is the IRI or lexical form), indexed in memory."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        name_index.fill(
            db,
            ((term_text(s), term_text(p), term_text(o), _is_iri(o)) for s, p, o in triples),
            base_iri,
        )
        return cls(db, base_iri, prefixes)

    @classmethod
    def open(cls, path: object, base_iri: str, prefixes: Mapping[str, str]) -> Names:
        """A release's ``names.sqlite`` (:func:`sorakg.release.store.release_names`), read-only."""
        from pathlib import Path

        return cls(name_index.connect(Path(str(path))), base_iri, prefixes)

    # --- looking up ----------------------------------------------------------------------------

    def _column(self, sql: str, *args: object) -> list[str]:
        return [row[0] for row in self.db.execute(sql, args)]

    def known(self, iri: str) -> bool:
        return bool(self._column("SELECT 1 FROM term WHERE iri = ?", iri))

    def canonical(self, iri: str) -> str | None:
        """``iri`` if the graph has it, else the one IRI equal to it but for case
        (``/drug/Sorafenib`` → ``/drug/sorafenib``), else None."""
        if self.known(iri):
            return iri
        found = self._column("SELECT iri FROM term WHERE iri = ? COLLATE NOCASE", iri)
        return found[0] if len(found) == 1 else None

    def near(self, iri: str, limit: int = 3) -> list[str]:
        """Known IRIs near an unknown one (``/drug/sorafenibb`` → ``/drug/sorafenib``), those in
        the same namespace first: the did-you-mean of a page that is not there."""
        local = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        found = self.suggestions(local, limit * 3)
        space = iri[: len(iri) - len(local)]
        ordered = sorted(found, key=lambda known: not known.startswith(space))
        return ordered[:limit]

    def label(self, iri: str) -> str | None:
        found = self._column("SELECT label FROM term WHERE iri = ?", iri)
        return found[0] if found else None

    def show(self, iri: str) -> str:
        """``curie (label)`` for messages."""
        label, short = self.label(iri), curie(iri, self.prefixes)
        return f"{short} ({label})" if label else short

    def types(self, iri: str) -> set[str]:
        return set(self._column("SELECT cls FROM type WHERE iri = ?", iri))

    def matches(self, text: str) -> list[str]:
        """Every term a name (label, synonym, acronym, identifier, local name) stands for."""
        return sorted(set(self._column("SELECT iri FROM name WHERE key = ?", text.casefold())))

    def fitting(self, iris: Iterable[str], expect: Expect) -> list[str]:
        """Those of ``iris`` that are of the expected kind, in the order given."""
        iris = list(dict.fromkeys(iris))
        if not expect.narrows or not iris:
            return iris
        ok: set[str] = set()
        for start in range(0, len(iris), 500):
            ok |= self._fitting(iris[start : start + 500], expect)
        return [iri for iri in iris if iri in ok]

    def _fitting(self, iris: list[str], expect: Expect) -> set[str]:
        marks = ",".join("?" * len(iris))
        classes = set(self._column(
            f"SELECT iri FROM type WHERE iri IN ({marks}) AND cls IN (?, ?)", *iris, *CLASS_TYPES
        ))  # fmt: skip
        if expect.predicate:
            return set(self._column(
                f"SELECT iri FROM type WHERE iri IN ({marks}) AND cls IN (?, ?, ?, ?)",
                *iris, *PROPERTY_TYPES,
            ))  # fmt: skip
        if expect.individual:
            props = self._fitting(iris, PROPERTY)
            return {iri for iri in iris if iri not in classes and iri not in props}
        ok: set[str] = set()
        if expect.instance_of:
            wanted = ",".join("?" * len(expect.instance_of))
            ok |= set(self._column(
                f"SELECT t.iri FROM type t LEFT JOIN super s ON s.cls = t.cls "
                f"WHERE t.iri IN ({marks}) AND (t.cls IN ({wanted}) OR s.sup IN ({wanted}))",
                *iris, *expect.instance_of, *expect.instance_of,
            ))  # fmt: skip
        if expect.subclass_of:
            if OWL + "Thing" in expect.subclass_of:
                return ok | classes
            wanted = ",".join("?" * len(expect.subclass_of))
            under = set(self._column(
                f"SELECT cls FROM super WHERE cls IN ({marks}) AND sup IN ({wanted})",
                *iris, *expect.subclass_of,
            ))  # fmt: skip
            ok |= {iri for iri in iris if iri in classes and iri in under}
            ok |= {iri for iri in iris if iri in expect.subclass_of}
        return ok

    def members(self, expect: Expect, limit: int) -> list[str]:
        """Up to ``limit`` + 1 terms of the expected kind (to list them when there are few)."""
        if expect.instance_of:
            wanted = ",".join("?" * len(expect.instance_of))
            found = self._column(
                f"SELECT DISTINCT t.iri FROM type t LEFT JOIN super s ON s.cls = t.cls "
                f"WHERE t.cls IN ({wanted}) OR s.sup IN ({wanted}) LIMIT ?",
                *expect.instance_of, *expect.instance_of, limit + 1,
            )  # fmt: skip
            return sorted(found)
        return []

    # --- resolving -----------------------------------------------------------------------------

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

    def resolve(self, text: str, expect: Expect = ANY, what: str | None = None) -> str:
        """The one IRI ``text`` names (see :meth:`resolution`)."""
        return self.resolution(text, expect, what).iri

    def resolution(self, text: str, expect: Expect = ANY, what: str | None = None) -> Resolved:
        """The one IRI ``text`` names as the kind ``expect``; ``what`` names the argument in
        messages (default: the kind's noun). Raises :class:`UnknownName`,
        :class:`AmbiguousName` or :class:`WrongKind`, each with candidates."""
        text = text.strip()
        what = what or expect.noun
        iri = self.expand(text)
        if iri is not None:
            found = self.canonical(iri)
            if found is None:
                raise UnknownName(self._unknown(text, what, expect, iri))
            matches = [found]
        else:
            matches = self.matches(text)
            if not matches:
                raise UnknownName(self._unknown(text, what, expect))
        right = self.fitting(matches, expect)
        if right:
            best = _least_deep(right, self.base_iri)
            if len(best) == 1:
                return Resolved(best[0])
            raise AmbiguousName(
                f"'{text}' names {len(best)} {_plural(what)}: {self._listed(best)}; "
                "type one of the CURIEs"
            )
        return self._other_kind(text, matches, expect, what)

    def _other_kind(self, text: str, matches: list[str], expect: Expect, what: str) -> Resolved:
        """``text`` names only terms of another kind: the one of the right kind linked to them,
        or an error listing those linked (or named alike)."""
        is_what = self.kinds(matches)
        related = self.related(matches, expect)
        if len(related) == 1:
            return Resolved(
                related[0],
                f"{what} '{text}' is {is_what}, not {_a(expect.noun)}: read as "
                f"{self.show(related[0])}, the one {expect.noun} linked to it",
            )
        if related:
            raise WrongKind(
                f"'{text}' is {is_what}, not {_a(expect.noun)}; the {_plural(expect.noun)} "
                f"linked to it: {self._listed(related)}; type one of the CURIEs"
            )
        alike = self.named_alike(text, expect)
        tail = f"; the {_plural(expect.noun)} named like it: {self._listed(alike)}" if alike else ""
        raise WrongKind(
            f"'{text}' is {is_what}, not {_a(expect.noun)}, and no {expect.noun} is linked to "
            f"it{tail or self._menu(expect)}"
        )

    def related(self, matches: list[str], expect: Expect) -> list[str]:
        """Terms of the expected kind linked to ``matches``: the whole an arm is part of, the
        entities a triple joins to it (a trial and the drugs of its arms), and for a class
        the classes of an individual (``class=sorafenib``: its drug classes)."""
        found: list[str] = []
        for iri in matches:
            found.append(whole(iri, self.base_iri))
            found += self._column("SELECT b FROM link WHERE a = ?", whole(iri, self.base_iri))
            if expect.subclass_of:
                found += sorted(self.types(iri))
        found = [iri for iri in found if iri not in matches]
        return _least_deep(self.fitting(found, expect), self.base_iri, keep_all=True)

    def named_alike(self, text: str, expect: Expect, limit: int = SHOWN) -> list[str]:
        """Terms of the expected kind whose name contains ``text`` (``VEGFR`` → VEGFR
        inhibitor), or failing that the nearest names of that kind."""
        key = text.casefold().replace("%", "").replace("_", "")
        if len(key) < 2:
            return []
        iris = self._column("SELECT DISTINCT iri FROM name WHERE key LIKE ? LIMIT 2000", f"%{key}%")
        found = self.fitting(iris, expect) if expect.narrows else iris
        return sorted(found, key=lambda iri: (depth(iri, self.base_iri), iri))[:limit]

    def kinds(self, iris: list[str]) -> str:
        """``a drug (drug:brivanib) and 2 arms (…)``: what the matched terms are."""
        groups: dict[str, list[str]] = {}
        for iri in iris:
            groups.setdefault(self.kind(iri), []).append(iri)
        parts = []
        for noun, members in groups.items():
            shown = ", ".join(curie(m, self.prefixes) for m in members[:3])
            shown += " …" if len(members) > 3 else ""
            head = _a(noun) if len(members) == 1 else f"{len(members)} {_plural(noun)}"
            parts.append(f"{head} ({shown})")
        return " and ".join(parts)

    def kind(self, iri: str) -> str:
        """A noun for what ``iri`` is: the path segment of an entity (``drug``, ``arm``), else
        ``class``, ``property`` or the label of its type (``trial phase``)."""
        types = self.types(iri)
        if types & set(CLASS_TYPES):
            return "class"
        if types & set(PROPERTY_TYPES):
            return "property"
        if iri.startswith(self.base_iri) and not iri.startswith(SK):
            parts = iri[len(self.base_iri) :].split("/")
            if len(parts) >= 2:
                return parts[-2]
        for cls in sorted(types - {OWL + "NamedIndividual"}):
            label = self.label(cls)
            if label:
                return label.lower()
        return "term"

    def _listed(self, iris: list[str]) -> str:
        shown = "; ".join(self.show(iri) for iri in iris[:SHOWN])
        return shown + (f" and {len(iris) - SHOWN} more" if len(iris) > SHOWN else "")

    def _menu(self, expect: Expect) -> str:
        """``; the phases: …`` when the expected kind has few members, else nothing."""
        members = self.members(expect, 12)
        if not members or len(members) > 12:
            return ""
        return f"; the {_plural(expect.noun)}: {self._listed(members)}"

    def _unknown(self, text: str, what: str, expect: Expect, iri: str | None = None) -> str:
        menu = self._menu(expect)
        if menu:
            return f"no such {what} '{text}'{menu}"
        probe = text if iri is None else iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        hints = self.suggest(probe, expect=expect)
        if iri is not None and not hints:
            hints = self.suggest(text, expect=expect)
        tail = f"; did you mean {', '.join(hints)}?" if hints else ""
        return f"no such {what} '{text}'{tail}"

    def suggest(self, text: str, limit: int = 3, expect: Expect = ANY) -> list[str]:
        """The nearest known names to a mistyped one, each shown as ``curie (label)``: terms
        of the expected kind first, whole entities before their parts."""
        return [self.show(iri) for iri in self.suggestions(text, limit, expect)]

    def suggestions(self, text: str, limit: int = 3, expect: Expect = ANY) -> list[str]:
        """The IRIs :meth:`suggest` shows (the did-you-mean of error pages)."""
        wanted = text.strip().casefold()
        if not wanted:
            return []
        keys = self._column(
            "SELECT DISTINCT key FROM name WHERE length(key) BETWEEN ? AND ?",
            max(1, int(len(wanted) * 0.6)), int(len(wanted) * 1.6) + 1,
        )  # fmt: skip
        close = difflib.get_close_matches(wanted, keys, n=limit * 5, cutoff=0.75)
        found: list[str] = []
        for key in close:
            iris = [
                iri
                for iri in sorted(self._column("SELECT iri FROM name WHERE key = ?", key),
                                  key=lambda iri: (depth(iri, self.base_iri), iri))
                if curie(iri, self.prefixes) != iri  # outside the project's namespaces
            ]  # fmt: skip
            found += [iri for iri in iris[:1] if iri not in found]
        right = self.fitting(found, expect)
        ordered = right + [iri for iri in found if iri not in right]
        return ordered[:limit]


def _least_deep(iris: list[str], base_iri: str, keep_all: bool = False) -> list[str]:
    """Whole entities before their parts: only the least deep (or all, least deep first)."""
    if not iris:
        return []
    ordered = sorted(dict.fromkeys(iris), key=lambda iri: (depth(iri, base_iri), iri))
    if keep_all:
        return ordered
    least = depth(ordered[0], base_iri)
    return [iri for iri in ordered if depth(iri, base_iri) == least]


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _plural(noun: str) -> str:
    if noun.endswith(("ss", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("s"):
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


def _is_iri(term: object) -> bool:
    kind = type(term).__name__
    if kind in ("NamedNode", "URIRef"):
        return True
    return kind == "str" and str(term).startswith(("http://", "https://"))


def term_text(term: object) -> str:
    """The IRI, literal value or label of a pyoxigraph term (an RDF-star triple as its text)."""
    return str(getattr(term, "value", term))


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


def from_store(
    store: object,
    base_iri: str,
    prefixes: Mapping[str, str],
    graphs: Sequence[object] | None = None,
) -> Names:
    """The names of a pyoxigraph store's ``graphs`` (default: all), indexed in memory (a
    release has them on disk: :func:`sorakg.release.store.release_names`)."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    if graphs is None:
        graphs = [None]  # every graph
    name_index.from_store(store, db, base_iri, graphs)
    return Names(db, base_iri, prefixes)
