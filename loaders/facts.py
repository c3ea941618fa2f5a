"""The fact tables: one row per stated fact (a drug's action, a finding, a trial's outcome,
a reference check …), each naming the entities it is about by their keys."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from .entities import DrugClass, PrimaryOutcome
from .rows import (
    Claim,
    OptionalFloat,
    OptionalInt,
    OptionalSlug,
    OptionalText,
    Row,
    Slug,
    SlugList,
    Supports,
    _blank_to_none,
    ref,
)


class DrugClassAssertion(Row, Claim):
    """The review calls a drug a member of a class ("a multikinase inhibitor"). Every row has a
    check in reference_checks.csv; a contradicted one puts the row in the disputed graph."""

    table = "drug_classes.csv"
    key = ("drug", "drug_class")
    drug: Slug = ref("drug")
    drug_class: DrugClass


class Action(StrEnum):
    inhibits = "inhibits"
    activates = "activates"
    upregulates = "upregulates"
    downregulates = "downregulates"
    has_no_effect_on = "has_no_effect_on"
    binds = "binds"
    regulates = "regulates"


class DrugAction(Row, Claim):
    """A drug acts on a molecule, pathway or process (sorafenib inhibits Raf-1). Every row has a
    check in reference_checks.csv; a contradicted one puts the row in the disputed graph."""

    table = "drug_actions.csv"
    key = ("drug", "action", "target", "model")
    drug: Slug = ref("drug")
    action: Action
    target: Slug = ref("molecule", "pathway")
    model: OptionalSlug = ref("model", default=None)


class MemberRole(StrEnum):
    member = "member"
    upstream = "upstream"
    downstream = "downstream"
    negative_regulator = "negative_regulator"


class PathwayMember(Row):
    table = "pathway_members.csv"
    key = ("pathway", "member", "role")
    pathway: Slug = ref("pathway")
    member: Slug = ref("molecule", "pathway", description="a molecule, or a pathway feeding it")
    role: MemberRole = MemberRole.member


class Change(StrEnum):
    increased = "increased"
    decreased = "decreased"
    activated = "activated"
    involved = "involved"


class MechanismPathway(Row, Claim):
    """A resistance mechanism runs through a pathway or process, each link with its own quote
    (hypoxia runs through the hypoxia-inducible pathway, and, speculated, angiogenesis)."""

    table = "mechanism_pathways.csv"
    key = ("mechanism", "pathway")
    mechanism: Slug = ref("mechanism")
    pathway: Slug = ref("pathway")


class MechanismFinding(Row, Claim):
    """An observation that characterises a resistance mechanism (p-STAT3 up in resistant cells)."""

    table = "mechanism_findings.csv"
    key = ("mechanism", "entity", "model")
    mechanism: Slug = ref("mechanism")
    entity: Slug = ref("molecule", "pathway", description="the molecule or pathway observed")
    change: Change
    model: OptionalSlug = ref("model", default=None)


class Reversal(Row, Claim):
    """An agent that reversed (or overcame) a resistance mechanism in a model."""

    table = "reversals.csv"
    key = ("mechanism", "agent")
    mechanism: Slug = ref("mechanism")
    agent: Slug = ref("drug", "intervention")
    via: OptionalSlug = ref(
        "molecule", description="the molecule the agent acts through", default=None
    )
    model: OptionalSlug = ref("model", default=None)


class Direction(StrEnum):
    positive = "positive"
    negative = "negative"
    none = "none"
    unspecified = "unspecified"


class Verdict(StrEnum):
    supported = "supported"
    not_validated = "not_validated"
    not_predictive = "not_predictive"
    prognostic = "prognostic"


class BiomarkerFinding(Row, Claim):
    """What one study found about a biomarker: direction of association with an endpoint."""

    table = "biomarker_findings.csv"
    key = ("biomarker", "study", "endpoint")
    biomarker: Slug = ref("biomarker")
    study: Slug = ref("trial", "model", description="a trial or a model")
    drug: Slug = ref("drug")
    endpoint: str = Field(description="response, sensitivity, TTP, OS, survival …")
    direction: Direction = Field(description="higher level → better (positive) or worse outcome")
    verdict: Verdict
    samples: OptionalInt = None


class EndpointResult(Row, Claim):
    """Whether a trial met its primary endpoint, as the review reports it (SEARCH's result is
    preliminary, so hedged)."""

    table = "endpoints.csv"
    key = ("trial", "endpoint")
    trial: Slug = ref("trial")
    endpoint: Annotated[PrimaryOutcome | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="the primary endpoint (OS, TTP …); empty when the review does not name it"
    )
    met: Supports = Field(description="yes if the trial met it, no if it did not")


class ArmRole(StrEnum):
    experimental = "experimental"
    control = "control"
    single = "single"


class Arm(Row):
    table = "arms.csv"
    key = ("trial", "arm")
    trial: Slug = ref("trial")
    arm: Slug
    label: str
    role: ArmRole
    interventions: SlugList = ref("drug", "intervention", min_length=1)
    cases: OptionalInt = None
    dose: OptionalText = None
    part_of: OptionalSlug = Field(
        None,
        description="for a dose group or subgroup, the arm (of the same trial) it is part of; "
        "top-level arms leave it empty, and their cases never sum past the enrolment",
    )


class Measure(StrEnum):
    OS = "OS"
    TTP = "TTP"
    PFS = "PFS"
    SD = "SD"
    RR = "RR"
    DCR = "DCR"
    PD = "PD"
    SD_DURATION = "SD_duration"
    FOLLOW_UP = "follow_up"
    PATIENTS = "patients"
    HR = "HR"


class Statistic(StrEnum):
    median = "median"
    proportion = "proportion"
    count = "count"  # type: ignore[assignment]  # shadows str.count; the value is the CSV's word
    hazard_ratio = "hazard_ratio"
    value = "value"


class Unit(StrEnum):
    month = "month"
    percent = "percent"
    patient = "patient"
    ratio = "ratio"


class Outcome(Row):
    """One efficacy figure for one arm (or subgroup) of a trial."""

    table = "outcomes.csv"
    key = ("trial", "arm", "measure", "statistic", "subgroup", "reading")
    trial: Slug = ref("trial")
    arm: OptionalSlug = Field(None, description="empty for a figure about the whole trial")
    measure: Measure
    statistic: Statistic
    value: float
    unit: Unit
    subgroup: OptionalText = None
    ci_low: OptionalFloat = None
    ci_high: OptionalFloat = None
    p_value: OptionalFloat = None
    reading: OptionalText = Field(
        None, description="set when the review gives two readings; the graph uses 'primary'"
    )


class AdverseEvent(Row):
    table = "adverse_events.csv"
    key = ("trial", "arm", "event")
    trial: Slug = ref("trial")
    arm: Slug
    event: str
    grade: OptionalText = None
    value: float = Field(ge=0)
    unit: Unit


class Discrepancy(Row):
    """Where the review contradicts itself: both readings, and which one the graph uses."""

    table = "discrepancies.csv"
    key = ("id",)
    id: Slug
    subject: Slug = ref("trial", "drug", "molecule", "mechanism")
    aspect: str
    used: str
    alternative: str
    alternative_quote: str
    alternative_location: str


class ConclusionKind(StrEnum):
    treatment_option = "treatment_option"
    efficacy = "efficacy"
    safety = "safety"
    predictive_biomarker = "predictive_biomarker"
    mechanism = "mechanism"
    background = "background"
    research_need = "research_need"


class Conclusion(Row, Claim):
    """A claim of the review that is not a number and that no other table holds: what a trial's
    results are taken to show ("these results provide an option …"), a biomarker's promise ("Met
    might serve as a predictive biomarker"), a background statement. The same claim in several
    places (abstract, body, conclusion) is one row per occurrence, each with its quote."""

    table = "conclusions.csv"
    key = ("id",)
    id: Slug
    subject: Slug = ref(
        "trial",
        "drug",
        "biomarker",
        "mechanism",
        "molecule",
        "pathway",
        description="what the claim is about",
    )
    claim_kind: ConclusionKind = Field(description="what the claim is about")
    statement: str = Field(min_length=1, description="the claim in the curator's short words")


class ComparisonResult(StrEnum):
    longer = "longer"
    shorter = "shorter"
    higher = "higher"
    lower_ = "lower"  # the value is the CSV's word; the name keeps str.lower
    no_difference = "no_difference"
    #: every patient's value (of the arm or subgroup) was at most ``bound``
    within = "within"


class Significance(StrEnum):
    significant = "significant"
    not_significant = "not_significant"
    not_stated = "not_stated"


class Comparison(Row, Claim):
    """An outcome the review reports in words or as a bound, not as a figure: a comparison
    between arms ("longer", "no statistically difference") or an upper bound ("died within 4
    mo")."""

    table = "comparisons.csv"
    key = ("trial", "arm", "versus", "measure", "subgroup")
    trial: Slug = ref("trial")
    arm: OptionalSlug = Field(None, description="the arm the result is about")
    versus: OptionalSlug = Field(None, description="the arm it is compared with (same trial)")
    measure: Measure
    subgroup: OptionalText = None
    result: ComparisonResult = Field(
        description="the arm's value against the other arm's, or 'within' a bound"
    )
    significance: Significance = Significance.not_stated
    bound: OptionalFloat = Field(None, description="for 'within': the upper bound")
    unit: Annotated[Unit | None, BeforeValidator(_blank_to_none)] = None

    @model_validator(mode="after")
    def _bound_or_comparator(self) -> Comparison:
        if self.result == ComparisonResult.within:
            if self.bound is None or self.unit is None:
                raise ValueError("result 'within' needs a bound and its unit")
        elif not (self.arm and self.versus):
            raise ValueError(f"result '{self.result}' needs the arm and the arm compared with")
        return self


class CheckVerdict(StrEnum):
    consistent = "consistent"
    #: the reference states otherwise: the statement is disputed
    contradicted = "contradicted"
    #: the reference contradicts a qualifier ("selective", "directly"), not the statement itself
    partly_contradicted = "partly_contradicted"
    #: the reference says nothing on it (a cellular effect of one study, not a target)
    not_covered = "not_covered"
    #: no reference could be found that settles it
    not_confirmed = "not_confirmed"


class ReferenceCheck(Row):
    """One statement of the review checked against a named reference (the drug's label,
    ChEMBL's mechanism of action, IUPHAR/BPS, the trial's registry record or publication).
    Every drug-action and drug-class statement has one. A `contradicted` verdict disputes the
    statement: its rows go to the disputed graph (docs/reasoning.md), or, for one `column` of a
    trial, the review's value goes there and the reference's `value` takes its place."""

    table = "reference_checks.csv"
    key = ("checked_table", "row_key", "column", "reference", "statement")
    checked_table: str = Field(
        pattern=r"^[a-z_]+\.csv$", description="the table of the checked statement"
    )
    row_key: str = Field(
        min_length=1,
        description="the checked rows' key columns joined by '|': every row whose key starts with "
        "these values is checked (sorafenib|inhibits|p-erk covers the rows of each model)",
    )
    column: OptionalText = Field(None, description="for one cell of a trial: phase or enrolled")
    statement: str = Field(min_length=1, description="the statement checked, in short words")
    reference: str = Field(min_length=3, description="the named reference checked against")
    reference_url: OptionalText = None
    release: str = Field(min_length=2, description="the reference's version, release or date")
    verdict: CheckVerdict
    correction: OptionalText = Field(
        None, description="what the reference says (the correct pharmacology), when it differs"
    )
    value: OptionalText = Field(
        None, description="for a contradicted trial column: the reference's value"
    )

    @model_validator(mode="after")
    def _contradiction_says_what_is_right(self) -> ReferenceCheck:
        if self.verdict in WRONG and not self.correction:
            raise ValueError("a contradicted statement needs the correction the reference gives")
        if self.column and self.verdict == CheckVerdict.contradicted and not self.value:
            raise ValueError(f"a contradicted '{self.column}' needs the reference's value")
        return self

    def keys(self) -> tuple[str, ...]:
        return key_parts(self.row_key)

    def id_words(self) -> tuple[str, ...]:
        # the reference and statement are long sentences: a digest keeps the IRI readable
        digest = hashlib.sha1(f"{self.reference}\n{self.statement}".encode()).hexdigest()[:8]
        return (self.checked_table.removesuffix(".csv"), *self.keys(), self.column or "", digest)

    def covers(self, row: Row) -> bool:
        """Whether this check is about ``row`` (of the checked table, its key starting so)."""
        parts = self.keys()
        values = tuple(v for v in row.key_values() if v)
        return row.table == self.checked_table and values[: len(parts)] == parts


WRONG = frozenset({CheckVerdict.contradicted, CheckVerdict.partly_contradicted})


def key_parts(text: str) -> tuple[str, ...]:
    """A row key as its non-empty parts (``sorafenib|inhibits|vegfr|`` → three parts)."""
    return tuple(part.strip() for part in text.split("|") if part.strip())
