"""The names of a release as an index on disk: what ``-p trial=SEARCH`` or ``/drug/Sorafenib`` is
looked up in, at any size of graph.

``sorakg build`` writes ``names.sqlite`` beside the release's store (SQLite from the standard
library: an indexed file every process opens read-only, with nothing loaded into memory first).
One pass over the store's default view fills five tables:

* ``term``: every subject IRI, its display label, its depth under the base IRI and the *whole*
  entity it is part of (``trial/x`` for the arm ``trial/x/arm/y``);
* ``name``: each name a user may type for a term, case-folded: labels, synonyms, acronyms,
  registry identifiers (NCT…, CHEMBL…), ontology local names and an entity's own path segment
  (``mapk`` for ``pathway/mapk``);
* ``type``: its classes (asserted and inferred), and ``super``: the reflexive, transitive
  closure of ``rdfs:subClassOf`` (a class defined as an intersection is under each named part);
* ``link``: pairs of whole entities joined by a triple (a trial and the drug one of its arms
  gives), so a name of the wrong kind can lead to the entities of the right kind;
* ``said`` (as typed, for ``/search``): each label, synonym, acronym and identifier, and
  ``quotes``, a full-text index (SQLite FTS5) of every evidence record's quote, once per
  (quote, entity it is evidence for), with the entity's label and the quote's location.

:mod:`sorakg.names` resolves against it; the CLI's ``explain`` builds the same tables
in memory.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sorakg.loaders.prefixes import TABLE

RDF, RDFS, OWL, SKOS, SK = (TABLE[name] for name in ("rdf", "rdfs", "owl", "skos", "sk"))
NAMES_FILE = "names.sqlite"
LABELS = (RDFS + "label", SKOS + "prefLabel", TABLE["dcterms"] + "title")
# what else a user may type for an entity, and how the answer says it matched
OTHER_NAMES = {
    SKOS + "altLabel": "synonym",
    SK + "acronym": "acronym",
    **{
        SK + name: "identifier"
        for name in ("nctId", "chemblId", "uniprotId", "chebiId", "drugbankId", "hgncId")
    },
}
# the path segments of whole entities (``trial/x``); what follows is a part (``/arm/y``)
ENTITY_SEGMENTS = frozenset(
    ("drug", "intervention", "molecule", "pathway", "mechanism", "model", "trial", "biomarker",
     "publication")
)  # fmt: skip
SCHEMA = """
CREATE TABLE term (iri TEXT PRIMARY KEY, label TEXT, depth INTEGER, whole TEXT);
CREATE TABLE name (key TEXT, iri TEXT, how TEXT);
CREATE TABLE type (iri TEXT, cls TEXT);
CREATE TABLE super (cls TEXT, sup TEXT);
CREATE TABLE link (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE said (iri TEXT, name TEXT, how TEXT);
CREATE TABLE record (ev TEXT, part TEXT, value TEXT);
CREATE VIRTUAL TABLE quotes USING fts5(quote, about UNINDEXED, label UNINDEXED,
                                      location UNINDEXED);
"""
# how /search names what matched; acronyms count as identifiers there
SAID = {
    LABELS[0]: "label",
    SKOS + "altLabel": "synonym",
    **{p: "identifier" for p, how in OTHER_NAMES.items() if how in ("identifier", "acronym")},
}
RECORD_PARTS = {SK + "quote": "quote", SK + "evidenceFor": "about", SK + "location": "location"}
INDEXES = """
CREATE INDEX name_key ON name (key);
CREATE INDEX term_fold ON term (iri COLLATE NOCASE);
CREATE INDEX type_iri ON type (iri);
CREATE INDEX type_cls ON type (cls);
CREATE INDEX super_cls ON super (cls);
"""
Triple = tuple[str, str, str, bool]  # subject, predicate, object text, object is an IRI


def whole(iri: str, base_iri: str) -> str:
    """The whole entity an IRI is part of: ``…/trial/x`` for ``…/trial/x/arm/y`` (and for copies
    under an extra segment, ``…/c5/trial/x``); the IRI itself outside the entity namespaces."""
    if not iri.startswith(base_iri):
        return iri
    parts = iri[len(base_iri) :].split("/")
    for at, part in enumerate(parts[:-1]):
        if part in ENTITY_SEGMENTS:
            return base_iri + "/".join(parts[: at + 2])
    return iri


def depth(iri: str, base_iri: str) -> int:
    return iri[len(base_iri) :].count("/") if iri.startswith(base_iri) else 0


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[1] if "#" in iri else ""


def fill(db: sqlite3.Connection, triples: Iterable[Triple], base_iri: str) -> None:
    """Write the tables from ``triples`` (one pass; batches keep memory flat at any size)."""
    db.executescript(SCHEMA)
    labels: dict[str, str] = {}
    ontology: list[tuple[str, str, str]] = []  # subClassOf, equivalentClass and list cells
    names: list[tuple[str, str, str]] = []
    said: list[tuple[str, str, str]] = []
    parts: list[tuple[str, str, str]] = []
    types: list[tuple[str, str]] = []
    links: set[tuple[str, str]] = set()
    subjects: set[str] = set()

    def flush() -> None:
        db.executemany("INSERT INTO name VALUES (?, ?, ?)", names)
        db.executemany("INSERT INTO type VALUES (?, ?)", types)
        db.executemany("INSERT OR IGNORE INTO link VALUES (?, ?)", links)
        db.executemany("INSERT INTO said VALUES (?, ?, ?)", said)
        db.executemany("INSERT INTO record VALUES (?, ?, ?)", parts)
        said.clear()
        parts.clear()
        names.clear()
        types.clear()
        links.clear()

    structural = {RDFS + "subClassOf", OWL + "equivalentClass", OWL + "intersectionOf"}
    for s, p, o, o_is_iri in triples:
        if p in structural or p in (RDF + "first", RDF + "rest"):
            ontology.append((s, p, o))
        if not s.startswith(("http://", "https://")):
            continue
        subjects.add(s)
        if p in SAID:
            said.append((s, o, SAID[p]))
        if p in RECORD_PARTS:
            parts.append((s, RECORD_PARTS[p], o))
        if p in LABELS:
            # the shortest label shows the term ("Sorafenib", not a long title)
            if s not in labels or (len(o), o) < (len(labels[s]), labels[s]):
                labels[s] = o
            names.append((o.casefold(), s, "label"))
        elif p in OTHER_NAMES:
            names.append((o.casefold(), s, OTHER_NAMES[p]))
        elif p == RDF + "type":
            types.append((s, o))
        elif o_is_iri and s.startswith(base_iri) and o.startswith(base_iri):
            a, b = whole(s, base_iri), whole(o, base_iri)
            if a != b and not (a.startswith(SK) or b.startswith(SK)):
                links.update(((a, b), (b, a)))
        if len(names) + len(types) + len(links) + len(said) + len(parts) > 50_000:
            flush()
    flush()
    db.executemany(
        "INSERT INTO term VALUES (?, ?, ?, ?)",
        ((iri, labels.get(iri), depth(iri, base_iri), whole(iri, base_iri)) for iri in subjects),
    )
    db.executemany(
        "INSERT INTO name VALUES (?, ?, 'local')",
        ((local_name(iri).casefold(), iri) for iri in subjects if local_name(iri)),
    )
    # a whole entity's own path segment: pathway=MAPK for pathway/mapk, trial=sharp
    db.executemany(
        "INSERT INTO name VALUES (?, ?, 'path')",
        (
            (iri.rsplit("/", 1)[1].casefold(), iri)
            for iri in subjects
            if iri.startswith(base_iri)
            and not iri.startswith(SK)
            and whole(iri, base_iri) == iri
            and iri.count("/") > base_iri.count("/")
        ),
    )
    db.executemany("INSERT INTO super VALUES (?, ?)", _closure(ontology))
    db.executescript(INDEXES)
    _quotes(db)
    db.commit()


def _quotes(db: sqlite3.Connection) -> None:
    """The ``quotes`` index from the records' parts, then the parts are dropped."""
    db.execute("CREATE INDEX record_ev ON record (ev, part)")
    db.execute(
        """INSERT INTO quotes (quote, about, label, location)
        SELECT q.value, a.value, MIN(t.label), MIN(l.value)
        FROM record q JOIN record a ON a.ev = q.ev AND a.part = 'about'
        LEFT JOIN record l ON l.ev = q.ev AND l.part = 'location'
        LEFT JOIN term t ON t.iri = a.value
        WHERE q.part = 'quote' GROUP BY q.value, a.value"""
    )
    db.execute("DROP TABLE record")
    db.execute("CREATE INDEX said_iri ON said (iri)")


def _closure(ontology: list[tuple[str, str, str]]) -> Iterator[tuple[str, str]]:
    """(class, superclass) pairs, reflexive and transitive, between named classes. ``C ≡ A ⊓ R``
    puts C under A (the drug classes are defined so: a small-molecule drug that inhibits …)."""
    first = {s: o for s, p, o in ontology if p == RDF + "first"}
    rest = {s: o for s, p, o in ontology if p == RDF + "rest"}
    members = {s: o for s, p, o in ontology if p == OWL + "intersectionOf"}

    def items(cell: str) -> Iterator[str]:
        seen = set()
        while cell in first and cell not in seen:
            seen.add(cell)
            yield first[cell]
            cell = rest.get(cell, "")

    parents: dict[str, set[str]] = {}
    for s, p, o in ontology:
        if p == RDFS + "subClassOf" or p == OWL + "equivalentClass":
            named = [o] if o.startswith("http") else list(items(members.get(o, "")))
            parents.setdefault(s, set()).update(x for x in named if x.startswith("http"))
            if p == OWL + "equivalentClass" and o.startswith("http"):
                parents.setdefault(o, set()).add(s)
    for cls in parents:
        seen, todo = {cls}, [cls]
        while todo:
            for sup in parents.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        yield from ((cls, sup) for sup in seen)


def from_store(store: object, db: sqlite3.Connection, base_iri: str, graphs: Sequence[Any]) -> None:
    """Fill ``db`` from the ``graphs`` of a pyoxigraph store (the release's default view: the
    disputed layers left out)."""
    import pyoxigraph as ox

    def triples() -> Iterator[Triple]:
        for graph in graphs:
            for q in store.quads_for_pattern(None, None, None, graph):  # type: ignore[attr-defined]
                yield (
                    str(getattr(q.subject, "value", q.subject)),
                    q.predicate.value,
                    str(getattr(q.object, "value", q.object)),
                    isinstance(q.object, ox.NamedNode),
                )

    fill(db, triples(), base_iri)


def write(store_path: Path, target: Path, base_iri: str, view: Callable[[Any], list[Any]]) -> None:
    """Write ``target`` (``names.sqlite``) from the on-disk store at ``store_path``, reading
    the graphs ``view(store)`` names, atomically."""
    import pyoxigraph as ox

    staging = target.with_name(f".{target.name}-{os.getpid()}")
    staging.unlink(missing_ok=True)
    store = ox.Store.read_only(str(store_path))
    db = sqlite3.connect(staging)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        from_store(store, db, base_iri, view(store))
    finally:
        db.close()
    os.replace(staging, target)


def connect(path: Path) -> sqlite3.Connection:
    """The index opened read-only, shareable between the server's threads."""
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
