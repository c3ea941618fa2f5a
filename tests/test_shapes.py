"""Each shape: the project's graph passes, and a broken copy fails with a located message."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from sorakg.loaders.vocab import SK
from sorakg.pipeline.build import Built
from sorakg.pipeline.validate import Violation, validate_graph
from tests.constants import BASE, PUB

Edit = Callable[[Graph], None]
TRIAL = URIRef(BASE + "trial/NCT00901901")
OUTCOME = URIRef(BASE + "trial/ref50-doxorubicin-sorafenib/outcome/doxorubicin-sorafenib-os-median")
ARM = URIRef(BASE + "trial/ref50-doxorubicin-sorafenib/arm/doxorubicin-sorafenib")
OUTCOME_2 = URIRef(
    BASE + "trial/ref50-doxorubicin-sorafenib/outcome/doxorubicin-sorafenib-ttp-median"
)
OUTCOME_3 = URIRef(
    BASE + "trial/ref50-doxorubicin-sorafenib/outcome/doxorubicin-sorafenib-pfs-median"
)
SORAFENIB = URIRef(BASE + "drug/sorafenib")


def _set(s: URIRef, p: URIRef, o: object) -> Edit:
    def edit(g: Graph) -> None:
        g.remove((s, p, None))
        g.add((s, p, o))  # type: ignore[arg-type]

    return edit


def _drop(s: URIRef | None, p: URIRef, o: object = None) -> Edit:
    return lambda g: g.remove((s, p, o))  # type: ignore[arg-type]


def _add(s: URIRef, p: URIRef, o: object) -> Edit:
    return lambda g: g.add((s, p, o))  # type: ignore[arg-type]


def _on_first(cls: URIRef, edit: Callable[[Graph, URIRef], None]) -> Edit:
    """Apply ``edit`` to the first node (by IRI) of class ``cls``."""

    def run(g: Graph) -> None:
        first = min((n for n in g.subjects(RDF.type, cls) if isinstance(n, URIRef)), key=str)
        edit(g, first)

    return run


def _chain(*edits: Edit) -> Edit:
    def edit(g: Graph) -> None:
        for each in edits:
            each(g)

    return edit


def _decimal(text: str) -> Literal:
    return Literal(text, datatype=XSD.decimal)


def _drop_quotes_about(node: URIRef) -> Edit:
    def edit(g: Graph) -> None:
        for e in list(g.subjects(SK.evidenceFor, node)):
            g.remove((e, SK.quote, None))

    return edit


def _drop_statement_object_about(node: URIRef) -> Edit:
    def edit(g: Graph) -> None:
        for e in list(g.subjects(SK.evidenceFor, node)):
            if (e, SK.statementPredicate, SK.inhibits) in g:
                g.remove((e, SK.statementObject, None))
                return

    return edit


def _drop_curator_notes_about(node: URIRef) -> Edit:
    def edit(g: Graph) -> None:
        for e in list(g.subjects(SK.evidenceFor, None)):
            if str(g.value(e, SK.evidenceFor)).startswith(str(node)):
                g.remove((e, SK.curatorNote, None))

    return edit


def _drop_evidence_of(node: URIRef) -> Edit:
    def edit(g: Graph) -> None:
        for e in list(g.subjects(SK.evidenceFor, node)):
            g.remove((e, None, None))

    return edit


# name: (edit, expected message fragment, file the violation must be located in).
# Each case breaks a different node or a different constraint, so all of them can be applied to one
# copy of the graph and validated in one SHACL run (one run takes seconds; eighteen took minutes).
CASES: dict[str, tuple[Edit, str, str | None]] = {
    "entity without evidence": (
        _drop_evidence_of(URIRef(BASE + "molecule/egfr")),
        "has no evidence record",
        "",  # its own records are gone: located at a row that names it
    ),
    "relation without evidence": (
        _add(SORAFENIB, SK.inhibits, URIRef(BASE + "molecule/egfr")),
        "has no evidence record for this triple",
        "drugs.csv",
    ),
    "stated class without evidence": (
        _add(SORAFENIB, RDF.type, SK.AntibodyDrug),
        "asserted without an evidence record",
        "drugs.csv",
    ),
    "bad NCT id": (
        _set(TRIAL, SK.nctId, Literal("NCT123")),
        "NCT id must be NCT and eight digits",
        "trials.csv",
    ),
    "registered trial without registry link": (
        _drop(TRIAL, SKOS.exactMatch),
        "must link to its ClinicalTrials.gov record",
        "trials.csv",
    ),
    "trial without phase": (_drop(TRIAL, SK.phase), "needs exactly one phase", "trials.csv"),
    "negative enrolment": (
        _set(URIRef(BASE + "trial/sharp"), SK.enrolled, Literal(-3, datatype=XSD.integer)),
        "enrolment is a count",
        "trials.csv",
    ),
    "percentage above 100": (
        _chain(_set(OUTCOME, SK.unit, SK.Percent), _set(OUTCOME, SK.value, _decimal("130"))),
        "a percentage must lie between 0 and 100",
        "outcomes.csv",
    ),
    "hazard ratio not positive": (
        _chain(
            _set(OUTCOME_2, SK.statistic, SK.HazardRatio), _set(OUTCOME_2, SK.value, _decimal("0"))
        ),
        "a hazard ratio must be greater than 0",
        "outcomes.csv",
    ),
    "p-value above 1": (
        _add(OUTCOME, SK.pValue, _decimal("1.5")),
        "p-value must lie in [0, 1]",
        "outcomes.csv",
    ),
    "outcome without measure": (
        _drop(OUTCOME_3, SK.measure),
        "an outcome needs exactly one measure",
        "outcomes.csv",
    ),
    "arm without intervention": (
        _drop(ARM, SK.hasIntervention),
        "an arm needs at least one intervention",
        "arms.csv",
    ),
    "bad ChEMBL id": (
        _set(SORAFENIB, SK.chemblId, Literal("CHEMBL-1")),
        "ChEMBL id must be CHEMBL followed by digits",
        "drugs.csv",
    ),
    "bad UniProt accession": (
        _set(URIRef(BASE + "molecule/kit"), SK.uniprotId, Literal("KIT_HUMAN")),
        "not a UniProt accession",
        "molecules.csv",
    ),
    "mechanism neither primary nor acquired": (
        _drop(URIRef(BASE + "mechanism/hypoxia"), RDF.type, SK.AcquiredResistanceMechanism),
        "must be primary or acquired",
        "mechanisms.csv",
    ),
    "mechanism without the drug it resists": (
        _drop(URIRef(BASE + "mechanism/grp78-resistance"), SK.resistanceTo),
        "a resistance mechanism names the one drug it resists",
        "mechanisms.csv",
    ),
    "biomarker without direction": (
        _drop(URIRef(BASE + "biomarker/perk/association/sharp-ttp"), SK.direction),
        "needs the direction of association",
        "biomarker_findings.csv",
    ),
    "label missing": (
        _drop(URIRef(BASE + "pathway/emt"), RDFS.label),
        "needs exactly one language-tagged label",
        "pathways.csv",
    ),
    "statement without its object": (
        _drop_statement_object_about(URIRef(BASE + "drug/erlotinib")),
        "statement predicate and object must be given together",
        "drug_actions.csv",
    ),
    "curator inference without a note": (
        _drop_curator_notes_about(URIRef(BASE + "trial/ref46-sorafenib-fluorouracil")),
        "curator inference needs a curator note",
        "",
    ),
    "citation without a valid number": (
        _on_first(SK.Citation, lambda g, n: _set(n, SK.referenceNumber, Literal(0))(g)),
        "needs one positive reference number",
        "",
    ),
    "publication without a title": (
        _on_first(SK.Publication, lambda g, n: _drop(n, RDFS.label)(g)),
        "publication needs a title",
        None,  # a publication comes from publication.toml, not a table row
    ),
    "knockdown of two molecules": (
        _add(
            URIRef(BASE + "intervention/akt-knockdown"),
            SK.interventionTarget,
            URIRef(BASE + "molecule/met"),
        ),
        "an intervention acts on at most one molecule",
        "interventions.csv",
    ),
    "pathway of no kind": (
        _drop(URIRef(BASE + "pathway/mapk"), RDF.type, SK.SignalingPathway),
        "must be a signalling pathway or a cellular process",
        "pathways.csv",
    ),
    "bad Cellosaurus id": (
        _set(URIRef(BASE + "model/hepg2"), SK.cellosaurusId, Literal("HepG2")),
        "Cellosaurus id must be CVCL_ and four characters",
        "models.csv",
    ),
    "biomarker measuring nothing": (
        _drop(URIRef(BASE + "biomarker/jnk-activity"), SK.measuresMolecule),
        "a biomarker measures exactly one molecule",
        "biomarkers.csv",
    ),
    "adverse event above 100 percent": (
        _on_first(
            SK.AdverseEventObservation,
            lambda g, n: _chain(_set(n, SK.unit, SK.Percent), _set(n, SK.value, _decimal("140")))(
                g
            ),
        ),
        "an adverse-event percentage must lie between 0 and 100",
        "adverse_events.csv",
    ),
    "observation without change": (
        _on_first(SK.MechanismObservation, lambda g, n: _drop(n, SK.change)(g)),
        "an observation says how the entity changed",
        "mechanism_findings.csv",
    ),
    "reversal without agent": (
        _on_first(SK.Reversal, lambda g, n: _drop(n, SK.byAgent)(g)),
        "a reversal names the one agent that reversed the mechanism",
        "reversals.csv",
    ),
    "discrepancy without the reading used": (
        _on_first(SK.Discrepancy, lambda g, n: _drop(n, SK.usedReading)(g)),
        "record the reading the graph uses",
        "discrepancies.csv",
    ),
    # "Seventy-one patients were randomly assigned to receive tivantinib (38 at 360 mg twice-daily
    # and 33 at 240 mg twice-daily), and 36 patients, to receive placebo" of 107 enrolled
    "dose group counted as an arm": (
        _drop(URIRef(BASE + "trial/NCT00988741/arm/tivantinib-240"), SK.partOfArm),
        "more than the 107 enrolled",
        "trials.csv",
    ),
    "dose groups larger than their arm": (
        _set(
            URIRef(BASE + "trial/NCT00988741/arm/tivantinib-360"),
            SK.caseCount,
            Literal(80, datatype=XSD.nonNegativeInteger),
        ),
        "more than its 71",
        "arms.csv",
    ),
    "evidence without quote": (
        _drop_quotes_about(URIRef(BASE + "model/hepg2")),
        "needs exactly one non-empty quote",
        "models.csv",
    ),
}


def test_project_graph_conforms(union: Graph) -> None:
    assert validate_graph(union) == []


@pytest.fixture(scope="module")
def broken(union: Graph) -> Graph:
    """The project's graph with every case's breakage applied."""
    graph = Graph()
    graph += union
    for edit, _, _ in CASES.values():
        edit(graph)
    return graph


@pytest.fixture(scope="module")
def violations(broken: Graph) -> list[Violation]:
    return validate_graph(broken)


def test_the_builds_way_finds_the_same_violations(
    broken: Graph, violations: list[Violation], built: Built
) -> None:
    """The build validates its named graphs in place (a union view, not a copy): the same
    violations, sources and order as one graph. The parts overlap (the ontology twice), as
    named graphs may, and a duplicated triple must not break a maximum count."""
    from sorakg.pipeline.validate import UnionView, validate_graphs

    triples = sorted(broken, key=str)
    parts = [Graph(), Graph(), built.graph("ontology")]
    for i, triple in enumerate(triples):
        parts[i % 2].add(triple)
    assert set(UnionView(parts)) == set(broken)
    assert validate_graphs(parts) == violations
    assert len(violations) >= len(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_graph_fails_with_source_row(violations: list[Violation], name: str) -> None:
    _, message, source = CASES[name]
    located = [v for v in violations if message in v.message]
    assert located, f"{name}: no violation says {message!r}"
    if source is None:
        return
    # file:line of the expected table, or of any table when the case names none
    table = re.escape(source) if source else r"[a-z_]+\.csv"
    row = rf"loaders/data/{PUB}/{table}:\d+"
    assert all(re.fullmatch(row, v.source_row) for v in located), [str(v) for v in located]


def test_every_violation_is_one_of_the_breakages(violations: list[Violation]) -> None:
    expected = [message for _, message, _ in CASES.values()]
    stray = [str(v) for v in violations if not any(m in v.message for m in expected)]
    assert stray == []


def test_identifier_patterns_agree_with_the_loader() -> None:
    from sorakg.loaders.identifiers import SCHEMES
    from sorakg.pipeline.validate import SHAPES

    text = SHAPES.read_text()
    for scheme in ("uniprot",):
        assert SCHEMES[scheme].pattern.replace("\\\\", "\\") in text.replace("\\\\", "\\")


def _results(report: Graph) -> set[tuple[str, ...]]:
    """Violations as comparable text; a complex path (a blank node) as its structure."""
    from rdflib import BNode
    from rdflib.namespace import SH

    def text(node: object) -> str:
        if isinstance(node, BNode):
            return " ".join(f"{p} {text(o)}" for p, o in sorted(report.predicate_objects(node)))
        return str(node)

    return {
        tuple(
            text(report.value(r, p))
            for p in (SH.focusNode, SH.resultPath, SH.value, SH.resultMessage)
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(r, SH.resultSeverity) == SH.Violation
    }


@pytest.mark.slow  # pySHACL over the broken graph
def test_the_fast_engine_agrees_with_pyshacl(broken: Graph) -> None:
    """pyshacl-turbo validates the builds; pySHACL, the reference implementation, must find the
    same violations (focus, path, value, message) on a graph that breaks every shape."""
    import pyshacl
    import pyshacl_turbo

    from sorakg.pipeline.validate import shapes_graph

    found = {}
    for engine in (pyshacl, pyshacl_turbo):
        _, report, _ = engine.validate(
            broken, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True
        )
        found[engine.__name__] = _results(report)
    assert found["pyshacl_turbo"] == found["pyshacl"]
    assert len(found["pyshacl"]) >= len(CASES)
