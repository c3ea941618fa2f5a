"""The query page at ``/``: YASGUI (served from the package) with the example queries.

The examples are the query library's named queries (:mod:`sorakg.sparql.catalogue`); with none, the
page starts from a small default query.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from sorakg.formats import JSON
from sorakg.sparql import catalogue

from .backend import served_root
from .execute import Job

if TYPE_CHECKING:  # the templates are loaded by the first page, not at start
    import jinja2

router = APIRouter()


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


def examples(base_iri: str) -> list[Example]:
    """The query library's queries, each with its parameters' defaults as a ``VALUES`` block,
    so the example runs as it is and shows where to change the arguments."""
    prefixes = catalogue.prefixes_for(base_iri)
    found = []
    for query in catalogue.list_queries():
        defaults = catalogue.bind(query, {}, prefixes)
        # a paged query: its first page; the graphs named as the served release names them
        text = catalogue.bound_text(query, defaults, catalogue.FIRST, base_iri)
        # the "#+" header is for the library; the title and description are shown above the editor
        text = "\n".join(line for line in text.splitlines() if not line.startswith("#+")) + "\n"
        found.append(Example(query.name, query.title, query.description, text))
    return found


@cache
def templates() -> jinja2.Environment:
    import jinja2

    folder = files("sorakg.server") / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, auto_reload=False
    )


# The home page's groups of named questions, by the first tag that names one; curators' checks
# (quality) last, apart from a reader's questions
QUESTION_GROUPS = [
    ("drugs", "Drugs and what they act on"),
    ("mechanisms", "Resistance mechanisms"),
    ("biomarkers", "Biomarkers"),
    ("trials", "Trials"),
    ("outcomes", "Outcomes"),
    ("pathways", "Pathways"),
    ("evidence", "Evidence and claims"),
    ("links", "Links to ChEMBL, UniProt, ClinicalTrials.gov"),
    ("overview", "Overview"),
]
CHECKS = ("quality", "Curators' checks")


def question_groups(queries: list[catalogue.NamedQuery]) -> list[tuple[str, list]]:
    groups: dict[str, list[catalogue.NamedQuery]] = {}
    for query in queries:
        tags = list(query.tags)
        key = (
            CHECKS[0]
            if CHECKS[0] in tags
            else next((tag for tag, _ in QUESTION_GROUPS if tag in tags), "overview")
        )
        groups.setdefault(key, []).append(query)
    names = dict([*QUESTION_GROUPS, CHECKS])
    order = [tag for tag, _ in QUESTION_GROUPS] + [CHECKS[0]]
    return [(names[tag], groups[tag]) for tag in order if tag in groups]


@router.get("/", response_class=HTMLResponse, summary="The home page: what the graph holds")
async def home_page(request: Request) -> HTMLResponse:
    from .sections import bibliography, rows_of

    backend = request.app.state.backend
    counts = await rows_of(backend, "home-counts", {})
    example = catalogue.load_query("resistance-reversals").sparql
    html = (
        templates()
        .get_template("home.html")
        .render(
            counts=counts,
            publications=list((await bibliography(backend)).publications.values()),
            example=example.strip(),
            groups=question_groups(catalogue.list_queries()),
            root=served_root(request).rstrip("/"),
        )
    )
    return HTMLResponse(html)


@router.get("/query", response_class=HTMLResponse, summary="The SPARQL query page")
async def query_page(request: Request) -> HTMLResponse:
    listed = examples(request.app.state.settings.base_iri)
    start = listed[0].query if listed else catalogue.page_query("query-page-start").sparql
    html = (
        templates()
        .get_template("index.html")
        .render(
            examples=[asdict(e) for e in listed],
            default_query=start,
            base_iri=request.app.state.settings.base_iri,
            prefixes=catalogue.prefixes_for(request.app.state.settings.base_iri),
        )
    )
    return HTMLResponse(html)


@router.get("/labels.json", summary="The label of every labelled IRI (for the query page's table)")
async def labels(request: Request) -> Response:
    """``{iri: label}``: the query page shows results by label, and a graph this size (a few
    thousand labels) is cheaper to send once than to ask about per result."""
    cached = getattr(request.app.state, "labels_json", None)
    if cached is None:
        reply = await request.app.state.backend.run(
            Job(
                "query",
                catalogue.page_query("all-labels").sparql,
                format=JSON.name,
                max_rows=100_000,
            )
        )
        if reply.status != 200:
            return Response(reply.body, reply.status, media_type=reply.media_type)
        rows = json.loads(reply.body)["results"]["bindings"]
        cached = json.dumps({r["s"]["value"]: r["label"]["value"] for r in rows if "label" in r})
        request.app.state.labels_json = cached
    return Response(cached, media_type="application/json", headers={"Cache-Control": "max-age=300"})


DESIGNS = ["randomised", "controlled, randomisation not stated in the review", "single-arm",
           "retrospective"]  # fmt: skip


@router.get("/outcomes", response_class=HTMLResponse, summary="Outcome charts across trials")
async def outcomes_page(request: Request) -> Response:
    """Median OS, TTP and PFS of every arm of every trial, and the hazard ratios, as charts."""
    from . import charts
    from .entity_context import HAZARD, TIMES

    settings = request.app.state.settings
    reply = await request.app.state.backend.run(
        Job(
            "query",
            catalogue.page_query("all-outcomes").sparql,
            format=JSON.name,
            max_rows=settings.max_rows,
        )
    )
    if reply.status != 200:
        return Response(reply.body, reply.status, media_type=reply.media_type)
    rows = [
        {k: v["value"] for k, v in row.items()}
        for row in json.loads(reply.body)["results"]["bindings"]
    ]
    base = settings.base_iri
    pictures = []
    for measure, short in TIMES.items():
        chosen = [
            r for r in rows
            if r["measure"] == measure and r.get("statisticLabel") == "median"
            and r.get("unitLabel") == "month"
        ]  # fmt: skip
        studies: dict[str, dict[str, charts.Study]] = {d: {} for d in DESIGNS}
        for r in chosen:
            size = f"n={r['enrolled']}" if "enrolled" in r else ""
            facts = ", ".join(x for x in (r.get("phaseLabel", ""), size) if x)
            label = r["trialLabel"] + (f" ({facts})" if facts else "")
            study = studies.setdefault(r["design"], {}).setdefault(
                r["trial"], charts.Study(label, "/" + r["trial"].removeprefix(base), [])
            )
            arm = r.get("armLabel", "whole study")
            study.bars.append(
                charts.Bar(
                    arm + (f" ({r['subgroup']})" if r.get("subgroup") else ""), float(r["value"])
                )
            )
        name = next((r["measureLabel"] for r in chosen), short)
        pictures.append(
            charts.study_bars(
                f"Median {name} ({short})",
                [(design, list(found.values())) for design, found in studies.items()],
                "months",
            )
        )
    ratios = [
        charts.Ratio(f"{r['trialLabel']}: {r.get('armLabel', '')}", float(r["value"]))
        for r in rows
        if r["measure"] == HAZARD
    ]
    pictures.append(charts.forest_plot("Hazard ratios", ratios))
    html = (
        templates()
        .get_template("outcomes.html")
        .render(pictures=[p for p in pictures if p], hazard_ratios=len(ratios))
    )
    return HTMLResponse(html)
