"""The curated source tables, defined once.

Each CSV file under ``loaders/data/<publication>/`` holds one kind of row, described here by a
pydantic model. The reader validates rows against these models, the RDF mapping reads their
fields, and ``docs/tables.md`` is generated from them, so a column is declared in one place.

Conventions shared by every table:

* list-valued cells are separated by ``|`` (``sorafenib|doxorubicin``);
* ``refs`` holds the review's reference numbers, ``;``-separated, ranges allowed (``17-19;21``);
* ``quote`` is the sentence or table cell the fact comes from, copied verbatim from the review
  (the loader checks it occurs in ``source.txt``);
* ``basis`` is ``review`` when the quote states the fact and ``curator`` when the fact is a
  curator's reading of the quote (explained in ``note``).
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

# lower-case words joined by hyphens, or a ClinicalTrials.gov number (trials are named by it)
SLUG = r"^(?:[a-z0-9]+(?:-[a-z0-9]+)*|NCT\d{8})$"


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return value


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Slug = Annotated[str, Field(pattern=SLUG)]


def ref(*segments: str, default: Any = ..., description: str | None = None, **kw: Any) -> Any:
    """A column that names entities of the given kinds (``ref("drug", "intervention")``)."""
    return Field(default, description=description, json_schema_extra={"refs": list(segments)}, **kw)


def references(model: type[BaseModel]) -> dict[str, tuple[str, ...]]:
    """The columns of ``model`` that name other entities, with the kinds they may name."""
    found: dict[str, tuple[str, ...]] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and "refs" in extra:
            found[name] = tuple(str(kind) for kind in extra["refs"])  # type: ignore[union-attr]
    return found


SlugList = Annotated[list[Annotated[str, Field(pattern=SLUG)]], BeforeValidator(_split_list)]
TextList = Annotated[list[str], BeforeValidator(_split_list)]
OptionalSlug = Annotated[str | None, BeforeValidator(_blank_to_none), Field(pattern=SLUG)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_to_none), Field(ge=0)]
OptionalFloat = Annotated[float | None, BeforeValidator(_blank_to_none)]


class Basis(StrEnum):
    review = "review"
    curator = "curator"


class Row(BaseModel):
    """Provenance columns carried by every row."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=True)

    #: file name of the table this model reads
    table: ClassVar[str]
    #: ``entity`` tables define things; ``fact`` tables relate them
    kind: ClassVar[str] = "fact"
    #: columns whose values identify the row within its table (the evidence IRI is built from them)
    key: ClassVar[tuple[str, ...]]

    refs: Annotated[
        list[int], BeforeValidator(lambda v: parse_refs(v) if isinstance(v, str) else v)
    ] = []
    quote: str = Field(min_length=1)
    location: str = Field(
        min_length=3, description="section heading, or 'Table N, row …, column …'"
    )
    basis: Basis = Basis.review
    note: OptionalText = None

    @model_validator(mode="after")
    def _curator_rows_explain(self) -> Row:
        if self.basis == Basis.curator and not self.note:
            raise ValueError("basis is 'curator' but note is empty: say what the curator inferred")
        return self

    def key_values(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, name) or "") for name in self.key)

    def id_words(self) -> tuple[str, ...]:
        """The words of the row's IRIs (its key values, unless a table shortens them)."""
        return self.key_values()


def parse_refs(text: str) -> list[int]:
    """Parse ``"17-19;21"`` into ``[17, 18, 19, 21]``; an empty cell means no citation."""
    refs: list[int] = []
    for part in filter(None, (p.strip() for p in re.split(r"[;,]", text))):
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise ValueError(f"'{part}' is not a reference number or range like 17-19")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise ValueError(f"reference range '{part}' runs backwards")
        refs.extend(range(first, last + 1))
    return refs


class Modality(StrEnum):
    """How the review words the claim: as a result, hedged ("may", "suggest"), or speculated."""

    stated = "stated"
    hedged = "hedged"
    hypothesis = "hypothesis"


class Scope(StrEnum):
    """Whom the claim is about: the drug the row names, or antitumour drugs in general."""

    drug_specific = "drug_specific"
    antitumour_general = "antitumour_general"


