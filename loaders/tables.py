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

The models live in three modules: :mod:`.rows` (what every table shares), :mod:`.entities` and
:mod:`.facts`; this module names them all and holds the registries the reader, the RDF mapping
and the docs go through.
"""

from __future__ import annotations

from .entities import (
    ENTITY_MODELS,
    Biomarker,
    DesignFeature,
    Drug,
    DrugClass,
    Entity,
    Intervention,
    InterventionKind,
    Mechanism,
    MechanismType,
    Model,
    ModelType,
    Molecule,
    MoleculeType,
    Pathway,
    PathwayType,
    Phase,
    PrimaryOutcome,
    Status,
    Strategy,
    Trial,
)
from .facts import (
    WRONG,
    Action,
    AdverseEvent,
    Arm,
    ArmRole,
    BiomarkerFinding,
    Change,
    CheckVerdict,
    Comparison,
    ComparisonResult,
    Conclusion,
    ConclusionKind,
    Direction,
    Discrepancy,
    DrugAction,
    DrugClassAssertion,
    EndpointResult,
    Measure,
    MechanismFinding,
    MechanismPathway,
    MemberRole,
    Outcome,
    PathwayMember,
    ReferenceCheck,
    Reversal,
    Significance,
    Statistic,
    Unit,
    Verdict,
    key_parts,
)
from .rows import (
    SLUG,
    Basis,
    Claim,
    EvidenceType,
    Modality,
    OptionalFloat,
    OptionalInt,
    OptionalSlug,
    OptionalText,
    Row,
    Scope,
    Slug,
    SlugList,
    Supports,
    TextList,
    _blank_to_none,
    _split_list,
    parse_refs,
    ref,
    references,
)

__all__ = [
    "ALL_MODELS",
    "ENTITY_MODELS",
    "FACT_MODELS",
    "SLUG",
    "WRONG",
    "Action",
    "AdverseEvent",
    "Arm",
    "ArmRole",
    "Basis",
    "Biomarker",
    "BiomarkerFinding",
    "Change",
    "CheckVerdict",
    "Claim",
    "Comparison",
    "ComparisonResult",
    "Conclusion",
    "ConclusionKind",
    "DesignFeature",
    "Direction",
    "Discrepancy",
    "Drug",
    "DrugAction",
    "DrugClass",
    "DrugClassAssertion",
    "EndpointResult",
    "Entity",
    "EvidenceType",
    "Intervention",
    "InterventionKind",
    "Measure",
    "Mechanism",
    "MechanismFinding",
    "MechanismPathway",
    "MechanismType",
    "MemberRole",
    "Modality",
    "Model",
    "ModelType",
    "Molecule",
    "MoleculeType",
    "OptionalFloat",
    "OptionalInt",
    "OptionalSlug",
    "OptionalText",
    "Outcome",
    "Pathway",
    "PathwayMember",
    "PathwayType",
    "Phase",
    "PrimaryOutcome",
    "ReferenceCheck",
    "Reversal",
    "Row",
    "Scope",
    "Significance",
    "Slug",
    "SlugList",
    "Statistic",
    "Status",
    "Strategy",
    "Supports",
    "TextList",
    "Trial",
    "Unit",
    "Verdict",
    "_blank_to_none",
    "_split_list",
    "columns",
    "key_parts",
    "parse_refs",
    "ref",
    "references",
]


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
