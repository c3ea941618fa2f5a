"""What an entity's HTML page shows beyond its own triples: names for the nodes around it,
a trial's outcome figures, a drug's trials, and the explanations as readable, deduplicated trees.

The RDF forms of a page (Turtle, JSON-LD …) stay the entity's description; these are extra
SELECTs run through the backend for the HTML only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox
from markupsafe import Markup

from sorakg.loaders.prefixes import TABLE
from sorakg.sparql import catalogue

from . import charts
from .backend import ENTITY, Backend
from .backend import select as backend_select
from .entity_view import EntityView
from .sections import Quotes, Section, Use

if TYPE_CHECKING:  # explanations load rdflib: on first use only
    from sorakg.pipeline.explain import Reason


async def select(backend: Backend, name: str, iri: str) -> list[dict[str, str]]:
    """Rows of the page query ``name`` (``server/queries/``) about ``iri`` (bound to
    ``?entity``) as plain strings."""
    text = catalogue.page_query(name).sparql
    return await backend_select(backend, text, 2000, {ENTITY: ox.NamedNode(iri)}) or []


@dataclass
class Outcome:
    arm: str
    arm_href: str
    measure: str
    statistic: str
    value: str
    unit: str
    subgroup: str
    extra: dict[str, str] = field(default_factory=dict)  # CI, p value … by property label
    measure_iri: str = ""
    evidence: list[str] = field(default_factory=list)  # its evidence records' IRIs
    uses: list[Use] = field(default_factory=list)  # their quotes, as the page shows them
    dispute: str = ""  # (an outcome figure is never disputed; the page's quote cell reads it)


def outcomes(rows: list[dict[str, str]], base_iri: str) -> tuple[list[Outcome], list[str]]:
    """One row per outcome figure, and the names of the extra columns present."""

    def href(iri: str) -> str:
        return "/" + iri[len(base_iri) :] if iri.startswith(base_iri) else ""

    found: dict[str, Outcome] = {}
    extras: list[str] = []
    for row in rows:
        outcome = found.setdefault(
            row["outcome"],
            Outcome(
                row.get("armLabel", "whole study"),
                href(row.get("arm", "")),
                row["measureLabel"],
                row.get("statisticLabel", ""),
                row["value"],
                row.get("unitLabel", ""),
                row.get("subgroup", ""),
                measure_iri=row["measure"],
            ),
        )
        if row.get("ev") and row["ev"] not in outcome.evidence:
            outcome.evidence.append(row["ev"])
        if "extraLabel" in row:
            outcome.extra[row["extraLabel"]] = row["extra"]
            if row["extraLabel"] not in extras:
                extras.append(row["extraLabel"])
    return list(found.values()), extras


def quote_outcomes(outcomes: list[Outcome], quotes: Quotes) -> None:
    """Each figure's quotes (the table cell or sentence it was read from), once per page."""
    for outcome in outcomes:
        for ev in outcome.evidence:
            use = quotes.use(ev)
            if use is not None and all(u.quote is not use.quote for u in outcome.uses):
                outcome.uses.append(use)


# --- explanations ---------------------------------------------------------------------------


@dataclass
class Step:
    """One line of an explanation; evidence is a number into the page's list of quotes."""

    statement: str
    quotes: list[int]
    because: list[Step]


@dataclass
class Explanations:
    trees: list[Step]
    quotes: list[tuple[str, str]]  # (quote, where: reference, location, source row)


def explanations(reasons: list[Reason]) -> Explanations:
    """The reasons without repeats: one tree per conclusion, each quote listed once."""
    quotes: dict[str, int] = {}  # one number per quoted sentence, however many rows cite it
    where: dict[str, list[str]] = {}

    def step(reason: Reason) -> Step:
        numbers = []
        for e in reason.evidence:
            cites = f"ref. [{', '.join(map(str, e.refs))}]" if e.refs else "no reference"
            numbers.append(quotes.setdefault(e.quote, len(quotes) + 1))
            found = f"{cites}, {e.location} ({e.source_row})"
            if found not in where.setdefault(e.quote, []):
                where[e.quote].append(found)
        return Step(reason.statement, sorted(set(numbers)), [step(r) for r in reason.because])

    trees: dict[str, Step] = {}
    for reason in reasons:
        trees.setdefault(reason.statement, step(reason))
    listed = [(quote, "; ".join(where[quote])) for quote in quotes]
    return Explanations(list(trees.values()), listed)


# --- pictures ---------------------------------------------------------------------------------

SK = TABLE["sk"]
TIMES = {SK + "OverallSurvival": "OS", SK + "TimeToProgression": "TTP",
         SK + "ProgressionFreeSurvival": "PFS"}  # fmt: skip
HAZARD = SK + "HazardRatioMeasure"


def outcome_chart(title: str, rows: list[Outcome]) -> Markup:
    """Median OS / TTP / PFS per arm, one group per measure and subgroup."""
    groups: dict[str, list[charts.Bar]] = {}
    for o in rows:
        if o.measure_iri in TIMES and o.statistic == "median" and o.unit == "month":
            name = f"median {o.measure} ({TIMES[o.measure_iri]})"
            name += f", {o.subgroup}" if o.subgroup else ""
            groups.setdefault(name, []).append(charts.Bar(o.arm, float(o.value), o.arm_href))
    return charts.bar_chart(title, sorted(groups.items()), "months")


def hazard_plot(title: str, rows: list[Outcome]) -> Markup:
    ratios = []
    for o in rows:
        if o.measure_iri == HAZARD:
            low = _number(o.extra, "lower") or None
            high = _number(o.extra, "upper") or None
            label = o.arm + (f", {o.subgroup}" if o.subgroup else "")
            ratios.append(charts.Ratio(label, float(o.value), low, high))
    return charts.forest_plot(title, ratios)


def _number(extra: dict[str, str], word: str) -> float:
    for name, value in extra.items():
        if word in name.lower():
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 0.0


SEGMENT_KINDS = {"drug": "drug", "molecule": "molecule", "pathway": "pathway",
                 "mechanism": "mechanism", "trial": "trial", "intervention": "intervention",
                 "biomarker": "biomarker", "model": "model"}  # fmt: skip


def neighbourhood(view: EntityView, sections: list[Section]) -> Markup:
    """The relations the page's sections state, as a network (drugs, molecules, pathways and
    mechanisms; a trial's or biomarker's page has none)."""
    if view.kind not in ("drug", "intervention", "molecule", "pathway", "mechanism"):
        return Markup("")
    edges = [row.edge for s in sections for row in s.rows if row.edge is not None]
    return charts.network(view.label, view.kind, edges)