class EvidenceType(StrEnum):
    cell_line = "cell_line"
    xenograft = "xenograft"
    patient_tissue = "patient_tissue"
    #: tumour tissue whose origin (patients or animals) the review does not state
    tissue_unspecified = "tissue_unspecified"
    clinical_trial = "clinical_trial"
    retrospective_analysis = "retrospective_analysis"
    review_statement = "review_statement"


class Supports(StrEnum):
    """Whether the quoted evidence supports the claim or speaks against it."""

    yes = "yes"
    no = "no"


class Claim(BaseModel):
    """The strength of a claim, as a clinical evidence base records it (docs/curation.md)."""

    modality: Modality = Field(description="stated, hedged ('may', 'suggest') or hypothesis")
    scope: Scope = Field(description="drug_specific, or antitumour_general")
    evidence_type: EvidenceType = Field(
        description="cell_line, xenograft, patient_tissue (only when the review says the tissue "
        "is patients'), tissue_unspecified, clinical_trial, retrospective_analysis or "
        "review_statement (a trial's phase is the trial's)"
    )
    supports: Supports = Field(description="yes, or no when the evidence speaks against it")


# --- entity tables ---------------------------------------------------------------------------


class Entity(Row):
    kind: ClassVar[str] = "entity"
    key = ("id",)
    #: the IRI path segment for this table's entities (``drug`` → ``…/drug/<id>``)
    segment: ClassVar[str]

    id: Slug = Field(description="the entity's IRI is {base}{segment}/{id}")
    label: str = Field(min_length=1, description="the name the review uses")
    synonyms: TextList = Field([], description="other names the review uses")


class DrugClass(StrEnum):
    small_molecule = "small_molecule"
    antibody = "antibody"
    cytotoxic = "cytotoxic"
    hormone_analogue = "hormone_analogue"
    immunomodulator = "immunomodulator"
    natural_product = "natural_product"
    molecular_targeted = "molecular_targeted"
    kinase_inhibitor = "kinase_inhibitor"
    tyrosine_kinase_inhibitor = "tyrosine_kinase_inhibitor"
    multikinase_inhibitor = "multikinase_inhibitor"
    combination_product = "combination_product"


class Drug(Entity):
    """A drug or experimental compound the review names."""

    table = "drugs.csv"
    segment = "drug"
    components: SlugList = ref(
        "drug", description="for a combination product, its components", default=[]
    )
    analogue_of: OptionalSlug = ref(
        "drug", description="the compound this one is an analogue of", default=None
    )


class InterventionKind(StrEnum):
    placebo = "placebo"
    supportive_care = "supportive_care"
    gene_knockdown = "gene_knockdown"
    ectopic_expression = "ectopic_expression"
    procedure = "procedure"
    pharmacological_inhibition = "pharmacological_inhibition"


class Intervention(Entity):
    """A non-drug intervention: placebo, best supportive care, a gene knockdown, a procedure."""

    table = "interventions.csv"
    segment = "intervention"
    type: InterventionKind
    target: OptionalSlug = ref(
        "molecule", description="the molecule a knockdown acts on", default=None
    )


class MoleculeType(StrEnum):
    protein = "protein"
    protein_family = "protein_family"
    protein_complex = "protein_complex"
    phosphoprotein = "phosphoprotein"
    cytokine = "cytokine"


class Molecule(Entity):
    """A protein, protein family or complex: targets, pathway members, biomarkers."""

    table = "molecules.csv"
    segment = "molecule"
    type: MoleculeType
    classes: Annotated[list[str], BeforeValidator(_split_list)] = Field(
        [], description="target classes from the ontology (e.g. VEGFR, ReceptorTyrosineKinase)"
    )
    gene: OptionalText = Field(None, description="HGNC symbol of a single-gene protein")
    member_of: SlugList = ref(
        "molecule", description="protein families this protein belongs to", default=[]
    )
    form_of: OptionalSlug = ref(
        "molecule", description="for a phosphorylated form, the protein", default=None
    )


class PathwayType(StrEnum):
    signaling_pathway = "signaling_pathway"
    cellular_process = "cellular_process"


class Pathway(Entity):
    """A signalling pathway or cellular process (MAPK, PI3K/Akt, EMT, autophagy …)."""

    table = "pathways.csv"
    segment = "pathway"
    type: PathwayType


class MechanismType(StrEnum):
    primary = "primary"
    acquired = "acquired"


