"""The fixed query mix, the IRIs that vary between requests, and synthetic graphs of the
project's shape.

The benchmark is a load generator, not product code: it writes query texts for wrk, so the
varying IRI is put into a template here (each IRI comes from the graph itself).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pyoxigraph as ox

from sorakg.loaders.prefixes import prefixes

PREFIXES = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes("rdfs", "sk").items())
# name → (template with {iri} or {word}, what varies, Accept)
JSON, TURTLE = "application/sparql-results+json", "text/turtle"
MIX: dict[str, tuple[str, str, str]] = {
    "point": ("SELECT ?p ?o WHERE { <{iri}> ?p ?o }", "entity", JSON),
    "join3": (  # drugs of a class → what they inhibit → the evidence → its references
        "SELECT ?drug ?target ?n WHERE { ?drug a <{iri}> ; sk:inhibits ?target . "
        "?ev sk:evidenceFor ?drug ; sk:statementObject ?target ; sk:cites ?ref . "
        "?ref sk:referenceNumber ?n }",
        "drugclass",
        JSON,
    ),
    "aggregate": (
        "SELECT ?type (COUNT(DISTINCT ?ev) AS ?n) WHERE { ?ev sk:evidenceFor ?e . "
        "?e a ?type . FILTER(?type != <{iri}>) } GROUP BY ?type ORDER BY DESC(?n)",
        "class",
        JSON,
    ),
    "path": ("SELECT DISTINCT ?super WHERE { <{iri}> a/rdfs:subClassOf* ?super }", "entity", JSON),
    "text": (
        "SELECT ?s ?label WHERE { ?s rdfs:label ?label "
        'FILTER(CONTAINS(LCASE(STR(?label)), "{word}")) }',
        "word",
        JSON,
    ),
    "construct": (
        "CONSTRUCT { <{iri}> ?p ?o . ?s ?q <{iri}> } "
        "WHERE { { <{iri}> ?p ?o } UNION { ?s ?q <{iri}> } }",
        "entity",
        TURTLE,
    ),
}

_SELECTORS = {
    "entity": "SELECT DISTINCT ?x WHERE { ?x a ?c ; rdfs:label ?l FILTER(isIRI(?x)) }",
    "drugclass": "SELECT DISTINCT ?x WHERE { ?d sk:inhibits ?t ; a ?x }",
    "class": "SELECT DISTINCT ?x WHERE { ?e a ?x . ?ev sk:evidenceFor ?e }",
    "word": "SELECT DISTINCT ?x WHERE { ?s rdfs:label ?x }",
}


def variants(store: ox.Store, count: int = 200, seed: int = 7) -> dict[str, list[str]]:
    """For each query of the mix, ``count`` query texts that differ in their IRI or word."""
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {}
    for kind, selector in _SELECTORS.items():
        rows = store.query(PREFIXES + selector, use_default_graph_as_union=True)
        values = sorted(str(row["x"].value) for row in rows)  # type: ignore[index,union-attr]
        if kind == "word":
            words = {w.lower() for v in values for w in re.findall(r"[A-Za-z]{4,}", v)}
            values = sorted(words)
        pools[kind] = values
    texts: dict[str, list[str]] = {}
    for name, (template, kind, _) in MIX.items():
        chosen = [rng.choice(pools[kind]) for _ in range(count)]
        key = "word" if kind == "word" else "iri"
        texts[name] = [PREFIXES + template.replace("{" + key + "}", value) for value in chosen]
    return texts


_OURS = re.compile(r"<https://w3id\.org/sorakg/(?!ontology|graph/)([^>]*)>")
_BNODE = re.compile(r"(_:[A-Za-z0-9]+)")


# The kinds of entity that papers share in the ``shared`` graph: many papers about the same
# drugs, trials, targets and pathways. Evidence, publications and disputes are each paper's own.
SHARED_KINDS = ("drug", "molecule", "pathway", "trial", "biomarker", "intervention", "mechanism",
                "model")  # fmt: skip


def synthetic(
    source: Path, target_triples: int, out: Path, keep_first: bool = False, shared: bool = False
) -> Path:
    """A graph of the project's shape with about ``target_triples`` triples: the ontology once,
    the asserted facts copied with every entity IRI (and blank node) renamed per copy. With
    ``keep_first`` the first copy keeps the review's own IRIs, so queries that name the review's
    entities (the named queries' default parameters) find one copy's worth of answers.

    With ``shared``, the copies keep the IRIs of :data:`SHARED_KINDS` (``drug/sorafenib`` is
    the same entity in every copy) and rename the rest: every copy adds its own evidence,
    quotes and publications about the same drugs, trials and targets, so the evidence about
    sorafenib multiplies. A fact line that no copy changes is written once."""
    lines = source.read_text(encoding="utf-8").splitlines()
    ontology = [
        line for line in lines if line.endswith("<https://w3id.org/sorakg/graph/ontology> .")
    ]
    in_ontology = set(ontology)
    facts = [line for line in lines if line not in in_ontology]

    def rename(line: str, copy: int) -> str:
        def iri(match: re.Match[str]) -> str:
            if shared and match.group(1).split("/", 1)[0] in SHARED_KINDS:
                return match.group(0)
            return f"<https://w3id.org/sorakg/c{copy}/{match.group(1)}>"

        return _BNODE.sub(rf"\1x{copy}", _OURS.sub(iri, line))

    once = [line for line in facts if rename(line, 1) == line]
    per_copy = [line for line in facts if rename(line, 1) != line]
    copies = max(1, round((target_triples - len(ontology) - len(once)) / max(1, len(per_copy))))
    with out.open("w", encoding="utf-8") as handle:
        handle.write("\n".join(ontology + once) + "\n")
        for copy in range(copies):
            if keep_first and copy == 0:
                handle.write("\n".join(per_copy) + "\n")
                continue
            handle.write("".join(rename(line, copy) + "\n" for line in per_copy))
    return out
