"""Every inferred triple reviewed by a curator.

``loaders/data/reviewed_inferences.csv`` lists each triple of the inferred graph with a status and
a reason: ``accepted`` (a sound consequence of what the review states), ``rejected`` (an
inference the ontology once drew and must never draw again: the issue-11 examples such as
bevacizumab as a kinase inhibitor) or ``unreviewed`` (a candidate written by
``sorakg review-inferences --write``, waiting for a curator). A build whose inferred graph holds
a triple that is not ``accepted``, or no longer holds an ``accepted`` one, fails with the list,
so a new inference reaches the default view only after a curator has read it.

Terms are written short: ``drug/sorafenib`` for an entity (its path under the base IRI),
``sk:VEGFRInhibitor`` for an ontology term, ``rdf:type``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from sorakg.loaders.vocab import SK

FILE_NAME = "reviewed_inferences.csv"
COLUMNS = ("subject", "predicate", "object", "status", "reason")
Triple = tuple[URIRef, URIRef, URIRef]


class Status(StrEnum):
    accepted = "accepted"
    rejected = "rejected"
    unreviewed = "unreviewed"


@dataclass(frozen=True)
class Reviewed:
    triple: Triple
    status: Status
    reason: str
    where: str = ""


class ReviewFileError(ValueError):
    """The reviewed list is malformed; the message names the line."""


def short(node: URIRef, base: str) -> str:
    text = str(node)
    if node == RDF.type:
        return "rdf:type"
    if text.startswith(str(SK)):
        return "sk:" + text.removeprefix(str(SK))
    if text.startswith(base):
        return text.removeprefix(base)
    return f"<{text}>"


def expand(text: str, base: str) -> URIRef:
    if text == "rdf:type":
        return RDF.type
    if text.startswith("sk:"):
        return SK[text.removeprefix("sk:")]
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    return URIRef(base + text)


def read_reviewed(path: Path, base: str) -> list[Reviewed]:
    """The reviewed list; a bad row raises :class:`ReviewFileError` naming its line."""
    rows: list[Reviewed] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ReviewFileError(f"{path.name}:1: header must be {','.join(COLUMNS)}")
        for record in reader:
            where = f"{path.name}:{reader.line_num}"
            try:
                status = Status(record["status"])
            except ValueError:
                choices = ", ".join(s.value for s in Status)
                raise ReviewFileError(
                    f"{where}: status: '{record['status']}' is not one of {choices}"
                ) from None
            if status != Status.unreviewed and not (record["reason"] or "").strip():
                raise ReviewFileError(f"{where}: reason: say why the inference is {status}")
            triple = tuple(expand(record[c], base) for c in COLUMNS[:3])
            rows.append(Reviewed(triple, status, record["reason"], where))  # type: ignore[arg-type]
    return rows


def problems(inferred: Graph, reviewed: list[Reviewed], base: str) -> list[str]:
    """What keeps the inferred graph from matching the reviewed list, one line each."""
    drawn: set[Triple] = {t for t in inferred if all(isinstance(n, URIRef) for n in t)}  # type: ignore[misc]
    by_triple = {r.triple: r for r in reviewed}
    found = []
    for triple in sorted(drawn):
        row = by_triple.get(triple)
        text = " ".join(short(n, base) for n in triple)
        if row is None:
            found.append(f"{FILE_NAME}: unreviewed inference: {text}")
        elif row.status == Status.rejected:
            found.append(f"{row.where}: rejected inference is drawn: {text} ({row.reason})")
        elif row.status == Status.unreviewed:
            found.append(f"{row.where}: inference waits for review: {text}")
    for row in reviewed:
        if row.status == Status.accepted and row.triple not in drawn:
            text = " ".join(short(n, base) for n in row.triple)
            found.append(f"{row.where}: accepted inference is no longer drawn: {text}")
    return found


def candidates(
    inferred: Graph, reviewed: list[Reviewed], reasons: dict[Triple, str]
) -> list[Reviewed]:
    """The list a curator should review next: every drawn triple (its row kept, or a new
    ``unreviewed`` row with the explanation's first line as a suggested reason) and every
    ``rejected`` row; accepted rows that are no longer drawn are dropped."""
    drawn = {t for t in inferred if all(isinstance(n, URIRef) for n in t)}
    by_triple = {r.triple: r for r in reviewed}
    rows = [r for r in reviewed if r.status == Status.rejected]
    for triple in drawn:
        row = by_triple.get(triple)  # type: ignore[arg-type]
        if row is not None and row.status != Status.rejected:
            rows.append(row)
        elif row is None:
            rows.append(Reviewed(triple, Status.unreviewed, reasons.get(triple, "")))  # type: ignore[arg-type]
    return rows


def write_reviewed(path: Path, rows: list[Reviewed], base: str) -> None:
    """Write the list sorted by subject, predicate, object (the canonical form)."""
    records = sorted((*(short(n, base) for n in r.triple), r.status.value, r.reason) for r in rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(records)


def suggested_reasons(inferred: Graph, explained_over: Graph) -> dict[Triple, str]:
    """The first line of each triple's explanation (``sorkg explain``), as a suggested reason."""
    from sorakg.pipeline.explain import Explainer

    explainer = Explainer(explained_over)
    reasons: dict[Triple, str] = {}
    for s, p, o in inferred:
        if not (isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(o, URIRef)):
            continue
        reason = explainer.explain(s, o) if p == RDF.type else explainer.explain_relation(s, p, o)
        reasons[(s, p, o)] = reason.statement if reason is not None else ""
    return reasons