class Mechanism(Entity, Claim):
    """A resistance mechanism (primary or acquired)."""

    table = "mechanisms.csv"
    segment = "mechanism"
    type: MechanismType
    resistance_to: Slug = ref("drug", description="the drug the tumour resists")
    definition: OptionalText = None


class ModelType(StrEnum):
    cell_line = "cell_line"
    resistant_cell_line = "resistant_cell_line"
    engineered_cell_line = "engineered_cell_line"
    xenograft = "xenograft"
    patient_tissue = "patient_tissue"
    #: tissue whose origin (patients or animals) the review does not state
    tissue = "tissue"


class Model(Entity):
    """A preclinical model or sample set (cell lines, xenografts, tissue specimens)."""

    table = "models.csv"
    segment = "model"
    type: ModelType
    derived_from: OptionalSlug = ref("model", default=None)


class Phase(StrEnum):
    phase_2 = "II"
    phase_3 = "III"
    retrospective = "retrospective"
    unspecified = "unspecified"


class Status(StrEnum):
    completed = "completed"
    ongoing = "ongoing"
    recruiting = "recruiting"
    halted = "halted"


class Strategy(StrEnum):
    combination = "combination"
    second_line = "second_line"
    first_line = "first_line"
    biomarker = "biomarker"
    monotherapy = "monotherapy"


class DesignFeature(StrEnum):
    randomized = "randomized"
    placebo_controlled = "placebo_controlled"
    double_blind = "double_blind"
    open_label = "open_label"
    multicentre = "multicentre"
    controlled = "controlled"
    retrospective = "retrospective"


class PrimaryOutcome(StrEnum):
    """Primary outcomes as Table 2 writes them."""

    OS = "OS"
    TTP = "TTP"
    PFS = "PFS"
    SD = "SD"
    RR = "RR"
    adverse_event = "Adverse Event"
    disease_progression = "Disease Progression"


class Trial(Entity):
    """A clinical study: the trials of Tables 1 and 2 and those the text cites."""

    table = "trials.csv"
    segment = "trial"
    nct: OptionalText = Field(
        None, pattern=r"^NCT\d{8}$", description="ClinicalTrials.gov number; then id = nct"
    )
    acronym: OptionalText = Field(None, description="the trial's name, e.g. SHARP")
    phase: Phase
    status: Status
    strategy: Strategy
    design: Annotated[list[DesignFeature], BeforeValidator(_split_list)] = []
    source_table: OptionalText = Field(None, pattern=r"^(1|2)$")
    enrolled: OptionalInt = None
    primary_outcome: Annotated[PrimaryOutcome | None, BeforeValidator(_blank_to_none)] = None

    @model_validator(mode="after")
    def _id_is_nct_when_registered(self) -> Trial:
        # registered trials are named by their registry number, so their IRIs are predictable
        if self.nct and self.id != self.nct:
            raise ValueError(f"id must be the trial's NCT number ('{self.nct}')")
        return self


class Biomarker(Entity):
    """A candidate biomarker: a measured quantity of a molecule in a kind of sample."""

    table = "biomarkers.csv"
    segment = "biomarker"
    molecule: Slug = ref("molecule")
    sample: str


ENTITY_MODELS: tuple[type[Entity], ...] = (
    Drug,
    Intervention,
    Molecule,
    Pathway,
    Mechanism,
    Model,
    Trial,
    Biomarker,
)


# --- fact tables -----------------------------------------------------------------------------


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


FACT_MODELS: tuple[type[Row], ...] = (
    DrugClassAssertion,
    DrugAction,
    PathwayMember,
    MechanismPathway,
    MechanismFinding,
    Reversal,
    BiomarkerFinding,
    EndpointResult,
    Arm,
    Outcome,
    AdverseEvent,
    Discrepancy,
    Conclusion,
    Comparison,
    ReferenceCheck,
)

ALL_MODELS: tuple[type[Row], ...] = ENTITY_MODELS + FACT_MODELS


def columns(model: type[Row]) -> list[str]:
    """The CSV header of a table, in the order the model declares its fields."""
    shared: list[str] = list(Claim.model_fields) if issubclass(model, Claim) else []
    own = [n for n in model.model_fields if n not in Row.model_fields and n not in shared]
    return own + shared + list(Row.model_fields)
