"""``/search?q=…``: one box on every page, finding entities by label, synonym or identifier
(CHEMBL…, NCT…, UniProt P…) and evidence by the words of its quote, ranked.

The index is written at build time beside the release (``names.sqlite``, :mod:`sorakg.name_index`:
every name as typed, and an SQLite FTS5 full-text index of the quotes), so a search reads the
few rows that may match, at any size of graph, and nothing is loaded first. Ranking is plain and
explainable: an exact name or identifier first, then names starting with the words, then names
containing them; entities of the graph before ontology terms; quotes by how many of the words
they hold.
HTML for browsers, JSON by ``Accept: application/json`` or ``format=json``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from sorakg.names import curie
from sorakg.sparql import catalogue

from .canned import names_for
from .page import templates

router = APIRouter()


@dataclass
class Hit:
    label: str
    href: str
    iri: str
    kind: str
    matched: str  # what matched: "label", "synonym: …", "identifier: CHEMBL1336"
    score: float


@dataclass
class QuoteHit:
    quote: str
    about: str
    href: str
    location: str
    score: float


@dataclass
class Index:
    names: list[tuple[str, str, str, str]] = field(default_factory=list)  # iri, name, how, kind
    quotes: list[tuple[str, str, str, str]] = field(default_factory=list)  # quote, iri, label, loc
    labels: dict[str, str] = field(default_factory=dict)  # iri → the label a hit shows


# candidate quotes per search at most, best matched first (SQLite's bm25): the ranking below
# orders them; on the review's own graph every match is a candidate
MAX_QUOTES = 2000
MAX_KINDS = 500  # names matched whose class is looked up (more is a query of one letter)


def candidates(db: sqlite3.Connection, query: str) -> Index:
    """The names and quotes of the names index (``said`` and ``quotes``, written at build time
    by :mod:`sorakg.name_index`) that may match ``query``: names holding every word (or the
    whole query), quotes holding any word (SQLite FTS5)."""
    query = bounded(query)
    words = list(dict.fromkeys(_words(query)))
    found = Index()
    patterns = words or [query.casefold()]
    like = " AND ".join("lower(name) LIKE ? ESCAPE '\\'" for _ in patterns)
    escaped = ["%" + re.sub(r"([%_\\])", r"\\\1", w) + "%" for w in patterns]
    # a label before another name of the same entity (it says "label" when both match)
    order = "ORDER BY how != 'label', how, iri, name"
    rows = db.execute(f"SELECT iri, name, how FROM said WHERE {like} {order}", escaped).fetchall()
    matched = sorted({iri for iri, _, _ in rows})[:MAX_KINDS]
    kind = kinds(db, matched)
    found.names = [(iri, name, how, kind.get(iri, "")) for iri, name, how in rows]
    for iri in matched:  # the name the entity shows (its shortest label)
        label = db.execute("SELECT label FROM term WHERE iri = ?", (iri,)).fetchone()
        if label and label[0]:
            found.labels[iri] = label[0]
    phrases = [" ".join(re.findall(r"[^\W_]+", w)) for w in words]
    if any(phrases):  # each word a phrase of FTS5's tokens ("c-kit": "c kit"), any of them
        match = " OR ".join(f'"{phrase}"' for phrase in phrases if phrase)
        found.quotes = list(db.execute(
            "SELECT quote, about, label, location FROM quotes WHERE quotes MATCH ?"
            " ORDER BY rank LIMIT ?", (match, MAX_QUOTES),
        ))  # fmt: skip
    return found


def kinds(db: sqlite3.Connection, iris: list[str]) -> dict[str, str]:
    """The label of each IRI's most specific class (its type that is under none of its other
    types), from the names index."""
    found: dict[str, str] = {}
    for iri in iris:
        row = db.execute(
            """SELECT MIN(c.label) FROM type t JOIN term c ON c.iri = t.cls
            WHERE t.iri = ? AND c.label IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM type n JOIN super s ON s.cls = n.cls
              WHERE n.iri = t.iri AND s.sup = t.cls AND n.cls != t.cls)""",
            (iri,),
        ).fetchone()
        if row and row[0]:
            found[iri] = row[0]
    return found


# A search box's query is a few words: ranking costs names x characters and quotes x words, so
# longer input is cut here, before any work (a GET any web page can make a browser send).
MAX_QUERY_CHARS = 200
MAX_WORDS = 16


def _words(text: str) -> list[str]:
    return re.findall(r"\w[\w-]*", text.casefold())


def bounded(query: str) -> str:
    """``query`` cut to :data:`MAX_QUERY_CHARS` characters and :data:`MAX_WORDS` words."""
    query = query.strip()[:MAX_QUERY_CHARS]
    words = list(re.finditer(r"\w[\w-]*", query))
    return query[: words[MAX_WORDS - 1].end()] if len(words) > MAX_WORDS else query


def rank(
    index: Index, query: str, base_iri: str, limit: int = 30
) -> tuple[list[Hit], list[QuoteHit]]:
    """Entities and quotes matching ``query``, best first (the module docstring says how)."""
    from .entity_context import SEGMENT_KINDS  # the pages' module: loaded by a search, not at start

    prefixes = catalogue.prefixes_for(base_iri)
    query = bounded(query)
    wanted = query.casefold()
    words = list(dict.fromkeys(_words(query)))
    if not wanted:
        return [], []
    labels = {iri: name for iri, name, how, _ in reversed(index.names) if how == "label"}
    best: dict[str, Hit] = {}
    for iri, name, how, kind in index.names:
        text = name.casefold()
        if text == wanted:
            score = 100.0
        elif text.startswith(wanted):
            score = 60.0 + 20 * len(wanted) / len(text)
        elif wanted in text:
            score = 40.0 + 20 * len(wanted) / len(text)
        elif words and all(w in _words(name) for w in words):
            score = 30.0
        else:
            continue
        if how == "identifier":
            score += 5
        path = iri[len(base_iri) :] if iri.startswith(base_iri) else ""
        if "#" in path:  # an ontology term: its documentation
            href, path = "/ontology#" + iri.rsplit("#", 1)[1], ""
            kind = kind or "ontology term"
        else:
            href = "/" + path if path else ""
        if path:  # entities of the graph first, whole ones before their parts
            score += 10 - path.count("/") * 3
            kind = SEGMENT_KINDS.get(path.split("/", 1)[0], kind) if path.count("/") == 1 else kind
        matched = how if how == "label" else f"{how}: {name}"
        if iri not in best or best[iri].score < score:
            label = index.labels.get(iri) or labels.get(iri, name)
            best[iri] = Hit(label, href, iri, kind, matched, round(score, 2))
    hits = sorted(best.values(), key=lambda h: (-h.score, h.label.casefold(), h.iri))[:limit]
    quotes: list[QuoteHit] = []
    if words:
        for quote, about, label, location in index.quotes:
            held = set(_words(quote))
            count = sum(1 for w in words if w in held)
            if count == 0:
                continue
            phrase = 2.0 if wanted in quote.casefold() else 0.0
            href = "/" + about[len(base_iri) :] + "#evidence" if about.startswith(base_iri) else ""
            about_name = label or curie(about, prefixes)
            quotes.append(QuoteHit(quote, about_name, href, location, count / len(words) + phrase))
        quotes.sort(key=lambda q: (-q.score, q.about, q.quote))
    return hits, quotes[:limit]


@router.get("/search", response_class=Response, summary="Find entities and evidence by words")
async def search(request: Request, q: str = "") -> Response:
    names = await names_for(request)
    settings = request.app.state.settings
    q = bounded(q)
    hits: list[Hit] = []
    quotes: list[QuoteHit] = []
    if names is not None and q:
        index = await run_in_threadpool(candidates, names.db, q)
        hits, quotes = rank(index, q, settings.base_iri)
    accept = request.headers.get("accept", "")
    wants_json = request.query_params.get("format") == "json" or (
        "application/json" in accept and "text/html" not in accept
    )
    if wants_json:
        body = {"query": q, "entities": [asdict(h) for h in hits],
                "evidence": [asdict(e) for e in quotes]}  # fmt: skip
        return Response(json.dumps(body, indent=2), media_type="application/json")
    html = templates().get_template("search.html").render(q=q, hits=hits, quotes=quotes)
    return HTMLResponse(html, headers={"Vary": "Accept"})
