"""Which sections each kind of page opens with, in its readers' order (a pharmacologist's:
what a drug acts on, its classes, the resistance that concerns it, its biomarkers and trials;
a mechanism's observations and what reverses it; a trial's design, endpoint and outcomes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sorakg.release import summaries
from sorakg.sparql import catalogue

from .backend import Backend, select
from .charts import Edge
from .entity_view import EntityView
from .entity_window import with_members
from .sections import (
    Bibliography,
    Cell,
    Quotes,
    Row,
    Section,
    add_references,
    evidence_records,
    first_records,
    grouped,
    rows_of,
    status_text,
)

if TYPE_CHECKING:  # explanations load rdflib: on first use only
    from sorakg.pipeline.explain import Reason

Cells = Callable[[dict[str, str]], list[Cell]]
Edges = Callable[[dict[str, str]], Edge | None]


@dataclass(frozen=True)
class Spec:
    id: str
    title: str
    query: str
    headers: list[str]
    cells: Cells
    bind: str = "entity"  # the query's variable that takes the page's IRI
    intro: str = ""
    evidence: bool = True  # a column of quotes (not for a trial's arms)
    edge: Edges | None = None  # how the network draws a row


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _relation(row: dict[str, str]) -> Cell:
    return Cell(row["how"], css=f"relation rel-{_local(row['relation'])}")


class Page:
    """Links for one page: our IRIs become local paths."""

    def __init__(self, base_iri: str):
        self.base_iri = base_iri

    def href(self, iri: str) -> str:
        return "/" + iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else ""

    def node(self, row: dict[str, str], var: str) -> Cell:
        return Cell(row.get(f"{var}Label", _local(row.get(var, ""))), self.href(row.get(var, "")))

    def edge(self, row: dict[str, str], var: str, relation: str, label: str, out: bool) -> Edge:
        """The row's statement between the page's entity and ``?var``, for the network."""
        href = self.href(row.get(var, ""))
        kind = href.strip("/").split("/", 1)[0] or "entity"
        return Edge(_local(relation), label, row.get(f"{var}Label", ""), href, kind, out)


def specs(kind: str, page: Page, year: str) -> list[Spec]:
    """The sections of a page of ``kind``, in the order they are shown."""
    node = page.node
    acts = Spec(
        "actions", "What it acts on", "drug-actions", ["how", "on"],
        lambda r: [_relation(r), node(r, "object")],
        edge=lambda r: page.edge(r, "object", r["relation"], r["how"], True),
        intro="As the review states it: each relation with its quote. Disputed statements are "
        "marked, with the curator's reading.",
    )  # fmt: skip
    classes = Spec(
        "classes", "Its classes, as stated", "drug-classes", ["class"],
        lambda r: [node(r, "class")],
        intro="Classes inferred from what it acts on are under “Why these inferences”.",
    )  # fmt: skip
    mechanisms = Spec(
        "mechanisms", "Resistance mechanisms", "drug-mechanisms",
        ["mechanism", "relation to it", "kind", "through"],
        lambda r: [node(r, "mechanism"), Cell(r["role"]), Cell(r.get("typeLabel", "")),
                   node(r, "via") if r.get("via") else Cell("")],
        edge=lambda r: page.edge(r, "mechanism", "resistanceTo", "resistance to", False)
        if r["role"] == "resistance to it"
        else page.edge(r, "mechanism", "reverses", "reverses", True),
    )  # fmt: skip
    biomarkers_of_drug = Spec(
        "biomarkers", "Biomarkers of response", "biomarker-associations",
        ["biomarker", "endpoint", "direction", "verdict", "study or samples", "n"],
        lambda r: [node(r, "biomarker"), Cell(r["endpoint"]), Cell(r.get("direction", "")),
                   Cell(r.get("verdict", "")), node(r, "study"), Cell(r.get("samples", ""))],
        bind="drug",
    )  # fmt: skip
    trials = Spec(
        "trials", "Trials", "drug-trials",
        ["trial", "phase", "design", "arms giving it", "status", "primary endpoint",
         "median (months)"],
        lambda r: [Cell(r["label"], page.href(r["trial"])), Cell(r.get("phaseLabel", "")),
                   Cell(r.get("design", "")), Cell(r.get("arms", "")),
                   Cell(status_text(r.get("statusLabel", ""), year)), _met(r.get("met")),
                   Cell(r.get("figures", "").replace(" mo", ""))],
        intro="One row per study; the quotes and every figure are on each trial's page.",
        evidence=False,
    )  # fmt: skip
    statements = Spec(
        "statements", "What the review states", "statements", ["relation", "to"],
        lambda r: [_relation(r), node(r, "object")],
        edge=lambda r: page.edge(r, "object", r["relation"], r["how"], True),
    )  # fmt: skip
    observations = Spec(
        "observations", "What is observed with it", "mechanism-observations",
        ["observed", "change", "model"],
        lambda r: [node(r, "observed"), Cell(r.get("change", "")), Cell(r.get("modelLabel", ""))],
        edge=lambda r: page.edge(r, "observed", "involves", f"involves ({r.get('change', '')})",
                                 True),
    )  # fmt: skip
    reversals = Spec(
        "reversals", "What reverses it", "mechanism-reversals",
        ["agent", "through", "model"],
        lambda r: [node(r, "agent"), node(r, "via") if r.get("via") else Cell(""),
                   Cell(r.get("modelLabel", ""))],
        edge=lambda r: page.edge(r, "agent", "reverses", "reverses", False),
        intro="Drugs and interventions reported to reverse or overcome this resistance.",
    )  # fmt: skip
    endpoints = Spec(
        "endpoint", "Primary endpoint", "trial-endpoints", ["endpoint", "result"],
        lambda r: [Cell(r.get("endpointLabel", "primary endpoint (not named by the review)")),
                   _met(r.get("met"))],
    )  # fmt: skip
    biomarkers_in_study = Spec(
        "biomarkers", "Biomarker findings in this study", "biomarker-associations",
        ["biomarker", "drug", "endpoint", "direction", "verdict", "n"],
        lambda r: [node(r, "biomarker"), node(r, "drug"), Cell(r["endpoint"]),
                   Cell(r.get("direction", "")), Cell(r.get("verdict", "")),
                   Cell(r.get("samples", ""))],
        bind="study",
    )  # fmt: skip
    discrepancies = Spec(
        "discrepancies", "Where the review disagrees with itself", "discrepancies",
        ["aspect", "the graph uses", "the review also says"],
        lambda r: [Cell(r["aspect"]), Cell(r["used"]),
                   Cell(f"{r['alternative']} ({r.get('alternativeLocation', '')}: "
                        f"“{r.get('alternativeQuote', '')}”)")],
    )  # fmt: skip
    associations = Spec(
        "associations", "Associations reported", "biomarker-associations",
        ["endpoint", "under drug", "study or samples", "direction", "verdict", "n"],
        lambda r: [Cell(r["endpoint"]), node(r, "drug"), node(r, "study"),
                   Cell(r.get("direction", "")), Cell(r.get("verdict", "")),
                   Cell(r.get("samples", ""))],
        bind="biomarker",
    )  # fmt: skip
    acted_on = Spec(
        "acted-on", "Drugs acting on it", "acted-on-by", ["drug or intervention", "how"],
        lambda r: [node(r, "agent"), _relation(r)],
        edge=lambda r: page.edge(r, "agent", r["relation"], r["how"], False),
    )  # fmt: skip
    observed_in = Spec(
        "observed-in", "In resistance mechanisms", "observed-in",
        ["mechanism", "change", "model"],
        lambda r: [node(r, "mechanism"), Cell(r.get("change", "")), Cell(r.get("modelLabel", ""))],
        edge=lambda r: page.edge(r, "mechanism", "involves", f"involves ({r.get('change', '')})",
                                 False),
    )  # fmt: skip
    citing = Spec(
        "citing", "What the review states citing it", "citing", ["about", "relation", "to"],
        lambda r: [node(r, "about"), Cell(r.get("how", "")), node(r, "object")
                   if r.get("object") else Cell("")],
    )  # fmt: skip
    arms = Spec(
        "arms", "Arms", "trial-arms", ["arm", "role", "gives", "dose", "cases"],
        lambda r: [node(r, "arm"), Cell(r.get("roleLabel", "")), Cell(r.get("gives", "")),
                   Cell(r.get("dose", "")), Cell(r.get("cases", ""))],
        evidence=False,
    )  # fmt: skip
    return [
        *{
            "drug": [acts, classes, mechanisms, biomarkers_of_drug, trials],
            "intervention": [acts, mechanisms, trials],
            "mechanism": [statements, observations, reversals],
            "trial": [arms, endpoints, biomarkers_in_study],
            "biomarker": [associations, statements],
            "molecule": [acted_on, observed_in, statements],
            "pathway": [acted_on, observed_in, statements],
            "model": [biomarkers_in_study],
            "reference": [citing],
        }.get(kind, [statements]),
        discrepancies,  # any entity the review contradicts itself about
    ]


def _met(value: str | None) -> Cell:
    if value is None:
        return Cell("")
    met = value in ("true", "1")
    return Cell("met" if met else "missed", css="met" if met else "missed")


# the evidence records a statement shows, at most: its first ones in IRI order (an entity that
# many papers discuss has hundreds per statement; the review's own have at most 4), the ones the
# build-time summaries list per statement
RECORDS_PER_ROW = summaries.STATEMENT_RECORDS


async def build(
    backend: Backend,
    kind: str,
    iri: str,
    page: Page,
    books: Bibliography,
    href: Callable[[str], str],
    more: Iterable[str] = (),
) -> tuple[list[Section], Quotes]:
    """The sections of the page of ``iri``, and their quotes: the records each row shows, and
    ``more`` (a trial's outcome figures'), read in one query, with the references they cite
    (into ``books``; ``href`` links a reference with no paper to link to)."""
    said = Spec(
        "said", "What the review says of it", "own-evidence", ["where"],
        lambda r: [Cell(r["location"])],
    )  # fmt: skip
    answers = [
        (spec, await rows_of(backend, spec.query, {spec.bind: iri}))
        for spec in [*specs(kind, page, books.year), said]
    ]
    wanted = set(more)
    for spec, rows in answers:
        wanted.update(first_records(rows, spec.cells, RECORDS_PER_ROW))
    found_records = await records(backend, sorted(wanted))
    cited = {c for record in found_records.values() for c in record.get("cites", set())}
    await add_references(backend, books, sorted(cited))
    quotes = Quotes(found_records, lambda c: books.cite(c, href(c)))
    found = []
    for spec, rows in answers:
        table: list[Row] = grouped(rows, spec.cells, quotes, spec.edge)
        if spec is said:  # only the sentences no statement above quotes already
            table = [row for row in table if any(u.first for u in row.uses)]
        if table:
            found.append(
                Section(spec.id, spec.title, spec.headers, table, spec.intro, spec.evidence)
            )
    return found, quotes


async def records(backend: Backend, wanted: list[str]) -> dict[str, dict[str, str | set[str]]]:
    """The evidence records ``wanted``, by IRI (``server/queries/evidence-records.rq``)."""
    if not wanted:
        return {}
    text = with_members(catalogue.page_query("evidence-records").sparql, {"ev": wanted})
    return evidence_records(await select(backend, text, 100_000) or [])


def _steps(reason: Reason, depth: int = 0) -> list[tuple[int, str]]:
    """An explanation as (depth, line), each stated step with its references."""
    refs = sorted({n for e in reason.evidence for n in e.refs})
    said = f" [{', '.join(map(str, refs))}]" if refs else ""
    lines = [(depth, reason.statement + said)]
    for child in reason.because:
        lines += _steps(child, depth + 1)
    return lines


def add_inferred_classes(found: list[Section], view: EntityView, why: dict[str, Reason]) -> None:
    """The classes the reasoner gives the drug, each with why, after the stated ones."""
    rows = []
    for t in view.types:
        if t.inferred and t.iri in why:
            steps = _steps(why[t.iri])
            # the summary: the review's statements it rests on (the ontology's steps open below)
            stated = [line for _, line in steps if "(stated)" in line]
            gist = "; ".join(dict.fromkeys(stated)) or steps[0][1]
            rows.append(Row([Cell(t.text, t.href or "")], why=steps, why_gist=gist))
    if not rows:
        return
    intro = "What follows from what it acts on and the ontology's definitions."
    section = Section("inferred-classes", "Its classes, inferred", ["class"], rows, intro)
    at = next((i + 1 for i, s in enumerate(found) if s.id == "classes"), 1)
    found.insert(at, section)
