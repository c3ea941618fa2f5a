"""``/search?q=…``: one box on every page, finding entities by label, synonym or identifier
(CHEMBL…, NCT…, UniProt P…) and evidence by the words of its quote, ranked.

The graph is small (a few thousand labels, a few hundred quotes), so the index is two SELECTs
run once per process through the backend and kept in memory; ranking is plain and explainable:
an exact name or identifier first, then names starting with the words, then names containing
them; entities of the graph before ontology terms; quotes by how many of the words they hold.
HTML for browsers, JSON by ``Accept: application/json`` or ``format=json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from sorakg.names import curie
from sorakg.sparql import catalogue

from .backend import select
from .entity_context import SEGMENT_KINDS
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


async def _index(request: Request) -> Index | None:
    cached = getattr(request.app.state, "search_index", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    backend, limit = request.app.state.backend, 100_000
    found = Index()
    for name, target in (("search-names", found.names), ("search-quotes", found.quotes)):
        rows = await select(backend, catalogue.page_query(name).sparql, limit)
        if rows is None:
            return None
        for values in rows:
            if target is found.names:
                target.append((values["s"], values["name"], values["how"], values.get("kind", "")))
            else:
                target.append((values["quote"], values["about"], values.get("label", ""),
                               values.get("location", "")))  # fmt: skip
    request.app.state.search_index = found
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
            label = labels.get(iri, name)
            best[iri] = Hit(label, href, iri, kind, matched, round(score, 2))
    hits = sorted(best.values(), key=lambda h: (-h.score, h.label.casefold()))[:limit]
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
        quotes.sort(key=lambda q: (-q.score, q.about))
    return hits, quotes[:limit]


@router.get("/search", response_class=Response, summary="Find entities and evidence by words")
async def search(request: Request, q: str = "") -> Response:
    index = await _index(request)
    settings = request.app.state.settings
    q = bounded(q)
    hits, quotes = rank(index, q, settings.base_iri) if index and q else ([], [])
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
