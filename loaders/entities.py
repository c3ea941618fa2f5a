"""The entity tables: one row per drug, molecule, pathway, mechanism, model, trial, biomarker."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, model_validator

from .rows import (
    Claim,
    OptionalInt,
    OptionalSlug,
    OptionalText,
    Row,
    Slug,
    SlugList,
    TextList,
    _blank_to_none,
    _split_list,
    ref,
)


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
    design: Annotated[list[DesignFeature], BeforeValidator(_split_list)] = Field(
        default_factory=list
    )
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
